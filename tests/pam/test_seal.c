/* SPDX-License-Identifier: BSD-2-Clause */
/* Sealed secrets and grace periods through the real module. */
#include "harness.h"
#include "base32.h"
#include "err.h"
#include "grace.h"
#include "seal.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <security/pam_appl.h>

#define T0 ((time_t)1800000000)

/* Host keys live in a root-owned directory: the module walks the key path as root. */
static struct h_keydir kd;
#define keypath kd.key
#define pubpath kd.pub

static int make_keydir(void **state)
{
	(void)state;
	return h_keydir_make(&kd, "seal");
}

static int remove_keydir(void **state)
{
	(void)state;
	return h_keydir_remove(&kd);
}

static void new_keys(void)
{
	unlink(keypath);
	unlink(pubpath);
	assert_int_equal(otp_hostkey_generate(keypath, pubpath), 0);
}

/* Write ~/.otp for H_SECRET sealed to the current public key for (user, path). */
static void write_sealed(const char *user, const char *path, const char *extra)
{
	h_write_sealed(pubpath, user, path, extra);
}

/* One login with code (the current one when NULL). */
static int auth_with(const char *args, const char *code)
{
	char now[9];
	struct h_conv c = { .answers = { now } };

	h_service("auth required %s seal_key=%s %s", h.module, keypath, args);
	if (code)
		snprintf(now, sizeof(now), "%s", code);
	else
		h_totp(time(NULL), now);
	return h_auth(H_USER, &c, 0);
}

static int auth_code(const char *args)
{
	return auth_with(args, NULL);
}

