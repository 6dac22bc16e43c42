/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Ask for the confirmation code: on the controlling terminal when there is one (like
 * getpass, so the code never passes through a pipe someone else set up), else on stdin.
 * Echo is off on a terminal, and restored even if a signal ends the program meanwhile.
 */
#include "enroll.h"
#include "secmem.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static volatile sig_atomic_t saved_fd = -1;

static void restore_and_die(int sig)
{
	if (saved_fd >= 0)
		tcsetattr(saved_fd, TCSAFLUSH, &saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void write_str(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void echo_off(int fd)
{
	struct termios t;
	struct sigaction sa;

	if (!isatty(fd) || tcgetattr(fd, &saved) != 0)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = restore_and_die;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGTSTP, &sa, NULL);
	t = saved;
	t.c_lflag &= (tcflag_t)~ECHO;
	t.c_lflag |= ECHONL; /* the Enter key still moves to the next line */
	saved_fd = fd;
	if (tcsetattr(fd, TCSAFLUSH, &t) != 0)
		saved_fd = -1;
}

static void echo_restore(void)
{
	if (saved_fd < 0)
		return;
	tcsetattr(saved_fd, TCSAFLUSH, &saved);
	saved_fd = -1;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGTSTP, SIG_DFL);
}

int prompt_code(const char *prompt, char *buf, size_t bufsz)
{
	int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int in = tty >= 0 ? tty : STDIN_FILENO, out = tty >= 0 ? tty : STDERR_FILENO;
	size_t n = 0;
	bool overflow = false, got_eol = false;
	int rc;

	fflush(stdout);
	write_str(out, prompt);
	echo_off(in);
	for (;;) {
		char ch;
		ssize_t r = read(in, &ch, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (ch == '\n') {
			got_eol = true;
			break;
		}
		if (n + 1 < bufsz)
			buf[n++] = ch;
		else
			overflow = true;
		otp_wipe(&ch, sizeof(ch));
	}
	echo_restore();
	if (!isatty(in))
		write_str(out, "\n"); /* nothing was echoed: end the prompt's line */
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (tty >= 0)
		close(tty);
	if (!got_eol && n == 0)
		rc = -1; /* end of input */
	else if (overflow)
		rc = -2;
	else
		rc = (int)n;
	if (rc < 0)
		otp_wipe(buf, bufsz);
	return rc;
}
