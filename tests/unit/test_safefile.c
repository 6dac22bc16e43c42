/*
 * Unit tests for common/safefile.c: checked reads, the OFD lock, atomic replace and create.
 * Runs as root (chown to other uids); everything happens in fresh temporary directories.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "safefile.h"
#include "secmem.h"

#define MAX 4096

struct fixture {
	char dir[256];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/pam_otp_safefile_XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	rm_tree(fx->dir);
	free(fx);
	return 0;
}

static char *path_of(const struct fixture *fx, const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", fx->dir, name);
	return buf[k];
}

static void write_file(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static char *slurp(const char *path)
{
	static char buf[MAX + 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, MAX);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

/* Number of entries in dir other than . and .. (temp files left behind show up here). */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int read_via(const char *path, uid_t owner, bool admin, size_t max, char **buf,
		    size_t *len, char *why, size_t whysz)
{
	struct otp_file f;
	int rc = otp_file_open(&f, path, owner, admin, max);

	if (rc == OTP_OK)
		rc = otp_file_read(&f, buf, len);
	if (why)
		snprintf(why, whysz, "%s", f.why);
	otp_file_close(&f);
	return rc;
}

static void expect_read(const char *path, uid_t owner, bool admin, int want,
			const char *why_part)
{
	char *buf = NULL, why[200];
	size_t len = 0;
	int rc = read_via(path, owner, admin, MAX, &buf, &len, why, sizeof(why));

	if (rc != want || (why_part && !strstr(why, why_part)))
		print_error("reading %s (owner %u, admin %d): got %d (%s), want %d (~%s)\n", path,
			    (unsigned)owner, admin, rc, why, want, why_part ? why_part : "");
	assert_int_equal(rc, want);
	if (why_part)
		assert_non_null(strstr(why, why_part));
	if (rc == OTP_OK)
		otp_free_str(buf);
	else
		assert_null(buf);
}

static long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

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
	otp_free_str(buf);
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
		otp_free_str(b);
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
	/* A missing directory. */
	assert_int_equal(otp_file_open(&f, path_of(fx, "nodir/otp"), 0, false, MAX), OTP_E_NOENT);
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
	otp_free_str(buf);
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
	otp_free_str(buf);
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
		otp_free_str(buf);
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
	assert_non_null(strstr(f.why, "lock"));
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
	otp_free_str(buf);
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
		otp_free_str(buf);
	}
	/* An existing file is never clobbered. */
	assert_int_equal(otp_file_create(&f, "other\n", 6, 4321, 4322), OTP_E_INVAL);
	assert_string_equal(slurp(p), "fresh\n");
	otp_file_close(&f);
	assert_int_equal(count_entries(fx->dir), 1);

	/* Nor a symlink someone put there. */
	assert_int_equal(symlink("/etc/passwd", path_of(fx, "planted")), 0);
	assert_int_equal(otp_file_open(&f, path_of(fx, "planted"), 0, false, MAX), OTP_OK);
	assert_int_equal(otp_file_create(&f, "x\n", 2, 0, 0), OTP_E_INVAL);
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
	assert_non_null(strstr(f.why, fx->dir));
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
	char *top = admin_top, sub[600], file[700], link_path[600], link_file[700];
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
	otp_free_str(buf);
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
	assert_int_equal(otp_file_open(&f, link_file, 0, true, MAX), OTP_E_NOENT);
	otp_file_close(&f);

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
		T(test_lock_replace),
		T(test_replace_many_times),
		T(test_replace_detects_swap),
		T(test_lock_timeout),
		T(test_lock_follows_replace),
		T(test_create),
		T(test_remove),
		T(test_admin_path_under_tmp),
		cmocka_unit_test_teardown(test_admin_path_trusted, teardown_admin),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
