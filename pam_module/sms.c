/* SPDX-License-Identifier: BSD-2-Clause */
#include "sms.h"
#include "clock.h"
#include "conv.h"
#include "err.h"
#include "hoststate.h"
#include "privs.h"
#include "secmem.h"
#include "sender.h"
#include "smscode.h"
#include "sms_providers.h"
#include "trustpath.h"
#include "bounds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEND_FAILED "Could not send a text message; "
#define CALL_FAILED "Could not place the call; "
#define USE_APP "use your authenticator app or a backup code."
#define USE_BACKUP "try again later or use a backup code." /* SMS only: no app to turn to */

/* The configured provider's description; NULL when none is set or the name is unknown. */
static const struct otp_sms_provider *provider(const struct module_ctx *ctx)
{
	return otp_sms_provider_find(ctx->cfg.provider);
}

/* The provider makes and checks the code itself: the module stores none. */
static bool by_provider(const struct module_ctx *ctx)
{
	const struct otp_sms_provider *p = provider(ctx);

	return p && p->keeps_code;
}

/* A path from the configuration that root will run or trust: say what is wrong with it. */
static bool path_trusted(struct module_ctx *ctx, const char *key, const char *path)
{
	struct otp_why why;

	if (otp_trusted_path(path, &why) == OTP_OK)
		return true;
	module_log(ctx, LOG_ERR, "SMS not offered: %s=%s is not safe to use: %s", key, path,
		   why.text);
	return false;
}

/* The program of command= (its first word), into buf. */
static const char *command_program(const char *command, char *buf, size_t bufsz)
{
	size_t n = strcspn(command, " ");

	snprintf(buf, bufsz, "%.*s", (int)(n < bufsz ? n : bufsz - 1), command);
	return buf;
}

bool sms_offered(struct module_ctx *ctx, const struct otp_record *rec)
{
	const struct otp_sms_provider *p = provider(ctx);
	char program[1100];

	if (ctx->cfg.sms_mode == OTP_SMS_OFF || !ctx->cfg.provider || !rec->phone[0])
		return false;
	/* Texts cost money, and SMS pumping sends them to premium numbers: an explicit list of
	 * destinations (or "any") is the price of turning SMS on. */
	if (!ctx->cfg.sms_countries) {
		module_log(ctx, LOG_WARNING, "SMS not offered: provider= is set but sms_countries= is "
			   "not (list the calling codes texts may go to, or \"any\")");
		return false;
	}
	if (!path_trusted(ctx, "sms_helper", sender_path(ctx)) ||
	    (ctx->cfg.ca_file && !path_trusted(ctx, "ca_file", ctx->cfg.ca_file)) ||
	    (p && p->runs_command && ctx->cfg.command &&
	     !path_trusted(ctx, "command",
			   command_program(ctx->cfg.command, program, sizeof(program)))))
		return false;
	return true;
}

/* voice= asks for calls, but only some providers can place one: never offer what fails. */
static bool voice_usable(const struct module_ctx *ctx)
{
	const struct otp_sms_provider *p = provider(ctx);

	return ctx->cfg.voice && p && p->calls;
}

const char *sms_prompt(struct module_ctx *ctx, char *buf, size_t bufsz)
{
	const char *sms = otp_cfg_str(ctx->cfg.sms_trigger, "sms");
	const char *call = otp_cfg_str(ctx->cfg.voice_trigger, "call");

	if (ctx->cfg.voice && !voice_usable(ctx))
		module_log(ctx, LOG_WARNING,
			   "voice is set but sms_provider %s cannot place calls: not offered",
			   ctx->cfg.provider);
	if (voice_usable(ctx))
		snprintf(buf, bufsz,
			 "Verification code (or \"%s\" for a text message, \"%s\" for a call): ", sms,
			 call);
	else
		snprintf(buf, bufsz, "Verification code (or \"%s\" to get one by text message): ",
			 sms);
	return buf;
}

bool sms_is_trigger(const struct module_ctx *ctx, const char *answer, enum sms_channel *ch)
{
	*ch = SMS_TEXT;
	if (strcmp(answer, otp_cfg_str(ctx->cfg.sms_trigger, "sms")) == 0)
		return true;
	if (!answer[0] && ctx->cfg.sms_on_empty)
		return true;
	if (voice_usable(ctx) && strcmp(answer, otp_cfg_str(ctx->cfg.voice_trigger, "call")) == 0) {
		*ch = SMS_CALL;
		return true;
	}
	return false;
}

