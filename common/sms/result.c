/* Results of a provider request and the status line printed for the module. */
#include "provider.h"
#include "http.h"
#include "log.h"
#include "secmem.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

static const struct {
	const char *name;
	int exit;
} kinds[] = {
	[OTP_SMS_K_NONE] = { "none", OTP_SMS_X_OK },
	[OTP_SMS_K_INVALID_NUMBER] = { "invalid_number", OTP_SMS_X_REJECTED },
	[OTP_SMS_K_REJECTED] = { "rejected", OTP_SMS_X_REJECTED },
	[OTP_SMS_K_AUTH] = { "auth", OTP_SMS_X_REJECTED },
	[OTP_SMS_K_RATE_LIMITED] = { "rate_limited", OTP_SMS_X_RATE },
	[OTP_SMS_K_UNAVAILABLE] = { "unavailable", OTP_SMS_X_PROVIDER },
	[OTP_SMS_K_TIMEOUT] = { "timeout", OTP_SMS_X_UNREACHABLE },
	[OTP_SMS_K_TLS] = { "tls", OTP_SMS_X_UNREACHABLE },
	[OTP_SMS_K_MALFORMED] = { "malformed", OTP_SMS_X_PROVIDER },
	[OTP_SMS_K_CONFIG] = { "config", OTP_SMS_X_CONFIG },
	[OTP_SMS_K_DENIED] = { "denied", OTP_SMS_X_DENIED },
};

void otp_sms_ok(struct otp_sms_res *res, long status, const char *id)
{
	res->exit = OTP_SMS_X_OK;
	res->kind = OTP_SMS_K_NONE;
	res->status = status;
	res->code[0] = res->detail[0] = '\0';
	snprintf(res->id, sizeof(res->id), "%s", id ? id : "");
}

void otp_sms_fail(struct otp_sms_res *res, int kind, long status, const char *code,
		  const char *fmt, ...)
{
	va_list ap;

	res->kind = kind;
	res->exit = kinds[kind].exit;
	res->status = status;
	snprintf(res->code, sizeof(res->code), "%s", code ? code : "");
	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
}

void otp_sms_transport_fail(struct otp_sms_res *res, const struct otp_http_resp *resp)
{
	switch (resp->fail) {
	case OTP_HTTP_TIMEOUT:
		otp_sms_fail(res, OTP_SMS_K_TIMEOUT, 0, NULL, "%s", resp->error);
		break;
	case OTP_HTTP_TLS:
		otp_sms_fail(res, OTP_SMS_K_TLS, 0, NULL, "%s", resp->error);
		break;
	case OTP_HTTP_CONFIG:
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "%s", resp->error);
		break;
	case OTP_HTTP_TOOBIG:
		otp_sms_fail(res, OTP_SMS_K_MALFORMED, resp->status, NULL, "reply too large");
		break;
	default:
		/* Could not connect, or the connection broke: unreachable, not a 5xx. */
		otp_sms_fail(res, OTP_SMS_K_UNAVAILABLE, 0, NULL, "%s (after %u tries)",
			     resp->error, resp->tries);
		res->exit = OTP_SMS_X_UNREACHABLE;
		break;
	}
}

int otp_sms_status_kind(long status)
{
	if (status == 401 || status == 403)
		return OTP_SMS_K_AUTH;
	if (status == 429)
		return OTP_SMS_K_RATE_LIMITED;
	if (status >= 500 && status <= 599)
		return OTP_SMS_K_UNAVAILABLE;
	if (status >= 400 && status <= 499)
		return OTP_SMS_K_REJECTED;
	return OTP_SMS_K_MALFORMED; /* 1xx, 3xx, or a 2xx the provider does not expect */
}

bool otp_sms_ident_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 128)
		return false;
	for (; *s; s++) {
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	}
	return true;
}

char *otp_sms_url(const struct otp_cfg *cfg, const char *def_base, const char *fmt, ...)
{
	const char *base = cfg->api_base ? cfg->api_base : def_base;
	size_t blen = strlen(base);
	char path[512], *url;
	va_list ap;
	int n;

	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	va_start(ap, fmt);
	n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(path) || !(url = malloc(blen + (size_t)n + 1)))
		return NULL;
	memcpy(url, base, blen);
	memcpy(url + blen, path, (size_t)n + 1);
	return url;
}

/* Overwrite every copy of secret in s (a provider may echo a code or a key back). */
static void redact(char *s, const char *secret)
{
	size_t n = secret ? strlen(secret) : 0;
	char *p = s;

	if (n < 4)
		return;
	while ((p = strstr(p, secret))) {
		memset(p, '*', n);
		p += n;
	}
}

/* ids and codes are single tokens: anything else becomes '?'. */
static void token(const char *in, char *out, size_t cap)
{
	size_t i = 0;

	for (; in[i] && i + 1 < cap; i++) {
		char c = in[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || strchr("-_.:", c);
		out[i] = ok ? c : '?';
	}
	out[i] = '\0';
}

/* "sid:token" as sent in an HTTP Basic header (Twilio, Plivo), which a reply may echo. */
static void basic_credential(const struct otp_cfg *cfg, char *out, size_t cap)
{
	char pair[512];
	int n = -1;

	if (cfg && cfg->account_sid && cfg->auth_token)
		n = snprintf(pair, sizeof(pair), "%s:%s", cfg->account_sid, cfg->auth_token);
	out[0] = '\0';
	if (n > 0 && (size_t)n < sizeof(pair) && ((size_t)n + 2) / 3 * 4 < cap)
		EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)pair, n);
	otp_wipe(pair, sizeof(pair));
}

void otp_sms_print(FILE *out, const struct otp_sms_res *res, const struct otp_cfg *cfg,
		   const struct otp_sms_req *req)
{
	char basic[700];
	const char *secrets[] = { req ? req->code : NULL, cfg ? cfg->auth_token : NULL,
				  cfg ? cfg->api_key : NULL, cfg ? cfg->webhook_token : NULL,
				  cfg ? cfg->webhook_secret : NULL, basic };
	char id[sizeof(res->id)], code[sizeof(res->code)], detail[sizeof(res->detail)];

	basic_credential(cfg, basic, sizeof(basic));
	token(res->id, id, sizeof(id));
	token(res->code, code, sizeof(code));
	otp_log_sanitize(res->detail, detail, sizeof(detail));
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		redact(id, secrets[i]);
		redact(code, secrets[i]);
		redact(detail, secrets[i]);
	}
	if (res->exit == OTP_SMS_X_OK) {
		fprintf(out, "ok provider=%s status=%ld%s%s\n", res->provider, res->status,
			id[0] ? " id=" : "", id);
	} else {
		fprintf(out, "error provider=%s status=%ld%s%s kind=%s%s%s\n", res->provider,
			res->status, code[0] ? " code=" : "", code, kinds[res->kind].name,
			detail[0] ? " detail=" : "", detail);
	}
	otp_wipe(basic, sizeof(basic));
	fflush(out);
}

bool otp_sms_post(const struct otp_cfg *cfg, const struct otp_http_req *req,
		  struct otp_http_resp *resp, struct otp_sms_res *res)
{
	if (otp_http_post(cfg, req, resp) != 0) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "out of memory");
		return false;
	}
	if (resp->fail != OTP_HTTP_OK) {
		otp_sms_transport_fail(res, resp);
		return false;
	}
	return true;
}
