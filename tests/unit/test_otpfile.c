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

static int parse_n(const char *buf, size_t len, struct otp_record *rec,
		   struct otp_parse_error *err)
{
	return otp_record_parse(buf, len, rec, err);
}

static int parse(const char *text, struct otp_record *rec, struct otp_parse_error *err)
{
	return parse_n(text, strlen(text), rec, err);
}

static void assert_ok(const char *text, struct otp_record *rec)
{
	struct otp_parse_error err;
	int rc = parse(text, rec, &err);

	if (rc != OTP_OK)
		print_error("parse failed (%d) at line %u: %s\n--- file ---\n%s------------\n", rc,
			    err.line, err.reason, text);
	assert_int_equal(rc, OTP_OK);
}

/* The record after a failed parse holds nothing. */
static void assert_cleared(const struct otp_record *rec)
{
	static const uint8_t zero[OTP_SECRET_MAX];

	assert_int_equal(rec->secret_len, 0);
	assert_memory_equal(rec->secret, zero, sizeof(zero));
	assert_int_equal(rec->extra_count, 0);
	assert_int_equal(rec->backup_count, 0);
}

static void assert_error_n(const char *text, size_t len, int want_rc, unsigned want_line,
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

static void assert_error(const char *text, int want_rc, unsigned want_line,
			 const char *reason_part)
{
	assert_error_n(text, strlen(text), want_rc, want_line, reason_part);
}

/* ---- defaults and accepted files ---- */

static void test_init_defaults(void **state)
{
	struct otp_record rec;

	(void)state;
	memset(&rec, 0x5a, sizeof(rec));
	otp_record_init(&rec);
	assert_int_equal(rec.type, OTP_TOTP);
	assert_int_equal(rec.alg, OTP_SHA1);
	assert_int_equal(rec.digits, 6);
	assert_int_equal(rec.period, 30);
	assert_int_equal(rec.window, -1);
	assert_int_equal(rec.secret_len, 0);
	assert_string_equal(rec.phone, "");
	assert_false(rec.has_backup_kdf);
	assert_int_equal(rec.backup_count, 0);
	assert_int_equal(rec.counter, 0);
	assert_int_equal(rec.last_step, -1);
	assert_int_equal(rec.failures, 0);
	assert_int_equal(rec.last_failure, 0);
	assert_int_equal(rec.locked_until, 0);
	assert_int_equal(rec.resync_counter, -1);
	assert_false(rec.has_sms_code);
	assert_int_equal(rec.sms_last, 0);
	assert_int_equal(rec.sms_day_count, 0);
	assert_int_equal(rec.extra_count, 0);
	otp_record_clear(&rec);
	otp_record_clear(&rec); /* twice is fine */
}

static void test_parse_minimal_defaults(void **state)
{
	struct otp_record rec;

	(void)state;
	assert_ok(HEAD, &rec);
	assert_int_equal(rec.type, OTP_TOTP);
	assert_int_equal(rec.secret_len, 20);
	assert_memory_equal(rec.secret, SECRET_RAW, 20);
	assert_int_equal(rec.alg, OTP_SHA1);
	assert_int_equal(rec.digits, 6);
	assert_int_equal(rec.period, 30);
	assert_int_equal(rec.window, -1);
	assert_int_equal(rec.counter, 0);
	assert_int_equal(rec.last_step, -1);
	assert_int_equal(rec.resync_counter, -1);
	assert_string_equal(rec.phone, "");
	assert_false(rec.has_backup_kdf);
	assert_int_equal(rec.backup_count, 0);
	assert_int_equal(rec.failures, 0);
	assert_int_equal(rec.locked_until, 0);
	assert_false(rec.has_sms_code);
	assert_int_equal(rec.extra_count, 0);
	otp_record_clear(&rec);

	assert_ok(HEAD_HOTP, &rec);
	assert_int_equal(rec.type, OTP_HOTP);
	assert_int_equal(rec.counter, 0);
	assert_int_equal(rec.resync_counter, -1);
	otp_record_clear(&rec);
}

/* A hand-written file with every field: the values come from the text, not from format. */
static void test_parse_full_handwritten(void **state)
{
	static const char text[] =
		"version 1\n"
		"type totp\n"
		"secret gezd gnbv gy3t qojq gezd gnbv gy3t qojq\n" /* too many words: see below */
		;
	static const char full[] =
		"version 1\n"
		"type totp\n"
		"secret gezdgnbvgy3tqojqgezdgnbvgy3tqojq\n"
		"algorithm sha-512\n"
		"digits 8\n"
		"period 60\n"
		"window 2\n"
		"phone +4915123456789\n"
		KDF
		"backup " HASH_A "\n"
		"backup " HASH_B "\n"
		"last_step 12345\n"
		"failures 4\n"
		"last_failure 1700000000\n"
		"locked_until 1700000120\n"
		"sms_code " SALT " " HASH_B " 1700000300\n"
		"sms_last 1699999999\n"
		"sms_day 19675 3\n"
		"grace " SALT " 1700003600 " SALT2 "\n"
		"future_field\tsome  value\n";
	struct otp_record rec;
	uint8_t salt[16], a[32], b[32];

	(void)state;
	for (int i = 0; i < 16; i++)
		salt[i] = (uint8_t)i;
	for (int i = 0; i < 16; i++) {
		a[i] = a[i + 16] = (uint8_t)(0x11 * i);
		b[i] = b[i + 16] = (uint8_t)(0xff - 0x11 * i);
	}
	/* A secret split in groups is more than one value on the line. */
	assert_error(text, OTP_E_PARSE, 3, "values");

	assert_ok(full, &rec);
	assert_int_equal(rec.type, OTP_TOTP);
	assert_int_equal(rec.secret_len, 20);
	assert_memory_equal(rec.secret, SECRET_RAW, 20);
	assert_int_equal(rec.alg, OTP_SHA512);
	assert_int_equal(rec.digits, 8);
	assert_int_equal(rec.period, 60);
	assert_int_equal(rec.window, 2);
	assert_string_equal(rec.phone, "+4915123456789");
	assert_true(rec.has_backup_kdf);
	assert_int_equal(rec.backup_kdf.log2_n, 14);
	assert_int_equal(rec.backup_kdf.r, 8);
	assert_int_equal(rec.backup_kdf.p, 1);
	assert_memory_equal(rec.backup_kdf.salt, salt, 16);
	assert_int_equal(rec.backup_count, 2);
	assert_memory_equal(rec.backup[0], a, 32);
	assert_memory_equal(rec.backup[1], b, 32);
	assert_int_equal(rec.last_step, 12345);
	assert_int_equal(rec.failures, 4);
	assert_int_equal(rec.last_failure, 1700000000);
	assert_int_equal(rec.locked_until, 1700000120);
	assert_true(rec.has_sms_code);
	assert_false(rec.sms_by_provider);
	assert_memory_equal(rec.sms_salt, salt, 16);
	assert_memory_equal(rec.sms_hash, b, 32);
	assert_int_equal(rec.sms_expiry, 1700000300);
	assert_int_equal(rec.sms_last, 1699999999);
	assert_int_equal(rec.sms_day, 19675);
	assert_int_equal(rec.sms_day_count, 3);
	assert_int_equal(rec.grace_count, 1);
	assert_memory_equal(rec.grace[0].host, salt, 16);
	assert_int_equal(rec.grace[0].until, 1700003600);
	assert_int_equal(rec.grace[0].mac[0], 0xf0);
	assert_int_equal(rec.grace[0].mac[15], 0xff);
	assert_false(rec.sealed);
	assert_int_equal(rec.extra_count, 1);
	assert_string_equal(rec.extra[0], "future_field\tsome  value");
	otp_record_clear(&rec);
	assert_int_equal(rec.extra_count, 0);
	assert_int_equal(rec.secret_len, 0);
}

static void test_comments_and_blank_lines(void **state)
{
	static const char text[] =
		"# a comment before the version line\n"
		"\n"
		"version 1\n"
		"#\n"
		"   \n"
		"\t\n"
		"type hotp\n"
		"# secret AAAA this is not a secret line\n"
		"secret " SECRET_B32 "\n"
		"#counter 99\n"
		"   # an indented comment\n"
		"\t# counter 98\n"
		"\n"
		"counter 7\n"
		"# trailing comment\n";
	struct otp_record rec;

	(void)state;
	assert_ok(text, &rec);
	assert_int_equal(rec.type, OTP_HOTP);
	assert_int_equal(rec.counter, 7);
	assert_int_equal(rec.secret_len, 20);
	assert_memory_equal(rec.secret, SECRET_RAW, 20);
	assert_int_equal(rec.extra_count, 0); /* comments are not kept as unknown lines */
	otp_record_clear(&rec);
}

static void test_accepted_boundaries(void **state)
{
	struct otp_record rec;
	char buf[2048];

	(void)state;
	assert_ok(HEAD "digits 6\n", &rec);
	assert_int_equal(rec.digits, 6);
	otp_record_clear(&rec);
	assert_ok(HEAD "digits 8\n", &rec);
	assert_int_equal(rec.digits, 8);
	otp_record_clear(&rec);
	assert_ok(HEAD "period 1\n", &rec);
	assert_int_equal(rec.period, 1);
	otp_record_clear(&rec);
	assert_ok(HEAD "period 300\n", &rec);
	assert_int_equal(rec.period, 300);
	otp_record_clear(&rec);
	assert_ok(HEAD "window 0\n", &rec);
	assert_int_equal(rec.window, 0);
	otp_record_clear(&rec);
	assert_ok(HEAD "window 20\n", &rec);
	assert_int_equal(rec.window, 20);
	otp_record_clear(&rec);
	assert_ok(HEAD "last_step -1\n", &rec);
	assert_int_equal(rec.last_step, -1);
	otp_record_clear(&rec);
	/* Phone: '+', non-zero digit, 7 to 15 digits. */
	assert_ok(HEAD "phone +1234567\n", &rec);
	assert_string_equal(rec.phone, "+1234567");
	otp_record_clear(&rec);
	assert_ok(HEAD "phone +123456789012345\n", &rec);
	assert_string_equal(rec.phone, "+123456789012345");
	otp_record_clear(&rec);
	/* A 10-byte (80-bit) secret is the shortest allowed. */
	assert_ok("version 1\ntype totp\nsecret GEZDGNBVGY3TQOJQ\n", &rec);
	assert_int_equal(rec.secret_len, 10);
	assert_memory_equal(rec.secret, "1234567890", 10);
	otp_record_clear(&rec);
	/* 205 'A's: 128 zero bytes (the maximum) and one zero bit. */
	snprintf(buf, sizeof(buf), "version 1\ntype totp\nsecret %0205d\n", 0);
	for (char *p = strstr(buf, "secret ") + 7; *p == '0'; p++)
		*p = 'A';
	assert_ok(buf, &rec);
	assert_int_equal(rec.secret_len, 128);
	otp_record_clear(&rec);
	/* HOTP counter up to 2^63 - 1. */
	assert_ok(HEAD_HOTP "counter 9223372036854775807\nresync_counter 9223372036854775807\n",
		  &rec);
	assert_int_equal(rec.counter, UINT64_C(9223372036854775807));
	assert_int_equal(rec.resync_counter, INT64_C(9223372036854775807));
	otp_record_clear(&rec);
	/* Exactly 32 backup codes. */
	{
		size_t n = (size_t)snprintf(buf, sizeof(buf), "%s", HEAD KDF);
		static char big[8192];
		memcpy(big, buf, n);
		for (int i = 0; i < OTP_BACKUP_MAX; i++)
			n += (size_t)snprintf(big + n, sizeof(big) - n, "backup %064x\n", i);
		assert_ok(big, &rec);
		assert_int_equal(rec.backup_count, 32);
		assert_int_equal(rec.backup[31][31], 31);
		assert_int_equal(rec.backup[31][30], 0);
		otp_record_clear(&rec);
	}
}

/* ---- round trip ---- */

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 131 + i * 29 + 7);
}

