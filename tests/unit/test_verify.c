/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/verify.c: TOTP replay guard and window, HOTP look-ahead and resync. */
#include "verify_check.h"

static void test_table_sanity(void **state)
{
	(void)state;
	for (int i = 0; i < 128; i++) {
		assert_int_equal(strlen(code[i]), 6);
		assert_string_not_equal(code[i], WRONG_CODE);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(code[i], code[j]);
	}
}

/* ---- TOTP ---- */

static void test_totp_now(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;

	(void)state;
	make_rec(&rec, OTP_TOTP);
	assert_int_equal(verify(&rec, &pol, code[5], T(5), &out), OTP_OK);
	assert_int_equal(out.method, OTP_METHOD_TOTP);
	assert_int_equal(out.step_offset, 0);
	assert_true(out.dirty);
	assert_false(out.counted);
	assert_int_equal(out.wait, 0);
	assert_int_equal(rec.last_step, 5);
	assert_int_equal(rec.failures, 0);
	otp_record_clear(&rec);
}

static void expect_totp(int window_pol, int window_file, int step_now, int step_code,
			int want)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;
	int rc;

	make_rec(&rec, OTP_TOTP);
	pol.window = (unsigned)window_pol;
	rec.window = window_file;
	rc = verify(&rec, &pol, code[step_code], T(step_now), &out);
	if (rc != want)
		print_error("policy window %d, file window %d, now step %d, code of step %d: "
			    "got %d, want %d\n", window_pol, window_file, step_now, step_code, rc,
			    want);
	assert_int_equal(rc, want);
	if (want == OTP_OK) {
		assert_int_equal(out.method, OTP_METHOD_TOTP);
		assert_int_equal(out.step_offset, step_code - step_now);
		assert_int_equal(rec.last_step, step_code);
		assert_true(out.dirty);
		assert_false(out.counted);
	} else {
		assert_int_equal(out.method, OTP_METHOD_NONE);
		assert_int_equal(rec.last_step, -1);
		assert_true(out.counted);
		assert_true(out.dirty);
		assert_int_equal(rec.failures, 1);
		assert_int_equal(rec.last_failure, T(step_now));
	}
	otp_record_clear(&rec);
}

static void test_totp_window_edges(void **state)
{
	(void)state;
	/* Default window 1: steps 4, 5, 6 at step 5. */
	expect_totp(1, -1, 5, 4, OTP_OK);
	expect_totp(1, -1, 5, 6, OTP_OK);
	expect_totp(1, -1, 5, 3, OTP_E_WRONG);
	expect_totp(1, -1, 5, 7, OTP_E_WRONG);
	/* Window 2. */
	expect_totp(2, -1, 5, 3, OTP_OK);
	expect_totp(2, -1, 5, 7, OTP_OK);
	expect_totp(2, -1, 5, 2, OTP_E_WRONG);
	expect_totp(2, -1, 5, 8, OTP_E_WRONG);
	/* The largest window. */
	expect_totp(20, -1, 50, 30, OTP_OK);
	expect_totp(20, -1, 50, 70, OTP_OK);
	expect_totp(20, -1, 50, 29, OTP_E_WRONG);
	expect_totp(20, -1, 50, 71, OTP_E_WRONG);
}

static void test_totp_step_boundaries(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;

	(void)state;
	/* First and last second of step 5 (150..179): steps 4-6 only. */
	make_rec(&rec, OTP_TOTP);
	assert_int_equal(verify(&rec, &pol, code[4], 150, &out), OTP_OK);
	assert_int_equal(out.step_offset, -1);
	otp_record_clear(&rec);
	make_rec(&rec, OTP_TOTP);
	assert_int_equal(verify(&rec, &pol, code[6], 179, &out), OTP_OK);
	assert_int_equal(out.step_offset, 1);
	otp_record_clear(&rec);
	make_rec(&rec, OTP_TOTP);
	assert_int_equal(verify(&rec, &pol, code[7], 179, &out), OTP_E_WRONG);
	assert_int_equal(verify(&rec, &pol, code[3], 150, &out), OTP_E_WRONG);
	/* One second later it is step 6, and step 7's code is in. */
	assert_int_equal(verify(&rec, &pol, code[7], 180, &out), OTP_OK);
	otp_record_clear(&rec);
}

static void test_totp_window_zero(void **state)
{
	(void)state;
	expect_totp(0, -1, 5, 5, OTP_OK);
	expect_totp(0, -1, 5, 4, OTP_E_WRONG);
	expect_totp(0, -1, 5, 6, OTP_E_WRONG);
}

