/* SPDX-License-Identifier: BSD-2-Clause */
#include "safefile.h"
#include "err.h"
#include "monotime.h"
#include "secmem.h"
#include "why.h"
#include "safefile_int.h"

#include <errno.h>
#include <dirent.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REOPEN_TRIES 100 /* opens that found a file renamed over (0 links) before giving up */

int sf_why(struct otp_file *f, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	otp_why_vat(&f->why, err, 0, fmt, ap);
	va_end(ap);
	return err;
}

/*
 * Open an admin directory one component at a time without following symlinks, checking
 * each is root-owned and not writable by group or other: no user-controlled component is
 * ever followed with root's privileges. A message names the component that failed (for
 * file=/tmp/x/%u that is /tmp, not /tmp/x). A missing directory is OTP_E_NODIR, never
 * OTP_E_NOENT: only a missing final file means "not enrolled" (an absent directory may be
 * an automount or NFS outage).
 */
static int open_trusted_dir(struct otp_file *f)
{
	char *copy = strdup(f->dir), *save = NULL;
	char walked[4096] = "/"; /* the directory fd refers to, for messages */
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = OTP_OK;

	if (!copy || fd < 0) {
		free(copy);
		if (fd >= 0)
			close(fd);
		return copy ? sf_why(f, OTP_E_IO, "cannot open /") : OTP_E_NOMEM;
	}
	for (char *comp = strtok_r(copy, "/", &save);; comp = strtok_r(NULL, "/", &save)) {
		struct stat st;
		size_t wl;

		if (fstat(fd, &st) != 0) {
			rc = sf_why(f, OTP_E_IO, "cannot stat %s: %s", walked, strerror(errno));
			break;
		}
		if (st.st_uid != 0 || (st.st_mode & 022)) {
			rc = sf_why(f, OTP_E_UNSAFE,
				 "%s (on the way to %s) is not a root-owned directory closed to group "
				 "and other writes (use ~ or %%h in file= for files in home "
				 "directories)", walked, f->dir);
			break;
		}
		if (!comp) {
			f->dirfd = fd;
			fd = -1;
			break;
		}
		int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		wl = strlen(walked);
		snprintf(walked + wl, sizeof(walked) - wl, "%s%s", wl > 1 ? "/" : "", comp);
		if (next < 0 && errno == ENOENT) {
			rc = sf_why(f, OTP_E_NODIR, "directory %s does not exist (needed for %s/%s)",
				 walked, f->dir, f->name);
			break;
		}
		if (next < 0) {
			rc = sf_why(f, OTP_E_UNSAFE, "cannot open directory %s (on the way to %s): %s",
				 walked, f->dir, errno == ELOOP ? "a symbolic link" : strerror(errno));
			break;
		}
		close(fd);
		fd = next;
	}
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

int otp_file_open(struct otp_file *f, const char *path, uid_t owner, bool admin_path,
		  size_t max_size)
{
	const char *slash = strrchr(path, '/');

	memset(f, 0, sizeof(*f));
	f->dirfd = -1;
	f->owner = owner;
	f->root_may_own = admin_path;
	f->max_size = max_size;
	if (path[0] != '/' || !slash || slash[1] == '\0' || strcmp(slash + 1, ".") == 0 ||
	    strcmp(slash + 1, "..") == 0)
		return sf_why(f, OTP_E_INVAL, "%s is not an absolute path to a file", path);
	f->dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	f->name = strdup(slash + 1);
	if (!f->dir || !f->name) {
		otp_file_close(f);
		return OTP_E_NOMEM;
	}
	if (admin_path)
		return open_trusted_dir(f);
	f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dirfd < 0 && errno == ENOENT) /* a missing home is an outage, not "not enrolled" */
		return sf_why(f, OTP_E_NODIR, "directory %s does not exist (needed for %s/%s)", f->dir,
			   f->dir, f->name);
	if (f->dirfd < 0)
		return sf_why(f, OTP_E_IO, "cannot open directory %s: %s", f->dir, strerror(errno));
	return OTP_OK;
}

void otp_file_close(struct otp_file *f)
{
	if (f->dirfd >= 0)
		close(f->dirfd);
	f->dirfd = -1;
	free(f->dir);
	free(f->name);
	f->dir = f->name = NULL;
}

