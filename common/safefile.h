/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Safe access to a small private file: bounded, checked reads; a lock that survives the
 * atomic replace (an OFD lock on the file itself, re-checked against the path after it is
 * taken); and replace by temp file + fsync + rename + directory fsync.
 *
 * Everything is relative to a directory descriptor opened once, so a path component swapped
 * between two steps cannot redirect a later step.
 */
#ifndef OTP_SAFEFILE_H
#define OTP_SAFEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "why.h"

struct otp_file {
	int dirfd;
	char *dir;          /* for messages */
	char *name;         /* last component */
	uid_t owner;        /* who must own the file */
	bool root_may_own;  /* an admin path: root may own the file too */
	size_t max_size;
	bool read_only;     /* only read (an import source): owner-write is not required */
	bool public_file;   /* may be readable by all (a public key); never writable by them */
	struct otp_why why; /* reason for the last error */
};

struct otp_locked {
	int fd;
	struct stat st;
};

/*
 * Open the directory part of path. For a file in a home directory (admin_path false) the
 * caller has already switched to the user's filesystem identity; the file must be owned by
 * owner. For an admin path every directory from / down must be root-owned and closed to
 * group/other writes, walked without following symlinks; the file may be owned by root or
 * owner. f->why explains a failure.
 */
int otp_file_open(struct otp_file *f, const char *path, uid_t owner, bool admin_path,
		  size_t max_size);
void otp_file_close(struct otp_file *f);

/* Does the file exist (as anything, even a dangling symlink)? */
bool otp_file_exists(struct otp_file *f);

/*
 * Read the whole file without locking: O_NOFOLLOW, regular file, owner, no group/other
 * bits, one link, at most max_size bytes. *buf is NUL-terminated; free it with
 * otp_secret_free (it comes from otp_secret_alloc: it may hold a secret).
 */
int otp_file_read(struct otp_file *f, char **buf, size_t *len);

/*
 * Take an exclusive lock on the file, waiting at most timeout_ms. After the lock is held the
 * path is checked to still name the locked inode (a concurrent replace retries), so data
 * read from lk->fd is the latest committed version.
 */
int otp_file_lock(struct otp_file *f, unsigned timeout_ms, struct otp_locked *lk);
/* Read the locked file from the start, bounded and NUL-terminated. */
int otp_locked_read(struct otp_file *f, struct otp_locked *lk, char **buf, size_t *len);
/*
 * Replace the locked file with data: temp file (same directory, random name, same owner and
 * mode), write, fsync, check that the path still names the locked inode, rename, fsync the
 * directory. On any error the old file is untouched and the temp file removed.
 */
int otp_file_replace(struct otp_file *f, struct otp_locked *lk, const char *data, size_t len);
/*
 * The same; the lock passes to the new file (lk follows it), so one transaction may replace
 * the file more than once. With OTP_REPLACE_DEFER_SYNC the directory is not fsynced: the new
 * file is in place for every process (no kill can undo it) but durable across a power loss
 * only after otp_file_sync or a later replace without the flag. The file's data is always
 * fsynced before the rename, so a crash never leaves a broken file.
 */
#define OTP_REPLACE_DEFER_SYNC 1u
int otp_file_replace_ex(struct otp_file *f, struct otp_locked *lk, const char *data, size_t len,
			unsigned flags);
/* fsync the directory: makes a deferred replace durable. */
int otp_file_sync(struct otp_file *f);
/* Release the lock (closing the descriptor). */
void otp_file_unlock(struct otp_locked *lk);

/*
 * Create the file with data, mode 0600 and the given owner; fails with OTP_E_EXISTS if it
 * already exists (never clobbers one created meanwhile).
 */
int otp_file_create(struct otp_file *f, const char *data, size_t len, uid_t uid, gid_t gid);
/* Remove the file (after the usual checks). */
int otp_file_remove(struct otp_file *f);

#endif
