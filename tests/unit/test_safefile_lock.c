/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/safefile.c: the lock and the atomic replace. */
#include "safefile_check.h"

/* ---- lock and replace ---- */

static void check_replace_keeps(struct fixture *fx, mode_t mode, uid_t uid, gid_t gid)
{
	const char *p = path_of(fx, "otp");
	struct otp_file f;
	struct otp_locked lk;
	struct stat before, after;
	char *buf = NULL;
	size_t len = 0;

	unlink(p);
	write_file(p, "old\n", mode);
	assert_int_equal(chown(p, uid, gid), 0);
	assert_int_equal(chmod(p, mode), 0);
	assert_int_equal(stat(p, &before), 0);
	assert_int_equal(otp_file_open(&f, p, uid, false, MAX), OTP_OK);
	assert_int_equal(otp_file_lock(&f, 1000, &lk), OTP_OK);
	assert_true(lk.fd >= 0);
	assert_int_equal(otp_locked_read(&f, &lk, &buf, &len), OTP_OK);
	assert_string_equal(buf, "old\n");
	otp_secret_free(buf);
	assert_int_equal(otp_file_replace(&f, &lk, "new content\n", 12), OTP_OK);
	otp_file_unlock(&lk);
	assert_int_equal(lk.fd, -1);
	otp_file_close(&f);

	assert_int_equal(stat(p, &after), 0);
	assert_true(S_ISREG(after.st_mode));
	assert_int_equal(after.st_mode & 07777, mode);
	assert_int_equal(after.st_uid, uid);
	assert_int_equal(after.st_gid, gid);
	assert_int_equal(after.st_nlink, 1);
	assert_int_not_equal(after.st_ino, before.st_ino); /* replaced, not rewritten */
	assert_string_equal(slurp(p), "new content\n");
	assert_int_equal(count_entries(fx->dir), 1);      /* no temp file left */
}

static void test_lock_replace(void **state)
{
	struct fixture *fx = *state;

	check_replace_keeps(fx, 0600, 0, 0);
	check_replace_keeps(fx, 0600, 4321, 4322);
	check_replace_keeps(fx, 0400, 0, 0); /* read-only is fine for root (admin files) */
	check_replace_keeps(fx, 0700, 1000, 100);
}

static void test_replace_many_times(void **state)
{
	struct fixture *fx = *state;
	const char *p = path_of(fx, "otp");
	char data[64], *buf;
	size_t len;

	write_file(p, "v0\n", 0600);
	for (int i = 1; i <= 20; i++) {
		struct otp_file f;
		struct otp_locked lk;

		assert_int_equal(otp_file_open(&f, p, 0, false, MAX), OTP_OK);
		assert_int_equal(otp_file_lock(&f, 1000, &lk), OTP_OK);
		assert_int_equal(otp_locked_read(&f, &lk, &buf, &len), OTP_OK);
		snprintf(data, sizeof(data), "v%d\n", i - 1);
		assert_string_equal(buf, data);
		otp_secret_free(buf);
		snprintf(data, sizeof(data), "v%d\n", i);
		assert_int_equal(otp_file_replace(&f, &lk, data, strlen(data)), OTP_OK);
		otp_file_unlock(&lk);
		otp_file_close(&f);
	}
	assert_string_equal(slurp(p), "v20\n");
	assert_int_equal(count_entries(fx->dir), 1);
}

static void test_replace_detects_swap(void **state)
{
	struct fixture *fx = *state;
	const char *p = path_of(fx, "otp");
	struct otp_file f;
	struct otp_locked lk;

	write_file(p, "mine\n", 0600);
	assert_int_equal(otp_file_open(&f, p, 0, false, MAX), OTP_OK);
	assert_int_equal(otp_file_lock(&f, 1000, &lk), OTP_OK);
	/* Someone who ignores the lock renames a new file over ours. */
	write_file(path_of(fx, "intruder"), "theirs\n", 0600);
	assert_int_equal(rename(path_of(fx, "intruder"), p), 0);
	assert_int_equal(otp_file_replace(&f, &lk, "update\n", 7), OTP_E_CHANGED);
	otp_file_unlock(&lk);
	otp_file_close(&f);
	assert_string_equal(slurp(p), "theirs\n");
	assert_int_equal(count_entries(fx->dir), 1);
	/* Replace without a lock is refused. */
	assert_int_equal(otp_file_open(&f, p, 0, false, MAX), OTP_OK);
	lk.fd = -1;
	assert_int_equal(otp_file_replace(&f, &lk, "x\n", 2), OTP_E_INVAL);
	otp_file_close(&f);
	assert_string_equal(slurp(p), "theirs\n");
}

