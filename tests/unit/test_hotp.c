/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/hotp.c: every RFC 4226 appendix D and RFC 6238 appendix B vector. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hotp.h"

static const uint8_t key20[] = "12345678901234567890";
static const uint8_t key32[] = "12345678901234567890123456789012";
static const uint8_t key64[] =
	"1234567890123456789012345678901234567890123456789012345678901234";

/* RFC 4226 appendix D: the truncated 31-bit values and the 6-digit HOTP values. */
static const uint32_t rfc4226_decimal[10] = {
	1284755224, 1094287082, 137359152, 1726969429, 1640338314,
	868254676, 1918287922, 82162583, 673399871, 645520489,
};
static const char *const rfc4226_hotp[10] = {
	"755224", "287082", "359152", "969429", "338314",
	"254676", "287922", "162583", "399871", "520489",
};

static void check(enum otp_alg alg, const uint8_t *key, size_t keylen, uint64_t counter,
		  unsigned digits, const char *want)
{
	char out[OTP_CODE_BUFSZ];
	int rc;

	memset(out, 'x', sizeof(out));
	rc = otp_hotp(alg, key, keylen, counter, digits, out);
	assert_int_equal(rc, OTP_OK);
	if (strcmp(out, want) != 0)
		print_error("alg %d counter %llu digits %u: got %s, want %s\n", (int)alg,
			    (unsigned long long)counter, digits, out, want);
	assert_string_equal(out, want);
	assert_int_equal(strlen(out), digits);
}

static void test_rfc4226_appendix_d(void **state)
{
	(void)state;
	assert_int_equal(sizeof(key20) - 1, 20);
	for (uint64_t c = 0; c < 10; c++)
		check(OTP_SHA1, key20, 20, c, 6, rfc4226_hotp[c]);
}

/* The same table at 7 and 8 digits: the decimal column mod 10^7 and 10^8, zero-padded. */
static void test_rfc4226_other_digit_counts(void **state)
{
	static const char *const seven[10] = {
		"4755224", "4287082", "7359152", "6969429", "0338314",
		"8254676", "8287922", "2162583", "3399871", "5520489",
	};
	static const char *const eight[10] = {
		"84755224", "94287082", "37359152", "26969429", "40338314",
		"68254676", "18287922", "82162583", "73399871", "45520489",
	};

	(void)state;
	for (uint64_t c = 0; c < 10; c++) {
		/* The tables above are the decimal column of the RFC, cross-checked here. */
		assert_int_equal(rfc4226_decimal[c] % 10000000u,
				 (uint32_t)strtoul(seven[c], NULL, 10));
		assert_int_equal(rfc4226_decimal[c] % 100000000u,
				 (uint32_t)strtoul(eight[c], NULL, 10));
		check(OTP_SHA1, key20, 20, c, 7, seven[c]);
		check(OTP_SHA1, key20, 20, c, 8, eight[c]);
	}
}

struct totp_vector {
	int64_t time;
	uint64_t step; /* the RFC's hex T column */
	const char *sha1, *sha256, *sha512;
};

/* RFC 6238 appendix B. */
static const struct totp_vector rfc6238[] = {
	{ 59, 0x0000000000000001, "94287082", "46119246", "90693936" },
	{ 1111111109, 0x00000000023523EC, "07081804", "68084774", "25091201" },
	{ 1111111111, 0x00000000023523ED, "14050471", "67062674", "99943326" },
	{ 1234567890, 0x000000000273EF07, "89005924", "91819424", "93441116" },
	{ 2000000000, 0x0000000003F940AA, "69279037", "90698825", "38618901" },
	{ INT64_C(20000000000), 0x0000000027BC86AA, "65353130", "77737706", "47863826" },
};

static void test_rfc6238_appendix_b(void **state)
{
	(void)state;
	assert_int_equal(sizeof(key32) - 1, 32);
	assert_int_equal(sizeof(key64) - 1, 64);
	for (size_t i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
		const struct totp_vector *v = &rfc6238[i];

		check(OTP_SHA1, key20, 20, v->step, 8, v->sha1);
		check(OTP_SHA256, key32, 32, v->step, 8, v->sha256);
		check(OTP_SHA512, key64, 64, v->step, 8, v->sha512);
	}
}

static void test_totp_step(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++)
		assert_int_equal(otp_totp_step((time_t)rfc6238[i].time, 30),
				 (int64_t)rfc6238[i].step);
	assert_int_equal(otp_totp_step(0, 30), 0);
	assert_int_equal(otp_totp_step(29, 30), 0);
	assert_int_equal(otp_totp_step(30, 30), 1);
	assert_int_equal(otp_totp_step(59, 30), 1);
	assert_int_equal(otp_totp_step(60, 30), 2);
	assert_int_equal(otp_totp_step(119, 60), 1);
	assert_int_equal(otp_totp_step(120, 60), 2);
	assert_int_equal(otp_totp_step(1, 1), 1);
	assert_int_equal(otp_totp_step((time_t)INT64_C(4000000000), 15),
			 INT64_C(266666666));
	/* Before the epoch and a zero period: no step. */
	assert_int_equal(otp_totp_step(-1, 30), -1);
	assert_int_equal(otp_totp_step(-30, 30), -1);
	assert_int_equal(otp_totp_step(100, 0), -1);
}

