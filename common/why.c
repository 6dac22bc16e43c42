/* SPDX-License-Identifier: BSD-2-Clause */
#include "why.h"
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

int otp_why_vat(struct otp_why *w, int err, unsigned line, const char *fmt, va_list ap)
{
	if (w) {
		w->line = line;
		vsnprintf(w->text, sizeof(w->text), fmt, ap);
	}
	return err;
}

int otp_why_set(struct otp_why *w, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	otp_why_vat(w, err, 0, fmt, ap);
	va_end(ap);
	return err;
}

int otp_why_at(struct otp_why *w, int err, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	otp_why_vat(w, err, line, fmt, ap);
	va_end(ap);
	return err;
}

void otp_why_clear(struct otp_why *w)
{
	w->line = 0;
	w->text[0] = '\0';
}

const char *otp_why_text(const struct otp_why *w, int err)
{
	return w && w->text[0] ? w->text : otp_strerror(err);
}
