/* SPDX-License-Identifier: BSD-2-Clause */
/* pam_otp.so end to end through libpam: codes, replay, skew, HOTP, lockout, backup codes. */
#include "harness.h"
#include "backup.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <security/pam_appl.h>

#define T0 ((time_t)1800000000) /* a fixed test time, on a 30 s step boundary */

static void right_code(void **state)
{
	char code[9];
	struct h_conv c = { .answers = { code } };
	struct otp_record rec;

	h_service("auth required %s", h.module);
	h_write_totp(NULL);
	h_totp(time(NULL), code);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_SUCCESS);
	assert_int_equal(c.prompts, 1);
	assert_string_equal(c.prompt_text[0], "Verification code: ");
	assert_int_equal(c.prompt_styles[0], PAM_PROMPT_ECHO_OFF);
	h_read_record(&rec);
	assert_true(rec.last_step >= time(NULL) / 30 - 1);
	assert_int_equal(rec.failures, 0);
	otp_record_clear(&rec);
}

static void wrong_code(void **state)
{
	char code[9];
	struct h_conv c = { .answers = { code } };
	struct otp_record rec;

	h_service("auth required %s", h.module);
	h_write_totp(NULL);
	h_totp(time(NULL), code);
	code[0] = code[0] == '9' ? '0' : (char)(code[0] + 1);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTH_ERR);
	h_read_record(&rec);
	assert_int_equal(rec.failures, 1);
	assert_int_equal(rec.last_step, -1);
	otp_record_clear(&rec);
}

static void replay_refused(void **state)
{
	char code[9];
	struct h_conv c1 = { .answers = { code } }, c2 = { .answers = { code } };
	struct otp_record rec;

	h_service("auth required %s", h.test_module);
	h_write_totp(NULL);
	h_set_now(T0);
	h_totp(T0, code);
	assert_int_equal(h_auth(H_USER, &c1, 0), PAM_SUCCESS);
	assert_int_equal(h_auth(H_USER, &c2, 0), PAM_AUTH_ERR);
	/* Still refused 20 s later within the same step, and the replay is not a failure. */
	h_set_now(T0 + 20);
	struct h_conv c3 = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &c3, 0), PAM_AUTH_ERR);
	h_read_record(&rec);
	assert_int_equal(rec.failures, 0);
	assert_int_equal(rec.last_step, T0 / 30);
	otp_record_clear(&rec);
}

static void earlier_step_refused(void **state)
{
	char later[9], earlier[9];
	struct h_conv c1 = { .answers = { later } }, c2 = { .answers = { earlier } };

	h_service("auth required %s", h.test_module);
	h_write_totp(NULL);
	h_set_now(T0);
	h_totp(T0 + 30, later);   /* next step, inside window 1 */
	h_totp(T0, earlier);      /* current step: now older than the accepted one */
	assert_int_equal(h_auth(H_USER, &c1, 0), PAM_SUCCESS);
	assert_int_equal(h_auth(H_USER, &c2, 0), PAM_AUTH_ERR);
}

static int auth_at(const char *module_args, time_t now, time_t code_time)
{
	char code[9];
	struct h_conv c = { .answers = { code } };

	h_service("auth required %s %s", h.test_module, module_args);
	h_write_totp(NULL);
	h_set_now(now);
	h_totp(code_time, code);
	return h_auth(H_USER, &c, 0);
}

static void skew_window_edges(void **state)
{
	/* Default window 1: one step either side, not two. */
	assert_int_equal(auth_at("", T0, T0 - 30), PAM_SUCCESS);
	assert_int_equal(auth_at("", T0, T0 + 30), PAM_SUCCESS);
	assert_int_equal(auth_at("", T0, T0 - 60), PAM_AUTH_ERR);
	assert_int_equal(auth_at("", T0, T0 + 60), PAM_AUTH_ERR);
	/* The last second of the step still counts as that step. */
	assert_int_equal(auth_at("", T0 + 29, T0 - 30), PAM_SUCCESS);
	assert_int_equal(auth_at("", T0 + 30, T0 - 30), PAM_AUTH_ERR);
	/* window=2 and window=0. */
	assert_int_equal(auth_at("window=2", T0, T0 - 60), PAM_SUCCESS);
	assert_int_equal(auth_at("window=2", T0, T0 + 90), PAM_AUTH_ERR);
	assert_int_equal(auth_at("window=0", T0, T0 - 30), PAM_AUTH_ERR);
	assert_int_equal(auth_at("window=0", T0, T0), PAM_SUCCESS);
}

static void hotp_write(uint64_t counter)
{
	char content[512];

	snprintf(content, sizeof(content), "version 1\ntype hotp\nsecret %s\ncounter %llu\n",
		 H_SECRET, (unsigned long long)counter);
	h_write_otp(content, 0600);
}

