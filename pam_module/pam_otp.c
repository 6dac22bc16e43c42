/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pam_otp.so: a one-time code (TOTP/HOTP or a backup code) as a second factor, checked
 * against the user's ~/.otp. Entry points and the order of the steps; see pam_otp(8).
 */
#include "module.h"
#include "clock.h"
#include "conv.h"
#include "backup.h"
#include "err.h"
#include "grace.h"
#include "passcode.h"
#include "path.h"
#include "secmem.h"
#include "sms.h"
#include "store_ldap.h"
#include "bounds.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <security/pam_ext.h>
#include <security/pam_modutil.h>

/* Everything is hidden by default; only the PAM entry points are exported. */
#define EXPORT __attribute__((visibility("default")))

#define FORWARD_PASS_PROMPT "Password & verification code: "

void module_log(struct module_ctx *ctx, int prio, const char *fmt, ...)
{
	char msg[OTP_LOG_LINE_MAX];
	va_list ap;

	if (prio == LOG_DEBUG && !ctx->cfg.debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pam_syslog(ctx->pamh, prio, "%s (user=%s rhost=%s)", msg, ctx->login.user_safe,
		   ctx->login.rhost_safe);
}

static void log_to_syslog(void *pamh, int prio, const char *msg)
{
	pam_syslog(pamh, prio, "%s", msg);
}

/* conf= first (from argv), then the conf file, then the other arguments override it. */
static int load_config(struct module_ctx *ctx, int argc, const char **argv)
{
	const char *conf = OTP_DEFAULT_CONF;
	bool explicit_conf = false;
	struct otp_why err;
	int rc;

	otp_cfg_init(&ctx->cfg);
	ctx->log = (struct otp_log){ log_to_syslog, ctx->pamh };
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "conf=", 5) == 0) {
			conf = argv[i] + 5;
			explicit_conf = true;
		}
	}
	ctx->conf_path = conf;
	if (conf[0] != '/') {
		pam_syslog(ctx->pamh, LOG_ERR, "conf=%s is not an absolute path", conf);
		return PAM_SERVICE_ERR;
	}
	rc = otp_cfg_load(&ctx->cfg, conf, &ctx->log);
	if (rc == OTP_E_NOENT && !explicit_conf) {
		rc = OTP_OK; /* no conf file: built-in defaults */
	} else if (rc == OTP_E_NOENT) {
		pam_syslog(ctx->pamh, LOG_ERR, "configuration file %s does not exist", conf);
		return PAM_SERVICE_ERR;
	} else if (rc != OTP_OK) {
		pam_syslog(ctx->pamh, LOG_ERR, "refusing to run with a bad %s", conf);
		return PAM_SERVICE_ERR;
	}
	for (int i = 0; i < argc; i++) {
		rc = otp_cfg_set_arg(&ctx->cfg, argv[i], &err);
		if (rc == OTP_E_NOKEY) {
			pam_syslog(ctx->pamh, LOG_WARNING, "%s (ignored)", err.text);
		} else if (rc != OTP_OK) {
			pam_syslog(ctx->pamh, LOG_ERR, "bad module argument: %s", err.text);
			return PAM_SERVICE_ERR;
		}
	}
	if (!ctx->cfg.file && !(ctx->cfg.file = strdup(OTP_DEFAULT_FILE)))
		return PAM_BUF_ERR;
	ctx->cfg.prompt_set = ctx->cfg.prompt != NULL;
	if (!ctx->cfg.prompt && !(ctx->cfg.prompt = strdup(OTP_DEFAULT_PROMPT)))
		return PAM_BUF_ERR;
	return PAM_SUCCESS;
}

