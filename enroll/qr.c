/* SPDX-License-Identifier: BSD-2-Clause */
/* Drawing a QR code in the terminal. */
#include "qr.h"
#include "secmem.h"

#include <errno.h>
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UTF8_FULL "\xe2\x96\x88"   /* U+2588 FULL BLOCK */
#define UTF8_UPPER "\xe2\x96\x80"  /* U+2580 UPPER HALF BLOCK */
#define UTF8_LOWER "\xe2\x96\x84"  /* U+2584 LOWER HALF BLOCK */
/*
 * Black on white whatever the terminal's own colours: on a dark theme plain block
 * characters would come out light-on-dark, an inverted code many scanners reject.
 * 30/47 (not 97/107) because every terminal, the Linux console included, has them.
 */
#define SGR_BLACK_ON_WHITE "\x1b[30;47m"
#define SGR_DARK "\x1b[40m"
#define SGR_LIGHT "\x1b[47m"
#define SGR_RESET "\x1b[0m"

QRcode *qr_make(const char *text)
{
	/* QR_MODE_8 with case kept lets libqrencode put the upper-case base32 secret in the
	 * denser alphanumeric mode: a smaller code for the same URI. */
	return QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
}

void qr_free(QRcode *q)
{
	if (!q)
		return;
	otp_wipe(q->data, (size_t)q->width * (size_t)q->width);
	QRcode_free(q);
}

enum qr_mode qr_default_mode(void)
{
	const char *term = getenv("TERM");

	if (strcmp(nl_langinfo(CODESET), "UTF-8") == 0)
		return QR_UTF8;
	if (isatty(STDOUT_FILENO) && term && strcmp(term, "dumb") != 0)
		return QR_ANSI;
	return QR_ASCII;
}

/* Is module (x, y) dark? Outside the symbol (the quiet zone) everything is light. */
static bool dark(const QRcode *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return false;
	return q->data[y * q->width + x] & 1;
}

int qr_columns(const QRcode *q, enum qr_mode mode)
{
	int modules = q->width + 2 * QR_QUIET_TERM;

	return mode == QR_UTF8 ? modules : 2 * modules;
}

static void print_utf8(FILE *out, const QRcode *q, bool colour)
{
	int lo = -QR_QUIET_TERM, hi = q->width + QR_QUIET_TERM;

	/* One text row holds two module rows: the upper and lower half of each cell. */
	for (int y = lo; y < hi; y += 2) {
		if (colour)
			fputs(SGR_BLACK_ON_WHITE, out);
		for (int x = lo; x < hi; x++) {
			bool top = dark(q, x, y), bottom = y + 1 < hi && dark(q, x, y + 1);

			fputs(top && bottom ? UTF8_FULL : top ? UTF8_UPPER : bottom ? UTF8_LOWER : " ",
			      out);
		}
		fputs(colour ? SGR_RESET "\n" : "\n", out);
	}
}

static void print_ansi(FILE *out, const QRcode *q)
{
	int lo = -QR_QUIET_TERM, hi = q->width + QR_QUIET_TERM;

	for (int y = lo; y < hi; y++) {
		bool cur = false;

		fputs(SGR_LIGHT, out);
		for (int x = lo; x < hi; x++) {
			bool d = dark(q, x, y);

			if (d != cur)
				fputs(d ? SGR_DARK : SGR_LIGHT, out);
			cur = d;
			fputs("  ", out);
		}
		fputs(SGR_RESET "\n", out);
	}
}

static void print_ascii(FILE *out, const QRcode *q)
{
	int lo = -QR_QUIET_TERM, hi = q->width + QR_QUIET_TERM;

	for (int y = lo; y < hi; y++) {
		for (int x = lo; x < hi; x++)
			fputs(dark(q, x, y) ? "##" : "  ", out);
		fputc('\n', out);
	}
}

void qr_print(FILE *out, const QRcode *q, enum qr_mode mode, bool colour)
{
	switch (mode) {
	case QR_UTF8:
		print_utf8(out, q, colour);
		break;
	case QR_ANSI:
		print_ansi(out, q);
		break;
	case QR_ASCII:
		print_ascii(out, q);
		break;
	default:
		break;
	}
}
