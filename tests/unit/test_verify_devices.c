/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for common/verify.c with several authenticators: every device's code accepted,
 * the replay guard per device, the first match winning alone, the precedence of results
 * across devices, TOTP drift tracking (capped, and off with max_drift=0), and that every
 * device is always checked in full: otp_hotp is wrapped (-Wl,--wrap=otp_hotp) to count the
 * codes computed.
 */
#include "verify_check.h"

int __real_otp_hotp(enum otp_alg alg, const uint8_t *key, size_t keylen, uint64_t counter,
		    unsigned digits, char out[OTP_CODE_BUFSZ]);
int __wrap_otp_hotp(enum otp_alg alg, const uint8_t *key, size_t keylen, uint64_t counter,
		    unsigned digits, char out[OTP_CODE_BUFSZ]);

static unsigned hotp_calls;

int __wrap_otp_hotp(enum otp_alg alg, const uint8_t *key, size_t keylen, uint64_t counter,
		    unsigned digits, char out[OTP_CODE_BUFSZ])
{
	hotp_calls++;
	return __real_otp_hotp(alg, key, keylen, counter, digits, out);
}

#define S0 1000 /* the step the tests start at */

/* Device 0 is the RFC key (TOTP); device i > 0 its own key, HOTP where hotp has bit i. */
static void make_devs(struct otp_record *rec, unsigned n, unsigned hotp)
{
	struct otp_record add;
	char name[16];

	make_rec(rec, OTP_TOTP);
	for (unsigned i = 1; i < n; i++) {
		otp_record_init(&add);
		add.type = hotp & (1u << i) ? OTP_HOTP : OTP_TOTP;
		add.secret_len = 20;
		for (unsigned b = 0; b < 20; b++)
			add.secret[b] = (uint8_t)(i * 37 + b);
		snprintf(name, sizeof(name), "dev%u", i);
		assert_int_equal(otp_device_add(rec, &add, name, 1), OTP_OK);
		otp_record_clear(&add);
	}
	assert_int_equal(otp_device_count(rec), n);
}

/* Device i's code for counter (TOTP: step). */
static void code_of(struct otp_record *rec, unsigned i, uint64_t counter, char *out)
{
	otp_device_swap(rec, i);
	assert_int_equal(__real_otp_hotp(rec->alg, rec->secret, rec->secret_len, counter,
					 rec->digits, out), OTP_OK);
	otp_device_swap(rec, i);
}

/* A field of device i's state, read through the swap. */
static int64_t last_step_of(struct otp_record *rec, unsigned i)
{
	int64_t v;

	otp_device_swap(rec, i);
	v = rec->last_step;
	otp_device_swap(rec, i);
	return v;
}

static int64_t matched_of(struct otp_record *rec, unsigned i)
{
	int64_t v;

	otp_device_swap(rec, i);
	v = rec->matched;
	otp_device_swap(rec, i);
	return v;
}

static int drift_of(struct otp_record *rec, unsigned i)
{
	int v;

	otp_device_swap(rec, i);
	v = rec->drift;
	otp_device_swap(rec, i);
	return v;
}

/* Each of n TOTP devices: its code logs in, moves its replay guard only, names it. */
static void each_device_accepted(unsigned n)
{
	struct otp_policy pol = defaults();
	struct otp_record rec;
	struct otp_outcome out;
	char c[OTP_CODE_BUFSZ];

	for (unsigned i = 0; i < n; i++) {
		make_devs(&rec, n, 0);
		code_of(&rec, i, S0, c);
		assert_int_equal(verify(&rec, &pol, c, T(S0), &out), OTP_OK);
		assert_int_equal(out.method, OTP_METHOD_TOTP);
		assert_int_equal(out.device, i);
		for (unsigned j = 0; j < n; j++) {
			assert_int_equal(last_step_of(&rec, j), j == i ? S0 : -1);
			assert_int_equal(matched_of(&rec, j), j == i ? T(S0) : 0);
		}
		otp_record_clear(&rec);
	}
}

static void test_two_devices(void **state)
{
	(void)state;
	each_device_accepted(2);
}

static void test_five_devices(void **state)
{
	(void)state;
	each_device_accepted(OTP_DEVICES_MAX);
}

/* Device A's used step does not block device B's code of the same step; each replays alone. */
static void test_replay_per_device(void **state)
{
	struct otp_policy pol = defaults();
	struct otp_record rec;
	struct otp_outcome out;
	char a[OTP_CODE_BUFSZ], b[OTP_CODE_BUFSZ];

	(void)state;
	make_devs(&rec, 2, 0);
	code_of(&rec, 0, S0, a);
	code_of(&rec, 1, S0, b);
	assert_int_equal(verify(&rec, &pol, a, T(S0), &out), OTP_OK);
	assert_int_equal(verify(&rec, &pol, b, T(S0), &out), OTP_OK);
	assert_int_equal(out.device, 1);
	assert_int_equal(verify(&rec, &pol, a, T(S0), &out), OTP_E_REPLAY);
	assert_int_equal(out.device, 0);
	assert_int_equal(verify(&rec, &pol, b, T(S0), &out), OTP_E_REPLAY);
	assert_int_equal(out.device, 1);
	assert_int_equal(rec.failures, 0);
	otp_record_clear(&rec);
}

