/* SPDX-License-Identifier: BSD-2-Clause */
#include "reaper.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PASSES 50 /* a process forking as fast as it can is caught within a few passes */

/* The session id of pid and whether it is alive (not a zombie), from /proc/PID/stat. */
static bool stat_of(int procfd, const char *pid, pid_t *sid, bool *alive)
{
	char path[64], buf[512], *close_paren;
	char state;
	int ppid, pgrp, session;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/stat", pid);
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* "pid (comm) state ppid pgrp session ...": comm may hold anything, even ')'. */
	if (!(close_paren = strrchr(buf, ')')) ||
	    sscanf(close_paren + 1, " %c %d %d %d", &state, &ppid, &pgrp, &session) != 4)
		return false;
	*sid = (pid_t)session;
	*alive = state != 'Z' && state != 'X';
	return true;
}

/* Kill pid if it is still in the session: through a pidfd, so a pid reused between the
 * look and the kill is never hit. */
static void kill_member(int procfd, const char *name, pid_t pid, pid_t leader)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	pid_t sid;
	bool alive;

	if (pidfd < 0) {
		if (errno == ENOSYS)
			kill(pid, SIGKILL); /* old kernel: the window is one system call */
		return;
	}
	if (stat_of(procfd, name, &sid, &alive) && sid == leader && alive)
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	close(pidfd);
}

/* One pass over /proc: kill the session's live members; how many were seen. */
static int sweep(pid_t leader)
{
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = procfd >= 0 ? fdopendir(procfd) : NULL;
	struct dirent *e;
	int seen = 0;

	if (!d) {
		if (procfd >= 0)
			close(procfd);
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		pid_t sid;
		bool alive;

		if (*end || pid <= 0 || pid == leader)
			continue;
		if (!stat_of(dirfd(d), e->d_name, &sid, &alive) || sid != leader || !alive)
			continue;
		kill_member(dirfd(d), e->d_name, (pid_t)pid, leader);
		seen++;
	}
	closedir(d);
	return seen;
}

int reap_session(pid_t leader)
{
	struct timespec tick = { 0, 1000000L };
	int status = 0;

	kill(-leader, SIGKILL); /* the group: whatever did not move away, atomically */
	kill(leader, SIGKILL);
	for (int pass = 0; pass < PASSES && sweep(leader) > 0; pass++)
		nanosleep(&tick, NULL); /* let the killed ones die before looking again */
	while (waitpid(leader, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}
