/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/cfg.c: conf text and conf files. */
#include "cfg_check.h"
#include "bounds.h"

/* ---- conf text ---- */

static void test_parse_text(void **state)
{
	static const char text[] =
		"# pam_otp.conf\n"
		"   # indented comment\n"
		"\n"
		"\t\n"
		"debug\n"
		"window = 3\n"
		"prompt = \"Your code: \"\n"
		"file=/var/lib/pam_otp/%u   \n"
		"max_failures\t=\t5\n"
		"echo = no\r\n"
		"nullok = yes\n"
		"lockout = 60\n"
		"hotp_window = 10\n"
		"conf = /etc/other.conf\n"
		"lockout_max=1800"; /* no final newline */
	struct otp_cfg cfg, want;
	struct otp_log log;
	struct log_capture cap;

	(void)state;
	capture_init(&cap, &log);
	otp_cfg_init(&cfg);
	cfg.echo = true;
	otp_cfg_init(&want);
	assert_int_equal(otp_cfg_parse_text(&cfg, text, strlen(text), "test.conf", &log), OTP_OK);
	assert_true(cfg.debug);
	assert_int_equal(cfg.policy.window, 3);
	assert_string_equal(cfg.prompt, "Your code: ");
	assert_string_equal(cfg.file, "/var/lib/pam_otp/%u");
	assert_int_equal(cfg.policy.max_failures, 5);
	assert_false(cfg.echo);
	assert_true(cfg.nullok);
	assert_int_equal(cfg.policy.lockout, 60);
	assert_int_equal(cfg.policy.hotp_window, 10);
	assert_int_equal(cfg.policy.lockout_max, 1800);
	assert_null(cfg.conf); /* conf= is ignored in the file */
	/* Nothing else moved from the defaults. */
	want.debug = true;
	want.policy.window = 3;
	want.prompt = cfg.prompt;
	want.file = cfg.file;
	want.policy.max_failures = 5;
	want.nullok = true;
	want.policy.lockout = 60;
	want.policy.hotp_window = 10;
	want.policy.lockout_max = 1800;
	assert_memory_equal(&want, &cfg, sizeof(cfg));
	/* conf= was warned about, with file and line. */
	assert_int_equal(cap.count, 1);
	assert_non_null(strstr(cap.text, "test.conf:14:"));
	assert_int_equal(cap.worst, LOG_WARNING);
	otp_cfg_free(&cfg);

	/* A NULL log is fine. */
	otp_cfg_init(&cfg);
	assert_int_equal(otp_cfg_parse_text(&cfg, text, strlen(text), "x", NULL), OTP_OK);
	assert_true(cfg.debug);
	otp_cfg_free(&cfg);
}

static void test_parse_text_quotes(void **state)
{
	struct otp_cfg cfg;
	const char *t;

	(void)state;
	otp_cfg_init(&cfg);
	t = "prompt = \"  spaces kept  \"\n";
	assert_int_equal(otp_cfg_parse_text(&cfg, t, strlen(t), "q", NULL), OTP_OK);
	assert_string_equal(cfg.prompt, "  spaces kept  ");
	t = "prompt = Code = here\n";
	assert_int_equal(otp_cfg_parse_text(&cfg, t, strlen(t), "q", NULL), OTP_OK);
	assert_string_equal(cfg.prompt, "Code = here");
	t = "prompt = \"a \"quoted\" word\"\n";
	assert_int_equal(otp_cfg_parse_text(&cfg, t, strlen(t), "q", NULL), OTP_OK);
	assert_string_equal(cfg.prompt, "a \"quoted\" word");
	t = "window = \"4\"\n";
	assert_int_equal(otp_cfg_parse_text(&cfg, t, strlen(t), "q", NULL), OTP_OK);
	assert_int_equal(cfg.policy.window, 4);
	otp_cfg_free(&cfg);
}

static void expect_text_error(const char *text, size_t len, int want_rc, const char *where)
{
	struct otp_cfg cfg;
	struct otp_log log;
	struct log_capture cap;
	int rc;

	capture_init(&cap, &log);
	otp_cfg_init(&cfg);
	rc = otp_cfg_parse_text(&cfg, text, len, "bad.conf", &log);
	if (rc != want_rc || !strstr(cap.text, where))
		print_error("want rc %d and a message with \"%s\"; got rc %d, log:\n%s", want_rc,
			    where, rc, cap.text);
	assert_int_equal(rc, want_rc);
	assert_non_null(strstr(cap.text, where));
	assert_int_equal(cap.worst, LOG_ERR);
	otp_cfg_free(&cfg);
}

