/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * otpauth:// URI builder (common/uri.c). Input lines: "type alg digits period counter outsz"
 * (numbers, reduced into range), issuer, account, secret bytes. Checks: the name filter
 * lets through no control byte, ':' or invalid lead byte; percent-encoding decodes back to
 * its input and needs exactly the room it says; a URI for valid parameters always fits in
 * OTP_URI_MAX, names the encoded secret, and a too-small buffer is refused and wiped.
 */
#include "fuzz.h"

#include <string.h>

#include "base32.h"
#include "err.h"
#include "uri.h"

/* Next decimal number in *s (saturating), skipping anything else before it. */
static unsigned long long next_num(const char **s)
{
	unsigned long long v = 0;

	while (**s && (**s < '0' || **s > '9'))
		(*s)++;
	for (; **s >= '0' && **s <= '9'; (*s)++)
		v = v > (~0ULL - 9) / 10 ? ~0ULL : v * 10 + (unsigned)(**s - '0');
	return v;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void check_encode(const char *in)
{
	size_t need = 0, n = 0;
	char *out, *dec;
	int rc;

	for (const unsigned char *s = (const unsigned char *)in; *s; s++)
		need += strchr("-._~", *s) || (*s >= 'A' && *s <= 'Z') ||
				(*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ?
			1 : 3;
	out = malloc(need + 1);
	FUZZ_CHECK(out != NULL);
	if (need > 0) {
		out[0] = 'x';
		FUZZ_CHECK(otp_uri_encode(in, out, need) == OTP_E_TOOBIG && out[0] == '\0');
	}
	rc = otp_uri_encode(in, out, need + 1);
	FUZZ_CHECK(rc >= 0 && (size_t)rc == need && strlen(out) == need);
	/* Decode it back. */
	dec = malloc(need + 1);
	FUZZ_CHECK(dec != NULL);
	for (size_t i = 0; i < need; i++) {
		if (out[i] == '%') {
			int hi, lo;

			FUZZ_CHECK(i + 2 < need && (hi = hexval(out[i + 1])) >= 0 &&
				   (lo = hexval(out[i + 2])) >= 0);
			dec[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			FUZZ_CHECK(out[i] != '+' && out[i] != ' ');
			dec[n++] = out[i];
		}
	}
	dec[n] = '\0';
	FUZZ_CHECK(strcmp(dec, in) == 0);
	free(dec);
	free(out);
}

static void check_name(const char *s)
{
	bool ok = otp_uri_name_ok(s);

	if (!ok)
		return;
	FUZZ_CHECK(s[0] != '\0' && strlen(s) <= OTP_URI_NAME_MAX);
	for (const unsigned char *u = (const unsigned char *)s; *u; u++)
		FUZZ_CHECK(*u >= 0x20 && *u != 0x7f && *u != ':' && *u != 0xc0 && *u != 0xc1 &&
			   *u < 0xf5);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[4];
	char *copy = fuzz_fields(data, size, f, 4);
	const char *h = f[0];
	struct otp_uri_params p;
	unsigned long long outsz;
	bool valid;
	char *out;
	int rc;

	memset(&p, 0, sizeof(p));
	p.type = next_num(&h) % 2 ? OTP_HOTP : OTP_TOTP;
	p.alg = (enum otp_alg)(next_num(&h) % 3);
	p.digits = (unsigned)(next_num(&h) % 12);
	p.period = (unsigned)(next_num(&h) % 400);
	p.counter = next_num(&h);
	outsz = next_num(&h) % (OTP_URI_MAX + 1);
	p.issuer = f[1];
	p.account = f[2];
	p.secret = (const uint8_t *)f[3];
	p.secret_len = strlen(f[3]);

	check_name(p.issuer);
	check_name(p.account);
	check_encode(p.issuer);
	check_encode(p.account);

	valid = otp_uri_name_ok(p.issuer) && otp_uri_name_ok(p.account) &&
		p.digits >= OTP_DIGITS_MIN && p.digits <= OTP_DIGITS_MAX &&
		(p.type == OTP_HOTP || (p.period >= 1 && p.period <= OTP_PERIOD_MAX)) &&
		p.secret_len >= 1 && p.secret_len <= OTP_SECRET_MAX;

	out = malloc(OTP_URI_MAX);
	FUZZ_CHECK(out != NULL);
	rc = otp_uri_build(&p, out, OTP_URI_MAX);
	if (!valid) {
		FUZZ_CHECK(rc == OTP_E_INVAL);
	} else {
		char b32[OTP_BASE32_SECRET_MAX + 1], *want = malloc(OTP_URI_MAX);

		FUZZ_CHECK(want != NULL);
		FUZZ_CHECK(rc > 0 && (size_t)rc < OTP_URI_MAX && strlen(out) == (size_t)rc);
		FUZZ_CHECK(strncmp(out, p.type == OTP_HOTP ? "otpauth://hotp/" : "otpauth://totp/",
				   15) == 0);
		FUZZ_CHECK(otp_base32_encode(p.secret, p.secret_len, b32, sizeof(b32)) > 0);
		snprintf(want, OTP_URI_MAX, "?secret=%s&", b32);
		FUZZ_CHECK(strstr(out, want) != NULL);
		free(want);

		/* The same into a buffer of outsz bytes: all of it, or refused and wiped. */
		if (outsz > 0) {
			char *small = malloc(outsz);
			int rc2;

			FUZZ_CHECK(small != NULL);
			rc2 = otp_uri_build(&p, small, outsz);
			if (outsz > (size_t)rc) {
				FUZZ_CHECK(rc2 == rc && strcmp(small, out) == 0);
			} else {
				FUZZ_CHECK(rc2 == OTP_E_TOOBIG);
				for (size_t i = 0; i < outsz; i++)
					FUZZ_CHECK(small[i] == '\0');
			}
			free(small);
		}
	}
	free(out);
	free(copy);
	return 0;
}
