/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PAM_OTP_CLOCK_H
#define PAM_OTP_CLOCK_H

#include <time.h>

/*
 * The time the module checks codes against. Only the test build of the module
 * (pam_otp_test.so, never installed) lets PAM_OTP_TEST_NOW set it.
 */
time_t module_now(void);

#endif
