/*
 * Unit tests for common/verify.c: TOTP replay guard and window, HOTP look-ahead and resync,
 * the lockout, backup codes.
 *
 * The key is the RFC 4226 one ("12345678901234567890", SHA1, 6 digits). With a 30 s period
 * the TOTP code of step s is HOTP(s), so one table serves both: counters 0-9 are RFC 4226
 * appendix D, the rest were computed with Python's hmac module.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "backup.h"
#include "err.h"
#include "smscode.h"
#include "verify.h"

static const char *const code[128] = {
	"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
	"399871", "520489", "403154", "481090", "868912", "736127", "229903", "436521",
	"186581", "447589", "903435", "578337", "328281", "191635", "184416", "574561",
	"797908", "396619", "122382", "939082", "908316", "316591", "026920", "523596",
	"370250", "841346", "749439", "037211", "003784", "520231", "521952", "619416",
	"268376", "471723", "435478", "303194", "000152", "287422", "318298", "098238",
	"039329", "710717", "528155", "980838", "249088", "354406", "399156", "478026",
	"294892", "941415", "964363", "083773", "864257", "719632", "005080", "925505",
	"317632", "088627", "024418", "954526", "036679", "864060", "569881", "029459",
	"486963", "559613", "202372", "705686", "272974", "379493", "839877", "393669",
	"863623", "198167", "935444", "108405", "305499", "563707", "447439", "332099",
	"087812", "032830", "811649", "190372", "458549", "202468", "722946", "047817",
	"229689", "430056", "289357", "516516", "295165", "329376", "629694", "378717",
	"694769", "804168", "290960", "207438", "466040", "012238", "863891", "133688",
	"702014", "438906", "780546", "240957", "862652", "926140", "455436", "587786",
	"929786", "849648", "577879", "033991", "390600", "670144", "986293", "307470",
};
#define WRONG_CODE "000000" /* not the code of any counter in the table */

/* A time inside TOTP step s (30 s period). */
#define T(s) ((time_t)(s) * 30 + 10)

static void make_rec(struct otp_record *rec, enum otp_type type)
{
	otp_record_init(rec);
	rec->type = type;
	rec->secret_len = 20;
	memcpy(rec->secret, "12345678901234567890", 20);
}

static struct otp_policy defaults(void)
{
	struct otp_policy p = OTP_POLICY_DEFAULTS;
	return p;
}

static int verify(struct otp_record *rec, const struct otp_policy *pol, const char *in,
		  time_t now, struct otp_outcome *out)
{
	memset(out, 0x5a, sizeof(*out)); /* everything must be set by otp_verify */
	return otp_verify(rec, pol, in, now, out);
}

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
