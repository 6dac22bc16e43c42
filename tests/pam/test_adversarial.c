/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hostile files and hostile conditions, through the real module: every case must end in a
 * refusal (never success, never a hang), and the state file must survive intact.
 */
#include "harness.h"
#include "safefile.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <security/pam_appl.h>

#define T0 ((time_t)1800000000)

static int refused(void)
{
	struct h_conv c = { .answers = { "123456" } };
	int rc;

	h_service("auth required %s nullok", h.module);
	rc = h_auth(H_USER, &c, 0);
	assert_int_equal(c.prompts, 0); /* refused before asking anything */
	return rc;
}

static void special_files(void **state)
{
	/* A FIFO must not block the open (O_NONBLOCK) and is refused. */
	assert_int_equal(mkfifo(h.otp, 0600), 0);
	assert_int_equal(refused(), PAM_AUTHINFO_UNAVAIL);
	unlink(h.otp);
	assert_int_equal(mkdir(h.otp, 0700), 0);
	assert_int_equal(refused(), PAM_AUTHINFO_UNAVAIL);
	rmdir(h.otp);
	if (geteuid() == 0) {
		assert_int_equal(mknod(h.otp, S_IFCHR | 0600, makedev(1, 3)), 0); /* /dev/null */
		assert_int_equal(refused(), PAM_AUTHINFO_UNAVAIL);
		unlink(h.otp);
	}
	assert_int_equal(symlink("/dev/zero", h.otp), 0);
	assert_int_equal(refused(), PAM_AUTHINFO_UNAVAIL);
	unlink(h.otp);
}

static void hard_links(void **state)
{
	char other[300];

	/* A second name for the user's own file. */
	h_write_totp(NULL);
	snprintf(other, sizeof(other), "%s/copy", h.home);
	assert_int_equal(link(h.otp, other), 0);
	assert_int_equal(refused(), PAM_AUTHINFO_UNAVAIL);
	unlink(other);
	/* A hard link to someone else's file. */
	if (geteuid() == 0) {
		snprintf(other, sizeof(other), "%s/bobs", h.root);
		unlink(h.otp);
		FILE *f = fopen(other, "w");
		fprintf(f, "version 1\ntype totp\nsecret %s\n", H_SECRET);
		fclose(f);
		assert_int_equal(chown(other, 4321, 4321), 0);
		assert_int_equal(chmod(other, 0600), 0);
		assert_int_equal(link(other, h.otp), 0);
		assert_int_equal(refused(), PAM_AUTHINFO_UNAVAIL);
		unlink(other);
	}
}

