/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SMS sender as a process, through the real module and the stand-in sender: killed at
 * its deadline, nothing it started outliving the login, and its full time even after the
 * login waited for the user's lock.
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
		cmocka_unit_test_setup(hanging_sender_is_killed, h_reset),
		cmocka_unit_test_setup(sender_children_die_when_it_exits, h_reset),
		cmocka_unit_test_setup(killed_sender_takes_its_children, h_reset),
		cmocka_unit_test_setup(lock_wait_does_not_shorten_the_sender, h_reset),
	};
	int rc;

	h_global_setup();
	make_state_dir();
	rc = cmocka_run_group_tests_name("pam_sms_sender", tests, NULL, NULL);
	remove_state_dir();
	h_global_teardown();
	return rc;
}