static void assert_records_equal(const struct otp_record *a, const struct otp_record *b)
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
	assert_int_equal(a->extra_count, b->extra_count);
	for (unsigned i = 0; i < a->extra_count; i++)
		assert_string_equal(a->extra[i], b->extra[i]);
}

static void round_trip(const struct otp_record *rec)
{
	struct otp_record back;
	struct otp_parse_error err;
	char *text = NULL;
	size_t len = 0;
	int rc;

	assert_int_equal(otp_record_format(rec, &text, &len), OTP_OK);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	assert_true(len > 0 && text[len - 1] == '\n');
	assert_true(strncmp(text, "version 1\n", 10) == 0);
	rc = otp_record_parse(text, len, &back, &err);
	if (rc != OTP_OK)
		print_error("re-parse failed at line %u: %s\n%s", err.line, err.reason, text);
	assert_int_equal(rc, OTP_OK);
	assert_records_equal(rec, &back);

	/* Formatting the parsed record gives the same text again. */
	{
		char *again = NULL;
		size_t len2 = 0;

		assert_int_equal(otp_record_format(&back, &again, &len2), OTP_OK);
		assert_int_equal(len2, len);
		assert_string_equal(again, text);
		otp_free_str(again);
	}
	otp_record_clear(&back);
	otp_free_str(text);
}

