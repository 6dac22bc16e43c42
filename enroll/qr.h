/* SPDX-License-Identifier: BSD-2-Clause */
/* QR codes of the otpauth URI: libqrencode, drawn in the terminal or written as PNG/SVG. */
#ifndef OTP_ENROLL_QR_H
#define OTP_ENROLL_QR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <qrencode.h>

#include "enroll.h"

#define QR_QUIET_TERM 2   /* light modules around a terminal code (4 in images) */
#define QR_QUIET_IMAGE 4
#define QR_PNG_SCALE 8    /* pixels per module */

/* Encode text (EC level M, case kept); NULL with errno set on failure. */
QRcode *qr_make(const char *text);
/* Wipe the modules (they spell the secret) and free. */
void qr_free(QRcode *q);

/* utf8 when the locale's character set is UTF-8, else ansi on a terminal, else ascii. */
enum qr_mode qr_default_mode(void);
/* Columns the code takes in mode (quiet zone included). */
int qr_columns(const QRcode *q, enum qr_mode mode);
/*
 * Draw q on out. utf8: half blocks, two modules per character cell, drawn black on white
 * with ANSI colours when colour is set; ansi: two coloured spaces per module; ascii: "##"
 * for a dark module, two spaces for a light one.
 */
void qr_print(FILE *out, const QRcode *q, enum qr_mode mode, bool colour);

/* Write an image file (mode 0600, never through a symlink; replace only if force). */
int qr_write_png(const char *path, const QRcode *q, bool force);
int qr_write_svg(const char *path, const QRcode *q, bool force);

#endif
