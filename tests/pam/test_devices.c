/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Several authenticators per user through the real module (test clock): each device's code
 * logs in and the log names it; the replay guard is per device; a removed device's code
 * fails; drift is tracked across logins (and off with max_drift=0); sealed devices open, and
 * one that does not fails the login closed; an old single-secret file is written back with
 * only the changed state lines. Syslog is captured (capture.c).
 */
#include "harness.h"
#include "capture.h"
#include "base32.h"
#include "err.h"
#include "secmem.h"
#include "seal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <security/pam_appl.h>

#define T0 ((time_t)1800000000)

static struct h_keydir kd;
#define keypath kd.key
#define pubpath kd.pub

/* Device i's key: H_SECRET for 0, a pattern of its own for the others. */
static void dev_key(unsigned i, struct otp_record *r)
{
	otp_record_init(r);
	r->secret_len = (size_t)otp_base32_decode(H_SECRET, strlen(H_SECRET), r->secret,
						  sizeof(r->secret));
	if (i > 0)
		for (size_t b = 0; b < r->secret_len; b++)
			r->secret[b] = (uint8_t)(i * 53 + b);
}

/* The code of device i for counter (TOTP: the step). */
static void dev_code(unsigned i, uint64_t counter, char *out)
{
	struct otp_record r;

	dev_key(i, &r);
	assert_int_equal(otp_hotp(OTP_SHA1, r.secret, r.secret_len, counter, 6, out), 0);
	otp_record_clear(&r);
}

static void write_record(const struct otp_record *rec)
{
	char *text = NULL;
	size_t len;

	assert_int_equal(otp_record_format(rec, &text, &len), OTP_OK);
	h_write_otp(text, 0600);
	otp_free_str(text);
}

/* Seal the key in r to the host key, for the test user and ~/.otp. */
static void seal_key(struct otp_record *r)
{
	struct otp_hostkey *pub = h_load_key(pubpath, 0);

	assert_int_equal(otp_seal(pub, H_USER, h.otp, r->secret, r->secret_len, &r->seal), 0);
	r->sealed = true;
	otp_hostkey_free(pub);
}

/* ~/.otp with n devices (device i called dev<i>; HOTP where hotp has bit i). */
static void write_devices(unsigned n, unsigned hotp, bool sealed)
{
	struct otp_record rec, add;
	char name[16];

	dev_key(0, &rec);
	if (sealed)
		seal_key(&rec);
	for (unsigned i = 1; i < n; i++) {
		dev_key(i, &add);
		add.type = hotp & (1u << i) ? OTP_HOTP : OTP_TOTP;
		if (sealed)
			seal_key(&add);
		snprintf(name, sizeof(name), "dev%u", i);
		assert_int_equal(otp_device_add(&rec, &add, name, T0 - 86400), OTP_OK);
		otp_record_clear(&add);
	}
	write_record(&rec);
	otp_record_clear(&rec);
}

static int login(const char *code)
{
	struct h_conv c = { .answers = { code } };

	return h_auth(H_USER, &c, 0);
}

/* Some line logged so far contains want. */
static void assert_logged(const char *want)
{
	cap_sync();
	if (!strstr(cap_syslog(), want))
		fail_msg("not in the log: \"%s\"\n--- log ---\n%s", want, cap_syslog());
}

/* Each device's code logs in, named in the log; a HOTP device's counter moves alone. */
static void each_device(unsigned n, unsigned hotp)
{
	char code[9], name[16], want[96];

	h_service("auth required %s", h.test_module);
	write_devices(n, hotp, false);
	for (unsigned i = 0; i < n; i++) {
		bool is_hotp = hotp & (1u << i);

		h_set_now(T0 + 30 * (time_t)i);
		dev_code(i, is_hotp ? 0 : (uint64_t)(T0 / 30) + i, code);
		assert_int_equal(login(code), PAM_SUCCESS);
		snprintf(name, sizeof(name), i ? "dev%u" : "default", i);
		snprintf(want, sizeof(want), "accepted %s code from device %s",
			 is_hotp ? "HOTP" : "TOTP", name);
		assert_logged(want);
	}
}

static void two_devices(void **state)
{
	each_device(2, 0);
}

static void five_devices(void **state)
{
	struct otp_record rec;

	each_device(OTP_DEVICES_MAX, 0x08); /* dev3 is a HOTP token */
	h_read_record(&rec);
	assert_int_equal(otp_device_count(&rec), OTP_DEVICES_MAX);
	assert_int_equal(rec.devices[2].counter, 1);
	for (unsigned i = 0; i < rec.device_count; i++)
		assert_true(rec.devices[i].matched >= T0);
	otp_record_clear(&rec);
}

