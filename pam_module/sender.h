/*
 * Run the SMS sender program (pam_otp_sms) without a shell: fixed argv, empty environment,
 * the code on stdin, one result line back on stdout, killed at the deadline. The module
 * itself never loads libcurl.
 */
#ifndef PAM_OTP_SENDER_H
#define PAM_OTP_SENDER_H

#include <stddef.h>

#include "module.h"

/* Exit statuses of pam_otp_sms (see pam_otp_sms in pam_otp(8)). */
enum sender_status {
	SENDER_OK = 0, SENDER_DENIED = 1, SENDER_INVALID_NUMBER = 2, SENDER_PROVIDER_ERROR = 3,
	SENDER_UNREACHABLE = 4, SENDER_CONFIG = 5, SENDER_RATE_LIMITED = 6,
	SENDER_KILLED = 100,   /* did not finish in time: killed */
	SENDER_NOT_RUN = 101,  /* could not be started */
};

/*
 * When a sender started now must be killed: timeout + 250 ms from now (CLOCK_MONOTONIC, ms).
 * Take it when the user asks, before the lock and the code's hashing, so that the whole
 * request returns within timeout + 1 s however long those take.
 */
long sender_deadline(const struct module_ctx *ctx);

/*
 * Run `sender --conf CONF action` with input on stdin, killed at deadline; line receives its
 * first output line (sanitised). Returns an enum sender_status.
 */
int sender_run(struct module_ctx *ctx, const char *action, const char *input, long deadline,
	       char *line, size_t linesz);

#endif
