/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/verify.c: the lockout, backup codes and pending SMS codes. */
#include "verify_check.h"

/* ---- lockout ---- */

static void test_lockout_sequence(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;

	(void)state;
	pol.max_failures = 3;
	pol.lockout = 30;
	pol.lockout_max = 100;
	make_rec(&rec, OTP_TOTP);

	assert_int_equal(verify(&rec, &pol, WRONG_CODE, 1000, &out), OTP_E_WRONG);
	assert_int_equal(rec.failures, 1);
	assert_int_equal(rec.last_failure, 1000);
	assert_int_equal(rec.locked_until, 0);
	assert_int_equal(verify(&rec, &pol, WRONG_CODE, 1001, &out), OTP_E_WRONG);
	assert_int_equal(rec.failures, 2);
	assert_int_equal(rec.locked_until, 0);
	/* The third failure locks for `lockout` seconds. */
	assert_int_equal(verify(&rec, &pol, WRONG_CODE, 1002, &out), OTP_E_WRONG);
	assert_int_equal(rec.failures, 3);
	assert_int_equal(rec.locked_until, 1032);
	assert_int_equal(otp_lockout_remaining(&rec, 1010), 22);
	assert_int_equal(otp_lockout_remaining(&rec, 1031), 1);
	assert_int_equal(otp_lockout_remaining(&rec, 1032), 0);
	assert_int_equal(otp_lockout_remaining(&rec, 5000), 0);

	/* While locked even the right code is not checked, and nothing changes. */
	assert_int_equal(verify(&rec, &pol, code[33], 1010, &out), OTP_E_LOCKED);
	assert_int_equal(out.wait, 22);
	assert_int_equal(out.method, OTP_METHOD_NONE);
	assert_false(out.dirty);
	assert_false(out.counted);
	assert_int_equal(rec.failures, 3);
	assert_int_equal(rec.last_step, -1);
	assert_int_equal(rec.locked_until, 1032);
	assert_int_equal(verify(&rec, &pol, WRONG_CODE, 1031, &out), OTP_E_LOCKED);
	assert_int_equal(out.wait, 1);
	assert_int_equal(rec.failures, 3);
	assert_int_equal(verify(&rec, &pol, "", 1031, &out), OTP_E_LOCKED);

	/* Each further failure doubles it: 60, then 120 capped at 100. */
	assert_int_equal(verify(&rec, &pol, WRONG_CODE, 1032, &out), OTP_E_WRONG);
	assert_int_equal(rec.failures, 4);
	assert_int_equal(rec.locked_until, 1092);
	assert_int_equal(verify(&rec, &pol, WRONG_CODE, 1092, &out), OTP_E_WRONG);
	assert_int_equal(rec.failures, 5);
	assert_int_equal(rec.locked_until, 1192);
	assert_int_equal(verify(&rec, &pol, WRONG_CODE, 1192, &out), OTP_E_WRONG);
	assert_int_equal(rec.failures, 6);
	assert_int_equal(rec.locked_until, 1292);

	/* A success after the lockout resets everything. */
	assert_int_equal(verify(&rec, &pol, code[43], 1292, &out), OTP_OK);
	assert_int_equal(rec.failures, 0);
	assert_int_equal(rec.last_failure, 0);
	assert_int_equal(rec.locked_until, 0);
	assert_int_equal(rec.last_step, 43);
	/* So the next failure does not lock. */
	assert_int_equal(verify(&rec, &pol, WRONG_CODE, 1300, &out), OTP_E_WRONG);
	assert_int_equal(rec.locked_until, 0);
	otp_record_clear(&rec);
}

static void test_lockout_doubling_table(void **state)
{
	/* lockout 30, cap 900: failures 3.. -> 30 60 120 240 480 900 900 900. */
	static const int64_t want[] = { 0, 0, 30, 60, 120, 240, 480, 900, 900, 900 };
	struct otp_record rec;
	struct otp_policy pol = defaults();

	(void)state;
	make_rec(&rec, OTP_TOTP);
	for (int i = 0; i < 10; i++) {
		otp_note_failure(&rec, &pol, 10000);
		assert_int_equal(rec.failures, i + 1);
		assert_int_equal(rec.last_failure, 10000);
		assert_int_equal(rec.locked_until, want[i] ? 10000 + want[i] : 0);
	}
	/* Many failures: capped, no overflow. */
	rec.failures = 999999;
	otp_note_failure(&rec, &pol, 20000);
	assert_int_equal(rec.failures, 1000000);
	assert_int_equal(rec.locked_until, 20900);
	otp_note_failure(&rec, &pol, 30000);
	assert_int_equal(rec.failures, 1000000); /* stays in the range the file allows */
	assert_int_equal(rec.locked_until, 30900);
	otp_note_success(&rec);
	assert_int_equal(rec.failures, 0);
	assert_int_equal(rec.last_failure, 0);
	assert_int_equal(rec.locked_until, 0);

	/* max_failures 1: the first failure locks. A cap below the first lockout wins. */
	pol.max_failures = 1;
	pol.lockout = 100;
	pol.lockout_max = 50;
	otp_note_failure(&rec, &pol, 40000);
	assert_int_equal(rec.locked_until, 40050);

	/* max_failures 0: never locked. */
	otp_note_success(&rec);
	pol.max_failures = 0;
	for (int i = 0; i < 50; i++)
		otp_note_failure(&rec, &pol, 50000 + i);
	assert_int_equal(rec.failures, 50);
	assert_int_equal(rec.locked_until, 0);
	otp_record_clear(&rec);
}