/* The child takes the lock, tells the parent, holds it until told to go. */
static void child_hold_lock(const char *path, int ready_fd, int go_fd, const char *replace)
{
	struct otp_file f;
	struct otp_locked lk;
	char c = 'L';

	if (otp_file_open(&f, path, 0, false, MAX) != OTP_OK ||
	    otp_file_lock(&f, 1000, &lk) != OTP_OK)
		_exit(2);
	if (write(ready_fd, &c, 1) != 1)
		_exit(3);
	if (go_fd >= 0) {
		if (read(go_fd, &c, 1) != 1)
			_exit(4);
	} else {
		usleep(300 * 1000);
	}
	if (replace && otp_file_replace(&f, &lk, replace, strlen(replace)) != OTP_OK)
		_exit(5);
	otp_file_unlock(&lk);
	otp_file_close(&f);
	_exit(0);
}

static void test_lock_timeout(void **state)
{
	struct fixture *fx = *state;
	const char *p = path_of(fx, "otp");
	int ready[2], go[2], status;
	struct otp_file f;
	struct otp_locked lk;
	pid_t pid;
	long t0, elapsed;
	char c;

	write_file(p, "x\n", 0600);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		child_hold_lock(p, ready[1], go[0], NULL);
	}
	close(ready[1]);
	close(go[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);

	assert_int_equal(otp_file_open(&f, p, 0, false, MAX), OTP_OK);
	t0 = ms_now();
	assert_int_equal(otp_file_lock(&f, 300, &lk), OTP_E_LOCK);
	elapsed = ms_now() - t0;
	assert_int_equal(lk.fd, -1);
	assert_non_null(strstr(f.why.text, "lock"));
	if (elapsed < 280 || elapsed > 3000)
		print_error("gave up after %ld ms, expected about 300\n", elapsed);
	assert_true(elapsed >= 280 && elapsed <= 3000);
	/* A zero timeout gives up at once. */
	t0 = ms_now();
	assert_int_equal(otp_file_lock(&f, 0, &lk), OTP_E_LOCK);
	assert_true(ms_now() - t0 < 200);

	/* Released: the lock is ours. */
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(otp_file_lock(&f, 1000, &lk), OTP_OK);
	otp_file_unlock(&lk);
	otp_file_close(&f);
	close(ready[0]);
	close(go[1]);
}

/* Waiting for the lock while the holder replaces the file: the waiter reads the new one. */
static void test_lock_follows_replace(void **state)
{
	struct fixture *fx = *state;
	const char *p = path_of(fx, "otp");
	int ready[2], status;
	struct otp_file f;
	struct otp_locked lk;
	char *buf = NULL, c;
	size_t len;
	pid_t pid;

	write_file(p, "v1\n", 0600);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		child_hold_lock(p, ready[1], -1, "v2 from the other process\n");
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(otp_file_open(&f, p, 0, false, MAX), OTP_OK);
	assert_int_equal(otp_file_lock(&f, 5000, &lk), OTP_OK);
	assert_int_equal(otp_locked_read(&f, &lk, &buf, &len), OTP_OK);
	assert_string_equal(buf, "v2 from the other process\n");
	otp_secret_free(buf);
	/* And our replace goes on top of theirs. */
	assert_int_equal(otp_file_replace(&f, &lk, "v3\n", 3), OTP_OK);
	otp_file_unlock(&lk);
	otp_file_close(&f);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_string_equal(slurp(p), "v3\n");
	assert_int_equal(count_entries(fx->dir), 1);
	close(ready[0]);
}

/* Temp files a crash left (they may hold the secret) are removed under the lock: only
 * regular files of the file's owner named exactly as create_temp names them. */