/* One step, two devices: each code once; each again is a replay of that device. */
static void replay_per_device(void **state)
{
	char a[9], b[9];

	h_service("auth required %s", h.test_module);
	write_devices(2, 0, false);
	h_set_now(T0);
	dev_code(0, T0 / 30, a);
	dev_code(1, T0 / 30, b);
	assert_int_equal(login(a), PAM_SUCCESS);
	assert_int_equal(login(b), PAM_SUCCESS);
	assert_int_equal(login(a), PAM_AUTH_ERR);
	assert_logged("already used (device default)");
	assert_int_equal(login(b), PAM_AUTH_ERR);
	assert_logged("already used (device dev1)");
}

/* A device removed from the record (as otp-enroll --remove does): its code fails. */
static void removed_device(void **state)
{
	struct otp_record rec;
	char code[9];

	h_service("auth required %s", h.test_module);
	write_devices(3, 0, false);
	h_read_record(&rec);
	assert_int_equal(otp_device_remove(&rec, 1), OTP_OK);
	write_record(&rec);
	otp_record_clear(&rec);
	h_set_now(T0);
	dev_code(1, T0 / 30, code);
	assert_int_equal(login(code), PAM_AUTH_ERR);
	dev_code(2, T0 / 30, code);
	assert_int_equal(login(code), PAM_SUCCESS);
	assert_logged("accepted TOTP code from device dev2");
}

/* A token whose clock runs one step further ahead at each login; window=1 follows it. */
static void drift_across_logins(void **state)
{
	struct otp_record rec;
	char code[9];

	h_service("auth required %s window=1", h.test_module);
	write_devices(2, 0, false);
	for (unsigned k = 1; k <= 3; k++) {
		time_t now = T0 + 600 * (time_t)k;

		h_set_now(now);
		dev_code(1, (uint64_t)(now / 30) + k, code);
		assert_int_equal(login(code), PAM_SUCCESS);
	}
	assert_logged("device dev1: clock drift now 3 steps (was 2)");
	h_read_record(&rec);
	assert_int_equal(rec.devices[0].drift, 3);
	assert_int_equal(rec.drift, 0);
	otp_record_clear(&rec);
	/* max_drift=0: the window stays on now; 3 steps ahead is too far. */
	h_service("auth required %s window=1 max_drift=0", h.test_module);
	h_set_now(T0 + 3000);
	dev_code(1, (T0 + 3000) / 30 + 3, code);
	assert_int_equal(login(code), PAM_AUTH_ERR);
}

/* Every device sealed: each opens; one whose seal is broken fails the login closed. */
static void sealed_devices(void **state)
{
	struct otp_record rec;
	char code[9];

	if (geteuid() != 0)
		skip();
	unlink(keypath);
	unlink(pubpath);
	assert_int_equal(otp_hostkey_generate(keypath, pubpath), 0);
	h_service("auth required %s seal_key=%s", h.test_module, keypath);
	write_devices(3, 0, true);
	h_set_now(T0);
	for (unsigned i = 0; i < 3; i++) {
		dev_code(i, T0 / 30, code);
		assert_int_equal(login(code), PAM_SUCCESS);
	}
	h_read_record(&rec);
	rec.devices[1].seal.ct[0] ^= 1;
	write_record(&rec);
	otp_record_clear(&rec);
	h_set_now(T0 + 30);
	dev_code(0, T0 / 30 + 1, code);
	assert_int_equal(login(code), PAM_AUTHINFO_UNAVAIL);
	assert_logged("does not open: tampered with, or sealed for another user or path "
		      "(device dev2)");
}

/* A file from before devices: after a login, only the state lines that changed differ. */
static void old_file_kept(void **state)
{
	static const char old[] = "version 1\n"
		"# pam_otp second factor: see otp(5). Keep this file private (mode 0600).\n"
		"type totp\nsecret " H_SECRET "\nalgorithm SHA1\ndigits 6\nperiod 30\n";
	char code[9], want[600], got[600];
	FILE *f;
	size_t n;

	h_service("auth required %s", h.test_module);
	h_write_otp(old, 0600);
	h_set_now(T0);
	h_totp(T0, code);
	assert_int_equal(login(code), PAM_SUCCESS);
	assert_logged("accepted TOTP code from device default");
	snprintf(want, sizeof(want), "%slast_step %lld\nmatched %lld\n", old,
		 (long long)(T0 / 30), (long long)T0);
	f = fopen(h.otp, "r");
	assert_non_null(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	fclose(f);
	got[n] = '\0';
	assert_string_equal(got, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(two_devices, h_reset),
		cmocka_unit_test_setup(five_devices, h_reset),
		cmocka_unit_test_setup(replay_per_device, h_reset),
		cmocka_unit_test_setup(removed_device, h_reset),
		cmocka_unit_test_setup(drift_across_logins, h_reset),
		cmocka_unit_test_setup(sealed_devices, h_reset),
		cmocka_unit_test_setup(old_file_kept, h_reset),
	};
	int rc;

	cap_start_or_exit(77);
	h_global_setup();
	if (h_keydir_make(&kd, "dev") != 0)
		return 1;
	rc = cmocka_run_group_tests_name("pam_devices", tests, NULL, NULL);
	if (h_keydir_remove(&kd) != 0)
		rc = 1;
	h_global_teardown();
	return rc;
}
