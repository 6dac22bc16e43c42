/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A code that the SMS provider keeps (twilio-verify) is checked by a network call: counted
 * first, asked without holding the user's lock, the answer recorded under the lock. A stand-in
 * sender plays the provider: verify-check approves 424242 after DELAY seconds.
 */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <security/pam_appl.h>

#define T0 ((time_t)1800000000)
#define APPROVED "424242"

static char checking[256]; /* the stand-in creates it when a check starts */

static void setup_provider(double delay)
{
	char sender[256], conf[256];
	FILE *f;

	snprintf(sender, sizeof(sender), "%s/verify.sh", h.root);
	snprintf(conf, sizeof(conf), "%s/verify.conf", h.root);
	snprintf(checking, sizeof(checking), "%s/checking", h.root);
	unlink(checking);
	f = fopen(sender, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n"
		   "input=$(cat)\n"
		   "case \"$*\" in\n"
		   "*verify-check*) touch %s; sleep %.1f\n"
		   "  case \"$input\" in *code=" APPROVED "*) echo approved; exit 0;; esac\n"
		   "  echo denied; exit 1;;\n"
		   "esac\n"
		   "echo ok; exit 0\n", checking, delay);
	fclose(f);
	assert_int_equal(chmod(sender, 0755), 0);
	f = fopen(conf, "w");
	assert_non_null(f);
	fputs("provider = twilio-verify\nsms_countries = 1\ntimeout = 2\nsms_max_per_day_host = 0\n", f);
	fclose(f);
	assert_int_equal(chmod(conf, 0600), 0);
	h_service("auth required %s conf=%s sms_helper=%s", h.test_module, conf, sender);
	h_write_totp("phone +15551234567\n");
	h_set_now(T0);
}

/* Ask for a code (verify-start), answer nothing useful: a provider code is now pending. */
static void request_code(void)
{
	struct h_conv c = { .answers = { "sms", "" } };

	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTH_ERR);
}

static double since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

/*
 * While one login waits on the provider, another login of the same user is not blocked by
 * it (before: the check ran under the user's lock, so the second waited for it).
 */
static void check_runs_unlocked(void **state)
{
	struct timespec t;
	struct otp_record rec;
	int status;
	pid_t pid;

	setup_provider(1.5);
	request_code();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct h_conv c = { .answers = { APPROVED } };
		_exit(h_auth(H_USER, &c, 0));
	}
	for (int i = 0; i < 200 && access(checking, F_OK) != 0; i++)
		usleep(10000);
	assert_int_equal(access(checking, F_OK), 0);
	clock_gettime(CLOCK_MONOTONIC, &t);
	/* Not shaped like an SMS code, so it is not sent to the provider itself. */
	struct h_conv wrong = { .answers = { "not-a-code" } };
	assert_int_equal(h_auth(H_USER, &wrong, 0), PAM_AUTH_ERR);
	print_message("a second login during the provider check took %.2f s\n", since(&t));
	assert_true(since(&t) < 1.0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), PAM_SUCCESS);
	h_read_record(&rec);
	assert_false(rec.has_sms_code); /* used up */
	assert_int_equal(rec.failures, 0); /* the success reset them */
	otp_record_clear(&rec);
}

/* A provider that never answers: the attempt stays counted, the pending code is kept. */
static void unanswered_check_is_counted(void **state)
{
	struct otp_record rec;

	setup_provider(30);
	request_code();
	h_read_record(&rec);
	unsigned before = rec.failures;
	otp_record_clear(&rec);
	struct h_conv c = { .answers = { APPROVED } };
	assert_int_not_equal(h_auth(H_USER, &c, 0), PAM_SUCCESS);
	h_read_record(&rec);
	assert_int_equal(rec.failures, before + 1);
	assert_true(rec.has_sms_code && rec.sms_by_provider);
	otp_record_clear(&rec);
}

/* A denied code is one counted failure, like any wrong code. */
static void denied_code_is_counted(void **state)
{
	struct otp_record rec;

	setup_provider(0);
	request_code();
	h_read_record(&rec);
	unsigned before = rec.failures;
	otp_record_clear(&rec);
	struct h_conv c = { .answers = { "135790" } };
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTH_ERR);
	h_read_record(&rec);
	assert_int_equal(rec.failures, before + 1);
	otp_record_clear(&rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(check_runs_unlocked, h_reset),
		cmocka_unit_test_setup(unanswered_check_is_counted, h_reset),
		cmocka_unit_test_setup(denied_code_is_counted, h_reset),
	};
	int rc;

	h_global_setup();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	h_global_teardown();
	return rc;
}
