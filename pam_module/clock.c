/* SPDX-License-Identifier: BSD-2-Clause */
#include "clock.h"

#ifdef OTP_TEST_CLOCK
#include <stdlib.h>
#include "numparse.h"
#include "bounds.h"
#endif

time_t module_now(void)
{
#ifdef OTP_TEST_CLOCK
	const char *fake = getenv("PAM_OTP_TEST_NOW");
	int64_t t;

	if (fake && otp_parse_i64(fake, OTP_TIME_MAX, 0, &t) == 0)
		return (time_t)t;
#endif
	return time(NULL);
}
