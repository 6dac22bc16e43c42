/* SPDX-License-Identifier: BSD-2-Clause */
/* Telnyx v2 Messages: Bearer API key, JSON in and out, errors as an "errors" array. */
#include "provider.h"
#include "http.h"
#include "jsonio.h"
#include "secmem.h"

#include <stdlib.h>
#include <string.h>

#define TELNYX_BASE "https://api.telnyx.com"

/* {"errors":[{"code":"10009","title":"...","detail":"...","source":{"pointer":"/to"}}]} */
static void failed(struct otp_sms_res *res, const struct otp_http_resp *resp)
{
	struct json_object *j = otp_json_parse(resp->body, resp->len);
	struct json_object *e = otp_json_first(j, "errors");
	const char *title = otp_json_str(e, "title");
	const char *detail = otp_json_str(e, "detail");
	const char *pointer = otp_json_str(otp_json_obj(e, "source"), "pointer");
	int kind = otp_sms_status_kind(resp->status);
	char code[32] = "";

	otp_json_scalar(e, "code", code, sizeof(code));
	if (resp->status >= 400 && resp->status <= 499) {
		if (strcmp(code, "10009") == 0)
			kind = OTP_SMS_K_AUTH;
		else if (strcmp(code, "10011") == 0)
			kind = OTP_SMS_K_RATE_LIMITED;
		else if (strcmp(code, "10016") == 0 || (pointer && strcmp(pointer, "/to") == 0))
			kind = OTP_SMS_K_INVALID_NUMBER;
	}
	otp_sms_fail(res, kind, resp->status, code, "%s%s%s", title ? title : "",
		     title && detail ? ": " : "",
		     detail ? detail : title ? "" : j ? "error without a title" : "unreadable error reply");
	otp_json_free(j);
}

static void sent(struct otp_sms_res *res, const struct otp_http_resp *resp)
{
	struct json_object *j = otp_json_parse(resp->body, resp->len);
	const char *id = otp_json_str(otp_json_obj(j, "data"), "id");

	if (id && *id)
		otp_sms_ok(res, resp->status, id);
	else
		otp_sms_fail(res, OTP_SMS_K_MALFORMED, resp->status, NULL,
			     j ? "reply without data.id" : "reply is not JSON");
	otp_json_free(j);
}

void otp_sms_telnyx(const struct otp_cfg *cfg, const struct otp_sms_req *req,
		    struct otp_sms_res *res)
{
	static const char *const accept[] = { "Accept: application/json", NULL };
	struct otp_http_resp resp = { 0 };
	struct json_object *j;
	char *url, *body = NULL;

	if (!cfg->api_key || (!cfg->from && !cfg->messaging_service_sid)) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL,
			     "api_key and from (or messaging_service_sid) are required");
		return;
	}
	url = otp_sms_url(cfg, TELNYX_BASE, "/v2/messages");
	j = otp_json_new();
	/* messaging_service_sid carries the Telnyx messaging_profile_id, sent whenever it is
	 * set: the API needs it with an alphanumeric from or a number pool, not only alone. */
	if (j && otp_json_add(j, "to", req->to) == 0 && otp_json_add(j, "from", cfg->from) == 0 &&
	    otp_json_add(j, "messaging_profile_id", cfg->messaging_service_sid) == 0 &&
	    otp_json_add(j, "text", req->message) == 0)
		body = otp_json_finish(j);
	else
		otp_json_free(j);
	if (!url || !body) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "out of memory");
	} else {
		struct otp_http_req hr = {
			.url = url, .content_type = "application/json", .body = body,
			.body_len = strlen(body), .bearer = cfg->api_key, .headers = accept,
			.retry = OTP_HTTP_RETRY_UNPROCESSED,
		};
		if (otp_sms_post(cfg, &hr, &resp, res))
			(resp.status >= 200 && resp.status <= 299 ? sent : failed)(res, &resp);
	}
	otp_http_resp_free(&resp);
	otp_free_str(body);
	free(url);
}