/* Where the user's record is: the file (file=), or their directory entry (store=ldap). */
static int locate_record(struct module_ctx *ctx)
{
	int rc;

	snprintf(ctx->login.grace_scope, sizeof(ctx->login.grace_scope), "%s", ctx->login.service);
	if (ctx->cfg.store == OTP_STORE_LDAP) {
		char host[256] = "";

		/* A grace period opened here is for this host, not for every host of the fleet. */
		gethostname(host, sizeof(host) - 1);
		snprintf(ctx->login.grace_scope, sizeof(ctx->login.grace_scope), "%.63s@%.255s",
			 ctx->login.service, host);
		/* The record is in the user's directory entry; its DN is known after the search. */
		ctx->where.ldap = true;
		snprintf(ctx->where.path, sizeof(ctx->where.path), "ldap entry of this user");
		module_log(ctx, LOG_DEBUG, "store=ldap (%s), conf %s, service %s",
			   ctx->cfg.ldap_uri ? ctx->cfg.ldap_uri : "no ldap_uri", ctx->conf_path,
			   ctx->login.service);
		return PAM_SUCCESS;
	}
	rc = otp_path_expand(ctx->cfg.file, ctx->login.user, ctx->login.pw->pw_dir, ctx->login.pw->pw_uid,
			     ctx->where.path, sizeof(ctx->where.path));
	if (rc != OTP_OK) {
		module_log(ctx, LOG_ERR, "file=%s does not give an absolute path for this user",
			   ctx->cfg.file);
		return PAM_AUTHINFO_UNAVAIL;
	}
	ctx->where.admin = !otp_path_in_home(ctx->cfg.file);
	module_log(ctx, LOG_DEBUG, "file %s (%s), conf %s, service %s", ctx->where.path,
		   ctx->where.admin ? "admin path, opened as root" : "home, opened as the user",
		   ctx->conf_path, ctx->login.service);
	return PAM_SUCCESS;
}

static int identify_user(struct module_ctx *ctx)
{
	const void *rhost = NULL, *service = NULL;
	int rc = pam_get_user(ctx->pamh, &ctx->login.user, NULL);

	pam_get_item(ctx->pamh, PAM_RHOST, &rhost);
	pam_get_item(ctx->pamh, PAM_SERVICE, &service);
	ctx->login.rhost = rhost ? rhost : "";
	ctx->login.service = service ? service : "";
	otp_log_sanitize(ctx->login.rhost, ctx->login.rhost_safe, sizeof(ctx->login.rhost_safe));
	if (rc == PAM_CONV_AGAIN)
		return PAM_INCOMPLETE;
	if (rc != PAM_SUCCESS || !ctx->login.user)
		return PAM_USER_UNKNOWN;
	otp_log_sanitize(ctx->login.user, ctx->login.user_safe, sizeof(ctx->login.user_safe));
	if (!otp_user_name_ok(ctx->login.user)) {
		module_log(ctx, LOG_NOTICE, "refusing an unusual user name");
		return PAM_USER_UNKNOWN;
	}
	ctx->login.pw = pam_modutil_getpwnam(ctx->pamh, ctx->login.user);
	if (!ctx->login.pw) {
		module_log(ctx, LOG_NOTICE, "unknown user");
		return PAM_USER_UNKNOWN;
	}
	/*
	 * From here on the canonical name from the lookup, as otp-enroll uses: with a
	 * case-insensitive NSS (sssd, winbind) "ALICE" finds alice, whose file is
	 * file=.../alice and whose sealed secret and grace entries are bound to "alice".
	 */
	if (strcmp(ctx->login.pw->pw_name, ctx->login.user) != 0) {
		char typed[sizeof(ctx->login.user_safe)], canon[sizeof(ctx->login.user_safe)];

		if (!otp_user_name_ok(ctx->login.pw->pw_name)) {
			module_log(ctx, LOG_NOTICE, "refusing an unusual canonical user name");
			return PAM_USER_UNKNOWN;
		}
		memcpy(typed, ctx->login.user_safe, sizeof(typed));
		otp_log_sanitize(ctx->login.pw->pw_name, canon, sizeof(canon));
		snprintf(ctx->login.user_safe, sizeof(ctx->login.user_safe), "%.29s as %.29s", typed, canon);
		ctx->login.user = ctx->login.pw->pw_name;
	}
	return locate_record(ctx);
}

