/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the ~/.otp lines of several authenticators (common/otpfile_devices.c):
 * round trips with 1, 2 and 5 devices, plain and sealed; every error of the `device`, `name`,
 * `added`, `matched` and `drift` lines; the longest line; an old file written back as it was.
 */
#include "otpfile_check.h"

#define TEXT_MAX 8192
#define DEV "device spare totp:SHA1:6:30 " SECRET_B32 " -1 0:0:0\n"

static void format_ok(const struct otp_record *rec, char *text)
{
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(otp_record_format(rec, &out, &len), OTP_OK);
	assert_true(len < TEXT_MAX);
	memcpy(text, out, len + 1);
	otp_free_str(out);
}

/* A record of n devices: device i is totp for even i, hotp for odd; sealed when asked. */
static void make_devices(struct otp_record *rec, unsigned n, bool sealed)
{
	struct otp_record add;
	char name[16];

	otp_record_init(rec);
	rec->secret_len = 20;
	memcpy(rec->secret, SECRET_RAW, 20);
	for (unsigned i = 1; i < n; i++) {
		otp_record_init(&add);
		add.type = i % 2 ? OTP_HOTP : OTP_TOTP;
		add.alg = (enum otp_alg)(i % 3);
		add.digits = 6 + i % 3;
		add.secret_len = 10 + i;
		fill(add.secret, add.secret_len, i);
		if (sealed) {
			add.sealed = true;
			fill(add.seal.keyid, OTP_SEAL_KEYID_LEN, i);
			fill(add.seal.eph, OTP_SEAL_PUB_LEN, i + 1);
			fill(add.seal.nonce, OTP_SEAL_NONCE_LEN, i + 2);
			add.seal.ct_len = 26 + i;
			fill(add.seal.ct, add.seal.ct_len, i + 3);
		}
		snprintf(name, sizeof(name), "dev-%u", i);
		assert_int_equal(otp_device_add(rec, &add, name, 1700000000 + i), OTP_OK);
		rec->devices[i - 1].matched = 1700001000 + i;
		rec->devices[i - 1].drift = i % 2 ? 0 : -(int)i;
		rec->devices[i - 1].last_step = i % 2 ? -1 : 56666000 + (int64_t)i;
		rec->devices[i - 1].counter = i % 2 ? 77 + i : 0;
		rec->devices[i - 1].resync_counter = i % 2 ? 500 + (int64_t)i : -1;
		otp_record_clear(&add);
	}
}

/* Format, parse, compare, format again: the same text. A sealed device keeps no secret. */
static void round_trip(unsigned n, bool sealed)
{
	static char text[TEXT_MAX], again[TEXT_MAX];
	struct otp_record rec, got;

	make_devices(&rec, n, sealed);
	format_ok(&rec, text);
	assert_ok(text, &got);
	if (sealed)
		for (unsigned i = 0; i < rec.device_count; i++)
			rec.devices[i].secret_len = 0; /* the file holds only the seal */
	assert_records_equal(&rec, &got);
	assert_int_equal(otp_device_count(&got), n);
	for (unsigned i = 1; i < n; i++)
		assert_int_equal(otp_device_find(&got, rec.devices[i - 1].name), (int)i);
	format_ok(&got, again);
	assert_string_equal(text, again);
	otp_record_clear(&rec);
	otp_record_clear(&got);
}

static void test_round_trips(void **state)
{
	(void)state;
	for (unsigned n = 1; n <= OTP_DEVICES_MAX; n++) {
		round_trip(n, false);
		round_trip(n, true);
	}
}

/* The written form, pinned: what otp(5) documents. */
static void test_written_form(void **state)
{
	static char text[TEXT_MAX];
	struct otp_record rec;

	(void)state;
	make_devices(&rec, 3, false);
	strcpy(rec.name, "phone");
	rec.added = 1690000000;
	rec.matched = 1700000500;
	rec.drift = 2;
	format_ok(&rec, text);
	assert_non_null(strstr(text, "\nname phone\nadded 1690000000\n"));
	assert_non_null(strstr(text, "\nmatched 1700000500\ndrift 2\n"));
	assert_non_null(strstr(text, "\ndevice dev-1 hotp:SHA256:7:0 "));
	assert_non_null(strstr(text, " 78:501 1700000001:1700001001:0\n"));
	assert_non_null(strstr(text, " 56666002 1700000002:1700001002:-2\n"));
	assert_non_null(strstr(text, "\ndevice dev-2 totp:SHA512:8:30 "));
	otp_record_clear(&rec);
}

