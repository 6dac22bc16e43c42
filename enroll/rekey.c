/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * otp-enroll --host-rekey [--dry-run] (root): rotate the host key and re-seal every
 * enrolled file to the new one.
 *
 * Order keeps every login working throughout: the current key becomes KEY.old (the module
 * opens secrets sealed to either), a new key takes its place, then each user's file is
 * re-sealed under that user's lock, with the user's file-system identity for home files.
 * KEY.old is left for the administrator to remove once a dry run shows nothing needs it.
 */
#include "enroll.h"
#include "err.h"
#include "seal.h"
#include "secmem.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_USERS 100000

struct tally { unsigned resealed, current, plain, unknown, failed; };

struct reseal_arg {
	const struct host_keys *k;
	const char *user, *path;
};

/* Under the user's lock: open with the old key, seal to the new one. */
static int reseal(struct otp_record *rec, void *arg)
{
	struct reseal_arg *a = arg;
	const struct otp_hostkey *old =
		rec->sealed ? otp_hostkey_find(a->k->priv, a->k->npriv, rec->seal.keyid) : NULL;
	uint8_t secret[OTP_SECRET_MAX];
	size_t len = 0;
	int rc;

	if (!old)
		return OTP_E_CRYPTO;
	rc = otp_unseal(old, a->user, a->path, &rec->seal, secret, &len);
	if (rc == OTP_OK)
		rc = otp_seal(a->k->pub, a->user, a->path, secret, len, &rec->seal);
	otp_wipe(secret, sizeof(secret));
	return rc;
}

static void one_user(const struct options *base, const char *name, const struct host_keys *k,
		     bool dry, bool preview, struct tally *t)
{
	struct options o = *base;
	struct otp_record rec;
	struct ctx c;
	struct stat st;
	const char *what;

	o.user = name;
	o.quiet = true;
	if (ctx_setup(&c, &o) != EXIT_OK || lstat(c.path, &st) != 0) {
		ctx_cleanup(&c); /* no home or not enrolled: nothing to do */
		return;
	}
	if (target_open(&c) != EXIT_OK || read_record(&c, &rec) != EXIT_OK) {
		t->failed++;
		what = "cannot read it (see above)";
	} else if (!rec.sealed && rec.secret_len == 0) {
		t->plain++;
		what = "SMS only: no secret to seal";
	} else if (!rec.sealed) {
		t->plain++;
		what = "plain secret, not sealed (the user can seal it with otp-enroll --rotate)";
	} else if (preview && memcmp(rec.seal.keyid, k->pub_id, OTP_SEAL_KEYID_LEN) == 0) {
		t->resealed++;
		what = "would be re-sealed to a new key";
	} else if (memcmp(rec.seal.keyid, k->pub_id, OTP_SEAL_KEYID_LEN) == 0) {
		t->current++;
		what = "already sealed to the current key";
	} else if (!otp_hostkey_find(k->priv, k->npriv, rec.seal.keyid)) {
		t->unknown++;
		what = "sealed to a key that is neither the current nor the old one: not re-sealed";
	} else if (dry) {
		t->resealed++;
		what = "would be re-sealed to the new key";
	} else {
		struct reseal_arg a = { k, c.user, c.path };
		bool ok = locked_update(&c, reseal, &a) == EXIT_OK;
		ok ? t->resealed++ : t->failed++;
		what = ok ? "re-sealed to the new key" : "re-sealing failed (see above)";
	}
	if (c.file_open)
		otp_record_clear(&rec);
	printf("%s: %s: %s\n", name, c.path, what);
	ctx_cleanup(&c);
}

/* Move KEY to KEY.old (and PUB to PUB.old), then make a new pair. */
static int rotate_files(const char *priv, const char *pub)
{
	char old[4200], oldpub[4200];

	snprintf(old, sizeof(old), "%s.old", priv);
	snprintf(oldpub, sizeof(oldpub), "%s.old", pub);
	if (access(old, F_OK) == 0) {
		/* Resume, never rotate twice: a second new key would strand files still
		 * sealed to KEY.old (the module reads only KEY and KEY.old). */
		printf("%s exists: a previous rotation is not finished; re-sealing what is still "
		       "sealed to it, no new key made\n", old);
		return EXIT_OK;
	}
	if (access(priv, F_OK) == 0 && (rename(priv, old) != 0 || (access(pub, F_OK) == 0 &&
								   rename(pub, oldpub) != 0))) {
		say("cannot move the current key aside: %s", strerror(errno));
		return EXIT_FAIL;
	}
	if (otp_hostkey_generate(priv, pub) != OTP_OK) {
		say("cannot write the new key %s: %s", priv, strerror(errno));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* getpwent's buffer is reused: copy the names first, then visit each. */
char **user_names(size_t *n)
{
	char **names = NULL;
	struct passwd *pw;

	*n = 0;
	setpwent();
	while ((pw = getpwent()) != NULL && *n < MAX_USERS) {
		char **more = realloc(names, (*n + 1) * sizeof(*names));
		if (!more || !(more[*n] = strdup(pw->pw_name))) {
			names = more ? more : names;
			break;
		}
		names = more;
		(*n)++;
	}
	endpwent();
	return names;
}

int do_host_rekey(struct ctx *c)
{
	char priv[4096], pub[4096];
	struct host_keys k = { 0 };
	struct tally t = { 0 };
	char old[4200];
	bool dry = c->o->dry_run, preview;
	size_t n = 0;
	char **names;
	int rc;

	if (geteuid() != 0) {
		say("--host-rekey: only root can rotate the host key");
		return EXIT_USAGE;
	}
	if (c->cfg.store == OTP_STORE_LDAP) {
		say("--host-rekey re-seals files; with store=ldap the fleet key is rotated by "
		    "re-enrolling (--user=NAME --rotate), see pam_otp(8), FLEET");
		return EXIT_FAIL;
	}
	host_key_paths(c, priv, pub, sizeof(pub));
	/* A dry run with no rotation under way previews one: every file on the current key
	 * would move. With KEY.old present it shows what still needs the old key. */
	snprintf(old, sizeof(old), "%s.old", priv);
	preview = dry && access(old, F_OK) != 0;
	if (!dry && (rc = rotate_files(priv, pub)) != EXIT_OK)
		return rc;
	if ((rc = host_keys_load(priv, pub, &k)) != EXIT_OK)
		return rc;
	names = user_names(&n);
	for (size_t i = 0; i < n; i++) {
		one_user(c->o, names[i], &k, dry, preview, &t);
		free(names[i]);
	}
	free(names);
	printf("%s: %u %s, %u already current, %u plain, %u sealed to an unknown key, %u failed\n",
	       dry ? "dry run" : "rekey", t.resealed, dry ? "to re-seal" : "re-sealed", t.current,
	       t.plain, t.unknown, t.failed);
	if (!dry)
		printf("The old key stays in %s.old so that nothing breaks meanwhile; remove it once "
		       "a dry run reports nothing sealed to it.\n", priv);
	host_keys_free(&k);
	return t.failed || t.unknown ? EXIT_FAIL : EXIT_OK;
}