static void test_round_trip_totp_all_fields(void **state)
{
	struct otp_record rec;

	(void)state;
	otp_record_init(&rec);
	rec.type = OTP_TOTP;
	rec.alg = OTP_SHA256;
	rec.digits = 8;
	rec.period = 60;
	rec.window = 3;
	rec.secret_len = 32;
	fill(rec.secret, rec.secret_len, 1);
	strcpy(rec.phone, "+15551234567");
	rec.has_backup_kdf = true;
	rec.backup_kdf.log2_n = 14;
	rec.backup_kdf.r = 8;
	rec.backup_kdf.p = 1;
	fill(rec.backup_kdf.salt, OTP_SALT_LEN, 2);
	rec.backup_count = 3;
	for (unsigned i = 0; i < 3; i++)
		fill(rec.backup[i], OTP_HASH_LEN, 10 + i);
	rec.last_step = 56666666;
	rec.failures = 2;
	rec.last_failure = 1700000000;
	rec.locked_until = 1700000030;
	rec.has_sms_code = true;
	fill(rec.sms_salt, OTP_SALT_LEN, 8);
	fill(rec.sms_hash, OTP_HASH_LEN, 3);
	rec.sms_expiry = 1700000300;
	rec.sms_last = 1699999000;
	rec.sms_day = 19675;
	rec.sms_day_count = 4;
	rec.grace_count = 2;
	for (unsigned i = 0; i < 2; i++) {
		fill(rec.grace[i].host, OTP_GRACE_HASH_LEN, 20 + i);
		rec.grace[i].until = 1700003600 + i;
		fill(rec.grace[i].mac, OTP_GRACE_HASH_LEN, 30 + i);
	}
	rec.extra[0] = strdup("future_key some value");
	rec.extra[1] = strdup("x-y_z\t1  2");
	rec.extra[2] = strdup("solo");
	rec.extra_count = 3;
	round_trip(&rec);
	otp_record_clear(&rec);
}

static void test_round_trip_hotp_all_fields(void **state)
{
	struct otp_record rec;

	(void)state;
	otp_record_init(&rec);
	rec.type = OTP_HOTP;
	rec.alg = OTP_SHA512;
	rec.digits = 7;
	rec.window = 0;
	rec.secret_len = OTP_SECRET_MAX;
	fill(rec.secret, rec.secret_len, 4);
	strcpy(rec.phone, "+442071234567");
	rec.has_backup_kdf = true;
	rec.backup_kdf.log2_n = 16; /* the largest costs a file may ask for */
	rec.backup_kdf.r = 8;
	rec.backup_kdf.p = 2;
	fill(rec.backup_kdf.salt, OTP_SALT_LEN, 5);
	rec.backup_count = OTP_BACKUP_MAX;
	for (unsigned i = 0; i < OTP_BACKUP_MAX; i++)
		fill(rec.backup[i], OTP_HASH_LEN, 100 + i);
	rec.counter = 123456789;
	rec.resync_counter = 123456800;
	rec.failures = 1000000;
	rec.last_failure = 1;
	rec.locked_until = INT64_C(253402300799);
	rec.has_sms_code = true;
	rec.sms_by_provider = true;
	rec.sms_expiry = 0;
	rec.sms_last = 5;
	rec.sms_day = 0;
	rec.sms_day_count = 100000;
	rec.grace_count = OTP_GRACE_MAX;
	for (unsigned i = 0; i < OTP_GRACE_MAX; i++) {
		fill(rec.grace[i].host, OTP_GRACE_HASH_LEN, 40 + i);
		rec.grace[i].until = INT64_C(253402300799) - i;
		fill(rec.grace[i].mac, OTP_GRACE_HASH_LEN, 50 + i);
	}
	for (unsigned i = 0; i < OTP_EXTRA_MAX; i++) {
		char line[64];
		snprintf(line, sizeof(line), "extra_%u value-%u", i, i * 7);
		rec.extra[i] = strdup(line);
	}
	rec.extra_count = OTP_EXTRA_MAX;
	round_trip(&rec);
	otp_record_clear(&rec);
}

/* A sealed secret stands in for the secret line (secret_len 0 until it is opened). */
static void test_round_trip_sealed(void **state)
{
	struct otp_record rec;

	(void)state;
	for (size_t ct_len = OTP_SEAL_TAG_LEN + 10; ct_len <= OTP_SEAL_CT_MAX; ct_len += 59) {
		otp_record_init(&rec);
		rec.sealed = true;
		fill(rec.seal.keyid, OTP_SEAL_KEYID_LEN, 60);
		fill(rec.seal.eph, OTP_SEAL_PUB_LEN, 61);
		fill(rec.seal.nonce, OTP_SEAL_NONCE_LEN, 62);
		rec.seal.ct_len = ct_len;
		fill(rec.seal.ct, ct_len, 63);
		rec.last_step = 99;
		round_trip(&rec);
		rec.type = OTP_HOTP;
		rec.last_step = -1;
		rec.counter = 17;
		rec.resync_counter = 40;
		round_trip(&rec);
		otp_record_clear(&rec);
	}
	/* The largest ciphertext. */
	otp_record_init(&rec);
	rec.sealed = true;
	rec.seal.ct_len = OTP_SEAL_CT_MAX;
	fill(rec.seal.ct, OTP_SEAL_CT_MAX, 64);
	round_trip(&rec);
	otp_record_clear(&rec);
}

