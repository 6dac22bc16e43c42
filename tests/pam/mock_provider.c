/* SPDX-License-Identifier: BSD-2-Clause */
#include "mock_provider.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

static void write_file(const char *dir, const char *name, const char *buf, size_t len)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		_exit(3);
	close(fd);
}

/* /proc/PID/NAME with its NULs as sep. */
static size_t proc_text(const char *pid, const char *name, char sep, char *buf, size_t size)
{
	char path[300];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/%s", pid, name);
	n = read_file(path, buf, size);
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = sep;
	return n > 0 ? (size_t)n : 0;
}

/* The running pam_otp_sms that the test process started: copy its argv and environment. */
static void record_sender(const char *dir, pid_t test)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char buf[16384], path[300], stat[512];

	while (d && (e = readdir(d)) != NULL) {
		const char *base, *close_paren;
		size_t n;
		int ppid;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		n = proc_text(e->d_name, "cmdline", '\0', buf, sizeof(buf));
		base = n ? strrchr(buf, '/') : NULL;
		if (!base || strcmp(base + 1, "pam_otp_sms") != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if (read_file(path, stat, sizeof(stat)) <= 0 ||
		    !(close_paren = strrchr(stat, ')')) ||
		    sscanf(close_paren + 1, " %*c %d", &ppid) != 1 || ppid != test)
			continue;
		n = proc_text(e->d_name, "cmdline", ' ', buf, sizeof(buf));
		write_file(dir, "sender_cmdline", buf, n);
		n = proc_text(e->d_name, "environ", '\n', buf, sizeof(buf));
		write_file(dir, "sender_environ", buf, n);
	}
	if (d)
		closedir(d);
}

static void serve(int ls, const char *dir, bool echo, const char *extra, pid_t test)
{
	static char req[65536], reply[131072], body[98304];
	struct pollfd p = { ls, POLLIN, 0 };
	size_t len = 0, want = 0;
	const char *auth, *end;
	int c;

	if (poll(&p, 1, 30000) != 1 || (c = accept(ls, NULL, NULL)) < 0)
		_exit(2);
	/* Headers, then Content-Length bytes of body. */
	for (;;) {
		ssize_t n = read(c, req + len, sizeof(req) - 1 - len);
		char *hdr_end, *cl;

		if (n <= 0)
			_exit(2);
		len += (size_t)n;
		req[len] = '\0';
		if (!(hdr_end = strstr(req, "\r\n\r\n")))
			continue;
		cl = strcasestr(req, "\r\nContent-Length:");
		want = (size_t)(hdr_end + 4 - req) + (cl ? strtoul(cl + 17, NULL, 10) : 0);
		if (len >= want)
			break;
	}
	record_sender(dir, test);
	write_file(dir, "request", req, len);
	if (echo) {
		auth = strcasestr(req, "\r\nAuthorization: ");
		end = auth ? strstr(auth + 2, "\r\n") : NULL;
		/* Shortest first: a status line cut to length still has to hide all of them. */
		snprintf(body, sizeof(body),
			 "{\"code\": 21211, \"message\": \"Not valid: %s %.*s %s\", "
			 "\"status\": 400}",
			 extra ? extra : "", auth && end ? (int)(end - auth - 2) : 0,
			 auth ? auth + 2 : "", strstr(req, "\r\n\r\n") + 4);
	} else {
		snprintf(body, sizeof(body),
			 "{\"sid\": \"SMfake0123456789\", \"status\": \"queued\"}");
	}
	snprintf(reply, sizeof(reply),
		 "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n%s",
		 echo ? "400 Bad Request" : "201 Created", strlen(body), body);
	if (write(c, reply, strlen(reply)) < 0)
		_exit(2);
	close(c);
	_exit(0);
}

void mock_start(struct mock *m, const char *dir, bool echo, const char *echo_extra)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	pid_t test = getpid();
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(ls >= 0);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 4), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sa, &sl), 0);
	m->port = ntohs(sa.sin_port);
	snprintf(m->dir, sizeof(m->dir), "%s", dir);
	m->pid = fork();
	assert_true(m->pid >= 0);
	if (m->pid == 0)
		serve(ls, dir, echo, echo_extra, test);
	close(ls);
}

void mock_stop(struct mock *m)
{
	int status;

	for (int i = 0; i < 100; i++) {
		if (waitpid(m->pid, &status, WNOHANG) == m->pid)
			return;
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
	}
	kill(m->pid, SIGKILL);
	waitpid(m->pid, &status, 0);
}
