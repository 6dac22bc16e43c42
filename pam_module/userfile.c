/* The user's ~/.otp as the module sees it: read before the prompt, verified under the lock. */
#include "module.h"
#include "clock.h"
#include "err.h"
#include "grace.h"
#include "privs.h"
#include "secmem.h"
#include "sms.h"

#include <stdlib.h>
#include <string.h>

static int enter(struct module_ctx *ctx, struct privs *p)
{
	/* An admin path is opened as root after a root-owned walk; a home file as the user. */
	if (ctx->admin_path) {
		p->dropped = 0;
		return OTP_OK;
	}
	if (privs_drop(ctx->pamh, p, ctx->pw) != 0) {
		module_log(ctx, LOG_ERR, "cannot switch to the user's file system identity");
		return OTP_E_IO;
	}
	return OTP_OK;
}

static int leave(struct module_ctx *ctx, struct privs *p, int rc)
{
	if (privs_restore(ctx->pamh, p) != 0) {
		module_log(ctx, LOG_CRIT, "cannot restore privileges after reading %s", ctx->path);
		return OTP_E_IO;
	}
	return rc;
}

/*
 * as_root: privileges are not dropped, so the host keys can be read. They are read only for
 * a sealed record (a plain one costs no key lookup); the locked re-read after the prompt runs
 * as the user and relies on the keys loaded for the record read before it.
 */
static int parse(struct module_ctx *ctx, const char *buf, size_t len, struct otp_record *rec,
		 bool as_root)
{
	struct otp_parse_error perr;
	int rc = otp_record_parse(buf, len, rec, &perr);

	if (rc == OTP_E_NOMEM)
		module_log(ctx, LOG_CRIT, "out of memory");
	else if (rc != OTP_OK && perr.line)
		module_log(ctx, LOG_ERR, "%s line %u: %s", ctx->path, perr.line, perr.reason);
	else if (rc != OTP_OK)
		module_log(ctx, LOG_ERR, "%s: %s", ctx->path, perr.reason);
	if (rc == OTP_OK && rec->sealed) {
		ctx->need_keys = true;
		if (as_root)
			hostkeys_load(ctx);
	}
	if (rc == OTP_OK && (rc = hostkeys_open_record(ctx, rec)) != OTP_OK)
		otp_record_clear(rec);
	return rc;
}

int userfile_load(struct module_ctx *ctx, struct otp_record *rec)
{
	struct privs p;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if ((rc = enter(ctx, &p)) != OTP_OK)
		return rc;
	rc = otp_file_open(&ctx->file, ctx->path, ctx->pw->pw_uid, ctx->admin_path,
			   OTP_FILE_MAX);
	ctx->file_open = true;
	/* An admin path's file is root's: its user could otherwise reset their own lockout. */
	if (ctx->admin_path && !ctx->cfg.admin_file_user_owned)
		ctx->file.owner = 0;
	if (rc == OTP_OK)
		rc = otp_file_read(&ctx->file, &buf, &len);
	rc = leave(ctx, &p, rc);
	if (rc == OTP_E_NOENT)
		return rc; /* the caller decides (nullok) and logs */
	if (rc != OTP_OK) {
		module_log(ctx, LOG_ERR, "%s", ctx->file.why[0] ? ctx->file.why : otp_strerror(rc));
	} else {
		rc = parse(ctx, buf, len, rec, true);
	}
	if (buf) {
		otp_wipe(buf, len);
		free(buf);
	}
	return rc;
}

static int write_back(struct module_ctx *ctx, struct otp_locked *lk, const struct otp_record *rec)
{
	char *text = NULL;
	size_t len = 0;
	int rc = otp_record_format(rec, &text, &len);

	if (rc == OTP_OK)
		rc = otp_file_replace(&ctx->file, lk, text, len);
	if (rc != OTP_OK)
		module_log(ctx, LOG_ERR, "cannot update %s: %s", ctx->path,
			   ctx->file.why[0] ? ctx->file.why : otp_strerror(rc));
	otp_free_str(text);
	return rc;
}

int userfile_update(struct module_ctx *ctx, userfile_change_fn change, void *arg,
		    struct otp_record *after)
{
	struct otp_locked lk = { .fd = -1 };
	struct privs p;
	char *buf = NULL;
	size_t len = 0;
	bool dirty = false;
	int rc, crc;

	ctx->file.why[0] = '\0';
	if (ctx->need_keys)
		hostkeys_load(ctx); /* still root here */
	if ((rc = enter(ctx, &p)) != OTP_OK)
		return rc;
	rc = otp_file_lock(&ctx->file, ctx->cfg.lock_timeout, &lk);
	if (rc == OTP_OK)
		rc = otp_locked_read(&ctx->file, &lk, &buf, &len);
	if (rc != OTP_OK) {
		module_log(ctx, LOG_ERR, "%s", ctx->file.why[0] ? ctx->file.why : otp_strerror(rc));
		goto out;
	}
	/* The file may have changed since the prompt: decide on what is there now. */
	if ((rc = parse(ctx, buf, len, after, false)) != OTP_OK)
		goto out;
	crc = change(ctx, after, arg, &dirty);
	/* Nothing counts until it is on disk: a success we cannot record is a failure. */
	if (dirty && (rc = write_back(ctx, &lk, after)) != OTP_OK)
		goto out;
	rc = crc;
out:
	otp_file_unlock(&lk);
	if (buf) {
		otp_wipe(buf, len);
		free(buf);
	}
	return leave(ctx, &p, rc);
}

struct verify_args {
	const char *answer;
	struct otp_outcome *out;
};

static int verify_change(struct module_ctx *ctx, struct otp_record *rec, void *arg, bool *dirty)
{
	struct verify_args *va = arg;
	struct otp_remote_check remote = { sms_remote_check, ctx };
	time_t now = module_now();
	int rc = otp_verify_ex(rec, &ctx->cfg.policy, va->answer, now, &remote, va->out);

	/* A good code opens a grace period for this service and host, if enabled. */
	if (rc == OTP_OK && grace_applies(ctx) && rec->secret_len > 0 &&
	    otp_grace_record(rec, ctx->user, ctx->service, ctx->rhost, now,
			     ctx->cfg.grace_period) != OTP_OK)
		module_log(ctx, LOG_WARNING, "cannot record the grace period");
	*dirty = va->out->dirty;
	if (rc != OTP_OK && rc != OTP_E_WRONG && rc != OTP_E_REPLAY && rc != OTP_E_RESYNC &&
	    rc != OTP_E_LOCKED)
		module_log(ctx, LOG_ERR, "cannot check the code: %s", otp_strerror(rc));
	return rc;
}

int userfile_verify(struct module_ctx *ctx, const char *answer, struct otp_outcome *out,
		    struct otp_record *after)
{
	struct verify_args va = { answer, out };

	memset(out, 0, sizeof(*out));
	return userfile_update(ctx, verify_change, &va, after);
}
