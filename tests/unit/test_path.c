/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/path.c: user names and file= template expansion. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "path.h"

static void test_user_name_accepted(void **state)
{
	static const char *const good[] = {
		"alice", "a.b", "user@realm", "host$", "a_b", "a-b", "a+b", "A1", "x",
		"first.last@EXAMPLE.COM", "WORKSTATION01$", "_svc", "1000", "a..b", "a-",
	};
	char name[300];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!otp_user_name_ok(good[i]))
			print_error("\"%s\" should be accepted\n", good[i]);
		assert_true(otp_user_name_ok(good[i]));
	}
	memset(name, 'a', 255);
	name[255] = '\0';
	assert_true(otp_user_name_ok(name));
	name[254] = '$';
	assert_true(otp_user_name_ok(name));
}

static void test_user_name_rejected(void **state)
{
	static const char *const bad[] = {
		"", "../x", "..", ".", ".hidden", "-x", "-", "a/b", "/", "a%b", "%u", "a b", " a",
		"a ", "a\tb", "a\nb", "$host", "a$b", "a$$", "caf\xc3\xa9", "a:b", "a*b", "a~b",
		"~", "a\\b", "a'b", "a\"b", "a;b", "a|b", "a=b",
	};
	char name[300];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (otp_user_name_ok(bad[i]))
			print_error("\"%s\" should be rejected\n", bad[i]);
		assert_false(otp_user_name_ok(bad[i]));
	}
	assert_false(otp_user_name_ok(NULL));
	memset(name, 'a', 256);
	name[256] = '\0';
	assert_false(otp_user_name_ok(name));
}

static void expand_ok(const char *tmpl, const char *user, const char *home, uid_t uid,
		      const char *want)
{
	char out[4096];
	int rc;

	memset(out, 'x', sizeof(out));
	rc = otp_path_expand(tmpl, user, home, uid, out, sizeof(out));
	if (rc != OTP_OK || strcmp(out, want) != 0)
		print_error("expand \"%s\" (user %s, home %s, uid %u): rc %d \"%s\", want \"%s\"\n",
			    tmpl, user, home ? home : "(null)", (unsigned)uid, rc, out, want);
	assert_int_equal(rc, OTP_OK);
	assert_string_equal(out, want);
}

static void expand_bad(const char *tmpl, const char *user, const char *home, int want_rc)
{
	char out[4096];
	int rc = otp_path_expand(tmpl, user, home, 1000, out, sizeof(out));

	if (rc != want_rc)
		print_error("expand \"%s\" (user %s, home %s): rc %d, want %d (out \"%s\")\n", tmpl,
			    user ? user : "(null)", home ? home : "(null)", rc, want_rc, out);
	assert_int_equal(rc, want_rc);
}

static void test_expand_templates(void **state)
{
	(void)state;
	expand_ok("~/.otp", "alice", "/home/alice", 1000, "/home/alice/.otp");
	expand_ok("%h/.otp", "alice", "/home/alice", 1000, "/home/alice/.otp");
	expand_ok("/var/lib/pam_otp/%u", "alice", "/home/alice", 1000, "/var/lib/pam_otp/alice");
	expand_ok("/var/lib/pam_otp/%U", "alice", "/home/alice", 1000, "/var/lib/pam_otp/1000");
	expand_ok("/var/lib/pam_otp/%U.otp", "bob", "/home/bob", 0, "/var/lib/pam_otp/0.otp");
	expand_ok("/var/lib/pam_otp/%U", "bob", "/home/bob", 4294967294u,
		  "/var/lib/pam_otp/4294967294");
	expand_ok("/srv/100%%/%u", "alice", "/home/alice", 1000, "/srv/100%/alice");
	expand_ok("/srv/%%u", "alice", "/home/alice", 1000, "/srv/%u");
	expand_ok("/srv/%u/%u-%U", "alice", "/home/alice", 7, "/srv/alice/alice-7");
	expand_ok("~", "alice", "/home/alice", 1000, "/home/alice");
	expand_ok("/etc/otp/%u", "user@realm", "/home/x", 1000, "/etc/otp/user@realm");
	expand_ok("/etc/otp/%u", "host$", "/home/x", 1000, "/etc/otp/host$");
	/* The home directory is taken literally, never expanded again. */
	expand_ok("%h/.otp", "alice", "/home/%u", 1000, "/home/%u/.otp");
	/* Dots that are not whole "." or ".." components are fine. */
	expand_ok("/var/lib/..x/%u", "alice", "/h", 1, "/var/lib/..x/alice");
	expand_ok("/var/lib/x../%u", "alice", "/h", 1, "/var/lib/x../alice");
	expand_ok("/var/.../%u", "alice", "/h", 1, "/var/.../alice");
	expand_ok("/var/.otp/%u", "alice", "/h", 1, "/var/.otp/alice");
	expand_ok("/var/lib/%u..otp", "alice", "/h", 1, "/var/lib/alice..otp");
}

