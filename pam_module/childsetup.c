/* SPDX-License-Identifier: BSD-2-Clause */
#include "childsetup.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NOFILE_MAX 1024                     /* select()-safe, plenty for curl */
#define FSIZE_MAX ((rlim_t)64 << 20)        /* the sender writes no large file */
#define CLOSE_LOOP_MAX 65536                /* when neither close_range nor /proc works */

const char *child_step_name(int step)
{
	switch (step) {
	case CHILD_STEP_SESSION: return "cannot start a new session";
	case CHILD_STEP_SIGNALS: return "cannot reset the signal state";
	case CHILD_STEP_DIR: return "cannot change to /";
	case CHILD_STEP_GROUPS: return "cannot drop the supplementary groups";
	case CHILD_STEP_LIMITS: return "cannot set its resource limits";
	case CHILD_STEP_FDS: return "cannot close inherited descriptors";
	default: return "cannot run";
	}
}

static int reset_signals(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		/* Signal numbers the C library reserves for itself fail with EINVAL: skip them. */
		if (sigaction(sig, &dfl, NULL) != 0 && errno != EINVAL)
			return -1;
	}
	sigemptyset(&none);
	return sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Set a limit to want (soft and hard); unprivileged, settle for what the hard limit allows. */
static int limit(int res, rlim_t want)
{
	struct rlimit rl = { want, want };

	if (setrlimit(res, &rl) == 0)
		return 0;
	if (getrlimit(res, &rl) != 0)
		return -1;
	if (want != RLIM_INFINITY && (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want))
		rl.rlim_max = want; /* lowering is always allowed */
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(res, &rl);
}

/*
 * The RLIMIT_NOFILE hard limit the application had, before sane_limits lowers it: its
 * descriptors may lie above the new limit (lowering it closes nothing), and the last-resort
 * loop in child_close_from must reach them. 0: unknown (child_setup not run, or no answer).
 * Only ever set in the forked child.
 */
static rlim_t inherited_nofile_max;

static int sane_limits(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		inherited_nofile_max = rl.rlim_max;
	/* No core file with a code or a credential in it: that one must hold. */
	if (limit(RLIMIT_CORE, 0) != 0)
		return -1;
	/* Best effort: none of the caller's tight limits (a small FSIZE, AS or CPU) should
	 * break the sender half way through a request, and a bounded NOFILE bounds the close
	 * loop below. Where one cannot be set (unprivileged, or under valgrind, which refuses
	 * NOFILE changes) the request may still fail on its own, reported as any failure. */
	(void)limit(RLIMIT_NOFILE, NOFILE_MAX);
	(void)limit(RLIMIT_FSIZE, FSIZE_MAX);
	(void)limit(RLIMIT_AS, RLIM_INFINITY);
	(void)limit(RLIMIT_DATA, RLIM_INFINITY);
	(void)limit(RLIMIT_CPU, RLIM_INFINITY);
	return 0;
}

int child_setup(void)
{
	if (setsid() < 0)
		return CHILD_STEP_SESSION;
	if (reset_signals() != 0)
		return CHILD_STEP_SIGNALS;
	if (chdir("/") != 0)
		return CHILD_STEP_DIR;
	/* Root needs no group to read its conf or reach the provider. Not root: the groups
	 * cannot be changed and give nothing the user does not have. */
	if (geteuid() == 0 && setgroups(0, NULL) != 0)
		return CHILD_STEP_GROUPS;
	if (sane_limits() != 0)
		return CHILD_STEP_LIMITS;
	return 0;
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* getdents64 directly: opendir would call malloc, which is not safe after fork. */
static int close_listed(int lowfd)
{
	char buf[4096] __attribute__((aligned(8)));
	int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool again = true;

	if (dfd < 0)
		return -1;
	/* Closing while listing may skip entries: list again until a pass closes nothing. */
	while (again) {
		long n;

		again = false;
		if (lseek(dfd, 0, SEEK_SET) < 0)
			break;
		while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
			for (long off = 0; off < n;) {
				struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
				int fd = 0;
				const char *p = d->d_name;

				off += d->d_reclen;
				if (*p < '0' || *p > '9')
					continue;
				for (; *p >= '0' && *p <= '9'; p++)
					fd = fd * 10 + (*p - '0');
				if (fd >= lowfd && fd != dfd && close(fd) == 0)
					again = true;
			}
		}
		if (n < 0) {
			close(dfd);
			return -1;
		}
	}
	close(dfd);
	return 0;
}

int child_close_from(int lowfd)
{
	struct rlimit rl;
	rlim_t top;

	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL && errno != EPERM)
		return -1;
	if (close_listed(lowfd) == 0)
		return 0;
	/* No /proc: every number up to the hard limit, the one the application had if that was
	 * higher (bounded: it may be huge). */
	top = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_max : CLOSE_LOOP_MAX;
	if (top != RLIM_INFINITY && inherited_nofile_max > top)
		top = inherited_nofile_max;
	if (top == RLIM_INFINITY || top > CLOSE_LOOP_MAX)
		top = CLOSE_LOOP_MAX;
	for (rlim_t fd = (rlim_t)lowfd; fd < top; fd++)
		close((int)fd);
	return 0;
}
