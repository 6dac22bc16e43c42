/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reading a google-authenticator ~/.google_authenticator file:
 *
 *   BASE32SECRET
 *   " TOTP_AUTH | " HOTP_COUNTER n
 *   " WINDOW_SIZE n, " STEP_SIZE n, " DISALLOW_REUSE [steps], " RATE_LIMIT n m [times]
 *   12345678          (eight-digit scratch codes, one a line)
 */
#ifndef OTP_ENROLL_GAUTH_IMPORT_H
#define OTP_ENROLL_GAUTH_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "otpfile.h"
#include "why.h"

#define GAUTH_FILE ".google_authenticator"
#define GAUTH_SCRATCH_LEN 8

struct gauth {
	struct otp_record rec;      /* type, secret, counter, period, window, last_step */
	char scratch[OTP_BACKUP_MAX][GAUTH_SCRATCH_LEN + 1];
	unsigned nscratch;
	char dropped[160];          /* settings pam_otp has no place for, for a note */
};

/*
 * Read path (not through a symlink; a regular file of uid, closed to group and other, as
 * google-authenticator itself requires; 0400 is fine) and parse it into g. On failure why
 * says what is wrong.
 */
int gauth_read(const char *path, uid_t uid, struct gauth *g, struct otp_why *why);
/* Parse buf into g (initialised here). On OTP_E_PARSE, why says which line and why. */
int gauth_parse(const char *buf, size_t len, struct gauth *g, struct otp_why *why);
/* Wipe everything. */
void gauth_clear(struct gauth *g);

/*
 * Store g's scratch codes in g->rec as backup-code hashes (the same scrypt scheme and
 * format as otp_backup_generate), so pam_otp can consume each once.
 */
int gauth_store_scratch(struct gauth *g);
/*
 * Does the pam_otp core linked here accept an eight-digit scratch code as a backup code?
 * Checked on a copy of g->rec by the real verifier, so the answer follows the core.
 */
bool gauth_scratch_usable(const struct gauth *g);

#endif
