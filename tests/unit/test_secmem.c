/* SPDX-License-Identifier: BSD-2-Clause */
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

/*
 * free() and munmap() are wrapped for this program (-Wl,--wrap=free,--wrap=munmap in
 * meson.build): while `watched` is set, the wrapper copies the block's bytes just before it is
 * released, so a test can see that the helper wiped them first (reading after the release
 * would be use-after-free). otp_secret_free releases a block that starts at its header, a
 * few bytes before the pointer the caller holds.
 */
void __real_free(void *p);
int __real_munmap(void *p, size_t len);
void __wrap_free(void *p);
int __wrap_munmap(void *p, size_t len);

static const unsigned char *watched;
static size_t watched_len;
static unsigned char seen[16384];
static unsigned released;

/* The released block holds the watched bytes: it starts at them or up to a header before. */
static void observe(const void *p)
{
	if (watched && (uintptr_t)p <= (uintptr_t)watched &&
	    (uintptr_t)watched - (uintptr_t)p <= 64) {
		memcpy(seen, watched, watched_len);
		released++;
		watched = NULL;
	}
}

void __wrap_free(void *p)
{
	observe(p);
	__real_free(p);
}

int __wrap_munmap(void *p, size_t len)
{
	observe(p);
	return __real_munmap(p, len);
}

static void watch(const void *p, size_t len)
{
	assert_true(len <= sizeof(seen));
	watched = p;
	watched_len = len;
	memset(seen, 0xee, sizeof(seen));
	released = 0;
}

static bool all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static void test_free_str(void **state)
{
	static const char *const texts[] = { "secret", "", "x", "123456-abcdef-ghijkl" };

	(void)state;
	otp_free_str(NULL); /* a no-op, no crash */
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t len = strlen(texts[i]);
		char *s = strdup(texts[i]);

		assert_non_null(s);
		watch(s, len + 1);
		otp_free_str(s);
		/* Freed exactly once, and every byte of the text was zero when it was. */
		assert_int_equal(released, 1);
		assert_true(all_zero(seen, len + 1));
	}
}

/* otp_secret_free wipes the block (header too) before it goes back, both ways it is made. */
static void test_secret_free_wipes(void **state)
{
	(void)state;
	for (int dumpable = 1; dumpable >= 0; dumpable--) {
		unsigned char *p;

		assert_int_equal(prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0), 0);
		p = otp_secret_alloc(1000);
		assert_non_null(p);
		memset(p, 0xa5, 1000);
		watch(p, 1000);
		otp_secret_free(p);
		assert_int_equal(released, 1);
		assert_true(all_zero(seen, watched_len));
	}
	assert_int_equal(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	/* otp_secure_free wipes the length it is given before unmapping. */
	{
		unsigned char *p = otp_secure_alloc(5000);

		assert_non_null(p);
		memset(p, 0x3c, 5000);
		watch(p, 5000);
		otp_secure_free(p, 5000);
		assert_int_equal(released, 1);
		assert_true(all_zero(seen, 5000));
	}
}

static void test_ct_equal(void **state)
{
	unsigned char a[64], b[64];

	(void)state;
	for (int i = 0; i < 64; i++)
		a[i] = b[i] = (unsigned char)(i * 7 + 1);
	/* Every length: equal buffers are equal ... */
	for (size_t len = 0; len <= 64; len++) {
		assert_true(otp_ct_equal(a, b, len));
		/* ... and one flipped bit at any position inside the length is seen, at any
		 * position outside it is not. */
		for (size_t pos = 0; pos < 64; pos++) {
			for (int bit = 0; bit < 8; bit += 7) {
				b[pos] ^= (unsigned char)(1u << bit);
				if (pos < len)
					assert_false(otp_ct_equal(a, b, len));
				else
					assert_true(otp_ct_equal(a, b, len));
				b[pos] ^= (unsigned char)(1u << bit);
			}
		}
	}
	/* Every byte value against every other at one position (no sign or byte-sum slip). */
	for (unsigned x = 0; x < 256; x++) {
		for (unsigned y = 0; y < 256; y++) {
			unsigned char p[3] = { 1, (unsigned char)x, 2 }, q[3] = { 1, (unsigned char)y, 2 };

			assert_int_equal(otp_ct_equal(p, q, 3), x == y);
		}
	}
	/* Differences that cancel in a sum are still differences. */
	assert_false(otp_ct_equal("\x01\x02", "\x02\x01", 2));
}

static void test_ct_streq(void **state)
{
	char a[40], b[40];

	(void)state;
	assert_true(otp_ct_streq("", ""));
	assert_true(otp_ct_streq("123456", "123456"));
	assert_false(otp_ct_streq("123456", "123457"));
	assert_false(otp_ct_streq("123456", "023456"));
	assert_false(otp_ct_streq("123456", "12345"));
	assert_false(otp_ct_streq("12345", "123456"));
	assert_false(otp_ct_streq("", "1"));
	assert_false(otp_ct_streq("1", ""));
	/* Every pair of lengths up to 32, and one changed character at every position. */
	for (size_t la = 0; la <= 32; la++) {
		for (size_t lb = 0; lb <= 32; lb++) {
			for (size_t i = 0; i < la; i++)
				a[i] = (char)('0' + i % 10);
			for (size_t i = 0; i < lb; i++)
				b[i] = (char)('0' + i % 10);
			a[la] = b[lb] = '\0';
			/* b is a prefix of a or the other way round: equal only when as long. */
			assert_int_equal(otp_ct_streq(a, b), la == lb);
			if (la != lb)
				continue;
			for (size_t pos = 0; pos < la; pos++) {
				b[pos] = 'x';
				assert_false(otp_ct_streq(a, b));
				assert_false(otp_ct_streq(b, a));
				b[pos] = a[pos];
			}
			assert_true(otp_ct_streq(a, b));
		}
	}
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
		cmocka_unit_test(test_secret_free_wipes),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_ct_streq),
		cmocka_unit_test(test_secure_alloc_not_dumped),
		cmocka_unit_test(test_secret_alloc_follows_dumpable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
