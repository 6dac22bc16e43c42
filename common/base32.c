/* SPDX-License-Identifier: BSD-2-Clause */
#include "base32.h"
#include "err.h"
#include "secmem.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static int value_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int otp_base32_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap)
{
	uint32_t buffer = 0;
	int bits = 0;
	size_t n = 0, chars = 0;
	int padding = 0;

	for (size_t i = 0; i < inlen; i++) {
		char c = in[i];
		int v;

		if (c == ' ' || c == '\t' || c == '-')
			continue;
		if (c == '=') {
			padding++;
			continue;
		}
		if (padding)
			return OTP_E_PARSE; /* data after padding */
		v = value_of(c);
		if (v < 0)
			return OTP_E_PARSE;
		chars++;
		buffer = (buffer << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (n >= outcap) {
				otp_wipe(&buffer, sizeof(buffer));
				return OTP_E_TOOBIG;
			}
			out[n++] = (uint8_t)(buffer >> bits);
		}
	}
	/* 1, 3 and 6 leftover characters cannot come from any byte string. */
	switch (chars % 8) {
	case 1: case 3: case 6:
		otp_wipe(&buffer, sizeof(buffer));
		return OTP_E_PARSE;
	}
	/* Leftover bits must be zero, or two spellings would decode to one key. */
	if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) {
		otp_wipe(&buffer, sizeof(buffer));
		return OTP_E_PARSE;
	}
	otp_wipe(&buffer, sizeof(buffer));
	if (padding > 6)
		return OTP_E_PARSE;
	return (int)n;
}

int otp_base32_encode(const uint8_t *in, size_t len, char *out, size_t outcap)
{
	uint32_t buffer = 0;
	int bits = 0;
	size_t n = 0;

	if (OTP_BASE32_ENCODED_LEN(len) + 1 > outcap)
		return OTP_E_TOOBIG;
	for (size_t i = 0; i < len; i++) {
		buffer = (buffer << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[n++] = alphabet[(buffer >> bits) & 31];
		}
	}
	if (bits > 0)
		out[n++] = alphabet[(buffer << (5 - bits)) & 31];
	out[n] = '\0';
	otp_wipe(&buffer, sizeof(buffer));
	return (int)n;
}