static void test_expand_rejected(void **state)
{
	(void)state;
	/* Unknown or incomplete escapes. */
	expand_bad("/var/lib/%x", "alice", "/home/alice", OTP_E_INVAL);
	expand_bad("/var/lib/%", "alice", "/home/alice", OTP_E_INVAL);
	expand_bad("/var/lib/%H", "alice", "/home/alice", OTP_E_INVAL);
	expand_bad("/var/lib/%s", "alice", "/home/alice", OTP_E_INVAL);
	/* Relative results. */
	expand_bad("%u/.otp", "alice", "/home/alice", OTP_E_INVAL);
	expand_bad(".otp", "alice", "/home/alice", OTP_E_INVAL);
	expand_bad("", "alice", "/home/alice", OTP_E_INVAL);
	expand_bad("%U", "alice", "/home/alice", OTP_E_INVAL);
	/* "." and ".." components. */
	expand_bad("/var/lib/../etc/%u", "alice", "/home/alice", OTP_E_INVAL);
	expand_bad("/var/lib/pam_otp/..", "alice", "/home/alice", OTP_E_INVAL);
	expand_bad("/..", "alice", "/home/alice", OTP_E_INVAL);
	expand_bad("/var/./x/%u", "alice", "/home/alice", OTP_E_INVAL);
	expand_bad("/var/x/.", "alice", "/home/alice", OTP_E_INVAL);
	expand_bad("~/../root/.otp", "alice", "/home/alice", OTP_E_INVAL);
	expand_bad("%h/.otp", "alice", "/home/../etc", OTP_E_INVAL);
	expand_bad("%h/.otp", "alice", "/home/./alice", OTP_E_INVAL);
	/* ~user is not supported. */
	expand_bad("~bob/.otp", "alice", "/home/alice", OTP_E_INVAL);
	/* Bad user or home. */
	expand_bad("/var/lib/%u", "../x", "/home/alice", OTP_E_INVAL);
	expand_bad("/var/lib/%u", "..", "/home/alice", OTP_E_INVAL);
	expand_bad("/var/lib/%u", "a/b", "/home/alice", OTP_E_INVAL);
	expand_bad("/var/lib/%u", "", "/home/alice", OTP_E_INVAL);
	expand_bad("/var/lib/%u", NULL, "/home/alice", OTP_E_INVAL);
	expand_bad("~/.otp", "alice", "home/alice", OTP_E_INVAL);
	expand_bad("~/.otp", "alice", "", OTP_E_INVAL);
	expand_bad("~/.otp", "alice", NULL, OTP_E_INVAL);
	/* The home check applies even when the template does not use it. */
	expand_bad("/var/lib/%u", "alice", NULL, OTP_E_INVAL);
}

static void test_expand_too_long(void **state)
{
	char out[64], home[5000];
	int rc;

	(void)state;
	/* "/a/alice" is 8 bytes: 9 fit, 8 do not. */
	rc = otp_path_expand("/a/%u", "alice", "/h", 1, out, 9);
	assert_int_equal(rc, OTP_OK);
	assert_string_equal(out, "/a/alice");
	assert_int_equal(otp_path_expand("/a/%u", "alice", "/h", 1, out, 8), OTP_E_TOOBIG);
	assert_int_equal(otp_path_expand("/a/%u", "alice", "/h", 1, out, 1), OTP_E_TOOBIG);
	assert_int_equal(otp_path_expand("/a/%u", "alice", "/h", 1, out, 0), OTP_E_TOOBIG);
	/* A literal that does not fit, and a uid that does not fit. */
	assert_int_equal(otp_path_expand("/aaaaaaaaaa", "alice", "/h", 1, out, 11), OTP_E_TOOBIG);
	assert_int_equal(otp_path_expand("/a/%U", "alice", "/h", 123456, out, 8), OTP_E_TOOBIG);
	assert_int_equal(otp_path_expand("/a/%U", "alice", "/h", 123456, out, 10), OTP_OK);
	assert_string_equal(out, "/a/123456");
	/* A home longer than the buffer (PATH_MAX-sized in the module). */
	home[0] = '/';
	memset(home + 1, 'h', sizeof(home) - 2);
	home[sizeof(home) - 1] = '\0';
	{
		char big[4096];
		assert_int_equal(otp_path_expand("~/.otp", "alice", home, 1, big, sizeof(big)),
				 OTP_E_TOOBIG);
		assert_int_equal(otp_path_expand("%h/.otp", "alice", home, 1, big, sizeof(big)),
				 OTP_E_TOOBIG);
	}
}

static void test_path_in_home(void **state)
{
	(void)state;
	assert_true(otp_path_in_home("~/.otp"));
	assert_true(otp_path_in_home("~"));
	assert_true(otp_path_in_home("%h/.otp"));
	assert_true(otp_path_in_home("%h/.config/otp"));
	assert_false(otp_path_in_home("/var/lib/pam_otp/%u"));
	assert_false(otp_path_in_home("/home/%u/.otp"));
	assert_false(otp_path_in_home("/x/%h/.otp"));
	assert_false(otp_path_in_home("%u/.otp"));
	assert_false(otp_path_in_home("%%h/.otp"));
	assert_false(otp_path_in_home(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_name_accepted),
		cmocka_unit_test(test_user_name_rejected),
		cmocka_unit_test(test_expand_templates),
		cmocka_unit_test(test_expand_rejected),
		cmocka_unit_test(test_expand_too_long),
		cmocka_unit_test(test_path_in_home),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