/* A file from before devices: written back byte for byte, one device called default. */
static void test_old_file_unchanged(void **state)
{
	static const char old[] = "version 1\n"
		"# pam_otp second factor: see otp(5). Keep this file private (mode 0600).\n"
		"type totp\nsecret " SECRET_B32 "\nalgorithm SHA1\ndigits 6\nperiod 30\n"
		"last_step 56666666\n";
	static char text[TEXT_MAX];
	struct otp_record rec;

	(void)state;
	assert_ok(old, &rec);
	assert_int_equal(otp_device_count(&rec), 1);
	assert_string_equal(otp_device_name(&rec, 0), "default");
	format_ok(&rec, text);
	assert_string_equal(text, old);
	/* "name default" is no name: not written again. */
	otp_record_clear(&rec);
	assert_ok(HEAD "name default\n", &rec);
	assert_string_equal(rec.name, "");
	otp_record_clear(&rec);
}

/* The longest device line (a sealed secret of OTP_SECRET_MAX bytes, every field at its
 * widest) fits in OTP_LINE_MAX and reads back. */
static void test_longest_line(void **state)
{
	static char text[TEXT_MAX];
	struct otp_record rec, got;
	struct otp_device *d;
	size_t longest = 0;

	(void)state;
	make_devices(&rec, 2, true);
	d = &rec.devices[0];
	memset(d->name, 'n', OTP_DEVICE_NAME_MAX);
	d->alg = OTP_SHA512;
	d->seal.ct_len = OTP_SEAL_CT_MAX;
	d->counter = UINT64_MAX / 2;
	d->resync_counter = INT64_MAX;
	d->added = d->matched = 253402300799;
	format_ok(&rec, text);
	for (const char *l = text; *l; l = strchr(l, '\n') + 1)
		if (strcspn(l, "\n") > longest)
			longest = strcspn(l, "\n");
	assert_true(longest > 500 && longest < OTP_LINE_MAX - 1);
	assert_ok(text, &got);
	assert_int_equal(got.devices[0].seal.ct_len, OTP_SEAL_CT_MAX);
	otp_record_clear(&rec);
	otp_record_clear(&got);
}

