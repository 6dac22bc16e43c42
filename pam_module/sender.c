/* SPDX-License-Identifier: BSD-2-Clause */
#include "sender.h"
#include "bounds.h"
#include "monotime.h"
#include "childsetup.h"
#include "reaper.h"
#include "secmem.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef OTP_SMS_HELPER
#define OTP_SMS_HELPER "/usr/libexec/pam_otp/pam_otp_sms"
#endif

#define INPUT_MAX (OTP_SENDER_INPUT_MAX + 64) /* the callers' input plus the deadline line */
#define ERR_FD 3       /* in the child: where a failed step reports itself */

const char *sender_path(const struct module_ctx *ctx)
{
	return ctx->cfg.sms_helper ? ctx->cfg.sms_helper : OTP_SMS_HELPER;
}

/* Tell the parent which step failed and why, then exit. */
_Noreturn static void child_fail(int errfd, int step)
{
	int msg[2] = { step, errno };

	if (write(errfd, msg, sizeof(msg)) < 0)
		_exit(OTP_SMS_X_NOT_RUN);
	_exit(OTP_SMS_X_NOT_RUN);
}

_Noreturn static void child(int in, int out, int errfd, const char *path, const char *conf,
			    const char *action)
{
	char *const argv[] = { (char *)path, (char *)"--conf", (char *)conf, (char *)action, NULL };
	char *const envp[] = { (char *)"PATH=/usr/bin:/bin", NULL };
	int null, step;

	/* Above 2 first: the application may have closed 0-2, so a pipe may sit there. */
	if ((in = fcntl(in, F_DUPFD_CLOEXEC, 10)) < 0 || (out = fcntl(out, F_DUPFD_CLOEXEC, 10)) < 0 ||
	    (errfd = fcntl(errfd, F_DUPFD_CLOEXEC, 10)) < 0)
		_exit(OTP_SMS_X_NOT_RUN);
	if ((step = child_setup()) != 0)
		child_fail(errfd, step);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(null, 2) < 0 ||
	    dup2(errfd, ERR_FD) < 0 || fcntl(ERR_FD, F_SETFD, FD_CLOEXEC) != 0)
		child_fail(errfd, CHILD_STEP_FDS);
	if (child_close_from(ERR_FD + 1) != 0)
		child_fail(ERR_FD, CHILD_STEP_FDS);
	/* A Verify check runs under the user's lock, with the file system identity switched to
	 * the user: the sender runs as the application, so its program is found as such. */
	setfsuid(geteuid());
	setfsgid(getegid());
	execve(path, argv, envp);
	child_fail(ERR_FD, CHILD_STEP_EXEC);
}

/*
 * Wait for the exec: EOF on the close-on-exec pipe means it happened (and so did setsid),
 * a step and an errno mean the child failed before. false: no exec (line says why).
 */
static bool started(int errpipe, const char *path, long deadline, char *line, size_t linesz)
{
	struct pollfd pfd = { .fd = errpipe, .events = POLLIN };
	int msg[2] = { 0, 0 };
	size_t got = 0;

	while (got < sizeof(msg)) {
		long left = deadline - otp_monotonic_ms();
		int n = poll(&pfd, 1, left > 0 ? (int)left : 0);
		ssize_t r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(line, linesz, "the SMS sender %s did not start in time", path);
			return false;
		}
		r = read(errpipe, (char *)msg + got, sizeof(msg) - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got == 0)
		return true;
	if (got < sizeof(msg) || msg[0] == CHILD_STEP_EXEC)
		snprintf(line, linesz, "cannot run the SMS sender %s: %s", path,
			 got < sizeof(msg) ? "unknown error" : strerror(msg[1]));
	else
		snprintf(line, linesz, "the SMS sender %s: %s: %s", path, child_step_name(msg[0]),
			 strerror(msg[1]));
	return false;
}