/* A phone and no secret: enrolled for SMS codes only. */
static void test_round_trip_sms_only(void **state)
{
	struct otp_record rec;

	(void)state;
	otp_record_init(&rec);
	strcpy(rec.phone, "+15551234567");
	assert_true(otp_record_sms_only(&rec));
	round_trip(&rec);
	rec.has_sms_code = true;
	fill(rec.sms_salt, OTP_SALT_LEN, 70);
	fill(rec.sms_hash, OTP_HASH_LEN, 71);
	rec.sms_expiry = 1700000300;
	rec.sms_last = 1700000000;
	rec.sms_day = 19675;
	rec.sms_day_count = 1;
	rec.failures = 1;
	rec.last_failure = 1700000100;
	rec.window = 2;
	round_trip(&rec);
	otp_record_clear(&rec);
}

static void test_round_trip_minimal(void **state)
{
	struct otp_record rec;

	(void)state;
	otp_record_init(&rec);
	rec.secret_len = 10;
	fill(rec.secret, 10, 7);
	round_trip(&rec);
	rec.type = OTP_HOTP;
	round_trip(&rec);
	otp_record_clear(&rec);
}

/* Every line format writes is one the spec lists, in a file that parses. */
static void test_format_text(void **state)
{
	static const char *const want[] = {
		"version 1", "type totp", "secret " SECRET_B32, "algorithm SHA1", "digits 6",
		"period 30",
	};
	struct otp_record rec;
	char *text = NULL, *save = NULL;
	size_t len;
	unsigned seen = 0, lines = 0;

	(void)state;
	otp_record_init(&rec);
	rec.secret_len = 20;
	memcpy(rec.secret, SECRET_RAW, 20);
	assert_int_equal(otp_record_format(&rec, &text, &len), OTP_OK);
	assert_true(strncmp(text, "version 1\n", 10) == 0);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		bool known = false;

		if (l[0] == '#')
			continue;
		lines++;
		for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			if (strcmp(l, want[i]) == 0) {
				assert_false(seen & (1u << i));
				seen |= 1u << i;
				known = true;
			}
		}
		if (!known)
			print_error("unexpected line \"%s\"\n", l);
		assert_true(known);
	}
	assert_int_equal(lines, 6);
	assert_int_equal(seen, 0x3f);
	otp_free_str(text);

	/* Refused: no secret, too many backup codes or extra lines. */
	rec.secret_len = 0;
	text = (char *)1;
	assert_int_equal(otp_record_format(&rec, &text, &len), OTP_E_INVAL);
	assert_null(text);
	rec.secret_len = OTP_SECRET_MAX + 1;
	assert_int_equal(otp_record_format(&rec, &text, &len), OTP_E_INVAL);
	rec.secret_len = 20;
	rec.backup_count = OTP_BACKUP_MAX + 1;
	assert_int_equal(otp_record_format(&rec, &text, &len), OTP_E_INVAL);
	rec.backup_count = 0;
	otp_record_clear(&rec);
}

/* ---- broken files ---- */

static void test_version_errors(void **state)
{
	(void)state;
	assert_error("type totp\nsecret " SECRET_B32 "\n", OTP_E_PARSE, 1, "version");
	assert_error("", OTP_E_PARSE, 0, "version");
	assert_error("# only a comment\n\n", OTP_E_PARSE, 0, "version");
	assert_error("version 2\ntype totp\nsecret " SECRET_B32 "\n", OTP_E_PARSE, 1,
		     "version 2");
	assert_error("version 0\n" "type totp\nsecret " SECRET_B32 "\n", OTP_E_PARSE, 1,
		     "version");
	assert_error("version 01\ntype totp\nsecret " SECRET_B32 "\n", OTP_E_PARSE, 1,
		     "version");
	assert_error("version one\ntype totp\nsecret " SECRET_B32 "\n", OTP_E_PARSE, 1,
		     "version");
	assert_error("version\ntype totp\nsecret " SECRET_B32 "\n", OTP_E_PARSE, 1, "version");
	assert_error("version 1 2\ntype totp\nsecret " SECRET_B32 "\n", OTP_E_PARSE, 1,
		     "version");
	/* Not first. */
	assert_error("type totp\nversion 1\nsecret " SECRET_B32 "\n", OTP_E_PARSE, 1, "first");
	assert_error("# c\n\nsecret " SECRET_B32 "\nversion 1\ntype totp\n", OTP_E_PARSE, 3,
		     "first");
	assert_error("unknown_key 1\nversion 1\ntype totp\nsecret " SECRET_B32 "\n",
		     OTP_E_PARSE, 1, "first");
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	assert_error(HEAD "digits 6\ndigits 6\n", OTP_E_PARSE, 5, "twice");
	assert_error(HEAD "type totp\n", OTP_E_PARSE, 4, "twice");
	assert_error(HEAD "secret " SECRET_B32 "\n", OTP_E_PARSE, 4, "twice");
	assert_error("version 1\nversion 1\ntype totp\nsecret " SECRET_B32 "\n", OTP_E_PARSE, 2,
		     "twice");
	assert_error(HEAD "period 30\nwindow 1\nperiod 30\n", OTP_E_PARSE, 6, "twice");
	assert_error(HEAD "algorithm SHA1\nalgorithm SHA1\n", OTP_E_PARSE, 5, "twice");
	assert_error(HEAD "phone +15551234567\nphone +15551234567\n", OTP_E_PARSE, 5, "twice");
	assert_error(HEAD KDF KDF, OTP_E_PARSE, 5, "twice");
	assert_error(HEAD "last_step 5\nlast_step 5\n", OTP_E_PARSE, 5, "twice");
	assert_error(HEAD "failures 1\nfailures 1\n", OTP_E_PARSE, 5, "twice");
	assert_error(HEAD "sms_last 1\nsms_last 1\n", OTP_E_PARSE, 5, "twice");
	assert_error(HEAD_HOTP "counter 1\ncounter 2\n", OTP_E_PARSE, 5, "twice");
}