static void test_success_resets_failures(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;

	(void)state;
	make_rec(&rec, OTP_TOTP);
	assert_int_equal(verify(&rec, &pol, WRONG_CODE, T(5), &out), OTP_E_WRONG);
	assert_int_equal(verify(&rec, &pol, WRONG_CODE, T(5), &out), OTP_E_WRONG);
	assert_int_equal(rec.failures, 2);
	assert_int_equal(verify(&rec, &pol, code[5], T(5), &out), OTP_OK);
	assert_int_equal(rec.failures, 0);
	assert_int_equal(rec.last_failure, 0);
	/* Two more failures do not lock: the count started again. */
	assert_int_equal(verify(&rec, &pol, WRONG_CODE, T(5), &out), OTP_E_WRONG);
	assert_int_equal(verify(&rec, &pol, WRONG_CODE, T(5), &out), OTP_E_WRONG);
	assert_int_equal(rec.locked_until, 0);
	otp_record_clear(&rec);
}

static void test_empty_input_not_counted(void **state)
{
	static const char *const empty[] = { "", " ", "\t", "  \t  " };
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;

	(void)state;
	make_rec(&rec, OTP_TOTP);
	for (int round = 0; round < 5; round++) {
		for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
			assert_int_equal(verify(&rec, &pol, empty[i], T(5), &out), OTP_E_WRONG);
			assert_false(out.counted);
			assert_false(out.dirty);
		}
	}
	assert_int_equal(rec.failures, 0);
	assert_int_equal(rec.locked_until, 0);
	otp_record_clear(&rec);
}

static void test_long_input_counted(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;
	char big[200];

	(void)state;
	make_rec(&rec, OTP_TOTP);
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(verify(&rec, &pol, big, T(5), &out), OTP_E_WRONG);
	assert_true(out.counted);
	assert_int_equal(rec.failures, 1);
	otp_record_clear(&rec);
}

static void test_resync_not_counted(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;

	(void)state;
	make_rec(&rec, OTP_HOTP);
	rec.failures = 2;
	assert_int_equal(verify(&rec, &pol, code[50], 1000, &out), OTP_E_RESYNC);
	assert_false(out.counted);
	assert_int_equal(rec.failures, 2);
	assert_int_equal(rec.locked_until, 0);
	otp_record_clear(&rec);
}

/* ---- backup codes ---- */

static void test_backup_code(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;
	char codes[3][OTP_BACKUP_TEXT];
	char spaced[32];

	(void)state;
	make_rec(&rec, OTP_TOTP);
	assert_int_equal(otp_backup_generate(&rec, 3, 10, codes), OTP_OK);
	rec.failures = 2;
	assert_int_equal(verify(&rec, &pol, codes[1], T(5), &out), OTP_OK);
	assert_int_equal(out.method, OTP_METHOD_BACKUP);
	assert_true(out.dirty);
	assert_false(out.counted);
	assert_int_equal(rec.backup_count, 2);
	assert_int_equal(rec.failures, 0);
	assert_int_equal(rec.last_step, -1); /* no TOTP step was used */
	/* Used once only. */
	assert_int_equal(verify(&rec, &pol, codes[1], T(5), &out), OTP_E_WRONG);
	assert_true(out.counted);
	assert_int_equal(rec.failures, 1);
	/* Spaces and upper case are fine. */
	snprintf(spaced, sizeof(spaced), "%.4s %.4s %.4s", codes[0], codes[0] + 5,
		 codes[0] + 10);
	spaced[0] = (char)(spaced[0] >= 'a' ? spaced[0] - 32 : spaced[0]);
	assert_int_equal(verify(&rec, &pol, spaced, T(5), &out), OTP_OK);
	assert_int_equal(rec.backup_count, 1);
	/* Also for HOTP records, and not while locked. */
	rec.type = OTP_HOTP;
	rec.last_step = -1;
	rec.locked_until = 2000;
	assert_int_equal(verify(&rec, &pol, codes[2], 1000, &out), OTP_E_LOCKED);
	assert_int_equal(rec.backup_count, 1);
	rec.locked_until = 0;
	assert_int_equal(verify(&rec, &pol, codes[2], 1000, &out), OTP_OK);
	assert_int_equal(out.method, OTP_METHOD_BACKUP);
	assert_int_equal(rec.backup_count, 0);
	assert_int_equal(rec.counter, 0);
	otp_record_clear(&rec);
}

/* ---- a pending SMS code ---- */

