/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/log.c: the callback logger and log-line sanitising. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "log.h"

struct capture {
	int prio;
	unsigned calls;
	char msg[1024];
};

static void capture_fn(void *ctx, int prio, const char *msg)
{
	struct capture *c = ctx;

	c->prio = prio;
	c->calls++;
	strncpy(c->msg, msg, sizeof(c->msg) - 1);
	c->msg[sizeof(c->msg) - 1] = '\0';
}

static void test_log_formats(void **state)
{
	struct capture cap = { 0 };
	struct otp_log log = { capture_fn, &cap };

	(void)state;
	otp_log(&log, LOG_WARNING, "user %s: %d tries", "alice", 3);
	assert_int_equal(cap.calls, 1);
	assert_int_equal(cap.prio, LOG_WARNING);
	assert_string_equal(cap.msg, "user alice: 3 tries");
	/* A NULL logger or callback is a no-op. */
	otp_log(NULL, LOG_ERR, "x");
	otp_log(&(struct otp_log){ NULL, NULL }, LOG_ERR, "x");
	assert_int_equal(cap.calls, 1);
}

/*
 * common/log.c formats into a 512-byte buffer with vsnprintf: a longer message is cut to its
 * first 511 bytes (and the callback still gets a terminated string); 511 bytes pass whole.
 */
#define LOG_KEEP 511

static void test_log_truncates(void **state)
{
	struct capture cap = { 0 };
	struct otp_log log = { capture_fn, &cap };
	char big[2000];

	(void)state;
	/* A pattern, so that the kept part must be the start of the message, in order. */
	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('a' + i % 26);
	big[sizeof(big) - 1] = '\0';
	otp_log(&log, LOG_ERR, "%s", big);
	assert_int_equal(cap.calls, 1);
	assert_int_equal(cap.prio, LOG_ERR);
	assert_int_equal(strlen(cap.msg), LOG_KEEP);
	assert_memory_equal(cap.msg, big, LOG_KEEP);

	/* Exactly at the limit: whole. One more: the last byte goes. */
	for (size_t len = LOG_KEEP - 1; len <= LOG_KEEP + 2; len++) {
		size_t want = len < LOG_KEEP ? len : LOG_KEEP;

		big[len] = '\0';
		otp_log(&log, LOG_INFO, "%s", big);
		assert_int_equal(strlen(cap.msg), want);
		assert_memory_equal(cap.msg, big, want);
		big[len] = (char)('a' + len % 26);
	}
	/* The cut falls inside what the format expands to, not only in the format string. */
	otp_log(&log, LOG_ERR, "user %s tries %d", big + 1000, 7);
	assert_int_equal(strlen(cap.msg), LOG_KEEP);
	assert_memory_equal(cap.msg, "user ", 5);
	assert_memory_equal(cap.msg + 5, big + 1000, LOG_KEEP - 5);
	assert_int_equal(cap.calls, 6);
}

static void test_sanitize(void **state)
{
	char out[16];

	(void)state;
	otp_log_sanitize("alice", out, sizeof(out));
	assert_string_equal(out, "alice");
	otp_log_sanitize("a\nb\tc\x1b[0m", out, sizeof(out));
	assert_string_equal(out, "a?b?c?[0m");
	otp_log_sanitize("caf\xc3\xa9\x7f", out, sizeof(out));
	assert_string_equal(out, "caf???");
	/* Truncated to cap - 1 bytes. */
	otp_log_sanitize("0123456789abcdefghij", out, 8);
	assert_string_equal(out, "0123456");
	otp_log_sanitize(NULL, out, sizeof(out));
	assert_string_equal(out, "");
	out[0] = 'x';
	otp_log_sanitize("abc", out, 0); /* nothing written */
	assert_int_equal(out[0], 'x');
	otp_log_sanitize("abc", out, 1);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_formats),
		cmocka_unit_test(test_log_truncates),
		cmocka_unit_test(test_sanitize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