/* TOTP and HOTP devices side by side: a HOTP device's counter moves for its code only. */
static void test_mixed_types(void **state)
{
	struct otp_policy pol = defaults();
	struct otp_record rec;
	struct otp_outcome out;
	char c[OTP_CODE_BUFSZ];

	(void)state;
	make_devs(&rec, 5, 0x0a); /* devices 1 and 3 are HOTP */
	code_of(&rec, 3, 2, c);
	assert_int_equal(verify(&rec, &pol, c, T(S0), &out), OTP_OK);
	assert_int_equal(out.method, OTP_METHOD_HOTP);
	assert_int_equal(out.device, 3);
	assert_int_equal(rec.devices[2].counter, 3);
	assert_int_equal(rec.devices[0].counter, 0);
	assert_int_equal(verify(&rec, &pol, c, T(S0), &out), OTP_E_WRONG); /* used up */
	code_of(&rec, 1, 0, c);
	assert_int_equal(verify(&rec, &pol, c, T(S0), &out), OTP_OK);
	assert_int_equal(out.device, 1);
	assert_int_equal(rec.devices[0].counter, 1);
	assert_int_equal(rec.devices[2].counter, 3);
	otp_record_clear(&rec);
}

/* Two devices with one key (a secret copied to a spare): the first wins, the second is as
 * it was; with the first's step used, the second accepts (OK over REPLAY). */
static void test_first_match_wins(void **state)
{
	struct otp_policy pol = defaults();
	struct otp_record rec;
	struct otp_outcome out;

	(void)state;
	make_devs(&rec, 3, 0);
	memcpy(rec.devices[1].secret, rec.secret, 20);
	assert_int_equal(verify(&rec, &pol, code[40], T(40), &out), OTP_OK);
	assert_int_equal(out.device, 0);
	assert_int_equal(last_step_of(&rec, 0), 40);
	assert_int_equal(last_step_of(&rec, 2), -1);
	assert_int_equal(matched_of(&rec, 2), 0);
	assert_int_equal(verify(&rec, &pol, code[40], T(40), &out), OTP_OK);
	assert_int_equal(out.device, 2);
	assert_int_equal(last_step_of(&rec, 2), 40);
	assert_int_equal(verify(&rec, &pol, code[40], T(40), &out), OTP_E_REPLAY);
	otp_record_clear(&rec);
}

/* RESYNC (a HOTP code far ahead) stands over a REPLAY of another device, and only the
 * resyncing device records it. */
static void test_resync_over_replay(void **state)
{
	struct otp_policy pol = defaults();
	struct otp_record rec;
	struct otp_outcome out;

	(void)state;
	make_devs(&rec, 2, 0x02);
	memcpy(rec.devices[0].secret, rec.secret, 20); /* device 1: HOTP, the same key */
	rec.last_step = 41;                           /* device 0 has used steps to 41 */
	assert_int_equal(verify(&rec, &pol, code[40], T(40), &out), OTP_E_RESYNC);
	assert_int_equal(out.device, 1);
	assert_int_equal(rec.devices[0].resync_counter, 40);
	assert_int_equal(rec.last_step, 41);
	assert_int_equal(verify(&rec, &pol, code[41], T(40), &out), OTP_OK); /* second code */
	assert_int_equal(out.device, 1);
	assert_int_equal(rec.devices[0].counter, 42);
	otp_record_clear(&rec);
}

/* A token whose clock runs ahead, one step more each time: followed with window=1. */
static void test_drift_tracked(void **state)
{
	struct otp_policy pol = defaults();
	struct otp_record rec;
	struct otp_outcome out;
	char c[OTP_CODE_BUFSZ];

	(void)state;
	make_devs(&rec, 2, 0);
	for (int k = 1; k <= 4; k++) {
		int64_t now_step = S0 + 10 * k;

		code_of(&rec, 1, (uint64_t)(now_step + k), c);
		assert_int_equal(verify(&rec, &pol, c, T(now_step), &out), OTP_OK);
		assert_int_equal(out.device, 1);
		assert_int_equal(out.step_offset, k);
		assert_true(out.drift_moved);
		assert_int_equal(out.drift_was, k - 1);
		assert_int_equal(out.drift, k);
		assert_int_equal(drift_of(&rec, 1), k);
		assert_int_equal(drift_of(&rec, 0), 0); /* per device */
	}
	/* The same offset again: accepted, nothing moves. */
	code_of(&rec, 1, S0 + 54, c);
	assert_int_equal(verify(&rec, &pol, c, T(S0 + 50), &out), OTP_OK);
	assert_false(out.drift_moved);
	/* Device 0's window is still around now. */
	code_of(&rec, 0, S0 + 52, c);
	assert_int_equal(verify(&rec, &pol, c, T(S0 + 50), &out), OTP_E_WRONG);
	otp_record_clear(&rec);
}

