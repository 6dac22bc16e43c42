/* SPDX-License-Identifier: BSD-2-Clause */
/* Milliseconds of CLOCK_MONOTONIC: for deadlines and timeouts, never for timestamps. */
#ifndef OTP_MONOTIME_H
#define OTP_MONOTIME_H

#include <stdint.h>

int64_t otp_monotonic_ms(void);

#endif
