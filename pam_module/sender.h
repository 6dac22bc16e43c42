/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Run the SMS sender program (pam_otp_sms) without a shell: fixed argv, empty environment,
 * the code and the deadline on stdin, one result line back on stdout. It runs in a session
 * of its own, reset to a sane state (pam_module/childsetup.c); when it exits, or at the
 * deadline, its whole session is killed (pam_module/reaper.c). The module itself never
 * loads libcurl.
 */
#ifndef PAM_OTP_SENDER_H
#define PAM_OTP_SENDER_H

#include <stddef.h>

#include "module.h"
#include "sms_exit.h" /* enum otp_sms_exit: what sender_run returns */

/*
 * When a sender started now must be killed: timeout + 1 s from now (CLOCK_MONOTONIC, ms).
 * Take it right before sender_run, after the user's lock was taken and released: time spent
 * waiting for another login's lock must not come out of the sender's time.
 */
long sender_deadline(const struct module_ctx *ctx);

/* The sender program: sms_helper= or the built-in path. */
const char *sender_path(const struct module_ctx *ctx);

/*
 * Run `sender --conf CONF action` with input and "deadline_ms=DEADLINE" on stdin; at the
 * deadline its session is killed. line receives its first output line, or why it could not
 * be started ("cannot run the SMS sender PATH: REASON"), sanitised. Returns an enum
 * otp_sms_exit.
 */
int sender_run(struct module_ctx *ctx, const char *action, const char *input, long deadline,
	       char *line, size_t linesz);

#endif