static void test_value_errors(void **state)
{
	(void)state;
	assert_error("version 1\ntype motp\nsecret " SECRET_B32 "\n", OTP_E_PARSE, 2, "type");
	assert_error("version 1\ntype TOTP\nsecret " SECRET_B32 "\n", OTP_E_PARSE, 2, "type");
	assert_error("version 1\ntype\nsecret " SECRET_B32 "\n", OTP_E_PARSE, 2, "type");
	assert_error("version 1\ntype totp hotp\nsecret " SECRET_B32 "\n", OTP_E_PARSE, 2,
		     "type");
	/* Base32: a '1', trailing garbage bits, an impossible length. */
	assert_error("version 1\ntype totp\nsecret GEZDGNBVGY3TQOJ1\n", OTP_E_PARSE, 3,
		     "base32");
	/* 11 bytes: 18 characters with 2 spare bits, which must be zero (E, not F). */
	{
		struct otp_record rec;
		assert_ok("version 1\ntype totp\nsecret GEZDGNBVGY3TQOJQGE\n", &rec);
		assert_int_equal(rec.secret_len, 11);
		assert_memory_equal(rec.secret, "12345678901", 11);
		otp_record_clear(&rec);
	}
	assert_error("version 1\ntype totp\nsecret GEZDGNBVGY3TQOJQGF\n", OTP_E_PARSE, 3,
		     "base32");
	assert_error("version 1\ntype totp\nsecret GEZDGNBVGY3TQOJQG\n", OTP_E_PARSE, 3,
		     "base32");
	/* 9 bytes: shorter than 80 bits. */
	assert_error("version 1\ntype totp\nsecret GEZDGNBVGY3TQOI=\n", OTP_E_PARSE, 3,
		     "shorter");
	assert_error("version 1\ntype totp\nsecret\n", OTP_E_PARSE, 3, "secret");
	assert_error(HEAD "algorithm SHA384\n", OTP_E_PARSE, 4, "algorithm");
	assert_error(HEAD "algorithm MD5\n", OTP_E_PARSE, 4, "algorithm");
	assert_error(HEAD "digits 5\n", OTP_E_PARSE, 4, "digits");
	assert_error(HEAD "digits 9\n", OTP_E_PARSE, 4, "digits");
	assert_error(HEAD "digits 06\n", OTP_E_PARSE, 4, "digits");
	assert_error(HEAD "digits -6\n", OTP_E_PARSE, 4, "digits");
	assert_error(HEAD "period 0\n", OTP_E_PARSE, 4, "period");
	assert_error(HEAD "period 301\n", OTP_E_PARSE, 4, "period");
	assert_error(HEAD "period 30s\n", OTP_E_PARSE, 4, "period");
	assert_error(HEAD "window 21\n", OTP_E_PARSE, 4, "window");
	assert_error(HEAD "window -1\n", OTP_E_PARSE, 4, "window");
	assert_error(HEAD "last_step -2\n", OTP_E_PARSE, 4, "last_step");
	assert_error(HEAD "failures 1000001\n", OTP_E_PARSE, 4, "failures");
	assert_error(HEAD "last_failure -5\n", OTP_E_PARSE, 4, "last_failure");
	assert_error(HEAD "locked_until 253402300800\n", OTP_E_PARSE, 4, "locked_until");
	assert_error(HEAD "sms_day 19675\n", OTP_E_PARSE, 4, "sms_day");
	assert_error(HEAD_HOTP "counter 9223372036854775808\n", OTP_E_PARSE, 4, "counter");
	assert_error(HEAD_HOTP "counter x\n", OTP_E_PARSE, 4, "counter");
}

static void test_secret_too_long(void **state)
{
	char buf[512];

	(void)state;
	/* 208 'A's decode to 130 zero bytes: more than OTP_SECRET_MAX (128). */
	strcpy(buf, "version 1\ntype totp\nsecret ");
	for (int i = 0; i < 208; i++)
		strcat(buf, "A");
	strcat(buf, "\n");
	assert_error(buf, OTP_E_PARSE, 3, "longer");
}

static void test_phone_errors(void **state)
{
	static const char *const bad[] = {
		"15551234567",       /* no + */
		"+123456",           /* 6 digits: too short */
		"+1555abc4567",      /* letters */
		"+0123456789",       /* leading zero */
		"+1234567890123456", /* 16 digits */
		"+",
		"++15551234567",
		"+1 5551234567x",
		"+1555-123-4567",
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), HEAD "phone %s\n", bad[i]);
		assert_error(buf, OTP_E_PARSE, 4, "phone");
		assert_false(otp_phone_valid(bad[i]));
	}
	assert_true(otp_phone_valid("+15551234567"));
	assert_true(otp_phone_valid("+1234567"));
	assert_true(otp_phone_valid("+123456789012345"));
	assert_false(otp_phone_valid(""));
}

static void test_bad_bytes(void **state)
{
	static const char nul[] = "version 1\ntype to\0tp\nsecret " SECRET_B32 "\n";
	static const char nul_in_comment[] = "version 1\n# a\0b\ntype totp\nsecret " SECRET_B32 "\n";

	(void)state;
	assert_error_n(nul, sizeof(nul) - 1, OTP_E_PARSE, 2, "NUL");
	assert_error_n(nul_in_comment, sizeof(nul_in_comment) - 1, OTP_E_PARSE, 2, "NUL");
	assert_error("version 1\ntype totp\x01\nsecret " SECRET_B32 "\n", OTP_E_PARSE, 2,
		     "control");
	/* CRLF line ends are control bytes too. */
	assert_error("version 1\r\ntype totp\r\nsecret " SECRET_B32 "\r\n", OTP_E_PARSE, 1,
		     "control");
	assert_error(HEAD "# \x1b[31m red\n", OTP_E_PARSE, 4, "control");
	assert_error(HEAD "# del \x7f\n", OTP_E_PARSE, 4, NULL);
	assert_error(HEAD "# caf\xc3\xa9\n", OTP_E_PARSE, 4, NULL);
	/* A tab is fine. */
	{
		struct otp_record rec;
		assert_ok("version\t1\ntype\ttotp\nsecret\t" SECRET_B32 "\n", &rec);
		otp_record_clear(&rec);
	}
}

