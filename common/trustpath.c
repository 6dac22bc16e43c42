/* SPDX-License-Identifier: BSD-2-Clause */
#include "trustpath.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* May st (the object at shown) be trusted? last: the file itself, not a directory on the way. */
static int check(const struct stat *st, const char *shown, bool last, struct otp_why *why)
{
	if (st->st_uid != 0) {
		otp_why_set(why, 0, "%s is owned by uid %u, not root", shown, (unsigned)st->st_uid);
		return OTP_E_UNSAFE;
	}
	/* A sticky directory (/tmp) may be open to writes: every entry we pass must be
	 * root-owned too, and others cannot rename or remove a root-owned entry there. */
	if ((st->st_mode & 022) && !(S_ISDIR(st->st_mode) && !last && (st->st_mode & S_ISVTX))) {
		otp_why_set(why, 0, "%s is writable by group or other (mode %04o)", shown,
			 (unsigned)(st->st_mode & 07777));
		return OTP_E_UNSAFE;
	}
	if (last && !S_ISREG(st->st_mode)) {
		otp_why_set(why, 0, "%s is not a regular file", shown);
		return OTP_E_UNSAFE;
	}
	return OTP_OK;
}

int otp_trusted_path(const char *path, struct otp_why *why)
{
	char shown[PATH_MAX];
	const char *p = path;
	struct stat st;
	int fd, rc;

	otp_why_clear(why);
	if (!path || path[0] != '/') {
		otp_why_set(why, 0, "%s is not an absolute path", path ? path : "(none)");
		return OTP_E_INVAL;
	}
	if (strlen(path) >= sizeof(shown)) {
		otp_why_set(why, 0, "path too long");
		return OTP_E_INVAL;
	}
	if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
		otp_why_set(why, 0, "cannot open /: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return OTP_E_IO;
	}
	if ((rc = check(&st, "/", false, why)) != OTP_OK) {
		close(fd);
		return rc;
	}
	for (;;) {
		size_t n;
		char comp[NAME_MAX + 1];
		bool last;
		int next;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		last = p[n + strspn(p + n, "/")] == '\0';
		if (n == 0 || n > NAME_MAX || (n <= 2 && strncmp(p, "..", n) == 0)) {
			otp_why_set(why, 0, "%s does not name a file plainly (empty, . or .. "
				 "component)", path);
			rc = OTP_E_INVAL;
			break;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		snprintf(shown, sizeof(shown), "%.*s", (int)(p - path + n), path);
		if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			otp_why_set(why, 0, "%s: %s", shown, strerror(errno));
			rc = errno == ENOENT ? OTP_E_NOENT : OTP_E_UNSAFE;
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			otp_why_set(why, 0, "%s is a symbolic link (name the real path)", shown);
			rc = OTP_E_UNSAFE;
			break;
		}
		if ((rc = check(&st, shown, last, why)) != OTP_OK || last)
			break;
		if (!S_ISDIR(st.st_mode)) {
			otp_why_set(why, 0, "%s is not a directory", shown);
			rc = OTP_E_UNSAFE;
			break;
		}
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		/* What was opened must be what was checked (no swap between the two calls). */
		struct stat again;
		if (next < 0 || fstat(next, &again) != 0 || again.st_dev != st.st_dev ||
		    again.st_ino != st.st_ino) {
			otp_why_set(why, 0, "cannot open %s: %s", shown,
				 next < 0 ? strerror(errno) : "changed while checked");
			if (next >= 0)
				close(next);
			rc = OTP_E_UNSAFE;
			break;
		}
		close(fd);
		fd = next;
		p += n;
	}
	close(fd);
	return rc;
}
