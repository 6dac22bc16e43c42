/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The enrollment steps: a new secret, shown and confirmed before anything is written;
 * --rotate (the same, into an existing file under its lock); and the import of a
 * google-authenticator file.
 */
#include "enroll.h"
#include "backup.h"
#include "err.h"
#include "gauth_import.h"
#include "path.h"
#include "secmem.h"
#include "verify.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/rand.h>

#define CONFIRM_TRIES 3

/* RFC 4226/6238 advise a key as long as the hash output. */
static size_t secret_bytes(enum otp_alg alg)
{
	return alg == OTP_SHA512 ? 64 : alg == OTP_SHA256 ? 32 : 20;
}

int new_record(struct ctx *c, const struct otp_record *base, struct otp_record *rec)
{
	const struct options *o = c->o;

	otp_record_init(rec);
	if (base) {
		rec->type = base->type;
		rec->alg = base->alg;
		rec->digits = base->digits;
		rec->period = base->period;
	}
	if (o->type_set)
		rec->type = o->type;
	if (o->alg_set)
		rec->alg = o->alg;
	if (o->digits_set)
		rec->digits = o->digits;
	if (o->period_set)
		rec->period = o->period;
	if (o->phone_set)
		strcpy(rec->phone, o->phone); /* checked against OTP_PHONE_MAX in main */
	if (o->secret_stdin) /* a token programmed elsewhere: its secret, never from argv */
		return read_secret_stdin(rec) == EXIT_OK ? EXIT_OK : (otp_record_clear(rec), EXIT_FAIL);
	rec->secret_len = secret_bytes(rec->alg);
	if (RAND_bytes(rec->secret, (int)rec->secret_len) != 1) {
		say("the random number generator failed");
		otp_record_clear(rec);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* (confirm records the code as used, so the same code cannot log in afterwards.) */
int confirm(struct ctx *c, struct otp_record *rec)
{
	struct otp_policy pol = c->cfg.policy;

	pol.max_failures = 0; /* a typo here must not lock the new enrollment */
	pol.hotp_resync = 0;
	for (int i = 0; i < CONFIRM_TRIES; i++) {
		struct otp_outcome out;
		char code[64];
		int n = prompt_code("Enter the code the app shows now, to confirm: ", code,
				    sizeof(code));
		int rc;

		if (n == -1) {
			say("no code entered (end of input): nothing was written");
			return EXIT_FAIL;
		}
		rc = n < 0 ? OTP_E_WRONG : otp_verify(rec, &pol, code, time(NULL), &out);
		otp_wipe(code, sizeof(code));
		if (rc == OTP_OK) {
			note(c, "Code confirmed.\n");
			return EXIT_OK;
		}
		otp_note_success(rec); /* forget the failure otp_verify counted */
		if (rc != OTP_E_WRONG && rc != OTP_E_REPLAY) {
			say("cannot check the code: %s", otp_strerror(rc));
			return EXIT_FAIL;
		}
		say("that is not the right code%s", i + 1 < CONFIRM_TRIES ? "; try again" : "");
	}
	say("the code could not be confirmed, so nothing was written. Check that the app "
	    "shows %u digits, uses %s%s, and that the phone's clock is right.", rec->digits,
	    otp_alg_name(rec->alg), rec->type == OTP_TOTP ? " and the time step" : "");
	return EXIT_FAIL;
}

/* Write rec as a new file, or over the existing one (--force) under its lock. */
static int write_record(struct ctx *c, const struct otp_record *rec)
{
	struct otp_locked lk = { .fd = -1 };
	char *text = NULL;
	size_t len = 0;
	int rc = otp_record_format(rec, &text, &len);

	if (rc != OTP_OK) {
		say("cannot format %s: %s", c->path, otp_strerror(rc));
		return EXIT_FAIL;
	}
	if (c->ldap) {
		otp_free_str(text);
		return directory_put(c, rec, c->o->force);
	}
	if (c->o->force && otp_file_exists(&c->file)) {
		rc = otp_file_lock(&c->file, c->cfg.lock_timeout, &lk);
		if (rc == OTP_OK)
			rc = otp_file_replace(&c->file, &lk, text, len);
		otp_file_unlock(&lk);
	} else {
		/* An admin store is root's: the user must not be able to edit the state. */
		rc = otp_file_create(&c->file, text, len, c->admin_path ? 0 : c->uid,
				     c->admin_path ? 0 : c->gid);
	}
	otp_free_str(text);
	if (rc != OTP_OK) {
		say("cannot write %s: %s", c->path, file_why(c, rc));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* Checks before anything is shown: directory there and writable, no enrollment yet. */
static int check_target(struct ctx *c, bool *exists)
{
	int rc = target_open(c);

	*exists = false;
	if (rc == EXIT_OK)
		rc = record_exists(c, exists);
	if (rc != EXIT_OK)
		return rc;
	if (*exists && c->o->device && !c->o->force)
		return EXIT_OK; /* another device for an enrolled user */
	if (*exists && !c->o->force) {
		say("%s already exists: %s is already enrolled. Use --status to see it, --rotate "
		    "for a new secret, --backup-codes for new backup codes, or --force to start "
		    "over (the old secret then stops working).", c->path, c->user);
		return EXIT_FAIL;
	}
	return target_writable(c);
}

static void done(const struct ctx *c)
{
	note(c, "Done: the second factor of %s is active (%s).", c->user, c->path);
}

int do_enroll(struct ctx *c)
{
	char codes[OTP_BACKUP_MAX][OTP_BACKUP_TEXT];
	struct otp_record rec, tmp;
	bool exists;
	int rc;

	if ((rc = check_target(c, &exists)) != EXIT_OK)
		return rc;
	if (exists && c->o->device && !c->o->force) {
		if ((rc = read_record(c, &rec)) == EXIT_OK)
			rc = do_add_device(c, &rec);
		otp_record_clear(&rec);
		return rc;
	}
	if ((rc = new_record(c, NULL, &rec)) != EXIT_OK)
		return rc;
	if (c->o->device)
		snprintf(rec.name, sizeof(rec.name), "%s", c->o->device);
	rec.added = time(NULL);
	otp_record_init(&tmp);
	rc = show_new_secret(c, &rec);
	if (rc == EXIT_OK && !c->o->no_confirm)
		rc = confirm(c, &rec);
	if (rc == EXIT_OK)
		rc = make_backup_codes(&tmp, c->o->backup_count, codes);
	if (rc == EXIT_OK) {
		copy_backup_codes(&rec, &tmp);
		rc = seal_record(c, &rec);
	}
	if (rc == EXIT_OK)
		rc = write_record(c, &rec);
	if (rc == EXIT_OK) {
		show_backup_codes(c, codes, tmp.backup_count);
		done(c);
	}
	otp_wipe(codes, sizeof(codes));
	otp_record_clear(&tmp);
	otp_record_clear(&rec);
	return rc;
}

struct rotation {
	const struct otp_record *fresh;
	const struct otp_record *codes; /* NULL: keep the backup codes */
	const struct options *o;
};

static void rotate_device(struct otp_record *cur, const struct rotation *r);

/* Under the lock: the device's new secret and settings (the first device's without
 * --device); everything else stays. */
static int apply_rotation(struct otp_record *cur, void *arg)
{
	const struct rotation *r = arg;
	int i = r->o->device ? otp_device_find(cur, r->o->device) : 0;

	if (i < 0)
		return OTP_E_NOENT; /* removed meanwhile */
	otp_device_swap(cur, (unsigned)i);
	rotate_device(cur, r);
	otp_device_swap(cur, (unsigned)i);
	if (r->o->phone_set)
		strcpy(cur->phone, r->o->phone);
	if (r->codes)
		copy_backup_codes(cur, r->codes);
	return OTP_OK;
}

static void rotate_device(struct otp_record *cur, const struct rotation *r)
{
	const struct otp_record *n = r->fresh;

	cur->type = n->type;
	cur->alg = n->alg;
	cur->digits = n->digits;
	cur->period = n->period;
	otp_wipe(cur->secret, sizeof(cur->secret));
	memcpy(cur->secret, n->secret, n->secret_len);
	cur->secret_len = n->secret_len;
	cur->sealed = n->sealed;
	cur->seal = n->seal;
	/* The replay guard and counter belong to the old secret: take the new ones. */
	cur->counter = n->counter;
	cur->last_step = n->last_step;
	cur->resync_counter = -1;
	cur->drift = 0;
	cur->added = time(NULL);
	cur->matched = 0;
}

int do_rotate(struct ctx *c)
{
	char codes[OTP_BACKUP_MAX][OTP_BACKUP_TEXT];
	struct otp_record old, rec, tmp;
	struct rotation r = { .fresh = &rec, .o = c->o };
	int rc;

	if ((rc = target_open(c)) != EXIT_OK || (rc = read_record(c, &old)) != EXIT_OK)
		return rc;
	rc = target_writable(c);
	if (rc == EXIT_OK && c->o->device && otp_device_find(&old, c->o->device) < 0) {
		say("%s has no device called %s (--list shows them)", c->user, c->o->device);
		rc = EXIT_FAIL;
	}
	if (rc == EXIT_OK) {
		/* The device's own settings are the base of its new secret. */
		unsigned i = c->o->device ? (unsigned)otp_device_find(&old, c->o->device) : 0;

		otp_device_swap(&old, i);
		rc = new_record(c, &old, &rec);
	}
	otp_record_clear(&old);
	if (rc != EXIT_OK)
		return rc;
	otp_record_init(&tmp);
	rc = show_new_secret(c, &rec);
	if (rc == EXIT_OK && !c->o->no_confirm)
		rc = confirm(c, &rec);
	if (rc == EXIT_OK && c->o->new_backup) {
		rc = make_backup_codes(&tmp, c->o->backup_count, codes);
		r.codes = &tmp;
	}
	if (rc == EXIT_OK)
		rc = seal_record(c, &rec);
	if (rc == EXIT_OK)
		rc = locked_update(c, apply_rotation, &r);
	if (rc == EXIT_OK) {
		if (r.codes)
			show_backup_codes(c, codes, tmp.backup_count);
		note(c, "Done: %s has a new secret; the old one no longer works.", c->user);
	}
	otp_wipe(codes, sizeof(codes));
	otp_record_clear(&tmp);
	otp_record_clear(&rec);
	return rc;
}

static int read_gauth(struct ctx *c, struct gauth *g)
{
	const char *tmpl = c->o->gauth_file ? c->o->gauth_file : "~/" GAUTH_FILE;
	char path[4096];
	struct otp_why why;

	if (otp_path_expand(tmpl, c->user, c->home, c->uid, path, sizeof(path)) != OTP_OK) {
		say("--import-google-authenticator=%s is not an absolute path", tmpl);
		return EXIT_USAGE;
	}
	/* Read with the user's identity (ctx_setup switched to it for --user). */
	if (gauth_read(path, c->uid, g, &why) != OTP_OK) {
		say("cannot import %s: %s", path, why.text);
		return EXIT_FAIL;
	}
	note(c, "Read %s: %s, %u scratch code%s.", path,
	     g->rec.type == OTP_TOTP ? "time-based (TOTP)" : "counter-based (HOTP)", g->nscratch,
	     g->nscratch == 1 ? "" : "s");
	return EXIT_OK;
}

/* Keep the scratch codes if this pam_otp accepts them, else issue new backup codes. */
static int import_codes(struct ctx *c, struct gauth *g, char (*codes)[OTP_BACKUP_TEXT],
			unsigned *shown)
{
	struct otp_record tmp;
	int rc = gauth_store_scratch(g);

	*shown = 0;
	if (rc != OTP_OK) {
		say("cannot store the scratch codes: %s", otp_strerror(rc));
		return EXIT_FAIL;
	}
	if (!c->o->new_backup && (g->nscratch == 0 || gauth_scratch_usable(g))) {
		if (g->nscratch)
			note(c, "Your %u scratch codes keep working as backup codes, once each.",
			     g->nscratch);
		return EXIT_OK;
	}
	if (!c->o->new_backup)
		note(c, "This pam_otp does not accept eight-digit scratch codes, so they were not "
			"imported: use the new backup codes below instead.");
	rc = make_backup_codes(&tmp, c->o->backup_count, codes);
	if (rc == EXIT_OK) {
		copy_backup_codes(&g->rec, &tmp);
		*shown = tmp.backup_count;
	}
	otp_record_clear(&tmp);
	return rc;
}

int do_import(struct ctx *c)
{
	char codes[OTP_BACKUP_MAX][OTP_BACKUP_TEXT];
	struct gauth g;
	unsigned shown = 0;
	int rc;

	memset(&g, 0, sizeof(g));
	otp_record_init(&g.rec);
	bool exists;

	if ((rc = check_target(c, &exists)) != EXIT_OK || (rc = read_gauth(c, &g)) != EXIT_OK)
		goto out;
	if (c->o->phone_set)
		strcpy(g.rec.phone, c->o->phone);
	if ((rc = import_codes(c, &g, codes, &shown)) != EXIT_OK ||
	    (rc = seal_record(c, &g.rec)) != EXIT_OK)
		goto out;
	if ((rc = write_record(c, &g.rec)) != EXIT_OK)
		goto out;
	show_backup_codes(c, codes, shown);
	if (g.dropped[0])
		note(c, "Not imported (no equivalent in ~/.otp): %s.", g.dropped);
	note(c, "Your authenticator app keeps working unchanged. Once pam_google_authenticator "
		"is gone from the PAM configuration, the old file can be deleted.");
	done(c);
out:
	otp_wipe(codes, sizeof(codes));
	gauth_clear(&g);
	return rc;
}
