/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Cross-check otp_hotp against oathtool (OATH Toolkit), an independent implementation:
 * random keys of 10..64 bytes (and some longer than a hash block), SHA1/256/512, 6..8
 * digits, TOTP with random periods and times, HOTP with random counters. Each oathtool run
 * prints a window of consecutive codes, all of which are compared.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/rand.h>

#include "err.h"
#include "hotp.h"
#include "numparse.h"

extern char **environ;

#define CASES 1200        /* random cases with 10..64-byte keys */
#define LONG_KEY_CASES 100 /* extra cases with 65..128-byte keys */
#define WINDOW 15          /* oathtool -w: WINDOW + 1 codes per run */

static char oathtool_path[4096];

static bool find_oathtool(void)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL;
	bool found = false;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	copy = strdup(path);
	assert_non_null(copy);
	for (char *dir = strtok_r(copy, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(oathtool_path, sizeof(oathtool_path), "%s/oathtool", dir);
		found = access(oathtool_path, X_OK) == 0;
	}
	free(copy);
	return found;
}

static uint64_t rand_u64(void)
{
	uint64_t v;

	assert_int_equal(RAND_bytes((unsigned char *)&v, sizeof(v)), 1);
	return v;
}

/* Uniform in [lo, hi] (the modulo bias is irrelevant here). */
static uint64_t rand_range(uint64_t lo, uint64_t hi)
{
	return lo + rand_u64() % (hi - lo + 1);
}

/* Run oathtool with argv, return its stdout (NUL-terminated) in out. */
static void run_oathtool(char *const argv[], char *out, size_t outsz)
{
	int pipefd[2], status;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	size_t len = 0;
	int rc;

	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO), 0);
	rc = posix_spawn(&pid, oathtool_path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc != 0) {
		print_error("posix_spawn %s: %s\n", oathtool_path, strerror(rc));
		close(pipefd[0]);
		fail();
	}
	for (;;) {
		ssize_t n = read(pipefd[0], out + len, outsz - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n >= 0);
		if (n == 0)
			break;
		len += (size_t)n;
		assert_true(len < outsz - 1);
	}
	out[len] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		print_error("oathtool failed (status %d):", status);
		for (size_t i = 0; argv[i]; i++)
			print_error(" %s", argv[i]);
		print_error("\n");
		fail();
	}
}

struct stats {
	unsigned runs, codes, totp_runs, hotp_runs;
	unsigned per_alg[3], per_digits[9];
};