static void test_totp_file_window(void **state)
{
	(void)state;
	/* The file narrows the policy... */
	expect_totp(2, 1, 5, 4, OTP_OK);
	expect_totp(2, 1, 5, 6, OTP_OK);
	expect_totp(2, 1, 5, 3, OTP_E_WRONG);
	expect_totp(2, 1, 5, 7, OTP_E_WRONG);
	expect_totp(1, 0, 5, 5, OTP_OK);
	expect_totp(1, 0, 5, 4, OTP_E_WRONG);
	expect_totp(1, 0, 5, 6, OTP_E_WRONG);
	/* ...but never widens it. */
	expect_totp(1, 5, 10, 8, OTP_E_WRONG);
	expect_totp(1, 5, 10, 12, OTP_E_WRONG);
	expect_totp(1, 5, 10, 11, OTP_OK);
	expect_totp(0, 20, 10, 11, OTP_E_WRONG);
}

static void test_totp_replay(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;

	(void)state;
	make_rec(&rec, OTP_TOTP);
	assert_int_equal(verify(&rec, &pol, code[5], T(5), &out), OTP_OK);
	assert_int_equal(rec.last_step, 5);
	/* Pretend earlier failures: a replay must not add to them or lock. */
	rec.failures = 2;
	rec.last_failure = 77;
	assert_int_equal(verify(&rec, &pol, code[5], T(5) + 5, &out), OTP_E_REPLAY);
	assert_int_equal(out.method, OTP_METHOD_TOTP);
	assert_int_equal(out.step_offset, 0);
	assert_false(out.counted);
	assert_false(out.dirty);
	assert_int_equal(rec.failures, 2);
	assert_int_equal(rec.last_failure, 77);
	assert_int_equal(rec.locked_until, 0);
	assert_int_equal(rec.last_step, 5);
	/* Still a replay in the next step (step 5 is inside the window there). */
	assert_int_equal(verify(&rec, &pol, code[5], T(6), &out), OTP_E_REPLAY);
	assert_int_equal(out.step_offset, -1);
	otp_record_clear(&rec);
}

static void test_totp_earlier_after_later(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;

	(void)state;
	pol.max_drift = 0; /* the window stays on now (drift: test_verify_devices) */
	make_rec(&rec, OTP_TOTP);
	assert_int_equal(verify(&rec, &pol, code[6], T(5), &out), OTP_OK);
	assert_int_equal(rec.last_step, 6);
	assert_int_equal(out.step_offset, 1);
	/* Steps 5 and 4 are older than the accepted step 6: refused. */
	assert_int_equal(verify(&rec, &pol, code[5], T(5), &out), OTP_E_REPLAY);
	assert_int_equal(verify(&rec, &pol, code[4], T(5), &out), OTP_E_REPLAY);
	assert_int_equal(verify(&rec, &pol, code[6], T(5), &out), OTP_E_REPLAY);
	assert_int_equal(rec.last_step, 6);
	assert_int_equal(rec.failures, 0);
	/* The next step is fine. */
	assert_int_equal(verify(&rec, &pol, code[7], T(6), &out), OTP_OK);
	assert_int_equal(rec.last_step, 7);
	otp_record_clear(&rec);

	/* A last_step from the file ahead of every step in the window. */
	make_rec(&rec, OTP_TOTP);
	rec.last_step = 9;
	for (int s = 4; s <= 6; s++)
		assert_int_equal(verify(&rec, &pol, code[s], T(5), &out), OTP_E_REPLAY);
	assert_int_equal(rec.last_step, 9);
	otp_record_clear(&rec);
}

static void test_totp_input_forms(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;
	char buf[32];

	(void)state;
	make_rec(&rec, OTP_TOTP);
	snprintf(buf, sizeof(buf), "%.3s %.3s", code[5], code[5] + 3);
	assert_int_equal(verify(&rec, &pol, buf, T(5), &out), OTP_OK);
	snprintf(buf, sizeof(buf), "\t%s ", code[6]);
	assert_int_equal(verify(&rec, &pol, buf, T(6), &out), OTP_OK);
	/* Wrong shapes are wrong answers, and count. */
	rec.failures = 0;
	snprintf(buf, sizeof(buf), "%.5s", code[7]);
	assert_int_equal(verify(&rec, &pol, buf, T(7), &out), OTP_E_WRONG);
	assert_true(out.counted);
	snprintf(buf, sizeof(buf), "%s1", code[7]);
	assert_int_equal(verify(&rec, &pol, buf, T(7), &out), OTP_E_WRONG);
	snprintf(buf, sizeof(buf), "%.5sa", code[7]);
	assert_int_equal(verify(&rec, &pol, buf, T(7), &out), OTP_E_WRONG);
	assert_int_equal(rec.failures, 3);
	otp_record_clear(&rec);

	/* 8 digits for an 8-digit record (RFC 4226 decimal column mod 10^8). */
	make_rec(&rec, OTP_TOTP);
	rec.digits = 8;
	assert_int_equal(verify(&rec, &pol, "37359152", T(2), &out), OTP_OK);
	assert_int_equal(verify(&rec, &pol, code[3], T(3), &out), OTP_E_WRONG);
	otp_record_clear(&rec);
}

