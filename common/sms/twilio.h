/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by twilio.c and twilio_verify.c: both APIs answer errors the same way. */
#ifndef OTP_SMS_TWILIO_H
#define OTP_SMS_TWILIO_H

#include "http.h"
#include "provider.h"

/* Post a form to a Twilio URL with Basic account_sid:auth_token, or api_key_sid:
 * api_key_secret when an API key is set. */
int otp_twilio_post(const struct otp_cfg *cfg, const char *url, const char *form, size_t len,
		    enum otp_http_retry retry, struct otp_http_resp *resp);
/* Result for a non-2xx reply: {"code":21211,"message":"...","status":400}. */
void otp_twilio_error(struct otp_sms_res *res, const struct otp_http_resp *resp);
/* Result for a 2xx reply: ok with its "sid", or malformed. */
void otp_twilio_created(struct otp_sms_res *res, const struct otp_http_resp *resp);
/* account_sid and either auth_token or the API key pair are set and usable. */
bool otp_twilio_creds_ok(const struct otp_cfg *cfg, struct otp_sms_res *res);

#endif
