/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Resource limits set by the caller (prlimit su, any setuid PAM program inherits them) must
 * not decide which attempts count. Each attempt runs in its own process, as `su` would, with
 * the limit set before pam_start; the right code is always the last one tried.
 */
#include "harness.h"
#include "backup.h"
#include "secmem.h"

#include <errno.h>
#include <stdbool.h>
#include <linux/capability.h>
#include <malloc.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <security/pam_appl.h>

#define T0 ((time_t)1800000000)
#define WRONG "000000"
#define TRIES 10

enum limit { LIMIT_FSIZE, LIMIT_FSIZE_UNPRIVILEGED, LIMIT_AS };

struct attempt {
	int result;      /* PAM code, or -signal when the process was killed */
	double seconds;
};

/* Drop CAP_SYS_RESOURCE, as in a caller that cannot raise its hard limits. */
static void drop_sys_resource(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) != 0)
		_exit(101);
	data[CAP_TO_INDEX(CAP_SYS_RESOURCE)].effective &= ~CAP_TO_MASK(CAP_SYS_RESOURCE);
	data[CAP_TO_INDEX(CAP_SYS_RESOURCE)].permitted &= ~CAP_TO_MASK(CAP_SYS_RESOURCE);
	if (syscall(SYS_capset, &hdr, data) != 0)
		_exit(102);
}

/* Address space now plus room for the module's own allocations, not for 16 MiB of scrypt. */
static rlim_t address_space_now(void)
{
	char line[256];
	unsigned long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %lu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return (rlim_t)kb * 1024;
}

static struct attempt attempt(const char *answer, enum limit limit, rlim_t fsize)
{
	struct timespec t0, t1;
	struct attempt a = { 0, 0 };
	int status;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct h_conv c = { .answers = { answer } };
		struct rlimit rl = { fsize, fsize };

		if (limit == LIMIT_FSIZE_UNPRIVILEGED)
			drop_sys_resource();
		if (limit == LIMIT_AS) {
			/* Heap this process freed (the record's own scrypt) would be reused
			 * without asking for address space: give it back first. */
			malloc_trim(0);
			rl.rlim_cur = rl.rlim_max = address_space_now() + 8 * 1024 * 1024;
			if (setrlimit(RLIMIT_AS, &rl) != 0)
				_exit(103);
		} else if (setrlimit(RLIMIT_FSIZE, &rl) != 0) {
			_exit(103);
		}
		_exit(h_auth(H_USER, &c, 0));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	a.result = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
	assert_true(a.result < 100); /* the child set up its limit */
	a.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return a;
}

static off_t otp_size(void)
{
	struct stat st;

	assert_int_equal(stat(h.otp, &st), 0);
	return st.st_size;
}

static void setup_totp(char *right)
{
	h_service("auth required %s", h.test_module);
	h_write_totp(NULL);
	h_set_now(T0);
	h_totp(T0, right);
}

/* Can this process raise a hard limit (CAP_SYS_RESOURCE; some containers do not grant it)? */
static bool can_lift_limits(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit rl = { 4096, 4096 }, up = { RLIM_INFINITY, RLIM_INFINITY };

		_exit(setrlimit(RLIMIT_FSIZE, &rl) == 0 && setrlimit(RLIMIT_FSIZE, &up) == 0 ? 0 : 1);
	}
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * The limit set to the file's size: before, the longer failure record did not fit, so each
 * wrong guess went uncounted (and the process died of SIGXFSZ) while the right code got in.
 * Now, where the module may lift the limit (root with CAP_SYS_RESOURCE) every guess is
 * counted and the lockout holds; where it may not, nothing can be recorded, so nothing is
 * checked and the right code is refused like the others.
 */
