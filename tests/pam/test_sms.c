/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SMS fallback through the real module, with a stand-in sender program (sms_helper=)
 * that records its argv, environment and stdin: trigger, code delivery, expiry, one use,
 * limits, countries, voice, provider-checked codes and a sender failure. The sender process
 * itself (deadline, what it leaves behind) is tests/pam/test_sms_sender.c.
 */
#include "sms_stand_in.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
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

static void text_and_answer(void **state)
{
	char code[16];
	struct h_conv c = { .answers = { "sms", "000000" } };

	write_sender(0, NULL);
	write_conf("");
	service("");
	enroll_with_phone();
	h_set_now(T0);
	/* First round: ask for a text, then give a wrong SMS code. */
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTH_ERR);
	assert_string_equal(c.prompt_text[0],
			    "Verification code (or \"sms\" to get one by text message): ");
	assert_string_equal(c.prompt_text[1], "Code sent to +1\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2"
			    "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2" "4567. SMS code: ");
	received_code(code);
	assert_int_equal(strlen(code), 6);
	/* Nothing secret on the command line or in the environment of the sender. */
	assert_non_null(strstr(sent(), "ARGV --conf "));
	assert_non_null(strstr(sent(), " send\n"));
	const char *env = strstr(sent(), "ENV ");
	assert_non_null(env);
	assert_null(strstr(env, "PAM_OTP_TEST_NOW"));
	assert_non_null(strstr(sent(), "to=" PHONE "\n"));
	assert_non_null(strstr(sent(), "message="));
	/* A new PAM transaction (a reconnecting client) may still use the code. */
	struct h_conv c2 = { .answers = { code } };
	h_set_now(T0 + 100);
	assert_int_equal(h_auth(H_USER, &c2, 0), PAM_SUCCESS);
	/* Once only. */
	struct h_conv c3 = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &c3, 0), PAM_AUTH_ERR);
}

static void argv_and_env_carry_no_secret(void **state)
{
	char code[16], line[512];
	const char *argv_line, *env_line;

	write_sender(0, NULL);
	write_conf("");
	service("");
	enroll_with_phone();
	h_set_now(T0);
	struct h_conv c = { .answers = { "sms", "1" } };
	h_auth(H_USER, &c, 0);
	received_code(code);
	argv_line = strstr(sent(), "ARGV ");
	env_line = strstr(sent(), "ENV ");
	assert_non_null(argv_line);
	assert_non_null(env_line);
	snprintf(line, sizeof(line), "%.*s", (int)(strchr(argv_line, '\n') - argv_line), argv_line);
	assert_null(strstr(line, code));
	snprintf(line, sizeof(line), "%.*s", (int)(strchr(env_line, '\n') - env_line), env_line);
	assert_null(strstr(line, code));
	assert_null(strstr(line, H_SECRET));
	/* The environment is only PATH (and what /bin/sh itself adds). */
	assert_null(strstr(line, "NSS_WRAPPER"));
	assert_null(strstr(line, "LD_PRELOAD"));
}

static void expired_code(void **state)
{
	char code[16];

	write_sender(0, NULL);
	write_conf("code_ttl = 300\n");
	service("");
	enroll_with_phone();
	h_set_now(T0);
	struct h_conv c = { .answers = { "sms", "1" } };
	h_auth(H_USER, &c, 0);
	received_code(code);
	h_set_now(T0 + 300);
	struct h_conv late = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &late, 0), PAM_AUTH_ERR);
}

static void new_request_replaces_old_code(void **state)
{
	char first[16], second[16];

	write_sender(0, NULL);
	write_conf("sms_min_interval = 0\ncode_length = 8\nmax_failures = 10\n");
	service("");
	enroll_with_phone();
	h_set_now(T0);
	struct h_conv c1 = { .answers = { "sms", "1" } };
	h_auth(H_USER, &c1, 0);
	received_code(first);
	assert_int_equal(strlen(first), 8);
	struct h_conv c2 = { .answers = { "sms", "1" } };
	h_auth(H_USER, &c2, 0);
	received_code(second);
	struct h_conv old = { .answers = { first } };
	assert_int_equal(h_auth(H_USER, &old, 0), strcmp(first, second) ? PAM_AUTH_ERR : PAM_SUCCESS);
	struct h_conv cur = { .answers = { second } };
	assert_int_equal(h_auth(H_USER, &cur, 0), strcmp(first, second) ? PAM_SUCCESS : PAM_AUTH_ERR);
}


