/* SPDX-License-Identifier: BSD-2-Clause */
/* pam_otp.so options: first_pass variants, forward_pass, prompt, echo, conf files, file=. */
#include "harness.h"

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

static void use_first_pass(void **state)
{
	char code[9];

	h_write_totp(NULL);
	h_totp(time(NULL), code);
	h_service("auth required %s ask\nauth required %s use_first_pass", h.helper, h.module);
	struct h_conv ok = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &ok, 0), PAM_SUCCESS);
	assert_int_equal(ok.prompts, 1); /* only the helper's Password: prompt */
	assert_string_equal(ok.prompt_text[0], "Password: ");
	/* A wrong first pass is not followed by a prompt. */
	struct h_conv bad = { .answers = { "999999x" } };
	assert_int_equal(h_auth(H_USER, &bad, 0), PAM_AUTH_ERR);
	assert_int_equal(bad.prompts, 1);
	/* Without an earlier module there is nothing to use. */
	h_service("auth required %s use_first_pass", h.module);
	struct h_conv none = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &none, 0), PAM_AUTH_ERR);
	assert_int_equal(none.prompts, 0);
}

static void try_first_pass(void **state)
{
	char code[9];

	h_write_totp(NULL);
	h_totp(time(NULL), code);
	/* No token yet: try_first_pass falls back to asking. */
	h_service("auth required %s try_first_pass", h.module);
	struct h_conv c = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_SUCCESS);
	assert_int_equal(c.prompts, 1);
	assert_string_equal(c.prompt_text[0], "Verification code: ");
}

static void forward_pass(void **state)
{
	char code[9], both[64];

	h_write_totp(NULL);
	h_totp(time(NULL), code);
	snprintf(both, sizeof(both), "hunter2%s", code);
	h_service("auth required %s forward_pass\nauth required %s expect=hunter2", h.module,
		  h.helper);
	struct h_conv c = { .answers = { both } };
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_SUCCESS);
	assert_int_equal(c.prompts, 1);
	assert_string_equal(c.prompt_text[0], "Password & verification code: ");
	/* The password part is passed on even when the code is wrong. */
	struct h_conv w = { .answers = { "hunter2000000" } };
	assert_int_equal(h_auth(H_USER, &w, 0), PAM_AUTH_ERR);
}

static void prompt_and_echo(void **state)
{
	char code[9];

	h_write_totp(NULL);
	h_totp(time(NULL), code);
	h_service("auth required %s echo [prompt=One-time code: ]", h.module);
	struct h_conv c = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_SUCCESS);
	assert_string_equal(c.prompt_text[0], "One-time code: ");
	assert_int_equal(c.prompt_styles[0], PAM_PROMPT_ECHO_ON);
}

static void write_conf(const char *name, const char *content, mode_t mode, char *path,
		       size_t pathsz)
{
	FILE *f;

	snprintf(path, pathsz, "%s/%s", h.root, name);
	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void conf_file(void **state)
{
	char conf[256], code[9];
	time_t t0 = 1800000000;

	h_write_totp(NULL);
	/* window=0 from the conf file: a code one step old is refused... */
	write_conf("good.conf", "# test\nwindow = 0\nprompt = \"Code please: \"\n",
		   0600, conf, sizeof(conf));
	h_service("auth required %s conf=%s", h.test_module, conf);
	h_set_now(t0);
	h_totp(t0 - 30, code);
	struct h_conv c1 = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &c1, 0), PAM_AUTH_ERR);
	assert_string_equal(c1.prompt_text[0], "Code please: ");
	/* ...unless the pam.d line overrides it. */
	h_write_totp(NULL);
	h_service("auth required %s conf=%s window=1", h.test_module, conf);
	struct h_conv c2 = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &c2, 0), PAM_SUCCESS);
}

