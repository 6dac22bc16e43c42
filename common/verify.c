/* SPDX-License-Identifier: BSD-2-Clause */
#include "verify.h"
#include "backup.h"
#include "bounds.h"
#include "err.h"
#include "secmem.h"
#include "smscode.h"

#include <stdlib.h>
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

/* A step offset within +-max_drift (and never beyond OTP_DRIFT_MAX). */
static int clamp_drift(int64_t o, unsigned max_drift)
{
	int64_t m = max_drift < OTP_DRIFT_MAX ? (int64_t)max_drift : OTP_DRIFT_MAX;

	return (int)(o > m ? m : o < -m ? -m : o);
}

/* A code accepted at out->step_offset: the device's clock is that far off; remember it. */
static void note_drift(struct otp_record *rec, const struct otp_policy *pol,
		       struct otp_outcome *out)
{
	int d = clamp_drift(out->step_offset, pol->max_drift);

	if (d == rec->drift)
		return;
	out->drift_moved = true;
	out->drift_was = rec->drift;
	out->drift = d;
	rec->drift = d;
}

/*
 * The window around now, and the same window around now plus the drift tracked for this
 * device: a token whose clock runs off keeps working with a narrow window, and a phone whose
 * last code came from the next step still has its previous step (a code typed slowly).
 * Every step in them is checked.
 */
static int check_totp(struct otp_record *rec, const struct otp_policy *pol, const char *code,
		      time_t now, struct otp_outcome *out)
{
	int64_t step = otp_totp_step(now, rec->period);
	int64_t w = effective_window(rec->window, pol->window);
	int64_t centre = step + clamp_drift(rec->drift, pol->max_drift);
	int64_t lo = (centre < step ? centre : step) - w, hi = (centre > step ? centre : step) + w;
	int64_t fresh = -1, used = -1;

	if (step < 0)
		return OTP_E_WRONG;
	/* Check every step in the windows; take the earliest unused match. */
	for (int64_t s = lo; s <= hi; s++) {
		bool match = false;
		int rc;

		if (s < 0 || (llabs(s - step) > w && llabs(s - centre) > w))
			continue; /* between two windows far apart */
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
		note_drift(rec, pol, out);
		return OTP_OK;
	}
	if (used >= 0) {
		out->step_offset = used - step;
		return OTP_E_REPLAY;
	}
	out->method = OTP_METHOD_NONE;
	return OTP_E_WRONG;
}

/*
 * The first counter in [from, to) whose code is input (*at); OTP_E_WRONG when none. Every
 * counter is checked, a match or not, so the time does not say where (or whether) it was.
 */
static int find_counter(const struct otp_record *rec, uint64_t from, uint64_t to,
			const char *input, uint64_t *at)
{
	bool found = false;

	for (uint64_t c = from; c < to; c++) {
		bool match = false;
		int rc = code_matches(rec, c, input, &match);

		if (rc != OTP_OK)
			return rc;
		if (match && !found)
			*at = c;
		found |= match;
	}
	return found ? OTP_OK : OTP_E_WRONG;
}

/* Never equal to a code: checked in place of an answer that cannot match (see check_one). */
static const char no_answer[OTP_CODE_BUFSZ] = "--------";

/*
 * The window from the counter, the code after a far-ahead one (second of a resync) and the
 * far-ahead range (first of a resync): all three are always computed, whatever matched.
 */
static int check_hotp(struct otp_record *rec, const struct otp_policy *pol, const char *code,
		      struct otp_outcome *out)
{
	uint64_t w = effective_window(rec->window, pol->hotp_window), at = 0, second = 0, ahead = 0;
	bool pending = pol->hotp_resync && rec->resync_counter >= 0;
	uint64_t next = pending ? (uint64_t)rec->resync_counter + 1 : rec->counter;
	int rc, rc2, rc3 = OTP_E_WRONG;

