/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/backup.c: generating, normalising and consuming backup codes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "backup.h"
#include "err.h"
#include "numparse.h"
#include "secmem.h"

#define NCODES 10
#define FAST_LOG2N 10 /* the smallest allowed cost keeps the test fast */

struct fixture {
	struct otp_record rec;
	char codes[NCODES][OTP_BACKUP_TEXT];
};

static int setup(void **state)
{
	static struct fixture fx;

	otp_record_init(&fx.rec);
	fx.rec.secret_len = 20;
	memcpy(fx.rec.secret, "12345678901234567890", 20);
	if (otp_backup_generate(&fx.rec, NCODES, FAST_LOG2N, fx.codes) != OTP_OK)
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	otp_record_clear(&fx->rec);
	memset(fx->codes, 0, sizeof(fx->codes));
	return 0;
}

static bool in_alphabet(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

static void test_generate_shape(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(fx->rec.backup_count, NCODES);
	assert_true(fx->rec.has_backup_kdf);
	assert_int_equal(fx->rec.backup_kdf.log2_n, FAST_LOG2N);
	assert_int_equal(fx->rec.backup_kdf.r, 8);
	assert_int_equal(fx->rec.backup_kdf.p, 1);
	/* The secret is untouched. */
	assert_int_equal(fx->rec.secret_len, 20);
	assert_memory_equal(fx->rec.secret, "12345678901234567890", 20);
	for (int i = 0; i < NCODES; i++) {
		const char *c = fx->codes[i];

		assert_int_equal(strlen(c), 14);
		assert_int_equal(c[4], '-');
		assert_int_equal(c[9], '-');
		for (int j = 0; j < 14; j++)
			if (j != 4 && j != 9)
				assert_true(in_alphabet(c[j]));
		for (int k = 0; k < i; k++) {
			assert_string_not_equal(fx->codes[k], c);
			assert_memory_not_equal(fx->rec.backup[k], fx->rec.backup[i], OTP_HASH_LEN);
		}
	}
}

static void test_each_code_once(void **state)
{
	struct fixture *fx = *state;
	/* Out of order: middle, last, first, then the rest. */
	static const int order[NCODES] = { 5, 9, 0, 1, 2, 3, 4, 6, 7, 8 };

	for (int k = 0; k < NCODES; k++) {
		const char *code = fx->codes[order[k]];

		assert_int_equal(otp_backup_consume(&fx->rec, code), OTP_OK);
		assert_int_equal(fx->rec.backup_count, NCODES - 1 - k);
		assert_int_equal(otp_backup_consume(&fx->rec, code), OTP_E_WRONG);
		assert_int_equal(fx->rec.backup_count, NCODES - 1 - k);
		/* Every code consumed so far stays rejected; the rest are still stored. */
		for (int j = 0; j <= k; j++)
			assert_int_equal(otp_backup_consume(&fx->rec, fx->codes[order[j]]),
					 OTP_E_WRONG);
	}
	assert_int_equal(fx->rec.backup_count, 0);
}

static void test_wrong_code(void **state)
{
	struct fixture *fx = *state;
	char wrong[OTP_BACKUP_TEXT];

	assert_int_equal(otp_backup_consume(&fx->rec, "aaaa-aaaa-aaaa"), OTP_E_WRONG);
	/* One character changed. */
	strcpy(wrong, fx->codes[0]);
	wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
	assert_int_equal(otp_backup_consume(&fx->rec, wrong), OTP_E_WRONG);
	assert_int_equal(fx->rec.backup_count, NCODES);
	/* The right one still works afterwards. */
	assert_int_equal(otp_backup_consume(&fx->rec, fx->codes[0]), OTP_OK);
	assert_int_equal(fx->rec.backup_count, NCODES - 1);
}

static void test_normalised_input(void **state)
{
	struct fixture *fx = *state;
	char buf[64];

	/* Upper case. */
	for (size_t i = 0; i < strlen(fx->codes[1]); i++)
		buf[i] = (char)toupper((unsigned char)fx->codes[1][i]);
	buf[strlen(fx->codes[1])] = '\0';
	assert_int_equal(otp_backup_consume(&fx->rec, buf), OTP_OK);
	/* No dashes. */
	snprintf(buf, sizeof(buf), "%.4s%.4s%.4s", fx->codes[2], fx->codes[2] + 5,
		 fx->codes[2] + 10);
	assert_int_equal(otp_backup_consume(&fx->rec, buf), OTP_OK);
	/* Spaces instead of dashes, and around. */
	snprintf(buf, sizeof(buf), " %.4s %.4s %.4s ", fx->codes[3], fx->codes[3] + 5,
		 fx->codes[3] + 10);
	assert_int_equal(otp_backup_consume(&fx->rec, buf), OTP_OK);
	/* Dashes in other places, mixed case. */
	snprintf(buf, sizeof(buf), "%.2s-%.2s-%.2s--%.2s%.2s-%.2s", fx->codes[4],
		 fx->codes[4] + 2, fx->codes[4] + 5, fx->codes[4] + 7, fx->codes[4] + 10,
		 fx->codes[4] + 12);
	buf[0] = (char)toupper((unsigned char)buf[0]);
	assert_int_equal(otp_backup_consume(&fx->rec, buf), OTP_OK);
	assert_int_equal(fx->rec.backup_count, NCODES - 4);
}

static void test_normalize(void **state)
{
	static const struct { const char *in; const char *out; } good[] = {
		{ "abcd-efgh-ijkl", "abcdefghijkl" },
		{ "ABCD-EFGH-IJKL", "abcdefghijkl" },
		{ "abcdefghijkl", "abcdefghijkl" },
		{ " abcd efgh ijkl ", "abcdefghijkl" },
		{ "a-b-c-d-e-f-g-h-i-j-k-l", "abcdefghijkl" },
		{ "2345-67ab-cdef", "234567abcdef" },
		{ "--zzzz--yyyy--xxxx--", "zzzzyyyyxxxx" },
		{ "12345678", "12345678" },   /* a google-authenticator scratch code */
		{ "1234 5678", "12345678" },
	};
	static const char *const bad[] = {
		"", "abcd-efgh-ijk", "abcd-efgh-ijklm", "abcd-efgh-ij1l", "abcd-efgh-ij0l",
		"abcd-efgh-ij8l", "abcd-efgh-ij9l", "abcd_efgh_ijkl", "abcd\tefgh\tijkl",
		"abcd.efgh.ijkl", "123456", "01234567", "123456789", "abcd-efgh-ijkl-mnop", "------------",
		"abcd-efgh-ijk\xc3\xa9",
	};
	char out[OTP_BACKUP_CHARS + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(out, 'x', sizeof(out));
		if (!otp_backup_normalize(good[i].in, out))
			print_error("\"%s\" should normalise\n", good[i].in);
		assert_true(otp_backup_normalize(good[i].in, out));
		assert_string_equal(out, good[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (otp_backup_normalize(bad[i], out))
			print_error("\"%s\" should not normalise\n", bad[i]);
		assert_false(otp_backup_normalize(bad[i], out));
	}
}

/*
 * Case folding is ASCII-only, whatever the host process's locale: under a Turkish
 * single-byte locale tolower('I') is a dotless i (0xFD) and tolower(0xDD) is 'i'. Checked in
 * every Turkish locale setlocale finds (LOCPATH may point at one made with localedef), and in
 * the C locale always.
 */
static void test_normalize_locale(void **state)
{
	static const char *const locales[] = {
		"tr_TR.ISO-8859-9", "tr_TR.iso88599", "tr_TR.UTF-8", "tr_TR.utf8", "tr_TR", "C",
	};
	char out[OTP_BACKUP_CHARS + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(locales) / sizeof(locales[0]); i++) {
		if (!setlocale(LC_CTYPE, locales[i]))
			continue;
		print_message("LC_CTYPE=%s\n", locales[i]);
		assert_true(otp_backup_normalize("IIII-IIII-IIII", out));
		assert_string_equal(out, "iiiiiiiiiiii");
		assert_true(otp_backup_normalize("abcd-efgh-IJKL", out));
		assert_string_equal(out, "abcdefghijkl");
		/* Latin-5 dotted capital I and dotless small i are not letters of a code. */
		assert_false(otp_backup_normalize("abcd-efgh-\xddjkl", out));
		assert_false(otp_backup_normalize("abcd-efgh-\xfdjkl", out));
	}
	setlocale(LC_CTYPE, "C");
}

/*
 * Input that does not have the shape of a code is refused before any hashing. To see that,
 * give the record KDF parameters under which scrypt itself fails (N = 2^40 is over any
 * memory limit): a code-shaped input then reports OTP_E_CRYPTO, anything else OTP_E_WRONG.
 */
static void test_no_hashing_for_non_codes(void **state)
{
	static const char *const not_codes[] = {
		"", "123456", "02345678", "1234567", "abcd-efgh-ijk", "abcd-efgh-ijklm", "abcd-efgh-ij1l",
		"abcd_efgh_ijkl", "password", "abcdefghijkl0",
	};
	struct fixture *fx = *state;

	fx->rec.backup_kdf.log2_n = 40;
	assert_int_equal(otp_backup_consume(&fx->rec, "abcd-efgh-ijkl"), OTP_E_CRYPTO);
	assert_int_equal(otp_backup_consume(&fx->rec, fx->codes[0]), OTP_E_CRYPTO);
	for (size_t i = 0; i < sizeof(not_codes) / sizeof(not_codes[0]); i++) {
		if (otp_backup_consume(&fx->rec, not_codes[i]) != OTP_E_WRONG)
			print_error("\"%s\" was hashed\n", not_codes[i]);
		assert_int_equal(otp_backup_consume(&fx->rec, not_codes[i]), OTP_E_WRONG);
	}
	assert_int_equal(fx->rec.backup_count, NCODES);
}

/* No KDF line or no codes left: everything is wrong, nothing hashed. */
static void test_no_codes(void **state)
{
	struct otp_record rec;

	(void)state;
	otp_record_init(&rec);
	assert_int_equal(otp_backup_consume(&rec, "abcd-efgh-ijkl"), OTP_E_WRONG);
	rec.has_backup_kdf = true;
	rec.backup_kdf.log2_n = 40; /* would fail if it were used */
	rec.backup_kdf.r = 8;
	rec.backup_kdf.p = 1;
	assert_int_equal(otp_backup_consume(&rec, "abcd-efgh-ijkl"), OTP_E_WRONG);
	otp_record_clear(&rec);
}

/*
 * The stored hash is scrypt(password = the 12 lower-case characters, salt, N, r, p, 32
 * bytes). Expected hashes from Python's hashlib.scrypt, so a file written by another tool
 * (or an older build) keeps working.
 */
static void test_known_hash(void **state)
{
	struct otp_record rec;

	(void)state;
	otp_record_init(&rec);
	rec.has_backup_kdf = true;
	rec.backup_kdf.log2_n = 10;
	rec.backup_kdf.r = 8;
	rec.backup_kdf.p = 1;
	for (int i = 0; i < 16; i++)
		rec.backup_kdf.salt[i] = (uint8_t)i;
	assert_int_equal(otp_parse_hex("271fa496954cbdb835a09db4dd17ce496f532a159b254c0b94ddeaa6eb08fb54",
				       rec.backup[0], OTP_HASH_LEN), OTP_OK);
	assert_int_equal(otp_parse_hex("c9a1c4a479c284efe2cea3d7001d66900c84dc1c0d3d2ec2d0f97d1fa12cf8ff",
				       rec.backup[1], OTP_HASH_LEN), OTP_OK);
	rec.backup_count = 2;
	assert_int_equal(otp_backup_consume(&rec, "abcd-efgh-ijkm"), OTP_E_WRONG);
	assert_int_equal(otp_backup_consume(&rec, "ABCD-EFGH-IJKL"), OTP_OK);
	assert_int_equal(rec.backup_count, 1);
	/* The remaining hash moved to slot 0. */
	assert_int_equal(rec.backup[0][0], 0xc9);
	assert_int_equal(otp_backup_consume(&rec, "abcd-efgh-ijkl"), OTP_E_WRONG);
	assert_int_equal(otp_backup_consume(&rec, "2345 67mn opqr"), OTP_OK);
	assert_int_equal(rec.backup_count, 0);
	otp_record_clear(&rec);
}

static void test_generate_limits(void **state)
{
	struct otp_record rec;
	static char codes[OTP_BACKUP_MAX + 1][OTP_BACKUP_TEXT];

	(void)state;
	otp_record_init(&rec);
	assert_int_equal(otp_backup_generate(&rec, OTP_BACKUP_MAX + 1, FAST_LOG2N, codes),
			 OTP_E_INVAL);
	assert_int_equal(otp_backup_generate(&rec, 1, 9, codes), OTP_E_INVAL);
	assert_int_equal(otp_backup_generate(&rec, 1, 23, codes), OTP_E_INVAL);
	assert_false(rec.has_backup_kdf);
	assert_int_equal(rec.backup_count, 0);
	/* Zero codes: a new (empty) set. */
	assert_int_equal(otp_backup_generate(&rec, 0, FAST_LOG2N, codes), OTP_OK);
	assert_true(rec.has_backup_kdf);
	assert_int_equal(rec.backup_count, 0);
	/* The maximum. */
	assert_int_equal(otp_backup_generate(&rec, OTP_BACKUP_MAX, FAST_LOG2N, codes), OTP_OK);
	assert_int_equal(rec.backup_count, OTP_BACKUP_MAX);
	assert_int_equal(otp_backup_consume(&rec, codes[OTP_BACKUP_MAX - 1]), OTP_OK);
	otp_record_clear(&rec);
}

/* Generating again replaces the old set: new salt, old codes dead. */
static void test_regenerate(void **state)
{
	struct fixture *fx = *state;
	char fresh[3][OTP_BACKUP_TEXT];
	uint8_t old_salt[OTP_SALT_LEN];

	memcpy(old_salt, fx->rec.backup_kdf.salt, OTP_SALT_LEN);
	assert_int_equal(otp_backup_generate(&fx->rec, 3, FAST_LOG2N, fresh), OTP_OK);
	assert_int_equal(fx->rec.backup_count, 3);
	assert_memory_not_equal(old_salt, fx->rec.backup_kdf.salt, OTP_SALT_LEN);
	assert_int_equal(otp_backup_consume(&fx->rec, fx->codes[0]), OTP_E_WRONG);
	assert_int_equal(otp_backup_consume(&fx->rec, fresh[2]), OTP_OK);
}

/* Codes survive a write to and read from the file format. */
static void test_through_file_format(void **state)
{
	struct fixture *fx = *state;
	struct otp_record back;
	struct otp_why err;
	char *text;
	size_t len;

	assert_int_equal(otp_record_format(&fx->rec, &text, &len), OTP_OK);
	assert_int_equal(otp_record_parse(text, len, &back, &err), OTP_OK);
	otp_free_str(text);
	assert_int_equal(back.backup_count, NCODES);
	assert_int_equal(otp_backup_consume(&back, fx->codes[7]), OTP_OK);
	assert_int_equal(otp_backup_consume(&back, fx->codes[7]), OTP_E_WRONG);
	assert_int_equal(back.backup_count, NCODES - 1);
	otp_record_clear(&back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_generate_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_code_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_normalised_input, setup, teardown),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_normalize_locale),
		cmocka_unit_test_setup_teardown(test_no_hashing_for_non_codes, setup, teardown),
		cmocka_unit_test(test_no_codes),
		cmocka_unit_test(test_known_hash),
		cmocka_unit_test(test_generate_limits),
		cmocka_unit_test_setup_teardown(test_regenerate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_through_file_format, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
