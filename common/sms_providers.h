/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SMS providers, described once: what each can do (place calls, keep its own code, run
 * a local program), for the module (common/, no libcurl) and for the sender pam_otp_sms
 * (common/sms/provider.c adds the function that talks to it). meson reads the list below
 * too (common/meson.build), for the tests that run once per provider: keep one P(...) a line.
 */
#ifndef OTP_SMS_PROVIDERS_H
#define OTP_SMS_PROVIDERS_H

#include <stdbool.h>

/*
 * P(name, sender function, calls, keeps_code, runs_command)
 *   calls         can place a voice call as well as send a text
 *   keeps_code    makes, sends and checks its own code (verify-* actions): the module
 *                 stores none and asks the provider to check the answer
 *   runs_command  runs the local program of command= (a path root must trust)
 */
#define OTP_SMS_PROVIDERS(P) \
	P("twilio",        otp_sms_twilio,        true,  false, false) \
	P("twilio-verify", otp_sms_twilio_verify, true,  true,  false) \
	P("telnyx",        otp_sms_telnyx,        false, false, false) \
	P("plivo",         otp_sms_plivo,         true,  false, false) \
	P("vonage",        otp_sms_vonage,        false, false, false) \
	P("sns",           otp_sms_sns,           false, false, false) \
	P("webhook",       otp_sms_webhook,       false, false, false) \
	P("command",       otp_sms_command,       false, false, true)

struct otp_sms_provider {
	const char *name;
	bool calls;
	bool keeps_code;
	bool runs_command;
};

#define OTP_SMS_PROVIDER_ONE_(name, fn, calls, keeps, command) +1
enum { OTP_SMS_PROVIDER_COUNT = 0 OTP_SMS_PROVIDERS(OTP_SMS_PROVIDER_ONE_) };

/* In the order of OTP_SMS_PROVIDERS (the sender's functions are indexed the same way). */
extern const struct otp_sms_provider otp_sms_providers[OTP_SMS_PROVIDER_COUNT];

/* The provider called name (sms_provider=), or NULL when there is none by that name. */
const struct otp_sms_provider *otp_sms_provider_find(const char *name);

#endif
