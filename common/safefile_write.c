/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Writing the private file: a temp file (random name, same directory, same owner and mode),
 * write, fsync, rename over the locked file (the lock passes to the new one), fsync of the
 * directory; creating it (never over one that exists) and removing it. See safefile.h.
 */
#include "safefile.h"
#include "err.h"
#include "safefile_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

/* Create "." name ".XXXXXXXXXXXX" with a random suffix: never a fixed name a crash leaves. */
static int create_temp(struct otp_file *f, char *tmp, size_t tmpsz, int *fdp)
{
	for (int tries = 0; tries < 16; tries++) {
		unsigned char rnd[6];
		int fd;

		_Static_assert(2 * sizeof(rnd) == OTP_TEMP_HEX, "the name's hex digits");

		/* Not a secret, only unpredictable: the kernel's CSPRNG directly, because the
		 * first RAND_bytes in a process instantiates OpenSSL's DRBG (3 M instructions,
		 * a quarter of a cold login's cost). */
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return OTP_E_CRYPTO;
		if (snprintf(tmp, tmpsz, ".%s.%02x%02x%02x%02x%02x%02x.tmp", f->name, rnd[0],
			     rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]) >= (int)tmpsz)
			return sf_why(f, OTP_E_INVAL, "file name too long");
		fd = openat(f->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			*fdp = fd;
			return OTP_OK;
		}
		if (errno != EEXIST)
			return sf_why(f, OTP_E_IO, "cannot create a temporary file in %s: %s", f->dir,
				   strerror(errno));
	}
	return sf_why(f, OTP_E_IO, "cannot create a temporary file in %s", f->dir);
}

/*
 * The caller's RLIMIT_FSIZE must not decide whether state is recorded: a limit that lets a
 * short record through but not a longer one would let a caller choose which outcomes count
 * (a lockout bypass). Lift it for the write where we may (root); where we may not, make
 * SIGXFSZ a plain EFBIG error instead of a kill. Both are restored after the write. Costs one
 * system call when no limit is set (the usual case).
 */
struct fsize_guard {
	bool active, lifted;
	struct rlimit old;
	struct sigaction old_xfsz;
};

static void fsize_guard_enter(struct fsize_guard *g)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct rlimit up = { RLIM_INFINITY, RLIM_INFINITY };

	g->active = g->lifted = false;
	if (getrlimit(RLIMIT_FSIZE, &g->old) != 0 || g->old.rlim_cur == RLIM_INFINITY)
		return;
	g->active = true;
	sigaction(SIGXFSZ, &ign, &g->old_xfsz);
	if (setrlimit(RLIMIT_FSIZE, &up) == 0) {
		g->lifted = true;
	} else if (g->old.rlim_max > g->old.rlim_cur) {
		up.rlim_cur = up.rlim_max = g->old.rlim_max; /* raising to the hard limit is free */
		g->lifted = setrlimit(RLIMIT_FSIZE, &up) == 0;
	}
}

static void fsize_guard_leave(struct fsize_guard *g)
{
	if (!g->active)
		return;
	if (g->lifted)
		setrlimit(RLIMIT_FSIZE, &g->old);
	sigaction(SIGXFSZ, &g->old_xfsz, NULL);
}

static int write_all(struct otp_file *f, int fd, const char *data, size_t len)
{
	struct fsize_guard g;
	size_t done = 0;
	int rc = OTP_OK;

	fsize_guard_enter(&g);
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = sf_why(f, OTP_E_IO, "cannot write to %s: %s", f->dir,
				 n < 0 ? strerror(errno) : "short write");
			break;
		}
		done += (size_t)n;
	}
	fsize_guard_leave(&g);
	if (rc == OTP_OK && fsync(fd) != 0)
		rc = sf_why(f, OTP_E_IO, "cannot fsync a file in %s: %s", f->dir, strerror(errno));
	return rc;
}

/*
 * Write data to a new temp file with the given owner and mode; *tmp names it. With keep_fd
 * the descriptor (read-write) is handed back open instead of closed.
 */