/* OpenSSH passes this instead of the password when it has already decided to refuse. */
static bool is_ssh_dummy(const char *s)
{
	return strcmp(s, "\b\n\r\177INCORRECT") == 0;
}

/* Digits (the code's length, or 4-10 for an SMS code) or a backup code; spaces ignored. */
static bool looks_like_code(const char *tok, const struct otp_record *rec)
{
	char norm[OTP_BACKUP_CHARS + 1];
	size_t digits = 0, other = 0;

	for (const char *s = tok; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (*s != ' ')
			other++;
	}
	if (!other && (digits == rec->digits || (rec->has_sms_code && digits >= 4 && digits <= 10)))
		return true;
	if (otp_backup_normalize(tok, norm)) {
		otp_wipe(norm, sizeof(norm));
		return true;
	}
	return false;
}

/*
 * Get the user's answer: from PAM_AUTHTOK (use_first_pass/try_first_pass), from a combined
 * password+code prompt (forward_pass), or by asking.
 */
static int get_answer(struct module_ctx *ctx, const struct otp_record *rec, const char *prompt,
		      char **answer)
{
	const void *tok = NULL;
	int rc;

	*answer = NULL;
	if (ctx->cfg.use_first_pass || ctx->cfg.try_first_pass) {
		pam_get_item(ctx->pamh, PAM_AUTHTOK, &tok);
		/* try_first_pass: a token that is not shaped like a code (pam_unix's password)
		 * is not a guess; ask instead of counting a failure. */
		if (tok && !is_ssh_dummy(tok) &&
		    (ctx->cfg.use_first_pass || looks_like_code(tok, rec)))
			return (*answer = strdup(tok)) ? PAM_SUCCESS : PAM_BUF_ERR;
		if (ctx->cfg.use_first_pass) {
			module_log(ctx, LOG_NOTICE, "use_first_pass: no code from an earlier module");
			return PAM_AUTH_ERR;
		}
	}
	if (ctx->cfg.forward_pass) {
		char *both = NULL, *pass = NULL;

		rc = conv_prompt(ctx->pamh, false, FORWARD_PASS_PROMPT, &both);
		if (rc != PAM_SUCCESS)
			return rc;
		if (otp_split_passcode(both, rec->digits, &pass, answer) != OTP_OK) {
			/* No code at the end: pass it all on; the code check below fails. */
			pam_set_item(ctx->pamh, PAM_AUTHTOK, both);
			*answer = strdup("");
		} else {
			pam_set_item(ctx->pamh, PAM_AUTHTOK, pass);
		}
		otp_free_str(pass);
		otp_free_str(both);
		return *answer ? PAM_SUCCESS : PAM_BUF_ERR;
	}
	return conv_prompt(ctx->pamh, ctx->cfg.echo, prompt, answer);
}

static const char *method_name(enum otp_method m)
{
	switch (m) {
	case OTP_METHOD_TOTP: return "TOTP code";
	case OTP_METHOD_HOTP: return "HOTP code";
	case OTP_METHOD_BACKUP: return "backup code";
	case OTP_METHOD_SMS: return "SMS code";
	default: return "code";
	}
}

