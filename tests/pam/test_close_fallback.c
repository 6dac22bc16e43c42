/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The sender child closes what the application left open with close_range, and when the
 * kernel has none (before 5.9: ENOSYS) with a walk over /proc/self/fd, and without /proc
 * with a loop up to the descriptor limit. No test machine lacks close_range, so a forked
 * child makes it so: a seccomp filter answers close_range with ENOSYS (and, for the last
 * resort, a tmpfs covers /proc in a mount namespace of its own). That child opens a few
 * descriptors without O_CLOEXEC, then asks the real module for an SMS; the stand-in sender
 * lists its own descriptors, and none of the child's may be among them.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <security/pam_appl.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define NATIVE_ARCH AUDIT_ARCH_I386
#endif

#define PHONE "+15551234567"
/* Where the child puts its extra descriptors: low ones, a middle one, one past the sender's
 * limit of 1024 (which the sender child sets before it closes anything). */
static const int leak_fds[] = { 5, 7, 9, 42, 300, 1500 };
#define N_LEAKS (sizeof(leak_fds) / sizeof(leak_fds[0]))

static char sender[256], listing[300], marker[256], conf[256], realproc[256], state_dir[512];

/* Child exit codes: what went wrong before the module ran. */
enum { C_OK, C_SECCOMP, C_STILL_THERE, C_NO_NS, C_PROC_STILL_THERE, C_MARKER, C_NOT_SENT };

static int deny_close_range(void)
{
#if defined(NATIVE_ARCH) && defined(__NR_close_range)
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), /* other ABIs: not ours to judge */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_close_range, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
		return -1;
	return 0;
#else
	errno = ENOTSUP;
	return -1;
#endif
}

/* /proc hidden under a tmpfs; the real one stays reachable at realproc for the sender's
 * listing (a mount namespace of this child's own: nothing changes outside it). */
static int hide_proc(void)
{
	if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("/proc", realproc, "none", MS_BIND | MS_REC, NULL) != 0 ||
	    mount("none", "/proc", "tmpfs", 0, "mode=0755") != 0)
		return -1;
	return 0;
}

/* The forked child: close_range gone (and /proc too, with no_proc), descriptors left open,
 * then an SMS through the real module. Never returns. */
_Noreturn static void child(bool no_proc)
{
	struct h_conv c = { .answers = { "sms", "1" } };
	struct rlimit rl;
	int fd;

	if (deny_close_range() != 0)
		_exit(C_SECCOMP);
	errno = 0;
	if (syscall(SYS_close_range, 1000U, 1000U, 0) != -1 || errno != ENOSYS)
		_exit(C_STILL_THERE);
	if (no_proc) {
		if (hide_proc() != 0)
			_exit(C_NO_NS);
		if (access("/proc/self/fd", F_OK) == 0)
			_exit(C_PROC_STILL_THERE);
	}
	/* Room for the highest one (the sender's own limit is lower). */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 2048 && rl.rlim_max >= 2048) {
		rl.rlim_cur = 2048;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* Plain open: no O_CLOEXEC, as a careless application would. One at the lowest free
	 * number, the others at fixed ones. */
	if ((fd = open(marker, O_RDONLY)) < 0)
		_exit(C_MARKER);
	for (size_t i = 0; i < N_LEAKS; i++)
		if (dup2(fd, leak_fds[i]) != leak_fds[i])
			_exit(C_MARKER);
	h_auth(H_USER, &c, 0);
	_exit(c.prompts >= 2 && strstr(c.prompt_text[1], "Code sent to") ? C_OK : C_NOT_SENT);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void setup_sms(bool no_proc)
{
	char text[1200];

	snprintf(sender, sizeof(sender), "%s/sender.sh", h.root);
	snprintf(listing, sizeof(listing), "%s/sender.fds", h.root);
	snprintf(marker, sizeof(marker), "%s/left-open-by-the-application", h.root);
	snprintf(conf, sizeof(conf), "%s/sms.conf", h.root);
	unlink(listing);
	write_file(marker, "x\n", 0644);
	/* The listing first, before the shell does anything else; ls is a child, so /proc/$$
	 * is the shell as the module started it (plus what dash itself opens, at 10 and up). */
	snprintf(text, sizeof(text), "#!/bin/sh\n/bin/ls -l %s/$$/fd/ > %s\ncat > /dev/null\n"
		 "echo 'ok provider=fake status=201'\n", no_proc ? realproc : "/proc", listing);
	write_file(sender, text, 0755);
	snprintf(text, sizeof(text), "provider = twilio\nsms_countries = any\n"
		 "sms_host_state = %s/host_count\n", state_dir);
	write_file(conf, text, 0600);
	h_service("auth required %s conf=%s sms_helper=%s", h.test_module, conf, sender);
	h_write_totp("phone " PHONE "\n");
}

struct entry {
	int fd;
	char target[300];
};

/* "lr-x------ 1 root root 64 Dec  4 06:05 10 -> /dev/null" lines into entries. */
static size_t parse_listing(const char *text, struct entry *e, size_t max)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, " -> ")) && n < max; p += 4) {
		const char *start = p, *end = strchr(p + 4, '\n');

		while (start > text && start[-1] >= '0' && start[-1] <= '9')
			start--;
		e[n].fd = atoi(start);
		snprintf(e[n].target, sizeof(e[n].target), "%.*s",
			 (int)(end ? end - (p + 4) : (long)strlen(p + 4)), p + 4);
		n++;
	}
	return n;
}

