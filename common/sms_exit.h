/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Exit statuses of pam_otp_sms: the contract between the sender (common/sms/) and the module
 * that runs it (pam_module/sender.c). Documented in pam_otp_sms(8) and pam_otp(8).
 */
#ifndef OTP_SMS_EXIT_H
#define OTP_SMS_EXIT_H

enum otp_sms_exit {
	OTP_SMS_X_OK = 0,
	OTP_SMS_X_DENIED = 1,      /* verify-check: wrong code, or verification gone */
	OTP_SMS_X_REJECTED = 2,    /* invalid number or other permanent 4xx */
	OTP_SMS_X_PROVIDER = 3,    /* 5xx after retries, malformed reply, unexpected status */
	OTP_SMS_X_UNREACHABLE = 4, /* timeout, cannot connect, TLS failure */
	OTP_SMS_X_CONFIG = 5,      /* missing settings, bad conf, bad input */
	OTP_SMS_X_RATE = 6,        /* 429 after retries */
	/* Never exited by the sender: what the module reads when it did not finish. */
	OTP_SMS_X_KILLED = 100,    /* did not finish before the deadline: killed */
	OTP_SMS_X_NOT_RUN = 101,   /* could not be started */
};

#endif
