/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SMS provider replies (common/sms/): each provider's reply parser, reached through
 * otp_sms_run with the HTTP layer replaced by a stub that returns the fuzz input. Input:
 * a first line "provider action status transport" (numbers, reduced into range), then
 * the reply body as received (any bytes).
 *
 * Properties: the result is consistent (exit and kind in range, success only with no
 * kind), success needs a 2xx reply that arrived (a reply the provider did not like never
 * reads as sent or approved; twilio-verify approves only on "approved"), and the status
 * line for the module is one line that never shows the code or a credential.
 */
#include "fuzz.h"

#include <stdbool.h>
#include <string.h>

#include "cfg.h"
#include "err.h"
#include "http.h"
#include "provider.h"

#define CODE "4821937"
/* base64("ACfuzz0123456789:fuzz-auth-token-value"): the HTTP Basic credential below */
#define BASIC "QUNmdXp6MDEyMzQ1Njc4OTpmdXp6LWF1dGgtdG9rZW4tdmFsdWU="

static const char *const providers[] = { "twilio", "twilio-verify", "telnyx", "plivo",
					 "vonage", "sns", "webhook" };

/* The reply the stub hands out, set per input. */
static struct {
	int fail;
	long status;
	const char *body;
	size_t len;
	unsigned posts;
} reply;

int otp_http_check_url(const struct otp_cfg *cfg, const char *url, struct otp_why *err)
{
	if (strncmp(url, "https://", 8) == 0 ||
	    (cfg->allow_insecure_http && strncmp(url, "http://", 7) == 0))
		return OTP_OK;
	return otp_why_set(err, OTP_E_INVAL, "not https");
}

int otp_http_post(const struct otp_cfg *cfg, const struct otp_http_req *req,
		  struct otp_http_resp *resp)
{
	(void)cfg;
	FUZZ_CHECK(req->url && req->body && strlen(req->body) == req->body_len);
	reply.posts++;
	memset(resp, 0, sizeof(*resp));
	resp->fail = reply.fail;
	resp->status = reply.status;
	resp->tries = 1;
	snprintf(resp->error, sizeof(resp->error), "stub transport failure");
	/* As http.c delivers it: the bytes received plus a NUL. */
	resp->body = malloc(reply.len + 1);
	FUZZ_CHECK(resp->body != NULL);
	memcpy(resp->body, reply.body, reply.len);
	resp->body[reply.len] = '\0';
	resp->len = reply.len;
	return OTP_OK;
}

void otp_http_resp_free(struct otp_http_resp *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}

static unsigned long next_num(const char **s, const char *end)
{
	unsigned long v = 0;

	while (*s < end && (**s < '0' || **s > '9'))
		(*s)++;
	for (; *s < end && **s >= '0' && **s <= '9'; (*s)++)
		v = v > 100000 ? v : v * 10 + (unsigned long)(**s - '0');
	return v;
}

/* Does the reply hold the first k bytes of secret somewhere not followed by the rest? */
static bool prefix_elsewhere(const char *secret, size_t k)
{
	size_t n = strlen(secret);

	for (const char *p = reply.body, *end = reply.body + reply.len;
	     (p = memmem(p, (size_t)(end - p), secret, k)) != NULL; p++)
		if ((size_t)(end - p) < n || memcmp(p, secret, n) != 0)
			return true;
	return false;
}

