/*
 * Concurrency through the real module: 32 processes answer with the same valid code at once;
 * exactly one may succeed, and the file must stay valid with the step recorded. Then 32
 * processes with distinct HOTP codes: the counter ends one past the highest accepted code;
 * and 32 wrong answers at once: all 32 failures are recorded.
 */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <security/pam_appl.h>

#define WORKERS 32

/* Fork n workers that wait on a pipe, then all authenticate with answers[i]. */
static void run_workers(char answers[][9], int n, int *results)
{
	int go[2];
	pid_t pids[WORKERS];

	assert_int_equal(pipe(go), 0);
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char b;
			close(go[1]);
			if (read(go[0], &b, 1) < 0)
				_exit(100);
			struct h_conv c = { .answers = { answers[i] } };
			_exit(h_auth(H_USER, &c, 0));
		}
	}
	close(go[0]);
	close(go[1]); /* EOF releases every worker at once */
	for (int i = 0; i < n; i++) {
		int status;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		results[i] = WEXITSTATUS(status);
	}
}

static void same_totp_code(void **state)
{
	char answers[WORKERS][9];
	int results[WORKERS], ok = 0, replay = 0;
	time_t now = time(NULL);
	struct otp_record rec;

	h_service("auth required %s", h.module);
	h_write_totp(NULL);
	h_totp(now, answers[0]);
	for (int i = 1; i < WORKERS; i++)
		memcpy(answers[i], answers[0], 9);
	run_workers(answers, WORKERS, results);
	for (int i = 0; i < WORKERS; i++) {
		if (results[i] == PAM_SUCCESS)
			ok++;
		else if (results[i] == PAM_AUTH_ERR)
			replay++;
	}
	print_message("same code x%d: %d accepted, %d refused\n", WORKERS, ok, replay);
	assert_int_equal(ok, 1);
	assert_int_equal(replay, WORKERS - 1);
	h_read_record(&rec);
	assert_true(rec.last_step >= now / 30 - 1 && rec.last_step <= now / 30 + 1);
	assert_int_equal(rec.failures, 0); /* replays are not failures: no lockout */
	otp_record_clear(&rec);
}

static void distinct_hotp_codes(void **state)
{
	char answers[WORKERS][9], content[256];
	int results[WORKERS], ok = 0;
	struct otp_record rec;

	/* Look-ahead wide enough that every code is valid whatever the order of arrival. */
	h_service("auth required %s hotp_window=%d", h.module, WORKERS);
	snprintf(content, sizeof(content), "version 1\ntype hotp\nsecret %s\ncounter 0\n", H_SECRET);
	h_write_otp(content, 0600);
	for (int i = 0; i < WORKERS; i++)
		h_code((uint64_t)i, 6, answers[i]);
	run_workers(answers, WORKERS, results);
	for (int i = 0; i < WORKERS; i++)
		ok += results[i] == PAM_SUCCESS;
	h_read_record(&rec);
	print_message("distinct HOTP codes x%d: %d accepted, counter now %llu\n", WORKERS, ok,
		      (unsigned long long)rec.counter);
	/* A code below the counter is refused once a later one landed, so not all may pass;
	 * but the counter must equal one past the highest accepted code, never lower. */
	assert_true(ok >= 1);
	int highest = -1;
	for (int i = 0; i < WORKERS; i++)
		if (results[i] == PAM_SUCCESS && i > highest)
			highest = i;
	assert_int_equal(rec.counter, (uint64_t)highest + 1);
	otp_record_clear(&rec);
}

/* Every failure is a read-modify-write: a lost update would show as a count below WORKERS. */
static void concurrent_failures_all_counted(void **state)
{
	char answers[WORKERS][9];
	int results[WORKERS];
	struct otp_record rec;

	h_service("auth required %s max_failures=0", h.module);
	h_write_totp(NULL);
	for (int i = 0; i < WORKERS; i++)
		snprintf(answers[i], sizeof(answers[i]), "%06d", 100000 + i * 7919);
	run_workers(answers, WORKERS, results);
	for (int i = 0; i < WORKERS; i++)
		assert_int_equal(results[i], PAM_AUTH_ERR);
	h_read_record(&rec);
	print_message("wrong codes x%d: failures recorded %u\n", WORKERS, rec.failures);
	assert_int_equal(rec.failures, WORKERS);
	otp_record_clear(&rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(same_totp_code, h_reset),
		cmocka_unit_test_setup(distinct_hotp_codes, h_reset),
		cmocka_unit_test_setup(concurrent_failures_all_counted, h_reset),
	};
	int rc;

	h_global_setup();
	rc = cmocka_run_group_tests_name("pam_parallel", tests, NULL, NULL);
	h_global_teardown();
	return rc;
}
