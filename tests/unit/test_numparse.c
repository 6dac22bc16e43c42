/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/numparse.c: strict decimal and hex parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "numparse.h"

static void u64_ok(const char *s, uint64_t max, uint64_t want)
{
	uint64_t v = 12345;
	int rc = otp_parse_u64(s, max, &v);

	if (rc != OTP_OK || v != want)
		print_error("otp_parse_u64(\"%s\", %llu): rc %d value %llu, want %llu\n", s,
			    (unsigned long long)max, rc, (unsigned long long)v,
			    (unsigned long long)want);
	assert_int_equal(rc, OTP_OK);
	assert_int_equal(v, want);
}

static void u64_bad(const char *s, uint64_t max)
{
	uint64_t v = 12345;
	int rc = otp_parse_u64(s, max, &v);

	if (rc != OTP_E_INVAL)
		print_error("otp_parse_u64(\"%s\", %llu) should fail, got %d (%llu)\n",
			    s ? s : "(null)", (unsigned long long)max, rc, (unsigned long long)v);
	assert_int_equal(rc, OTP_E_INVAL);
	assert_int_equal(v, 12345); /* untouched on failure */
}

static void test_u64_basic(void **state)
{
	(void)state;
	u64_ok("0", 10, 0);
	u64_ok("1", 10, 1);
	u64_ok("10", 10, 10);
	u64_ok("300", 300, 300);
	u64_ok("1700000000", UINT64_MAX, 1700000000);
	u64_ok("0", 0, 0);
	u64_bad("", 10);
	u64_bad(NULL, 10);
	u64_bad(" 1", 10);
	u64_bad("1 ", 10);
	u64_bad("+1", 10);
	u64_bad("-1", 10);
	u64_bad("-0", 10);
	u64_bad("1a", 10);
	u64_bad("a1", 10);
	u64_bad("0x1", 10);
	u64_bad("1.0", 10);
	u64_bad("1e1", 100);
	u64_bad("١", 10); /* a non-ASCII digit */
}

static void test_u64_leading_zeros(void **state)
{
	(void)state;
	u64_bad("00", 100);
	u64_bad("01", 100);
	u64_bad("007", 100);
	u64_bad("0000000000000000000001", UINT64_MAX);
	u64_ok("0", 100, 0);
	u64_ok("100", 100, 100);
}

static void test_u64_max(void **state)
{
	(void)state;
	u64_ok("18446744073709551615", UINT64_MAX, UINT64_MAX);
	u64_bad("18446744073709551616", UINT64_MAX);
	u64_bad("18446744073709551620", UINT64_MAX);
	u64_bad("99999999999999999999", UINT64_MAX);
	u64_bad("184467440737095516150", UINT64_MAX);
	u64_ok("9223372036854775807", UINT64_MAX / 2, UINT64_MAX / 2);
	u64_bad("9223372036854775808", UINT64_MAX / 2);
	u64_bad("1", 0);
	u64_ok("5", 5, 5);
	u64_bad("6", 5);
	u64_bad("10", 9);
	u64_ok("9", 9, 9);
}

/* Every number up to 1200 against several limits: accepted exactly when n <= max. */
static void test_u64_exhaustive_small(void **state)
{
	static const uint64_t maxes[] = { 0, 1, 5, 9, 10, 19, 20, 25, 29, 99, 100, 101, 255,
					  300, 999, 1000, 1024, 1199 };

	(void)state;
	for (size_t m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
		for (uint64_t n = 0; n < 1200; n++) {
			char s[32];

			snprintf(s, sizeof(s), "%llu", (unsigned long long)n);
			if (n <= maxes[m])
				u64_ok(s, maxes[m], n);
			else
				u64_bad(s, maxes[m]);
		}
	}
}

static void test_i64(void **state)
{
	int64_t v;

	(void)state;
	v = 0;
	assert_int_equal(otp_parse_i64("-1", 100, 1, &v), OTP_OK);
	assert_int_equal(v, -1);
	v = 7;
	assert_int_equal(otp_parse_i64("-1", 100, 0, &v), OTP_E_INVAL);
	assert_int_equal(v, 7);
	assert_int_equal(otp_parse_i64("-2", 100, 1, &v), OTP_E_INVAL);
	assert_int_equal(otp_parse_i64("-01", 100, 1, &v), OTP_E_INVAL);
	assert_int_equal(otp_parse_i64("-1 ", 100, 1, &v), OTP_E_INVAL);
	assert_int_equal(otp_parse_i64("-10", 100, 1, &v), OTP_E_INVAL);
	assert_int_equal(otp_parse_i64("-", 100, 1, &v), OTP_E_INVAL);
	assert_int_equal(otp_parse_i64("--1", 100, 1, &v), OTP_E_INVAL);
	assert_int_equal(otp_parse_i64("", 100, 1, &v), OTP_E_INVAL);
	assert_int_equal(otp_parse_i64(NULL, 100, 1, &v), OTP_E_INVAL);
	assert_int_equal(v, 7);
	assert_int_equal(otp_parse_i64("100", 100, 1, &v), OTP_OK);
	assert_int_equal(v, 100);
	assert_int_equal(otp_parse_i64("101", 100, 1, &v), OTP_E_INVAL);
	assert_int_equal(otp_parse_i64("0", 100, 0, &v), OTP_OK);
	assert_int_equal(v, 0);
	assert_int_equal(otp_parse_i64("9223372036854775807", INT64_MAX, 0, &v), OTP_OK);
	assert_int_equal(v, INT64_MAX);
	assert_int_equal(otp_parse_i64("9223372036854775808", INT64_MAX, 0, &v), OTP_E_INVAL);
	assert_int_equal(otp_parse_i64("18446744073709551615", INT64_MAX, 0, &v), OTP_E_INVAL);
	/* A negative maximum admits no number. */
	assert_int_equal(otp_parse_i64("0", -1, 0, &v), OTP_E_INVAL);
	assert_int_equal(otp_parse_i64("5", -5, 0, &v), OTP_E_INVAL);
}

