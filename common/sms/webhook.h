/* SPDX-License-Identifier: BSD-2-Clause */
/* Standard Webhooks signing, shared by webhook.c and the Plivo call hand-off (plivo.c). */
#ifndef OTP_SMS_WEBHOOK_H
#define OTP_SMS_WEBHOOK_H

#include <stddef.h>

/* Why webhook_secret cannot sign ("whsec_" + base64 of at least 24 bytes), or NULL. */
const char *otp_webhook_secret_problem(const char *secret);
/* sig = "v1," + base64 HMAC-SHA256(key, "{id}.{ts}.{body}"). Returns 0 or -1. */
int otp_webhook_sign(const char *secret, const char *id, const char *ts, const char *body,
		     char *sig, size_t cap);
/* The three Standard Webhooks header lines for body (id made here, random), into the
 * caller's buffers. Returns 0 or -1 (no randomness or cannot sign). */
int otp_webhook_headers(const char *secret, const char *body, char id[40], char h_id[64],
			char h_ts[64], char h_sig[160]);

#endif