static void run_case(bool no_proc)
{
	struct entry e[64];
	char text[8192];
	int status, fd;
	ssize_t len;
	size_t n;
	pid_t pid;

	setup_sms(no_proc);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child(no_proc);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == C_SECCOMP)
		skip(); /* no seccomp (or not this architecture): nothing to test here */
	assert_int_equal(WEXITSTATUS(status), C_OK);

	fd = open(listing, O_RDONLY);
	assert_true(fd >= 0);
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	assert_true(len > 0);
	text[len] = '\0';
	print_message("the sender's descriptors:\n%s", text);
	n = parse_listing(text, e, sizeof(e) / sizeof(e[0]));
	assert_true(n >= 3);
	for (size_t i = 0; i < n; i++) {
		const char *t = e[i].target;

		if (strcmp(t, marker) == 0)
			fail_msg("descriptor %d, left open by the application, reached the sender",
				 e[i].fd);
		if (e[i].fd <= 2)
			continue;
		/* Anything else is dash's own, at 10 and up: its script, or the copy of 0-2 it
		 * saves while it redirects the listing (the module's pipes, or /dev/null). */
		if (e[i].fd < 10 || (strcmp(t, sender) != 0 && strncmp(t, "pipe:[", 6) != 0 &&
				     strcmp(t, "/dev/null") != 0))
			fail_msg("the sender has descriptor %d open (%s)", e[i].fd, t);
	}
}

static void close_range_missing(void **state)
{
	run_case(false);
}

static void close_range_and_proc_missing(void **state)
{
	run_case(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(close_range_missing, h_reset),
		cmocka_unit_test_setup(close_range_and_proc_missing, h_reset),
	};
	const char *base = getenv("PAM_OTP_STATE_DIR");
	char path[600];
	int rc;

	h_global_setup();
	snprintf(realproc, sizeof(realproc), "%s/realproc", h.root);
	if (mkdir(realproc, 0755) != 0)
		return 1;
	snprintf(state_dir, sizeof(state_dir), "%s/closefb_state.XXXXXX", base ? base : "/run");
	if (!mkdtemp(state_dir))
		return 1;
	rc = cmocka_run_group_tests_name("pam_close_fallback", tests, NULL, NULL);
	snprintf(path, sizeof(path), "%s/host_count", state_dir);
	unlink(path);
	rmdir(state_dir);
	rmdir(realproc);
	h_global_teardown();
	return rc;
}
