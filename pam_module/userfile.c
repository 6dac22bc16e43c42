/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The user's record as the module sees it (~/.otp, or the directory entry with store=ldap):
 * read before the prompt, verified in a transaction on a fresh read after it. In the
 * directory nothing is locked, so every transaction here loops: a write that finds the record
 * changed by another login (OTP_E_CONFLICT) is decided again on the record as it is now.
 */
#include "module.h"
#include "clock.h"
#include "err.h"
#include "grace.h"
#include "privs.h"
#include "secmem.h"
#include "sms.h"
#include "store.h"
#include "store_ldap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int enter(struct module_ctx *ctx, struct privs *p)
{
	/*
	 * An admin path is opened as root after a root-owned walk; a home file as the user; the
	 * directory through the module's own bind.
	 */
	if (ctx->where.admin || ctx->where.ldap) {
		p->dropped = 0;
		return OTP_OK;
	}
	if (privs_drop(ctx->pamh, p, ctx->login.pw) != 0) {
		module_log(ctx, LOG_ERR, "cannot switch to the user's file system identity");
		return OTP_E_IO;
	}
	return OTP_OK;
}

static int leave(struct module_ctx *ctx, struct privs *p, int rc)
{
	if (privs_restore(ctx->pamh, p) != 0) {
		module_log(ctx, LOG_CRIT, "cannot restore privileges after reading %s", ctx->where.path);
		return OTP_E_IO;
	}
	return rc;
}

static void log_parse_error(struct module_ctx *ctx, int rc, const struct otp_why *perr)
{
	if (rc == OTP_E_NOMEM)
		module_log(ctx, LOG_CRIT, "out of memory");
	else if (perr->line)
		module_log(ctx, LOG_ERR, "%s line %u: %s", ctx->where.path, perr->line, perr->text);
	else
		module_log(ctx, LOG_ERR, "%s: %s", ctx->where.path, perr->text);
}

/*
 * Open every device's sealed secret (or refuse a plain one under seal=required). as_root: privileges are
 * not dropped, so the host keys can be read; they are read only for a sealed record (a plain
 * one costs no key lookup). The locked re-read after the prompt runs as the user and relies
 * on the keys loaded for the record read before it.
 */
static bool any_sealed(const struct otp_record *rec)
{
	for (unsigned i = 0; i < rec->device_count; i++)
		if (rec->devices[i].sealed)
			return true;
	return rec->sealed;
}

static int open_secret(struct module_ctx *ctx, struct otp_record *rec, bool as_root)
{
	int rc;

	if (any_sealed(rec)) {
		ctx->keyring.needed = true;
		if (as_root)
			hostkeys_load(ctx);
	}
	if ((rc = hostkeys_open_record(ctx, rec)) != OTP_OK)
		otp_record_clear(rec);
	return rc;
}

/* The directory entry's record, through the module's bind (fleet mode). */
static int entry_read(struct module_ctx *ctx, char **buf, size_t *len)
{
	struct otp_why why = { 0 };
	int rc = otp_store_ldap_open(&ctx->where.store, &ctx->cfg, ctx->login.user, NULL, &why);

	if (rc != OTP_OK) {
		module_log(ctx, LOG_ERR, "directory: %s", otp_why_text(&why, rc));
		return rc;
	}
	snprintf(ctx->where.path, sizeof(ctx->where.path), "ldap:%s",
		 otp_store_ldap_dn(&ctx->where.store));
	rc = otp_store_ldap_read(&ctx->where.store, buf, len);
	if (rc != OTP_OK && rc != OTP_E_NOENT)
		module_log(ctx, LOG_ERR, "directory: %s",
			   otp_why_text(ctx->where.store.why, rc));
	return rc;
}

int userfile_load(struct module_ctx *ctx, struct otp_record *rec)
{
	struct otp_why perr;
	struct privs p;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (ctx->where.ldap) {
		/* Keys are loaded as for an admin path: still root, nothing to switch. */
		if ((rc = entry_read(ctx, &buf, &len)) == OTP_OK &&
		    (rc = otp_record_parse(buf, len, rec, &perr)) != OTP_OK)
			log_parse_error(ctx, rc, &perr);
		else if (rc == OTP_OK)
			rc = open_secret(ctx, rec, true);
		otp_secret_free(buf);
		return rc;
	}
	if ((rc = enter(ctx, &p)) != OTP_OK)
		return rc;
	rc = otp_file_open(&ctx->where.file, ctx->where.path, ctx->login.pw->pw_uid, ctx->where.admin,
			   OTP_FILE_MAX);
	ctx->where.open = true;
	/* An admin path's file is root's: its user could otherwise reset their own lockout. */
	if (ctx->where.admin && !ctx->cfg.admin_file_user_owned)
		ctx->where.file.owner = 0;
	otp_store_file(&ctx->where.store, &ctx->where.file);
	if (rc == OTP_OK)
		rc = otp_file_read(&ctx->where.file, &buf, &len);
	rc = leave(ctx, &p, rc);
	if (rc == OTP_E_NOENT)
		return rc; /* the caller decides (nullok) and logs */
	if (rc != OTP_OK)
		module_log(ctx, LOG_ERR, "%s", otp_why_text(&ctx->where.file.why, rc));
	else if ((rc = otp_record_parse(buf, len, rec, &perr)) != OTP_OK)
		log_parse_error(ctx, rc, &perr);
	else
		rc = open_secret(ctx, rec, true);
	otp_secret_free(buf);
	return rc;
}