bool otp_file_exists(struct otp_file *f)
{
	struct stat st;

	return fstatat(f->dirfd, f->name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static int check_stat(struct otp_file *f, const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return sf_why(f, OTP_E_UNSAFE, "%s/%s is not a regular file", f->dir, f->name);
	if (st->st_uid != f->owner && !(f->root_may_own && st->st_uid == 0))
		return sf_why(f, OTP_E_UNSAFE, "%s/%s is owned by uid %u, expected uid %u%s", f->dir,
			   f->name, (unsigned)st->st_uid, (unsigned)f->owner,
			   f->root_may_own && f->owner == 0
				   ? " (a file in an admin directory must be root's; see "
				     "admin_file_user_owned)" : "");
	if (st->st_mode & (f->public_file ? 022 : 077))
		return sf_why(f, OTP_E_UNSAFE,
			   "%s/%s has group/other permissions (mode %04o); chmod 600 it", f->dir,
			   f->name, (unsigned)(st->st_mode & 07777));
	if (st->st_uid != 0 && !(st->st_mode & S_IWUSR) && !f->read_only)
		return sf_why(f, OTP_E_UNSAFE, "%s/%s is not writable by its owner (mode %04o), so its "
			   "state cannot be updated; chmod 600 it", f->dir, f->name,
			   (unsigned)(st->st_mode & 07777));
	if (st->st_nlink != 1)
		return sf_why(f, OTP_E_UNSAFE, "%s/%s has %lu hard links, expected 1", f->dir, f->name,
			   (unsigned long)st->st_nlink);
	if ((size_t)st->st_size > f->max_size)
		return sf_why(f, OTP_E_TOOBIG, "%s/%s is larger than %zu bytes", f->dir, f->name,
			   f->max_size);
	return OTP_OK;
}

/* Open the file itself. O_NONBLOCK so a FIFO planted there cannot block the open. */
static int open_checked(struct otp_file *f, int mode, int *fdp, struct stat *st)
{
	int fd, rc, tries = 0;

again:
	fd = openat(f->dirfd, f->name, mode | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return sf_why(f, OTP_E_NOENT, "%s/%s does not exist", f->dir, f->name);
		if (errno == ELOOP)
			return sf_why(f, OTP_E_UNSAFE, "%s/%s is a symbolic link", f->dir, f->name);
		return sf_why(f, errno == EACCES || errno == EPERM ? OTP_E_UNSAFE : OTP_E_IO,
			   "cannot open %s/%s: %s", f->dir, f->name, strerror(errno));
	}
	if (fstat(fd, st) != 0) {
		rc = sf_why(f, OTP_E_IO, "cannot stat %s/%s: %s", f->dir, f->name, strerror(errno));
		close(fd);
		return rc;
	}
	/* No links left: another login renamed its update over the file after our openat. */
	if (S_ISREG(st->st_mode) && st->st_nlink == 0 && ++tries < REOPEN_TRIES) {
		close(fd);
		goto again;
	}
	if ((rc = check_stat(f, st)) != OTP_OK) {
		close(fd);
		return rc;
	}
	*fdp = fd;
	return OTP_OK;
}

/*
 * Read the whole file, at most max_size bytes. The buffer is sized from the file's size at
 * fstat (size), not max_size: zeroing and wiping 64 KiB twice per login was 40 % of a
 * login's instructions. It still reads one byte past that size, so a file that grew since
 * is followed (the buffer grows, bounded by max_size) and one over the limit is caught.
 */
static int read_bounded(struct otp_file *f, int fd, off_t size, char **bufp, size_t *lenp)
{
	size_t cap = size >= 0 && (size_t)size < f->max_size ? (size_t)size + 1 : f->max_size + 1;
	size_t len = 0;
	char *buf = otp_secret_alloc(cap + 1); /* it may hold a secret */
	int rc = OTP_OK;

	if (!buf)
		return OTP_E_NOMEM;
	for (;;) {
		ssize_t n = len < cap ? pread(fd, buf + len, cap - len, (off_t)len) : 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = sf_why(f, OTP_E_IO, "cannot read %s/%s: %s", f->dir, f->name,
				 strerror(errno));
			break;
		}
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (len < cap || cap > f->max_size)
			break; /* end of file, or one byte past the limit */
		/* Grew since fstat: make room up to the limit (and its one extra byte). */
		char *more = otp_secret_alloc(f->max_size + 2);

		if (!more) {
			rc = OTP_E_NOMEM;
			break;
		}
		memcpy(more, buf, len);
		otp_secret_free(buf);
		buf = more;
		cap = f->max_size + 1;
	}
	if (rc == OTP_OK && len > f->max_size)
		rc = sf_why(f, OTP_E_TOOBIG, "%s/%s is larger than %zu bytes", f->dir, f->name,
			 f->max_size);
	if (rc != OTP_OK) {
		otp_secret_free(buf);
		return rc;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return OTP_OK;
}

int otp_file_read(struct otp_file *f, char **buf, size_t *len)
{
	struct stat st;
	int fd, rc;

	if ((rc = open_checked(f, O_RDONLY, &fd, &st)) != OTP_OK)
		return rc;
	rc = read_bounded(f, fd, st.st_size, buf, len);
	close(fd);
	return rc;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000L, (us % 1000000L) * 1000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Poll for an OFD write lock until the deadline (a blocking wait could hang sshd, and a
 * timed F_OFD_SETLKW would need a signal handler in the host process). A holder keeps the
 * lock about one fsync'd replace (~1 ms), so the pause starts at 100 us and stays short:
 * a long one only adds latency under contention, and a failed try costs one system call.
 */
static int lock_until(struct otp_file *f, int fd, int64_t deadline)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	long pause_us = 100;

	for (;;) {
		if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
			return OTP_OK;
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return sf_why(f, OTP_E_LOCK, "cannot lock %s/%s: %s", f->dir, f->name,
				   strerror(errno));
		if (otp_monotonic_ms() >= deadline)
			return sf_why(f, OTP_E_LOCK, "timed out waiting for the lock on %s/%s", f->dir,
				   f->name);
		sleep_us(pause_us);
		if (pause_us < 2000)
			pause_us *= 2;
	}
}

/* Is ent exactly a temp name create_temp (safefile_write.c) makes for name:
 * "." name "." OTP_TEMP_HEX hex digits ".tmp"? */
static bool is_our_temp(const char *ent, const char *name)
{
	size_t n = strlen(name);

	if (ent[0] != '.' || strncmp(ent + 1, name, n) != 0 || ent[1 + n] != '.')
		return false;
	ent += 2 + n;
	for (int i = 0; i < OTP_TEMP_HEX; i++)
		if (!((ent[i] >= '0' && ent[i] <= '9') || (ent[i] >= 'a' && ent[i] <= 'f')))
			return false;
	return strcmp(ent + OTP_TEMP_HEX, ".tmp") == 0;
}

/*
 * Called with the lock held: every writer of this file's temp files holds the same lock
 * (otp_file_create only runs when the file does not exist yet), so any temp file of ours
 * still there was left by a crash, and it may hold the secret. Remove those that match our
 * exact pattern and are regular files of the expected owner; never follow a symlink.
 * Best effort: an error here does not fail the login.
 */
static void remove_stale_temps(struct otp_file *f, const struct stat *locked)
{
	int dfd = openat(f->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *e;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if ((e->d_type != DT_REG && e->d_type != DT_UNKNOWN) ||
		    !is_our_temp(e->d_name, f->name))
			continue;
		if (fstatat(f->dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) ||
		    (st.st_uid != locked->st_uid && !(f->root_may_own && st.st_uid == 0)))
			continue;
		unlinkat(f->dirfd, e->d_name, 0);
	}
	closedir(d);
}

int otp_file_lock(struct otp_file *f, unsigned timeout_ms, struct otp_locked *lk)
{
	int64_t deadline = otp_monotonic_ms() + (int64_t)timeout_ms;

	lk->fd = -1;
	/* Each turn follows a replace made by the holder: bounded by the deadline, not a count
	 * (64 logins at once replace the file over a hundred times while the last one waits). */
	for (int tries = 0; tries == 0 || otp_monotonic_ms() < deadline; tries++) {
		struct stat now;
		int fd, rc;

		if ((rc = open_checked(f, O_RDWR, &fd, &lk->st)) != OTP_OK)
			return rc;
		if ((rc = lock_until(f, fd, deadline)) != OTP_OK) {
			close(fd);
			return rc;
		}
		/* Whoever held the lock may have renamed a new file over ours: follow it. */
		if (fstatat(f->dirfd, f->name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now.st_dev == lk->st.st_dev && now.st_ino == lk->st.st_ino) {
			/* Checked again: the owner or mode may have changed while we waited. */
			rc = fstat(fd, &lk->st) != 0 ? OTP_E_IO : check_stat(f, &lk->st);
			if (rc != OTP_OK) {
				close(fd);
				return rc;
			}
			lk->fd = fd;
			remove_stale_temps(f, &lk->st);
			return OTP_OK;
		}
		close(fd);
	}
	return sf_why(f, OTP_E_LOCK, "%s/%s keeps changing; giving up", f->dir, f->name);
}

int otp_locked_read(struct otp_file *f, struct otp_locked *lk, char **buf, size_t *len)
{
	return read_bounded(f, lk->fd, lk->st.st_size, buf, len);
}

void otp_file_unlock(struct otp_locked *lk)
{
	if (lk->fd >= 0)
		close(lk->fd); /* closing the last descriptor drops the OFD lock */
	lk->fd = -1;
}