static void test_long_line(void **state)
{
	char *buf = malloc(4096);
	struct otp_record rec;
	size_t n;

	(void)state;
	assert_non_null(buf);
	/* A 2000-byte line on line 4. */
	n = (size_t)snprintf(buf, 4096, "%s# ", HEAD);
	memset(buf + n, 'x', 1998);
	n += 1998;
	buf[n++] = '\n';
	buf[n] = '\0';
	assert_error(buf, OTP_E_PARSE, 4, "longer");

	/* 1023 bytes plus the newline is the longest line allowed; 1024 is too long. */
	n = (size_t)snprintf(buf, 4096, "%s# ", HEAD);
	memset(buf + n, 'x', 1021);
	n += 1021;
	buf[n++] = '\n';
	buf[n] = '\0';
	assert_ok(buf, &rec);
	otp_record_clear(&rec);
	n = (size_t)snprintf(buf, 4096, "%s# ", HEAD);
	memset(buf + n, 'x', 1022);
	n += 1022;
	buf[n++] = '\n';
	buf[n] = '\0';
	assert_error(buf, OTP_E_PARSE, 4, "longer");
	free(buf);
}

static void test_file_too_big(void **state)
{
	size_t cap = OTP_FILE_MAX + 16, n;
	char *buf = malloc(cap);
	struct otp_record rec;

	(void)state;
	assert_non_null(buf);
	/* Exactly 64 KiB in 1024-byte comment lines is fine... */
	n = (size_t)snprintf(buf, cap, "%s", HEAD);
	while (n < OTP_FILE_MAX) {
		size_t line = OTP_FILE_MAX - n >= 1024 ? 1024 : OTP_FILE_MAX - n;

		assert_true(line >= 2);
		buf[n] = '#';
		memset(buf + n + 1, 'c', line - 2);
		buf[n + line - 1] = '\n';
		n += line;
	}
	assert_int_equal(n, OTP_FILE_MAX);
	assert_int_equal(parse_n(buf, n, &rec, &(struct otp_parse_error){ 0 }), OTP_OK);
	otp_record_clear(&rec);
	/* ... one byte more is not. */
	buf[n - 1] = 'c';
	buf[n] = '\n';
	assert_error_n(buf, n + 1, OTP_E_TOOBIG, 0, NULL);
	free(buf);
}

static void test_too_many_lines(void **state)
{
	char *buf = malloc(8192);
	struct otp_record rec;
	size_t n;

	(void)state;
	assert_non_null(buf);
	/* 3 + 253 = 256 lines are fine. */
	n = (size_t)snprintf(buf, 8192, "%s", HEAD);
	for (int i = 0; i < 253; i++)
		n += (size_t)snprintf(buf + n, 8192 - n, "#\n");
	assert_ok(buf, &rec);
	otp_record_clear(&rec);
	/* Line 257 is one too many. */
	n += (size_t)snprintf(buf + n, 8192 - n, "\n");
	assert_error(buf, OTP_E_PARSE, 257, "lines");
	free(buf);
}

static void test_truncated(void **state)
{
	(void)state;
	assert_error("version 1\ntype totp\nsecret " SECRET_B32, OTP_E_PARSE, 3, "newline");
	assert_error(HEAD "digits 6", OTP_E_PARSE, 4, "newline");
	assert_error("version 1", OTP_E_PARSE, 1, "newline");
}

static void test_type_specific_fields(void **state)
{
	(void)state;
	assert_error(HEAD "counter 5\n", OTP_E_PARSE, 0, "hotp");
	assert_error(HEAD "resync_counter 5\n", OTP_E_PARSE, 0, "hotp");
	assert_error(HEAD_HOTP "period 30\n", OTP_E_PARSE, 0, "totp");
	assert_error(HEAD_HOTP "last_step 5\n", OTP_E_PARSE, 0, "totp");
	assert_error("version 1\ntype totp\n", OTP_E_PARSE, 0, "secret");
	assert_error("version 1\nsecret " SECRET_B32 "\n", OTP_E_PARSE, 0, "type");
}

static void test_backup_errors(void **state)
{
	char *buf = malloc(8192);
	size_t n;

	(void)state;
	assert_non_null(buf);
	assert_error(HEAD "backup " HASH_A "\n", OTP_E_PARSE, 0, "backup_kdf");
	/* Bad hex: 63 and 65 digits, a non-hex digit, an odd character at the end. */
	snprintf(buf, 8192, HEAD KDF "backup %.63s\n", HASH_A);
	assert_error(buf, OTP_E_PARSE, 5, "backup");
	assert_error(HEAD KDF "backup " HASH_A "0\n", OTP_E_PARSE, 5, "backup");
	snprintf(buf, 8192, HEAD KDF "backup g%.63s\n", HASH_A + 1);
	assert_error(buf, OTP_E_PARSE, 5, "backup");
	snprintf(buf, 8192, HEAD KDF "backup %.63s-\n", HASH_A);
	assert_error(buf, OTP_E_PARSE, 5, "backup");
	assert_error(HEAD KDF "backup 0x" HASH_A "\n", OTP_E_PARSE, 5, "backup");
	assert_error(HEAD "backup_kdf scrypt 14 8 1 000102030405060708090a0b0c0d0e0\n", OTP_E_PARSE,
		     4, "salt");
	assert_error(HEAD "backup_kdf scrypt 14 8 1 000102030405060708090a0b0c0d0e0z\n",
		     OTP_E_PARSE, 4, "salt");
	assert_error(HEAD "backup_kdf argon2 14 8 1 " SALT "\n", OTP_E_PARSE, 4, "scrypt");
	/* scrypt costs are capped: log2(N) 10..16, r 1..8, p 1..2. */
	assert_error(HEAD "backup_kdf scrypt 9 8 1 " SALT "\n", OTP_E_PARSE, 4, "scrypt");
	assert_error(HEAD "backup_kdf scrypt 17 8 1 " SALT "\n", OTP_E_PARSE, 4, "scrypt");
	assert_error(HEAD "backup_kdf scrypt 22 8 1 " SALT "\n", OTP_E_PARSE, 4, "scrypt");
	assert_error(HEAD "backup_kdf scrypt 14 0 1 " SALT "\n", OTP_E_PARSE, 4, "scrypt");
	assert_error(HEAD "backup_kdf scrypt 14 9 1 " SALT "\n", OTP_E_PARSE, 4, "scrypt");
	assert_error(HEAD "backup_kdf scrypt 14 8 0 " SALT "\n", OTP_E_PARSE, 4, "scrypt");
	assert_error(HEAD "backup_kdf scrypt 14 8 3 " SALT "\n", OTP_E_PARSE, 4, "scrypt");
	{
		struct otp_record rec;
		assert_ok(HEAD "backup_kdf scrypt 10 1 1 " SALT "\n", &rec);
		otp_record_clear(&rec);
		assert_ok(HEAD "backup_kdf scrypt 16 8 2 " SALT "\n", &rec);
		assert_int_equal(rec.backup_kdf.log2_n, 16);
		assert_int_equal(rec.backup_kdf.r, 8);
		assert_int_equal(rec.backup_kdf.p, 2);
		otp_record_clear(&rec);
	}
	assert_error(HEAD "backup_kdf scrypt 14 8 1\n", OTP_E_PARSE, 4, "backup_kdf");

	/* 33 backup lines: the 33rd (line 5 + 32 = 37) is refused. */
	n = (size_t)snprintf(buf, 8192, "%s", HEAD KDF);
	for (int i = 0; i <= OTP_BACKUP_MAX; i++)
		n += (size_t)snprintf(buf + n, 8192 - n, "backup %064x\n", i);
	assert_error(buf, OTP_E_PARSE, 5 + OTP_BACKUP_MAX, "backup");
	free(buf);
}

