/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/safefile.c: bounded, checked reads, create, remove and admin paths. */
#include "safefile_check.h"

/* ---- reads ---- */

static void test_read_good(void **state)
{
	struct fixture *fx = *state;
	const char *p = path_of(fx, "otp");
	struct otp_file f;
	char *buf = NULL;
	size_t len = 0;

	write_file(p, "version 1\nsecret x\n", 0600);
	assert_int_equal(otp_file_open(&f, p, 0, false, MAX), OTP_OK);
	assert_true(otp_file_exists(&f));
	assert_int_equal(otp_file_read(&f, &buf, &len), OTP_OK);
	assert_int_equal(len, 19);
	assert_string_equal(buf, "version 1\nsecret x\n");
	assert_int_equal(buf[len], '\0');
	otp_secret_free(buf);
	otp_file_close(&f);
	otp_file_close(&f); /* twice is fine */
	/* Owner-read-only is fine too, and an empty file. */
	assert_int_equal(chmod(p, 0400), 0);
	expect_read(p, 0, false, OTP_OK, NULL);
	write_file(path_of(fx, "empty"), "", 0600);
	{
		char *b = NULL;
		size_t l = 99;
		assert_int_equal(read_via(path_of(fx, "empty"), 0, false, MAX, &b, &l, NULL, 0),
				 OTP_OK);
		assert_int_equal(l, 0);
		assert_string_equal(b, "");
		otp_secret_free(b);
	}
}

static void test_missing(void **state)
{
	struct fixture *fx = *state;
	struct otp_file f;

	assert_int_equal(otp_file_open(&f, path_of(fx, "nothing"), 0, false, MAX), OTP_OK);
	assert_false(otp_file_exists(&f));
	otp_file_close(&f);
	expect_read(path_of(fx, "nothing"), 0, false, OTP_E_NOENT, NULL);
	/* A missing directory is not "not enrolled" (a missing home, an NFS outage). */
	assert_int_equal(otp_file_open(&f, path_of(fx, "nodir/otp"), 0, false, MAX), OTP_E_NODIR);
	assert_non_null(strstr(f.why.text, path_of(fx, "nodir")));
	otp_file_close(&f);
}

static void test_bad_paths(void **state)
{
	static const char *const bad[] = { "", "relative/otp", "otp", "/tmp/", "/tmp/.",
					   "/tmp/..", "/" };
	struct otp_file f;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (otp_file_open(&f, bad[i], 0, false, MAX) != OTP_E_INVAL)
			print_error("\"%s\" should be refused\n", bad[i]);
		assert_int_equal(otp_file_open(&f, bad[i], 0, false, MAX), OTP_E_INVAL);
		otp_file_close(&f);
	}
}

static void test_symlink(void **state)
{
	struct fixture *fx = *state;
	struct otp_file f;

	write_file(path_of(fx, "target"), "data\n", 0600);
	assert_int_equal(symlink(path_of(fx, "target"), path_of(fx, "link")), 0);
	expect_read(path_of(fx, "link"), 0, false, OTP_E_UNSAFE, "symbolic link");
	/* A dangling one exists (for create), but cannot be read. */
	assert_int_equal(symlink("/nonexistent/x", path_of(fx, "dangling")), 0);
	assert_int_equal(otp_file_open(&f, path_of(fx, "dangling"), 0, false, MAX), OTP_OK);
	assert_true(otp_file_exists(&f));
	otp_file_close(&f);
	expect_read(path_of(fx, "dangling"), 0, false, OTP_E_UNSAFE, NULL);
}

static void test_fifo(void **state)
{
	struct fixture *fx = *state;
	struct otp_file f;
	struct otp_locked lk;

	assert_int_equal(mkfifo(path_of(fx, "fifo"), 0600), 0);
	alarm(10); /* a blocking open would hang here: fail instead */
	expect_read(path_of(fx, "fifo"), 0, false, OTP_E_UNSAFE, "not a regular file");
	assert_int_equal(otp_file_open(&f, path_of(fx, "fifo"), 0, false, MAX), OTP_OK);
	assert_int_not_equal(otp_file_lock(&f, 100, &lk), OTP_OK);
	assert_int_equal(lk.fd, -1);
	otp_file_close(&f);
	alarm(0);
}

