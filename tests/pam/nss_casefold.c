/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * LD_PRELOAD shim for test_review: a case-insensitive user database, as sssd or winbind give.
 * getpwnam and getpwnam_r fold the name to ASCII lower case and ask the next library
 * (nss_wrapper, preloaded after this one), so "ALICE" finds alice's entry, whose pw_name is
 * the canonical "alice". nss_wrapper on its own is case-sensitive.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pwd.h>
#include <stddef.h>

#define EXPORT __attribute__((visibility("default")))

static const char *fold(const char *name, char *out, size_t cap)
{
	size_t i = 0;

	if (!name)
		return NULL;
	for (; name[i] && i + 1 < cap; i++)
		out[i] = name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] - 'A' + 'a') : name[i];
	out[i] = '\0';
	return name[i] ? NULL : out; /* too long: no such user */
}

EXPORT struct passwd *getpwnam(const char *name)
{
	struct passwd *(*next)(const char *);
	char buf[256];
	const char *n = fold(name, buf, sizeof(buf));

	*(void **)&next = dlsym(RTLD_NEXT, "getpwnam"); /* the POSIX idiom for a function */
	if (!next || !n) {
		errno = ENOENT;
		return NULL;
	}
	return next(n);
}

EXPORT int getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t buflen,
		      struct passwd **result)
{
	int (*next)(const char *, struct passwd *, char *, size_t, struct passwd **);
	char lower[256];
	const char *n = fold(name, lower, sizeof(lower));

	*(void **)&next = dlsym(RTLD_NEXT, "getpwnam_r");
	*result = NULL;
	if (!next)
		return ENOSYS;
	if (!n)
		return 0;
	return next(n, pwd, buf, buflen, result);
}
