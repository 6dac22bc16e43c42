/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Phone helpers of common/smscode.c. Input lines: "outsz", phone, country list.
 * otp_phone_mask writes into exactly outsz bytes and matches a plain reimplementation
 * (first two and last four characters kept, bullets between, cut at a whole character);
 * otp_phone_country_allowed agrees with a prefix check over the list's numbers, allows
 * nothing for an empty or missing list, everything with a leading '+' for "any", and nothing
 * without a leading '+'.
 */
#include "fuzz.h"

#include <string.h>

#include "otpfile.h"
#include "smscode.h"

#define BULLET "\xe2\x80\xa2"

static void check_mask(const char *phone, size_t outsz)
{
	size_t len = strlen(phone), n = 0;
	char *want = malloc(3 * len + 1), *out = malloc(outsz);

	FUZZ_CHECK(want != NULL && (out != NULL || outsz == 0));
	for (size_t i = 0; i < len; i++) {
		bool keep = i < 2 || i + 4 >= len;
		size_t plen = keep ? 1 : 3;

		if (n + plen >= outsz)
			break;
		memcpy(want + n, keep ? &phone[i] : BULLET, plen);
		n += plen;
	}
	want[n] = '\0';
	otp_phone_mask(phone, out, outsz);
	if (outsz > 0)
		FUZZ_CHECK(strcmp(out, want) == 0);
	free(out);
	free(want);
}

/* Does some number in the list (its maximal digit runs) start phone's digits? */
static bool listed(const char *phone, const char *countries)
{
	for (const char *c = countries; *c;) {
		size_t n = strspn(c, "0123456789");

		if (n > 0 && strncmp(phone + 1, c, n) == 0)
			return true;
		c += n ? n : 1;
	}
	return false;
}

static void check_country(const char *phone, const char *countries)
{
	bool ok = otp_phone_country_allowed(phone, countries);

	FUZZ_CHECK(!otp_phone_country_allowed(phone, NULL));
	FUZZ_CHECK(!otp_phone_country_allowed(phone, ""));
	FUZZ_CHECK(otp_phone_country_allowed(phone, "any") == (phone[0] == '+'));
	if (!*countries)
		return;
	if (ok && strcmp(countries, "any") != 0)
		FUZZ_CHECK(phone[0] == '+' && listed(phone, countries));
	/* A clean list ("1, 44,+49") allows exactly the listed prefixes. */
	if (phone[0] == '+' && strspn(countries, "0123456789, +") == strlen(countries))
		FUZZ_CHECK(ok == listed(phone, countries));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[3];
	char *copy = fuzz_fields(data, size, f, 3);
	size_t outsz = strtoul(f[0], NULL, 10) % 128;

	check_mask(f[1], outsz);
	check_mask(f[1], 64);
	check_country(f[1], f[2]);
	if (otp_phone_valid(f[1]) && strlen(f[1]) <= OTP_PHONE_MAX) {
		char out[64];
		size_t len = strlen(f[1]);

		otp_phone_mask(f[1], out, sizeof(out));
		FUZZ_CHECK(strncmp(out, f[1], 2) == 0);
		FUZZ_CHECK(strcmp(out + strlen(out) - 4, f[1] + len - 4) == 0);
	}
	free(copy);
	return 0;
}