static void test_directory(void **state)
{
	struct fixture *fx = *state;
	struct otp_file f;
	struct otp_locked lk;

	assert_int_equal(mkdir(path_of(fx, "d"), 0700), 0);
	expect_read(path_of(fx, "d"), 0, false, OTP_E_UNSAFE, NULL);
	assert_int_equal(otp_file_open(&f, path_of(fx, "d"), 0, false, MAX), OTP_OK);
	assert_int_not_equal(otp_file_lock(&f, 100, &lk), OTP_OK);
	otp_file_close(&f);
}

static void test_permissions(void **state)
{
	static const mode_t bad[] = { 0640, 0604, 0660, 0606, 0644, 0610, 0601, 0620, 0602,
				      0666, 0777 };
	struct fixture *fx = *state;
	const char *p = path_of(fx, "otp");

	write_file(p, "x\n", 0600);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(chmod(p, bad[i]), 0);
		expect_read(p, 0, false, OTP_E_UNSAFE, "permissions");
	}
	assert_int_equal(chmod(p, 0600), 0);
	expect_read(p, 0, false, OTP_OK, NULL);
	assert_int_equal(chmod(p, 0700), 0);
	expect_read(p, 0, false, OTP_OK, NULL);
}

static void test_owner(void **state)
{
	struct fixture *fx = *state;
	const char *p = path_of(fx, "otp");

	write_file(p, "x\n", 0600);
	assert_int_equal(chown(p, 4321, 4321), 0);
	expect_read(p, 0, false, OTP_E_UNSAFE, "uid 4321");
	expect_read(p, 4322, false, OTP_E_UNSAFE, "uid 4321");
	expect_read(p, 4321, false, OTP_OK, NULL);
	/* A user's file must be writable by the user: its state is updated. */
	assert_int_equal(chmod(p, 0400), 0);
	expect_read(p, 4321, false, OTP_E_UNSAFE, "not writable");
	assert_int_equal(chmod(p, 0200), 0);
	expect_read(p, 4321, false, OTP_OK, NULL);
	assert_int_equal(chmod(p, 0600), 0);
	/* Root owning a user's file in a home directory is not accepted either. */
	assert_int_equal(chown(p, 0, 0), 0);
	expect_read(p, 4321, false, OTP_E_UNSAFE, NULL);
}

static void test_hard_links(void **state)
{
	struct fixture *fx = *state;

	write_file(path_of(fx, "otp"), "x\n", 0600);
	assert_int_equal(link(path_of(fx, "otp"), path_of(fx, "other")), 0);
	expect_read(path_of(fx, "otp"), 0, false, OTP_E_UNSAFE, "hard links");
	expect_read(path_of(fx, "other"), 0, false, OTP_E_UNSAFE, "hard links");
	assert_int_equal(unlink(path_of(fx, "other")), 0);
	expect_read(path_of(fx, "otp"), 0, false, OTP_OK, NULL);
}

static void test_too_big(void **state)
{
	struct fixture *fx = *state;
	char *buf = NULL;
	size_t len = 0;
	struct otp_file f;
	struct otp_locked lk;

	write_file(path_of(fx, "ten"), "0123456789", 0600);
	write_file(path_of(fx, "eleven"), "0123456789a", 0600);
	assert_int_equal(read_via(path_of(fx, "ten"), 0, false, 10, &buf, &len, NULL, 0), OTP_OK);
	assert_int_equal(len, 10);
	otp_secret_free(buf);
	buf = NULL;
	assert_int_equal(read_via(path_of(fx, "eleven"), 0, false, 10, &buf, &len, NULL, 0),
			 OTP_E_TOOBIG);
	assert_null(buf);
	/* The locked path checks the size too. */
	assert_int_equal(otp_file_open(&f, path_of(fx, "eleven"), 0, false, 10), OTP_OK);
	assert_int_equal(otp_file_lock(&f, 100, &lk), OTP_E_TOOBIG);
	otp_file_close(&f);
	/* A file that grows after the lock is caught by the bounded read. */
	assert_int_equal(otp_file_open(&f, path_of(fx, "ten"), 0, false, 10), OTP_OK);
	assert_int_equal(otp_file_lock(&f, 100, &lk), OTP_OK);
	{
		int fd = open(path_of(fx, "ten"), O_WRONLY | O_APPEND);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "more", 4), 4);
		close(fd);
	}
	buf = NULL;
	assert_int_equal(otp_locked_read(&f, &lk, &buf, &len), OTP_E_TOOBIG);
	assert_null(buf);
	otp_file_unlock(&lk);
	otp_file_close(&f);
}

