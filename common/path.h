/* SPDX-License-Identifier: BSD-2-Clause */
/* User names and the file= template (%u user, %h home, %U uid, %% and a leading ~). */
#ifndef OTP_PATH_H
#define OTP_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Letters, digits, . _ - @ + and a final $; not starting with . or -; at most 255 bytes. */
bool otp_user_name_ok(const char *user);

/* Does the template put the file under the user's home (leading ~ or %h)? */
bool otp_path_in_home(const char *tmpl);

/*
 * Expand tmpl into out. The result must be an absolute path without "." or ".."
 * components. Returns 0, OTP_E_INVAL (unknown %x, relative result, bad user or home) or
 * OTP_E_TOOBIG.
 */
int otp_path_expand(const char *tmpl, const char *user, const char *home, uid_t uid,
		    char *out, size_t outsz);

#endif