static void write_big(size_t size, char fill, bool newline_every_line)
{
	char *buf = malloc(size);
	int fd;

	assert_non_null(buf);
	memset(buf, fill, size);
	memcpy(buf, "version 1\ntype totp\nsecret " H_SECRET "\n", 37 + strlen(H_SECRET) - 16);
	if (newline_every_line)
		for (size_t i = 100; i < size; i += 80)
			buf[i] = '\n';
	buf[size - 1] = '\n';
	unlink(h.otp);
	fd = open(h.otp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_int_equal(write(fd, buf, size), (ssize_t)size);
	close(fd);
	if (geteuid() == 0)
		assert_int_equal(chown(h.otp, h.uid, h.gid), 0);
	free(buf);
}

static void oversized_and_broken(void **state)
{
	static const char nul[] = "version 1\ntype totp\0\nsecret " H_SECRET "\n";

	write_big(10 * 1024 * 1024, 'x', true);   /* 10 MB */
	assert_int_equal(refused(), PAM_AUTHINFO_UNAVAIL);
	write_big(1024 * 1024 + 200, 'x', false); /* one line of 1 MB */
	assert_int_equal(refused(), PAM_AUTHINFO_UNAVAIL);
	unlink(h.otp);
	int fd = open(h.otp, O_WRONLY | O_CREAT, 0600);
	assert_int_equal(write(fd, nul, sizeof(nul) - 1), (ssize_t)sizeof(nul) - 1);
	close(fd);
	if (geteuid() == 0)
		assert_int_equal(chown(h.otp, h.uid, h.gid), 0);
	assert_int_equal(refused(), PAM_AUTHINFO_UNAVAIL);
	h_write_otp("version 1\ntype totp\nsecret JBSWY3DP", 0600); /* cut mid-line */
	assert_int_equal(refused(), PAM_AUTHINFO_UNAVAIL);
	h_write_otp("version 2\ntype totp\nsecret " H_SECRET "\n", 0600);
	assert_int_equal(refused(), PAM_AUTHINFO_UNAVAIL);
	h_write_totp(NULL);
	assert_int_equal(chmod(h.otp, 0666), 0);
	assert_int_equal(refused(), PAM_AUTHINFO_UNAVAIL);
}

static void home_not_accessible(void **state)
{
	if (geteuid() != 0)
		skip(); /* the owner could still search it */
	h_write_totp(NULL);
	assert_int_equal(chmod(h.home, 0), 0);
	assert_int_equal(refused(), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(chmod(h.home, 0700), 0);
}

/* Someone who ignores our lock renames a file over ours after we locked: we must not
 * clobber theirs. */
static void replaced_between_lock_and_rename(void **state)
{
	struct otp_file f;
	struct otp_locked lk;
	char other[300], buf[64];
	int fd;

	h_write_totp(NULL);
	assert_int_equal(otp_file_open(&f, h.otp, h.uid, false, OTP_FILE_MAX), OTP_OK);
	assert_int_equal(otp_file_lock(&f, 1000, &lk), OTP_OK);
	snprintf(other, sizeof(other), "%s/theirs", h.home);
	fd = open(other, O_WRONLY | O_CREAT, 0600);
	assert_int_equal(write(fd, "theirs\n", 7), 7);
	close(fd);
	assert_int_equal(rename(other, h.otp), 0);
	assert_int_equal(otp_file_replace(&f, &lk, "ours\n", 5), OTP_E_CHANGED);
	otp_file_unlock(&lk);
	otp_file_close(&f);
	fd = open(h.otp, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 7);
	close(fd);
	assert_memory_equal(buf, "theirs\n", 7);
}

/* A full disk: the login fails closed and the old file survives byte for byte. */
static void disk_full(void **state)
{
	char code[9], before[4096], after[4096], fill[300];
	ssize_t nb, na;
	int fd;

	if (geteuid() != 0)
		skip();
	assert_int_equal(mount("tmpfs", h.home, "tmpfs", 0, "size=64k,mode=0700"), 0);
	assert_int_equal(chown(h.home, h.uid, h.gid), 0);
	h_write_totp(NULL);
	fd = open(h.otp, O_RDONLY);
	nb = read(fd, before, sizeof(before));
	close(fd);
	snprintf(fill, sizeof(fill), "%s/fill", h.home);
	fd = open(fill, O_WRONLY | O_CREAT, 0600);
	memset(after, 'f', sizeof(after));
	while (write(fd, after, sizeof(after)) > 0)
		;
	while (write(fd, after, 1) > 0)
		;
	close(fd);
	h_service("auth required %s", h.module);
	h_totp(time(NULL), code);
	struct h_conv c = { .answers = { code } };
	int full = h_auth(H_USER, &c, 0);
	fd = open(h.otp, O_RDONLY);
	na = read(fd, after, sizeof(after));
	close(fd);
	unlink(fill);
	struct h_conv c2 = { .answers = { code } };
	int freed = h_auth(H_USER, &c2, 0);
	umount(h.home);
	assert_int_equal(full, PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(na, nb);
	assert_memory_equal(before, after, (size_t)nb);
	assert_int_equal(freed, PAM_SUCCESS); /* once there is room, the same code works */
}

/* kill -9 at random points while the module updates the file: it always parses, and the
 * failure counter never goes back. */
static void kill9_during_updates(void **state)
{
	unsigned last = 0, updates = 0;

	h_write_totp(NULL);
	h_service("auth required %s max_failures=0", h.module);
	srand((unsigned)time(NULL));
	for (int round = 0; round < 200; round++) {
		struct otp_record rec;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			for (;;) {
				struct h_conv c = { .answers = { "000000" } };
				h_auth(H_USER, &c, 0);
			}
		}
		struct timespec ts = { 0, (long)(10000 + rand() % 90000) * 1000L }; /* 10-100 ms */
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		h_read_record(&rec); /* asserts that it parses */
		assert_true(rec.failures >= last);
		updates += rec.failures - last;
		last = rec.failures;
		otp_record_clear(&rec);
	}
	print_message("kill -9 x200: file always valid, %u updates survived, counter monotonic\n",
		      updates);
	assert_true(updates >= 100); /* the kills landed among many updates, not before any */
}

/* 10,000 wrong guesses, one per second: the lockout decides how many are even checked. */
static void brute_force(void **state)
{
	char right[9];
	int checked = 0, refused_locked = 0;
	time_t now = T0;

	h_write_totp(NULL);
	h_service("auth required %s", h.test_module);
	for (int i = 0; i < 10000; i++, now++) {
		char guess[9];
		struct h_conv c = { .answers = { guess } };
		int rc;

		snprintf(guess, sizeof(guess), "%06d", (i * 7919) % 1000000);
		h_totp(now, right);
		if (strcmp(guess, right) == 0)
			continue; /* not a wrong guess */
		h_set_now(now);
		rc = h_auth(H_USER, &c, 0);
		if (rc == PAM_AUTH_ERR)
			checked++;
		else if (rc == PAM_MAXTRIES)
			refused_locked++;
		else
			fail_msg("guess %d: unexpected PAM result %d", i, rc);
	}
	print_message("brute force: 10000 guesses, %d checked, %d refused by the lockout\n",
		      checked, refused_locked);
	/* 3 free, then lockouts of 30, 60, ... capped at 900 s: under 25 in 10,000 s. */
	assert_true(checked >= 3 && checked <= 25);
	/* After the lockout expires, the right code works. */
	struct otp_record rec;
	h_read_record(&rec);
	now = rec.locked_until > now ? rec.locked_until : now;
	otp_record_clear(&rec);
	h_set_now(now);
	h_totp(now, right);
	struct h_conv ok = { .answers = { right } };
	assert_int_equal(h_auth(H_USER, &ok, 0), PAM_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(special_files, h_reset),
		cmocka_unit_test_setup(hard_links, h_reset),
		cmocka_unit_test_setup(oversized_and_broken, h_reset),
		cmocka_unit_test_setup(home_not_accessible, h_reset),
		cmocka_unit_test_setup(replaced_between_lock_and_rename, h_reset),
		cmocka_unit_test_setup(disk_full, h_reset),
		cmocka_unit_test_setup(kill9_during_updates, h_reset),
		cmocka_unit_test_setup(brute_force, h_reset),
	};
	int rc;

	h_global_setup();
	rc = cmocka_run_group_tests_name("pam_adversarial", tests, NULL, NULL);
	h_global_teardown();
	return rc;
}