static void fsize_limit_never_lets_the_right_code_in(void **state)
{
	bool lift = can_lift_limits();
	char right[16];
	struct otp_record rec;
	rlim_t size;

	setup_totp(right);
	size = (rlim_t)otp_size();
	for (int i = 0; i < TRIES; i++) {
		struct attempt a = attempt(WRONG, LIMIT_FSIZE, size);

		assert_int_not_equal(a.result, -SIGXFSZ);
		if (lift)
			assert_true(a.result == PAM_AUTH_ERR || a.result == PAM_MAXTRIES);
		else
			assert_int_equal(a.result, PAM_AUTHINFO_UNAVAIL);
	}
	assert_int_equal(attempt(right, LIMIT_FSIZE, size).result,
			 lift ? PAM_MAXTRIES : PAM_AUTHINFO_UNAVAIL);
	h_read_record(&rec);
	if (lift) {
		assert_true(rec.failures >= 3);
		assert_true(rec.locked_until > T0);
	} else {
		assert_int_equal((rlim_t)otp_size(), size);
	}
	assert_int_equal(rec.last_step, -1);
	otp_record_clear(&rec);
	print_message("RLIMIT_FSIZE=%llu: %s\n", (unsigned long long)size,
		      lift ? "lifted for the write, every guess counted"
			   : "cannot be lifted here, every attempt refused unchecked");
}

/*
 * A caller that cannot lift the limit: the attempt cannot be recorded, so no code is checked:
 * the same refusal, in about the same time, for a wrong code and the right one. Once the
 * limit is gone the right code works (it was never seen as used).
 */
static void fsize_limit_unprivileged_same_refusal(void **state)
{
	char right[16];
	struct attempt wrong[TRIES], good;
	double slowest = 0;
	rlim_t size;

	setup_totp(right);
	size = (rlim_t)otp_size();
	for (int i = 0; i < TRIES; i++) {
		wrong[i] = attempt(WRONG, LIMIT_FSIZE_UNPRIVILEGED, size);
		assert_int_equal(wrong[i].result, PAM_AUTHINFO_UNAVAIL);
		if (wrong[i].seconds > slowest)
			slowest = wrong[i].seconds;
	}
	good = attempt(right, LIMIT_FSIZE_UNPRIVILEGED, size);
	assert_int_equal(good.result, wrong[0].result);
	assert_true(good.seconds < slowest + 0.05);
	assert_int_equal((rlim_t)otp_size(), size); /* nothing was written */
	assert_int_equal(attempt(right, LIMIT_FSIZE_UNPRIVILEGED, RLIM_INFINITY).result,
			 PAM_SUCCESS);
}

/*
 * A backup code when scrypt cannot get its memory: an internal error while checking is a
 * counted failure, never a free guess. Before: refused but not counted.
 */
static void address_space_limit_counts_backup_guess(void **state)
{
	char codes[2][OTP_BACKUP_TEXT];
	struct otp_record rec;
	struct attempt a;

	char *text = NULL;
	size_t len;

	h_service("auth required %s", h.test_module);
	h_set_now(T0);
	/* The production cost (2^14: 16 MiB), which the limit below leaves no room for. */
	h_write_totp(NULL);
	h_read_record(&rec);
	assert_int_equal(otp_backup_generate(&rec, 2, 14, codes), 0);
	assert_int_equal(otp_record_format(&rec, &text, &len), 0);
	h_write_otp(text, 0600);
	otp_free_str(text);
	otp_record_clear(&rec);
	a = attempt(codes[0], LIMIT_AS, 0);
	assert_int_not_equal(a.result, PAM_SUCCESS);
	assert_true(a.result > 0); /* refused, not killed */
	h_read_record(&rec);
	assert_int_equal(rec.failures, 1);
	assert_int_equal(rec.backup_count, 2);
	otp_record_clear(&rec);
	/* Without the limit the same code works, and the success clears the failure. */
	assert_int_equal(attempt(codes[0], LIMIT_FSIZE, RLIM_INFINITY).result, PAM_SUCCESS);
	h_read_record(&rec);
	assert_int_equal(rec.failures, 0);
	assert_int_equal(rec.backup_count, 1);
	otp_record_clear(&rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(fsize_limit_never_lets_the_right_code_in, h_reset),
		cmocka_unit_test_setup(fsize_limit_unprivileged_same_refusal, h_reset),
		cmocka_unit_test_setup(address_space_limit_counts_backup_guess, h_reset),
	};
	int rc;

	if (geteuid() != 0) {
		fprintf(stderr, "needs root (a real uid switch and capabilities)\n");
		return 77;
	}
	h_global_setup();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	h_global_teardown();
	return rc;
}