/* Map one verification result to a PAM code, with the log line and the user's message. */
static int report(struct module_ctx *ctx, int vrc, const struct otp_outcome *out,
		  const struct otp_record *after)
{
	int64_t wait;

	switch (vrc) {
	case OTP_OK:
		module_log(ctx, LOG_INFO, "accepted %s%s", method_name(out->method),
			   out->method == OTP_METHOD_TOTP && out->step_offset
				   ? (out->step_offset < 0 ? " (clock behind)" : " (clock ahead)") : "");
		if (out->method == OTP_METHOD_BACKUP)
			conv_message(ctx->pamh, ctx->flags, PAM_TEXT_INFO,
				     "Backup code accepted; %u left.", after->backup_count);
		return PAM_SUCCESS;
	case OTP_E_REPLAY:
		module_log(ctx, LOG_NOTICE, "rejected a %s that was already used",
			   method_name(out->method));
		return PAM_AUTH_ERR;
	case OTP_E_LOCKED:
		module_log(ctx, LOG_NOTICE, "locked out for %lld more seconds", (long long)out->wait);
		conv_message(ctx->pamh, ctx->flags, PAM_ERROR_MSG,
			     "Too many failed attempts; try again in %lld seconds.",
			     (long long)out->wait);
		return PAM_MAXTRIES;
	case OTP_E_WRONG:
		wait = otp_lockout_remaining(after, module_now());
		if (!out->counted) {
			module_log(ctx, LOG_NOTICE, "no code entered");
		} else if (wait > 0) {
			module_log(ctx, LOG_WARNING, "wrong code, failure %u: locked out for %lld seconds",
				   after->failures, (long long)wait);
		} else {
			module_log(ctx, LOG_NOTICE, "wrong code, failure %u", after->failures);
		}
		return PAM_AUTH_ERR;
	default:
		return PAM_AUTHINFO_UNAVAIL; /* logged where it happened */
	}
}

/*
 * The SMS fallback: the answer asked for a code (or the user has only a phone and sms=auto).
 * Send it, then ask for it; *answer is replaced by the new answer. When sending fails and the
 * user has another factor, ask for that instead.
 */
static int sms_fallback(struct module_ctx *ctx, const struct otp_record *rec,
			enum sms_channel ch, char **answer)
{
	char prompt[OTP_PROMPT_MAX];
	int rc;

	otp_free_str(*answer);
	*answer = NULL;
	rc = sms_request(ctx, ch, prompt, sizeof(prompt));
	if (rc == PAM_AUTHINFO_UNAVAIL && !otp_record_sms_only(rec))
		return conv_prompt(ctx->pamh, ctx->cfg.echo, ctx->cfg.prompt, answer);
	if (rc != PAM_SUCCESS)
		return rc;
	return conv_prompt(ctx->pamh, ctx->cfg.echo, prompt, answer);
}

/*
 * Read the record and decide whether to ask at all. *go false: the result is already known
 * (not enrolled, locked out, in a grace period, nothing usable), and returned.
 */
static int before_prompt(struct module_ctx *ctx, struct otp_record *rec, bool *go, bool *sms)
{
	struct otp_outcome out = { .method = OTP_METHOD_NONE };
	int rc = userfile_load(ctx, rec);

	*go = false;
	if (rc == OTP_E_NOENT) {
		if (ctx->cfg.nullok) {
			module_log(ctx, LOG_DEBUG, "no %s: nullok, ignoring", ctx->where.path);
			return PAM_IGNORE;
		}
		module_log(ctx, LOG_NOTICE, "%s does not exist: user is not enrolled",
			   ctx->where.path);
		return PAM_AUTH_ERR;
	}
	if (rc != OTP_OK)
		return PAM_AUTHINFO_UNAVAIL;
	/* Tell a locked-out user now rather than ask for a code we will not check. */
	if ((out.wait = otp_lockout_remaining(rec, module_now())) > 0)
		return report(ctx, OTP_E_LOCKED, &out, rec);
	if (otp_grace_applies(ctx->cfg.grace_period, ctx->cfg.grace_local, ctx->login.rhost) &&
	    otp_grace_valid(rec, ctx->login.user, ctx->login.grace_scope, ctx->login.rhost,
			    module_now(), ctx->cfg.grace_period)) {
		module_log(ctx, LOG_INFO, "accepted: grace period for this host");
		return PAM_SUCCESS;
	}
	*sms = sms_offered(ctx, rec);
	module_log(ctx, LOG_DEBUG, "enrolled: %s%s, %u backup codes, SMS %s",
		   otp_record_sms_only(rec) ? "SMS only" : (rec->type == OTP_HOTP ? "hotp" : "totp"),
		   rec->sealed ? " (sealed)" : "", rec->backup_count, *sms ? "offered" : "not offered");
	if (otp_record_sms_only(rec) && !*sms) {
		module_log(ctx, LOG_ERR, "%s has only a phone, and SMS is off or has no provider",
			   ctx->where.path);
		return PAM_AUTHINFO_UNAVAIL;
	}
	*go = true;
	return PAM_SUCCESS;
}

