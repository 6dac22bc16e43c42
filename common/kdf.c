/* SPDX-License-Identifier: BSD-2-Clause */
#include "kdf.h"
#include "err.h"

#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

int otp_scrypt(const char *input, const uint8_t salt[OTP_SALT_LEN], unsigned log2_n,
	       unsigned r, unsigned p, uint8_t out[OTP_HASH_LEN])
{
	EVP_KDF *impl = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	EVP_KDF_CTX *ctx = impl ? EVP_KDF_CTX_new(impl) : NULL;
	uint64_t n = UINT64_C(1) << log2_n;
	uint32_t r32 = r, p32 = p;
	OSSL_PARAM params[6];
	int rc = OTP_E_CRYPTO;

	EVP_KDF_free(impl);
	if (!ctx)
		return OTP_E_CRYPTO;
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)input,
						      strlen(input));
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
						      OTP_SALT_LEN);
	params[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	params[3] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r32);
	params[4] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p32);
	params[5] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, OTP_HASH_LEN, params) == 1)
		rc = OTP_OK;
	EVP_KDF_CTX_free(ctx);
	return rc;
}
