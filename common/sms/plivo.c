/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Plivo: Basic auth_id (account_sid) : auth_token, JSON bodies. Texts go to Message/.
 *
 * Calls: Plivo has no inline XML, it fetches the <Speak> from an answer server, and
 * whatever is in answer_url stays in Plivo's call record and in that server's access log.
 * So the code never goes into the URL: first the code is handed to the answer server
 * (webhook_url) in a POST signed with webhook_secret (Standard Webhooks), under a random
 * one-time reference; then the call is made with answer_url = webhook_url + "ref=<ref>" and
 * answer_method POST. The answer server checks X-Plivo-Signature-V3 on Plivo's request,
 * answers <Response><Speak loop="2">Your code is 1 2 3 4 5 6</Speak></Response> for the
 * reference once, and forgets it (see pam_otp_sms(8)).
 */
#include "provider.h"
#include "buf.h"
#include "http.h"
#include "jsonio.h"
#include "secmem.h"
#include "webhook.h"

#include <openssl/rand.h>
#include <stdio.h>

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

/* webhook_url + "?ref=<ref>" (or "&ref=" when it already has a query). */
static char *answer_url(const struct otp_cfg *cfg, const char *ref)
{
	struct otp_buf b = { 0 };
	char *url;

	otp_buf_str(&b, cfg->webhook_url);
	otp_buf_str(&b, strchr(cfg->webhook_url, '?') ? "&ref=" : "?ref=");
	otp_buf_str(&b, ref);
	if (b.failed || !b.p || !(url = strdup(b.p)))
		url = NULL;
	otp_buf_free(&b);
	return url;
}

static char *build_body(const struct otp_cfg *cfg, const struct otp_sms_req *req,
			const char *ref)
{
	struct json_object *j = otp_json_new();
	char *answer = NULL;
	bool ok;

	if (ref) {
		ok = j && (answer = answer_url(cfg, ref)) &&
		     otp_json_add(j, "from", cfg->from) == 0 && otp_json_add(j, "to", req->to) == 0 &&
		     otp_json_add(j, "answer_url", answer) == 0 &&
		     otp_json_add(j, "answer_method", "POST") == 0;
	} else {
		ok = j && otp_json_add(j, "src", cfg->from) == 0 &&
		     otp_json_add(j, "dst", req->to) == 0 && otp_json_add(j, "text", req->message) == 0;
	}
	free(answer);
	if (ok)
		return otp_json_finish(j);
	otp_json_free(j);
	return NULL;
}

/*
 * Give the answer server the code under ref: POST {"ref","to","code"} to webhook_url,
 * signed. True when it took it (2xx); otherwise res says why and no call is made.
 */
static bool hand_off(const struct otp_cfg *cfg, const struct otp_sms_req *req, const char *ref,
		     struct otp_sms_res *res)
{
	char id[40], h_id[64], h_ts[64], h_sig[160];
	const char *headers[4] = { h_id, h_ts, h_sig, NULL };
	struct otp_http_resp resp = { 0 };
	struct json_object *j = otp_json_new();
	char *body = NULL;
	bool ok = false;

	if (j && otp_json_add(j, "ref", ref) == 0 && otp_json_add(j, "to", req->to) == 0 &&
	    otp_json_add(j, "code", req->code) == 0)
		body = otp_json_finish(j);
	else
		otp_json_free(j);
	if (!body || otp_webhook_headers(cfg->webhook_secret, body, id, h_id, h_ts, h_sig) != 0) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "out of memory or cannot sign");
	} else {
		struct otp_http_req hr = {
			.url = cfg->webhook_url, .content_type = "application/json", .body = body,
			.body_len = strlen(body), .headers = headers,
			.retry = OTP_HTTP_RETRY_UNPROCESSED, /* same ref: storing it twice is fine */
		};
		if (otp_sms_post(cfg, &hr, &resp, res)) {
			ok = resp.status >= 200 && resp.status <= 299;
			if (!ok)
				otp_sms_fail(res, otp_sms_status_kind(resp.status), resp.status, NULL,
					     "answer server (webhook_url) refused the code");
		}
	}
	otp_http_resp_free(&resp);
	otp_free_str(body);
	otp_wipe(h_sig, sizeof(h_sig));
	return ok;
}

void otp_sms_plivo(const struct otp_cfg *cfg, const struct otp_sms_req *req,
		   struct otp_sms_res *res)
{
	static const char *const accept[] = { "Accept: application/json", NULL };
	bool call = req->action == OTP_SMS_CALL;
	struct otp_http_resp resp = { 0 };
	char *url, *body, ref[33] = "";
	struct otp_why why;

	if (!otp_sms_ident_ok(cfg->account_sid) || !cfg->auth_token || !cfg->from) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL,
			     "account_sid (auth_id), auth_token and from are required");
		return;
	}
	if (call && (!cfg->webhook_url ||
		     otp_http_check_url(cfg, cfg->webhook_url, &why) != 0)) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "calls need webhook_url (the answer server)%s%s",
			     cfg->webhook_url ? ": " : "", cfg->webhook_url ? why.text : "");
		return;
	}
	if (call && (!cfg->webhook_secret || otp_webhook_secret_problem(cfg->webhook_secret))) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "calls need webhook_secret: %s",
			     cfg->webhook_secret ? otp_webhook_secret_problem(cfg->webhook_secret)
			     : "it signs the code's hand-off to the answer server");
		return;
	}
	if (call) {
		unsigned char rnd[16];

		if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
			otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "no randomness");
			return;
		}
		for (size_t i = 0; i < sizeof(rnd); i++)
			snprintf(ref + 2 * i, 3, "%02x", rnd[i]);
		if (!hand_off(cfg, req, ref, res))
			return;
	}
	url = otp_sms_url(cfg, PLIVO_BASE, "/v1/Account/%s/%s/", cfg->account_sid,
			  call ? "Call" : "Message");
	body = build_body(cfg, req, call ? ref : NULL);
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
	otp_wipe(ref, sizeof(ref));
	free(url);
}
