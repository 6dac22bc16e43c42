/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * provider=command: a local program sends the text (a modem script, a mail gateway...).
 * `command` is split on spaces into a fixed argv (the first word an absolute path); "{to}"
 * inside a word becomes the number. No shell, the environment is PATH=/usr/bin:/bin only,
 * stdout and stderr go to /dev/null. stdin gets the code on the first line, then the message.
 * Exit status 0 means sent. After `timeout` seconds its whole process group is killed.
 */
#include "provider.h"
#include "buf.h"
#include "secmem.h"
#include "monotime.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARGS_MAX 32

static void free_argv(char **argv)
{
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
}

/* One word with every "{to}" replaced. */
static char *expand(const char *word, size_t len, const char *to)
{
	struct otp_buf b = { 0 };
	char *out = NULL;

	for (size_t i = 0; i < len;) {
		if (len - i >= 4 && memcmp(word + i, "{to}", 4) == 0) {
			otp_buf_str(&b, to);
			i += 4;
		} else {
			otp_buf_add(&b, word + i, 1);
			i++;
		}
	}
	if (!b.failed && b.p)
		out = strdup(b.p);
	otp_buf_free(&b);
	return out;
}

static int split(const char *cmd, const char *to, char **argv)
{
	size_t n = 0;

	for (const char *p = cmd; *p;) {
		size_t len = strcspn(p, " ");

		if (len) {
			if (n + 1 >= ARGS_MAX || !(argv[n++] = expand(p, len, to)))
				return -1;
		}
		p += len;
		p += strspn(p, " ");
	}
	return n > 0 && argv[0][0] == '/' ? 0 : -1;
}

static void child(char **argv, int in, int errfd)
{
	char *envp[] = { (char *)"PATH=/usr/bin:/bin", NULL };
	int null = open("/dev/null", O_RDWR);
	sigset_t none;
	int e;

	setpgid(0, 0); /* its own group, so a timeout kills what it started too */
	signal(SIGPIPE, SIG_DFL); /* ignored in the sender; exec would keep that */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (null < 0 || dup2(in, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(127);
	/* Everything else closes on exec; errfd already does and reports a failed exec. */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	execve(argv[0], argv, envp);
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* Wait for pid until the deadline; kill its group then. Returns the status or -1. */
static int wait_until(pid_t pid, long long deadline)
{
	struct timespec tick = { 0, 10 * 1000000L };
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (otp_monotonic_ms() >= deadline)
			break;
		nanosleep(&tick, NULL);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return -1;
}

static void feed(int fd, const struct otp_sms_req *req)
{
	struct otp_buf b = { 0 };
	size_t off = 0;

	otp_buf_str(&b, req->code ? req->code : "");
	otp_buf_str(&b, "\n");
	otp_buf_str(&b, req->message ? req->message : "");
	otp_buf_str(&b, "\n");
	/* At most a few KiB: fits in the pipe even if the program never reads. */
	while (!b.failed && off < b.len) {
		ssize_t n = write(fd, b.p + off, b.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	otp_buf_free(&b);
}

void otp_sms_command(const struct otp_cfg *cfg, const struct otp_sms_req *req,
		     struct otp_sms_res *res)
{
	long long deadline = otp_monotonic_ms() + (long long)(cfg->timeout ? cfg->timeout : 10) * 1000;
	char *argv[ARGS_MAX] = { NULL };
	int in[2] = { -1, -1 }, ep[2] = { -1, -1 }, err = 0, status;
	pid_t pid;

	if (!cfg->command || split(cfg->command, req->to, argv) != 0) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL,
			     "command must be an absolute path and at most %d words", ARGS_MAX - 1);
		free_argv(argv);
		return;
	}
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(ep, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "cannot start the command: %s",
			     strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(argv, in[0], ep[1]);
	setpgid(pid, pid); /* also here: the kill below must not race the child's own call */
	close(ep[1]);
	ep[1] = -1;
	/* EOF when exec succeeded (close-on-exec), an errno when it failed. */
	while (read(ep[0], &err, sizeof(err)) < 0 && errno == EINTR)
		;
	if (err) {
		wait_until(pid, deadline);
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "cannot run %s: %s", argv[0],
			     strerror(err));
		goto out;
	}
	feed(in[1], req);
	close(in[1]);
	in[1] = -1;
	status = wait_until(pid, deadline);
	if (status == -1)
		otp_sms_fail(res, OTP_SMS_K_TIMEOUT, 0, NULL, "command did not finish within %u s",
			     cfg->timeout);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		otp_sms_ok(res, 0, NULL);
	else if (WIFEXITED(status))
		otp_sms_fail(res, OTP_SMS_K_UNAVAILABLE, WEXITSTATUS(status), NULL,
			     "command exited with status %d", WEXITSTATUS(status));
	else
		otp_sms_fail(res, OTP_SMS_K_UNAVAILABLE, 0, NULL, "command killed by signal %d",
			     WTERMSIG(status));
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	free_argv(argv);
}
