/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/base32.c: RFC 4648 section 10 vectors and the strictness rules. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "base32.h"
#include "err.h"

struct vector {
	const char *plain;
	const char *padded;   /* RFC 4648 section 10 */
	const char *unpadded; /* the same without '=' */
};

static const struct vector rfc4648[] = {
	{ "", "", "" },
	{ "f", "MY======", "MY" },
	{ "fo", "MZXQ====", "MZXQ" },
	{ "foo", "MZXW6===", "MZXW6" },
	{ "foob", "MZXW6YQ=", "MZXW6YQ" },
	{ "fooba", "MZXW6YTB", "MZXW6YTB" },
	{ "foobar", "MZXW6YTBOI======", "MZXW6YTBOI" },
};
#define NVEC (sizeof(rfc4648) / sizeof(rfc4648[0]))

/* Decode s (whole string) into out, return the result code. */
static int dec(const char *s, uint8_t *out, size_t cap)
{
	return otp_base32_decode(s, strlen(s), out, cap);
}

static void assert_decodes_to(const char *in, const void *want, size_t wantlen)
{
	uint8_t out[256];
	int n;

	memset(out, 0xa5, sizeof(out));
	n = dec(in, out, sizeof(out));
	if (n != (int)wantlen)
		print_error("decoding \"%s\": got %d, want %zu\n", in, n, wantlen);
	assert_int_equal(n, (int)wantlen);
	assert_memory_equal(out, want, wantlen);
	/* Nothing written past the result. */
	assert_int_equal(out[wantlen], 0xa5);
}

static void assert_rejected(const char *in)
{
	uint8_t out[256];
	int n = dec(in, out, sizeof(out));

	if (n != OTP_E_PARSE)
		print_error("\"%s\" should be rejected with OTP_E_PARSE, got %d\n", in, n);
	assert_int_equal(n, OTP_E_PARSE);
}

static void test_encode_rfc4648(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		const struct vector *v = &rfc4648[i];
		size_t len = strlen(v->plain);
		char out[64];
		int n;

		memset(out, 'x', sizeof(out));
		n = otp_base32_encode((const uint8_t *)v->plain, len, out, sizeof(out));
		assert_int_equal(n, (int)strlen(v->unpadded));
		assert_string_equal(out, v->unpadded);
		assert_int_equal(OTP_BASE32_ENCODED_LEN(len), strlen(v->unpadded));
	}
}

static void test_decode_rfc4648_padded(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVEC; i++)
		assert_decodes_to(rfc4648[i].padded, rfc4648[i].plain, strlen(rfc4648[i].plain));
}

static void test_decode_rfc4648_unpadded(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVEC; i++)
		assert_decodes_to(rfc4648[i].unpadded, rfc4648[i].plain, strlen(rfc4648[i].plain));
}