static void interval_and_daily_limits(void **state)
{
	write_sender(0, NULL);
	write_conf("sms_min_interval = 60\nsms_max_per_day = 2\n");
	service("");
	enroll_with_phone();
	h_set_now(T0);
	struct h_conv c1 = { .answers = { "sms", "1" } };
	h_auth(H_USER, &c1, 0);
	/* Within the interval, with the code still valid: no new text, the same code is asked. */
	struct h_conv c2 = { .answers = { "sms", "1" } };
	h_set_now(T0 + 10);
	h_auth(H_USER, &c2, 0);
	assert_int_equal(count_sends(), 1);
	assert_non_null(strstr(c2.prompt_text[1], "already sent"));
	/* After the interval: a second text; the third of the day is refused with a reason. */
	h_set_now(T0 + 61);
	struct h_conv c3 = { .answers = { "sms", "1" } };
	h_auth(H_USER, &c3, 0);
	assert_int_equal(count_sends(), 2);
	h_set_now(T0 + 200);
	struct h_conv c4 = { .answers = { "sms", "1" } };
	assert_int_equal(h_auth(H_USER, &c4, 0), PAM_AUTH_ERR);
	assert_int_equal(count_sends(), 2);
	assert_int_equal(c4.prompts, 1);
	assert_non_null(strstr(c4.message_text[0], "Daily limit"));
}

static void interval_refusal_without_pending_code(void **state)
{
	char code[16];

	write_sender(0, NULL);
	write_conf("sms_min_interval = 60\n");
	service("");
	enroll_with_phone();
	h_set_now(T0);
	struct h_conv c1 = { .answers = { "sms", "1" } };
	h_auth(H_USER, &c1, 0);
	received_code(code);
	struct h_conv use = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &use, 0), PAM_SUCCESS);
	/* The code is used up; asking again within 60 s is refused and says when. */
	h_set_now(T0 + 20);
	struct h_conv again = { .answers = { "sms", "1" } };
	assert_int_equal(h_auth(H_USER, &again, 0), PAM_AUTH_ERR);
	assert_non_null(strstr(again.message_text[0], "in 40 seconds"));
	assert_int_equal(count_sends(), 1);
}

static void country_allow_list(void **state)
{
	write_sender(0, NULL);
	write_conf("sms_countries = 44,49\n");
	service("");
	enroll_with_phone();
	struct h_conv c = { .answers = { "sms", "1" } };
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTH_ERR);
	assert_string_equal(sent(), ""); /* refused before any request */
	assert_non_null(strstr(c.message_text[0], "cannot be sent"));
}

static void sender_failure_offers_app(void **state)
{
	char code[9];

	write_sender(3, NULL);
	write_conf("");
	service("");
	enroll_with_phone();
	h_totp(time(NULL), code);
	unsetenv("PAM_OTP_TEST_NOW");
	struct h_conv c = { .answers = { "sms", code } };
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_SUCCESS);
	assert_non_null(strstr(c.message_text[0], "Could not send a text message"));
	assert_string_equal(c.prompt_text[1], "Verification code: ");
}


static void voice_call(void **state)
{
	char code[16];

	write_sender(0, NULL);
	write_conf("voice = yes\n");
	service("");
	enroll_with_phone();
	h_set_now(T0);
	struct h_conv c = { .answers = { "call", "1" } };
	h_auth(H_USER, &c, 0);
	assert_non_null(strstr(c.prompt_text[0], "\"call\" for a call"));
	assert_non_null(strstr(sent(), " call\n"));
	assert_non_null(strstr(c.prompt_text[1], "Calling +1"));
	received_code(code);
	struct h_conv ok = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &ok, 0), PAM_SUCCESS);
}