/* ---- create and remove ---- */

static void test_create(void **state)
{
	struct fixture *fx = *state;
	const char *p = path_of(fx, "new");
	struct otp_file f;
	struct stat st;

	assert_int_equal(otp_file_open(&f, p, 4321, false, MAX), OTP_OK);
	assert_int_equal(otp_file_create(&f, "fresh\n", 6, 4321, 4322), OTP_OK);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, 4321);
	assert_int_equal(st.st_gid, 4322);
	assert_string_equal(slurp(p), "fresh\n");
	/* It reads back through the checks. */
	{
		char *buf;
		size_t len;
		assert_int_equal(otp_file_read(&f, &buf, &len), OTP_OK);
		assert_string_equal(buf, "fresh\n");
		otp_secret_free(buf);
	}
	/* An existing file is never clobbered. */
	assert_int_equal(otp_file_create(&f, "other\n", 6, 4321, 4322), OTP_E_EXISTS);
	assert_string_equal(slurp(p), "fresh\n");
	otp_file_close(&f);
	assert_int_equal(count_entries(fx->dir), 1);

	/* Nor a symlink someone put there. */
	assert_int_equal(symlink("/etc/passwd", path_of(fx, "planted")), 0);
	assert_int_equal(otp_file_open(&f, path_of(fx, "planted"), 0, false, MAX), OTP_OK);
	assert_int_equal(otp_file_create(&f, "x\n", 2, 0, 0), OTP_E_EXISTS);
	otp_file_close(&f);
	assert_int_equal(lstat(path_of(fx, "planted"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(count_entries(fx->dir), 2);
}

static void test_remove(void **state)
{
	struct fixture *fx = *state;
	const char *p = path_of(fx, "otp");
	struct otp_file f;

	write_file(p, "x\n", 0600);
	assert_int_equal(otp_file_open(&f, p, 0, false, MAX), OTP_OK);
	assert_int_equal(otp_file_remove(&f), OTP_OK);
	assert_false(otp_file_exists(&f));
	assert_int_equal(otp_file_remove(&f), OTP_E_NOENT);
	otp_file_close(&f);
	assert_int_equal(access(p, F_OK), -1);
	/* An unsafe file is not removed. */
	write_file(p, "x\n", 0644);
	assert_int_equal(otp_file_open(&f, p, 0, false, MAX), OTP_OK);
	assert_int_equal(otp_file_remove(&f), OTP_E_UNSAFE);
	otp_file_close(&f);
	assert_int_equal(access(p, F_OK), 0);
}

/* ---- admin paths ---- */

static void test_admin_path_under_tmp(void **state)
{
	struct fixture *fx = *state;
	const char *p = path_of(fx, "otp");
	struct otp_file f;

	write_file(p, "x\n", 0600);
	/* The directory itself is root's 0700, but /tmp above it is world-writable. */
	assert_int_equal(otp_file_open(&f, p, 0, true, MAX), OTP_E_UNSAFE);
	assert_non_null(strstr(f.why.text, fx->dir));
	/* The message blames the component that failed the check: /tmp, not the directory. */
	assert_int_equal(strncmp(f.why.text, "/tmp ", 5), 0);
	otp_file_close(&f);
	/* The same file as a home-directory path is fine. */
	expect_read(p, 0, false, OTP_OK, NULL);
}

/* Is every directory from / down to dir root-owned and closed to group/other writes? */
static bool trusted_chain(const char *dir)
{
	char buf[512];
	struct stat st;

	snprintf(buf, sizeof(buf), "%s", dir);
	for (;;) {
		if (lstat(buf[0] ? buf : "/", &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
		    (st.st_mode & 022))
			return false;
		char *slash = strrchr(buf, '/');
		if (!slash || !buf[0])
			return true;
		*slash = '\0';
	}
}

static char admin_top[512]; /* removed by teardown_admin even when a check fails */

static int teardown_admin(void **state)
{
	(void)state;
	if (admin_top[0])
		rm_tree(admin_top);
	admin_top[0] = '\0';
	return 0;
}

static void test_admin_path_trusted(void **state)
{
	static const char *const bases[] = { "/root", "/run", "/var/lib", "/etc" };
	char *top = admin_top, sub[600], file[700], link_path[600], link_file[700], msg[1400];
	const char *base = NULL;
	struct otp_file f;
	char *buf;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]) && !base; i++)
		if (trusted_chain(bases[i]))
			base = bases[i];
	if (!base) {
		print_message("no root-owned directory chain to test admin paths in\n");
		skip();
	}
	snprintf(admin_top, sizeof(admin_top), "%s/pam_otp_unit_XXXXXX", base);
	if (!mkdtemp(admin_top)) {
		admin_top[0] = '\0';
		fail_msg("mkdtemp under %s: %s", base, strerror(errno));
	}
	assert_int_equal(chmod(top, 0755), 0);
	snprintf(sub, sizeof(sub), "%s/lib", top);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(file, sizeof(file), "%s/alice", sub);
	write_file(file, "admin\n", 0600);

	assert_int_equal(otp_file_open(&f, file, 0, true, MAX), OTP_OK);
	assert_int_equal(otp_file_read(&f, &buf, &len), OTP_OK);
	assert_string_equal(buf, "admin\n");
	otp_secret_free(buf);
	otp_file_close(&f);
	/* Root may own a user's file in an admin directory; so may the user. */
	expect_read(file, 4321, true, OTP_OK, NULL);
	assert_int_equal(chown(file, 4321, 4321), 0);
	expect_read(file, 4321, true, OTP_OK, NULL);
	/* Nobody else. */
	expect_read(file, 4322, true, OTP_E_UNSAFE, NULL);
	assert_int_equal(chown(file, 0, 0), 0);

	/* A directory on the way that is group- or other-writable, or not root's. */
	assert_int_equal(chmod(sub, 0775), 0);
	expect_read(file, 0, true, OTP_E_UNSAFE, NULL);
	assert_int_equal(chmod(sub, 0757), 0);
	expect_read(file, 0, true, OTP_E_UNSAFE, NULL);
	assert_int_equal(chmod(sub, 0755), 0);
	assert_int_equal(chown(sub, 4321, 0), 0);
	expect_read(file, 0, true, OTP_E_UNSAFE, NULL);
	assert_int_equal(chown(sub, 0, 0), 0);
	assert_int_equal(chmod(top, 0775), 0);
	expect_read(file, 0, true, OTP_E_UNSAFE, NULL);
	assert_int_equal(chmod(top, 0755), 0);
	expect_read(file, 0, true, OTP_OK, NULL);

	/* A symlink on the way is not followed for an admin path. */
	snprintf(link_path, sizeof(link_path), "%s/link", top);
	assert_int_equal(symlink(sub, link_path), 0);
	snprintf(link_file, sizeof(link_file), "%s/alice", link_path);
	expect_read(link_file, 0, true, OTP_E_UNSAFE, NULL);
	expect_read(link_file, 0, false, OTP_OK, NULL); /* a home path may use one */
	/* A missing directory. */
	snprintf(link_file, sizeof(link_file), "%s/nope/alice", top);
	assert_int_equal(otp_file_open(&f, link_file, 0, true, MAX), OTP_E_NODIR);
	snprintf(msg, sizeof(msg), "directory %s/nope does not exist", top);
	assert_non_null(strstr(f.why.text, msg));
	otp_file_close(&f);
	/* A group-writable directory on the way is named, not the directory below it. */
	assert_int_equal(chmod(top, 0775), 0);
	assert_int_equal(otp_file_open(&f, file, 0, true, MAX), OTP_E_UNSAFE);
	snprintf(msg, sizeof(msg), "%s (on the way to %s)", top, sub);
	assert_non_null(strstr(f.why.text, msg));
	otp_file_close(&f);
	assert_int_equal(chmod(top, 0755), 0);

	rm_tree(top);
	assert_int_equal(access(top, F_OK), -1);
	admin_top[0] = '\0';
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_read_good),
		T(test_missing),
		cmocka_unit_test(test_bad_paths),
		T(test_symlink),
		T(test_fifo),
		T(test_directory),
		T(test_permissions),
		T(test_owner),
		T(test_hard_links),
		T(test_too_big),
		T(test_create),
		T(test_remove),
		T(test_admin_path_under_tmp),
		cmocka_unit_test_teardown(test_admin_path_trusted, teardown_admin),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
