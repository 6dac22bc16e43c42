/* SPDX-License-Identifier: BSD-2-Clause */
#include "verify.h"
#include "backup.h"
#include "bounds.h"
#include "err.h"
#include "secmem.h"
#include "smscode.h"

#include <string.h>

int64_t otp_lockout_remaining(const struct otp_record *rec, time_t now)
{
	if (rec->locked_until <= 0) /* 0 means never locked, whatever the clock says */
		return 0;
	return rec->locked_until > (int64_t)now ? rec->locked_until - (int64_t)now : 0;
}

void otp_note_failure(struct otp_record *rec, const struct otp_policy *pol, time_t now)
{
	if (rec->failures < OTP_FAILURES_MAX)
		rec->failures++;
	rec->last_failure = now;
	if (pol->max_failures && rec->failures >= pol->max_failures) {
		/* Growing back-off: lockout, 2x, 4x ... up to lockout_max. Only a success resets
		 * it, so waiting out a lockout never buys a fresh set of free guesses. */
		unsigned shift = rec->failures - pol->max_failures;
		uint64_t secs = pol->lockout;

		while (shift-- && secs < pol->lockout_max)
			secs *= 2;
		if (secs > pol->lockout_max)
			secs = pol->lockout_max;
		rec->locked_until = (int64_t)now + (int64_t)secs;
	}
}

void otp_note_success(struct otp_record *rec)
{
	rec->failures = 0;
	rec->last_failure = 0;
	rec->locked_until = 0;
}

