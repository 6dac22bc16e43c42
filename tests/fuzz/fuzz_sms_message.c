/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SMS message template (otp_sms_message in common/smscode.c). Input lines: "outsz minutes",
 * template, code, issuer, host, domain. The output buffer is exactly outsz bytes, so any
 * write past it is caught. The result is compared with a plain reimplementation: the filled
 * template (and the "@domain #code" line), or OTP_E_TOOBIG when it does not fit, or
 * OTP_E_INVAL for a template without {code}. A message that is sent holds the code.
 */
#include "fuzz.h"

#include <string.h>

#include "err.h"
#include "smscode.h"

#define OUT_MAX 2048

static unsigned long next_num(const char **s, unsigned long max)
{
	unsigned long v = 0;

	while (**s && (**s < '0' || **s > '9'))
		(*s)++;
	for (; **s >= '0' && **s <= '9'; (*s)++)
		v = v > max ? v : v * 10 + (unsigned long)(**s - '0');
	return v > max ? max : v;
}

/* The expected text, in a buffer big enough for any input (freed by the caller). */
static char *expect(const char *tmpl, const char *code, const char *issuer, const char *host,
		    unsigned minutes, const char *domain)
{
	static const char *const names[] = { "{code}", "{issuer}", "{host}", "{minutes}" };
	char mins[16];
	const char *vals[4] = { code, issuer, host, mins };
	size_t cap = strlen(tmpl) * (strlen(code) + strlen(issuer) + strlen(host) + 16) +
		     strlen(domain) + strlen(code) + 16;
	char *out = malloc(cap), *o = out;

	FUZZ_CHECK(out != NULL);
	snprintf(mins, sizeof(mins), "%u", minutes);
	while (*tmpl) {
		size_t k;

		for (k = 0; k < 4; k++)
			if (strncmp(tmpl, names[k], strlen(names[k])) == 0)
				break;
		if (k < 4) {
			o = stpcpy(o, vals[k]);
			tmpl += strlen(names[k]);
		} else {
			*o++ = *tmpl++;
		}
	}
	*o = '\0';
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[6];
	char *copy = fuzz_fields(data, size, f, 6);
	const char *h = f[0];
	size_t outsz = next_num(&h, OUT_MAX);
	unsigned minutes = (unsigned)next_num(&h, 100000000);
	const char *tmpl = f[1], *code = f[2], *issuer = f[3], *host = f[4], *domain = f[5];
	/* Exactly outsz bytes; for 0, the end of a 1-byte block, where ASan catches any write. */
	char *block = malloc(outsz ? outsz : 1), *out = outsz ? block : block + 1;
	char *want = expect(tmpl, code, issuer, host, minutes, domain);
	size_t body = strlen(want);
	int rc;

	FUZZ_CHECK(block != NULL);
	rc = otp_sms_message(tmpl, code, issuer, host, minutes, domain, out, outsz);
	if (body >= outsz) {
		FUZZ_CHECK(rc == OTP_E_TOOBIG);
	} else if (!strstr(tmpl, "{code}")) {
		FUZZ_CHECK(rc == OTP_E_INVAL);
	} else if (*domain && body + strlen("\n\n@ #") + strlen(domain) + strlen(code) >= outsz) {
		FUZZ_CHECK(rc == OTP_E_TOOBIG);
	} else {
		FUZZ_CHECK(rc == OTP_OK);
		FUZZ_CHECK(strncmp(out, want, body) == 0);
		if (*domain)
			FUZZ_CHECK(strncmp(out + body, "\n\n@", 3) == 0 &&
				   strncmp(out + body + 3, domain, strlen(domain)) == 0);
		FUZZ_CHECK(strlen(out) < outsz);
		FUZZ_CHECK(strstr(out, code) != NULL);
	}
	free(want);
	free(block);
	free(copy);
	return 0;
}
