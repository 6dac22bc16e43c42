/* SPDX-License-Identifier: BSD-2-Clause */
/* Twilio Programmable Messaging (Messages.json) and voice calls (Calls.json). */
#include "twilio.h"
#include "buf.h"
#include "jsonio.h"
#include "secmem.h"

#include <stdlib.h>
#include <string.h>

#define TWILIO_BASE "https://api.twilio.com"

int otp_twilio_post(const struct otp_cfg *cfg, const char *url, const char *form, size_t len,
		    enum otp_http_retry retry, struct otp_http_resp *resp)
{
	bool key = cfg->api_key_sid != NULL;
	struct otp_http_req req = {
		.retry = retry,
		.url = url,
		.content_type = "application/x-www-form-urlencoded",
		.body = form,
		.body_len = len,
		/* An API key stands in for the account's own credentials; the account SID
		 * stays in the URL path either way. */
		.user = key ? cfg->api_key_sid : cfg->account_sid,
		.pass = key ? cfg->api_key_secret : cfg->auth_token,
	};
	static const char *const accept[] = { "Accept: application/json", NULL };

	req.headers = accept;
	return otp_http_post(cfg, &req, resp);
}

bool otp_twilio_creds_ok(const struct otp_cfg *cfg, struct otp_sms_res *res)
{
	if (!otp_sms_ident_ok(cfg->account_sid)) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL,
			     "account_sid (letters and digits) is required");
		return false;
	}
	if (!cfg->api_key_sid != !cfg->api_key_secret) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL,
			     "api_key_sid and api_key_secret go together");
		return false;
	}
	if (cfg->api_key_sid && (strncmp(cfg->api_key_sid, "SK", 2) != 0 ||
				 !otp_sms_ident_ok(cfg->api_key_sid))) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL,
			     "api_key_sid must be a Twilio API key SID (SK...)");
		return false;
	}
	if (!cfg->api_key_sid && !cfg->auth_token) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL,
			     "auth_token (or api_key_sid and api_key_secret) is required");
		return false;
	}
	return true;
}

static int error_kind(long code, long status)
{
	switch (code) {
	case 21211: /* invalid To */
	case 21612: /* To not reachable */
	case 21614: /* To cannot receive SMS */
	case 60200: /* Verify: invalid parameter (To) */
	case 60205: /* Verify: SMS to a landline */
		return OTP_SMS_K_INVALID_NUMBER;
	case 20003:
		return OTP_SMS_K_AUTH;
	case 21408: /* Messages: no permission to send to that region */
	case 60605: /* Verify: geo permissions block that country (a 403, not bad auth) */
		return OTP_SMS_K_GEO_BLOCKED;
	case 20429:
	case 60202: /* Verify: too many checks */
	case 60203: /* Verify: too many sends */
		return OTP_SMS_K_RATE_LIMITED;
	default:
		return otp_sms_status_kind(status);
	}
}

void otp_twilio_error(struct otp_sms_res *res, const struct otp_http_resp *resp)
{
	struct json_object *j = otp_json_parse(resp->body, resp->len);
	const char *msg = otp_json_str(j, "message");
	char code[32] = "";
	int kind = otp_sms_status_kind(resp->status);

	otp_json_scalar(j, "code", code, sizeof(code));
	/* A 5xx stays unavailable whatever code it carries. */
	if (resp->status >= 400 && resp->status <= 499)
		kind = error_kind(strtol(code, NULL, 10), resp->status);
	otp_sms_fail(res, kind, resp->status, code, "%s",
		     msg ? msg : j ? "error without a message" : "unreadable error reply");
	otp_json_free(j);
}

void otp_twilio_created(struct otp_sms_res *res, const struct otp_http_resp *resp)
{
	struct json_object *j = otp_json_parse(resp->body, resp->len);
	const char *sid = otp_json_str(j, "sid");

	if (sid && *sid)
		otp_sms_ok(res, resp->status, sid);
	else
		otp_sms_fail(res, OTP_SMS_K_MALFORMED, resp->status, NULL,
			     j ? "reply without a sid" : "reply is not JSON");
	otp_json_free(j);
}

/* <Say> reads "1 2 3 4 5 6" digit by digit; run together it would be "one hundred ...". */
static void build_twiml(struct otp_buf *b, const char *code)
{
	otp_buf_str(b, "<Response><Say loop=\"2\">Your code is");
	for (const char *p = code; *p; p++) {
		otp_buf_add(b, " ", 1);
		otp_buf_add(b, p, 1);
	}
	otp_buf_str(b, "</Say></Response>");
}

void otp_sms_twilio(const struct otp_cfg *cfg, const struct otp_sms_req *req,
		    struct otp_sms_res *res)
{
	bool call = req->action == OTP_SMS_CALL;
	struct otp_buf form = { 0 }, twiml = { 0 };
	struct otp_http_resp resp = { 0 };
	char *url;

	if (!otp_twilio_creds_ok(cfg, res))
		return;
	if (call ? !cfg->from : !cfg->from && !cfg->messaging_service_sid) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, call ? "from is required for calls"
			     : "from or messaging_service_sid is required");
		return;
	}
	url = otp_sms_url(cfg, TWILIO_BASE, "/2010-04-01/Accounts/%s/%s", cfg->account_sid,
			  call ? "Calls.json" : "Messages.json");
	otp_buf_form(&form, "To", req->to);
	if (call) {
		otp_buf_form(&form, "From", cfg->from);
		build_twiml(&twiml, req->code);
		otp_buf_form(&form, "Twiml", twiml.p ? twiml.p : "");
	} else {
		/* A Messaging Service picks the sender itself; From is then for calls. */
		if (cfg->messaging_service_sid)
			otp_buf_form(&form, "MessagingServiceSid", cfg->messaging_service_sid);
		else
			otp_buf_form(&form, "From", cfg->from);
		otp_buf_form(&form, "Body", req->message);
	}
	if (!url || form.failed || twiml.failed ||
	    otp_twilio_post(cfg, url, form.p, form.len, OTP_HTTP_RETRY_UNPROCESSED, &resp) != 0)
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "out of memory or request too large");
	else if (resp.fail != OTP_HTTP_OK)
		otp_sms_transport_fail(res, &resp);
	else if (resp.status >= 200 && resp.status <= 299)
		otp_twilio_created(res, &resp);
	else
		otp_twilio_error(res, &resp);
	otp_http_resp_free(&resp);
	otp_buf_free(&form);
	otp_buf_free(&twiml);
	free(url);
}
