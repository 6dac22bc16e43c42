/* SPDX-License-Identifier: BSD-2-Clause */
/* HOTP (RFC 4226) and TOTP (RFC 6238) as pure functions: no clock, no I/O. */
#ifndef OTP_HOTP_H
#define OTP_HOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum otp_alg { OTP_SHA1 = 0, OTP_SHA256 = 1, OTP_SHA512 = 2 };

#define OTP_DIGITS_MIN 6
#define OTP_DIGITS_MAX 8
#define OTP_CODE_BUFSZ (OTP_DIGITS_MAX + 1)

/* "SHA1", "SHA256", "SHA512" (any case, with or without a dash) -> 0, else OTP_E_INVAL. */
int otp_alg_parse(const char *s, enum otp_alg *alg);
const char *otp_alg_name(enum otp_alg alg);

/*
 * The HOTP value for counter, as `digits` decimal digits with leading zeros and a NUL.
 * Returns 0 or OTP_E_INVAL/OTP_E_CRYPTO. The caller wipes out when done.
 */
int otp_hotp(enum otp_alg alg, const uint8_t *key, size_t keylen, uint64_t counter,
	     unsigned digits, char out[OTP_CODE_BUFSZ]);

/* The TOTP time step containing `now` (T0 = 0); -1 for a time before the epoch. */
int64_t otp_totp_step(time_t now, unsigned period);

#endif
