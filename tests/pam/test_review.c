/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Security review (issue 12), items 2, 3 and 5, through the real pam_otp.so: a missing
 * directory is not "not enrolled" (nullok), the canonical user name from a case-insensitive
 * NSS (nss_casefold.so preloaded before nss_wrapper), grace and admin-path ownership, conf
 * errors, crash leftovers, and the log lines that name the problem (read from a private
 * /dev/log, see capture.c).
 */
#include "harness.h"
#include "base32.h"
#include "capture.h"
#include "secmem.h"
#include "seal.h"

#include <fcntl.h>
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

#define T0 ((time_t)1800000000)
#define LOG_AUTHPRIV_ERR "<83>" /* LOG_AUTHPRIV | LOG_ERR, as pam_syslog sends it */

static size_t log_mark;

static void log_from_here(void)
{
	cap_sync();
	log_mark = strlen(cap_syslog());
}

/* The syslog line since log_from_here() that contains needle; fails when there is none. */
static const char *log_line(const char *needle)
{
	static char line[1024];
	const char *all, *hit, *start, *end;

	cap_sync();
	all = cap_syslog() + log_mark;
	hit = strstr(all, needle);
	if (!hit)
		fail_msg("no log line with \"%s\"; the log:\n%s", needle, all);
	for (start = hit; start > all && start[-1] != '\n'; start--)
		;
	end = strchr(hit, '\n');
	snprintf(line, sizeof(line), "%.*s", (int)(end ? end - start : (long)strlen(start)), start);
	return line;
}

static void expect_error_line(const char *needle)
{
	const char *l = log_line(needle);

	if (strncmp(l, LOG_AUTHPRIV_ERR, strlen(LOG_AUTHPRIV_ERR)) != 0)
		fail_msg("not logged at LOG_ERR: %s", l);
}

/* A root-owned 0755 directory under /run (every component root's), removed in teardown. */
static char admin_dir[64];

static int reset_admin(void **state)
{
	if (h_reset(state) != 0)
		return -1;
	snprintf(admin_dir, sizeof(admin_dir), "/run/pam_otp_review.XXXXXX");
	if (!mkdtemp(admin_dir) || chmod(admin_dir, 0755) != 0)
		return -1;
	return 0;
}

static int remove_admin(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", admin_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file_as(const char *path, const char *content, uid_t uid, gid_t gid)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	assert_int_equal(fchown(fd, uid, gid), 0);
	close(fd);
}

/* alice's TOTP file at admin_dir/alice, owned by uid. */
static void write_admin_file(uid_t uid, gid_t gid)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", admin_dir, H_USER);
	write_file_as(path, "version 1\ntype totp\nsecret " H_SECRET "\n", uid, gid);
}

static int auth_code(const char *user, time_t t, int *prompts)
{
	char code[9];
	struct h_conv c = { .answers = { code } };
	int rc;

	h_totp(t, code);
	rc = h_auth(user, &c, 0);
	*prompts = c.prompts;
	return rc;
}

/* ---- item 2: only a missing final file means "not enrolled" ---- */

/*
 * libpam turns a lone PAM_IGNORE into a failure: observe it with a jump instead. Only an
 * ignore skips pam_deny and reaches pam_permit; anything else from pam_otp.so ends in "die".
 */
#define IGNORE_PASSES "auth [ignore=1 default=die] %s nullok %s\nauth requisite pam_deny.so\n" \
		      "auth required pam_permit.so"

