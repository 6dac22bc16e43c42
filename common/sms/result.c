/* SPDX-License-Identifier: BSD-2-Clause */
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
	/* The account's geo permissions do not allow that country: a setting, not a bad key. */
	[OTP_SMS_K_GEO_BLOCKED] = { "geo_blocked", OTP_SMS_X_REJECTED },
};

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

/* "user:secret" as sent in an HTTP Basic header (Twilio, Plivo), which a reply may echo. */
static void basic_credential(const char *user, const char *secret, char *out, size_t cap)
{
	char pair[2100];
	int n = -1;

	if (user && secret)
		n = snprintf(pair, sizeof(pair), "%s:%s", user, secret);
	out[0] = '\0';
	if (n > 0 && (size_t)n < sizeof(pair) && ((size_t)n + 2) / 3 * 4 < cap)
		EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)pair, n);
	otp_wipe(pair, sizeof(pair));
}

enum { N_SECRETS = 10, BASIC_MAX = 2900 };

struct secrets {
	const char *s[N_SECRETS];
	char basic[2][BASIC_MAX];
};

/* Every secret a reply might echo: the code, each credential, the Basic header values. */
static void secrets_init(struct secrets *x, const struct otp_cfg *cfg,
			 const struct otp_sms_req *req)
{
	const char *ws = cfg ? cfg->webhook_secret : NULL;

	memset(x, 0, sizeof(*x));
	basic_credential(cfg ? cfg->account_sid : NULL, cfg ? cfg->auth_token : NULL,
			 x->basic[0], BASIC_MAX);
	basic_credential(cfg ? cfg->api_key_sid : NULL, cfg ? cfg->api_key_secret : NULL,
			 x->basic[1], BASIC_MAX);
	x->s[0] = req ? req->code : NULL;
	if (cfg) {
		x->s[1] = cfg->auth_token;
		x->s[2] = cfg->api_key;
		x->s[3] = cfg->webhook_token;
		x->s[4] = ws;
		x->s[5] = ws && strncmp(ws, "whsec_", 6) == 0 ? ws + 6 : NULL; /* the key alone */
		x->s[6] = cfg->api_key_secret;
		x->s[7] = cfg->session_token;
	}
	x->s[8] = x->basic[0];
	x->s[9] = x->basic[1];
}

static void secrets_wipe(struct secrets *x)
{
	otp_wipe(x, sizeof(*x));
}

static void redact_all(char *s, const struct secrets *x)
{
	for (size_t i = 0; i < N_SECRETS; i++)
		redact(s, x->s[i]);
}

/*
 * Phone numbers as everywhere else ("+1******4567"): a run of 7 or more digits, with its
 * '+' if it has one, keeps its first two and last four characters. Length stays the same.
 */
static void mask_phones(char *s)
{
	for (size_t i = 0; s[i];) {
		size_t start, end;

		if (s[i] < '0' || s[i] > '9') {
			i++;
			continue;
		}
		start = i > 0 && s[i - 1] == '+' ? i - 1 : i;
		for (end = i; s[end] >= '0' && s[end] <= '9'; end++)
			;
		if (end - i >= 7)
			for (size_t k = start + 2; k + 4 < end; k++)
				s[k] = '*';
		i = end;
	}
}

/* Control and non-ASCII bytes to '?', in place (one byte for one, like otp_log_sanitize). */
static void sanitize_inplace(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

/*
 * text masked, then cut into out. Masking works on the whole text: were it cut first, a
 * secret across the cut would keep its first part, which no longer matches the secret.
 */
static void put_masked(char *out, size_t cap, const char *text, const struct otp_sms_res *res,
		       bool phones)
{
	size_t n = strlen(text);
	char *copy = malloc(n + 1);
	struct secrets x;

	if (!copy) {
		snprintf(out, cap, "%s", "(withheld: out of memory)");
		return;
	}
	memcpy(copy, text, n + 1);
	sanitize_inplace(copy);
	secrets_init(&x, res->mask_cfg, res->mask_req);
	redact_all(copy, &x);
	secrets_wipe(&x);
	if (phones)
		mask_phones(copy);
	snprintf(out, cap, "%s", copy);
	otp_wipe(copy, n);
	free(copy);
}

void otp_sms_ok(struct otp_sms_res *res, long status, const char *id)
{
	res->exit = OTP_SMS_X_OK;
	res->kind = OTP_SMS_K_NONE;
	res->status = status;
	res->code[0] = res->detail[0] = '\0';
	put_masked(res->id, sizeof(res->id), id ? id : "", res, false);
}

void otp_sms_fail(struct otp_sms_res *res, int kind, long status, const char *code,
		  const char *fmt, ...)
{
	va_list ap;

	char *text = NULL;
	int n;

	res->kind = kind;
	res->exit = kinds[kind].exit;
	res->status = status;
	/* A code that does not fit is dropped: a cut one could be part of a secret. */
	if (code && strlen(code) < sizeof(res->code))
		put_masked(res->code, sizeof(res->code), code, res, false);
	else
		res->code[0] = '\0';
	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0) {
		snprintf(res->detail, sizeof(res->detail), "(withheld: out of memory)");
		return;
	}
	put_masked(res->detail, sizeof(res->detail), text, res, true);
	otp_wipe(text, (size_t)n);
	free(text);
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

void otp_sms_print(FILE *out, const struct otp_sms_res *res, const struct otp_cfg *cfg,
		   const struct otp_sms_req *req)
{
	char id[sizeof(res->id)], code[sizeof(res->code)], detail[sizeof(res->detail)];
	struct secrets x;

	/* Masked when they were set; masked again here for a result filled any other way. */
	secrets_init(&x, cfg, req);
	token(res->id, id, sizeof(id));
	token(res->code, code, sizeof(code));
	otp_log_sanitize(res->detail, detail, sizeof(detail));
	redact_all(id, &x);
	redact_all(code, &x);
	redact_all(detail, &x);
	mask_phones(detail);
	secrets_wipe(&x);
	if (res->exit == OTP_SMS_X_OK) {
		fprintf(out, "ok provider=%s status=%ld%s%s\n", res->provider, res->status,
			id[0] ? " id=" : "", id);
	} else {
		fprintf(out, "error provider=%s status=%ld%s%s kind=%s%s%s\n", res->provider,
			res->status, code[0] ? " code=" : "", code, kinds[res->kind].name,
			detail[0] ? " detail=" : "", detail);
	}
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