/* The answer; when the user asks for a text (or call) first, the code sent that way. */
static int ask(struct module_ctx *ctx, const struct otp_record *rec, bool sms, char **answer)
{
	enum sms_channel ch;
	char offer[OTP_PROMPT_MAX];
	/* A custom prompt= is used as given; the default one mentions the fallback. */
	const char *prompt = sms && !ctx->cfg.prompt_set ? sms_prompt(ctx, offer, sizeof(offer))
							 : ctx->cfg.prompt;
	int rc;

	if (otp_record_sms_only(rec) && ctx->cfg.sms_mode == OTP_SMS_AUTO)
		rc = sms_fallback(ctx, rec, SMS_TEXT, answer);
	else
		rc = get_answer(ctx, rec, prompt, answer);
	if (rc == PAM_SUCCESS && sms && sms_is_trigger(ctx, *answer, &ch))
		rc = sms_fallback(ctx, rec, ch, answer);
	return rc;
}

/* Check the answer under the lock (and, for an HOTP token far ahead, the next code). */
static int check_answer(struct module_ctx *ctx, char **answer, struct otp_record *after)
{
	struct otp_outcome out;
	int vrc = userfile_verify(ctx, *answer, &out, after), rc;

	otp_free_str(*answer);
	*answer = NULL;
	if (vrc == OTP_E_RESYNC) {
		/* HOTP token far ahead: one more code (the next one) moves the counter. */
		module_log(ctx, LOG_NOTICE, "HOTP code ahead of the counter: asking for the next one");
		otp_record_clear(after);
		rc = conv_prompt(ctx->pamh, ctx->cfg.echo,
				 "Token out of sync; enter the next code: ", answer);
		if (rc != PAM_SUCCESS)
			return rc;
		vrc = userfile_verify(ctx, *answer, &out, after);
		if (vrc == OTP_E_RESYNC) {
			module_log(ctx, LOG_NOTICE, "HOTP resync failed: the second code was not the "
				   "one right after the first");
			return PAM_AUTH_ERR;
		}
	}
	return report(ctx, vrc, &out, after);
}

/*
 * The steps, with one cleanup. The records hold the secret: they come from otp_secret_alloc
 * (out of core dumps where there would be one). The record read before the prompt is only
 * for asking; the answer is checked against a fresh read under the lock.
 */
static int authenticate(struct module_ctx *ctx)
{
	struct otp_record *r = otp_secret_alloc(2 * sizeof(*r));
	char *answer = NULL;
	bool go = false, sms = false;
	int rc;

	if (!r)
		return PAM_BUF_ERR;
	otp_record_init(&r[0]);
	otp_record_init(&r[1]);
	rc = before_prompt(ctx, &r[0], &go, &sms);
	if (go)
		rc = ask(ctx, &r[0], sms, &answer);
	otp_record_clear(&r[0]);
	if (go && rc == PAM_SUCCESS)
		rc = check_answer(ctx, &answer, &r[1]);
	otp_free_str(answer);
	otp_record_clear(&r[1]);
	otp_secret_free(r);
	return rc;
}

EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct module_ctx ctx = { .pamh = pamh, .flags = flags };
	int rc;

	strcpy(ctx.login.user_safe, "?");
	rc = load_config(&ctx, argc, argv);
	if (rc == PAM_SUCCESS)
		rc = identify_user(&ctx);
	if (rc == PAM_SUCCESS)
		rc = authenticate(&ctx);
	if (ctx.where.open)
		otp_file_close(&ctx.where.file);
	if (ctx.where.ldap)
		otp_store_ldap_close(&ctx.where.store);
	hostkeys_free(&ctx);
	otp_cfg_free(&ctx.cfg);
	return rc;
}

EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS;
}
