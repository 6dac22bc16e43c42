/* SPDX-License-Identifier: BSD-2-Clause */
/* RFC 4648 base32: strict encode, tolerant decode (case, spaces, padding). */
#ifndef OTP_BASE32_H
#define OTP_BASE32_H

#include <stddef.h>
#include <stdint.h>

/* Bytes that otp_base32_decode may produce for an input of len characters. */
#define OTP_BASE32_DECODED_MAX(len) (((len) * 5) / 8 + 1)
/* Characters (without NUL) otp_base32_encode writes for len bytes, unpadded. */
#define OTP_BASE32_ENCODED_LEN(len) (((len) * 8 + 4) / 5)

/*
 * Decode base32 text: upper or lower case, spaces, tabs and dashes between groups and '='
 * padding at the end are accepted. Any other character, padding in the middle, or
 * non-zero trailing bits are an error. Returns the byte count or OTP_E_PARSE/OTP_E_TOOBIG.
 */
int otp_base32_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap);
/* Encode without padding; out must hold OTP_BASE32_ENCODED_LEN(len) + 1 bytes. */
int otp_base32_encode(const uint8_t *in, size_t len, char *out, size_t outcap);

#endif