/* The store's transaction, entered with the user's file system identity for a home file. */
struct txn {
	struct otp_txn t;
	struct privs p;
	bool entered;
};

#define TXN_INIT { .t = OTP_TXN_INIT }

/* Begin (again, after a conflict: t keeps its count of tries). */
static int txn_begin(struct module_ctx *ctx, struct txn *t, struct otp_record *rec)
{
	int rc;

	t->entered = false;
	otp_record_init(rec);
	if (ctx->keyring.needed)
		hostkeys_load(ctx); /* still root here */
	if ((rc = enter(ctx, &t->p)) != OTP_OK)
		return rc;
	t->entered = true;
	/* The file may have changed since the prompt: decide on what is there now. */
	rc = otp_txn_begin(&t->t, &ctx->where.store, ctx->cfg.lock_timeout, rec);
	if (rc != OTP_OK && t->t.perr.text[0])
		log_parse_error(ctx, rc, &t->t.perr);
	else if (rc != OTP_OK)
		module_log(ctx, LOG_ERR, "%s%s", ctx->where.ldap ? "directory: " : "",
			   otp_why_text(ctx->where.store.why, rc));
	return rc == OTP_OK ? open_secret(ctx, rec, false) : rc;
}

static int txn_write(struct module_ctx *ctx, struct txn *t, const struct otp_record *rec,
		     unsigned flags)
{
	int rc = otp_txn_write(&t->t, rec, flags);

	if (rc == OTP_E_CONFLICT)
		module_log(ctx, LOG_DEBUG, "%s changed meanwhile: deciding again",
			   ctx->where.path);
	else if (rc != OTP_OK)
		module_log(ctx, LOG_ERR, "cannot update %s: %s", ctx->where.path,
			   otp_why_text(ctx->where.store.why, rc));
	return rc;
}

static int txn_end(struct module_ctx *ctx, struct txn *t, int rc)
{
	otp_txn_end(&t->t);
	if (t->entered)
		rc = leave(ctx, &t->p, rc);
	t->entered = false;
	return rc;
}

/* After a conflict: true to begin again; false (logged) when it kept happening. */
static bool txn_retry(struct module_ctx *ctx, struct txn *t, int rc)
{
	if (rc != OTP_E_CONFLICT)
		return false;
	if (otp_txn_retry(&t->t))
		return true;
	module_log(ctx, LOG_ERR, "cannot update %s: %s", ctx->where.path,
		   ctx->where.store.why->text);
	return false;
}

int userfile_update(struct module_ctx *ctx, userfile_change_fn change, void *arg,
		    struct otp_record *after)
{
	struct txn t = TXN_INIT;
	int rc;

	otp_store_exchange(&ctx->where.store);
	do {
		bool dirty = false;

		if ((rc = txn_begin(ctx, &t, after)) == OTP_OK) {
			int crc = change(ctx, after, arg, &dirty);

			/* Nothing counts until it is stored: a success we cannot record fails. */
			rc = dirty ? txn_write(ctx, &t, after, 0) : OTP_OK;
			if (rc == OTP_OK)
				rc = crc;
		}
		rc = txn_end(ctx, &t, rc);
	} while (txn_retry(ctx, &t, rc));
	return rc;
}

/* Step 2 once, and its write: OTP_E_CONFLICT when that write found the record changed. */
static int check_once(struct module_ctx *ctx, struct txn *t, const char *answer,
		      const struct otp_attempt *att, struct otp_outcome *out,
		      struct otp_record *after)
{
	time_t now = module_now();
	int rc = otp_attempt_check(after, &ctx->cfg.policy, answer, now, att, out);
	int wrc;

	/* A good code opens a grace period for this service and host, if enabled. */
	if (rc == OTP_OK && after->secret_len > 0 &&
	    otp_grace_applies(ctx->cfg.grace_period, ctx->cfg.grace_local, ctx->login.rhost) &&
	    otp_grace_record(after, ctx->login.user, ctx->login.grace_scope, ctx->login.rhost, now,
			     ctx->cfg.grace_period) != OTP_OK)
		module_log(ctx, LOG_WARNING, "cannot record the grace period");
	if (rc != OTP_OK && rc != OTP_E_WRONG && rc != OTP_E_REPLAY && rc != OTP_E_RESYNC &&
	    rc != OTP_E_REMOTE)
		module_log(ctx, LOG_ERR, "cannot check the code: %s (counted as a failure)",
			   otp_strerror(rc));
	/* The success is recorded durably, or it is a failure (the one counted in step 1). */
	wrc = out->dirty ? txn_write(ctx, t, after, 0) : otp_txn_sync(&t->t);
	if (wrc == OTP_E_CONFLICT)
		return wrc;
	if (wrc != OTP_OK) {
		if (out->dirty)
			otp_txn_sync(&t->t);
		else
			module_log(ctx, LOG_ERR, "cannot update %s: %s", ctx->where.path,
				   ctx->where.store.why->text);
		out->counted = true;
		return wrc;
	}
	return rc;
}

