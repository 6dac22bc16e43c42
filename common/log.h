/* SPDX-License-Identifier: BSD-2-Clause */
/* Logging through a callback, so the same core logs to pam_syslog or to stderr. */
#ifndef OTP_LOG_H
#define OTP_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <syslog.h>

struct otp_log {
	void (*fn)(void *ctx, int prio, const char *msg);
	void *ctx;
};

void otp_log(const struct otp_log *log, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void otp_vlog(const struct otp_log *log, int prio, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Copy s for a log line: control and non-ASCII bytes become '?', at most cap-1 bytes. */
void otp_log_sanitize(const char *s, char *out, size_t cap);

#endif
