/*
 * Plivo: Basic auth_id (account_sid) : auth_token, JSON bodies. Texts go to Message/.
 * Calls go to Call/ with answer_url = webhook_url plus "code=<digits>" in its query: Plivo
 * has no inline XML, so that URL must answer with
 * <Response><Speak loop="2">Your code is 1 2 3 4 5 6</Speak></Response>.
 */
#include "provider.h"
#include "buf.h"
#include "http.h"
#include "jsonio.h"
#include "secmem.h"

#include <stdlib.h>
#include <string.h>

#define PLIVO_BASE "https://api.plivo.com"

static void replied(struct otp_sms_res *res, const struct otp_http_resp *resp, bool call)
{
	struct json_object *j = otp_json_parse(resp->body, resp->len);
	const char *id = call ? otp_json_str(j, "request_uuid")
			      : otp_json_as_str(otp_json_first(j, "message_uuid"));
	const char *err = otp_json_str(j, "error");

	if (resp->status >= 200 && resp->status <= 299 && id && *id)
		otp_sms_ok(res, resp->status, id);
	else if (resp->status >= 200 && resp->status <= 299)
		otp_sms_fail(res, OTP_SMS_K_MALFORMED, resp->status, NULL,
			     j ? "reply without an id" : "reply is not JSON");
	else /* {"api_id":"...","error":"..."}: no error codes, the status says it all */
		otp_sms_fail(res, otp_sms_status_kind(resp->status), resp->status, NULL, "%s",
			     err ? err : j ? "error without text" : "unreadable error reply");
	otp_json_free(j);
}

/* webhook_url + "?code=123456" (or "&code=" when it already has a query). */
static char *answer_url(const struct otp_cfg *cfg, const char *code)
{
	struct otp_buf b = { 0 };
	char *url;

	otp_buf_str(&b, cfg->webhook_url);
	otp_buf_str(&b, strchr(cfg->webhook_url, '?') ? "&code=" : "?code=");
	otp_buf_str(&b, code);
	if (b.failed || !b.p || !(url = strdup(b.p)))
		url = NULL;
	otp_buf_free(&b);
	return url;
}

static char *build_body(const struct otp_cfg *cfg, const struct otp_sms_req *req, bool call)
{
	struct json_object *j = otp_json_new();
	char *answer = NULL;
	bool ok;

	if (call) {
		ok = j && (answer = answer_url(cfg, req->code)) &&
		     otp_json_add(j, "from", cfg->from) == 0 && otp_json_add(j, "to", req->to) == 0 &&
		     otp_json_add(j, "answer_url", answer) == 0 &&
		     otp_json_add(j, "answer_method", "GET") == 0;
	} else {
		ok = j && otp_json_add(j, "src", cfg->from) == 0 &&
		     otp_json_add(j, "dst", req->to) == 0 && otp_json_add(j, "text", req->message) == 0;
	}
	otp_free_str(answer);
	if (ok)
		return otp_json_finish(j);
	otp_json_free(j);
	return NULL;
}

void otp_sms_plivo(const struct otp_cfg *cfg, const struct otp_sms_req *req,
		   struct otp_sms_res *res)
{
	static const char *const accept[] = { "Accept: application/json", NULL };
	bool call = req->action == OTP_SMS_CALL;
	struct otp_http_resp resp = { 0 };
	char *url, *body, why[160];

	if (!otp_sms_ident_ok(cfg->account_sid) || !cfg->auth_token || !cfg->from) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL,
			     "account_sid (auth_id), auth_token and from are required");
		return;
	}
	if (call && (!cfg->webhook_url ||
		     otp_http_check_url(cfg, cfg->webhook_url, why, sizeof(why)) != 0)) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "calls need webhook_url (the answer_url)%s%s",
			     cfg->webhook_url ? ": " : "", cfg->webhook_url ? why : "");
		return;
	}
	url = otp_sms_url(cfg, PLIVO_BASE, "/v1/Account/%s/%s/", cfg->account_sid,
			  call ? "Call" : "Message");
	body = build_body(cfg, req, call);
	if (!url || !body) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "out of memory");
	} else {
		struct otp_http_req hr = {
			.url = url, .content_type = "application/json", .body = body,
			.body_len = strlen(body), .user = cfg->account_sid, .pass = cfg->auth_token,
			.headers = accept, .retry = OTP_HTTP_RETRY_UNPROCESSED,
		};
		if (otp_sms_post(cfg, &hr, &resp, res))
			replied(res, &resp, call);
	}
	otp_http_resp_free(&resp);
	otp_free_str(body);
	free(url);
}
