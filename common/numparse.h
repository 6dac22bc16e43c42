/* SPDX-License-Identifier: BSD-2-Clause */
/* Strict decimal and hex parsing: whole string, no sign, no overflow. */
#ifndef OTP_NUMPARSE_H
#define OTP_NUMPARSE_H

#include <stddef.h>
#include <stdint.h>

/* Decimal digits only, value <= max. Returns 0 or OTP_E_INVAL. */
int otp_parse_u64(const char *s, uint64_t max, uint64_t *out);
/* Like otp_parse_u64 but also accepts "-1" (returned as -1) when allow_minus_one. */
int otp_parse_i64(const char *s, int64_t max, int allow_minus_one, int64_t *out);
/* Exactly 2*len hex digits (either case) into out[len]. Returns 0 or OTP_E_INVAL. */
int otp_parse_hex(const char *s, uint8_t *out, size_t len);
/* Lower-case hex of in[len] into out (2*len+1 bytes). */
void otp_format_hex(const uint8_t *in, size_t len, char *out);

#endif
