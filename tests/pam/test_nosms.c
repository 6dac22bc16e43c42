/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A module built without SMS (meson -Dsms=disabled, pam_module/sms_none.c), through the real
 * pam_otp.so with syslog captured: a configured provider is never offered, nothing is run,
 * and the log says why; a user with only a phone, or a provider's code left pending by an
 * SMS build, is refused, never let in. Built and run only when SMS is not built.
 */
#include "harness.h"
#include "capture.h"

#include <errno.h>
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

#define PHONE "+15551234567"
#define NO_SMS "built without SMS support"

static char sender[256], ran[256];

/* A provider that is fully configured (a good sender, every country): only the build is off. */
static void configure(const char *provider)
{
	char conf[256];
	FILE *f;

	snprintf(sender, sizeof(sender), "%s/sender.sh", h.root);
	snprintf(ran, sizeof(ran), "%s/ran", h.root);
	unlink(ran);
	f = fopen(sender, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\ntouch %s\necho 'ok provider=fake status=201'\n", ran);
	fclose(f);
	assert_int_equal(chmod(sender, 0755), 0);
	snprintf(conf, sizeof(conf), "%s/sms.conf", h.root);
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f, "provider = %s\nsms_countries = any\nvoice = true\nsms_max_per_day_host = 0\n",
		provider);
	fclose(f);
	assert_int_equal(chmod(conf, 0600), 0);
	h_service("auth required %s conf=%s sms_helper=%s", h.module, conf, sender);
}

static void log_has(const char *want)
{
	cap_sync();
	if (!strstr(cap_syslog(), want))
		fail_msg("log lacks \"%s\":\n%s", want, cap_syslog());
}

static void provider_not_offered(void **state)
{
	struct h_conv c = { .answers = { "sms", "call" } };
	char code[8];

	configure("twilio");
	h_write_totp("phone " PHONE "\n");
	/* "sms" is only a wrong code: no second prompt, nothing run. */
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTH_ERR);
	assert_int_equal(c.prompts, 1);
	assert_string_equal(c.prompt_text[0], "Verification code: ");
	assert_int_equal(access(ran, F_OK), -1);
	log_has("SMS not offered: provider= is set but pam_otp was " NO_SMS);
	/* The app's code still works. */
	h_totp(time(NULL), code);
	c = (struct h_conv){ .answers = { code } };
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_SUCCESS);
	assert_int_equal(access(ran, F_OK), -1);
}

static void phone_only_refused(void **state)
{
	struct h_conv c = { .answers = { "1234" } };

	configure("twilio");
	h_write_otp("version 1\nphone " PHONE "\n", 0600);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(c.prompts, 0);
	assert_int_equal(access(ran, F_OK), -1);
	log_has(NO_SMS);
	log_has("has only a phone, and SMS is off or has no provider");
}

/* A twilio-verify code left pending by an SMS build cannot be checked: refused, counted. */
static void pending_provider_code_refused(void **state)
{
	struct h_conv c = { .answers = { "424242" } };
	struct otp_record rec;
	char extra[128];

	configure("twilio-verify");
	snprintf(extra, sizeof(extra), "phone " PHONE "\nsms_code provider %lld\n",
		 (long long)time(NULL) + 600);
	h_write_totp(extra);
	assert_int_equal(h_auth(H_USER, &c, 0), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(access(ran, F_OK), -1);
	log_has("cannot check the provider's pending code: pam_otp was " NO_SMS);
	h_read_record(&rec);
	assert_int_equal(rec.failures, 1);
	otp_record_clear(&rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(provider_not_offered, h_reset),
		cmocka_unit_test_setup(phone_only_refused, h_reset),
		cmocka_unit_test_setup(pending_provider_code_refused, h_reset),
	};
	int rc;

	cap_start_or_exit(77);
	h_global_setup();
	rc = cmocka_run_group_tests_name("pam_nosms", tests, NULL, NULL);
	h_global_teardown();
	return rc;
}