static void test_sms_code_lines(void **state)
{
	struct otp_record rec;

	(void)state;
	assert_ok(HEAD "sms_code provider 1700000300\n", &rec);
	assert_true(rec.has_sms_code);
	assert_true(rec.sms_by_provider);
	assert_int_equal(rec.sms_expiry, 1700000300);
	otp_record_clear(&rec);
	/* The old two-value form, bad salt, bad hash, bad expiry. */
	assert_error(HEAD "sms_code " HASH_A " 5\n", OTP_E_PARSE, 4, "sms_code");
	assert_error(HEAD "sms_code " HASH_A "\n", OTP_E_PARSE, 4, "sms_code");
	assert_error(HEAD "sms_code " SALT "0 " HASH_A " 5\n", OTP_E_PARSE, 4, "salt");
	assert_error(HEAD "sms_code " SALT " " HASH_A "x 5\n", OTP_E_PARSE, 4, "hash");
	assert_error(HEAD "sms_code " SALT " " HASH_A " -5\n", OTP_E_PARSE, 4, "expiry");
	assert_error(HEAD "sms_code " SALT " " HASH_A " 5 6\n", OTP_E_PARSE, 4, "sms_code");
	assert_error(HEAD "sms_code provider\n", OTP_E_PARSE, 4, "sms_code");
	assert_error(HEAD "sms_code provider soon\n", OTP_E_PARSE, 4, "expiry");
	assert_error(HEAD "sms_code provider 5\nsms_code provider 6\n", OTP_E_PARSE, 5, "twice");
}

static void test_grace_lines(void **state)
{
	char *buf = malloc(8192);
	struct otp_record rec;
	size_t n;

	(void)state;
	assert_non_null(buf);
	assert_error(HEAD "grace " SALT " 5\n", OTP_E_PARSE, 4, "grace");
	assert_error(HEAD "grace " SALT "0 5 " SALT2 "\n", OTP_E_PARSE, 4, "grace");
	assert_error(HEAD "grace " SALT " -5 " SALT2 "\n", OTP_E_PARSE, 4, "grace");
	assert_error(HEAD "grace " SALT " 5 " SALT "g\n", OTP_E_PARSE, 4, "grace");
	/* Eight are kept, a ninth refused. */
	n = (size_t)snprintf(buf, 8192, "%s", HEAD);
	for (int i = 0; i < OTP_GRACE_MAX; i++)
		n += (size_t)snprintf(buf + n, 8192 - n, "grace %032x %d " SALT2 "\n", i, 1000 + i);
	assert_ok(buf, &rec);
	assert_int_equal(rec.grace_count, OTP_GRACE_MAX);
	assert_int_equal(rec.grace[7].host[15], 7);
	assert_int_equal(rec.grace[7].until, 1007);
	otp_record_clear(&rec);
	snprintf(buf + n, 8192 - n, "grace %032x 1 " SALT2 "\n", 99);
	assert_error(buf, OTP_E_PARSE, 4 + OTP_GRACE_MAX, "grace");
	free(buf);
}

static void test_sealed_lines(void **state)
{
	char *buf = malloc(8192);
	char ct[2 * OTP_SEAL_CT_MAX + 8];
	struct otp_record rec;

	(void)state;
	assert_non_null(buf);
#define SEAL_HEAD "version 1\ntype totp\nsealed 0001020304050607 " \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f " \
	"000102030405060708090a0b "
	/* 26 bytes of ciphertext (a 10-byte secret and the tag) is the shortest. */
	memset(ct, 'a', 52);
	ct[52] = '\0';
	snprintf(buf, 8192, SEAL_HEAD "%s\n", ct);
	assert_ok(buf, &rec);
	assert_true(rec.sealed);
	assert_int_equal(rec.secret_len, 0);
	assert_int_equal(rec.seal.ct_len, 26);
	assert_int_equal(rec.seal.ct[25], 0xaa);
	assert_int_equal(rec.seal.keyid[7], 7);
	assert_int_equal(rec.seal.eph[31], 0x1f);
	assert_int_equal(rec.seal.nonce[11], 0x0b);
	otp_record_clear(&rec);
	/* 25 bytes, 145 bytes, an odd length, a non-hex digit. */
	ct[50] = '\0';
	snprintf(buf, 8192, SEAL_HEAD "%s\n", ct);
	assert_error(buf, OTP_E_PARSE, 3, "sealed");
	memset(ct, 'b', 2 * OTP_SEAL_CT_MAX);
	ct[2 * OTP_SEAL_CT_MAX] = '\0';
	snprintf(buf, 8192, SEAL_HEAD "%s\n", ct);
	assert_ok(buf, &rec);
	assert_int_equal(rec.seal.ct_len, OTP_SEAL_CT_MAX);
	otp_record_clear(&rec);
	strcat(ct, "bb");
	snprintf(buf, 8192, SEAL_HEAD "%s\n", ct);
	assert_error(buf, OTP_E_PARSE, 3, "sealed");
	snprintf(buf, 8192, SEAL_HEAD "%.53s\n", ct);
	assert_error(buf, OTP_E_PARSE, 3, "sealed");
	snprintf(buf, 8192, SEAL_HEAD "%.51sg\n", ct);
	assert_error(buf, OTP_E_PARSE, 3, "sealed");
	/* Short key id, ephemeral key or nonce. */
	assert_error("version 1\ntype totp\nsealed 00010203040506 "
		     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "
		     "000102030405060708090a0b " HASH_A "\n", OTP_E_PARSE, 3, "sealed");
	assert_error("version 1\ntype totp\nsealed 0001020304050607 "
		     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e "
		     "000102030405060708090a0b " HASH_A "\n", OTP_E_PARSE, 3, "sealed");
	assert_error("version 1\ntype totp\nsealed 0001020304050607 "
		     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "
		     "000102030405060708090a " HASH_A "\n", OTP_E_PARSE, 3, "sealed");
	/* Both a secret and a sealed secret. */
	snprintf(buf, 8192, SEAL_HEAD HASH_A "\nsecret " SECRET_B32 "\n");
	assert_error(buf, OTP_E_PARSE, 4, "twice");
	snprintf(buf, 8192, HEAD "sealed 0001020304050607 "
		 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "
		 "000102030405060708090a0b " HASH_A "\n");
	assert_error(buf, OTP_E_PARSE, 4, "twice");
#undef SEAL_HEAD
	free(buf);
}