static void hotp_counter_advance(void **state)
{
	char code[9];
	struct otp_record rec;

	h_service("auth required %s", h.module);
	hotp_write(10);
	h_code(12, 6, code); /* within the look-ahead window of 5 */
	struct h_conv c1 = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &c1, 0), PAM_SUCCESS);
	h_read_record(&rec);
	assert_int_equal(rec.counter, 13);
	otp_record_clear(&rec);
	/* The same code, and any code before the counter, no longer work. */
	struct h_conv c2 = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &c2, 0), PAM_AUTH_ERR);
	h_code(13, 6, code);
	struct h_conv c3 = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &c3, 0), PAM_SUCCESS);
	h_read_record(&rec);
	assert_int_equal(rec.counter, 14);
	otp_record_clear(&rec);
}

static void hotp_resync(void **state)
{
	char first[9], second[9], gap[9];
	struct otp_record rec;

	h_service("auth required %s", h.module);
	hotp_write(0);
	h_code(40, 6, first);  /* far beyond the window of 5 */
	h_code(41, 6, second);
	struct h_conv c1 = { .answers = { first, second } };
	assert_int_equal(h_auth(H_USER, &c1, 0), PAM_SUCCESS);
	assert_int_equal(c1.prompts, 2);
	h_read_record(&rec);
	assert_int_equal(rec.counter, 42);
	otp_record_clear(&rec);
	/* A far-ahead code followed by a non-consecutive one does not resync. */
	hotp_write(0);
	h_code(43, 6, gap);
	struct h_conv c2 = { .answers = { first, gap } };
	assert_int_equal(h_auth(H_USER, &c2, 0), PAM_AUTH_ERR);
	h_read_record(&rec);
	assert_int_equal(rec.counter, 0);
	otp_record_clear(&rec);
}

static void lockout_and_expiry(void **state)
{
	char right[9];
	struct otp_record rec;

	h_service("auth required %s", h.test_module);
	h_write_totp(NULL);
	h_set_now(T0);
	for (int i = 0; i < 3; i++) {
		struct h_conv c = { .answers = { "000000" } };
		assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTH_ERR);
	}
	h_read_record(&rec);
	assert_int_equal(rec.failures, 3);
	assert_int_equal(rec.locked_until, T0 + 30);
	otp_record_clear(&rec);
	/* Locked: no prompt at all, even for the right code, and the user is told why. */
	h_totp(T0 + 10, right);
	h_set_now(T0 + 10);
	struct h_conv locked = { .answers = { right } };
	assert_int_equal(h_auth(H_USER, &locked, 0), PAM_MAXTRIES);
	assert_int_equal(locked.prompts, 0);
	assert_int_equal(locked.messages, 1);
	assert_non_null(strstr(locked.message_text[0], "try again in 20 seconds"));
	/* After the lockout the right code works and the count is reset. */
	h_set_now(T0 + 31);
	h_totp(T0 + 31, right);
	struct h_conv after = { .answers = { right } };
	assert_int_equal(h_auth(H_USER, &after, 0), PAM_SUCCESS);
	h_read_record(&rec);
	assert_int_equal(rec.failures, 0);
	assert_int_equal(rec.locked_until, 0);
	otp_record_clear(&rec);
}

static void lockout_backoff_grows(void **state)
{
	struct otp_record rec;
	time_t now = T0;

	h_service("auth required %s max_failures=2 lockout=10 lockout_max=35", h.test_module);
	h_write_totp(NULL);
	/* Failures 2, 3, 4, 5 lock for 10, 20, 35 (capped), 35 seconds. */
	const int64_t expect[] = { 0, 10, 20, 35, 35 };
	for (int i = 0; i < 5; i++) {
		struct h_conv c = { .answers = { "123456" } };
		h_set_now(now);
		assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTH_ERR);
		h_read_record(&rec);
		assert_int_equal(rec.locked_until ? rec.locked_until - now : 0, expect[i]);
		now = rec.locked_until ? rec.locked_until : now + 1;
		otp_record_clear(&rec);
	}
}