static void bad_conf(void **state)
{
	char conf[256], missing[300];
	struct h_conv c = { .answers = { "123456" } };

	h_write_totp(NULL);
	write_conf("bad.conf", "window = lots\n", 0600, conf, sizeof(conf));
	h_service("auth required %s conf=%s", h.module, conf);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_SERVICE_ERR);
	/* An unknown or a repeated key fails the file, as sshd_config (no prompt either). */
	write_conf("unknown.conf", "window = 1\nbogus = 1\n", 0600, conf, sizeof(conf));
	h_service("auth required %s conf=%s", h.module, conf);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_SERVICE_ERR);
	write_conf("twice.conf", "max_failures = 10\nmax_failures = 3\n", 0600, conf,
		   sizeof(conf));
	h_service("auth required %s conf=%s", h.module, conf);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_SERVICE_ERR);
	write_conf("open.conf", "window = 1\n", 0666, conf, sizeof(conf));
	h_service("auth required %s conf=%s", h.module, conf);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_SERVICE_ERR);
	snprintf(missing, sizeof(missing), "%s/missing.conf", h.root);
	h_service("auth required %s conf=%s", h.module, missing);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_SERVICE_ERR);
	h_service("auth required %s window=100", h.module);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_SERVICE_ERR);
	assert_int_equal(c.prompts, 0);
}

static void unknown_option_not_fatal(void **state)
{
	char code[9];

	h_write_totp(NULL);
	h_totp(time(NULL), code);
	h_service("auth required %s no_such_option=1", h.module);
	struct h_conv c = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_SUCCESS);
}

static void file_template_in_home(void **state)
{
	char code[9], path[300];

	snprintf(path, sizeof(path), "%s/.config", h.home);
	assert_int_equal(mkdir(path, 0700), 0);
	if (geteuid() == 0)
		assert_int_equal(chown(path, h.uid, h.gid), 0);
	h_write_totp(NULL);
	snprintf(path, sizeof(path), "%s/.config/otp-%s", h.home, H_USER);
	assert_int_equal(rename(h.otp, path), 0);
	h_totp(time(NULL), code);
	h_service("auth required %s file=%%h/.config/otp-%%u", h.module);
	struct h_conv c = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_SUCCESS);
}

/* An admin path: root-owned directories from / down; the file may be root's. */
static void admin_path(void **state)
{
	char dir[] = "/run/pam_otp_test.XXXXXX", path[128], code[9], cmd[160];
	FILE *f;

	if (geteuid() != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, H_USER);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "version 1\ntype totp\nsecret %s\n", H_SECRET);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	h_totp(time(NULL), code);
	h_service("auth required %s file=%s/%%u", h.module, dir);
	struct h_conv c = { .answers = { code } };
	int ok = h_auth(H_USER, &c, 0);
	/* A directory the user controls is refused as an admin path. */
	h_service("auth required %s file=%s/admin-otp", h.module, h.home);
	struct h_conv c2 = { .answers = { code } };
	int refused = h_auth(H_USER, &c2, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(ok, PAM_SUCCESS);
	assert_int_equal(refused, PAM_AUTHINFO_UNAVAIL);
}

/* A temp file left by a crash never blocks a login (no fixed names, no lock files). */
static void crash_leftovers_harmless(void **state)
{
	char code[9], path[300];
	FILE *f;

	h_write_totp(NULL);
	snprintf(path, sizeof(path), "%s/..otp.0123456789ab.tmp", h.home);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("partial", f);
	fclose(f);
	h_totp(time(NULL), code);
	h_service("auth required %s", h.module);
	struct h_conv c = { .answers = { code } };
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(use_first_pass, h_reset),
		cmocka_unit_test_setup(try_first_pass, h_reset),
		cmocka_unit_test_setup(forward_pass, h_reset),
		cmocka_unit_test_setup(prompt_and_echo, h_reset),
		cmocka_unit_test_setup(conf_file, h_reset),
		cmocka_unit_test_setup(bad_conf, h_reset),
		cmocka_unit_test_setup(unknown_option_not_fatal, h_reset),
		cmocka_unit_test_setup(file_template_in_home, h_reset),
		cmocka_unit_test_setup(admin_path, h_reset),
		cmocka_unit_test_setup(crash_leftovers_harmless, h_reset),
	};
	int rc;

	h_global_setup();
	rc = cmocka_run_group_tests_name("pam_options", tests, NULL, NULL);
	h_global_teardown();
	return rc;
}
