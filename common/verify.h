/*
 * Checking an answer against a record: TOTP with replay guard, HOTP with look-ahead and
 * two-code resync, backup codes, a pending SMS code, and the failure lockout. Pure: the caller supplies the time
 * and persists the record when outcome.dirty says it changed. Call it under the file lock.
 */
#ifndef OTP_VERIFY_H
#define OTP_VERIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "otpfile.h"

struct otp_policy {
	unsigned window;        /* TOTP steps accepted either side of now */
	unsigned hotp_window;   /* HOTP codes accepted from the counter on */
	unsigned hotp_resync;   /* how far ahead a code may start a two-code resync; 0 off */
	unsigned max_failures;  /* consecutive failures before a lockout; 0 off */
	unsigned lockout;       /* first lockout, seconds; doubles with each further failure */
	unsigned lockout_max;   /* cap on one lockout, seconds */
};

#define OTP_POLICY_DEFAULTS { .window = 1, .hotp_window = 5, .hotp_resync = 100, \
			      .max_failures = 3, .lockout = 30, .lockout_max = 900 }

enum otp_method { OTP_METHOD_NONE, OTP_METHOD_TOTP, OTP_METHOD_HOTP, OTP_METHOD_BACKUP,
		  OTP_METHOD_SMS };

/*
 * Checks a code that the SMS provider made and keeps (twilio-verify): returns 0 approved,
 * OTP_E_WRONG denied, another error if the provider could not say.
 */
struct otp_remote_check {
	int (*check)(void *arg, const struct otp_record *rec, const char *code);
	void *arg;
};

struct otp_outcome {
	enum otp_method method; /* what matched (or would have, for a replay) */
	int64_t step_offset;    /* TOTP: matched step minus the current step */
	int64_t wait;           /* OTP_E_LOCKED: seconds until the next try */
	bool dirty;             /* rec changed and must be written back */
	bool counted;           /* the attempt counted as a failure */
};

/* Seconds of lockout left at now, 0 when none. */
int64_t otp_lockout_remaining(const struct otp_record *rec, time_t now);

/*
 * Check input (spaces ignored) for rec at now. Returns OTP_OK (rec updated: replay guard or
 * counter moved, backup code consumed, failures reset), OTP_E_WRONG, OTP_E_REPLAY,
 * OTP_E_RESYNC (HOTP code far ahead: the next code completes the resync), OTP_E_LOCKED
 * (nothing was checked), or an OpenSSL error.
 */
int otp_verify(struct otp_record *rec, const struct otp_policy *pol, const char *input,
	       time_t now, struct otp_outcome *out);
/* The same, with a pending SMS code checked by remote (may be NULL) when the provider has it. */
int otp_verify_ex(struct otp_record *rec, const struct otp_policy *pol, const char *input,
		  time_t now, const struct otp_remote_check *remote, struct otp_outcome *out);

/* Record one failed attempt at now (lockout arithmetic); used for other factors too. */
void otp_note_failure(struct otp_record *rec, const struct otp_policy *pol, time_t now);
/* Forget failures and lockout after a success. */
void otp_note_success(struct otp_record *rec);

#endif