/*
 * Step 2 and the write after it: under the lock of step 1 for a file. In the directory,
 * another login may have changed the record since step 1 was stored; then its write fails
 * (OTP_E_CONFLICT) and the code is checked again on the record as it is now, where another
 * login's use of the same code shows as a replay. This attempt's count from step 1 stays in
 * that record: taking a count back (replay, resync) only returns to the fresh failure state.
 */
static int check_locked(struct module_ctx *ctx, struct txn *t, const char *answer,
			const struct otp_attempt *att, struct otp_outcome *out,
			struct otp_record *after)
{
	struct otp_attempt fresh;
	int rc;

	while ((rc = check_once(ctx, t, answer, att, out, after)) == OTP_E_CONFLICT) {
		txn_end(ctx, t, rc);
		out->counted = true;
		if (!txn_retry(ctx, t, rc))
			return rc;
		if ((rc = txn_begin(ctx, t, after)) != OTP_OK)
			return rc;
		fresh = (struct otp_attempt){ after->failures, after->last_failure,
					      after->locked_until };
		att = &fresh;
	}
	return rc;
}

/*
 * The provider's pending code (twilio-verify): ask it without holding the lock, then apply
 * the answer under the lock to a fresh read. The attempt is already counted (step 1), so a
 * provider that is slow, down or killed leaves a failure behind, never a free guess.
 */
static int check_remote(struct module_ctx *ctx, const char *answer, const struct otp_record *rec,
			struct otp_outcome *out, struct otp_record *after)
{
	int64_t expiry = rec->sms_expiry;
	struct txn t = TXN_INIT;
	int prc = sms_remote_check(ctx, rec, answer), rc;

	otp_record_clear(after);
	if (prc != OTP_OK && prc != OTP_E_WRONG)
		return prc; /* logged by sms_remote_check; the failure stands */
	otp_store_exchange(&ctx->where.store);
	do {
		if ((rc = txn_begin(ctx, &t, after)) == OTP_OK) {
			rc = otp_attempt_remote(after, prc == OTP_OK, expiry, module_now(), out);
			if (rc == OTP_OK && (rc = txn_write(ctx, &t, after, 0)) != OTP_OK)
				out->counted = true;
		}
		rc = txn_end(ctx, &t, rc);
	} while (txn_retry(ctx, &t, rc));
	return rc;
}

/*
 * Step 1: on a fresh read (locked, for a file), count the attempt as a failure and store
 * that before the code is looked at. OTP_OK: t is still begun; otherwise it has ended.
 */
static int count_attempt(struct module_ctx *ctx, struct txn *t, const char *answer,
			 struct otp_attempt *att, struct otp_outcome *out, struct otp_record *after)
{
	int rc;

	do {
		memset(out, 0, sizeof(*out));
		rc = txn_begin(ctx, t, after);
		if (rc == OTP_OK)
			rc = otp_attempt_open(after, &ctx->cfg.policy, answer, module_now(), att,
					      out);
		if (rc == OTP_E_EMPTY) {
			out->counted = false;
			return txn_end(ctx, t, OTP_E_WRONG); /* nothing typed: not a guess */
		}
		/*
		 * Stored before the code is checked: if the failure cannot be recorded (a
		 * resource limit, quota, full disk, the directory gone), no code is checked, so
		 * the refusal is the same, in the same time, whatever was typed. A file is not
		 * yet fsynced for a power loss: the write after the check (or the directory
		 * fsync) does that; a kill cannot undo a rename.
		 */
		if (rc == OTP_OK && (rc = txn_write(ctx, t, after, OTP_REPLACE_DEFER_SYNC)) == OTP_OK)
			return OTP_OK;
		if (rc != OTP_E_CONFLICT && out->counted)
			module_log(ctx, LOG_ERR, "cannot record the attempt: refused without "
				   "checking it");
		rc = txn_end(ctx, t, rc);
	} while (txn_retry(ctx, t, rc));
	return rc;
}

int userfile_verify(struct module_ctx *ctx, const char *answer, struct otp_outcome *out,
		    struct otp_record *after)
{
	struct otp_attempt att;
	struct otp_record pending;
	struct txn t = TXN_INIT;
	int rc;

	otp_store_exchange(&ctx->where.store);
	if ((rc = count_attempt(ctx, &t, answer, &att, out, after)) != OTP_OK)
		return rc;
	rc = check_locked(ctx, &t, answer, &att, out, after);
	if (rc != OTP_E_REMOTE)
		return txn_end(ctx, &t, rc);
	/* Keep what the provider needs (the phone), then let go of the lock before asking it. */
	otp_record_init(&pending);
	memcpy(pending.phone, after->phone, sizeof(pending.phone));
	pending.has_sms_code = pending.sms_by_provider = true;
	pending.sms_expiry = after->sms_expiry;
	txn_end(ctx, &t, OTP_OK);
	return check_remote(ctx, answer, &pending, out, after);
}
