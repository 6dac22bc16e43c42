/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Concurrency through the real module, 64 processes released at once against one user:
 * - the same valid TOTP code: exactly one succeeds, the step is recorded;
 * - distinct HOTP codes: the counter ends one past the highest accepted code (an accepted
 *   advance is never lost);
 * - 32 backup codes, each given to two processes: each is accepted exactly once and all
 *   32 end up used;
 * - wrong codes: all 64 failures are recorded.
 * Every service line sets lock_timeout=60000: under valgrind on two cores 64 processes
 * queue for the lock for longer than the 10 s default, and the test is about lost updates.
 */
#include "harness.h"
#include "backup.h"
#include "secmem.h"

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

#define WORKERS 64
#define LOCK "lock_timeout=60000"

typedef char answer_t[OTP_BACKUP_TEXT];

/* Fork n workers that wait on a pipe, then all authenticate with answers[i]. */
static void run_workers(answer_t *answers, int n, int *results)
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
	/* Reap them all before any check fails, so none outlives the test. */
	for (int i = 0; i < n; i++) {
		int status;

		results[i] = waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) ?
				     WEXITSTATUS(status) : -1;
	}
	for (int i = 0; i < n; i++)
		/* Anything else (a lock timeout, an I/O error) is not an answer to the code. */
		if (results[i] != PAM_SUCCESS && results[i] != PAM_AUTH_ERR)
			fail_msg("worker %d: PAM result %d", i, results[i]);
}

static int count(const int *results, int n, int rc)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += results[i] == rc;
	return k;
}

static void same_totp_code(void **state)
{
	answer_t answers[WORKERS];
	int results[WORKERS], ok;
	time_t now = time(NULL);
	struct otp_record rec;

	h_service("auth required %s " LOCK, h.module);
	h_write_totp(NULL);
	h_totp(now, answers[0]);
	for (int i = 1; i < WORKERS; i++)
		memcpy(answers[i], answers[0], sizeof(answers[0]));
	run_workers(answers, WORKERS, results);
	ok = count(results, WORKERS, PAM_SUCCESS);
	print_message("same code x%d: %d accepted, %d refused\n", WORKERS, ok, WORKERS - ok);
	assert_int_equal(ok, 1);
	h_read_record(&rec);
	assert_true(rec.last_step >= now / 30 - 1 && rec.last_step <= now / 30 + 1);
	assert_int_equal(rec.failures, 0); /* replays are not failures: no lockout */
	otp_record_clear(&rec);
}

static void distinct_hotp_codes(void **state)
{
	answer_t answers[WORKERS];
	char content[256];
	int results[WORKERS], ok, highest = -1;
	struct otp_record rec;

	/* Look-ahead wide enough that every code is valid whatever the order of arrival. */
	h_service("auth required %s hotp_window=%d max_failures=0 " LOCK, h.module, WORKERS);
	snprintf(content, sizeof(content), "version 1\ntype hotp\nsecret %s\ncounter 0\n", H_SECRET);
	h_write_otp(content, 0600);
	for (int i = 0; i < WORKERS; i++)
		h_code((uint64_t)i, 6, answers[i]);
	run_workers(answers, WORKERS, results);
	ok = count(results, WORKERS, PAM_SUCCESS);
	for (int i = 0; i < WORKERS; i++)
		if (results[i] == PAM_SUCCESS)
			highest = i;
	h_read_record(&rec);
	print_message("distinct HOTP codes x%d: %d accepted, highest %d, counter now %llu\n",
		      WORKERS, ok, highest, (unsigned long long)rec.counter);
	/* A code below the counter is refused once a later one landed, so not all may pass;
	 * but the counter must equal one past the highest accepted code, never lower. */
	assert_true(ok >= 1);
	assert_int_equal(rec.counter, (uint64_t)highest + 1);
	otp_record_clear(&rec);
	/* And every accepted code is spent. */
	for (int i = 0; i <= highest; i++) {
		struct h_conv c = { .answers = { answers[i] } };
		assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTH_ERR);
	}
}

/* Backup codes are independent updates of one file: a lost one would leave a code usable. */
static void backup_codes_each_once(void **state)
{
	enum { CODES = WORKERS / 2 };
	answer_t answers[WORKERS], codes[CODES];
	int results[WORKERS];
	struct otp_record rec;

	assert_true(CODES <= OTP_BACKUP_MAX);
	h_service("auth required %s max_failures=0 " LOCK, h.module);
	h_write_totp_backup(CODES, codes);
	for (int i = 0; i < WORKERS; i++)
		memcpy(answers[i], codes[i % CODES], sizeof(answers[i]));
	run_workers(answers, WORKERS, results);
	print_message("backup codes x%d (each twice): %d accepted\n", CODES,
		      count(results, WORKERS, PAM_SUCCESS));
	for (int k = 0; k < CODES; k++)
		assert_int_equal((results[k] == PAM_SUCCESS) + (results[k + CODES] == PAM_SUCCESS),
				 1);
	h_read_record(&rec);
	assert_int_equal(rec.backup_count, 0);
	otp_record_clear(&rec);
	otp_wipe(codes, sizeof(codes));
	otp_wipe(answers, sizeof(answers));
}

/* Every failure is a read-modify-write: a lost update would show as a count below WORKERS. */
static void concurrent_failures_all_counted(void **state)
{
	answer_t answers[WORKERS];
	char valid[3][9];
	int results[WORKERS];
	time_t now = time(NULL);
	struct otp_record rec;

	h_service("auth required %s max_failures=0 " LOCK, h.module);
	h_write_totp(NULL);
	for (int d = 0; d < 3; d++)
		h_totp(now + (d - 1) * 30, valid[d]);
	for (int i = 0, n = 0; i < WORKERS; n++) {
		snprintf(answers[i], sizeof(answers[i]), "%06d", 100000 + n * 7919);
		if (strcmp(answers[i], valid[0]) && strcmp(answers[i], valid[1]) &&
		    strcmp(answers[i], valid[2]))
			i++; /* not one of the codes the window accepts now */
	}
	run_workers(answers, WORKERS, results);
	assert_int_equal(count(results, WORKERS, PAM_AUTH_ERR), WORKERS);
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
		cmocka_unit_test_setup(backup_codes_each_once, h_reset),
		cmocka_unit_test_setup(concurrent_failures_all_counted, h_reset),
	};
	int rc;

	h_global_setup();
	rc = cmocka_run_group_tests_name("pam_parallel", tests, NULL, NULL);
	h_global_teardown();
	return rc;
}