static void sealed_round_trip(void **state)
{
	struct otp_record rec;
	char buf[8192], code[9];
	int fd;
	ssize_t n;

	if (geteuid() != 0)
		skip();
	new_keys();
	write_sealed(H_USER, h.otp, NULL);
	/* One code for both logins: under memcheck the first may end in the next step. */
	h_totp(time(NULL), code);
	assert_int_equal(auth_with("", code), PAM_SUCCESS);
	/* The state update keeps the secret sealed. */
	fd = open(h.otp, O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\nsealed "));
	assert_null(strstr(buf, "\nsecret "));
	assert_non_null(strstr(buf, "\nlast_step "));
	h_read_record(&rec);
	assert_true(rec.sealed);
	assert_int_equal(rec.secret_len, 0);
	otp_record_clear(&rec);
	/* seal=required accepts it too. */
	assert_int_equal(auth_with("seal=required", code), PAM_AUTH_ERR); /* same code: replay */
}

static void sealed_for_someone_else(void **state)
{
	char other[300];

	if (geteuid() != 0)
		skip();
	new_keys();
	/* bob's sealed file copied into alice's home does not open. */
	write_sealed("bob", "/home/bob/.otp", NULL);
	assert_int_equal(auth_code(""), PAM_AUTHINFO_UNAVAIL);
	/* Sealed for alice but at another path (moved) does not open either. */
	snprintf(other, sizeof(other), "%s/elsewhere", h.home);
	write_sealed(H_USER, other, NULL);
	assert_int_equal(auth_code(""), PAM_AUTHINFO_UNAVAIL);
}

static void tampered(void **state)
{
	char buf[8192], *p;
	int fd;
	ssize_t n;

	if (geteuid() != 0)
		skip();
	new_keys();
	write_sealed(H_USER, h.otp, NULL);
	fd = open(h.otp, O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n] = '\0';
	p = strstr(buf, "\nsealed ");
	assert_non_null(p);
	p = strchr(p + 1, '\n') - 3; /* a hex digit of the tag */
	*p = *p == '0' ? '1' : '0';
	h_write_otp(buf, 0600);
	assert_int_equal(auth_code(""), PAM_AUTHINFO_UNAVAIL);
}

static void key_missing_or_unsafe(void **state)
{
	if (geteuid() != 0)
		skip();
	new_keys();
	write_sealed(H_USER, h.otp, NULL);
	assert_int_equal(chmod(keypath, 0644), 0); /* readable by others: refused */
	assert_int_equal(auth_code(""), PAM_AUTHINFO_UNAVAIL);
	unlink(keypath);
	assert_int_equal(auth_code(""), PAM_AUTHINFO_UNAVAIL);
}

static void rotation_accepts_old_key(void **state)
{
	char old[96], oldpub[96];

	if (geteuid() != 0)
		skip();
	new_keys();
	write_sealed(H_USER, h.otp, NULL);
	snprintf(old, sizeof(old), "%s.old", keypath);
	snprintf(oldpub, sizeof(oldpub), "%s.old", pubpath);
	assert_int_equal(rename(keypath, old), 0);
	assert_int_equal(rename(pubpath, oldpub), 0);
	new_keys(); /* a new current key; the file is still sealed to the old one */
	assert_int_equal(auth_code(""), PAM_SUCCESS);
	unlink(old);
	unlink(oldpub);
	h_write_totp(NULL);
	write_sealed(H_USER, h.otp, NULL);
	assert_int_equal(auth_code(""), PAM_SUCCESS);
}

static void seal_required_refuses_plain(void **state)
{
	if (geteuid() != 0)
		skip();
	new_keys();
	h_write_totp(NULL);
	assert_int_equal(auth_code("seal=required"), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(auth_code("seal=optional"), PAM_SUCCESS);
}

static int grace_auth(const char *rhost, time_t now, const char *args, int *prompts)
{
	char code[9];
	struct h_conv c = { .answers = { code } };
	int rc;

	h_service("auth required %s grace_period=60 %s", h.test_module, args);
	h_set_now(now);
	h_totp(now, code);
	h_rhost = rhost;
	rc = h_auth(H_USER, &c, 0);
	*prompts = c.prompts;
	return rc;
}

static void grace_period(void **state)
{
	int prompts;

	h_write_totp(NULL);
	assert_int_equal(grace_auth("192.0.2.7", T0, "", &prompts), PAM_SUCCESS);
	assert_int_equal(prompts, 1);
	/* Same host within 60 s: no prompt. */
	assert_int_equal(grace_auth("192.0.2.7", T0 + 40, "", &prompts), PAM_SUCCESS);
	assert_int_equal(prompts, 0);
	/* Another host is asked. */
	assert_int_equal(grace_auth("198.51.100.1", T0 + 41, "", &prompts), PAM_SUCCESS);
	assert_int_equal(prompts, 1);
	/* After expiry the first host is asked again. */
	assert_int_equal(grace_auth("192.0.2.7", T0 + 61, "", &prompts), PAM_SUCCESS);
	assert_int_equal(prompts, 1);
}

static void grace_local_only_when_enabled(void **state)
{
	int prompts;

	h_write_totp(NULL);
	assert_int_equal(grace_auth(NULL, T0, "", &prompts), PAM_SUCCESS);
	assert_int_equal(grace_auth(NULL, T0 + 31, "", &prompts), PAM_SUCCESS);
	assert_int_equal(prompts, 1); /* no grace for an empty rhost by default */
	assert_int_equal(grace_auth(NULL, T0 + 62, "grace_local", &prompts), PAM_SUCCESS);
	assert_int_equal(grace_auth(NULL, T0 + 63, "grace_local", &prompts), PAM_SUCCESS);
	assert_int_equal(prompts, 0);
}

static void grace_not_forgeable(void **state)
{
	struct otp_record rec;
	char *text;
	size_t len;
	int prompts;

	h_write_totp(NULL);
	assert_int_equal(grace_auth("192.0.2.7", T0, "", &prompts), PAM_SUCCESS);
	h_read_record(&rec);
	assert_int_equal(rec.grace_count, 1);
	/* Another user's entry is not valid for alice's record (the MAC binds the user). */
	assert_true(otp_grace_valid(&rec, H_USER, H_SERVICE, "192.0.2.7", T0 + 1, 60));
	assert_false(otp_grace_valid(&rec, "bob", H_SERVICE, "192.0.2.7", T0 + 1, 60));
	assert_false(otp_grace_valid(&rec, H_USER, "sudo", "192.0.2.7", T0 + 1, 60));
	/* Extending the time without the secret breaks the MAC: the module asks again. */
	rec.grace[0].until += 3600;
	assert_int_equal(otp_record_format(&rec, &text, &len), 0);
	h_write_otp(text, 0600);
	free(text);
	otp_record_clear(&rec);
	assert_int_equal(grace_auth("192.0.2.7", T0 + 120, "", &prompts), PAM_SUCCESS);
	assert_int_equal(prompts, 1);
}

/* Shortening grace_period revokes the longer grants already in the file. */
static void grace_shortened_revokes(void **state)
{
	struct otp_record rec;
	int prompts;

	h_write_totp(NULL);
	assert_int_equal(grace_auth("192.0.2.7", T0, "grace_period=3600", &prompts), PAM_SUCCESS);
	assert_int_equal(grace_auth("198.51.100.1", T0 + 31, "grace_period=3600", &prompts),
			 PAM_SUCCESS);
	assert_int_equal(prompts, 1);
	/* Still within the hour and the entry is authentic, but the setting is now 60 s. */
	assert_int_equal(grace_auth("192.0.2.7", T0 + 65, "", &prompts), PAM_SUCCESS);
	assert_int_equal(prompts, 1);
	/* The new grant is a 60 s one, and the other host's hour-long one was dropped. */
	h_read_record(&rec);
	assert_int_equal(rec.grace_count, 1);
	assert_true(rec.grace[0].until == (int64_t)(T0 + 65 + 60));
	otp_record_clear(&rec);
	/* The longer setting back: a grant is only as long as when it was given. */
	assert_int_equal(grace_auth("192.0.2.7", T0 + 70, "grace_period=3600", &prompts),
			 PAM_SUCCESS);
	assert_int_equal(prompts, 0);
	assert_int_equal(grace_auth("198.51.100.1", T0 + 95, "grace_period=3600", &prompts),
			 PAM_SUCCESS);
	assert_int_equal(prompts, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(sealed_round_trip, h_reset),
		cmocka_unit_test_setup(sealed_for_someone_else, h_reset),
		cmocka_unit_test_setup(tampered, h_reset),
		cmocka_unit_test_setup(key_missing_or_unsafe, h_reset),
		cmocka_unit_test_setup(rotation_accepts_old_key, h_reset),
		cmocka_unit_test_setup(seal_required_refuses_plain, h_reset),
		cmocka_unit_test_setup(grace_period, h_reset),
		cmocka_unit_test_setup(grace_local_only_when_enabled, h_reset),
		cmocka_unit_test_setup(grace_not_forgeable, h_reset),
		cmocka_unit_test_setup(grace_shortened_revokes, h_reset),
	};
	int rc;

	h_global_setup();
	rc = cmocka_run_group_tests_name("pam_seal_grace", tests, make_keydir, remove_keydir);
	h_global_teardown();
	return rc;
}
