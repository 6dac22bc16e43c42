/* SPDX-License-Identifier: BSD-2-Clause */
#include "capture.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#define MARK "\001pam_otp_test_mark"
#define MAX_ITEMS 64

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *log;          /* every line read, each ending in \n */
	size_t len, cap;
	size_t checked;     /* log[0..checked) went through cap_check already */
	unsigned marks;
	int fd;
} cap = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, .fd = -1 };

static struct observation {
	char where[64];
	char *text;
	size_t len;
} seen[MAX_ITEMS];
static unsigned nseen;

static struct secret {
	char what[64];
	char value[256];
} secrets[MAX_ITEMS];
static unsigned nsecrets;

static void append(const char *p, size_t n)
{
	if (cap.len + n + 2 > cap.cap) {
		size_t want = (cap.len + n + 2) * 2;
		char *nl = realloc(cap.log, want);
		if (!nl)
			abort();
		cap.log = nl;
		cap.cap = want;
	}
	memcpy(cap.log + cap.len, p, n);
	cap.len += n;
	cap.log[cap.len++] = '\n';
	cap.log[cap.len] = '\0';
}

static void *reader(void *arg)
{
	char buf[16384];

	for (;;) {
		ssize_t n = recv(cap.fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		pthread_mutex_lock(&cap.mu);
		if ((size_t)n == strlen(MARK) && memcmp(buf, MARK, (size_t)n) == 0) {
			cap.marks++;
			pthread_cond_broadcast(&cap.cv);
		} else {
			append(buf, (size_t)n);
		}
		pthread_mutex_unlock(&cap.mu);
	}
}

/* A private /dev: the host's /dev/log (if any) is not ours to read or to replace. */
static int private_dev(void)
{
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	char old[] = "/tmp/pam_otp_dev.XXXXXX", path[128];

	if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
		return -1;
	if (!mkdtemp(old))
		return -1;
	if (mount("/dev", old, "none", MS_BIND | MS_REC, NULL) != 0 ||
	    mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755") != 0) {
		rmdir(old);
		return -1;
	}
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		char dev[128];
		int fd;

		snprintf(dev, sizeof(dev), "/dev/%s", nodes[i]);
		snprintf(path, sizeof(path), "%s/%s", old, nodes[i]);
		if ((fd = open(dev, O_WRONLY | O_CREAT | O_CLOEXEC, 0666)) >= 0)
			close(fd);
		if (mount(path, dev, "none", MS_BIND, NULL) != 0 && strcmp(nodes[i], "tty") != 0)
			return -1; /* /dev/tty may be missing in a container; the rest may not */
	}
	if (symlink("/proc/self/fd", "/dev/fd") != 0 ||
	    symlink("/proc/self/fd/0", "/dev/stdin") != 0 ||
	    symlink("/proc/self/fd/1", "/dev/stdout") != 0 ||
	    symlink("/proc/self/fd/2", "/dev/stderr") != 0 || mkdir("/dev/shm", 01777) != 0)
		return -1;
	umount2(old, MNT_DETACH);
	rmdir(old);
	return 0;
}

int cap_start(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	int size = 1 << 20;
	pthread_t t;

	if (geteuid() != 0) {
		errno = EPERM;
		return -1;
	}
	if (private_dev() != 0)
		return -1;
	cap.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (cap.fd < 0 || bind(cap.fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return -1;
	setsockopt(cap.fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	/* The module logs while it acts as the user too. */
	if (chmod("/dev/log", 0666) != 0)
		return -1;
	return pthread_create(&t, NULL, reader, NULL) == 0 ? 0 : -1;
}

void cap_sync(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct timespec until;
	unsigned want;
	int rc = 0;

	/* One datagram queue: once our mark is read, so is every line sent before it. */
	pthread_mutex_lock(&cap.mu);
	want = cap.marks + 1;
	pthread_mutex_unlock(&cap.mu);
	assert_true(fd >= 0);
	assert_int_equal(sendto(fd, MARK, strlen(MARK), 0, (struct sockaddr *)&sa, sizeof(sa)),
			 (ssize_t)strlen(MARK));
	close(fd);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30;
	pthread_mutex_lock(&cap.mu);
	while (cap.marks < want && rc == 0)
		rc = pthread_cond_timedwait(&cap.cv, &cap.mu, &until);
	pthread_mutex_unlock(&cap.mu);
	assert_int_equal(rc, 0);
}

const char *cap_syslog(void)
{
	return cap.log ? cap.log : "";
}

void cap_observe(const char *where, const char *text, size_t len)
{
	struct observation *o;

	assert_true(nseen < MAX_ITEMS);
	o = &seen[nseen++];
	snprintf(o->where, sizeof(o->where), "%s", where);
	o->text = malloc(len + 1);
	assert_non_null(o->text);
	memcpy(o->text, text, len);
	o->text[len] = '\0';
	o->len = len;
}

void cap_secret(const char *what, const char *value)
{
	assert_true(nsecrets < MAX_ITEMS);
	assert_true(strlen(value) >= 4 && strlen(value) < sizeof(secrets[0].value));
	snprintf(secrets[nsecrets].what, sizeof(secrets[0].what), "%s", what);
	snprintf(secrets[nsecrets].value, sizeof(secrets[0].value), "%s", value);
	nsecrets++;
}

static bool all_digits(const char *s)
{
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Where value occurs in text (as a whole number if it is one), or NULL. */
static const char *find(const char *text, size_t len, const char *value)
{
	size_t n = strlen(value);
	bool number = all_digits(value);

	for (const char *p = text, *end = text + len; (p = memmem(p, (size_t)(end - p), value, n));
	     p++) {
		if (!number || ((p == text || !isdigit((unsigned char)p[-1])) &&
				(p + n == end || !isdigit((unsigned char)p[n]))))
			return p;
	}
	return NULL;
}

static void forget(void)
{
	for (unsigned i = 0; i < nseen; i++)
		free(seen[i].text);
	nseen = nsecrets = 0;
}

void cap_check(void)
{
	char report[1024] = "";

	char *lines;
	size_t n;

	cap_sync();
	pthread_mutex_lock(&cap.mu);
	n = cap.len - cap.checked;
	if ((lines = malloc(n + 1)) != NULL)
		memcpy(lines, cap.log ? cap.log + cap.checked : "", n);
	cap.checked = cap.len;
	pthread_mutex_unlock(&cap.mu);
	assert_non_null(lines);
	cap_observe("syslog", lines, n);
	free(lines);
	for (unsigned i = 0; i < nseen && !report[0]; i++) {
		for (unsigned k = 0; k < nsecrets && !report[0]; k++) {
			const char *p = find(seen[i].text, seen[i].len, secrets[k].value);
			const char *from = p, *to = p;

			if (!p)
				continue;
			while (from > seen[i].text && from[-1] != '\n' && p - from < 200)
				from--;
			while (to < seen[i].text + seen[i].len && *to != '\n' && to - p < 200)
				to++;
			if (snprintf(report, sizeof(report), "%s shows the %s (%s) in: %.*s",
				     seen[i].where, secrets[k].what, secrets[k].value,
				     (int)(to - from), from) < 0)
				strcpy(report, "a secret was seen");
		}
	}
	print_message("checked %u observations for %u secrets\n", nseen, nsecrets);
	forget();
	if (report[0])
		fail_msg("%s", report);
}

void cap_start_or_exit(int status)
{
	if (cap_start() == 0)
		return;
	fprintf(stderr, "cannot capture syslog (needs root and a private mount namespace with "
		"/dev/log): %s\n", strerror(errno));
	exit(status);
}