/* Under the lock: may we send? Then store the new code (or mark a provider code pending). */
static int reserve(struct module_ctx *ctx, struct otp_record *rec, const char *code,
		   bool *resend_skipped, int64_t *wait, enum otp_sms_refusal *why)
{
	struct otp_sms_limits lim = { ctx->cfg.sms_min_interval, ctx->cfg.sms_max_per_day,
				      ctx->cfg.sms_countries };
	time_t now = module_now();

	*resend_skipped = false;
	*why = OTP_SMS_OK;
	if ((*wait = otp_lockout_remaining(rec, now)) > 0)
		return OTP_E_LOCKED;
	*why = otp_sms_may_send(rec, &lim, now, wait);
	if (*why == OTP_SMS_TOO_SOON && rec->has_sms_code && rec->sms_expiry > (int64_t)now) {
		/* Asked again too soon: the code already sent still works. */
		*resend_skipped = true;
		return OTP_OK;
	}
	if (*why != OTP_SMS_OK)
		return OTP_E_INVAL;
	if (by_provider(ctx)) {
		otp_sms_provider_pending(rec, now, ctx->cfg.code_ttl);
		return OTP_OK;
	}
	return otp_sms_code_store(rec, code, now, ctx->cfg.code_ttl);
}

static void explain_refusal(struct module_ctx *ctx, enum otp_sms_refusal why, int64_t wait)
{
	switch (why) {
	case OTP_SMS_TOO_SOON:
		module_log(ctx, LOG_NOTICE, "SMS refused: asked again within %u s",
			   ctx->cfg.sms_min_interval);
		conv_message(ctx->pamh, ctx->flags, PAM_ERROR_MSG,
			     "A code was sent recently; you can ask for another in %lld seconds.",
			     (long long)wait);
		break;
	case OTP_SMS_DAILY_CAP:
		module_log(ctx, LOG_WARNING, "SMS refused: daily limit of %u reached",
			   ctx->cfg.sms_max_per_day);
		conv_message(ctx->pamh, ctx->flags, PAM_ERROR_MSG,
			     "Daily limit of text messages reached; try again in %lld hours.",
			     (long long)((wait + 3599) / 3600));
		break;
	default:
		module_log(ctx, LOG_WARNING, "SMS refused: phone number outside sms_countries");
		conv_message(ctx->pamh, ctx->flags, PAM_ERROR_MSG,
			     "Text messages cannot be sent to this phone number.");
		break;
	}
}

/* key=value lines for the sender; newlines in the message travel as the two chars "\n". */
static int sender_input(const struct module_ctx *ctx, const char *phone, const char *code,
			const char *message, char *buf, size_t bufsz)
{
	char host[OTP_HOST_NAME_MAX] = "";
	size_t n;
	int k;

	gethostname(host, sizeof(host) - 1);
	k = snprintf(buf, bufsz, "to=%s\nuser=%s\nhost=%s\n", phone, ctx->login.user, host);
	if (k < 0 || (size_t)k >= bufsz)
		return OTP_E_TOOBIG;
	n = (size_t)k;
	if (code) {
		k = snprintf(buf + n, bufsz - n, "code=%s\n", code);
		if (k < 0 || (size_t)k >= bufsz - n)
			return OTP_E_TOOBIG;
		n += (size_t)k;
	}
	if (message) {
		if (n + 9 >= bufsz)
			return OTP_E_TOOBIG;
		memcpy(buf + n, "message=", 8);
		n += 8;
		for (const char *m = message; *m; m++) {
			if (n + 3 >= bufsz)
				return OTP_E_TOOBIG;
			if (*m == '\n') {
				buf[n++] = '\\';
				buf[n++] = 'n';
			} else {
				buf[n++] = *m;
			}
		}
		buf[n++] = '\n';
		buf[n] = '\0';
	}
	return OTP_OK;
}

static int deliver(struct module_ctx *ctx, enum sms_channel ch, const char *phone,
		   const char *code)
{
	char message[OTP_LOG_LINE_MAX], input[OTP_SENDER_INPUT_MAX], line[OTP_SENDER_LINE_MAX];
	char host[OTP_HOST_NAME_MAX] = "";
	const char *action;
	int rc, status;

	gethostname(host, sizeof(host) - 1);
	rc = otp_sms_message(otp_cfg_str(ctx->cfg.message, OTP_SMS_DEFAULT_MESSAGE), code ? code : "",
			     otp_cfg_str(ctx->cfg.issuer, host), host,
			     (ctx->cfg.code_ttl + 59) / 60, ctx->cfg.sms_domain, message,
			     sizeof(message));
	if (rc != OTP_OK) {
		module_log(ctx, LOG_ERR, "message= template is invalid or too long");
		otp_wipe(message, sizeof(message));
		return OTP_SMS_X_CONFIG;
	}
	if (by_provider(ctx))
		action = ch == SMS_CALL ? "verify-start-call" : "verify-start";
	else
		action = ch == SMS_CALL ? "call" : "send";
	rc = sender_input(ctx, phone, code, ch == SMS_TEXT && code ? message : NULL, input,
			  sizeof(input));
	/* The clock starts now, after the lock: waiting for another login costs no sender time. */
	status = rc == OTP_OK ? sender_run(ctx, action, input, sender_deadline(ctx), line,
					   sizeof(line))
			      : OTP_SMS_X_CONFIG;
	otp_wipe(input, sizeof(input));
	otp_wipe(message, sizeof(message));
	if (status == OTP_SMS_X_OK)
		module_log(ctx, LOG_INFO, "%s sent: %s", ch == SMS_CALL ? "call" : "SMS", line);
	else
		module_log(ctx, LOG_ERR, "%s failed (sender status %d): %s",
			   ch == SMS_CALL ? "call" : "SMS", status, line[0] ? line : "no output");
	return status;
}