static void test_parse_text_errors(void **state)
{
	static const char nul[] = "debug\nwin\0dow = 1\n";
	char *longline;
	const char *t;

	(void)state;
	t = "window = 3\nthis is bad\n";
	expect_text_error(t, strlen(t), OTP_E_PARSE, "bad.conf:2:");
	t = "two words = 1\n";
	expect_text_error(t, strlen(t), OTP_E_PARSE, "bad.conf:1:");
	t = "debug\n\n= value\n";
	expect_text_error(t, strlen(t), OTP_E_PARSE, "bad.conf:3:");
	t = "prompt = \"unterminated\n";
	expect_text_error(t, strlen(t), OTP_E_PARSE, "bad.conf:1:");
	t = "prompt = \"\n";
	expect_text_error(t, strlen(t), OTP_E_PARSE, "bad.conf:1:");
	expect_text_error(nul, sizeof(nul) - 1, OTP_E_PARSE, "bad.conf:2:");
	/* A line over OTP_CONF_LINE_MAX bytes is a parse error; a long value within it is a
	 * bad value, named with its limit. */
	longline = malloc(OTP_CONF_LINE_MAX + 100);
	assert_non_null(longline);
	strcpy(longline, "debug\nprompt = ");
	memset(longline + 15, 'x', OTP_CONF_LINE_MAX);
	longline[15 + OTP_CONF_LINE_MAX] = '\n';
	longline[15 + OTP_CONF_LINE_MAX + 1] = '\0';
	expect_text_error(longline, strlen(longline), OTP_E_PARSE, "bad.conf:2:");
	longline[15 + 2000] = '\n';
	longline[15 + 2001] = '\0';
	expect_text_error(longline, strlen(longline), OTP_E_INVAL, "at most 1024 characters");
	/* A session token may be as long as OTP_CONF_TOKEN_MAX. */
	strcpy(longline, "session_token = ");
	memset(longline + 16, 't', 3000);
	strcpy(longline + 16 + 3000, "\n");
	{
		struct otp_cfg cfg;

		otp_cfg_init(&cfg);
		assert_int_equal(otp_cfg_parse_text(&cfg, longline, strlen(longline), "ok.conf",
						    NULL), OTP_OK);
		assert_int_equal(strlen(cfg.session_token), 3000);
		otp_cfg_free(&cfg);
	}
	free(longline);
	/* A bad value is an error too (not a parse error: the value is named). */
	t = "debug\nwindow = 99\n";
	expect_text_error(t, strlen(t), OTP_E_INVAL, "bad.conf:2:");
	t = "debug = perhaps\n";
	expect_text_error(t, strlen(t), OTP_E_INVAL, "bad.conf:1:");
	t = "file =\n";
	expect_text_error(t, strlen(t), OTP_E_INVAL, "bad.conf:1:");
}

/* Like sshd_config: a key the parser does not know, or one set twice, fails the file. */
static void test_parse_text_unknown_and_duplicate(void **state)
{
	const char *t;

	(void)state;
	t = "debug\nmax_failure = 3\n"; /* misspelt: max_failures would stay at the default */
	expect_text_error(t, strlen(t), OTP_E_PARSE, "bad.conf:2: unknown key \"max_failure\"");
	t = "Nullok\n";
	expect_text_error(t, strlen(t), OTP_E_PARSE, "bad.conf:1: unknown key \"Nullok\"");
	t = "# a comment\nmax_failures = 10\nwindow = 1\nmax_failures = 3\n";
	expect_text_error(t, strlen(t), OTP_E_PARSE,
			  "bad.conf:4: duplicate key \"max_failures\" (first set on line 2)");
	t = "nullok\nnullok = no\n";
	expect_text_error(t, strlen(t), OTP_E_PARSE, "bad.conf:2: duplicate key \"nullok\"");
	/* The key is sanitized in the log line. */
	t = "bad\x1b[31mkey = 1\n";
	expect_text_error(t, strlen(t), OTP_E_PARSE, "bad.conf:1: unknown key");
}

/* ---- conf files ---- */

