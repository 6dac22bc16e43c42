/* Unit tests for common/secmem.c: wiping and constant-time comparison. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "secmem.h"

static void test_wipe(void **state)
{
	unsigned char buf[32];
	static const unsigned char zero[16];

	(void)state;
	memset(buf, 0xab, sizeof(buf));
	otp_wipe(buf + 8, 16);
	assert_memory_equal(buf + 8, zero, 16);
	assert_int_equal(buf[7], 0xab);
	assert_int_equal(buf[24], 0xab);
	otp_wipe(NULL, 10); /* no-op */
	otp_wipe(buf, 0);
	assert_int_equal(buf[0], 0xab);
}

static void test_free_str(void **state)
{
	(void)state;
	otp_free_str(NULL);
	otp_free_str(strdup("secret"));
	otp_free_str(strdup(""));
}

static void test_ct_equal(void **state)
{
	unsigned char a[64], b[64];

	(void)state;
	for (int i = 0; i < 64; i++)
		a[i] = b[i] = (unsigned char)(i * 7);
	assert_true(otp_ct_equal(a, b, 64));
	assert_true(otp_ct_equal(a, b, 0));
	/* A difference anywhere is seen. */
	for (int i = 0; i < 64; i++) {
		b[i] ^= 0x01;
		assert_false(otp_ct_equal(a, b, 64));
		assert_true(otp_ct_equal(a, b, (size_t)i)); /* only the prefix compared */
		b[i] ^= 0x01;
	}
	b[63] ^= 0x80;
	assert_false(otp_ct_equal(a, b, 64));
}

static void test_ct_streq(void **state)
{
	(void)state;
	assert_true(otp_ct_streq("", ""));
	assert_true(otp_ct_streq("123456", "123456"));
	assert_false(otp_ct_streq("123456", "123457"));
	assert_false(otp_ct_streq("123456", "023456"));
	assert_false(otp_ct_streq("123456", "12345"));
	assert_false(otp_ct_streq("12345", "123456"));
	assert_false(otp_ct_streq("", "1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_free_str),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_ct_streq),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
