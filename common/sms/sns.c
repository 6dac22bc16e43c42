/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * AWS SNS Publish to a phone number: form body signed with SigV4 by libcurl
 * (account_sid = access key id, auth_token = secret key, session_token for temporary
 * credentials, sent as X-Amz-Security-Token and signed with the rest). One-time codes go
 * as SMSType Transactional. Replies are XML; success is a 2xx with a <MessageId>, errors
 * carry <Code> and <Message>.
 */
#include "provider.h"
#include "buf.h"
#include "http.h"
#include "secmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Text of the first <name>...</name>. Not an XML parser: it only picks plain-text elements
 * out of SNS's fixed reply shapes, and a reply it cannot read is simply "malformed".
 */
static bool xml_text(const char *xml, const char *name, char *out, size_t cap)
{
	char open[40], close[40];
	const char *a, *b;

	snprintf(open, sizeof(open), "<%s>", name);
	snprintf(close, sizeof(close), "</%s>", name);
	if (!xml || !(a = strstr(xml, open)) || !(b = strstr(a += strlen(open), close)) ||
	    memchr(a, '<', (size_t)(b - a)) || (size_t)(b - a) >= cap || b == a)
		return false;
	memcpy(out, a, (size_t)(b - a));
	out[b - a] = '\0';
	return true;
}

static void replied(struct otp_sms_res *res, const struct otp_http_resp *resp)
{
	char id[96], code[32], msg[160];
	int kind;

	if (resp->status >= 200 && resp->status <= 299) {
		if (xml_text(resp->body, "MessageId", id, sizeof(id)))
			otp_sms_ok(res, resp->status, id);
		else
			otp_sms_fail(res, OTP_SMS_K_MALFORMED, resp->status, NULL,
				     "reply without a MessageId");
		return;
	}
	if (!xml_text(resp->body, "Code", code, sizeof(code)))
		code[0] = '\0';
	if (!xml_text(resp->body, "Message", msg, sizeof(msg)))
		snprintf(msg, sizeof(msg), "%s", code[0] ? "no message" : "unreadable error reply");
	kind = otp_sms_status_kind(resp->status);
	if (strcmp(code, "Throttling") == 0 || strcmp(code, "ThrottledException") == 0)
		kind = OTP_SMS_K_RATE_LIMITED;
	else if (strcmp(code, "InvalidClientTokenId") == 0 ||
		 strcmp(code, "SignatureDoesNotMatch") == 0 ||
		 strcmp(code, "AuthorizationError") == 0)
		kind = OTP_SMS_K_AUTH;
	else if (strcmp(code, "InvalidParameter") == 0 && strstr(msg, "PhoneNumber"))
		kind = OTP_SMS_K_INVALID_NUMBER;
	otp_sms_fail(res, kind, resp->status, code, "%s", msg);
}

void otp_sms_sns(const struct otp_cfg *cfg, const struct otp_sms_req *req,
		 struct otp_sms_res *res)
{
	struct otp_http_resp resp = { 0 };
	struct otp_buf form = { 0 };
	char def[128], sigv4[160], token[1200];
	const char *headers[2] = { NULL, NULL };
	char *url;

	if (!cfg->account_sid || !cfg->auth_token || !otp_sms_ident_ok(cfg->region) ||
	    strlen(cfg->region) > 40) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL,
			     "region, account_sid (key id) and auth_token (secret key) are required");
		return;
	}
	snprintf(def, sizeof(def), "https://sns.%s.amazonaws.com", cfg->region);
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:sns", cfg->region);
	url = otp_sms_url(cfg, def, "/");
	otp_buf_form(&form, "Action", "Publish");
	otp_buf_form(&form, "Version", "2010-03-31");
	otp_buf_form(&form, "PhoneNumber", req->to);
	otp_buf_form(&form, "Message", req->message);
	/* Transactional: SNS favours delivery over cost (a code nobody gets is useless). */
	otp_buf_form(&form, "MessageAttributes.entry.1.Name", "AWS.SNS.SMS.SMSType");
	otp_buf_form(&form, "MessageAttributes.entry.1.Value.DataType", "String");
	otp_buf_form(&form, "MessageAttributes.entry.1.Value.StringValue", "Transactional");
	if (cfg->session_token) {
		/* libcurl signs every header it is given, this one included. */
		snprintf(token, sizeof(token), "X-Amz-Security-Token: %s", cfg->session_token);
		headers[0] = token;
	}
	if (!url || form.failed) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "out of memory or request too large");
	} else {
		struct otp_http_req hr = {
			.url = url, .content_type = "application/x-www-form-urlencoded",
			.body = form.p, .body_len = form.len, .user = cfg->account_sid,
			.pass = cfg->auth_token, .sigv4 = sigv4, .headers = headers,
			.retry = OTP_HTTP_RETRY_UNPROCESSED,
		};
		if (otp_sms_post(cfg, &hr, &resp, res))
			replied(res, &resp);
	}
	otp_http_resp_free(&resp);
	otp_buf_free(&form);
	otp_wipe(token, sizeof(token));
	free(url);
}