static void backup_code_once(void **state)
{
	char codes[3][OTP_BACKUP_TEXT];
	struct otp_record rec;

	h_service("auth required %s", h.module);
	h_write_totp_backup(3, codes);

	struct h_conv c1 = { .answers = { codes[1] } };
	assert_int_equal(h_auth(H_USER, &c1, 0), PAM_SUCCESS);
	assert_int_equal(c1.messages, 1);
	assert_non_null(strstr(c1.message_text[0], "2 left"));
	struct h_conv c2 = { .answers = { codes[1] } };
	assert_int_equal(h_auth(H_USER, &c2, 0), PAM_AUTH_ERR);
	h_read_record(&rec);
	assert_int_equal(rec.backup_count, 2);
	otp_record_clear(&rec);
	/* Typed in upper case without dashes, another one still works. */
	char typed[16];
	size_t n = 0;
	for (const char *s = codes[2]; *s; s++)
		if (*s != '-')
			typed[n++] = (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
	typed[n] = '\0';
	struct h_conv c3 = { .answers = { typed } };
	assert_int_equal(h_auth(H_USER, &c3, 0), PAM_SUCCESS);
}

static void missing_file(void **state)
{
	struct h_conv c = { .answers = { "123456" } };

	/* libpam turns a lone PAM_IGNORE into a failure, so observe it with a jump: only an
	 * ignore skips pam_deny; success or failure of pam_otp.so ends in "die". */
	h_service("auth [ignore=1 default=die] %s nullok\nauth requisite pam_deny.so\n"
		  "auth required pam_permit.so", h.module);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_SUCCESS);
	assert_int_equal(c.prompts, 0);
	/* With the file present the same stack fails: it was the ignore that passed. */
	h_write_totp(NULL);
	struct h_conv present = { .answers = { "123456" } };
	assert_int_equal(h_auth(H_USER, &present, 0), PAM_AUTH_ERR);
	unlink(h.otp);
	/* Without nullok a user with no file fails, without being asked for a code. */
	h_service("auth required %s", h.module);
	struct h_conv strict = { .answers = { "123456" } };
	assert_int_equal(h_auth(H_USER, &strict, 0), PAM_AUTH_ERR);
	assert_int_equal(strict.prompts, 0);
}

static void unknown_user(void **state)
{
	struct h_conv c = { .answers = { "123456" } };

	h_service("auth required %s", h.module);
	assert_int_equal(h_auth("nosuchuser", &c, 0), PAM_USER_UNKNOWN);
	assert_int_equal(h_auth("../alice", &c, 0), PAM_USER_UNKNOWN);
	assert_int_equal(h_auth("al%ce", &c, 0), PAM_USER_UNKNOWN);
}

static void corrupt_file(void **state)
{
	static const char *const bad[] = {
		"",                                            /* empty */
		"version 1\ntype totp\nsecret !!!!\n",         /* bad base32 */
		("version 9\ntype totp\nsecret " H_SECRET "\n"), /* unknown version */
		("version 1\ntype totp\nsecret " H_SECRET),      /* truncated: no newline */
		"version 1\ntype totp\n",                      /* no secret */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct h_conv c = { .answers = { "123456" } };
		h_service("auth required %s nullok", h.module);
		h_write_otp(bad[i], 0600);
		assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTHINFO_UNAVAIL);
		assert_int_equal(c.prompts, 0);
	}
}

static void unsafe_files(void **state)
{
	struct h_conv c = { .answers = { "123456" } };
	char target[300];

	h_service("auth required %s nullok", h.module);
	h_write_totp(NULL);
	chmod(h.otp, 0640);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTHINFO_UNAVAIL);
	chmod(h.otp, 0604);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTHINFO_UNAVAIL);
	/* A symlink is refused even when it points at a good file. */
	h_write_totp(NULL);
	snprintf(target, sizeof(target), "%s/real", h.home);
	assert_int_equal(rename(h.otp, target), 0);
	assert_int_equal(symlink(target, h.otp), 0);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(c.prompts, 0);
}

static void wrong_owner(void **state)
{
	struct h_conv c = { .answers = { "123456" } };

	if (geteuid() != 0)
		skip();
	h_service("auth required %s", h.module);
	h_write_totp(NULL);
	assert_int_equal(chown(h.otp, 4321, 4321), 0);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTHINFO_UNAVAIL);
	/* root-owned is not acceptable in a home directory either. */
	assert_int_equal(chown(h.otp, 0, 0), 0);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(c.prompts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(right_code, h_reset),
		cmocka_unit_test_setup(wrong_code, h_reset),
		cmocka_unit_test_setup(replay_refused, h_reset),
		cmocka_unit_test_setup(earlier_step_refused, h_reset),
		cmocka_unit_test_setup(skew_window_edges, h_reset),
		cmocka_unit_test_setup(hotp_counter_advance, h_reset),
		cmocka_unit_test_setup(hotp_resync, h_reset),
		cmocka_unit_test_setup(lockout_and_expiry, h_reset),
		cmocka_unit_test_setup(lockout_backoff_grows, h_reset),
		cmocka_unit_test_setup(backup_code_once, h_reset),
		cmocka_unit_test_setup(missing_file, h_reset),
		cmocka_unit_test_setup(unknown_user, h_reset),
		cmocka_unit_test_setup(corrupt_file, h_reset),
		cmocka_unit_test_setup(unsafe_files, h_reset),
		cmocka_unit_test_setup(wrong_owner, h_reset),
	};
	int rc;

	h_global_setup();
	rc = cmocka_run_group_tests_name("pam_module", tests, NULL, NULL);
	h_global_teardown();
	return rc;
}
