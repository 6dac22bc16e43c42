/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * otp-enroll --migrate=ldap [--dry-run] (root): every file enrollment into the directory.
 *
 * Each user's file is held under its lock while their record is copied into their entry
 * (re-sealed from the file's path to the entry's DN), and is then replaced, under the same
 * lock, by a note that says where the enrollment went. A host still on store=file then
 * refuses that user's logins with that reason, never as "not enrolled" (which nullok would
 * let through). A record already in the directory is never overwritten.
 */
#include "enroll.h"
#include "err.h"
#include "seal.h"
#include "secmem.h"
#include "store_ldap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct moves { unsigned moved, present, failed; };

/* From sealed to the file's path to sealed to the entry (a plain secret is sealed if it can). */
static int reseal(const struct ctx *c, const struct host_keys *k, struct otp_record *rec,
		  const char *dest, const char **why)
{
	uint8_t secret[OTP_SECRET_MAX];
	size_t len = 0;
	int rc = OTP_OK;

	if (rec->sealed) {
		const struct otp_hostkey *key = otp_hostkey_find(k->priv, k->npriv,
								 rec->seal.keyid);
		if (!key) {
			*why = "sealed to a host key this host does not have";
			return OTP_E_CRYPTO;
		}
		rc = otp_unseal(key, c->user, c->path, &rec->seal, secret, &len);
	} else if (rec->secret_len && k->pub) {
		memcpy(secret, rec->secret, rec->secret_len);
		len = rec->secret_len;
	} else {
		return OTP_OK; /* SMS only, or no key to seal to: stays as it is */
	}
	if (rc == OTP_OK)
		rc = otp_seal(k->pub, c->user, dest, secret, len, &rec->seal);
	otp_wipe(secret, sizeof(secret));
	if (rc != OTP_OK) {
		*why = "the secret could not be re-sealed to the entry";
		return rc;
	}
	rec->sealed = true;
	otp_wipe(rec->secret, sizeof(rec->secret));
	rec->secret_len = 0;
	return OTP_OK;
}

/* Where the enrollment went, in place of the file (parsed as "moved": closed, with why). */
static int leave_note(struct otp_txn *t, const char *dest)
{
	char note[OTP_WHY_MAX + 256];
	time_t now = time(NULL);
	char when[32];
	int n;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	n = snprintf(note, sizeof(note), "# pam_otp: moved to the directory by otp-enroll "
		     "--migrate=ldap on %s:\n# %s\n# Logins need store=ldap in pam_otp.conf "
		     "(pam_otp(8), FLEET).\nversion moved\n", when, dest);
	if (n < 0 || (size_t)n >= sizeof(note))
		return OTP_E_TOOBIG;
	return t->store->ops->write(t->store, t, note, (size_t)n, 0);
}

/* Under the file's lock: into the directory, then the note over the file. */
static const char *move_one(struct ctx *f, const struct ctx *root, const struct host_keys *k,
			    bool dry, struct moves *m)
{
	struct otp_store dir = { 0 };
	struct otp_txn ft = OTP_TXN_INIT, dt = OTP_TXN_INIT;
	struct otp_record rec, cur;
	struct otp_why why = { 0 };
	static char msg[4400];
	const char *what = NULL, *reason = NULL;
	char dest[4200];
	int rc;

	rc = otp_txn_begin(&ft, &f->store, f->cfg.lock_timeout, &rec);
	if (rc == OTP_E_PARSE && strstr(ft.perr.text, "moved to the directory")) {
		m->present++; /* an earlier run (or another host on the same home) moved it */
		otp_txn_end(&ft);
		otp_record_clear(&rec);
		return "moved already: the file is the note an earlier run left";
	}
	if (rc == OTP_OK)
		rc = otp_store_ldap_open(&dir, &root->cfg, f->user, NULL, &why);
	if (rc == OTP_OK) {
		snprintf(dest, sizeof(dest), "ldap:%s", otp_store_ldap_dn(&dir));
		rc = otp_txn_begin(&dt, &dir, 0, &cur);
		otp_record_clear(&cur);
		if (rc == OTP_OK || rc == OTP_E_PARSE) {
			m->present++;
			what = "the directory already has a record for this user: left as it is";
		} else if (rc != OTP_E_NOENT) {
			/* the directory failed: said below */
		} else if ((rc = reseal(f, k, &rec, dest, &reason)) != OTP_OK) {
			/* said below; a dry run finds it too */
		} else if (dry) {
			m->moved++;
			what = "would be moved";
		} else if ((rc = otp_txn_create(&dt, &rec)) == OTP_OK) {
			/* Until the note replaces it, a host on files would go on with its own
			 * state: that is a failure to report, not a move. */
			if ((rc = leave_note(&ft, dest)) == OTP_OK)
				m->moved++;
			snprintf(msg, sizeof(msg), "%s %s%s", rc == OTP_OK ? "moved to" :
				 "copied to", dest, rc == OTP_OK ? "" : ", but the file could not be "
				 "replaced by the note: remove it by hand");
			what = msg;
			if (rc != OTP_OK)
				m->failed++;
		}
		otp_txn_end(&dt);
	}
	if (!what) {
		m->failed++;
		snprintf(msg, sizeof(msg), "not moved: %s", reason ? reason : why.text[0] ? why.text :
			 ft.perr.text[0] ? ft.perr.text : dir.why ? otp_why_text(dir.why, rc) :
			 otp_why_text(f->store.why, rc));
		what = msg;
	}
	otp_txn_end(&ft);
	otp_record_clear(&rec);
	otp_store_ldap_close(&dir);
	return what;
}

static void one_user(const struct ctx *root, const char *name, const struct host_keys *k,
		     bool dry, struct moves *m)
{
	struct options o = *root->o;
	struct ctx f;
	struct stat st;

	o.user = name;
	o.quiet = true;
	if (ctx_setup(&f, &o) != EXIT_OK || lstat(f.path, &st) != 0) {
		ctx_cleanup(&f); /* no home or not enrolled: nothing to do */
		return;
	}
	if (target_open(&f) != EXIT_OK) {
		m->failed++;
		printf("%s: %s: cannot open it (see above)\n", name, f.path);
	} else {
		printf("%s: %s: %s\n", name, f.path, move_one(&f, root, k, dry, m));
	}
	ctx_cleanup(&f);
}

int do_migrate(struct ctx *c)
{
	char priv[4096], pub[4096];
	struct host_keys k = { 0 };
	struct moves m = { 0 };
	char **names;
	size_t n = 0;

	if (c->cfg.store != OTP_STORE_LDAP || !c->cfg.ldap_uri) {
		say("--migrate=ldap needs store=ldap and the ldap_* settings in pam_otp.conf");
		return EXIT_USAGE;
	}
	host_key_paths(c, priv, pub, sizeof(pub));
	if (c->cfg.seal != OTP_SEAL_OFF && host_keys_load(priv, pub, &k) != EXIT_OK &&
	    c->cfg.seal == OTP_SEAL_REQUIRED)
		return EXIT_FAIL; /* said why */
	names = user_names(&n);
	for (size_t i = 0; i < n; i++) {
		one_user(c, names[i], &k, c->o->dry_run, &m);
		free(names[i]);
	}
	free(names);
	printf("%s: %u %s, %u already in the directory, %u failed\n",
	       c->o->dry_run ? "dry run" : "migrate", m.moved,
	       c->o->dry_run ? "to move" : "moved", m.present, m.failed);
	host_keys_free(&k);
	return m.failed ? EXIT_FAIL : EXIT_OK;
}