static int write_temp(struct otp_file *f, const char *data, size_t len, uid_t uid, gid_t gid,
		      mode_t mode, char *tmp, size_t tmpsz, int *keep_fd)
{
	struct stat st;
	int fd = -1, rc;

	if ((rc = create_temp(f, tmp, tmpsz, &fd)) != OTP_OK)
		return rc;
	rc = OTP_OK;
	if (fstat(fd, &st) != 0)
		rc = sf_why(f, OTP_E_IO, "cannot stat a temporary file: %s", strerror(errno));
	else if ((st.st_uid != uid || st.st_gid != gid) && fchown(fd, uid, gid) != 0 &&
		 st.st_uid != uid) /* the group alone does not matter: no group bits are set */
		rc = sf_why(f, OTP_E_IO, "cannot keep the owner of %s/%s: %s", f->dir, f->name,
			 strerror(errno));
	else if (fchmod(fd, mode) != 0)
		rc = sf_why(f, OTP_E_IO, "cannot set the mode of %s/%s: %s", f->dir, f->name,
			 strerror(errno));
	if (rc == OTP_OK)
		rc = write_all(f, fd, data, len);
	if (rc == OTP_OK && keep_fd) {
		*keep_fd = fd;
		return OTP_OK;
	}
	if (close(fd) != 0 && rc == OTP_OK)
		rc = sf_why(f, OTP_E_IO, "cannot close a file in %s: %s", f->dir, strerror(errno));
	if (rc != OTP_OK)
		unlinkat(f->dirfd, tmp, 0);
	return rc;
}

int otp_file_sync(struct otp_file *f)
{
	if (fsync(f->dirfd) != 0 && errno != EINVAL)
		return sf_why(f, OTP_E_IO, "cannot fsync directory %s: %s", f->dir, strerror(errno));
	return OTP_OK;
}

int otp_file_replace_ex(struct otp_file *f, struct otp_locked *lk, const char *data, size_t len,
			unsigned flags)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char tmp[512];
	struct stat now;
	int fd = -1, rc;

	if (lk->fd < 0)
		return OTP_E_INVAL;
	rc = write_temp(f, data, len, lk->st.st_uid, lk->st.st_gid, lk->st.st_mode & 0700, tmp,
			sizeof(tmp), &fd);
	if (rc != OTP_OK)
		return rc;
	/*
	 * Lock the new file before it takes the name, so the lock passes to it without a gap: a
	 * login waiting on the old file follows the rename and then waits on this lock. No one
	 * else knows the random temp name, so this never waits.
	 */
	if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
		rc = sf_why(f, OTP_E_LOCK, "cannot lock the new %s/%s: %s", f->dir, f->name,
			 strerror(errno));
		goto fail;
	}
	/* Someone who does not take our lock replaced the file: do not overwrite their work. */
	if (fstatat(f->dirfd, f->name, &now, AT_SYMLINK_NOFOLLOW) != 0 ||
	    now.st_dev != lk->st.st_dev || now.st_ino != lk->st.st_ino) {
		rc = sf_why(f, OTP_E_CHANGED, "%s/%s was replaced while it was locked", f->dir,
			 f->name);
		goto fail;
	}
	if (renameat(f->dirfd, tmp, f->dirfd, f->name) != 0) {
		rc = sf_why(f, OTP_E_IO, "cannot rename into %s/%s: %s", f->dir, f->name,
			 strerror(errno));
		goto fail;
	}
	close(lk->fd);
	lk->fd = fd;
	if (fstat(fd, &lk->st) != 0)
		return sf_why(f, OTP_E_IO, "cannot stat %s/%s: %s", f->dir, f->name, strerror(errno));
	return flags & OTP_REPLACE_DEFER_SYNC ? OTP_OK : otp_file_sync(f);
fail:
	close(fd);
	unlinkat(f->dirfd, tmp, 0);
	return rc;
}

int otp_file_replace(struct otp_file *f, struct otp_locked *lk, const char *data, size_t len)
{
	return otp_file_replace_ex(f, lk, data, len, 0);
}

int otp_file_create(struct otp_file *f, const char *data, size_t len, uid_t uid, gid_t gid)
{
	char tmp[512];
	int rc;

	rc = write_temp(f, data, len, uid, gid, 0600, tmp, sizeof(tmp), NULL);
	if (rc != OTP_OK)
		return rc;
	/* RENAME_NOREPLACE: a file created meanwhile is never clobbered. */
	if (renameat2(f->dirfd, tmp, f->dirfd, f->name, RENAME_NOREPLACE) != 0) {
		int e = errno;
		unlinkat(f->dirfd, tmp, 0);
		if (e == EEXIST)
			return sf_why(f, OTP_E_EXISTS, "%s/%s already exists", f->dir, f->name);
		return sf_why(f, OTP_E_IO, "cannot create %s/%s: %s", f->dir, f->name, strerror(e));
	}
	return otp_file_sync(f);
}

int otp_file_remove(struct otp_file *f)
{
	struct otp_locked lk;
	int rc = otp_file_lock(f, 5000, &lk);

	if (rc != OTP_OK)
		return rc;
	if (unlinkat(f->dirfd, f->name, 0) != 0)
		rc = sf_why(f, OTP_E_IO, "cannot remove %s/%s: %s", f->dir, f->name, strerror(errno));
	else
		rc = otp_file_sync(f);
	otp_file_unlock(&lk);
	return rc;
}
