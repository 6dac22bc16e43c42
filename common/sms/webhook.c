/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Generic webhook: POST {"to","code","message","user","host"} as JSON to webhook_url, with an
 * optional bearer token and a Standard Webhooks signature (webhook-id, webhook-timestamp,
 * webhook-signature: v1,base64(HMAC-SHA256(key, "{id}.{ts}.{body}"))), key being the base64
 * after "whsec_" in webhook_secret. 2xx is success.
 */
#include "provider.h"
#include "webhook.h"
#include "http.h"
#include "jsonio.h"
#include "secmem.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEY_MAX 256
#define KEY_MIN 24 /* bytes: the Standard Webhooks minimum */

/* "whsec_" + base64 (the prefix is optional) to key bytes; -1 if it is not base64. */
static int decode_secret(const char *secret, unsigned char *key)
{
	const char *b64 = strncmp(secret, "whsec_", 6) == 0 ? secret + 6 : secret;
	size_t n = strlen(b64);
	int len;

	if (n < 4 || n % 4 != 0 || n / 4 * 3 > KEY_MAX)
		return -1;
	len = EVP_DecodeBlock(key, (const unsigned char *)b64, (int)n);
	if (len < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	len -= (b64[n - 1] == '=') + (b64[n - 2] == '=');
	return len > 0 ? len : -1;
}

/* Why webhook_secret cannot sign, or NULL when it can. */
const char *otp_webhook_secret_problem(const char *secret)
{
	unsigned char key[KEY_MAX];
	int len = decode_secret(secret, key);

	otp_wipe(key, sizeof(key));
	if (len < 0)
		return "webhook_secret must be whsec_ followed by base64";
	if (len < KEY_MIN)
		return "webhook_secret is too short: its key must be at least 24 bytes (32 "
		       "base64 characters after whsec_), as Standard Webhooks requires";
	return NULL;
}

/* sig = "v1," + base64 HMAC-SHA256. Returns 0 or -1. */
int otp_webhook_sign(const char *secret, const char *id, const char *ts, const char *body,
		char *sig, size_t cap)
{
	unsigned char key[KEY_MAX], mac[EVP_MAX_MD_SIZE];
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
	int klen = decode_secret(secret, key);
	size_t maclen = 0;
	int rc = -1;

	if (ctx && klen > 0 && cap >= 3 + 4 * ((sizeof(mac) + 2) / 3) + 1 &&
	    EVP_MAC_init(ctx, key, (size_t)klen, params) &&
	    EVP_MAC_update(ctx, (const unsigned char *)id, strlen(id)) &&
	    EVP_MAC_update(ctx, (const unsigned char *)".", 1) &&
	    EVP_MAC_update(ctx, (const unsigned char *)ts, strlen(ts)) &&
	    EVP_MAC_update(ctx, (const unsigned char *)".", 1) &&
	    EVP_MAC_update(ctx, (const unsigned char *)body, strlen(body)) &&
	    EVP_MAC_final(ctx, mac, &maclen, sizeof(mac))) {
		memcpy(sig, "v1,", 3);
		EVP_EncodeBlock((unsigned char *)sig + 3, mac, (int)maclen);
		rc = 0;
	}
	otp_wipe(key, sizeof(key));
	otp_wipe(mac, sizeof(mac));
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);
	return rc;
}

int otp_webhook_headers(const char *secret, const char *body, char id[40], char h_id[64],
			char h_ts[64], char h_sig[160])
{
	unsigned char rnd[16];
	char ts[32], sig[128];
	int rc;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	memcpy(id, "msg_", 5);
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(id + 4 + 2 * i, 3, "%02x", rnd[i]);
	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	snprintf(h_id, 64, "webhook-id: %s", id);
	snprintf(h_ts, 64, "webhook-timestamp: %s", ts);
	rc = otp_webhook_sign(secret, id, ts, body, sig, sizeof(sig));
	if (rc == 0)
		snprintf(h_sig, 160, "webhook-signature: %s", sig);
	return rc;
}

static char *build_body(const struct otp_sms_req *req)
{
	struct json_object *j = otp_json_new();

	if (j && otp_json_add(j, "to", req->to) == 0 && otp_json_add(j, "code", req->code) == 0 &&
	    otp_json_add(j, "message", req->message) == 0 &&
	    otp_json_add(j, "user", req->user) == 0 && otp_json_add(j, "host", req->host) == 0)
		return otp_json_finish(j);
	otp_json_free(j);
	return NULL;
}

static void replied(struct otp_sms_res *res, const struct otp_http_resp *resp, const char *id)
{
	struct json_object *j;
	const char *why;

	if (resp->status >= 200 && resp->status <= 299) {
		otp_sms_ok(res, resp->status, id);
		return;
	}
	j = otp_json_parse(resp->body, resp->len);
	why = otp_json_str(j, "error");
	if (!why)
		why = otp_json_str(j, "message");
	otp_sms_fail(res, otp_sms_status_kind(resp->status), resp->status, NULL, "%s",
		     why ? why : "webhook refused the request");
	otp_json_free(j);
}

void otp_sms_webhook(const struct otp_cfg *cfg, const struct otp_sms_req *req,
		     struct otp_sms_res *res)
{
	char id[40] = "msg_", ts[32], sig[128], h_id[64], h_ts[64], h_sig[160];
	const char *headers[4] = { h_id, h_ts, NULL, NULL };
	struct otp_http_resp resp = { 0 };
	unsigned char rnd[16];
	char *body;

	if (!cfg->webhook_url) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "webhook_url is required");
		return;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1 || !(body = build_body(req))) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "out of memory or no randomness");
		return;
	}
	/* One id per run, so a receiver can drop the copy a retry may deliver twice. */
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(id + 4 + 2 * i, 3, "%02x", rnd[i]);
	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	snprintf(h_id, sizeof(h_id), "webhook-id: %s", id);
	snprintf(h_ts, sizeof(h_ts), "webhook-timestamp: %s", ts);
	if (cfg->webhook_secret) {
		const char *why = otp_webhook_secret_problem(cfg->webhook_secret);

		if (why || otp_webhook_sign(cfg->webhook_secret, id, ts, body, sig, sizeof(sig)) != 0) {
			otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "%s",
				     why ? why : "webhook_secret: cannot sign");
			otp_free_str(body);
			return;
		}
		snprintf(h_sig, sizeof(h_sig), "webhook-signature: %s", sig);
		headers[2] = h_sig;
	}
	struct otp_http_req hr = {
		.url = cfg->webhook_url, .content_type = "application/json", .body = body,
		.body_len = strlen(body), .bearer = cfg->webhook_token, .headers = headers,
		/* 429/5xx are retryable by the webhook contract; webhook-id lets the receiver
		 * drop a copy. */
		.retry = OTP_HTTP_RETRY_UNPROCESSED,
	};
	if (otp_sms_post(cfg, &hr, &resp, res))
		replied(res, &resp, id);
	otp_http_resp_free(&resp);
	otp_free_str(body);
}