/* One random case; the codes compared are added to st. */
static void one_case(size_t keylen, struct stats *st)
{
	static const char *const totp_mode[] = { "--totp=SHA1", "--totp=SHA256", "--totp=SHA512" };
	uint8_t key[128];
	char hexkey[2 * sizeof(key) + 1];
	char digits_arg[16], counter_arg[64], period_arg[32], window_arg[16];
	char out[4096];
	char *argv[16];
	int argc = 0;
	enum otp_alg alg = (enum otp_alg)rand_range(0, 2);
	unsigned digits = (unsigned)rand_range(6, 8);
	bool totp = rand_range(0, 1) == 1;
	uint64_t first; /* counter of the first code printed */
	unsigned period = 0;
	int64_t now = 0;
	char *line, *save = NULL;
	unsigned i = 0;

	assert_true(keylen <= sizeof(key));
	assert_int_equal(RAND_bytes(key, (int)keylen), 1);
	otp_format_hex(key, keylen, hexkey);
	snprintf(digits_arg, sizeof(digits_arg), "%u", digits);
	snprintf(window_arg, sizeof(window_arg), "%u", WINDOW);

	argv[argc++] = (char *)"oathtool";
	if (totp) {
		period = (unsigned)rand_range(15, 120);
		now = (int64_t)rand_range(0, 4000000000u);
		first = (uint64_t)now / period; /* RFC 6238: T = floor((now - T0) / X), T0 = 0 */
		argv[argc++] = (char *)totp_mode[alg];
		snprintf(period_arg, sizeof(period_arg), "%us", period);
		argv[argc++] = (char *)"-s";
		argv[argc++] = period_arg;
		snprintf(counter_arg, sizeof(counter_arg), "@%" PRId64, now);
		argv[argc++] = (char *)"-N";
		argv[argc++] = counter_arg;
		st->totp_runs++;
		assert_int_equal(otp_totp_step((time_t)now, period), (int64_t)first);
	} else if (alg == OTP_SHA1) {
		/* Mostly small counters, sometimes anywhere in 64 bits. */
		first = rand_range(0, 3) == 0 ? rand_u64() % (UINT64_MAX - WINDOW)
					      : rand_range(0, 1000000);
		argv[argc++] = (char *)"--hotp";
		snprintf(counter_arg, sizeof(counter_arg), "%" PRIu64, first);
		argv[argc++] = (char *)"-c";
		argv[argc++] = counter_arg;
		st->hotp_runs++;
	} else {
		/* oathtool's --hotp is SHA1 only; a 1 s TOTP step at time C is HOTP counter C. */
		first = rand_range(0, 10000000000u);
		argv[argc++] = (char *)totp_mode[alg];
		argv[argc++] = (char *)"-s";
		argv[argc++] = (char *)"1s";
		snprintf(counter_arg, sizeof(counter_arg), "@%" PRIu64, first);
		argv[argc++] = (char *)"-N";
		argv[argc++] = counter_arg;
		st->hotp_runs++;
	}
	argv[argc++] = (char *)"-d";
	argv[argc++] = digits_arg;
	argv[argc++] = (char *)"-w";
	argv[argc++] = window_arg;
	argv[argc++] = hexkey;
	argv[argc] = NULL;

	run_oathtool(argv, out, sizeof(out));
	st->runs++;

	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		char mine[OTP_CODE_BUFSZ];

		assert_true(i <= WINDOW);
		assert_int_equal(strlen(line), digits);
		assert_int_equal(otp_hotp(alg, key, keylen, first + i, digits, mine), OTP_OK);
		if (strcmp(mine, line) != 0) {
			print_error("MISMATCH: %s alg %s digits %u key %s counter %" PRIu64
				    " (period %u, time %" PRId64 "): oathtool %s, otp_hotp %s\n",
				    totp ? "TOTP" : "HOTP", otp_alg_name(alg), digits, hexkey,
				    first + i, period, now, line, mine);
			fail();
		}
		st->codes++;
		st->per_alg[alg]++;
		st->per_digits[digits]++;
	}
	assert_int_equal(i, WINDOW + 1);
}

static void test_cross_check_oathtool(void **state)
{
	struct stats st = { 0 };

	(void)state;
	if (!find_oathtool()) {
		print_message("oathtool is not installed: skipping the cross-check\n");
		skip();
	}
	for (unsigned n = 0; n < CASES; n++)
		one_case((size_t)rand_range(10, 64), &st);
	for (unsigned n = 0; n < LONG_KEY_CASES; n++)
		one_case((size_t)rand_range(65, 128), &st);

	print_message("oathtool cross-check: %u codes from %u oathtool runs (%u TOTP, %u HOTP); "
		      "SHA1 %u, SHA256 %u, SHA512 %u; 6 digits %u, 7 digits %u, 8 digits %u\n",
		      st.codes, st.runs, st.totp_runs, st.hotp_runs, st.per_alg[0],
		      st.per_alg[1], st.per_alg[2], st.per_digits[6], st.per_digits[7],
		      st.per_digits[8]);
	assert_int_equal(st.runs, CASES + LONG_KEY_CASES);
	assert_int_equal(st.codes, (CASES + LONG_KEY_CASES) * (WINDOW + 1));
	/* Every algorithm and digit count was exercised. */
	for (int a = 0; a < 3; a++)
		assert_true(st.per_alg[a] > 0);
	for (int d = 6; d <= 8; d++)
		assert_true(st.per_digits[d] > 0);
}

/* The harness itself must be able to see a difference: a wrong key gives other codes. */
static void test_harness_detects_mismatch(void **state)
{
	char out[256];
	char mine[OTP_CODE_BUFSZ];
	char *argv[] = { (char *)"oathtool", (char *)"--hotp", (char *)"-c", (char *)"0",
			 (char *)"-d", (char *)"6",
			 (char *)"3132333435363738393031323334353637383930", NULL };

	(void)state;
	if (!find_oathtool())
		skip();
	run_oathtool(argv, out, sizeof(out));
	assert_string_equal(out, "755224\n"); /* RFC 4226 appendix D, counter 0 */
	assert_int_equal(otp_hotp(OTP_SHA1, (const uint8_t *)"12345678901234567891", 20, 0, 6,
				  mine), OTP_OK);
	assert_string_not_equal(mine, "755224");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_harness_detects_mismatch),
		cmocka_unit_test(test_cross_check_oathtool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