static void provider_checked_code(void **state)
{
	/* twilio-verify: the provider makes the code; verify-check approves only 424242. */
	write_sender(0, "case \"$*\" in *verify-check*) grep -q 'code=424242' " "$0.last && exit 0; exit 1;; esac");
	/* the stand-in keeps its last stdin in sender.sh.last for the check above */
	FILE *f = fopen(sender, "r+");
	char script[2048];
	size_t n = fread(script, 1, sizeof(script) - 1, f);
	script[n] = '\0';
	fclose(f);
	char *cat = strstr(script, "cat;");
	assert_non_null(cat);
	char patched[2300];
	snprintf(patched, sizeof(patched), "%.*stee %s.last;%s", (int)(cat - script), script, sender,
		 cat + 4);
	f = fopen(sender, "w");
	fputs(patched, f);
	fclose(f);
	write_conf("provider = twilio-verify\n");
	service("");
	enroll_with_phone();
	h_set_now(T0);
	struct h_conv wrong = { .answers = { "sms", "111111" } };
	assert_int_equal(h_auth(H_USER, &wrong, 0), PAM_AUTH_ERR);
	assert_non_null(strstr(sent(), " verify-start\n"));
	assert_non_null(strstr(sent(), " verify-check\n"));
	/* The provider makes the code: the start request carries none. */
	const char *start = strstr(sent(), " verify-start\n"), *end = strstr(start, "\n--\n");
	assert_non_null(end);
	assert_null(memmem(start, (size_t)(end - start), "code=", 5));
	struct h_conv right = { .answers = { "424242" } };
	assert_int_equal(h_auth(H_USER, &right, 0), PAM_SUCCESS);
}

static void sms_only_auto(void **state)
{
	char code[16];

	write_sender(0, NULL);
	write_conf("sms = auto\n");
	service("");
	h_write_otp("version 1\nphone " PHONE "\n", 0600);
	h_set_now(T0);
	struct h_conv c = { .answers = { "1" } };
	h_auth(H_USER, &c, 0);
	assert_int_equal(c.prompts, 1); /* no code prompt first: the text goes out at once */
	assert_non_null(strstr(c.prompt_text[0], "Code sent to"));
	received_code(code);
	struct h_conv ok = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &ok, 0), PAM_SUCCESS);
}

static void sms_off(void **state)
{
	write_sender(0, NULL);
	write_conf("sms = off\n");
	service("");
	enroll_with_phone();
	struct h_conv c = { .answers = { "sms" } };
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTH_ERR);
	assert_string_equal(c.prompt_text[0], "Verification code: ");
	assert_string_equal(sent(), "");
}

static void message_template(void **state)
{
	char code[16], want[128];

	write_sender(0, NULL);
	write_conf("message = \"{code} for {issuer}, {minutes} min\"\nissuer = Acme\n"
		   "sms_domain = example.com\ncode_ttl = 120\n");
	service("");
	enroll_with_phone();
	struct h_conv c = { .answers = { "sms", "1" } };
	h_auth(H_USER, &c, 0);
	received_code(code);
	snprintf(want, sizeof(want), "message=%s for Acme, 2 min\\n\\n@example.com #%s\n", code, code);
	assert_non_null(strstr(sent(), want));
}

/* Is pid alive (a zombie waiting for its reaper is not)? */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(text_and_answer, h_reset),
		cmocka_unit_test_setup(argv_and_env_carry_no_secret, h_reset),
		cmocka_unit_test_setup(expired_code, h_reset),
		cmocka_unit_test_setup(new_request_replaces_old_code, h_reset),
		cmocka_unit_test_setup(interval_and_daily_limits, h_reset),
		cmocka_unit_test_setup(interval_refusal_without_pending_code, h_reset),
		cmocka_unit_test_setup(country_allow_list, h_reset),
		cmocka_unit_test_setup(sender_failure_offers_app, h_reset),
		cmocka_unit_test_setup(voice_call, h_reset),
		cmocka_unit_test_setup(provider_checked_code, h_reset),
		cmocka_unit_test_setup(sms_only_auto, h_reset),
		cmocka_unit_test_setup(sms_off, h_reset),
		cmocka_unit_test_setup(message_template, h_reset),
	};
	int rc;

	h_global_setup();
	make_state_dir();
	rc = cmocka_run_group_tests_name("pam_sms", tests, NULL, NULL);
	remove_state_dir();
	h_global_teardown();
	return rc;
}
