/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The state a forked child gets before it runs the SMS sender: whatever the PAM application
 * left (ignored or blocked signals, a hostile rlimit, open descriptors, supplementary groups,
 * its working directory) must not reach a program that runs as root.
 * Only async-signal-safe calls: the application may have threads.
 */
#ifndef PAM_OTP_CHILDSETUP_H
#define PAM_OTP_CHILDSETUP_H

/* Steps, reported back to the parent with errno when one fails. */
enum child_step {
	CHILD_STEP_SESSION = 1, CHILD_STEP_SIGNALS, CHILD_STEP_DIR, CHILD_STEP_GROUPS,
	CHILD_STEP_LIMITS, CHILD_STEP_FDS, CHILD_STEP_EXEC,
};

/* "a new session", "the signal state" ... for a message about step. */
const char *child_step_name(int step);

/*
 * New session (and process group) of its own, default signal dispositions and an empty mask,
 * "/" as working directory, no supplementary groups when root, sane rlimits. Returns 0, or
 * the failing enum child_step with errno set.
 */
int child_setup(void);

/*
 * Close every descriptor from lowfd up: close_range, and when the kernel lacks it (ENOSYS,
 * EINVAL) a loop over /proc/self/fd, or without /proc up to the RLIMIT_NOFILE hard limit
 * (the application's, from before child_setup lowered it, when that was higher).
 * Returns 0 or -1 (errno set).
 */
int child_close_from(int lowfd);

#endif