static void test_hex_parse(void **state)
{
	uint8_t out[8];

	(void)state;
	memset(out, 0xee, sizeof(out));
	assert_int_equal(otp_parse_hex("00ff7f80", out, 4), OTP_OK);
	assert_int_equal(out[0], 0x00);
	assert_int_equal(out[1], 0xff);
	assert_int_equal(out[2], 0x7f);
	assert_int_equal(out[3], 0x80);
	assert_int_equal(out[4], 0xee); /* nothing past len */
	assert_int_equal(otp_parse_hex("ABCDEF", out, 3), OTP_OK);
	assert_memory_equal(out, "\xab\xcd\xef", 3);
	assert_int_equal(otp_parse_hex("aBcD", out, 2), OTP_OK);
	assert_memory_equal(out, "\xab\xcd", 2);
	assert_int_equal(otp_parse_hex("0123456789abcdef", out, 8), OTP_OK);
	assert_memory_equal(out, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
	assert_int_equal(otp_parse_hex("", out, 0), OTP_OK);
}

static void test_hex_length_and_charset(void **state)
{
	static const char *const bad4[] = {
		"",          /* empty */
		"00ff7f8",   /* 7 digits */
		"00ff7f",    /* 6 digits */
		"00ff7f800", /* 9 digits */
		"00ff7f8000",
		"00ff7f8g",
		"00ff 7f80",
		"0xff7f80",
		"00ff7f8-",
		"-0ff7f80",
		"00FF7F8G",
		"00ff7f80\n",
		" 00ff7f80",
	};
	uint8_t out[8];

	(void)state;
	for (size_t i = 0; i < sizeof(bad4) / sizeof(bad4[0]); i++) {
		if (otp_parse_hex(bad4[i], out, 4) != OTP_E_INVAL)
			print_error("\"%s\" should not parse as 4 hex bytes\n", bad4[i]);
		assert_int_equal(otp_parse_hex(bad4[i], out, 4), OTP_E_INVAL);
	}
	assert_int_equal(otp_parse_hex("0", out, 0), OTP_E_INVAL);
	/* Every byte value, both cases. */
	for (unsigned b = 0; b < 256; b++) {
		char s[3];

		snprintf(s, sizeof(s), "%02x", b);
		assert_int_equal(otp_parse_hex(s, out, 1), OTP_OK);
		assert_int_equal(out[0], b);
		snprintf(s, sizeof(s), "%02X", b);
		assert_int_equal(otp_parse_hex(s, out, 1), OTP_OK);
		assert_int_equal(out[0], b);
	}
	/* Every character that is not a hex digit, in either position. */
	for (int c = 1; c < 256; c++) {
		char s1[3] = { (char)c, '0', '\0' }, s2[3] = { '0', (char)c, '\0' };
		bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			   (c >= 'A' && c <= 'F');

		assert_int_equal(otp_parse_hex(s1, out, 1), hex ? OTP_OK : OTP_E_INVAL);
		assert_int_equal(otp_parse_hex(s2, out, 1), hex ? OTP_OK : OTP_E_INVAL);
	}
}

static void test_hex_format(void **state)
{
	static const uint8_t in[] = { 0x00, 0x01, 0xab, 0xcd, 0xef, 0x7f, 0x80, 0xff };
	char out[2 * sizeof(in) + 2];

	(void)state;
	memset(out, 'x', sizeof(out));
	otp_format_hex(in, sizeof(in), out);
	assert_string_equal(out, "0001abcdef7f80ff");
	assert_int_equal(out[sizeof(out) - 1], 'x');
	otp_format_hex(in, 0, out);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_basic),
		cmocka_unit_test(test_u64_leading_zeros),
		cmocka_unit_test(test_u64_max),
		cmocka_unit_test(test_u64_exhaustive_small),
		cmocka_unit_test(test_i64),
		cmocka_unit_test(test_hex_parse),
		cmocka_unit_test(test_hex_length_and_charset),
		cmocka_unit_test(test_hex_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
