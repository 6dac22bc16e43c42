/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The OpenSSL floor of a new process (bench/bench.py, sudo-like series). Built twice:
 * bench_floor_hmac links libcrypto and computes one HMAC-SHA1 through EVP_MAC, the API
 * pam_otp uses; bench_floor_none (-DFLOOR_NONE) is the same program without it. Their
 * difference, exec to exit, is what any program pays to load libcrypto and compute one
 * HMAC with it: relocations, the provider's algorithm store, the exit-time cleanup.
 */
#include <stdio.h>
#include <string.h>
#ifndef FLOOR_NONE
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#endif

int main(void)
{
	static const unsigned char key[] = "12345678901234567890", msg[8] = { 0 };
	/* RFC 4226 appendix D, counter 0: HMAC-SHA-1 of the test key */
	static const unsigned char want[4] = { 0xcc, 0x93, 0xcf, 0x18 };
	unsigned char out[64] = { 0 };
	size_t outlen = 0;

#ifndef FLOOR_NONE
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA1", 0),
		OSSL_PARAM_construct_end(),
	};

	if (!ctx || !EVP_MAC_init(ctx, key, 20, params) || !EVP_MAC_update(ctx, msg, sizeof(msg)) ||
	    !EVP_MAC_final(ctx, out, &outlen, sizeof(out)) || outlen != 20 ||
	    memcmp(out, want, sizeof(want))) {
		fprintf(stderr, "bench_floor_hmac: HMAC failed or wrong\n");
		return 1;
	}
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
#else
	(void)key; (void)msg; (void)want; (void)out; (void)outlen;
#endif
	return 0;
}
