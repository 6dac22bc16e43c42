/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SMS fallback of a module built without it (meson -Dsms=disabled: no pam_otp_sms, no
 * libcurl): never offered, and an admin who configured a provider reads why in the log. The
 * rest of sms.h is only reached once SMS is offered, or for a provider's pending code left
 * by an earlier build: refused, fail closed.
 */
#include "sms.h"
#include "err.h"

#define NO_SMS "pam_otp was built without SMS support (meson -Dsms=disabled)"

bool sms_offered(struct module_ctx *ctx, const struct otp_record *rec)
{
	if (ctx->cfg.sms_mode != OTP_SMS_OFF && ctx->cfg.provider)
		module_log(ctx, LOG_WARNING, "SMS not offered: provider= is set but " NO_SMS);
	return false;
}

const char *sms_prompt(struct module_ctx *ctx, char *buf, size_t bufsz)
{
	return ctx->cfg.prompt;
}

bool sms_is_trigger(const struct module_ctx *ctx, const char *answer, enum sms_channel *ch)
{
	*ch = SMS_TEXT;
	return false;
}

int sms_request(struct module_ctx *ctx, enum sms_channel ch, char *prompt, size_t promptsz)
{
	module_log(ctx, LOG_ERR, "SMS refused: " NO_SMS);
	return PAM_AUTHINFO_UNAVAIL;
}

int sms_remote_check(void *arg, const struct otp_record *rec, const char *code)
{
	module_log(arg, LOG_ERR, "cannot check the provider's pending code: " NO_SMS);
	return OTP_E_IO;
}