static void test_alg_parse(void **state)
{
	static const struct { const char *s; enum otp_alg alg; } good[] = {
		{ "SHA1", OTP_SHA1 }, { "sha1", OTP_SHA1 }, { "Sha1", OTP_SHA1 },
		{ "SHA-1", OTP_SHA1 }, { "sha-1", OTP_SHA1 },
		{ "SHA256", OTP_SHA256 }, { "sha256", OTP_SHA256 }, { "SHA-256", OTP_SHA256 },
		{ "sha-256", OTP_SHA256 },
		{ "SHA512", OTP_SHA512 }, { "sha512", OTP_SHA512 }, { "SHA-512", OTP_SHA512 },
		{ "Sha-512", OTP_SHA512 },
	};
	static const char *const bad[] = {
		"", "SHA", "SHA2", "SHA384", "SHA-384", "SHA224", "MD5", "SHA 1", " SHA1",
		"SHA1 ", "SHA_1", "SHA--1", "SHA1x", "SHA3-256", "1",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		enum otp_alg alg = (enum otp_alg)99;

		assert_int_equal(otp_alg_parse(good[i].s, &alg), OTP_OK);
		assert_int_equal(alg, good[i].alg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum otp_alg alg = OTP_SHA256;

		if (otp_alg_parse(bad[i], &alg) != OTP_E_INVAL)
			print_error("\"%s\" should not parse as an algorithm\n", bad[i]);
		assert_int_equal(otp_alg_parse(bad[i], &alg), OTP_E_INVAL);
		assert_int_equal(alg, OTP_SHA256); /* untouched */
	}
}

static void test_alg_name(void **state)
{
	enum otp_alg alg;

	(void)state;
	assert_string_equal(otp_alg_name(OTP_SHA1), "SHA1");
	assert_string_equal(otp_alg_name(OTP_SHA256), "SHA256");
	assert_string_equal(otp_alg_name(OTP_SHA512), "SHA512");
	assert_string_equal(otp_alg_name((enum otp_alg)3), "?");
	assert_string_equal(otp_alg_name((enum otp_alg)-1), "?");
	/* Every name parses back. */
	for (int a = OTP_SHA1; a <= OTP_SHA512; a++) {
		assert_int_equal(otp_alg_parse(otp_alg_name((enum otp_alg)a), &alg), OTP_OK);
		assert_int_equal(alg, a);
	}
}

static void test_invalid_arguments(void **state)
{
	char out[OTP_CODE_BUFSZ];

	(void)state;
	assert_int_equal(otp_hotp(OTP_SHA1, key20, 20, 0, 5, out), OTP_E_INVAL);
	assert_int_equal(otp_hotp(OTP_SHA1, key20, 20, 0, 9, out), OTP_E_INVAL);
	assert_int_equal(otp_hotp(OTP_SHA1, key20, 20, 0, 0, out), OTP_E_INVAL);
	assert_int_equal(otp_hotp(OTP_SHA1, key20, 20, 0, 10, out), OTP_E_INVAL);
	assert_int_equal(otp_hotp(OTP_SHA1, key20, 0, 0, 6, out), OTP_E_INVAL);
	assert_int_equal(otp_hotp((enum otp_alg)3, key20, 20, 0, 6, out), OTP_E_INVAL);
	assert_int_equal(otp_hotp((enum otp_alg)-1, key20, 20, 0, 6, out), OTP_E_INVAL);
	/* The boundaries themselves are fine. */
	assert_int_equal(otp_hotp(OTP_SHA1, key20, 20, 0, 6, out), OTP_OK);
	assert_int_equal(otp_hotp(OTP_SHA1, key20, 20, 0, 8, out), OTP_OK);
	assert_int_equal(otp_hotp(OTP_SHA1, key20, 1, 0, 6, out), OTP_OK);
}

/* Keys longer than the hash block (hashed first by HMAC) and a very large counter. */
static void test_long_key_and_big_counter(void **state)
{
	uint8_t key100[100];

	(void)state;
	for (size_t i = 0; i < sizeof(key100); i++)
		key100[i] = (uint8_t)('0' + i % 10);
	/* Expected values from Python hmac/hashlib (independent implementation). */
	check(OTP_SHA1, key100, sizeof(key100), 0, 6, "570936");
	check(OTP_SHA256, key100, sizeof(key100), 1, 8, "61400632");
	check(OTP_SHA512, key100, sizeof(key100), 2, 7, "0095654");
	check(OTP_SHA1, key20, 20, UINT64_C(18446744073709551610), 6, "265879");
	check(OTP_SHA1, key20, 20, UINT64_C(9223372036854775807), 6, "181742");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4226_appendix_d),
		cmocka_unit_test(test_rfc4226_other_digit_counts),
		cmocka_unit_test(test_rfc6238_appendix_b),
		cmocka_unit_test(test_totp_step),
		cmocka_unit_test(test_alg_parse),
		cmocka_unit_test(test_alg_name),
		cmocka_unit_test(test_invalid_arguments),
		cmocka_unit_test(test_long_key_and_big_counter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
