/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/otpfile.c: broken files and their error reports. */
#include "otpfile_check.h"

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
	assert_int_equal(parse_n(buf, n, &rec, &(struct otp_why){ 0 }), OTP_OK);
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
	snprintf(buf, 8192, HEAD KDF "backup g%.63s\n", &HASH_A[1]);
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
