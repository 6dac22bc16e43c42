/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The sender side of the SMS fallback: one request (a text, a call, or a Twilio Verify
 * start/check) sent through the configured provider, and its result as the one status line
 * and exit status that pam_otp_sms hands back to the module.
 */
#ifndef OTP_SMS_PROVIDER_H
#define OTP_SMS_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cfg.h"
#include "sms_exit.h"      /* enum otp_sms_exit: res->exit */
#include "sms_providers.h" /* which provider can do which action */

enum otp_sms_action {
	OTP_SMS_SEND,              /* "send": a text with the code */
	OTP_SMS_CALL,              /* "call": a voice call reading the code */
	OTP_SMS_VERIFY_START,      /* "verify-start": the provider makes and texts a code */
	OTP_SMS_VERIFY_START_CALL, /* "verify-start-call": same, by voice call */
	OTP_SMS_VERIFY_CHECK,      /* "verify-check": the provider checks the code */
};

enum otp_sms_kind {
	OTP_SMS_K_NONE, OTP_SMS_K_INVALID_NUMBER, OTP_SMS_K_REJECTED, OTP_SMS_K_AUTH,
	OTP_SMS_K_RATE_LIMITED, OTP_SMS_K_UNAVAILABLE, OTP_SMS_K_TIMEOUT, OTP_SMS_K_TLS,
	OTP_SMS_K_MALFORMED, OTP_SMS_K_CONFIG, OTP_SMS_K_DENIED, OTP_SMS_K_GEO_BLOCKED,
};
#define OTP_SMS_K_LAST OTP_SMS_K_GEO_BLOCKED

struct otp_sms_req {
	enum otp_sms_action action;
	const char *to;       /* E.164 with '+', checked by the caller */
	const char *code;     /* digits; NULL for verify-start */
	const char *message;  /* full text (send) */
	const char *user;
	const char *host;
};

struct otp_sms_res {
	const char *provider;
	int exit;             /* enum otp_sms_exit */
	int kind;             /* enum otp_sms_kind, NONE on success */
	long status;          /* HTTP status (exit status for provider=command), 0 if none */
	char code[32];        /* provider's error code */
	char id[96];          /* message, call or verification id */
	char detail[160];
	/* What otp_sms_fail and otp_sms_ok mask before they cut a text to its field (set by
	 * otp_sms_run; NULL masks only phone numbers). */
	const struct otp_cfg *mask_cfg;
	const struct otp_sms_req *mask_req;
};

struct otp_http_req;
struct otp_http_resp;

/* Parse "send", "call", ... Returns 0 or OTP_E_INVAL. */
int otp_sms_action_parse(const char *name, enum otp_sms_action *out);

/* Send req through cfg->provider; the result is always in res. Returns res->exit. */
int otp_sms_run(const struct otp_cfg *cfg, const struct otp_sms_req *req,
		struct otp_sms_res *res);

/* Print the status line; secrets (the code, credentials) never show, even if a provider
 * echoed them back into a detail. */
void otp_sms_print(FILE *out, const struct otp_sms_res *res, const struct otp_cfg *cfg,
		   const struct otp_sms_req *req);

/* For the providers. The provider's text is masked in full (credentials, the code, phone
 * numbers) and only then cut to the field, so no part of a secret survives at the cut. A
 * provider error code that does not fit res->code is dropped, never cut. */
void otp_sms_ok(struct otp_sms_res *res, long status, const char *id);
void otp_sms_fail(struct otp_sms_res *res, int kind, long status, const char *code,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Transport failure (resp->fail != OTP_HTTP_OK) to a result. */
void otp_sms_transport_fail(struct otp_sms_res *res, const struct otp_http_resp *resp);
/* POST req: true when a reply came back for the provider to read; otherwise res says why
 * not. The caller frees resp either way. */
bool otp_sms_post(const struct otp_cfg *cfg, const struct otp_http_req *req,
		  struct otp_http_resp *resp, struct otp_sms_res *res);
/* The kind a non-2xx status means when the provider said nothing more specific. */
int otp_sms_status_kind(long status);
/* An identifier that goes into a URL path: letters, digits, '-' and '_' only. */
bool otp_sms_ident_ok(const char *s);
/* base (api_base or the default) without a trailing '/', then the formatted path. */
char *otp_sms_url(const struct otp_cfg *cfg, const char *def_base, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The providers (one file each), listed in OTP_SMS_PROVIDERS (common/sms_providers.h). */
void otp_sms_twilio(const struct otp_cfg *cfg, const struct otp_sms_req *req,
		    struct otp_sms_res *res);
void otp_sms_twilio_verify(const struct otp_cfg *cfg, const struct otp_sms_req *req,
			   struct otp_sms_res *res);
void otp_sms_telnyx(const struct otp_cfg *cfg, const struct otp_sms_req *req,
		    struct otp_sms_res *res);
void otp_sms_plivo(const struct otp_cfg *cfg, const struct otp_sms_req *req,
		   struct otp_sms_res *res);
void otp_sms_vonage(const struct otp_cfg *cfg, const struct otp_sms_req *req,
		    struct otp_sms_res *res);
void otp_sms_sns(const struct otp_cfg *cfg, const struct otp_sms_req *req,
		 struct otp_sms_res *res);
void otp_sms_webhook(const struct otp_cfg *cfg, const struct otp_sms_req *req,
		     struct otp_sms_res *res);
void otp_sms_command(const struct otp_cfg *cfg, const struct otp_sms_req *req,
		     struct otp_sms_res *res);

#endif
