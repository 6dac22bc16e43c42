/* SPDX-License-Identifier: BSD-2-Clause */
#include "sms_providers.h"

#include <string.h>

#define ROW(name, fn, calls, keeps, command) { name, calls, keeps, command },
const struct otp_sms_provider otp_sms_providers[OTP_SMS_PROVIDER_COUNT] = {
	OTP_SMS_PROVIDERS(ROW)
};

const struct otp_sms_provider *otp_sms_provider_find(const char *name)
{
	for (size_t i = 0; name && i < OTP_SMS_PROVIDER_COUNT; i++)
		if (strcmp(name, otp_sms_providers[i].name) == 0)
			return &otp_sms_providers[i];
	return NULL;
}
