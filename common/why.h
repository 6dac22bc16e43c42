/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Why something failed, in words for the log or the terminal: the one way the core hands a
 * reason to its callers (files, paths, keys, options, the ~/.otp format). The error code
 * (err.h) says what kind of failure; this says which file, line and value.
 */
#ifndef OTP_WHY_H
#define OTP_WHY_H

#include <stdarg.h>

#define OTP_WHY_MAX 384 /* room for two paths and a hint */

struct otp_why {
	unsigned line;          /* 1-based line of the file the error is in; 0 when none */
	char text[OTP_WHY_MAX]; /* "" when nothing was said */
};

/* Say why in w (may be NULL) and return err, as in `return otp_why_set(w, OTP_E_IO, ...)`. */
int otp_why_set(struct otp_why *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, for line `line` of a file. */
int otp_why_at(struct otp_why *w, int err, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same with a va_list, for functions that take a format of their own. */
int otp_why_vat(struct otp_why *w, int err, unsigned line, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
void otp_why_clear(struct otp_why *w);
/* What w says, or otp_strerror(err) when it says nothing. */
const char *otp_why_text(const struct otp_why *w, int err);

#endif
