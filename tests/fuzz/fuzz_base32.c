/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Base32 (common/base32.c), both ways. The input as text: decode into a buffer of exactly
 * OTP_BASE32_DECODED_MAX bytes; if it decodes, encode and decode again must give the same
 * bytes, and one byte less of room must be refused. The input as bytes: encode, and decoding
 * the text gives the input back.
 */
#include "fuzz.h"

#include <string.h>

#include "base32.h"
#include "err.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* Encode in[0..len) into an exact-size buffer, checking the output's shape. */
static char *encode(const uint8_t *in, size_t len)
{
	size_t cap = OTP_BASE32_ENCODED_LEN(len) + 1;
	char *text = malloc(cap);
	int n;

	FUZZ_CHECK(text != NULL);
	FUZZ_CHECK(otp_base32_encode(in, len, text, cap - 1) == OTP_E_TOOBIG);
	n = otp_base32_encode(in, len, text, cap);
	FUZZ_CHECK(n >= 0 && (size_t)n == cap - 1);
	FUZZ_CHECK(strlen(text) == (size_t)n);
	FUZZ_CHECK(strspn(text, alphabet) == (size_t)n);
	return text;
}

/* Decode text into an exact-size buffer; returns the length or the error. */
static int decode(const char *text, size_t len, uint8_t **out)
{
	size_t cap = OTP_BASE32_DECODED_MAX(len);
	int n;

	*out = malloc(cap);
	FUZZ_CHECK(*out != NULL);
	n = otp_base32_decode(text, len, *out, cap);
	FUZZ_CHECK(n == OTP_E_PARSE || (n >= 0 && (size_t)n < cap));
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *bytes, *again;
	char *text;
	int n, m;

	/* Text -> bytes -> text -> bytes. */
	n = decode((const char *)data, size, &bytes);
	if (n >= 0) {
		if (n > 0) {
			uint8_t *small = malloc((size_t)n - 1 + 1);
			FUZZ_CHECK(small != NULL);
			FUZZ_CHECK(otp_base32_decode((const char *)data, size, small, (size_t)n - 1) ==
				   OTP_E_TOOBIG);
			free(small);
		}
		text = encode(bytes, (size_t)n);
		m = decode(text, strlen(text), &again);
		FUZZ_CHECK(m == n && memcmp(bytes, again, (size_t)n) == 0);
		free(again);
		free(text);
	}
	free(bytes);

	/* Bytes -> text -> bytes. */
	text = encode(data, size);
	m = decode(text, strlen(text), &again);
	FUZZ_CHECK(m >= 0 && (size_t)m == size && memcmp(again, data, size) == 0);
	free(again);
	free(text);
	return 0;
}