static void test_totp_near_epoch(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;

	(void)state;
	make_rec(&rec, OTP_TOTP);
	assert_int_equal(verify(&rec, &pol, code[1], 10, &out), OTP_OK);
	assert_int_equal(out.step_offset, 1);
	otp_record_clear(&rec);
	make_rec(&rec, OTP_TOTP);
	assert_int_equal(verify(&rec, &pol, code[0], 0, &out), OTP_OK);
	otp_record_clear(&rec);
	/* A clock before the epoch accepts nothing (and is no lockout either). */
	make_rec(&rec, OTP_TOTP);
	assert_int_equal(otp_lockout_remaining(&rec, -5), 0);
	assert_int_equal(verify(&rec, &pol, code[0], -5, &out), OTP_E_WRONG);
	assert_int_equal(rec.last_step, -1);
	otp_record_clear(&rec);
}

/* ---- HOTP ---- */

static void test_hotp_advance(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;

	(void)state;
	make_rec(&rec, OTP_HOTP);
	assert_int_equal(verify(&rec, &pol, code[0], 1000, &out), OTP_OK);
	assert_int_equal(out.method, OTP_METHOD_HOTP);
	assert_true(out.dirty);
	assert_false(out.counted);
	assert_int_equal(rec.counter, 1);
	assert_int_equal(rec.resync_counter, -1);
	/* A used code is wrong now. */
	assert_int_equal(verify(&rec, &pol, code[0], 1000, &out), OTP_E_WRONG);
	assert_true(out.counted);
	assert_int_equal(rec.counter, 1);
	assert_int_equal(verify(&rec, &pol, code[1], 1000, &out), OTP_OK);
	assert_int_equal(rec.counter, 2);
	assert_int_equal(rec.failures, 0);
	/* The time does not matter for HOTP. */
	assert_int_equal(verify(&rec, &pol, code[2], 0, &out), OTP_OK);
	assert_int_equal(rec.counter, 3);
	otp_record_clear(&rec);
}

static void test_hotp_lookahead(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults(); /* hotp_window 5 */
	struct otp_outcome out;

	(void)state;
	/* Codes 0-4 are in the window at counter 0: take the last one. */
	pol.max_failures = 0; /* the checks below fail on purpose: no lockout */
	make_rec(&rec, OTP_HOTP);
	assert_int_equal(verify(&rec, &pol, code[4], 1000, &out), OTP_OK);
	assert_int_equal(rec.counter, 5);
	/* The skipped codes are dead. */
	for (int c = 0; c < 5; c++)
		assert_int_equal(verify(&rec, &pol, code[c], 1000, &out), OTP_E_WRONG);
	otp_record_clear(&rec);

	/* hotp_window 1: only the counter itself. */
	make_rec(&rec, OTP_HOTP);
	pol.hotp_window = 1;
	pol.hotp_resync = 0;
	assert_int_equal(verify(&rec, &pol, code[1], 1000, &out), OTP_E_WRONG);
	assert_int_equal(verify(&rec, &pol, code[0], 1000, &out), OTP_OK);
	otp_record_clear(&rec);
}

static void test_hotp_resync(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults(); /* hotp_window 5, hotp_resync 100 */
	struct otp_outcome out;

	(void)state;
	make_rec(&rec, OTP_HOTP);
	rec.counter = 5;
	/* Window 5-9; code 10 is beyond it. */
	assert_int_equal(verify(&rec, &pol, code[10], 1000, &out), OTP_E_RESYNC);
	assert_int_equal(out.method, OTP_METHOD_HOTP);
	assert_true(out.dirty);
	assert_false(out.counted);
	assert_int_equal(rec.counter, 5);
	assert_int_equal(rec.resync_counter, 10);
	assert_int_equal(rec.failures, 0);
	/* The next code completes it and the counter moves past it. */
	assert_int_equal(verify(&rec, &pol, code[11], 1000, &out), OTP_OK);
	assert_int_equal(out.method, OTP_METHOD_HOTP);
	assert_int_equal(rec.counter, 12);
	assert_int_equal(rec.resync_counter, -1);
	/* And the old codes are dead. */
	assert_int_equal(verify(&rec, &pol, code[10], 1000, &out), OTP_E_WRONG);
	assert_int_equal(verify(&rec, &pol, code[11], 1000, &out), OTP_E_WRONG);
	assert_int_equal(verify(&rec, &pol, code[12], 1000, &out), OTP_OK);
	otp_record_clear(&rec);

	/* Far end of the resync range: counter + window + resync - 1. */
	make_rec(&rec, OTP_HOTP);
	pol.hotp_window = 3;
	pol.hotp_resync = 10;
	assert_int_equal(verify(&rec, &pol, code[12], 1000, &out), OTP_E_RESYNC);
	assert_int_equal(rec.resync_counter, 12);
	otp_record_clear(&rec);
	make_rec(&rec, OTP_HOTP);
	assert_int_equal(verify(&rec, &pol, code[13], 1000, &out), OTP_E_WRONG);
	assert_true(out.counted);
	assert_int_equal(rec.resync_counter, -1);
	otp_record_clear(&rec);
	/* hotp_resync 0 turns it off. */
	make_rec(&rec, OTP_HOTP);
	pol.hotp_resync = 0;
	assert_int_equal(verify(&rec, &pol, code[3], 1000, &out), OTP_E_WRONG);
	assert_int_equal(rec.resync_counter, -1);
	otp_record_clear(&rec);
}

