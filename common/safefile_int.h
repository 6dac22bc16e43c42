/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by safefile.c (open, read, lock) and safefile_write.c (temp, replace): internal. */
#ifndef OTP_SAFEFILE_INT_H
#define OTP_SAFEFILE_INT_H

#include "safefile.h"

/* Hex digits of randomness in a temp file's name ("." name "." HEX ".tmp"). */
#define OTP_TEMP_HEX 12

/* Say why in f->why (the one reason type, why.h) and return err. */
int sf_why(struct otp_file *f, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
