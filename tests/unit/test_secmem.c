/* Unit tests for common/secmem.c: wiping and constant-time comparison. */
#include <stdarg.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
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

/* The VmFlags line of the /proc/self/smaps mapping that holds p, or "" when none. */
static void vmflags_of(const void *p, char *out, size_t outsz)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in_it = 0;

	out[0] = '\0';
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in_it = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		} else if (in_it && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(out, outsz, "%s", line + 8);
			break;
		}
	}
	fclose(f);
}

static void test_secure_alloc_not_dumped(void **state)
{
	char flags[512];
	unsigned char *p = otp_secure_alloc(100), *q;

	(void)state;
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 4096, 0);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(p[i], 0);
	memset(p, 0x5a, 100);
	vmflags_of(p, flags, sizeof(flags));
	assert_non_null(strstr(flags, " dd"));
	/* Ordinary heap memory is not marked: the flag comes from the helper. */
	q = malloc(100);
	assert_non_null(q);
	vmflags_of(q, flags, sizeof(flags));
	assert_true(flags[0] != '\0');
	assert_null(strstr(flags, " dd"));
	free(q);
	otp_secure_free(p, 100);
	otp_secure_free(NULL, 0);
	/* More than a page. */
	p = otp_secure_alloc(10000);
	assert_non_null(p);
	vmflags_of(p + 9999, flags, sizeof(flags));
	assert_non_null(strstr(flags, " dd"));
	otp_secure_free(p, 10000);
}

/* Secrets: out of core dumps where there would be one, plain heap where not. */
static void test_secret_alloc_follows_dumpable(void **state)
{
	char flags[512];
	unsigned char *p;

	(void)state;
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
	p = otp_secret_alloc(3000);
	assert_non_null(p);
	for (size_t i = 0; i < 3000; i++)
		assert_int_equal(p[i], 0);
	memset(p, 0x5a, 3000);
	vmflags_of(p + 2999, flags, sizeof(flags));
	assert_non_null(strstr(flags, " dd"));
	/* Freed by the way it was made, even if dumpability changed since. */
	assert_int_equal(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), 0);
	otp_secret_free(p);
	p = otp_secret_alloc(100);
	assert_non_null(p);
	vmflags_of(p, flags, sizeof(flags));
	assert_null(strstr(flags, " dd"));
	assert_int_equal(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	otp_secret_free(p);
	otp_secret_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_free_str),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_ct_streq),
		cmocka_unit_test(test_secure_alloc_not_dumped),
		cmocka_unit_test(test_secret_alloc_follows_dumpable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