static void test_hotp_resync_not_consecutive(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;
	int rc;

	(void)state;
	make_rec(&rec, OTP_HOTP);
	assert_int_equal(verify(&rec, &pol, code[20], 1000, &out), OTP_E_RESYNC);
	assert_int_equal(rec.resync_counter, 20);
	/* Skipping one: no resync, the counter stays. */
	rc = verify(&rec, &pol, code[22], 1000, &out);
	assert_int_not_equal(rc, OTP_OK);
	assert_int_equal(rec.counter, 0);
	/* The same code twice does not complete it either. */
	make_rec(&rec, OTP_HOTP);
	assert_int_equal(verify(&rec, &pol, code[20], 1000, &out), OTP_E_RESYNC);
	assert_int_not_equal(verify(&rec, &pol, code[20], 1000, &out), OTP_OK);
	assert_int_equal(rec.counter, 0);
	/* Going back does not either. */
	make_rec(&rec, OTP_HOTP);
	assert_int_equal(verify(&rec, &pol, code[30], 1000, &out), OTP_E_RESYNC);
	assert_int_not_equal(verify(&rec, &pol, code[29], 1000, &out), OTP_OK);
	assert_int_equal(rec.counter, 0);
	/* A normal code in the window still works and clears the pending resync. */
	assert_int_equal(verify(&rec, &pol, code[2], 1000, &out), OTP_OK);
	assert_int_equal(rec.counter, 3);
	assert_int_equal(rec.resync_counter, -1);
	otp_record_clear(&rec);
}

static void test_hotp_file_window(void **state)
{
	struct otp_record rec;
	struct otp_policy pol = defaults();
	struct otp_outcome out;

	(void)state;
	pol.hotp_resync = 0;
	/* The file narrows the look-ahead to 2... */
	make_rec(&rec, OTP_HOTP);
	rec.window = 2;
	assert_int_equal(verify(&rec, &pol, code[2], 1000, &out), OTP_E_WRONG);
	assert_int_equal(verify(&rec, &pol, code[1], 1000, &out), OTP_OK);
	otp_record_clear(&rec);
	/* ...window 0 still accepts the current counter... */
	make_rec(&rec, OTP_HOTP);
	rec.window = 0;
	assert_int_equal(verify(&rec, &pol, code[1], 1000, &out), OTP_E_WRONG);
	assert_int_equal(verify(&rec, &pol, code[0], 1000, &out), OTP_OK);
	otp_record_clear(&rec);
	/* ...and a wider file window does not widen the policy's 5. */
	make_rec(&rec, OTP_HOTP);
	rec.window = 20;
	assert_int_equal(verify(&rec, &pol, code[5], 1000, &out), OTP_E_WRONG);
	assert_int_equal(verify(&rec, &pol, code[4], 1000, &out), OTP_OK);
	otp_record_clear(&rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sanity),
		cmocka_unit_test(test_totp_now),
		cmocka_unit_test(test_totp_window_edges),
		cmocka_unit_test(test_totp_step_boundaries),
		cmocka_unit_test(test_totp_window_zero),
		cmocka_unit_test(test_totp_file_window),
		cmocka_unit_test(test_totp_replay),
		cmocka_unit_test(test_totp_earlier_after_later),
		cmocka_unit_test(test_totp_input_forms),
		cmocka_unit_test(test_totp_near_epoch),
		cmocka_unit_test(test_hotp_advance),
		cmocka_unit_test(test_hotp_lookahead),
		cmocka_unit_test(test_hotp_resync),
		cmocka_unit_test(test_hotp_resync_not_consecutive),
		cmocka_unit_test(test_hotp_file_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