/* Copy input without spaces into out; false if it does not fit. */
static bool strip_spaces(const char *input, char *out, size_t cap)
{
	size_t n = 0;

	for (; *input; input++) {
		if (*input == ' ' || *input == '\t')
			continue;
		if (n + 1 >= cap)
			return false;
		out[n++] = *input;
	}
	out[n] = '\0';
	return true;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Does input equal the code for counter? */
static int code_matches(const struct otp_record *rec, uint64_t counter, const char *input,
			bool *match)
{
	char code[OTP_CODE_BUFSZ];
	int rc = otp_hotp(rec->alg, rec->secret, rec->secret_len, counter, rec->digits, code);

	if (rc == OTP_OK)
		*match = otp_ct_equal(code, input, rec->digits);
	otp_wipe(code, sizeof(code));
	return rc;
}

static unsigned effective_window(int file_window, unsigned policy_window)
{
	/* A user's file may narrow the admin's window, never widen it. */
	if (file_window >= 0 && (unsigned)file_window < policy_window)
		return (unsigned)file_window;
	return policy_window;
}

static int check_totp(struct otp_record *rec, const struct otp_policy *pol, const char *code,
		      time_t now, struct otp_outcome *out)
{
	int64_t step = otp_totp_step(now, rec->period);
	int64_t w = effective_window(rec->window, pol->window);
	int64_t fresh = -1, used = -1;

	if (step < 0)
		return OTP_E_WRONG;
	/* Check every step in the window; take the earliest unused match. */
	for (int64_t s = step - w; s <= step + w; s++) {
		bool match = false;
		int rc;

		if (s < 0)
			continue;
		if ((rc = code_matches(rec, (uint64_t)s, code, &match)) != OTP_OK)
			return rc;
		if (!match)
			continue;
		if (s > rec->last_step) {
			if (fresh < 0)
				fresh = s;
		} else {
			used = s;
		}
	}
	out->method = OTP_METHOD_TOTP;
	if (fresh >= 0) {
		rec->last_step = fresh;
		out->step_offset = fresh - step;
		return OTP_OK;
	}
	if (used >= 0) {
		out->step_offset = used - step;
		return OTP_E_REPLAY;
	}
	out->method = OTP_METHOD_NONE;
	return OTP_E_WRONG;
}

/* The first counter in [from, to) whose code is input (*at); OTP_E_WRONG when none. */
static int find_counter(const struct otp_record *rec, uint64_t from, uint64_t to,
			const char *input, uint64_t *at)
{
	for (uint64_t c = from; c < to; c++) {
		bool match = false;
		int rc = code_matches(rec, c, input, &match);

		if (rc != OTP_OK)
			return rc;
		if (match) {
			*at = c;
			return OTP_OK;
		}
	}
	return OTP_E_WRONG;
}

static int check_hotp(struct otp_record *rec, const struct otp_policy *pol, const char *code,
		      struct otp_outcome *out)
{
	uint64_t w = effective_window(rec->window, pol->hotp_window), at = 0;
	int rc;

	if (w == 0)
		w = 1;
	rc = find_counter(rec, rec->counter, rec->counter + w, code, &at);
	/* Second code of a resync: the one right after the far-ahead code seen last time. */
	if (rc == OTP_E_WRONG && pol->hotp_resync && rec->resync_counter >= 0) {
		uint64_t next = (uint64_t)rec->resync_counter + 1;

		rc = find_counter(rec, next, next + 1, code, &at);
	}
	if (rc == OTP_OK) {
		rec->counter = at + 1;
		rec->resync_counter = -1;
		out->method = OTP_METHOD_HOTP;
		return OTP_OK;
	}
	if (rc != OTP_E_WRONG || !pol->hotp_resync)
		return rc;
	/* First code of a resync: far ahead of the window; the next code must follow it. */
	rc = find_counter(rec, rec->counter + w, rec->counter + w + pol->hotp_resync, code, &at);
	if (rc == OTP_OK) {
		rec->resync_counter = (int64_t)at;
		out->method = OTP_METHOD_HOTP;
		return OTP_E_RESYNC;
	}
	return rc;
}

/* The pending SMS code kept here (hashed): one use, until it expires. */
static int check_sms(struct otp_record *rec, const char *code, time_t now,
		     struct otp_outcome *out)
{
	bool match = false;
	int rc;

	if (!rec->has_sms_code || rec->sms_by_provider || (int64_t)now >= rec->sms_expiry)
		return OTP_E_WRONG;
	if ((rc = otp_sms_code_matches(rec, code, now, &match)) != OTP_OK)
		return rc;
	if (!match)
		return OTP_E_WRONG;
	rec->has_sms_code = false;
	out->method = OTP_METHOD_SMS;
	return OTP_OK;
}

/* Could this be the code of a pending request that the provider keeps? */
static bool provider_may_match(const struct otp_record *rec, size_t len, time_t now)
{
	return rec->has_sms_code && rec->sms_by_provider && (int64_t)now < rec->sms_expiry &&
	       len >= OTP_SMS_CODE_MIN && len <= OTP_SMS_CODE_MAX;
}

int otp_attempt_open(struct otp_record *rec, const struct otp_policy *pol, const char *input,
		     time_t now, struct otp_attempt *att, struct otp_outcome *out)
{
	memset(out, 0, sizeof(*out));
	out->wait = otp_lockout_remaining(rec, now);
	if (out->wait > 0)
		return OTP_E_LOCKED;
	if (input[strspn(input, " \t")] == '\0')
		return OTP_E_EMPTY;
	*att = (struct otp_attempt){ rec->failures, rec->last_failure, rec->locked_until };
	/* Independent of the answer, so it belongs in the record written before the check. */
	if (rec->has_sms_code && (int64_t)now >= rec->sms_expiry)
		rec->has_sms_code = rec->sms_by_provider = false;
	otp_note_failure(rec, pol, now);
	out->dirty = out->counted = true;
	return OTP_OK;
}

int otp_attempt_check(struct otp_record *rec, const struct otp_policy *pol, const char *input,
		      time_t now, const struct otp_attempt *att, struct otp_outcome *out)
{
	char code[64];
	size_t len = 0;
	int rc = OTP_E_WRONG;

	out->dirty = false;
	out->counted = true;
	if (strip_spaces(input, code, sizeof(code)) && (len = strlen(code)) > 0 &&
	    all_digits(code, len)) {
		if (rec->secret_len > 0 && len == rec->digits)
			rc = rec->type == OTP_TOTP ? check_totp(rec, pol, code, now, out)
						   : check_hotp(rec, pol, code, out);
		if (rc == OTP_E_WRONG)
			rc = check_sms(rec, code, now, out);
		/* An imported google-authenticator scratch code (8 digits). */
		if (rc == OTP_E_WRONG && len == OTP_SCRATCH_DIGITS && rec->backup_count &&
		    (rc = otp_backup_consume(rec, code)) == OTP_OK)
			out->method = OTP_METHOD_BACKUP;
		if (rc == OTP_E_WRONG && provider_may_match(rec, len, now)) {
			out->method = OTP_METHOD_SMS;
			rc = OTP_E_REMOTE;
		}
	} else if (len > 0) {
		if ((rc = otp_backup_consume(rec, code)) == OTP_OK)
			out->method = OTP_METHOD_BACKUP;
	}
	otp_wipe(code, sizeof(code));

	switch (rc) {
	case OTP_OK:
		otp_note_success(rec);
		out->dirty = true;
		out->counted = false;
		break;
	case OTP_E_RESYNC:
	case OTP_E_REPLAY:
		/* Not a wrong guess (a code of this token, far ahead or already used): take the
		 * count back. Costs a second write, on these rare paths only. */
		rec->failures = att->failures;
		rec->last_failure = att->last_failure;
		rec->locked_until = att->locked_until;
		out->dirty = true;
		out->counted = false;
		break;
	default:
		/* Wrong, replayed, or not checkable (an internal error counts as a failure). */
		break;
	}
	return rc;
}

int otp_attempt_remote(struct otp_record *rec, bool approved, int64_t expiry, time_t now,
		       struct otp_outcome *out)
{
	out->dirty = false;
	out->method = OTP_METHOD_SMS;
	out->counted = true;
	if (!approved || !rec->has_sms_code || !rec->sms_by_provider ||
	    rec->sms_expiry != expiry || (int64_t)now >= expiry)
		return OTP_E_WRONG;
	rec->has_sms_code = rec->sms_by_provider = false;
	otp_note_success(rec);
	out->dirty = true;
	out->counted = false;
	return OTP_OK;
}

int otp_verify(struct otp_record *rec, const struct otp_policy *pol, const char *input,
	       time_t now, struct otp_outcome *out)
{
	return otp_verify_ex(rec, pol, input, now, NULL, out);
}

int otp_verify_ex(struct otp_record *rec, const struct otp_policy *pol, const char *input,
		  time_t now, const struct otp_remote_check *remote, struct otp_outcome *out)
{
	struct otp_attempt att;
	bool had_sms = rec->has_sms_code;
	int64_t expiry;
	int rc = otp_attempt_open(rec, pol, input, now, &att, out);

	if (rc == OTP_E_EMPTY)
		return OTP_E_WRONG; /* nothing typed: not a guess, not counted */
	if (rc != OTP_OK)
		return rc;
	rc = otp_attempt_check(rec, pol, input, now, &att, out);
	/* In memory: changed unless step 2 took step 1 back without any other change. */
	out->dirty = rc != OTP_E_REPLAY || had_sms != rec->has_sms_code;
	if (rc != OTP_E_REMOTE)
		return rc;
	if (!remote || !remote->check)
		return OTP_E_WRONG;
	expiry = rec->sms_expiry;
	rc = remote->check(remote->arg, rec, input);
	if (rc != OTP_OK && rc != OTP_E_WRONG)
		return rc;
	rc = otp_attempt_remote(rec, rc == OTP_OK, expiry, now, out);
	out->dirty = true;
	return rc;
}
