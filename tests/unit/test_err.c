/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/err.c: every error code has its own message. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "err.h"
#include "why.h"

static void test_all_codes_named(void **state)
{
	static const int codes[] = {
		OTP_OK, OTP_E_NOMEM, OTP_E_IO, OTP_E_NOENT, OTP_E_UNSAFE, OTP_E_PARSE,
		OTP_E_TOOBIG, OTP_E_LOCK, OTP_E_CRYPTO, OTP_E_WRONG, OTP_E_REPLAY, OTP_E_LOCKED,
		OTP_E_INVAL, OTP_E_CHANGED, OTP_E_RESYNC, OTP_E_NODIR, OTP_E_EMPTY, OTP_E_REMOTE,
		OTP_E_NOKEY, OTP_E_EXISTS, OTP_E_REFUSED, OTP_E_CONFLICT, OTP_E_DIRECTORY,
	};
	const size_t n = sizeof(codes) / sizeof(codes[0]);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const char *m = otp_strerror(codes[i]);

		assert_non_null(m);
		assert_true(strlen(m) > 3);
		assert_string_not_equal(m, "unknown error");
		for (size_t j = 0; j < i; j++) {
			assert_int_not_equal(codes[i], codes[j]);
			assert_string_not_equal(m, otp_strerror(codes[j]));
		}
	}
	assert_string_equal(otp_strerror(OTP_OK), "success");
}

static void test_unknown_codes(void **state)
{
	(void)state;
	assert_string_equal(otp_strerror(1), "unknown error");
	assert_string_equal(otp_strerror(-23), "unknown error");
	assert_string_equal(otp_strerror(-1000), "unknown error");
	assert_string_equal(otp_strerror(0x7fffffff), "unknown error");
}

/* The one way a reason travels: set, at a line, truncated, and the fallback text. */
static void test_why(void **state)
{
	struct otp_why w;
	char longer[OTP_WHY_MAX + 50];

	(void)state;
	otp_why_clear(&w);
	assert_string_equal(otp_why_text(&w, OTP_E_IO), otp_strerror(OTP_E_IO));
	assert_string_equal(otp_why_text(NULL, OTP_E_LOCK), otp_strerror(OTP_E_LOCK));
	assert_int_equal(otp_why_set(&w, OTP_E_UNSAFE, "%s is %d", "x", 7), OTP_E_UNSAFE);
	assert_string_equal(w.text, "x is 7");
	assert_int_equal(w.line, 0);
	assert_string_equal(otp_why_text(&w, OTP_E_IO), "x is 7");
	assert_int_equal(otp_why_at(&w, OTP_E_PARSE, 12, "bad %s", "key"), OTP_E_PARSE);
	assert_string_equal(w.text, "bad key");
	assert_int_equal(w.line, 12);
	assert_int_equal(otp_why_set(NULL, OTP_E_NOMEM, "ignored"), OTP_E_NOMEM);
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	otp_why_set(&w, 0, "%s", longer);
	assert_int_equal(strlen(w.text), OTP_WHY_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_codes_named),
		cmocka_unit_test(test_unknown_codes),
		cmocka_unit_test(test_why),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