/* Write all of input, then read the first line, all before the deadline. */
static void talk(int in, int out, const char *input, size_t len, char *line, size_t linesz,
		 long deadline)
{
	size_t sent = 0, got = 0;
	struct pollfd pfd[2] = { { .fd = in, .events = POLLOUT }, { .fd = out, .events = POLLIN } };

	while (otp_monotonic_ms() < deadline && pfd[1].fd >= 0) {
		int n = poll(pfd, 2, (int)(deadline - otp_monotonic_ms()));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (pfd[0].fd >= 0 && (pfd[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(in, input + sent, len - sent);
			if (w > 0)
				sent += (size_t)w;
			if (w < 0 || sent == len) {
				close(in);
				pfd[0].fd = -1; /* EOF tells the sender the input is complete */
			}
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = got + 1 < linesz ? read(out, line + got, linesz - 1 - got) : 0;
			if (r <= 0)
				pfd[1].fd = -1;
			else
				got += (size_t)r;
		}
	}
	if (pfd[0].fd >= 0)
		close(in);
	line[got] = '\0';
	line[strcspn(line, "\n")] = '\0';
}

/* Wait (without reaping) until pid exits or the deadline passes. */
static void wait_exit(pid_t pid, long deadline)
{
	struct timespec tick = { 0, 5 * 1000000L };

	while (otp_monotonic_ms() < deadline) {
		siginfo_t info = { 0 };

		if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    info.si_pid == pid)
			return;
		if (errno == ECHILD)
			return;
		nanosleep(&tick, NULL);
	}
}

long sender_deadline(const struct module_ctx *ctx)
{
	/* The sender stops its own work 500 ms before (see common/sms/pam_otp_sms.c); this is
	 * the kill. */
	return otp_monotonic_ms() + (long)ctx->cfg.timeout * 1000L + 1000;
}

int sender_run(struct module_ctx *ctx, const char *action, const char *input, long deadline,
	       char *line, size_t linesz)
{
	const char *path = sender_path(ctx);
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old_chld, old_pipe;
	struct sigaction ign = { .sa_handler = SIG_IGN };
	int to_child[2], from_child[2], errpipe[2], status = 0, rc = OTP_SMS_X_NOT_RUN;
	char full[INPUT_MAX];
	int len;
	pid_t pid;

	line[0] = '\0';
	/* The sender is told when it will be killed, so it stops its own work before. */
	len = snprintf(full, sizeof(full), "%sdeadline_ms=%ld\n", input, deadline);
	if (len < 0 || (size_t)len >= sizeof(full)) {
		otp_wipe(full, sizeof(full));
		snprintf(line, linesz, "input for the SMS sender too long");
		return OTP_SMS_X_NOT_RUN;
	}
	if (pipe2(to_child, O_CLOEXEC) != 0) {
		otp_wipe(full, sizeof(full));
		return OTP_SMS_X_NOT_RUN;
	}
	if (pipe2(from_child, O_CLOEXEC) != 0) {
		close(to_child[0]);
		close(to_child[1]);
		otp_wipe(full, sizeof(full));
		return OTP_SMS_X_NOT_RUN;
	}
	if (pipe2(errpipe, O_CLOEXEC) != 0) {
		close(to_child[0]);
		close(to_child[1]);
		close(from_child[0]);
		close(from_child[1]);
		otp_wipe(full, sizeof(full));
		return OTP_SMS_X_NOT_RUN;
	}
	/* The application may ignore SIGCHLD (then waitpid cannot reap) or die on SIGPIPE. */
	sigaction(SIGCHLD, &dfl, &old_chld);
	sigaction(SIGPIPE, &ign, &old_pipe);
	pid = fork();
	if (pid == 0)
		child(to_child[0], from_child[1], errpipe[1], path, ctx->conf_path, action);
	close(to_child[0]);
	close(from_child[1]);
	close(errpipe[1]);
	if (pid < 0) {
		snprintf(line, linesz, "cannot start the SMS sender %s: %s", path, strerror(errno));
		close(to_child[1]);
	} else {
		if (started(errpipe[0], path, deadline, line, linesz)) {
			talk(to_child[1], from_child[0], full, (size_t)len, line, linesz, deadline);
			wait_exit(pid, deadline);
		} else {
			close(to_child[1]);
		}
		/* Dead or not, everything it started goes with it: nothing of the session may
		 * send a text after the module has given its answer. */
		status = reap_session(pid);
		rc = WIFEXITED(status) ? WEXITSTATUS(status) : OTP_SMS_X_KILLED;
	}
	for (size_t i = 0; line[i]; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e)
			line[i] = '?';
	otp_wipe(full, sizeof(full));
	close(from_child[0]);
	close(errpipe[0]);
	sigaction(SIGCHLD, &old_chld, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	return rc;
}
