/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SMS fallback through the real module, with a stand-in sender program (sms_helper=)
 * that records its argv, environment and stdin: trigger, code delivery, expiry, one use,
 * limits, countries, voice, provider-checked codes, sender failure and a hanging sender.
 */
#include "harness.h"

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

#define T0 ((time_t)1800000000)
#define PHONE "+15551234567"

static char sender[256], record[256], conf[256];
static char state_dir[512]; /* for the host-wide SMS count: an admin path, not under /tmp */
static unsigned state_files;

static void make_state_dir(void)
{
	const char *base = getenv("PAM_OTP_STATE_DIR");

	snprintf(state_dir, sizeof(state_dir), "%s/sms_state.XXXXXX", base ? base : "/run");
	if (!mkdtemp(state_dir))
		abort();
}

static void remove_state_dir(void)
{
	char path[600];

	for (unsigned i = 0; i <= state_files; i++) {
		snprintf(path, sizeof(path), "%s/host_count.%u", state_dir, i);
		unlink(path);
	}
	rmdir(state_dir);
}

/* The stand-in sender: appends "ARGV ...", "ENV ...", its stdin, "--" to record. */
static void write_sender(int exit_status, const char *extra_shell)
{
	FILE *f;

	snprintf(sender, sizeof(sender), "%s/sender.sh", h.root);
	snprintf(record, sizeof(record), "%s/sent.txt", h.root);
	f = fopen(sender, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n"
		   "{ echo \"ARGV $*\"; echo \"ENV $(env | tr '\\n' ' ')\"; cat; echo; echo --; } >> %s\n"
		   "%s\n"
		   "echo \"%s provider=fake status=201\"\n"
		   "exit %d\n",
		   record, extra_shell ? extra_shell : "", exit_status ? "error" : "ok", exit_status);
	fclose(f);
	assert_int_equal(chmod(sender, 0755), 0);
	unlink(record);
}

static void write_conf(const char *lines)
{
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/sms.conf", h.root);
	f = fopen(conf, "w");
	assert_non_null(f);
	if (!strstr(lines, "provider"))
		fputs("provider = twilio\n", f);
	if (!strstr(lines, "sms_countries"))
		fputs("sms_countries = any\n", f);
	if (!strstr(lines, "sms_host_state")) /* a fresh count for every test */
		fprintf(f, "sms_host_state = %s/host_count.%u\n", state_dir, ++state_files);
	fputs(lines, f);
	fclose(f);
	assert_int_equal(chmod(conf, 0600), 0);
}

static void service(const char *args)
{
	h_service("auth required %s conf=%s sms_helper=%s %s", h.test_module, conf, sender, args);
}

static void enroll_with_phone(void)
{
	h_write_totp("phone " PHONE "\n");
}