static void test_known_keys(void **state)
{
	static const uint8_t seq[20] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
					 10, 11, 12, 13, 14, 15, 16, 17, 18, 19 };
	static const uint8_t ff[5] = { 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[5] = { 0 };
	char out[64];

	(void)state;
	/* The RFC 4226 / 6238 test key, as authenticator apps show it. */
	assert_decodes_to("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "12345678901234567890", 20);
	assert_int_equal(otp_base32_encode((const uint8_t *)"12345678901234567890", 20, out,
					   sizeof(out)), 32);
	assert_string_equal(out, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	/* Python base64.b32encode(bytes(range(20))). */
	assert_decodes_to("AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT", seq, sizeof(seq));
	assert_int_equal(otp_base32_encode(seq, sizeof(seq), out, sizeof(out)), 32);
	assert_string_equal(out, "AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT");
	assert_decodes_to("77777777", ff, 5);
	assert_decodes_to("AAAAAAAA", zero, 5);
	assert_int_equal(otp_base32_encode(ff, 5, out, sizeof(out)), 8);
	assert_string_equal(out, "77777777");
	/* A 9-byte key: 15 characters, 3 zero trailing bits. */
	assert_decodes_to("GEZDGNBVGY3TQOI", "123456789", 9);
	assert_decodes_to("GEZDGNBVGY3TQOI=", "123456789", 9);
}

static void test_lower_case(void **state)
{
	(void)state;
	assert_decodes_to("mzxw6ytboi", "foobar", 6);
	assert_decodes_to("mzxw6ytboi======", "foobar", 6);
	assert_decodes_to("MzXw6YtBoI", "foobar", 6);
	assert_decodes_to("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", "12345678901234567890", 20);
}

static void test_separators(void **state)
{
	(void)state;
	assert_decodes_to("MZXW 6YTB OI", "foobar", 6);
	assert_decodes_to("MZXW-6YTB-OI", "foobar", 6);
	assert_decodes_to("MZXW\t6YTB\tOI", "foobar", 6);
	assert_decodes_to(" MZXW6YTBOI ", "foobar", 6);
	assert_decodes_to("gezd gnbv gy3t qojq gezd gnbv gy3t qojq", "12345678901234567890", 20);
	assert_decodes_to("MY== ====", "f", 1);
	assert_decodes_to("   ", "", 0);
}

static void test_invalid_chars(void **state)
{
	(void)state;
	assert_rejected("MZXW0YTB"); /* 0, 1, 8 and 9 are not in the alphabet */
	assert_rejected("MZXW1YTB");
	assert_rejected("MZXW8YTB");
	assert_rejected("MZXW9YTB");
	assert_rejected("MZXW!YTB");
	assert_rejected("MZXW_YTB");
	assert_rejected("MZXW.YTB");
	assert_rejected("MZXW6YTB\n");
	assert_rejected("MZXW6YTB\r");
	assert_rejected("MZXW6YT\xc3\xa9");
	assert_rejected("MZXW+YTB");
	assert_rejected("MZXW/YTB");

	/* A NUL inside the given length is just another invalid character. */
	{
		uint8_t out[16];
		assert_int_equal(otp_base32_decode("MZXW\0YTB", 8, out, sizeof(out)), OTP_E_PARSE);
	}
}

static void test_impossible_lengths(void **state)
{
	(void)state;
	/* 1, 3 and 6 characters left over cannot come from whole bytes, even when the spare
	 * bits are all zero. */
	assert_rejected("A");
	assert_rejected("AAA");
	assert_rejected("AAAAAA");
	assert_rejected("AAAAAAAAA");
	assert_rejected("AAAAAAAAAAA");
	assert_rejected("AAAAAAAAAAAAAA");
	assert_rejected("MZXW6A");
	assert_rejected("A=======");
	assert_rejected("AAA=====");
	assert_rejected("AAAAAA==");
	/* And with non-zero spare bits. */
	assert_rejected("M");
	assert_rejected("MZX");
	assert_rejected("MZXW6Y");
	assert_rejected("MZXW6YTBM");
	assert_rejected("MZXW6YTBMZX");
	assert_rejected("MZXW6YTBMZXW6Y");
	assert_rejected("M=======");
	assert_rejected("MZX=====");
	assert_rejected("MZXW6Y==");
}

static void test_nonzero_trailing_bits(void **state)
{
	(void)state;
	/* Canonical: MY (f), MZXQ (fo), MZXW6 (foo), MZXW6YQ (foob), MZXW6YTBOI (foobar). */
	assert_rejected("MZ");
	assert_rejected("M7");
	assert_rejected("MZXR");
	assert_rejected("MZXW7");
	assert_rejected("MZXW6YR");
	assert_rejected("MZXW6YTBOJ");
	assert_rejected("MZ======");
	assert_rejected("MZXW7===");
}

static void test_padding_in_middle(void **state)
{
	(void)state;
	assert_rejected("MY======MZXQ");
	assert_rejected("MY=A");
	assert_rejected("MZXW6=YQ");
	assert_rejected("=MZXW6YTB");
	assert_rejected("MY======A");
	/* Seven '=' cannot follow any data. */
	assert_rejected("MY=======");
}

static void test_decode_capacity(void **state)
{
	uint8_t out[16];

	(void)state;
	memset(out, 0, sizeof(out));
	assert_int_equal(dec("MZXW6YTBOI", out, 6), 6);
	assert_memory_equal(out, "foobar", 6);
	memset(out, 0xa5, sizeof(out));
	assert_int_equal(dec("MZXW6YTBOI", out, 5), OTP_E_TOOBIG);
	/* Nothing past the capacity was touched. */
	assert_int_equal(out[5], 0xa5);
	assert_int_equal(dec("MY", out, 0), OTP_E_TOOBIG);
	assert_int_equal(dec("", out, 0), 0);
	assert_true(OTP_BASE32_DECODED_MAX(10) >= 6);
	assert_true(OTP_BASE32_DECODED_MAX(32) >= 20);
}

static void test_encode_capacity(void **state)
{
	char out[16];

	(void)state;
	/* 6 bytes need 10 characters and a NUL. */
	memset(out, 'x', sizeof(out));
	assert_int_equal(otp_base32_encode((const uint8_t *)"foobar", 6, out, 10), OTP_E_TOOBIG);
	assert_int_equal(out[0], 'x');
	assert_int_equal(otp_base32_encode((const uint8_t *)"foobar", 6, out, 11), 10);
	assert_string_equal(out, "MZXW6YTBOI");
	assert_int_equal(otp_base32_encode((const uint8_t *)"", 0, out, 0), OTP_E_TOOBIG);
	assert_int_equal(otp_base32_encode((const uint8_t *)"", 0, out, 1), 0);
	assert_string_equal(out, "");
}

static void test_round_trip_all_lengths(void **state)
{
	uint8_t in[64], back[64];
	char text[128];

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 0; len <= sizeof(in); len++) {
		int n = otp_base32_encode(in, len, text, sizeof(text));

		assert_int_equal(n, (int)((len * 8 + 4) / 5));
		assert_int_equal(dec(text, back, sizeof(back)), (int)len);
		assert_memory_equal(back, in, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_rfc4648),
		cmocka_unit_test(test_decode_rfc4648_padded),
		cmocka_unit_test(test_decode_rfc4648_unpadded),
		cmocka_unit_test(test_known_keys),
		cmocka_unit_test(test_lower_case),
		cmocka_unit_test(test_separators),
		cmocka_unit_test(test_invalid_chars),
		cmocka_unit_test(test_impossible_lengths),
		cmocka_unit_test(test_nonzero_trailing_bits),
		cmocka_unit_test(test_padding_in_middle),
		cmocka_unit_test(test_decode_capacity),
		cmocka_unit_test(test_encode_capacity),
		cmocka_unit_test(test_round_trip_all_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
