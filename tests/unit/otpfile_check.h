/* SPDX-License-Identifier: BSD-2-Clause */
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
			  struct otp_why *err)
{
	return otp_record_parse(buf, len, rec, err);
}

static inline int parse(const char *text, struct otp_record *rec, struct otp_why *err)
{
	return parse_n(text, strlen(text), rec, err);
}

static inline void assert_ok(const char *text, struct otp_record *rec)
{
	struct otp_why err;
	int rc = parse(text, rec, &err);

	if (rc != OTP_OK)
		print_error("parse failed (%d) at line %u: %s\n--- file ---\n%s------------\n", rc,
			    err.line, err.text, text);
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
	struct otp_why err;
	int rc = parse_n(text, len, &rec, &err);

	if (rc != want_rc || err.line != want_line ||
	    (reason_part && !strstr(err.text, reason_part)))
		print_error("want rc %d line %u reason ~\"%s\"; got rc %d line %u reason \"%s\"\n"
			    "--- file ---\n%.*s------------\n",
			    want_rc, want_line, reason_part ? reason_part : "", rc, err.line,
			    err.text, (int)(len > 600 ? 600 : len), text);
	assert_int_equal(rc, want_rc);
	assert_int_equal(err.line, want_line);
	assert_true(err.text[0] != '\0');
	assert_non_null(memchr(err.text, '\0', sizeof(err.text)));
	if (reason_part)
		assert_non_null(strstr(err.text, reason_part));
	assert_cleared(&rec);
	otp_record_clear(&rec);
}

static inline void assert_error(const char *text, int want_rc, unsigned want_line,
				const char *reason_part)
{
	assert_error_n(text, strlen(text), want_rc, want_line, reason_part);
}

/* Test bytes: a pattern that differs by seed. */
static inline void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 131 + i * 29 + 7);
}

static inline void assert_seals_equal(const struct otp_sealed *a, const struct otp_sealed *b)
{
	assert_memory_equal(a->keyid, b->keyid, OTP_SEAL_KEYID_LEN);
	assert_memory_equal(a->eph, b->eph, OTP_SEAL_PUB_LEN);
	assert_memory_equal(a->nonce, b->nonce, OTP_SEAL_NONCE_LEN);
	assert_int_equal(a->ct_len, b->ct_len);
	assert_memory_equal(a->ct, b->ct, a->ct_len);
}

/* A device as the file keeps it (a hotp device has no period, a totp one no counter). */
static inline void assert_devices_equal(const struct otp_device *a, const struct otp_device *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->alg, b->alg);
	assert_int_equal(a->digits, b->digits);
	if (a->type == OTP_TOTP) {
		assert_int_equal(a->period, b->period);
		assert_int_equal(a->last_step, b->last_step);
		assert_int_equal(a->drift, b->drift);
	} else {
		assert_int_equal(a->counter, b->counter);
		assert_int_equal(a->resync_counter, b->resync_counter);
	}
	assert_int_equal(a->sealed, b->sealed);
	if (a->sealed)
		assert_seals_equal(&a->seal, &b->seal);
	else
		assert_memory_equal(a->secret, b->secret, a->secret_len);
	assert_int_equal(a->secret_len, b->secret_len);
	assert_int_equal(a->added, b->added);
	assert_int_equal(a->matched, b->matched);
}

/* Field by field, as far as the record says the field is there. */
static inline void assert_records_equal(const struct otp_record *a, const struct otp_record *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->alg, b->alg);
	assert_int_equal(a->digits, b->digits);
	assert_int_equal(a->period, b->period);
	assert_int_equal(a->window, b->window);
	assert_int_equal(a->secret_len, b->secret_len);
	if (a->secret_len)
		assert_memory_equal(a->secret, b->secret, a->secret_len);
	assert_int_equal(a->sealed, b->sealed);
	if (a->sealed) {
		assert_memory_equal(a->seal.keyid, b->seal.keyid, OTP_SEAL_KEYID_LEN);
		assert_memory_equal(a->seal.eph, b->seal.eph, OTP_SEAL_PUB_LEN);
		assert_memory_equal(a->seal.nonce, b->seal.nonce, OTP_SEAL_NONCE_LEN);
		assert_int_equal(a->seal.ct_len, b->seal.ct_len);
		assert_memory_equal(a->seal.ct, b->seal.ct, a->seal.ct_len);
	}
	assert_string_equal(a->phone, b->phone);
	assert_int_equal(a->has_backup_kdf, b->has_backup_kdf);
	if (a->has_backup_kdf) {
		assert_int_equal(a->backup_kdf.log2_n, b->backup_kdf.log2_n);
		assert_int_equal(a->backup_kdf.r, b->backup_kdf.r);
		assert_int_equal(a->backup_kdf.p, b->backup_kdf.p);
		assert_memory_equal(a->backup_kdf.salt, b->backup_kdf.salt, OTP_SALT_LEN);
	}
	assert_int_equal(a->backup_count, b->backup_count);
	for (unsigned i = 0; i < a->backup_count; i++)
		assert_memory_equal(a->backup[i], b->backup[i], OTP_HASH_LEN);
	assert_int_equal(a->counter, b->counter);
	assert_int_equal(a->last_step, b->last_step);
	assert_int_equal(a->failures, b->failures);
	assert_int_equal(a->last_failure, b->last_failure);
	assert_int_equal(a->locked_until, b->locked_until);
	assert_int_equal(a->resync_counter, b->resync_counter);
	assert_int_equal(a->has_sms_code, b->has_sms_code);
	if (a->has_sms_code) {
		assert_int_equal(a->sms_by_provider, b->sms_by_provider);
		if (!a->sms_by_provider) {
			assert_memory_equal(a->sms_salt, b->sms_salt, OTP_SALT_LEN);
			assert_memory_equal(a->sms_hash, b->sms_hash, OTP_HASH_LEN);
		}
		assert_int_equal(a->sms_expiry, b->sms_expiry);
	}
	assert_int_equal(a->sms_last, b->sms_last);
	assert_int_equal(a->sms_day, b->sms_day);
	assert_int_equal(a->sms_day_count, b->sms_day_count);
	assert_int_equal(a->grace_count, b->grace_count);
	for (unsigned i = 0; i < a->grace_count; i++) {
		assert_memory_equal(a->grace[i].host, b->grace[i].host, OTP_GRACE_HASH_LEN);
		assert_int_equal(a->grace[i].until, b->grace[i].until);
		assert_memory_equal(a->grace[i].mac, b->grace[i].mac, OTP_GRACE_HASH_LEN);
	}
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->added, b->added);
	assert_int_equal(a->matched, b->matched);
	assert_int_equal(a->drift, b->drift);
	assert_int_equal(a->device_count, b->device_count);
	for (unsigned i = 0; i < a->device_count; i++)
		assert_devices_equal(&a->devices[i], &b->devices[i]);
	assert_int_equal(a->extra_count, b->extra_count);
	for (unsigned i = 0; i < a->extra_count; i++)
		assert_string_equal(a->extra[i], b->extra[i]);
}

#endif
