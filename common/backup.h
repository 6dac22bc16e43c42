/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Backup codes: 12 random base32 characters shown as "abcd-efgh-ijkl" (60 bits), stored
 * only as scrypt hashes under one per-file salt, consumed once.
 */
#ifndef OTP_BACKUP_H
#define OTP_BACKUP_H

#include <stdbool.h>
#include <stddef.h>

#include "otpfile.h"

#define OTP_BACKUP_CHARS 12
#define OTP_BACKUP_TEXT (OTP_BACKUP_CHARS + 2 + 1) /* two dashes and a NUL */
#define OTP_BACKUP_DEFAULT_LOG2N 14 /* 16 MiB, ~50 ms: slow for guessing, fine once */
#define OTP_SCRATCH_DIGITS 8         /* google-authenticator scratch codes, when imported */

/*
 * Normalise user input to the 12 lower-case characters if it has the shape of a backup code
 * (case, dashes and spaces ignored), or to 8 digits for a scratch code imported from
 * google-authenticator; false otherwise. out has OTP_BACKUP_CHARS + 1 bytes.
 */
bool otp_backup_normalize(const char *input, char *out);

/*
 * Replace rec's backup codes with count new ones (count <= OTP_BACKUP_MAX): a new salt,
 * scrypt 2^log2_n. The codes are written to codes[i] (OTP_BACKUP_TEXT bytes each) for
 * showing once; the caller wipes them.
 */
int otp_backup_generate(struct otp_record *rec, unsigned count, unsigned log2_n,
			char (*codes)[OTP_BACKUP_TEXT]);

/* Add one given code (an imported scratch code) under rec's salt, making one if needed. */
int otp_backup_add(struct otp_record *rec, const char *code);

/*
 * If input is an unused backup code of rec, remove it from rec and return OTP_OK;
 * OTP_E_WRONG if not (also for input that is not code-shaped, without hashing).
 */
int otp_backup_consume(struct otp_record *rec, const char *input);

#endif
