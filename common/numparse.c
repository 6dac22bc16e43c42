/* SPDX-License-Identifier: BSD-2-Clause */
#include "numparse.h"
#include "err.h"

int otp_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s || (s[0] == '0' && s[1] != '\0'))
		return OTP_E_INVAL; /* empty, or a leading zero */
	for (; *s; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return OTP_E_INVAL;
		d = (unsigned)(*s - '0');
		if (d > max || v > (max - d) / 10)
			return OTP_E_INVAL;
		v = v * 10 + d;
	}
	*out = v;
	return OTP_OK;
}

int otp_parse_i64(const char *s, int64_t max, int allow_minus_one, int64_t *out)
{
	uint64_t v;

	if (allow_minus_one && s && s[0] == '-' && s[1] == '1' && s[2] == '\0') {
		*out = -1;
		return OTP_OK;
	}
	if (max < 0 || otp_parse_u64(s, (uint64_t)max, &v) != OTP_OK)
		return OTP_E_INVAL;
	*out = (int64_t)v;
	return OTP_OK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int otp_parse_hex(const char *s, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (!s[2 * i] || !s[2 * i + 1])
			return OTP_E_INVAL;
		hi = hexval(s[2 * i]);
		lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return OTP_E_INVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return s[2 * len] == '\0' ? OTP_OK : OTP_E_INVAL;
}

void otp_format_hex(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}
