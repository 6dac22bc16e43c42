/* SPDX-License-Identifier: BSD-2-Clause */
#include "log.h"
#include "bounds.h"

#include <stdio.h>

void otp_vlog(const struct otp_log *log, int prio, const char *fmt, va_list ap)
{
	char msg[OTP_LOG_LINE_MAX];

	if (!log || !log->fn)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log->fn(log->ctx, prio, msg);
}

void otp_log(const struct otp_log *log, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	otp_vlog(log, prio, fmt, ap);
	va_end(ap);
}

void otp_log_sanitize(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	if (!cap)
		return;
	for (; s && *s && n + 1 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		out[n++] = (c < 0x20 || c > 0x7e) ? '?' : (char)c;
	}
	out[n] = '\0';
}