static void check_status_line(const struct otp_sms_res *res, const struct otp_cfg *cfg,
			      const struct otp_sms_req *req)
{
	const char *secrets[] = { CODE, cfg->auth_token, cfg->api_key, cfg->webhook_token,
				  cfg->webhook_secret, BASIC, cfg->api_key_secret,
				  cfg->session_token };
	char *line = NULL;
	size_t len = 0, dlen = strlen(res->detail);
	FILE *f = open_memstream(&line, &len);

	FUZZ_CHECK(f != NULL);
	otp_sms_print(f, res, cfg, req);
	fclose(f);
	FUZZ_CHECK(len > 0 && line[len - 1] == '\n' && memchr(line, '\n', len) == line + len - 1);
	FUZZ_CHECK(strncmp(line, res->exit == OTP_SMS_X_OK ? "ok " : "error ",
			   res->exit == OTP_SMS_X_OK ? 3 : 6) == 0);
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK((unsigned char)line[i] >= 0x20 || line[i] == '\n');
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		if (!secrets[i])
			continue;
		if (strstr(line, secrets[i])) {
			fprintf(stderr, "status line shows a secret: %s", line);
			abort();
		}
		/* A detail cut at its full length must not end in the first part of a secret
		 * that the reply carried whole (masking after the cut would miss it). The tail
		 * is innocent when the reply also has that text not followed by the secret. */
		for (size_t k = 4; dlen == sizeof(res->detail) - 1 && k < strlen(secrets[i]); k++) {
			if (dlen >= k && memcmp(res->detail + dlen - k, secrets[i], k) == 0 &&
			    memmem(reply.body, reply.len, secrets[i], strlen(secrets[i])) &&
			    !prefix_elsewhere(secrets[i], k)) {
				fprintf(stderr, "a cut left part of a secret: %s", line);
				abort();
			}
		}
	}
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *end = in + size;
	const char *nl = memchr(in, '\n', size);
	const char *h = in, *hend = nl ? nl : end;
	struct otp_cfg cfg;
	struct otp_sms_req req = { 0 };
	struct otp_sms_res res;
	unsigned long p;
	int rc;

	p = next_num(&h, hend) % (sizeof(providers) / sizeof(providers[0]));
	req.action = (enum otp_sms_action)(next_num(&h, hend) % 5);
	reply.status = (long)(next_num(&h, hend) % 1000);
	reply.fail = (int)(next_num(&h, hend) % (OTP_HTTP_ERROR + 1));
	reply.body = nl ? nl + 1 : end;
	reply.len = (size_t)(end - reply.body);
	reply.posts = 0;

	/* Everything any provider needs; test credentials only. */
	otp_cfg_init(&cfg);
	cfg.provider = strdup(providers[p]);
	cfg.account_sid = strdup("ACfuzz0123456789");
	cfg.auth_token = strdup("fuzz-auth-token-value");
	cfg.api_key = strdup("fuzz-api-key-value");
	cfg.from = strdup("+15005550006");
	cfg.verify_service_sid = strdup("VAfuzz0123456789");
	cfg.region = strdup("eu-west-1");
	cfg.webhook_url = strdup("https://hooks.example.test/sms");
	cfg.webhook_token = strdup("fuzz-webhook-token-value");
	cfg.webhook_secret = strdup("whsec_ZnV6ei13ZWJob29rLXNpZ25pbmcta2V5LTAxMjM="); /* 29 bytes */
	cfg.session_token = strdup("fuzz-session-token-value");
	if (p == 1) { /* twilio-verify through a Twilio API key */
		cfg.api_key_sid = strdup("SKfuzz0123456789");
		cfg.api_key_secret = strdup("fuzz-api-key-secret-value");
	}
	req.to = "+15551234567";
	req.code = CODE;
	req.message = CODE " is your login code.";
	req.user = "alice";
	req.host = "host.example.test";

	rc = otp_sms_run(&cfg, &req, &res);
	FUZZ_CHECK(rc == res.exit);
	FUZZ_CHECK(res.exit >= OTP_SMS_X_OK && res.exit <= OTP_SMS_X_RATE);
	FUZZ_CHECK(res.kind >= OTP_SMS_K_NONE && res.kind <= OTP_SMS_K_LAST);
	FUZZ_CHECK((res.exit == OTP_SMS_X_OK) == (res.kind == OTP_SMS_K_NONE));
	FUZZ_CHECK(memchr(res.code, '\0', sizeof(res.code)) && memchr(res.id, '\0', sizeof(res.id)) &&
		   memchr(res.detail, '\0', sizeof(res.detail)));
	if (res.exit == OTP_SMS_X_OK) {
		FUZZ_CHECK(reply.posts > 0 && reply.fail == OTP_HTTP_OK);
		FUZZ_CHECK(reply.status >= 200 && reply.status <= 299);
		if (req.action == OTP_SMS_VERIFY_CHECK)
			FUZZ_CHECK(memmem(reply.body, reply.len, "approved", 8) != NULL);
	}
	check_status_line(&res, &cfg, &req);
	otp_cfg_free(&cfg);
	return 0;
}