static void home_missing_nullok(void **state)
{
	char want[300];
	int prompts;

	assert_int_equal(rmdir(h.home), 0);
	h_service("auth required %s nullok", h.module);
	log_from_here();
	assert_int_equal(auth_code(H_USER, time(NULL), &prompts), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(prompts, 0);
	snprintf(want, sizeof(want), "directory %s does not exist", h.home);
	expect_error_line(want);
	h_service(IGNORE_PASSES, h.module, "");
	assert_int_equal(auth_code(H_USER, time(NULL), &prompts), PAM_AUTHINFO_UNAVAIL);
	/* Without nullok, the same. */
	h_service("auth required %s", h.module);
	assert_int_equal(auth_code(H_USER, time(NULL), &prompts), PAM_AUTHINFO_UNAVAIL);
}

static void admin_dir_missing_nullok(void **state)
{
	char want[300];
	int prompts;

	/* file=/run/x/missing/%u with /run/x/missing absent (an automount that is not there). */
	h_service("auth required %s nullok file=%s/missing/%%u", h.module, admin_dir);
	log_from_here();
	assert_int_equal(auth_code(H_USER, time(NULL), &prompts), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(prompts, 0);
	snprintf(want, sizeof(want), "directory %s/missing does not exist", admin_dir);
	expect_error_line(want);
	snprintf(want, sizeof(want), "file=%s/missing/%%u", admin_dir);
	h_service(IGNORE_PASSES, h.module, want);
	assert_int_equal(auth_code(H_USER, time(NULL), &prompts), PAM_AUTHINFO_UNAVAIL);
}

static void final_file_missing_nullok(void **state)
{
	char arg[128];
	int prompts;

	/* No ~/.otp: not enrolled, nullok lets the user through (PAM_IGNORE). */
	h_service(IGNORE_PASSES, h.module, "");
	assert_int_equal(auth_code(H_USER, time(NULL), &prompts), PAM_SUCCESS);
	assert_int_equal(prompts, 0);
	/* No admin_dir/alice either. */
	snprintf(arg, sizeof(arg), "file=%s/%%u", admin_dir);
	h_service(IGNORE_PASSES, h.module, arg);
	assert_int_equal(auth_code(H_USER, time(NULL), &prompts), PAM_SUCCESS);
	assert_int_equal(prompts, 0);
}

/* ---- item 3: the canonical name from the lookup ---- */

static void typed_name_admin_path(void **state)
{
	int prompts;

	write_admin_file(0, 0);
	h_service("auth required %s file=%s/%%u", h.module, admin_dir);
	log_from_here();
	/* "ALICE" is alice (case-insensitive NSS): her file, her code. */
	assert_int_equal(auth_code("ALICE", time(NULL), &prompts), PAM_SUCCESS);
	assert_int_equal(prompts, 1);
	/* The log names both the typed and the canonical name. */
	log_line("user=ALICE as alice");
	/* nullok does not let "ALICE" through without a code: the code is asked for. */
	h_service("auth required %s nullok file=%s/%%u", h.module, admin_dir);
	struct h_conv wrong = { .answers = { "000000" } };
	assert_int_equal(h_auth("ALICE", &wrong, 0), PAM_AUTH_ERR);
	assert_int_equal(wrong.prompts, 1);
}

static void typed_name_sealed(void **state)
{
	char keypath[128], pubpath[128];
	int prompts;

	snprintf(keypath, sizeof(keypath), "%s/pam_otp.key", admin_dir);
	snprintf(pubpath, sizeof(pubpath), "%s/pam_otp.pub", admin_dir);
	assert_int_equal(otp_hostkey_generate(keypath, pubpath), 0);
	/* Sealed for "alice" (as otp-enroll does, with pw_name) at her ~/.otp. */
	h_write_sealed(pubpath, H_USER, h.otp, NULL);
	h_service("auth required %s seal_key=%s", h.module, keypath);
	assert_int_equal(auth_code("ALICE", time(NULL), &prompts), PAM_SUCCESS);
	assert_int_equal(prompts, 1);
}

static void typed_name_grace(void **state)
{
	int prompts;

	h_write_totp(NULL);
	h_service("auth required %s grace_period=60", h.test_module);
	h_set_now(T0);
	assert_int_equal(auth_code(H_USER, T0, &prompts), PAM_SUCCESS);
	assert_int_equal(prompts, 1);
	/* The grace entry is alice's, whichever way the name is typed. */
	h_set_now(T0 + 10);
	assert_int_equal(auth_code("ALICE", T0 + 10, &prompts), PAM_SUCCESS);
	assert_int_equal(prompts, 0);
	/* And one recorded for "Alice" is alice's too. */
	h_write_totp(NULL);
	h_set_now(T0 + 30);
	assert_int_equal(auth_code("Alice", T0 + 30, &prompts), PAM_SUCCESS);
	assert_int_equal(prompts, 1);
	h_set_now(T0 + 40);
	assert_int_equal(auth_code(H_USER, T0 + 40, &prompts), PAM_SUCCESS);
	assert_int_equal(prompts, 0);
}

/* ---- item 5 ---- */

static void admin_file_must_be_roots(void **state)
{
	int prompts;

	/* A user-owned file in an admin directory: the user could reset their own lockout. */
	write_admin_file(h.uid, h.gid);
	h_service("auth required %s file=%s/%%u", h.module, admin_dir);
	log_from_here();
	assert_int_equal(auth_code(H_USER, time(NULL), &prompts), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(prompts, 0);
	expect_error_line("admin_file_user_owned");
	/* The explicit option allows it. */
	h_service("auth required %s file=%s/%%u admin_file_user_owned", h.module, admin_dir);
	assert_int_equal(auth_code(H_USER, time(NULL), &prompts), PAM_SUCCESS);
	assert_int_equal(prompts, 1);
}

static void unsafe_admin_dir_named(void **state)
{
	char dir[] = "/tmp/pam_otp_review.XXXXXX", want[200], cmd[100];
	int prompts, rc;

	/* file=/tmp/x/%u: /tmp/x is root's 0755, /tmp above it is world-writable. */
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	h_service("auth required %s file=%s/%%u", h.module, dir);
	log_from_here();
	rc = auth_code(H_USER, time(NULL), &prompts);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(rc, PAM_AUTHINFO_UNAVAIL);
	snprintf(want, sizeof(want), "/tmp (on the way to %s) is not a root-owned directory", dir);
	expect_error_line(want);
}

static void conf_unknown_key(void **state)
{
	char conf[256], want[300];
	int prompts;

	h_write_totp(NULL);
	snprintf(conf, sizeof(conf), "%s/review.conf", h.root);
	unlink(conf);
	write_file_as(conf, "window = 1\nmax_failure = 3\n", 0, 0);
	h_service("auth required %s conf=%s", h.module, conf);
	log_from_here();
	assert_int_equal(auth_code(H_USER, time(NULL), &prompts), PAM_SERVICE_ERR);
	assert_int_equal(prompts, 0);
	snprintf(want, sizeof(want), "%s:2: unknown key \"max_failure\"", conf);
	expect_error_line(want);
	/* The same key on the pam.d line keeps the PAM convention: logged, and on we go. */
	h_service("auth required %s max_failure=3", h.module);
	assert_int_equal(auth_code(H_USER, time(NULL), &prompts), PAM_SUCCESS);
	unlink(conf);
}

static void crash_leftover_removed(void **state)
{
	char stale[300], other[300];
	int prompts;

	h_write_totp(NULL);
	/* What a crash between writing and renaming leaves: the user's, holding the secret. */
	snprintf(stale, sizeof(stale), "%s/..otp.0123456789ab.tmp", h.home);
	write_file_as(stale, "version 1\ntype totp\nsecret " H_SECRET "\n", h.uid, h.gid);
	snprintf(other, sizeof(other), "%s/.otp.notours.tmp", h.home);
	write_file_as(other, "x\n", h.uid, h.gid);
	h_service("auth required %s", h.module);
	assert_int_equal(auth_code(H_USER, time(NULL), &prompts), PAM_SUCCESS);
	assert_int_equal(access(stale, F_OK), -1);
	assert_int_equal(access(other, F_OK), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, reset_admin, remove_admin)
	const struct CMUnitTest tests[] = {
		T(home_missing_nullok),
		T(admin_dir_missing_nullok),
		T(final_file_missing_nullok),
		T(typed_name_admin_path),
		T(typed_name_sealed),
		T(typed_name_grace),
		T(admin_file_must_be_roots),
		T(unsafe_admin_dir_named),
		T(conf_unknown_key),
		T(crash_leftover_removed),
	};
#undef T
	int rc;

	if (geteuid() != 0) {
		printf("skipped: needs root (a private /dev/log, root-owned admin directories)\n");
		return 77;
	}
	cap_start_or_exit(1);
	h_global_setup();
	rc = cmocka_run_group_tests_name("pam_review", tests, NULL, NULL);
	h_global_teardown();
	return rc;
}
