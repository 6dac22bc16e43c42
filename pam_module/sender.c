#include "sender.h"
#include "secmem.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef OTP_SMS_HELPER
#define OTP_SMS_HELPER "/usr/libexec/pam_otp/pam_otp_sms"
#endif

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void child(int in, int out, const char *path, const char *conf, const char *action)
{
	char *const argv[] = { (char *)path, (char *)"--conf", (char *)conf, (char *)action, NULL };
	char *const envp[] = { (char *)"PATH=/usr/bin:/bin", NULL };
	int null = open("/dev/null", O_WRONLY);

	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || (null >= 0 && dup2(null, 2) < 0))
		_exit(SENDER_NOT_RUN);
	/* A Verify check runs under the user's lock, with the file system identity switched to
	 * the user: the sender runs as the application, so its program is found as such. */
	setfsuid(geteuid());
	setfsgid(getegid());
	close_range(3, ~0U, 0);
	execve(path, argv, envp);
	_exit(SENDER_NOT_RUN);
}

/* Write all of input, then read the first line, all before the deadline. */
static void talk(int in, int out, const char *input, char *line, size_t linesz, long deadline)
{
	size_t sent = 0, len = strlen(input), got = 0;
	struct pollfd pfd[2] = { { .fd = in, .events = POLLOUT }, { .fd = out, .events = POLLIN } };

	while (now_ms() < deadline && pfd[1].fd >= 0) {
		int n = poll(pfd, 2, (int)(deadline - now_ms()));

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
	for (size_t i = 0; line[i]; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e)
			line[i] = '?';
}

long sender_deadline(const struct module_ctx *ctx)
{
	/* The sender stops itself at timeout; this kill is the backstop. */
	return now_ms() + (long)ctx->cfg.timeout * 1000L + 250;
}

int sender_run(struct module_ctx *ctx, const char *action, const char *input, long deadline,
	       char *line, size_t linesz)
{
	const char *path = ctx->cfg.sms_helper ? ctx->cfg.sms_helper : OTP_SMS_HELPER;
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old_chld, old_pipe;
	struct sigaction ign = { .sa_handler = SIG_IGN };
	int to_child[2], from_child[2], status = 0, rc = SENDER_NOT_RUN;
	pid_t pid;

	line[0] = '\0';
	if (pipe2(to_child, O_CLOEXEC) != 0)
		return SENDER_NOT_RUN;
	if (pipe2(from_child, O_CLOEXEC) != 0) {
		close(to_child[0]);
		close(to_child[1]);
		return SENDER_NOT_RUN;
	}
	/* The application may ignore SIGCHLD (then waitpid cannot reap) or die on SIGPIPE. */
	sigaction(SIGCHLD, &dfl, &old_chld);
	sigaction(SIGPIPE, &ign, &old_pipe);
	pid = fork();
	if (pid == 0)
		child(to_child[0], from_child[1], path, ctx->conf_path, action);
	close(to_child[0]);
	close(from_child[1]);
	if (pid > 0) {
		talk(to_child[1], from_child[0], input, line, linesz, deadline);
		for (;;) {
			pid_t w = waitpid(pid, &status, WNOHANG);
			if (w == pid) {
				rc = WIFEXITED(status) ? WEXITSTATUS(status) : SENDER_KILLED;
				break;
			}
			if (w < 0 && errno != EINTR)
				break;
			if (now_ms() >= deadline) {
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				rc = SENDER_KILLED;
				break;
			}
			struct timespec ts = { 0, 5 * 1000000L };
			nanosleep(&ts, NULL);
		}
	} else {
		close(to_child[1]);
	}
	close(from_child[0]);
	sigaction(SIGCHLD, &old_chld, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	return rc;
}