static void test_sms_code(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;

	(void)state;
	make_rec(&rec, OTP_TOTP);
	assert_int_equal(otp_sms_code_store(&rec, "47110815", 1000, 300), OTP_OK);
	assert_true(rec.has_sms_code);
	rec.failures = 1;
	assert_int_equal(verify(&rec, &pol, "4711 0815", 1100, &out), OTP_OK);
	assert_int_equal(out.method, OTP_METHOD_SMS);
	assert_true(out.dirty);
	assert_false(rec.has_sms_code);
	assert_int_equal(rec.failures, 0);
	assert_int_equal(rec.last_step, -1);
	/* One use. */
	assert_int_equal(verify(&rec, &pol, "47110815", 1100, &out), OTP_E_WRONG);
	assert_true(out.counted);
	otp_record_clear(&rec);

	/* Same length as the TOTP codes: the TOTP check misses, the SMS code matches. */
	make_rec(&rec, OTP_TOTP);
	assert_int_equal(otp_sms_code_store(&rec, WRONG_CODE, T(5), 300), OTP_OK);
	assert_int_equal(verify(&rec, &pol, WRONG_CODE, T(5), &out), OTP_OK);
	assert_int_equal(out.method, OTP_METHOD_SMS);
	/* And TOTP codes still work with one pending. */
	assert_int_equal(otp_sms_code_store(&rec, "2468", T(5), 300), OTP_OK);
	assert_int_equal(verify(&rec, &pol, code[5], T(5), &out), OTP_OK);
	assert_int_equal(out.method, OTP_METHOD_TOTP);
	assert_true(rec.has_sms_code);
	otp_record_clear(&rec);
}

static void test_sms_code_expired(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;

	(void)state;
	make_rec(&rec, OTP_TOTP);
	assert_int_equal(otp_sms_code_store(&rec, "13579", 1000, 300), OTP_OK);
	assert_int_equal(verify(&rec, &pol, "13579", 1300, &out), OTP_E_WRONG);
	assert_false(rec.has_sms_code); /* forgotten, and the file must say so */
	assert_true(out.dirty);
	assert_true(out.counted);
	/* The last second of its life is fine. */
	assert_int_equal(otp_sms_code_store(&rec, "13579", 1000, 300), OTP_OK);
	assert_int_equal(verify(&rec, &pol, "13579", 1299, &out), OTP_OK);
	otp_record_clear(&rec);
}

static void test_sms_only_record(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;

	(void)state;
	otp_record_init(&rec);
	strcpy(rec.phone, "+15551234567");
	assert_int_equal(verify(&rec, &pol, "123456", 1000, &out), OTP_E_WRONG);
	assert_int_equal(otp_sms_code_store(&rec, "123456", 1000, 60), OTP_OK);
	assert_int_equal(verify(&rec, &pol, "654321", 1000, &out), OTP_E_WRONG);
	assert_int_equal(verify(&rec, &pol, "123456", 1000, &out), OTP_OK);
	assert_int_equal(out.method, OTP_METHOD_SMS);
	otp_record_clear(&rec);
}

static int remote_calls;

static int remote_check(void *arg, const struct otp_record *rec, const char *answer)
{
	(void)rec;
	remote_calls++;
	return strcmp(answer, (const char *)arg) == 0 ? OTP_OK : OTP_E_WRONG;
}

static void test_sms_provider_code(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;
	struct otp_remote_check remote = { remote_check, (void *)"8642" };

	(void)state;
	make_rec(&rec, OTP_TOTP);
	otp_sms_provider_pending(&rec, 1000, 300);
	/* Without a way to ask the provider nothing matches. */
	assert_int_equal(verify(&rec, &pol, "8642", 1000, &out), OTP_E_WRONG);
	assert_true(rec.has_sms_code);
	remote_calls = 0;
	assert_int_equal(otp_verify_ex(&rec, &pol, "1111", 1000, &remote, &out), OTP_E_WRONG);
	assert_int_equal(otp_verify_ex(&rec, &pol, "8642", 1000, &remote, &out), OTP_OK);
	assert_int_equal(out.method, OTP_METHOD_SMS);
	assert_false(rec.has_sms_code);
	assert_int_equal(remote_calls, 2);
	/* Gone: the provider is not asked again. */
	assert_int_equal(otp_verify_ex(&rec, &pol, "8642", 1000, &remote, &out), OTP_E_WRONG);
	assert_int_equal(remote_calls, 2);
	otp_record_clear(&rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lockout_sequence),
		cmocka_unit_test(test_lockout_doubling_table),
		cmocka_unit_test(test_success_resets_failures),
		cmocka_unit_test(test_empty_input_not_counted),
		cmocka_unit_test(test_long_input_counted),
		cmocka_unit_test(test_resync_not_counted),
		cmocka_unit_test(test_backup_code),
		cmocka_unit_test(test_sms_code),
		cmocka_unit_test(test_sms_code_expired),
		cmocka_unit_test(test_sms_only_record),
		cmocka_unit_test(test_sms_provider_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
