/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The otpauth:// provisioning URI (Google Authenticator "Key Uri Format"):
 *
 *   otpauth://TYPE/ISSUER:ACCOUNT?secret=B32&issuer=ISSUER&algorithm=A&digits=D&period=P
 *
 * with counter=C instead of period=P for HOTP. Label parts and the issuer are
 * percent-encoded (RFC 3986: everything but ALPHA DIGIT - . _ ~, spaces as %20, never '+').
 * Pure functions on caller buffers: no allocation, no I/O (a fuzz target).
 */
#ifndef OTP_URI_H
#define OTP_URI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hotp.h"
#include "otpfile.h"

#define OTP_URI_NAME_MAX 256   /* bytes of an issuer or account name */
#define OTP_BASE32_SECRET_MAX ((OTP_SECRET_MAX * 8 + 4) / 5)
/* Worst case: the issuer twice and the account, every byte as %XX; the largest secret;
 * the fixed text and the numbers. */
#define OTP_URI_MAX (3 * 3 * OTP_URI_NAME_MAX + OTP_BASE32_SECRET_MAX + 160)

struct otp_uri_params {
	enum otp_type type;
	enum otp_alg alg;
	unsigned digits;            /* OTP_DIGITS_MIN..OTP_DIGITS_MAX */
	unsigned period;            /* TOTP: 1..OTP_PERIOD_MAX */
	uint64_t counter;           /* HOTP: the first counter the app will use */
	const uint8_t *secret;
	size_t secret_len;          /* 1..OTP_SECRET_MAX */
	const char *issuer;         /* otp_uri_name_ok */
	const char *account;        /* otp_uri_name_ok */
};

/*
 * Can s be an issuer or account name? Non-empty, at most OTP_URI_NAME_MAX bytes, valid
 * UTF-8, no control characters, and no ':' (the Key Uri Format separates issuer and
 * account with it and forbids it inside either).
 */
bool otp_uri_name_ok(const char *s);

/*
 * Percent-encode in into out (NUL-terminated). Returns the length written, or
 * OTP_E_TOOBIG when out (outsz bytes) is too small (out is then "").
 */
int otp_uri_encode(const char *in, char *out, size_t outsz);

/*
 * Build the URI into out. Returns its length, OTP_E_INVAL for a bad parameter (a name
 * that fails otp_uri_name_ok, digits or period out of range, no secret) or OTP_E_TOOBIG.
 * out holds the secret: the caller wipes it (otp_wipe) when done. On error out is wiped.
 */
int otp_uri_build(const struct otp_uri_params *p, char *out, size_t outsz);

#endif
