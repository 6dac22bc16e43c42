/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Twilio Verify v2: the provider makes the code, texts or calls it (Verifications) and
 * checks the answer (VerificationCheck). Approved only on "status":"approved"; a wrong code
 * leaves it pending; once approved, expired or out of attempts it is gone (404).
 */
#include "twilio.h"
#include "buf.h"
#include "jsonio.h"

#include <stdlib.h>
#include <string.h>

#define VERIFY_BASE "https://verify.twilio.com"

static void started(struct otp_sms_res *res, const struct otp_http_resp *resp)
{
	struct json_object *j = otp_json_parse(resp->body, resp->len);
	const char *sid = otp_json_str(j, "sid");
	const char *status = otp_json_str(j, "status");

	if (sid && status && strcmp(status, "pending") == 0)
		otp_sms_ok(res, resp->status, sid);
	else
		otp_sms_fail(res, OTP_SMS_K_MALFORMED, resp->status, NULL, "%s",
			     !j ? "reply is not JSON" : status ? "verification not pending"
			     : "reply without a status");
	otp_json_free(j);
}

static void checked(struct otp_sms_res *res, const struct otp_http_resp *resp)
{
	struct json_object *j = otp_json_parse(resp->body, resp->len);
	const char *status = otp_json_str(j, "status");
	const char *sid = otp_json_str(j, "sid");

	if (!status)
		otp_sms_fail(res, OTP_SMS_K_MALFORMED, resp->status, NULL,
			     j ? "reply without a status" : "reply is not JSON");
	else if (strcmp(status, "approved") == 0)
		otp_sms_ok(res, resp->status, sid);
	else
		otp_sms_fail(res, OTP_SMS_K_DENIED, resp->status, NULL,
			     "verification %s (wrong code)", status);
	otp_json_free(j);
}

/* Approved, expired or out of attempts: Twilio deletes the verification. */
static void denied_404(struct otp_sms_res *res, const struct otp_http_resp *resp)
{
	char code[sizeof(res->code)];

	otp_twilio_error(res, resp); /* for its code (20404) */
	memcpy(code, res->code, sizeof(code));
	otp_sms_fail(res, OTP_SMS_K_DENIED, 404, code,
		     "no pending verification (used, expired or never started)");
}

void otp_sms_twilio_verify(const struct otp_cfg *cfg, const struct otp_sms_req *req,
			   struct otp_sms_res *res)
{
	bool check = req->action == OTP_SMS_VERIFY_CHECK;
	struct otp_http_resp resp = { 0 };
	struct otp_buf form = { 0 };
	char *url;

	if (!otp_twilio_creds_ok(cfg, res))
		return;
	if (!otp_sms_ident_ok(cfg->verify_service_sid)) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "verify_service_sid is required");
		return;
	}
	url = otp_sms_url(cfg, VERIFY_BASE, "/v2/Services/%s/%s", cfg->verify_service_sid,
			  check ? "VerificationCheck" : "Verifications");
	otp_buf_form(&form, "To", req->to);
	if (check)
		otp_buf_form(&form, "Code", req->code);
	else
		otp_buf_form(&form, "Channel",
			     req->action == OTP_SMS_VERIFY_START_CALL ? "call" : "sms");
	/* A check is never repeated once it may have arrived: if the first one was processed
	 * (approved, so deleted), a repeat gets 404 and an approved code would read as denied. */
	if (!url || form.failed ||
	    otp_twilio_post(cfg, url, form.p, form.len,
			    check ? OTP_HTTP_RETRY_UNSENT : OTP_HTTP_RETRY_UNPROCESSED, &resp) != 0)
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "out of memory or request too large");
	else if (resp.fail != OTP_HTTP_OK)
		otp_sms_transport_fail(res, &resp);
	else if (resp.status >= 200 && resp.status <= 299)
		(check ? checked : started)(res, &resp);
	else if (check && resp.status == 404)
		denied_404(res, &resp);
	else if (check && resp.held_back)
		otp_sms_fail(res, OTP_SMS_K_UNAVAILABLE, resp.status, NULL,
			     "HTTP %ld: the provider could not say whether the code is right; "
			     "the check is not repeated (a repeat could deny an approved code)",
			     resp.status);
	else
		otp_twilio_error(res, &resp);
	otp_http_resp_free(&resp);
	otp_buf_free(&form);
	free(url);
}