/*
 * A phone whose last code came from the next step (drift +1) still has the window around
 * now: a code typed slowly, from the previous step, is accepted (and the drift follows it).
 */
static void test_drift_keeps_window_around_now(void **state)
{
	struct otp_policy pol = defaults();
	struct otp_record rec;
	struct otp_outcome out;
	char c[OTP_CODE_BUFSZ];

	(void)state;
	make_devs(&rec, 1, 0);
	code_of(&rec, 0, S0 + 1, c);
	assert_int_equal(verify(&rec, &pol, c, T(S0), &out), OTP_OK);
	assert_int_equal(rec.drift, 1);
	code_of(&rec, 0, S0 + 9, c); /* one step behind now */
	assert_int_equal(verify(&rec, &pol, c, T(S0 + 10), &out), OTP_OK);
	assert_int_equal(out.step_offset, -1);
	assert_int_equal(rec.drift, -1);
	otp_record_clear(&rec);
}

/* max_drift caps the tracked drift, and 0 turns tracking off. */
static void test_drift_capped_and_off(void **state)
{
	struct otp_policy pol = defaults();
	struct otp_record rec;
	struct otp_outcome out;
	char c[OTP_CODE_BUFSZ];

	(void)state;
	pol.max_drift = 2;
	make_devs(&rec, 1, 0);
	rec.drift = 2;
	code_of(&rec, 0, S0 + 3, c);
	assert_int_equal(verify(&rec, &pol, c, T(S0), &out), OTP_OK);
	assert_int_equal(out.step_offset, 3);
	assert_int_equal(rec.drift, 2);
	code_of(&rec, 0, S0 + 14, c); /* 4 ahead: past 2 + window 1 */
	assert_int_equal(verify(&rec, &pol, c, T(S0 + 10), &out), OTP_E_WRONG);
	rec.drift = 50; /* from a file written under a larger max_drift: used capped */
	code_of(&rec, 0, S0 + 23, c);
	assert_int_equal(verify(&rec, &pol, c, T(S0 + 20), &out), OTP_OK);
	assert_int_equal(rec.drift, 2);
	pol.max_drift = 0;
	code_of(&rec, 0, S0 + 32, c);
	assert_int_equal(verify(&rec, &pol, c, T(S0 + 30), &out), OTP_E_WRONG);
	code_of(&rec, 0, S0 + 41, c);
	assert_int_equal(verify(&rec, &pol, c, T(S0 + 40), &out), OTP_OK);
	assert_true(out.drift_moved);
	assert_int_equal(out.drift_was, 2);
	assert_int_equal(rec.drift, 0);
	otp_record_clear(&rec);
}

/* The number of codes computed for answer at now on a fresh 5-device record. */
static unsigned calls_for(unsigned hotp, int device, unsigned len, int *rc)
{
	struct otp_policy pol = defaults();
	struct otp_record rec;
	struct otp_outcome out;
	char c[OTP_CODE_BUFSZ] = "12345678";

	make_devs(&rec, 5, hotp);
	if (device >= 0)
		code_of(&rec, (unsigned)device, hotp & (1u << device) ? 1 : S0, c);
	c[len] = '\0';
	hotp_calls = 0;
	*rc = verify(&rec, &pol, c, T(S0), &out);
	otp_record_clear(&rec);
	return hotp_calls;
}

/* Whether device 0 or device 4 matches, or none, the same codes are computed. */
static void test_all_devices_always_checked(void **state)
{
	static const unsigned mixes[] = { 0, 0x0a, 0x1e };
	int rc;

	(void)state;
	for (size_t m = 0; m < sizeof(mixes) / sizeof(mixes[0]); m++) {
		unsigned hotp = mixes[m], totp_n = 5 - (unsigned)__builtin_popcount(hotp);
		/* TOTP: 2*window+1 steps; HOTP: the window, the resync's second code, the range. */
		unsigned want = totp_n * 3 + (5 - totp_n) * (5 + 1 + 100);

		assert_int_equal(calls_for(hotp, 0, 6, &rc), want);
		assert_int_equal(rc, OTP_OK);
		assert_int_equal(calls_for(hotp, 4, 6, &rc), want);
		assert_int_equal(rc, OTP_OK);
		assert_int_equal(calls_for(hotp, 2, 6, &rc), want);
		assert_int_equal(rc, OTP_OK);
		assert_int_equal(calls_for(hotp, -1, 6, &rc), want);
		assert_int_equal(rc, OTP_E_WRONG);
		assert_int_equal(calls_for(hotp, -1, 7, &rc), want); /* no device has 7 digits */
		assert_int_equal(rc, OTP_E_WRONG);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_devices),
		cmocka_unit_test(test_five_devices),
		cmocka_unit_test(test_replay_per_device),
		cmocka_unit_test(test_mixed_types),
		cmocka_unit_test(test_first_match_wins),
		cmocka_unit_test(test_resync_over_replay),
		cmocka_unit_test(test_drift_tracked),
		cmocka_unit_test(test_drift_keeps_window_around_now),
		cmocka_unit_test(test_drift_capped_and_off),
		cmocka_unit_test(test_all_devices_always_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