static char *write_temp(const char *text, mode_t mode)
{
	char *path = strdup("/tmp/pam_otp_cfg_XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	return path;
}

static void test_load_good(void **state)
{
	struct otp_cfg cfg;
	char *path = write_temp("debug\nwindow = 7\nfile = /etc/otp/%u\n", 0644);

	(void)state;
	otp_cfg_init(&cfg);
	assert_int_equal(otp_cfg_load(&cfg, path, NULL), OTP_OK);
	assert_true(cfg.debug);
	assert_int_equal(cfg.policy.window, 7);
	assert_string_equal(cfg.file, "/etc/otp/%u");
	otp_cfg_free(&cfg);
	/* Read-only and owner-only modes are fine too. */
	assert_int_equal(chmod(path, 0400), 0);
	otp_cfg_init(&cfg);
	assert_int_equal(otp_cfg_load(&cfg, path, NULL), OTP_OK);
	assert_int_equal(cfg.policy.window, 7);
	otp_cfg_free(&cfg);
	unlink(path);
	free(path);
}

static void expect_load(const char *path, int want_rc)
{
	struct otp_cfg cfg;
	struct otp_log log;
	struct log_capture cap;
	int rc;

	capture_init(&cap, &log);
	otp_cfg_init(&cfg);
	rc = otp_cfg_load(&cfg, path, &log);
	if (rc != want_rc)
		print_error("loading %s: want %d, got %d; log:\n%s", path, want_rc, rc, cap.text);
	assert_int_equal(rc, want_rc);
	if (want_rc == OTP_E_UNSAFE)
		assert_true(cap.count > 0); /* the refusal is explained */
	/* Nothing from a refused file is applied; a good one sets debug. */
	assert_int_equal(cfg.debug, want_rc == OTP_OK);
	otp_cfg_free(&cfg);
}

static void test_load_refused(void **state)
{
	char *path = write_temp("debug\n", 0644);
	char link[64], dir[64], fifo[64];
	char *big;

	(void)state;
	/* Group-writable, other-writable. */
	assert_int_equal(chmod(path, 0664), 0);
	expect_load(path, OTP_E_UNSAFE);
	assert_int_equal(chmod(path, 0646), 0);
	expect_load(path, OTP_E_UNSAFE);
	assert_int_equal(chmod(path, 0620), 0);
	expect_load(path, OTP_E_UNSAFE);
	/* Owned by someone else (not root, not us). */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(chown(path, 4321, 4321), 0);
	expect_load(path, OTP_E_UNSAFE);
	assert_int_equal(chown(path, 0, 0), 0);
	expect_load(path, OTP_OK); /* fine again: the refusals above were for the reason given */
	/* A symlink to the (good) file. */
	snprintf(link, sizeof(link), "%s.link", path);
	assert_int_equal(symlink(path, link), 0);
	expect_load(link, OTP_E_UNSAFE);
	unlink(link);
	/* A directory, a FIFO (must not block). */
	snprintf(dir, sizeof(dir), "%s.dir", path);
	assert_int_equal(mkdir(dir, 0755), 0);
	expect_load(dir, OTP_E_UNSAFE);
	rmdir(dir);
	snprintf(fifo, sizeof(fifo), "%s.fifo", path);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	alarm(10);
	expect_load(fifo, OTP_E_UNSAFE);
	alarm(0);
	unlink(fifo);
	/* Missing. */
	expect_load("/tmp/pam_otp_cfg_does_not_exist.conf", OTP_E_NOENT);
	/* Larger than 64 KiB. */
	big = malloc(OTP_CONF_MAX + 2);
	assert_non_null(big);
	memset(big, '#', OTP_CONF_MAX + 1);
	big[OTP_CONF_MAX + 1] = '\0';
	unlink(path);
	free(path);
	path = write_temp(big, 0644);
	expect_load(path, OTP_E_UNSAFE);
	free(big);
	unlink(path);
	free(path);
}

/* A file that sets a credential must not be readable by group or other either. */
static void test_load_credentials(void **state)
{
	static const mode_t refused[] = { 0644, 0640, 0604, 0444 };
	char *path = write_temp("debug\nauth_token = \"tok en\"\n", 0600);
	struct otp_cfg cfg;
	struct otp_log log;
	struct log_capture cap;

	(void)state;
	otp_cfg_init(&cfg);
	assert_int_equal(otp_cfg_load(&cfg, path, NULL), OTP_OK);
	assert_string_equal(cfg.auth_token, "tok en");
	assert_true(cfg.has_secrets);
	otp_cfg_free(&cfg);
	assert_int_equal(chmod(path, 0400), 0);
	otp_cfg_init(&cfg);
	assert_int_equal(otp_cfg_load(&cfg, path, NULL), OTP_OK);
	otp_cfg_free(&cfg);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(chmod(path, refused[i]), 0);
		capture_init(&cap, &log);
		otp_cfg_init(&cfg);
		assert_int_equal(otp_cfg_load(&cfg, path, &log), OTP_E_UNSAFE);
		assert_non_null(strstr(cap.text, path));
		assert_int_equal(cap.worst, LOG_ERR);
		otp_cfg_free(&cfg);
	}
	unlink(path);
	free(path);
	/* Without a credential, 0644 is fine. */
	path = write_temp("debug\naccount_sid = AC123\n", 0644);
	otp_cfg_init(&cfg);
	assert_int_equal(otp_cfg_load(&cfg, path, NULL), OTP_OK);
	assert_false(cfg.has_secrets);
	assert_string_equal(cfg.account_sid, "AC123");
	otp_cfg_free(&cfg);
	unlink(path);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_text),
		cmocka_unit_test(test_parse_text_quotes),
		cmocka_unit_test(test_parse_text_unknown_and_duplicate),
		cmocka_unit_test(test_parse_text_errors),
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_load_refused),
		cmocka_unit_test(test_load_credentials),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
