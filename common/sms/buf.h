/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A growing text buffer for request bodies and URLs. Request bodies hold codes and
 * sometimes credentials, so growing copies and frees always wipe the old memory.
 */
#ifndef OTP_SMS_BUF_H
#define OTP_SMS_BUF_H

#include <stdbool.h>
#include <stddef.h>

#define OTP_BUF_MAX (32 * 1024)

struct otp_buf {
	char *p;        /* NUL-terminated once anything was added */
	size_t len, cap;
	bool failed;    /* out of memory or over OTP_BUF_MAX: every later add is a no-op */
};

void otp_buf_add(struct otp_buf *b, const char *s, size_t n);
void otp_buf_str(struct otp_buf *b, const char *s);
void otp_buf_printf(struct otp_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Percent-encode s (RFC 3986 unreserved characters stay as they are). */
void otp_buf_urlenc(struct otp_buf *b, const char *s);
/* Append "key=value" to an application/x-www-form-urlencoded body, '&' between fields. */
void otp_buf_form(struct otp_buf *b, const char *key, const char *value);
/* Wipe and free; the buffer is empty again afterwards. */
void otp_buf_free(struct otp_buf *b);

#endif