/* Each malformed line: refused on its line, with a reason naming what is wrong. */
static void test_errors(void **state)
{
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "name bad/name", "name must be" },
		{ "name " "123456789012345678901234567890123", "name must be" },
		{ "added -5", "added" },
		{ "matched x", "matched" },
		{ "drift 101", "drift must be" },
		{ "drift -101", "drift must be" },
		{ "drift -0", "drift must be" },
		{ "drift +1", "drift must be" },
		{ "device a:b totp:SHA1:6:30 " SECRET_B32 " -1 0:0:0", "device name" },
		{ "device x totp:SHA1:6 " SECRET_B32 " -1 0:0:0", "type:algorithm:digits:period" },
		{ "device x totp:SHA1:6:30:1 " SECRET_B32 " -1 0:0:0", "type:algorithm" },
		{ "device x motp:SHA1:6:30 " SECRET_B32 " -1 0:0:0", "type must be" },
		{ "device x totp:MD5:6:30 " SECRET_B32 " -1 0:0:0", "algorithm" },
		{ "device x totp:SHA1:5:30 " SECRET_B32 " -1 0:0:0", "digits" },
		{ "device x totp:SHA1:9:30 " SECRET_B32 " -1 0:0:0", "digits" },
		{ "device x totp:SHA1:6:0 " SECRET_B32 " -1 0:0:0", "period" },
		{ "device x totp:SHA1:6:301 " SECRET_B32 " -1 0:0:0", "period" },
		{ "device x hotp:SHA1:6:30 " SECRET_B32 " 0:-1 0:0:0", "period must be 0" },
		{ "device x totp:SHA1:6:30 GEZDGNBV -1 0:0:0", "shorter than 80 bits" },
		{ "device x totp:SHA1:6:30 GEZD1NBV -1 0:0:0", "base32" },
		{ "device x totp:SHA1:6:30 sealed:00:11:22:33 -1 0:0:0", "sealed:key id" },
		{ "device x totp:SHA1:6:30 " SECRET_B32 " -2 0:0:0", "step number" },
		{ "device x totp:SHA1:6:30 " SECRET_B32 " 1:2 0:0:0", "step number" },
		{ "device x hotp:SHA1:6:0 " SECRET_B32 " 5 0:0:0", "counter:resync" },
		{ "device x hotp:SHA1:6:0 " SECRET_B32 " 5:-2 0:0:0", "counter:resync" },
		{ "device x hotp:SHA1:6:0 " SECRET_B32 " 0:-1 0:0:3", "drift must be 0" },
		{ "device x totp:SHA1:6:30 " SECRET_B32 " -1 0:0", "added:matched:drift" },
		{ "device x totp:SHA1:6:30 " SECRET_B32 " -1 0:0:200", "added:matched:drift" },
		{ "device x totp:SHA1:6:30 " SECRET_B32 " -1 -1:0:0", "added:matched:drift" },
		{ "device x totp:SHA1:6:30 " SECRET_B32 " -1", "device takes 5 values" },
	};
	char text[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), HEAD "%s\n", bad[i].line);
		assert_error(text, OTP_E_PARSE, 4, bad[i].why);
	}
}

/* Errors of the file as a whole: too many devices, a name twice, devices without a secret. */
static void test_file_errors(void **state)
{
	static char text[TEXT_MAX];
	size_t n;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), "%s", HEAD);
	for (unsigned i = 0; i < OTP_DEVICES_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "device d%u totp:SHA1:6:30 %s -1 0:0:0\n", i, SECRET_B32);
	assert_error(text, OTP_E_PARSE, 3 + OTP_DEVICES_MAX, "more than 5 devices");
	assert_error(HEAD DEV DEV, OTP_E_PARSE, 0, "device name spare is used twice");
	assert_error(HEAD DEV "name spare\n", OTP_E_PARSE, 0, "spare is used twice");
	assert_error(HEAD "device default totp:SHA1:6:30 " SECRET_B32 " -1 0:0:0\n",
		     OTP_E_PARSE, 0, "default is used twice");
	assert_error("version 1\nphone +15551234567\n" DEV, OTP_E_PARSE, 0,
		     "code setting device without a secret");
	assert_error(HEAD_HOTP "drift 1\n", OTP_E_PARSE, 0, "drift is for totp only");
}

/* `name` after the device lines (a hand-edited file) is read as well. */
static void test_name_after_devices(void **state)
{
	struct otp_record rec;

	(void)state;
	assert_ok(HEAD "device default totp:SHA1:6:30 " SECRET_B32 " -1 0:0:0\nname phone\n",
		  &rec);
	assert_int_equal(otp_device_find(&rec, "default"), 1);
	assert_int_equal(otp_device_find(&rec, "phone"), 0);
	otp_record_clear(&rec);
}

/* The writer refuses a device it could not read back. */
static void test_format_refuses(void **state)
{
	struct otp_record rec;
	char *out = NULL;
	size_t len = 0;

	(void)state;
	make_devices(&rec, 2, false);
	rec.devices[0].secret_len = 0;
	assert_int_equal(otp_record_format(&rec, &out, &len), OTP_E_INVAL);
	rec.devices[0].secret_len = 20;
	strcpy(rec.devices[0].name, "no space");
	assert_int_equal(otp_record_format(&rec, &out, &len), OTP_E_INVAL);
	assert_null(out);
	otp_record_clear(&rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_written_form),
		cmocka_unit_test(test_old_file_unchanged),
		cmocka_unit_test(test_longest_line),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_name_after_devices),
		cmocka_unit_test(test_format_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
