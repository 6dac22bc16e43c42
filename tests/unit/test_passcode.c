/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/passcode.c: splitting "password" + "code" typed at one prompt. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "err.h"
#include "passcode.h"
#include "secmem.h"

static void split_ok(const char *input, unsigned digits, const char *want_pass,
		     const char *want_code)
{
	char *pass = (char *)1, *code = (char *)1;
	int rc = otp_split_passcode(input, digits, &pass, &code);

	if (rc != OTP_OK || strcmp(pass, want_pass) != 0 || strcmp(code, want_code) != 0)
		print_error("split \"%s\" (%u digits): rc %d pass \"%s\" code \"%s\"; want \"%s\" "
			    "+ \"%s\"\n", input, digits, rc, rc == OTP_OK ? pass : "-",
			    rc == OTP_OK ? code : "-", want_pass, want_code);
	assert_int_equal(rc, OTP_OK);
	assert_string_equal(pass, want_pass);
	assert_string_equal(code, want_code);
	otp_free_str(pass);
	otp_free_str(code);
}

static void split_fails(const char *input, unsigned digits)
{
	char *pass = (char *)1, *code = (char *)1;
	int rc = otp_split_passcode(input, digits, &pass, &code);

	if (rc != OTP_E_WRONG)
		print_error("split \"%s\" (%u digits) should fail, got %d\n", input, digits, rc);
	assert_int_equal(rc, OTP_E_WRONG);
	assert_null(pass);
	assert_null(code);
}

static void test_digits(void **state)
{
	(void)state;
	split_ok("secret123456", 6, "secret", "123456");
	split_ok("123456", 6, "", "123456");
	split_ok("pw 654321", 6, "pw ", "654321");
	split_ok("password1234567", 6, "password1", "234567");
	split_ok("secret12345678", 8, "secret", "12345678");
	split_ok("secret1234567", 7, "secret", "1234567");
	split_ok("correct horse battery staple000000", 6, "correct horse battery staple",
		 "000000");
	split_ok("p\xc3\xa4ss123456", 6, "p\xc3\xa4ss", "123456");
}

static void test_backup_forms(void **state)
{
	(void)state;
	split_ok("pwabcd-efgh-ijkl", 6, "pw", "abcd-efgh-ijkl");
	split_ok("pwabcdefghijkl", 6, "pw", "abcdefghijkl");
	split_ok("pwABCD-EFGH-IJKL", 6, "pw", "ABCD-EFGH-IJKL");
	split_ok("abcd-efgh-ijkl", 6, "", "abcd-efgh-ijkl");
	split_ok("abcdefghijkl", 6, "", "abcdefghijkl");
	split_ok("my secret 2345-67ab-cdef", 6, "my secret ", "2345-67ab-cdef");
	/* digits 0: only backup codes are split off. */
	split_ok("pwabcd-efgh-ijkl", 0, "pw", "abcd-efgh-ijkl");
	/* A 6-digit tail wins over a backup-code tail: "234567" is both. */
	split_ok("pwabcdef234567", 6, "pwabcdef", "234567");
}

static void test_no_code(void **state)
{
	(void)state;
	split_fails("", 6);
	split_fails("pw", 6);
	split_fails("12345", 6);
	split_fails("pw12345", 6);
	split_fails("password", 6);
	split_fails("pw12345a", 6);
	split_fails("pw-efgh-ijk", 6);
	split_fails("pw123456", 0);
	split_fails("pwabcd-efgh-ij1l", 6);
}

/*
 * A password that ends in dashes or spaces, followed by a backup code typed without dashes,
 * is split after the 12 code characters: only "abcd-efgh-ijkl" (14) and "abcdefghijkl" (12)
 * are code forms (passcode.h), so the password keeps its own trailing characters.
 */
static void test_password_ending_in_separators(void **state)
{
	(void)state;
	split_ok("pw--abcdefghijkl", 6, "pw--", "abcdefghijkl");
	split_ok("pass  abcdefghijkl", 6, "pass  ", "abcdefghijkl");
	split_ok("a-b-abcdefghijkl", 6, "a-b-", "abcdefghijkl");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digits),
		cmocka_unit_test(test_backup_forms),
		cmocka_unit_test(test_no_code),
		cmocka_unit_test(test_password_ending_in_separators),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