struct reserve_args {
	enum sms_channel ch;
	const char *code;
	bool skipped;
	int64_t wait;
	enum otp_sms_refusal why;
	char phone[OTP_PHONE_MAX + 1];
	bool has_secret;        /* an authenticator app is enrolled too */
	/* What was stored, to recognise it after sending. */
	bool by_provider;
	int64_t expiry;
	uint8_t salt[OTP_SALT_LEN];
	/* The send counters before and after, to take the send back if it never happened. */
	bool uncount;
	int64_t last_before, day_before, last_after, day_after;
	unsigned count_before, count_after;
};

static int reserve_change(struct module_ctx *ctx, struct otp_record *rec, void *arg, bool *dirty)
{
	struct reserve_args *ra = arg;
	int64_t last = rec->sms_last, day = rec->sms_day;
	unsigned count = rec->sms_day_count;
	int rc = reserve(ctx, rec, ra->code, &ra->skipped, &ra->wait, &ra->why);

	ra->last_before = last;
	ra->day_before = day;
	ra->count_before = count;
	ra->last_after = rec->sms_last;
	ra->day_after = rec->sms_day;
	ra->count_after = rec->sms_day_count;

	*dirty = rc == OTP_OK && !ra->skipped;
	memcpy(ra->phone, rec->phone, sizeof(ra->phone));
	ra->has_secret = rec->secret_len > 0;
	ra->by_provider = rec->sms_by_provider;
	ra->expiry = rec->sms_expiry;
	memcpy(ra->salt, rec->sms_salt, sizeof(ra->salt));
	return rc;
}

/*
 * The send failed: forget the code stored for it (unless another login has replaced it), so
 * that asking again is not answered with "A code was already sent". The send still counts
 * for the limits: the provider may have taken it (a timeout, say).
 */
static int forget_change(struct module_ctx *ctx, struct otp_record *rec, void *arg, bool *dirty)
{
	struct reserve_args *ra = arg;

	*dirty = rec->has_sms_code && rec->sms_by_provider == ra->by_provider &&
		 rec->sms_expiry == ra->expiry &&
		 (ra->by_provider || memcmp(rec->sms_salt, ra->salt, sizeof(ra->salt)) == 0);
	if (*dirty)
		rec->has_sms_code = rec->sms_by_provider = false;
	/* Refused before any request (the host-wide cap): the user's counters are untouched. */
	if (ra->uncount && rec->sms_last == ra->last_after && rec->sms_day == ra->day_after &&
	    rec->sms_day_count == ra->count_after) {
		rec->sms_last = ra->last_before;
		rec->sms_day = ra->day_before;
		rec->sms_day_count = ra->count_before;
		*dirty = true;
	}
	return OTP_OK;
}

/*
 * Take this text from the host-wide daily budget (its own file and lock, after the user's
 * lock was released). false: refused, the user told why.
 */
static bool host_budget(struct module_ctx *ctx, enum sms_channel ch, bool has_secret)
{
	const char *path = otp_cfg_str(ctx->cfg.sms_host_state, OTP_DEFAULT_SMS_HOST_STATE);
	unsigned count = 0;
	struct otp_why why;
	int rc;

	if (ctx->cfg.sms_max_per_day_host == 0)
		return true;
	rc = otp_host_sms_take(path, ctx->cfg.sms_max_per_day_host, module_now(),
			       ctx->cfg.lock_timeout, &count, &why);
	if (rc == OTP_OK)
		return true;
	if (rc == OTP_E_TOOBIG) {
		module_log(ctx, LOG_WARNING, "SMS refused: host-wide daily SMS cap reached (%u, "
			   "sms_max_per_day_host)", ctx->cfg.sms_max_per_day_host);
		conv_message(ctx->pamh, ctx->flags, PAM_ERROR_MSG,
			     "No more codes can be sent from this host today; %s",
			     has_secret ? USE_APP : "use a backup code.");
	} else {
		module_log(ctx, LOG_ERR, "SMS refused: cannot keep the host-wide SMS count: %s",
			   why.text);
		conv_message(ctx->pamh, ctx->flags, PAM_ERROR_MSG, "%s%s",
			     ch == SMS_CALL ? CALL_FAILED : SEND_FAILED,
			     has_secret ? USE_APP : USE_BACKUP);
	}
	return false;
}

