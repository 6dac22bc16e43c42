/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Does sshd ask pam_otp at all? Its effective configuration (sshd -T: the values in force
 * after includes and defaults; -f FILE for another configuration) must have UsePAM yes,
 * KbdInteractiveAuthentication yes, and an AuthenticationMethods list that reaches
 * keyboard-interactive (or "any", which lets a key alone in: a warning).
 */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SSHD_OUT_MAX (256 * 1024)
#define SSHD_TIMEOUT_MS 10000

static const char *const sshd_paths[] = { "/usr/sbin/sshd", "/usr/bin/sshd", "/sbin/sshd" };

static long ms_left(const struct timespec *end)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (end->tv_sec - now.tv_sec) * 1000L + (end->tv_nsec - now.tv_nsec) / 1000000L;
}

/* Run sshd -T [-f config], output (stdout and stderr) in *out; its wait status or -1. */
static int run_sshd(const char *sshd, const char *config, char **out)
{
	char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	char *argv[] = { (char *)sshd, "-T", config ? "-f" : NULL, (char *)config, NULL };
	struct timespec end;
	size_t len = 0;
	int fds[2], status = -1;
	pid_t pid;
	char *buf = calloc(1, SSHD_OUT_MAX + 1);

	if (!buf || pipe2(fds, O_CLOEXEC) != 0) {
		free(buf);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (null < 0 || dup2(null, 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0)
			_exit(127);
		execve(sshd, argv, envp);
		_exit(127);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		free(buf);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += SSHD_TIMEOUT_MS / 1000;
	for (;;) {
		struct pollfd p = { fds[0], POLLIN, 0 };
		long left = ms_left(&end);
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			kill(pid, SIGKILL); /* a hung sshd -T must not hang the doctor */
			break;
		}
		n = read(fds[0], buf + len, SSHD_OUT_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == SSHD_OUT_MAX)
			break;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[len] = '\0';
	*out = buf;
	return status;
}

/* The value of keyword in sshd -T output ("usepam yes"), or NULL. */
static const char *value_of(const char *out, const char *key, char *val, size_t sz)
{
	size_t k = strlen(key);

	for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, k) == 0 && p[k] == ' ') {
			snprintf(val, sz, "%.*s", (int)strcspn(p + k + 1, "\n"), p + k + 1);
			return val;
		}
	}
	return NULL;
}

/* Of the space-separated method lists, how many contain keyboard-interactive, and how many
 * do not (a list "publickey" alone lets a key in without a code). */
static void count_lists(const char *methods, unsigned *with, unsigned *without)
{
	char buf[1024], *save = NULL;

	*with = *without = 0;
	snprintf(buf, sizeof(buf), "%s", methods);
	for (char *list = strtok_r(buf, " ", &save); list; list = strtok_r(NULL, " ", &save)) {
		if (strstr(list, "keyboard-interactive"))
			(*with)++;
		else
			(*without)++;
	}
}

static void judge(struct doctor *d, const char *out, const char *cmd)
{
	char usepam[16], kbd[16], methods[1024];
	unsigned with, without;
	bool any;

	if (!value_of(out, "usepam", usepam, sizeof(usepam)) ||
	    !value_of(out, "kbdinteractiveauthentication", kbd, sizeof(kbd))) {
		report_add(&d->rp, "sshd", V_WARN, NULL, "%s printed no usepam or "
			   "kbdinteractiveauthentication line", cmd);
		return;
	}
	if (strcmp(usepam, "yes") != 0)
		report_add(&d->rp, "sshd", V_FAIL, "UsePAM yes (see conf/sshd_config.d/pam_otp.conf)",
			   "%s: usepam %s: sshd never runs the PAM stack", cmd, usepam);
	if (strcmp(kbd, "yes") != 0)
		report_add(&d->rp, "sshd", V_FAIL, "KbdInteractiveAuthentication yes (in a drop-in "
			   "that sorts first: sshd keeps the first value it reads)",
			   "%s: kbdinteractiveauthentication %s: sshd cannot ask for the code", cmd,
			   kbd);
	if (!value_of(out, "authenticationmethods", methods, sizeof(methods)))
		snprintf(methods, sizeof(methods), "any");
	any = strcmp(methods, "any") == 0;
	count_lists(methods, &with, &without);
	if (!any && with == 0)
		report_add(&d->rp, "sshd", V_FAIL, "AuthenticationMethods publickey,"
			   "keyboard-interactive", "%s: authenticationmethods %s never reaches "
			   "keyboard-interactive", cmd, methods);
	else if (any && strcmp(kbd, "yes") == 0 && strcmp(usepam, "yes") == 0)
		report_add(&d->rp, "sshd", V_WARN, "AuthenticationMethods publickey,"
			   "keyboard-interactive", "%s: authenticationmethods any: pam_otp asks "
			   "for a code, but a public key alone also logs in", cmd);
	else if (!any && without > 0)
		report_add(&d->rp, "sshd", V_WARN, "add keyboard-interactive to every list",
			   "%s: authenticationmethods %s: %u of its lists log in without a code",
			   cmd, methods, without);
	else if (strcmp(kbd, "yes") == 0 && strcmp(usepam, "yes") == 0)
		report_add(&d->rp, "sshd", V_OK, NULL, "%s: usepam yes, "
			   "kbdinteractiveauthentication yes, authenticationmethods %s", cmd,
			   methods);
}

void check_sshd(struct doctor *d)
{
	const char *sshd = NULL;
	char cmd[4200], *out = NULL;
	int status;

	for (size_t i = 0; i < sizeof(sshd_paths) / sizeof(sshd_paths[0]) && !sshd; i++)
		if (access(sshd_paths[i], X_OK) == 0)
			sshd = sshd_paths[i];
	if (!sshd) {
		report_add(&d->rp, "sshd", V_WARN, NULL, "sshd is not installed: not checked");
		return;
	}
	snprintf(cmd, sizeof(cmd), "sshd -T%s%s", d->o->sshd_config ? " -f " : "",
		 d->o->sshd_config ? d->o->sshd_config : "");
	status = run_sshd(sshd, d->o->sshd_config, &out);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		const char *msg = out ? out : "";
		size_t n = strcspn(msg, "\n");

		report_add(&d->rp, "sshd", V_FAIL, "fix the configuration sshd names (sshd -t)",
			   "%s failed%s%.*s", cmd, n ? ": " : "", (int)(n > 300 ? 300 : n), msg);
	} else {
		judge(d, out, cmd);
	}
	free(out);
}