/* The whole record the sender saw (all calls), or "" if it never ran. */
static const char *sent(void)
{
	static char buf[8192];
	int fd = open(record, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : 0;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* The code= the sender received last. */
static void received_code(char *code)
{
	const char *p = sent(), *last = NULL;

	while ((p = strstr(p, "\ncode=")) != NULL)
		last = p++;
	assert_non_null(last);
	sscanf(last + 6, "%15[0-9]", code);
}

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

static int count_sends(void)
{
	int n = 0;

	for (const char *p = sent(); (p = strstr(p, "ARGV ")) != NULL; p++)
		n++;
	return n;
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

static void hanging_sender_is_killed(void **state)
{
	struct timespec a, b;
	double secs;

	write_sender(0, "sleep 30");
	write_conf("timeout = 1\n");
	service("");
	enroll_with_phone();
	struct h_conv c = { .answers = { "sms", "123456" } };
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTH_ERR);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	print_message("hanging sender: authentication returned after %.2f s (timeout 1 s)\n", secs);
	/* timeout + 1 s after the lock and the hashing of the code: the kill, not the sleep. */
	assert_true(secs >= 1.9 && secs < 2.6);
	assert_non_null(strstr(c.message_text[0], "Could not send"));
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
static bool alive(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static pid_t read_pid(const char *file)
{
	char path[256];
	FILE *f;
	int pid = -1;

	snprintf(path, sizeof(path), "%s/%s", h.root, file);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	return (pid_t)pid;
}

static bool exists_in_root(const char *file)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", h.root, file);
	return access(path, F_OK) == 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * A background child (detached from the sender's pipes, as a provider script's helper would
 * be) that records its pid, sleeps, then writes a marker: the text "sent late".
 */
static char lingering[512];
static const char *linger(const char *name, int secs)
{
	snprintf(lingering, sizeof(lingering),
		 "sh -c 'echo $$ > %s/%s.pid; sleep %d; touch %s/%s.late' </dev/null >/dev/null "
		 "2>&1 &\nwhile [ ! -s %s/%s.pid ]; do sleep 0.01; done",
		 h.root, name, secs, h.root, name, h.root, name);
	return lingering;
}

static void sender_children_die_when_it_exits(void **state)
{
	char extra[1024];
	pid_t pid;

	/* The sender succeeds at once but leaves a child behind that would send later. */
	snprintf(extra, sizeof(extra), "%s", linger("left", 1));
	write_sender(0, extra);
	write_conf("");
	service("");
	enroll_with_phone();
	h_set_now(T0);
	struct h_conv c = { .answers = { "sms", "1" } };
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTH_ERR);
	assert_non_null(strstr(c.prompt_text[1], "Code sent to"));
	pid = read_pid("left.pid");
	assert_false(alive(pid)); /* gone by the time the module answers */
	sleep_ms(1500);
	assert_false(exists_in_root("left.late"));
}

static void killed_sender_takes_its_children(void **state)
{
	char extra[1024];
	pid_t pid;

	/* The sender hangs past its deadline with a child that would send after it. */
	snprintf(extra, sizeof(extra), "%s\nsleep 30", linger("hung", 2));
	write_sender(0, extra);
	write_conf("timeout = 1\n");
	service("");
	enroll_with_phone();
	struct h_conv c = { .answers = { "sms", "123456" } };
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTH_ERR);
	assert_non_null(strstr(c.message_text[0], "Could not send"));
	pid = read_pid("hung.pid");
	assert_false(alive(pid));
	sleep_ms(2500);
	assert_false(exists_in_root("hung.late"));
}

/* Holds an OFD write lock on ~/.otp (as another login would) for ms milliseconds. */
static pid_t hold_lock(long ms)
{
	int ready[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		int fd = open(h.otp, O_RDWR);

		if (fd < 0 || fcntl(fd, F_OFD_SETLK, &fl) != 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		sleep_ms(ms);
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

static void lock_wait_does_not_shorten_the_sender(void **state)
{
	struct timespec a, b;
	double secs;
	int status;
	pid_t holder;

	/* The sender needs 1.5 s of its 2: it must get them although the login first waits
	 * 1.5 s for another login's lock. */
	write_sender(0, "sleep 1.5");
	write_conf("timeout = 2\n");
	service("");
	enroll_with_phone();
	h_set_now(T0);
	holder = hold_lock(1500);
	struct h_conv c = { .answers = { "sms", "1" } };
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTH_ERR);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_int_equal(waitpid(holder, &status, 0), holder);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	print_message("lock held 1.5 s, sender 1.5 s of timeout 2 s: returned after %.2f s\n", secs);
	assert_int_equal(c.messages, 0);
	assert_non_null(strstr(c.prompt_text[1], "Code sent to"));
	/* Its deadline came with the input: about timeout + 1 s ahead when it started. */
	assert_non_null(strstr(sent(), "\ndeadline_ms="));
}

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
		cmocka_unit_test_setup(hanging_sender_is_killed, h_reset),
		cmocka_unit_test_setup(voice_call, h_reset),
		cmocka_unit_test_setup(provider_checked_code, h_reset),
		cmocka_unit_test_setup(sms_only_auto, h_reset),
		cmocka_unit_test_setup(sms_off, h_reset),
		cmocka_unit_test_setup(message_template, h_reset),
		cmocka_unit_test_setup(sender_children_die_when_it_exits, h_reset),
		cmocka_unit_test_setup(killed_sender_takes_its_children, h_reset),
		cmocka_unit_test_setup(lock_wait_does_not_shorten_the_sender, h_reset),
	};
	int rc;

	h_global_setup();
	make_state_dir();
	rc = cmocka_run_group_tests_name("pam_sms", tests, NULL, NULL);
	remove_state_dir();
	h_global_teardown();
	return rc;
}
