/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * An existing enrollment: --status, --remove, and new backup codes or phone number.
 * Changes go through the same lock as the module's state updates: lock, re-read, change,
 * replace. A login that lands meanwhile is never lost.
 */
#include "enroll.h"
#include "err.h"
#include "secmem.h"
#include "smscode.h"
#include "store.h"
#include "verify.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int damaged(struct ctx *c, int rc, const struct otp_why *perr)
{
	if (perr->line)
		say("%s line %u: %s", c->path, perr->line, perr->text);
	else
		say("%s: %s", c->path, perr->text[0] ? perr->text : otp_strerror(rc));
	say("the file is damaged; 'otp-enroll --force' enrolls again from scratch");
	return EXIT_FAIL;
}

static int not_enrolled(const struct ctx *c)
{
	say("%s is not enrolled: %s %s (run otp-enroll to enroll)", c->user, c->path,
	    c->ldap ? "has no record" : "does not exist");
	return EXIT_FAIL;
}

int read_record(struct ctx *c, struct otp_record *rec)
{
	struct otp_why perr;
	char *buf = NULL;
	size_t len = 0;
	int rc = c->ldap ? directory_read(c, &buf, &len) : otp_file_read(&c->file, &buf, &len);

	otp_record_init(rec);
	if (rc == OTP_E_NOENT)
		return not_enrolled(c);
	if (rc != OTP_OK) {
		say("%s", file_why(c, rc));
		return EXIT_FAIL;
	}
	rc = otp_record_parse(buf, len, rec, &perr);
	otp_secret_free(buf);
	return rc == OTP_OK ? EXIT_OK : damaged(c, rc, &perr);
}

int locked_update(struct ctx *c, int (*fn)(struct otp_record *rec, void *arg), void *arg)
{
	struct otp_record rec;
	struct otp_txn t = OTP_TXN_INIT;
	int rc;

	/* In the directory a login may change the record first: then change it again. */
	otp_store_exchange(&c->store);
	for (;;) {
		rc = otp_txn_begin(&t, &c->store, c->cfg.lock_timeout, &rec);
		if (rc == OTP_OK && (rc = fn(&rec, arg)) == OTP_OK)
			rc = otp_txn_write(&t, &rec, 0);
		if (rc != OTP_E_CONFLICT)
			break;
		otp_txn_end(&t);
		otp_record_clear(&rec);
		if (!otp_txn_retry(&t))
			break;
	}
	if (rc == OTP_OK)
		rc = EXIT_OK;
	else if (rc == OTP_E_NOENT)
		rc = not_enrolled(c);
	else if (t.perr.text[0])
		rc = damaged(c, rc, &t.perr);
	else {
		say("cannot update %s: %s", c->path, file_why(c, rc));
		rc = EXIT_FAIL;
	}
	otp_txn_end(&t);
	otp_record_clear(&rec);
	return rc;
}

int do_status(struct ctx *c)
{
	struct otp_record rec;
	char phone[3 * OTP_PHONE_MAX + 1]; /* masked: a bullet is 3 bytes of UTF-8 */
	time_t now = time(NULL);
	int64_t wait;
	int rc;

	if ((rc = target_open(c)) != EXIT_OK || (rc = read_record(c, &rec)) != EXIT_OK)
		return rc;
	wait = otp_lockout_remaining(&rec, now);
	printf("User:          %s\n", c->user);
	printf("%s%s\n", c->ldap ? "Record:        " : "File:          ", c->path);
	if (otp_record_sms_only(&rec)) {
		printf("Type:          sms (text messages only, no authenticator app)\n");
	} else {
		printf("Type:          %s\n", rec.type == OTP_TOTP ? "totp" : "hotp");
		printf("Algorithm:     %s\n", otp_alg_name(rec.alg));
		printf("Digits:        %u\n", rec.digits);
		if (rec.type == OTP_TOTP)
			printf("Period:        %u seconds\n", rec.period);
		else
			printf("Counter:       %llu\n", (unsigned long long)rec.counter);
	}
	if (otp_device_count(&rec) > 1)
		printf("Devices:       %u (the first shown here; otp-enroll --list shows all)\n",
		       otp_device_count(&rec));
	if (rec.window >= 0)
		printf("Window:        %d (the module's window= applies if smaller)\n", rec.window);
	if (rec.phone[0]) {
		otp_phone_mask(rec.phone, phone, sizeof(phone));
		printf("Phone:         %s\n", phone);
	} else {
		printf("Phone:         none\n");
	}
	if (!otp_record_sms_only(&rec))
		printf("Secret:        %s\n", rec.sealed ? "sealed to the host key" : "stored plain");
	printf("Backup codes:  %u left\n", rec.backup_count);
	if (wait > 0)
		printf("Lockout:       locked for %lld more seconds after %u failed attempts\n",
		       (long long)wait, rec.failures);
	else if (rec.failures)
		printf("Lockout:       not locked (%u failed attempt%s since the last success)\n",
		       rec.failures, rec.failures == 1 ? "" : "s");
	else
		printf("Lockout:       not locked\n");
	otp_record_clear(&rec);
	return EXIT_OK;
}

int do_remove(struct ctx *c)
{
	int rc;

	if (c->o->device)
		return do_remove_device(c);
	if ((rc = target_open(c)) != EXIT_OK)
		return rc;
	rc = c->ldap ? directory_remove(c) : otp_file_remove(&c->file);
	if (rc == OTP_E_NOENT)
		return not_enrolled(c);
	if (rc != OTP_OK) {
		say("cannot remove %s: %s", c->path, file_why(c, rc));
		return EXIT_FAIL;
	}
	note(c, "Removed %s: %s has no second factor now. If pam_otp is set up without "
		"nullok, logins that need it fail until you enroll again.", c->path, c->user);
	return EXIT_OK;
}

struct update {
	const struct options *o;
	const struct otp_record *codes; /* NULL: keep them */
};

static int apply_update(struct otp_record *rec, void *arg)
{
	const struct update *u = arg;

	if (u->o->phone_set)
		strcpy(rec->phone, u->o->phone);
	if (u->codes)
		copy_backup_codes(rec, u->codes);
	return OTP_OK;
}

int do_update(struct ctx *c)
{
	char codes[OTP_BACKUP_MAX][OTP_BACKUP_TEXT];
	struct otp_record tmp;
	struct update u = { .o = c->o };
	int rc = EXIT_OK;

	otp_record_init(&tmp);
	if (c->o->new_backup) {
		/* Made before the lock is taken: scrypt is slow on purpose. */
		rc = make_backup_codes(&tmp, c->o->backup_count, codes);
		u.codes = &tmp;
	}
	if (rc == EXIT_OK)
		rc = locked_update(c, apply_update, &u);
	if (rc == EXIT_OK) {
		if (u.codes) {
			show_backup_codes(c, codes, tmp.backup_count);
			note(c, "New backup codes saved; the old ones no longer work.");
		}
		if (c->o->phone_set)
			note(c, c->o->phone[0] ? "Phone number set to %s." : "Phone number removed.%s",
			     c->o->phone);
	}
	otp_wipe(codes, sizeof(codes));
	otp_record_clear(&tmp);
	return rc;
}
