/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SMS provider descriptions (common/sms_providers.c) that the module and the sender both
 * act on, checked against what pam_otp.conf(5) and pam_otp_sms(8) promise: which providers
 * exist, which can call, which keeps its own code, which runs a local program.
 */
#include "sms_providers.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void documented_providers(void **state)
{
	static const struct {
		const char *name;
		bool calls, keeps_code, runs_command;
	} want[] = {
		{ "twilio", true, false, false },   { "twilio-verify", true, true, false },
		{ "telnyx", false, false, false },  { "plivo", true, false, false },
		{ "vonage", false, false, false },  { "sns", false, false, false },
		{ "webhook", false, false, false }, { "command", false, false, true },
	};

	assert_int_equal(OTP_SMS_PROVIDER_COUNT, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct otp_sms_provider *p = otp_sms_provider_find(want[i].name);

		assert_non_null(p);
		assert_string_equal(p->name, want[i].name);
		assert_int_equal(p->calls, want[i].calls);
		assert_int_equal(p->keeps_code, want[i].keeps_code);
		assert_int_equal(p->runs_command, want[i].runs_command);
	}
}

/* Names match exactly: no case folding, no prefix, nothing for NULL or "". */
static void unknown_names(void **state)
{
	const char *bad[] = { "", "Twilio", "twilio ", "twilio-", "twilio-verif", "twiliox",
			      "command\n", "none" };

	assert_null(otp_sms_provider_find(NULL));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(otp_sms_provider_find(bad[i]));
}

/* Each name once: a duplicate would shadow the second entry. */
static void names_unique(void **state)
{
	for (size_t i = 0; i < OTP_SMS_PROVIDER_COUNT; i++) {
		assert_ptr_equal(otp_sms_provider_find(otp_sms_providers[i].name),
				 &otp_sms_providers[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(documented_providers),
		cmocka_unit_test(unknown_names),
		cmocka_unit_test(names_unique),
	};

	return cmocka_run_group_tests_name("sms_providers", tests, NULL, NULL);
}