/* A phone and no secret enrolls for SMS codes only; code settings then make no sense. */
static void test_phone_only(void **state)
{
	struct otp_record rec;

	(void)state;
	assert_ok("version 1\nphone +15551234567\n", &rec);
	assert_int_equal(rec.secret_len, 0);
	assert_false(rec.sealed);
	assert_string_equal(rec.phone, "+15551234567");
	assert_true(otp_record_sms_only(&rec));
	otp_record_clear(&rec);
	assert_ok("version 1\nphone +15551234567\nwindow 1\nfailures 2\nsms_last 5\n", &rec);
	otp_record_clear(&rec);
	assert_ok(HEAD "phone +15551234567\n", &rec);
	assert_false(otp_record_sms_only(&rec));
	otp_record_clear(&rec);

	assert_error("version 1\n", OTP_E_PARSE, 0, "secret");
	assert_error("version 1\nwindow 1\n", OTP_E_PARSE, 0, "secret");
	assert_error("version 1\ntype totp\nphone +15551234567\n", OTP_E_PARSE, 0, "secret");
	assert_error("version 1\nphone +15551234567\ndigits 6\n", OTP_E_PARSE, 0, "without");
	assert_error("version 1\nphone +15551234567\nalgorithm SHA1\n", OTP_E_PARSE, 0,
		     "without");
	assert_error("version 1\nphone +15551234567\nperiod 30\n", OTP_E_PARSE, 0, "without");
	assert_error("version 1\nphone +15551234567\ncounter 3\n", OTP_E_PARSE, 0, "without");
	assert_error("version 1\nphone +15551234567\nlast_step 3\n", OTP_E_PARSE, 0,
		     "without");
	assert_error("version 1\nphone +15551234567\nresync_counter 3\n", OTP_E_PARSE, 0,
		     "without");
}

static void test_unknown_lines(void **state)
{
	char *buf = malloc(8192);
	struct otp_record rec;
	size_t n;

	(void)state;
	assert_non_null(buf);
	assert_error(HEAD "!!\n", OTP_E_PARSE, 4, "key value");
	assert_error(HEAD "Upper 1\n", OTP_E_PARSE, 4, NULL);
	assert_error(HEAD " leading_space 1\n", OTP_E_PARSE, 4, NULL);
	assert_error(HEAD "key=value\n", OTP_E_PARSE, 4, NULL);

	/* Kept verbatim, in order, with their spacing. */
	assert_ok(HEAD "zz_new 1\nanother-key\ta  b\t\tc\nbare\n", &rec);
	assert_int_equal(rec.extra_count, 3);
	assert_string_equal(rec.extra[0], "zz_new 1");
	assert_string_equal(rec.extra[1], "another-key\ta  b\t\tc");
	assert_string_equal(rec.extra[2], "bare");
	otp_record_clear(&rec);

	/* 32 are kept, a 33rd is refused. */
	n = (size_t)snprintf(buf, 8192, "%s", HEAD);
	for (int i = 0; i < OTP_EXTRA_MAX; i++)
		n += (size_t)snprintf(buf + n, 8192 - n, "x%d 1\n", i);
	assert_ok(buf, &rec);
	assert_int_equal(rec.extra_count, OTP_EXTRA_MAX);
	otp_record_clear(&rec);
	n += (size_t)snprintf(buf + n, 8192 - n, "one_more 1\n");
	assert_error(buf, OTP_E_PARSE, 4 + OTP_EXTRA_MAX, "unknown");
	free(buf);
}

/* otp(5): an unknown line may have at most six values. */
static void test_unknown_line_value_limit(void **state)
{
	struct otp_record rec;

	(void)state;
	assert_ok(HEAD "new_list 1 2  3\t4 5 6\n", &rec);
	assert_int_equal(rec.extra_count, 1);
	assert_string_equal(rec.extra[0], "new_list 1 2  3\t4 5 6");
	otp_record_clear(&rec);
	assert_error(HEAD "new_list 1 2 3 4 5 6 7\n", OTP_E_PARSE, 4, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_defaults),
		cmocka_unit_test(test_parse_minimal_defaults),
		cmocka_unit_test(test_parse_full_handwritten),
		cmocka_unit_test(test_comments_and_blank_lines),
		cmocka_unit_test(test_accepted_boundaries),
		cmocka_unit_test(test_round_trip_totp_all_fields),
		cmocka_unit_test(test_round_trip_hotp_all_fields),
		cmocka_unit_test(test_round_trip_sealed),
		cmocka_unit_test(test_round_trip_sms_only),
		cmocka_unit_test(test_round_trip_minimal),
		cmocka_unit_test(test_format_text),
		cmocka_unit_test(test_version_errors),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_secret_too_long),
		cmocka_unit_test(test_phone_errors),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_file_too_big),
		cmocka_unit_test(test_too_many_lines),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_type_specific_fields),
		cmocka_unit_test(test_backup_errors),
		cmocka_unit_test(test_sms_code_lines),
		cmocka_unit_test(test_grace_lines),
		cmocka_unit_test(test_sealed_lines),
		cmocka_unit_test(test_phone_only),
		cmocka_unit_test(test_unknown_lines),
		cmocka_unit_test(test_unknown_line_value_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
