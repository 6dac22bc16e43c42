/* Shared by the test_otpfile*.c programs: the parse and error-report checks for common/otpfile.c. */
#ifndef PAM_OTP_TEST_OTPFILE_CHECK_H
#define PAM_OTP_TEST_OTPFILE_CHECK_H

/* Unit tests for common/otpfile.c: the ~/.otp parser and serializer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "otpfile.h"
#include "secmem.h"

/* "12345678901234567890" in base32. */
#define SECRET_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define SECRET_RAW "12345678901234567890"
#define HEAD "version 1\ntype totp\nsecret " SECRET_B32 "\n"
#define HEAD_HOTP "version 1\ntype hotp\nsecret " SECRET_B32 "\n"
#define HASH_A "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define HASH_B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
#define SALT "000102030405060708090a0b0c0d0e0f"
#define SALT2 "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
#define KDF "backup_kdf scrypt 14 8 1 " SALT "\n"

static inline int parse_n(const char *buf, size_t len, struct otp_record *rec,
			  struct otp_parse_error *err)
{
	return otp_record_parse(buf, len, rec, err);
}

static inline int parse(const char *text, struct otp_record *rec, struct otp_parse_error *err)
{
	return parse_n(text, strlen(text), rec, err);
}

static inline void assert_ok(const char *text, struct otp_record *rec)
{
	struct otp_parse_error err;
	int rc = parse(text, rec, &err);

	if (rc != OTP_OK)
		print_error("parse failed (%d) at line %u: %s\n--- file ---\n%s------------\n", rc,
			    err.line, err.reason, text);
	assert_int_equal(rc, OTP_OK);
}

/* The record after a failed parse holds nothing. */
static inline void assert_cleared(const struct otp_record *rec)
{
	static const uint8_t zero[OTP_SECRET_MAX];

	assert_int_equal(rec->secret_len, 0);
	assert_memory_equal(rec->secret, zero, sizeof(zero));
	assert_int_equal(rec->extra_count, 0);
	assert_int_equal(rec->backup_count, 0);
}

static inline void assert_error_n(const char *text, size_t len, int want_rc, unsigned want_line,
				  const char *reason_part)
{
	struct otp_record rec;
	struct otp_parse_error err;
	int rc = parse_n(text, len, &rec, &err);

	if (rc != want_rc || err.line != want_line ||
	    (reason_part && !strstr(err.reason, reason_part)))
		print_error("want rc %d line %u reason ~\"%s\"; got rc %d line %u reason \"%s\"\n"
			    "--- file ---\n%.*s------------\n",
			    want_rc, want_line, reason_part ? reason_part : "", rc, err.line,
			    err.reason, (int)(len > 600 ? 600 : len), text);
	assert_int_equal(rc, want_rc);
	assert_int_equal(err.line, want_line);
	assert_true(err.reason[0] != '\0');
	assert_non_null(memchr(err.reason, '\0', sizeof(err.reason)));
	if (reason_part)
		assert_non_null(strstr(err.reason, reason_part));
	assert_cleared(&rec);
	otp_record_clear(&rec);
}

static inline void assert_error(const char *text, int want_rc, unsigned want_line,
				const char *reason_part)
{
	assert_error_n(text, strlen(text), want_rc, want_line, reason_part);
}

#endif
