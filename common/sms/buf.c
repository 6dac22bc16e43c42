/* SPDX-License-Identifier: BSD-2-Clause */
#include "buf.h"
#include "secmem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(struct otp_buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->failed)
		return false;
	if (more > OTP_BUF_MAX || b->len + more + 1 > OTP_BUF_MAX) {
		b->failed = true;
		return false;
	}
	if (b->len + more + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	/* Not realloc: the old block must be wiped before it goes back to the heap. */
	if (!(p = malloc(cap))) {
		b->failed = true;
		return false;
	}
	if (b->p) {
		memcpy(p, b->p, b->len + 1);
		otp_wipe(b->p, b->cap);
		free(b->p);
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void otp_buf_add(struct otp_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void otp_buf_str(struct otp_buf *b, const char *s)
{
	otp_buf_add(b, s, strlen(s));
}

void otp_buf_printf(struct otp_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		b->failed = true;
	else
		otp_buf_add(b, tmp, (size_t)n);
	otp_wipe(tmp, sizeof(tmp));
}

void otp_buf_urlenc(struct otp_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[3] = { '%', hex[c >> 4], hex[c & 15] };

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			otp_buf_add(b, (const char *)&c, 1);
		else
			otp_buf_add(b, esc, 3);
	}
}

void otp_buf_form(struct otp_buf *b, const char *key, const char *value)
{
	if (b->len)
		otp_buf_add(b, "&", 1);
	otp_buf_urlenc(b, key);
	otp_buf_add(b, "=", 1);
	otp_buf_urlenc(b, value);
}

void otp_buf_free(struct otp_buf *b)
{
	if (b->p) {
		otp_wipe(b->p, b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}
