/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/otpfile.c: defaults, accepted files and the serializer round trip. */
#include "otpfile_check.h"

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

static void round_trip(const struct otp_record *rec)
{
	struct otp_record back;
	struct otp_why err;
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
		print_error("re-parse failed at line %u: %s\n%s", err.line, err.text, text);
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
		"version 1", "type totp", ("secret " SECRET_B32), "algorithm SHA1", "digits 6",
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
