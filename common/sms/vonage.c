/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Vonage (Nexmo) SMS API: form with api_key (account_sid) and api_secret (auth_token) in the
 * body, "to" as digits without '+'. The HTTP status is 200 even for errors: the outcome is
 * messages[i].status for every part of the text, "0" meaning sent.
 */
#include "provider.h"
#include "buf.h"
#include "http.h"
#include "jsonio.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define VONAGE_BASE "https://rest.nexmo.com"

static int status_kind(long st)
{
	switch (st) {
	case 1: return OTP_SMS_K_RATE_LIMITED;  /* throttled */
	case 3: return OTP_SMS_K_INVALID_NUMBER; /* invalid parameters */
	case 4: return OTP_SMS_K_AUTH;          /* invalid credentials */
	case 5: return OTP_SMS_K_UNAVAILABLE;   /* internal error */
	default: return OTP_SMS_K_REJECTED;     /* 9 out of credit, 2, 6, 7, 12, 15, ... */
	}
}

/* One element of messages[]: true when it says sent ("0" and an id), else res says why. */
static bool part_sent(struct otp_sms_res *res, const struct otp_http_resp *resp,
		      struct json_object *m, size_t i, size_t n)
{
	const char *text = otp_json_str(m, "error-text");
	const char *id = otp_json_str(m, "message-id");
	char st[16] = "";
	char *end;
	long code;

	if (!otp_json_scalar(m, "status", st, sizeof(st))) {
		otp_sms_fail(res, OTP_SMS_K_MALFORMED, resp->status, NULL,
			     "reply without messages[%zu].status", i);
		return false;
	}
	if (strcmp(st, "0") == 0 && id && *id)
		return true;
	if (strcmp(st, "0") == 0) {
		otp_sms_fail(res, OTP_SMS_K_MALFORMED, resp->status, NULL,
			     "part %zu of %zu sent without an id", i + 1, n);
		return false;
	}
	code = strtol(st, &end, 10);
	otp_sms_fail(res, *end ? OTP_SMS_K_MALFORMED : status_kind(code), resp->status, st,
		     "part %zu of %zu: %s", i + 1, n, text ? text : "no error-text");
	return false;
}

/* A long text goes out in parts, one messages[] element each: every part must be sent
 * (status "0"), or the reader gets half a message, perhaps without the code. */
static void replied(struct otp_sms_res *res, const struct otp_http_resp *resp)
{
	struct json_object *j = otp_json_parse(resp->body, resp->len);
	struct json_object *msgs = otp_json_array(j, "messages");
	size_t n = msgs ? json_object_array_length(msgs) : 0;
	char count[16];

	if (resp->status < 200 || resp->status > 299) {
		const char *text = otp_json_str(otp_json_first(j, "messages"), "error-text");

		otp_sms_fail(res, otp_sms_status_kind(resp->status), resp->status, NULL, "%s",
			     text ? text : otp_json_str(j, "title") ? otp_json_str(j, "title")
			     : "HTTP error");
	} else if (n == 0) {
		otp_sms_fail(res, OTP_SMS_K_MALFORMED, resp->status, NULL,
			     j ? "reply without messages[]" : "reply is not JSON");
	} else if (otp_json_scalar(j, "message-count", count, sizeof(count)) &&
		   strtoul(count, NULL, 10) != n) {
		otp_sms_fail(res, OTP_SMS_K_MALFORMED, resp->status, NULL,
			     "message-count %s but %zu messages", count, n);
	} else {
		size_t i;

		for (i = 0; i < n; i++)
			if (!part_sent(res, resp, json_object_array_get_idx(msgs, i), i, n))
				break;
		if (i == n) /* the first part's id names the message */
			otp_sms_ok(res, resp->status,
				   otp_json_str(json_object_array_get_idx(msgs, 0), "message-id"));
	}
	otp_json_free(j);
}

static bool is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

void otp_sms_vonage(const struct otp_cfg *cfg, const struct otp_sms_req *req,
		    struct otp_sms_res *res)
{
	static const char *const accept[] = { "Accept: application/json", NULL };
	struct otp_http_resp resp = { 0 };
	struct otp_buf form = { 0 };
	char *url;

	if (!cfg->account_sid || !cfg->auth_token || !cfg->from) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL,
			     "account_sid (api_key), auth_token (api_secret) and from are required");
		return;
	}
	url = otp_sms_url(cfg, VONAGE_BASE, "/sms/json");
	otp_buf_form(&form, "api_key", cfg->account_sid);
	otp_buf_form(&form, "api_secret", cfg->auth_token);
	otp_buf_form(&form, "from", cfg->from);
	otp_buf_form(&form, "to", req->to + (req->to[0] == '+'));
	otp_buf_form(&form, "text", req->message);
	if (!is_ascii(req->message))
		otp_buf_form(&form, "type", "unicode"); /* else non-ASCII arrives garbled */
	if (!url || form.failed) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "out of memory or request too large");
	} else {
		struct otp_http_req hr = {
			.url = url, .content_type = "application/x-www-form-urlencoded",
			.body = form.p, .body_len = form.len, .headers = accept,
			.retry = OTP_HTTP_RETRY_UNPROCESSED,
		};
		if (otp_sms_post(cfg, &hr, &resp, res))
			replied(res, &resp);
	}
	otp_http_resp_free(&resp);
	otp_buf_free(&form);
	free(url);
}
