/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Preloaded into the pam test programs: CMOCKA_TEST_FILTER / CMOCKA_SKIP_FILTER (cmocka
 * patterns, '*' and '?') choose the cases to run, which cmocka 1.1 only offers as calls.
 * tests/sanitize.sh uses it to leave cases that only repeat a path thousands of times out
 * of the valgrind run.
 */
#include <stdlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

__attribute__((constructor)) static void set_filters(void)
{
	const char *only = getenv("CMOCKA_TEST_FILTER");
	const char *skip = getenv("CMOCKA_SKIP_FILTER");

	if (only && *only)
		cmocka_set_test_filter(only);
	if (skip && *skip)
		cmocka_set_skip_filter(skip);
}
