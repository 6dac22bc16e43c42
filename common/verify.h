/* SPDX-License-Identifier: BSD-2-Clause */
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
	unsigned max_drift;     /* TOTP: the most a device's tracked clock drift may centre the
				 * window away from now, in steps; 0 off (OTP_DRIFT_MAX at most) */
};

#define OTP_POLICY_DEFAULTS { .window = 1, .hotp_window = 5, .hotp_resync = 100, \
			      .max_failures = 3, .lockout = 30, .lockout_max = 900, \
			      .max_drift = 10 }

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
	unsigned device;        /* TOTP/HOTP: which device (otp_device_name), 0 the first */
	int64_t step_offset;    /* TOTP: matched step minus the current step */
	bool drift_moved;       /* TOTP: the device's tracked drift changed ... */
	int drift, drift_was;   /* ... to drift steps, from drift_was */
	int64_t wait;           /* OTP_E_LOCKED: seconds until the next try */
	bool dirty;             /* rec changed and must be written back */
	bool counted;           /* the attempt stands as a failure in rec */
};

/* The failure state from before an attempt was counted, to take the count back (resync). */
struct otp_attempt {
	unsigned failures;
	int64_t last_failure;
	int64_t locked_until;
};

/* Seconds of lockout left at now, 0 when none. */
int64_t otp_lockout_remaining(const struct otp_record *rec, time_t now);

/*
 * An attempt is checked in steps, so that no code is checked (and no outcome can be learnt)
 * before the attempt is durably counted:
 *
 * 1. otp_attempt_open, under the lock on a fresh read: OTP_E_LOCKED (out->wait; nothing is
 *    checked, rec is unchanged), OTP_E_EMPTY (nothing typed: not an attempt), or OTP_OK: rec
 *    now counts this attempt as a failure (and has dropped an expired SMS code). The caller
 *    writes rec durably before step 2, and refuses the login, unchecked, if it cannot.
 * 2. otp_attempt_check, against every device (all of them, each in constant time, so the
 *    time taken does not say which one exists or matched; the first that accepts wins and
 *    only its state moves; OK > RESYNC > REPLAY > WRONG), then the backup and SMS codes:
 *    OTP_OK (rec: replay guard or counter moved, code used up, failures reset; out->device,
 *    and that device's `matched` and TOTP drift), OTP_E_RESYNC (HOTP code far ahead: rec records it and the count is taken back),
 *    OTP_E_REPLAY (a code already used: not a guess, the count is taken back), all with
 *    out->dirty: write rec again; OTP_E_REMOTE: only the provider's pending code can match
 *    (ask it unlocked, then step 3); OTP_E_WRONG or an internal error (OpenSSL, memory): the
 *    attempt stays counted and nothing more is written.
 * 3. otp_attempt_remote: the provider's answer for the pending code that expires at expiry,
 *    applied under the lock on a fresh read.
 */
int otp_attempt_open(struct otp_record *rec, const struct otp_policy *pol, const char *input,
		     time_t now, struct otp_attempt *att, struct otp_outcome *out);
int otp_attempt_check(struct otp_record *rec, const struct otp_policy *pol, const char *input,
		      time_t now, const struct otp_attempt *att, struct otp_outcome *out);
/*
 * approved: the provider said yes. OTP_OK when that code is still the pending one in rec (now
 * used up, failures reset; out->dirty), else OTP_E_WRONG (another login used it, or it expired).
 */
int otp_attempt_remote(struct otp_record *rec, bool approved, int64_t expiry, time_t now,
		       struct otp_outcome *out);

/*
 * All steps at once, in memory (tests, tools): OTP_OK, OTP_E_WRONG (also for nothing typed,
 * not counted), OTP_E_REPLAY, OTP_E_RESYNC, OTP_E_LOCKED or an internal error. A pending
 * provider code is checked by remote (may be NULL: no match).
 */
int otp_verify(struct otp_record *rec, const struct otp_policy *pol, const char *input,
	       time_t now, struct otp_outcome *out);
int otp_verify_ex(struct otp_record *rec, const struct otp_policy *pol, const char *input,
		  time_t now, const struct otp_remote_check *remote, struct otp_outcome *out);

/* Record one failed attempt at now (lockout arithmetic); used for other factors too. */
void otp_note_failure(struct otp_record *rec, const struct otp_policy *pol, time_t now);
/* Forget failures and lockout after a success. */
void otp_note_success(struct otp_record *rec);

#endif
