/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One-time codes sent by text message or call: generated from the CSPRNG, stored only as a
 * salted scrypt hash with an expiry, limited per user (interval, daily cap, countries).
 * Pure functions over the record; the module holds the lock around them.
 */
#ifndef OTP_SMSCODE_H
#define OTP_SMSCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "otpfile.h"

#define OTP_SMS_LOG2N 14      /* scrypt cost for a stored SMS code hash */
#define OTP_SMS_CODE_MIN 4    /* digits */
#define OTP_SMS_CODE_MAX 10   /* digits */

struct otp_sms_limits {
	unsigned min_interval;   /* seconds between two sends */
	unsigned max_per_day;    /* sends per UTC day */
	const char *countries;   /* "1,44,49" or "any"; NULL allows none */
};

enum otp_sms_refusal { OTP_SMS_OK, OTP_SMS_TOO_SOON, OTP_SMS_DAILY_CAP, OTP_SMS_COUNTRY };

/* May a code be sent to rec's phone now? *wait: seconds until it may (for the refusals). */
enum otp_sms_refusal otp_sms_may_send(const struct otp_record *rec,
				      const struct otp_sms_limits *lim, time_t now, int64_t *wait);

#define OTP_SMS_ANY_COUNTRY "any"

/*
 * Is phone's country calling code in the comma-separated list? "any" allows every number
 * starting with '+'; NULL or "" allows none (sms_countries= must be set for SMS at all).
 */
bool otp_phone_country_allowed(const char *phone, const char *countries);

/* A uniformly random code of len digits (4..10) into out (len + 1 bytes). */
int otp_sms_code_generate(unsigned len, char *out);

/* Make code the pending one (replacing any other), valid for ttl seconds; count the send. */
int otp_sms_code_store(struct otp_record *rec, const char *code, time_t now, unsigned ttl);
/* A provider-made code is pending (twilio-verify); count the send. */
void otp_sms_provider_pending(struct otp_record *rec, time_t now, unsigned ttl);

/* Does input match the pending, unexpired, locally stored code? */
int otp_sms_code_matches(const struct otp_record *rec, const char *input, time_t now,
			 bool *match);

/* "+1••••••4567": the first two characters and the last four stay, the rest are bullets. */
void otp_phone_mask(const char *phone, char *out, size_t outsz);

/*
 * Fill a message template: {code} {issuer} {host} {minutes}; then, with domain, a last line
 * "@domain #code" (origin-bound code autofill). Returns 0 or OTP_E_TOOBIG/OTP_E_INVAL.
 */
int otp_sms_message(const char *tmpl, const char *code, const char *issuer, const char *host,
		    unsigned minutes, const char *domain, char *out, size_t outsz);

#define OTP_SMS_DEFAULT_MESSAGE "{code} is your {issuer} login code. It expires in {minutes} min."

#endif
