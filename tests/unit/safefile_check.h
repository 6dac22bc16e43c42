/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by the test_safefile*.c programs: the temp-directory fixture and helpers for common/safefile.c. */
#ifndef PAM_OTP_TEST_SAFEFILE_CHECK_H
#define PAM_OTP_TEST_SAFEFILE_CHECK_H

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

static inline int setup(void **state)
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

static inline int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static inline void rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline int teardown(void **state)
{
	struct fixture *fx = *state;

	rm_tree(fx->dir);
	free(fx);
	return 0;
}

static inline char *path_of(const struct fixture *fx, const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", fx->dir, name);
	return buf[k];
}

static inline void write_file(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static inline char *slurp(const char *path)
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
static inline int count_entries(const char *dir)
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

static inline int read_via(const char *path, uid_t owner, bool admin, size_t max, char **buf,
			   size_t *len, char *why, size_t whysz)
{
	struct otp_file f;
	int rc = otp_file_open(&f, path, owner, admin, max);

	if (rc == OTP_OK)
		rc = otp_file_read(&f, buf, len);
	if (why)
		snprintf(why, whysz, "%s", f.why.text);
	otp_file_close(&f);
	return rc;
}

static inline void expect_read(const char *path, uid_t owner, bool admin, int want,
			       const char *why_part)
{
	char *buf = NULL, why[sizeof(((struct otp_file *)0)->why)];
	size_t len = 0;
	int rc = read_via(path, owner, admin, MAX, &buf, &len, why, sizeof(why));

	if (rc != want || (why_part && !strstr(why, why_part)))
		print_error("reading %s (owner %u, admin %d): got %d (%s), want %d (~%s)\n", path,
			    (unsigned)owner, admin, rc, why, want, why_part ? why_part : "");
	assert_int_equal(rc, want);
	if (why_part)
		assert_non_null(strstr(why, why_part));
	if (rc == OTP_OK)
		otp_secret_free(buf);
	else
		assert_null(buf);
}

static inline long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

#endif
