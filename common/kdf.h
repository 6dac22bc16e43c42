/* SPDX-License-Identifier: BSD-2-Clause */
/* scrypt through OpenSSL's EVP_KDF: the slow hash for backup codes and SMS codes. */
#ifndef OTP_KDF_H
#define OTP_KDF_H

#include <stdint.h>

#include "otpfile.h"

/* out = scrypt(input, salt, 2^log2_n, r, p), OTP_HASH_LEN bytes. 0 or OTP_E_CRYPTO. */
int otp_scrypt(const char *input, const uint8_t salt[OTP_SALT_LEN], unsigned log2_n,
	       unsigned r, unsigned p, uint8_t out[OTP_HASH_LEN]);

#endif
