/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Limits shared by the format, the verifier and the clocks: one place for each number.
 * (Sizes that belong to the ~/.otp format itself are in otpfile.h.)
 */
#ifndef OTP_BOUNDS_H
#define OTP_BOUNDS_H

#include <stdint.h>

/* No timestamp is later than 9999-12-31 23:59:59 UTC (keeps every sum of times in range). */
#define OTP_TIME_MAX INT64_C(253402300799)
/* Consecutive failures counted; past this the count stays (the lockout is capped anyway). */
#define OTP_FAILURES_MAX 1000000u

/* Buffers: one log line, one prompt or message shown to the user. */
#define OTP_LOG_LINE_MAX 512
#define OTP_PROMPT_MAX 160
#define OTP_MESSAGE_MAX 256
/* Between the module and its SMS sender: the request (key=value lines) and the result line. */
#define OTP_SENDER_INPUT_MAX 2048
#define OTP_SENDER_LINE_MAX 256
/* A host name (gethostname), and a path (file=, keys, the sender). */
#define OTP_HOST_NAME_MAX 256
#define OTP_PATH_MAX 4096
/* pam_otp.conf: a value, a temporary credential (an AWS session token), a whole line. */
#define OTP_CONF_VALUE_MAX 1024
#define OTP_CONF_TOKEN_MAX 4096
#define OTP_CONF_LINE_MAX (OTP_CONF_TOKEN_MAX + 100)

#endif
