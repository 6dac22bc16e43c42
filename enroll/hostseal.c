/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Sealed secrets on the enrollment side: when the host has a public key (seal=optional,
 * the default, or seal=required), the new secret is sealed to it before it is written, so
 * only the module, as root, can open it (see seal.h). And --host-keygen, root's one-time
 * setup of that key pair.
 *
 * The public key sits next to the module's private key: seal_key= with ".key" replaced by
 * ".pub" (by default /etc/security/pam_otp.pub).
 */
#include "enroll.h"
#include "err.h"
#include "seal.h"
#include "secmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


void host_key_paths(const struct ctx *c, char *priv, char *pub, size_t sz)
{
	const char *key = otp_cfg_str(c->cfg.seal_key, OTP_SEAL_PRIVATE_KEY);
	size_t n = strlen(key);

	snprintf(priv, sz, "%s", key);
	if (c->cfg.seal_pub)
		snprintf(pub, sz, "%s", c->cfg.seal_pub);
	else if (!c->cfg.seal_key)
		snprintf(pub, sz, "%s", OTP_SEAL_PUBLIC_KEY);
	else if (n > 4 && strcmp(key + n - 4, ".key") == 0)
		snprintf(pub, sz, "%.*s.pub", (int)(n - 4), key);
	else
		snprintf(pub, sz, "%s.pub", key);
}

int seal_record(struct ctx *c, struct otp_record *rec)
{
	char priv[4096], pub[4096];
	struct otp_why why;
	struct otp_hostkey *key = NULL;
	int rc;

	if (c->cfg.seal == OTP_SEAL_OFF || rec->secret_len == 0)
		return EXIT_OK;
	host_key_paths(c, priv, pub, sizeof(pub));
	rc = otp_hostkey_load(pub, 0, &key, &why);
	if (rc == OTP_E_NOENT && c->cfg.seal != OTP_SEAL_REQUIRED)
		return EXIT_OK; /* no host key: the secret is stored plain, as before */
	if (rc != OTP_OK) {
		say("cannot seal the secret: %s (ask an administrator%s)",
		    rc == OTP_E_NOENT ? "no host key, and pam_otp.conf says seal=required" : why.text,
		    rc == OTP_E_NOENT ? " to run 'otp-enroll --host-keygen'" : "");
		return EXIT_FAIL;
	}
	/* Bound to the user and the path the module opens, as the module will check. */
	rc = otp_seal(key, c->user, c->path, rec->secret, rec->secret_len, &rec->seal);
	otp_hostkey_free(key);
	if (rc != OTP_OK) {
		say("cannot seal the secret: %s", otp_strerror(rc));
		return EXIT_FAIL;
	}
	rec->sealed = true;
	otp_wipe(rec->secret, sizeof(rec->secret));
	rec->secret_len = 0;
	return EXIT_OK;
}

int do_host_keygen(struct ctx *c)
{
	char priv[4096], pub[4096];
	int rc;

	if (geteuid() != 0) {
		say("--host-keygen: only root can make the host key");
		return EXIT_USAGE;
	}
	host_key_paths(c, priv, pub, sizeof(pub));
	rc = otp_hostkey_generate(priv, pub);
	if (rc != OTP_OK) {
		say("cannot write %s and %s: %s (an existing key is never replaced: move it to "
		    "%s.old first, so secrets sealed to it still open)", priv, pub,
		    access(priv, F_OK) == 0 ? "it exists" : otp_strerror(rc), priv);
		return EXIT_FAIL;
	}
	note(c, "Host key made: %s (private, 0600) and %s (public). New enrollments are "
		"sealed to it; re-enroll (otp-enroll --rotate) to seal existing ones.", priv, pub);
	return EXIT_OK;
}

int host_keys_load(const char *priv, const char *pub, struct host_keys *k)
{
	char old[4200];
	struct otp_why why;
	int rc;

	snprintf(old, sizeof(old), "%s.old", priv);
	if ((rc = otp_hostkey_load(pub, 0, &k->pub, &why)) != OTP_OK) {
		say("%s", rc == OTP_E_NOENT ? "no host key: make one with --host-keygen" : why.text);
		return EXIT_FAIL;
	}
	otp_hostkey_id(k->pub, k->pub_id);
	if (otp_hostkey_load(priv, 1, &k->priv[k->npriv], &why) == OTP_OK)
		k->npriv++;
	if (otp_hostkey_load(old, 1, &k->priv[k->npriv], &why) == OTP_OK)
		k->npriv++;
	return EXIT_OK;
}

void host_keys_free(struct host_keys *k)
{
	for (unsigned i = 0; i < k->npriv; i++)
		otp_hostkey_free(k->priv[i]);
	otp_hostkey_free(k->pub);
	*k = (struct host_keys){ 0 };
}
