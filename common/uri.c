/* SPDX-License-Identifier: BSD-2-Clause */
#include "uri.h"
#include "base32.h"
#include "err.h"
#include "secmem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Length of the UTF-8 sequence starting at s (at most n bytes), 0 if it is not valid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	/* C1 controls (U+0080..U+009F) would reach the phone's screen like C0 ones. */
	if (cp >= 0x80 && cp <= 0x9f)
		return 0;
	return len;
}

bool otp_uri_name_ok(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > OTP_URI_NAME_MAX)
		return false;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_seq(u + i, n - i);

		if (len == 0 || (len == 1 && (u[i] < 0x20 || u[i] == 0x7f || u[i] == ':')))
			return false;
		i += len;
	}
	return true;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

int otp_uri_encode(const char *in, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	if (outsz == 0)
		return OTP_E_TOOBIG;
	for (const unsigned char *s = (const unsigned char *)in; *s; s++) {
		size_t need = unreserved(*s) ? 1 : 3;

		if (n + need >= outsz) {
			out[0] = '\0';
			return OTP_E_TOOBIG;
		}
		if (need == 1) {
			out[n++] = (char)*s;
		} else {
			out[n++] = '%';
			out[n++] = hex[*s >> 4];
			out[n++] = hex[*s & 15];
		}
	}
	out[n] = '\0';
	return (int)n;
}

/* Append to out at *n; false (and nothing more written) if it does not fit. */
static bool append(char *out, size_t outsz, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool append(char *out, size_t outsz, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (*n >= outsz)
		return false;
	va_start(ap, fmt);
	len = vsnprintf(out + *n, outsz - *n, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= outsz - *n)
		return false;
	*n += (size_t)len;
	return true;
}

static bool params_ok(const struct otp_uri_params *p)
{
	if (p->type != OTP_TOTP && p->type != OTP_HOTP)
		return false;
	if ((unsigned)p->alg > OTP_SHA512 || p->digits < OTP_DIGITS_MIN ||
	    p->digits > OTP_DIGITS_MAX)
		return false;
	if (p->type == OTP_TOTP && (p->period < 1 || p->period > OTP_PERIOD_MAX))
		return false;
	if (!p->secret || p->secret_len == 0 || p->secret_len > OTP_SECRET_MAX)
		return false;
	return otp_uri_name_ok(p->issuer) && otp_uri_name_ok(p->account);
}

int otp_uri_build(const struct otp_uri_params *p, char *out, size_t outsz)
{
	char issuer[3 * OTP_URI_NAME_MAX + 1], account[3 * OTP_URI_NAME_MAX + 1];
	char b32[OTP_BASE32_SECRET_MAX + 1];
	size_t n = 0;
	bool ok;

	if (outsz)
		out[0] = '\0';
	if (!params_ok(p))
		return OTP_E_INVAL;
	if (otp_uri_encode(p->issuer, issuer, sizeof(issuer)) < 0 ||
	    otp_uri_encode(p->account, account, sizeof(account)) < 0 ||
	    otp_base32_encode(p->secret, p->secret_len, b32, sizeof(b32)) < 0)
		return OTP_E_INVAL;
	/* The label's issuer prefix and the issuer parameter are the same string, as the
	 * format asks; a literal ':' separates the prefix from the account. */
	ok = append(out, outsz, &n, "otpauth://%s/%s:%s?secret=%s&issuer=%s&algorithm=%s&digits=%u",
		    p->type == OTP_HOTP ? "hotp" : "totp", issuer, account, b32, issuer,
		    otp_alg_name(p->alg), p->digits);
	if (ok && p->type == OTP_HOTP)
		ok = append(out, outsz, &n, "&counter=%llu", (unsigned long long)p->counter);
	else if (ok)
		ok = append(out, outsz, &n, "&period=%u", p->period);
	otp_wipe(b32, sizeof(b32));
	if (!ok) {
		otp_wipe(out, outsz);
		return OTP_E_TOOBIG;
	}
	return (int)n;
}