int sms_request(struct module_ctx *ctx, enum sms_channel ch, char *prompt, size_t promptsz)
{
	struct otp_record after;
	char code[OTP_SMS_CODE_MAX + 1] = "", masked[96];
	struct reserve_args ra = { .ch = ch, .code = code };
	int rc, status;

	otp_record_init(&after);
	if (!by_provider(ctx) && otp_sms_code_generate(ctx->cfg.code_length, code) != OTP_OK) {
		module_log(ctx, LOG_ERR, "cannot make a random code");
		return PAM_AUTHINFO_UNAVAIL;
	}
	rc = userfile_update(ctx, reserve_change, &ra, &after);
	otp_record_clear(&after);
	if (rc == OTP_E_LOCKED) {
		otp_wipe(code, sizeof(code));
		module_log(ctx, LOG_NOTICE, "SMS refused: locked out for %lld more seconds",
			   (long long)ra.wait);
		conv_message(ctx->pamh, ctx->flags, PAM_ERROR_MSG,
			     "Too many failed attempts; try again in %lld seconds.", (long long)ra.wait);
		return PAM_MAXTRIES;
	}
	if (rc == OTP_E_INVAL) {
		otp_wipe(code, sizeof(code));
		explain_refusal(ctx, ra.why, ra.wait);
		return PAM_AUTH_ERR;
	}
	if (rc != OTP_OK) {
		otp_wipe(code, sizeof(code));
		return PAM_AUTHINFO_UNAVAIL; /* logged by userfile_update */
	}
	otp_phone_mask(ra.phone, masked, sizeof(masked));
	if (ra.skipped) {
		module_log(ctx, LOG_NOTICE, "SMS not resent: the code sent %u s ago is still valid",
			   ctx->cfg.sms_min_interval);
		snprintf(prompt, promptsz, "A code was already sent to %s. %s code: ", masked,
			 ch == SMS_CALL ? "Call" : "SMS");
		otp_wipe(code, sizeof(code));
		return PAM_SUCCESS;
	}
	if (!host_budget(ctx, ch, ra.has_secret)) {
		otp_wipe(code, sizeof(code));
		ra.uncount = true;
		otp_record_init(&after);
		userfile_update(ctx, forget_change, &ra, &after); /* logs its own failure */
		otp_record_clear(&after);
		return PAM_AUTH_ERR;
	}
	/* Sent after the lock is released: a slow provider must not block other logins. */
	status = deliver(ctx, ch, ra.phone, by_provider(ctx) ? NULL : code);
	otp_wipe(code, sizeof(code));
	if (status != OTP_SMS_X_OK) {
		otp_record_init(&after);
		userfile_update(ctx, forget_change, &ra, &after); /* logs its own failure */
		otp_record_clear(&after);
		conv_message(ctx->pamh, ctx->flags, PAM_ERROR_MSG, "%s%s",
			     ch == SMS_CALL ? CALL_FAILED : SEND_FAILED,
			     ra.has_secret ? USE_APP : USE_BACKUP);
		return PAM_AUTHINFO_UNAVAIL;
	}
	snprintf(prompt, promptsz, "%s %s. %s code: ", ch == SMS_CALL ? "Calling" : "Code sent to",
		 masked, ch == SMS_CALL ? "Call" : "SMS");
	return PAM_SUCCESS;
}

int sms_remote_check(void *arg, const struct otp_record *rec, const char *code)
{
	struct module_ctx *ctx = arg;
	char input[OTP_SENDER_INPUT_MAX], line[OTP_SENDER_LINE_MAX];
	int status;

	/* Only reached for a pending provider code, after the attempt was counted and the
	 * user's lock released (see userfile_verify). */
	if (sender_input(ctx, rec->phone, code, NULL, input, sizeof(input)) != OTP_OK)
		return OTP_E_INVAL;
	status = sender_run(ctx, "verify-check", input, sender_deadline(ctx), line, sizeof(line));
	otp_wipe(input, sizeof(input));
	if (status == OTP_SMS_X_OK)
		return OTP_OK;
	if (status == OTP_SMS_X_DENIED)
		return OTP_E_WRONG;
	module_log(ctx, LOG_ERR, "verification check failed (sender status %d): %s", status,
		   line[0] ? line : "no output");
	return OTP_E_IO;
}