	if (w == 0)
		w = 1;
	rc = find_counter(rec, rec->counter, rec->counter + w, code, &at);
	rc2 = find_counter(rec, next, next + 1, pending ? code : no_answer, &second);
	if (pol->hotp_resync)
		rc3 = find_counter(rec, rec->counter + w, rec->counter + w + pol->hotp_resync,
				   code, &ahead);
	if (rc != OTP_OK && rc != OTP_E_WRONG)
		return rc;
	if (rc2 != OTP_OK && rc2 != OTP_E_WRONG)
		return rc2;
	if (rc == OTP_OK || rc2 == OTP_OK) {
		rec->counter = (rc == OTP_OK ? at : second) + 1;
		rec->resync_counter = -1;
		out->method = OTP_METHOD_HOTP;
		return OTP_OK;
	}
	if (rc3 == OTP_OK) {
		rec->resync_counter = (int64_t)ahead;
		out->method = OTP_METHOD_HOTP;
		return OTP_E_RESYNC;
	}
	return rc3;
}

/* What a check may change in a device: kept only for the device that wins. */
struct dev_state {
	uint64_t counter;
	int64_t last_step, resync_counter, matched;
	int drift;
};

static void state_get(const struct otp_record *rec, struct dev_state *st)
{
	*st = (struct dev_state){ rec->counter, rec->last_step, rec->resync_counter,
				  rec->matched, rec->drift };
}

static void state_put(struct otp_record *rec, unsigned i, const struct dev_state *st)
{
	otp_device_swap(rec, i);
	rec->counter = st->counter;
	rec->last_step = st->last_step;
	rec->resync_counter = st->resync_counter;
	rec->matched = st->matched;
	rec->drift = st->drift;
	otp_device_swap(rec, i);
}

/*
 * Device i, swapped into the record's fields and back. A device whose digits are not the
 * answer's length is checked all the same against an answer that cannot match: the same
 * codes are computed whichever device the answer was meant for.
 */
static int check_one(struct otp_record *rec, const struct otp_policy *pol, unsigned i,
		     const char *code, size_t len, time_t now, struct dev_state *before,
		     struct otp_outcome *o)
{
	int rc = OTP_E_WRONG;
	const char *answer;

	memset(o, 0, sizeof(*o));
	otp_device_swap(rec, i);
	state_get(rec, before);
	answer = len == rec->digits ? code : no_answer;
	if (rec->secret_len > 0)
		rc = rec->type == OTP_TOTP ? check_totp(rec, pol, answer, now, o)
					   : check_hotp(rec, pol, answer, o);
	if (rc == OTP_OK)
		rec->matched = now;
	otp_device_swap(rec, i);
	return rc;
}

/* Which result stands when devices disagree; an internal error above all (fail closed). */
static int rank(int rc)
{
	switch (rc) {
	case OTP_E_WRONG: return 0;
	case OTP_E_REPLAY: return 1;
	case OTP_E_RESYNC: return 2;
	case OTP_OK: return 3;
	default: return 4;
	}
}

/* Every device, always; the first of the best result wins, the others are as they were. */
static int check_devices(struct otp_record *rec, const struct otp_policy *pol,
			 const char *code, size_t len, time_t now, struct otp_outcome *out)
{
	struct dev_state before[OTP_DEVICES_MAX];
	struct otp_outcome each[OTP_DEVICES_MAX];
	int rc[OTP_DEVICES_MAX];
	unsigned n = otp_device_count(rec), best = 0;

	if (n == 0)
		return OTP_E_WRONG;
	for (unsigned i = 0; i < n; i++) {
		rc[i] = check_one(rec, pol, i, code, len, now, &before[i], &each[i]);
		if (rank(rc[i]) > rank(rc[best]))
			best = i;
	}
	for (unsigned i = 0; i < n; i++)
		if (i != best)
			state_put(rec, i, &before[i]);
	out->method = each[best].method;
	out->device = best;
	out->step_offset = each[best].step_offset;
	out->drift_moved = each[best].drift_moved;
	out->drift = each[best].drift;
	out->drift_was = each[best].drift_was;
	return rc[best];
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
		rc = check_devices(rec, pol, code, len, now, out);
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
