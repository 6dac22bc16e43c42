/* SPDX-License-Identifier: BSD-2-Clause */
#include "smscode.h"
#include "err.h"
#include "kdf.h"
#include "secmem.h"

#include <stdio.h>
#include <string.h>
#include <openssl/rand.h>

#define DAY 86400

enum otp_sms_refusal otp_sms_may_send(const struct otp_record *rec,
				      const struct otp_sms_limits *lim, time_t now, int64_t *wait)
{
	int64_t today = (int64_t)now / DAY;

	*wait = 0;
	if (!otp_phone_country_allowed(rec->phone, lim->countries))
		return OTP_SMS_COUNTRY;
	if (rec->sms_last && (int64_t)now - rec->sms_last < (int64_t)lim->min_interval) {
		*wait = rec->sms_last + lim->min_interval - (int64_t)now;
		return OTP_SMS_TOO_SOON;
	}
	if (lim->max_per_day == 0 ||
	    (rec->sms_day == today && rec->sms_day_count >= lim->max_per_day)) {
		*wait = (today + 1) * DAY - (int64_t)now;
		return OTP_SMS_DAILY_CAP;
	}
	return OTP_SMS_OK;
}

bool otp_phone_country_allowed(const char *phone, const char *countries)
{
	const char *c = countries;

	/* Unset allows nothing (texts cost money: SMS pumping); "any" is the explicit all. */
	if (!countries || !*countries || phone[0] != '+')
		return false;
	if (strcmp(countries, OTP_SMS_ANY_COUNTRY) == 0)
		return true;
	/* Calling codes form a prefix code: a plain prefix match is exact. */
	while (*c) {
		size_t n;

		while (*c == ',' || *c == ' ' || *c == '+')
			c++;
		n = strspn(c, "0123456789");
		if (n > 0 && strncmp(phone + 1, c, n) == 0)
			return true;
		c += n;
		if (*c && *c != ',' && *c != ' ' && *c != '+')
			return false; /* garbage in the list allows nothing */
	}
	return false;
}

int otp_sms_code_generate(unsigned len, char *out)
{
	unsigned n = 0;

	if (len < 4 || len > OTP_SMS_CODE_MAX)
		return OTP_E_INVAL;
	while (n < len) {
		unsigned char b;

		if (RAND_bytes(&b, 1) != 1)
			return OTP_E_CRYPTO;
		if (b >= 250)
			continue; /* 250 = 25 * 10: reject the rest so every digit is equally likely */
		out[n++] = (char)('0' + b % 10);
		otp_wipe(&b, 1);
	}
	out[len] = '\0';
	return OTP_OK;
}

static void count_send(struct otp_record *rec, time_t now)
{
	int64_t today = (int64_t)now / DAY;

	if (rec->sms_day != today) {
		rec->sms_day = today;
		rec->sms_day_count = 0;
	}
	rec->sms_day_count++;
	rec->sms_last = now;
}

int otp_sms_code_store(struct otp_record *rec, const char *code, time_t now, unsigned ttl)
{
	uint8_t salt[OTP_SALT_LEN], hash[OTP_HASH_LEN];
	int rc;

	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return OTP_E_CRYPTO;
	rc = otp_scrypt(code, salt, OTP_SMS_LOG2N, 8, 1, hash);
	if (rc != OTP_OK)
		return rc;
	memcpy(rec->sms_salt, salt, sizeof(salt));
	memcpy(rec->sms_hash, hash, sizeof(hash));
	otp_wipe(hash, sizeof(hash));
	rec->has_sms_code = true;
	rec->sms_by_provider = false;
	rec->sms_expiry = (int64_t)now + ttl;
	count_send(rec, now);
	return OTP_OK;
}

void otp_sms_provider_pending(struct otp_record *rec, time_t now, unsigned ttl)
{
	otp_wipe(rec->sms_hash, sizeof(rec->sms_hash));
	rec->has_sms_code = true;
	rec->sms_by_provider = true;
	rec->sms_expiry = (int64_t)now + ttl;
	count_send(rec, now);
}

int otp_sms_code_matches(const struct otp_record *rec, const char *input, time_t now,
			 bool *match)
{
	uint8_t hash[OTP_HASH_LEN];
	size_t len = strlen(input);
	int rc;

	*match = false;
	if (!rec->has_sms_code || rec->sms_by_provider || (int64_t)now >= rec->sms_expiry ||
	    len < 4 || len > OTP_SMS_CODE_MAX || strspn(input, "0123456789") != len)
		return OTP_OK;
	rc = otp_scrypt(input, rec->sms_salt, OTP_SMS_LOG2N, 8, 1, hash);
	if (rc == OTP_OK)
		*match = otp_ct_equal(hash, rec->sms_hash, OTP_HASH_LEN);
	otp_wipe(hash, sizeof(hash));
	return rc;
}

void otp_phone_mask(const char *phone, char *out, size_t outsz)
{
	static const char bullet[] = "\xe2\x80\xa2"; /* U+2022 */
	size_t len = strlen(phone), n = 0;

	if (!outsz)
		return;
	for (size_t i = 0; i < len; i++) {
		bool keep = i < 2 || i + 4 >= len;
		const char *piece = keep ? (char[]){ phone[i], '\0' } : bullet;
		size_t plen = strlen(piece);

		if (n + plen >= outsz)
			break;
		memcpy(out + n, piece, plen);
		n += plen;
	}
	out[n] = '\0';
}

int otp_sms_message(const char *tmpl, const char *code, const char *issuer, const char *host,
		    unsigned minutes, const char *domain, char *out, size_t outsz)
{
	char mins[16];
	size_t n = 0;

	if (outsz == 0)
		return OTP_E_TOOBIG; /* not even room for the terminating NUL */
	snprintf(mins, sizeof(mins), "%u", minutes);
	for (const char *t = tmpl; *t;) {
		const char *piece = NULL;
		size_t plen, skip = 1;

		if (strncmp(t, "{code}", 6) == 0)
			piece = code, skip = 6;
		else if (strncmp(t, "{issuer}", 8) == 0)
			piece = issuer, skip = 8;
		else if (strncmp(t, "{host}", 6) == 0)
			piece = host, skip = 6;
		else if (strncmp(t, "{minutes}", 9) == 0)
			piece = mins, skip = 9;
		plen = piece ? strlen(piece) : 1;
		if (n + plen >= outsz)
			return OTP_E_TOOBIG;
		memcpy(out + n, piece ? piece : t, plen);
		n += plen;
		t += skip;
	}
	out[n] = '\0';
	if (!strstr(tmpl, "{code}"))
		return OTP_E_INVAL; /* a message without the code is a configuration error */
	if (domain && *domain) {
		int k = snprintf(out + n, outsz - n, "\n\n@%s #%s", domain, code);
		if (k < 0 || (size_t)k >= outsz - n)
			return OTP_E_TOOBIG;
	}
	return OTP_OK;
}
