/* SPDX-License-Identifier: BSD-2-Clause */
#include "hotp.h"
#include "err.h"
#include "secmem.h"

#include <strings.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

static const char *const digest_names[] = { "SHA1", "SHA256", "SHA512" };

int otp_alg_parse(const char *s, enum otp_alg *alg)
{
	static const struct { const char *name; enum otp_alg alg; } names[] = {
		{ "SHA1", OTP_SHA1 }, { "SHA-1", OTP_SHA1 },
		{ "SHA256", OTP_SHA256 }, { "SHA-256", OTP_SHA256 },
		{ "SHA512", OTP_SHA512 }, { "SHA-512", OTP_SHA512 },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i].name) == 0) {
			*alg = names[i].alg;
			return OTP_OK;
		}
	}
	return OTP_E_INVAL;
}

const char *otp_alg_name(enum otp_alg alg)
{
	if ((unsigned)alg > OTP_SHA512)
		return "?";
	return digest_names[alg];
}

int otp_hotp(enum otp_alg alg, const uint8_t *key, size_t keylen, uint64_t counter,
	     unsigned digits, char out[OTP_CODE_BUFSZ])
{
	static const uint32_t pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000,
					  10000000, 100000000 };
	uint8_t msg[8], mac[64];
	size_t maclen = 0;
	EVP_MAC *impl;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	int ret = OTP_E_CRYPTO;

	if ((unsigned)alg > OTP_SHA512 || digits < OTP_DIGITS_MIN || digits > OTP_DIGITS_MAX ||
	    keylen == 0)
		return OTP_E_INVAL;
	/* Fetched per call, not cached: a module can be dlclose()d and loaded again. */
	impl = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!impl)
		return OTP_E_CRYPTO;
	ctx = EVP_MAC_CTX_new(impl);
	EVP_MAC_free(impl); /* the context holds its own reference */
	if (!ctx)
		return OTP_E_CRYPTO;
	for (int i = 7; i >= 0; i--) {
		msg[i] = (uint8_t)(counter & 0xff);
		counter >>= 8;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)digest_names[alg], 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, keylen, params) == 1 &&
	    EVP_MAC_update(ctx, msg, sizeof(msg)) == 1 &&
	    EVP_MAC_final(ctx, mac, &maclen, sizeof(mac)) == 1 && maclen >= 20) {
		/* RFC 4226 5.3: dynamic truncation. */
		unsigned offset = mac[maclen - 1] & 0x0f;
		uint32_t bin = ((uint32_t)(mac[offset] & 0x7f) << 24) |
			       ((uint32_t)mac[offset + 1] << 16) |
			       ((uint32_t)mac[offset + 2] << 8) | mac[offset + 3];
		uint32_t value = bin % pow10[digits];

		for (int i = (int)digits - 1; i >= 0; i--) {
			out[i] = (char)('0' + value % 10);
			value /= 10;
		}
		out[digits] = '\0';
		otp_wipe(&bin, sizeof(bin));
		ret = OTP_OK;
	}
	otp_wipe(mac, sizeof(mac));
	EVP_MAC_CTX_free(ctx);
	return ret;
}

int64_t otp_totp_step(time_t now, unsigned period)
{
	if (now < 0 || period == 0)
		return -1;
	return (int64_t)now / (int64_t)period;
}