static void test_lock_removes_stale_temps(void **state)
{
	struct fixture *fx = *state;
	const char *p = path_of(fx, "otp");
	static const char *const kept[] = {
		".otp.0123456789AB.tmp", ".otp.0123456789ab.tmp.x", ".other.0123456789ab.tmp",
		".otp.0123456789a.tmp", "otp.0123456789ab.tmp", ".otp.0123456789abc.tmp",
	};
	char target[300], link[300], dir[300], name[300];
	struct otp_file f;
	struct otp_locked lk;
	struct stat st;

	write_file(p, "state\n", 0600);
	snprintf(name, sizeof(name), "%s/.otp.0123456789ab.tmp", fx->dir);
	write_file(name, "secret JBSWY3DPEHPK3PXP\n", 0600);
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		char other[300];
		snprintf(other, sizeof(other), "%s/%s", fx->dir, kept[i]);
		write_file(other, "x\n", 0600);
	}
	snprintf(target, sizeof(target), "%s/target", fx->dir);
	write_file(target, "t\n", 0600);
	snprintf(link, sizeof(link), "%s/.otp.aaaaaaaaaaaa.tmp", fx->dir);
	assert_int_equal(symlink(target, link), 0);
	snprintf(dir, sizeof(dir), "%s/.otp.bbbbbbbbbbbb.tmp", fx->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	if (geteuid() == 0) { /* someone else's file with our name is not ours to remove */
		char theirs[300];
		snprintf(theirs, sizeof(theirs), "%s/.otp.cccccccccccc.tmp", fx->dir);
		write_file(theirs, "x\n", 0600);
		assert_int_equal(chown(theirs, 4321, 4321), 0);
	}
	assert_int_equal(otp_file_open(&f, p, geteuid(), false, MAX), OTP_OK);
	/* Reading without the lock leaves them: a writer may be at work. */
	assert_int_equal(otp_file_exists(&f), true);
	assert_int_equal(access(name, F_OK), 0);
	assert_int_equal(otp_file_lock(&f, 1000, &lk), OTP_OK);
	otp_file_unlock(&lk);
	otp_file_close(&f);
	assert_int_equal(access(name, F_OK), -1);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_string_equal(slurp(target), "t\n");
	assert_int_equal(stat(dir, &st), 0);
	assert_string_equal(slurp(p), "state\n");
	/* otp, 6 kept names, target, link, dir (and someone else's file as root). */
	assert_int_equal(count_entries(fx->dir), 10 + (geteuid() == 0));
}

/*
 * The read buffer is sized from the size at lock time: a file that grows afterwards (a
 * writer that ignores our lock) is still read whole, or refused once over the limit.
 */
static void test_locked_read_follows_growth(void **state)
{
	struct fixture *fx = *state;
	const char *p = path_of(fx, "otp");
	static char big[MAX + 10];
	struct otp_file f;
	struct otp_locked lk;
	char *buf = NULL;
	size_t len = 0;
	FILE *w;

	write_file(p, "short\n", 0600);
	assert_int_equal(otp_file_open(&f, p, geteuid(), false, MAX), OTP_OK);
	assert_int_equal(otp_file_lock(&f, 1000, &lk), OTP_OK);
	assert_int_equal(lk.st.st_size, 6);
	w = fopen(p, "a");
	assert_non_null(w);
	fputs("grown after the lock\n", w);
	fclose(w);
	assert_int_equal(otp_locked_read(&f, &lk, &buf, &len), OTP_OK);
	assert_int_equal(len, 27);
	assert_string_equal(buf, "short\ngrown after the lock\n");
	otp_secret_free(buf);
	/* Past the limit: refused, never cut. */
	memset(big, 'x', sizeof(big));
	w = fopen(p, "a");
	assert_non_null(w);
	assert_int_equal(fwrite(big, 1, sizeof(big), w), sizeof(big));
	fclose(w);
	buf = NULL;
	assert_int_equal(otp_locked_read(&f, &lk, &buf, &len), OTP_E_TOOBIG);
	assert_null(buf);
	otp_file_unlock(&lk);
	otp_file_close(&f);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_lock_replace),
		T(test_replace_many_times),
		T(test_replace_detects_swap),
		T(test_lock_timeout),
		T(test_lock_follows_replace),
		T(test_lock_removes_stale_temps),
		T(test_locked_read_follows_growth),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
