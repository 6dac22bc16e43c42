/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * For test_secrets: a one-request HTTP stand-in for Twilio's Messages API on 127.0.0.1, run
 * in a child process. While the real pam_otp_sms waits for its reply, the mock copies that
 * process's /proc cmdline and environ (the pam_otp_sms whose parent is the test) to files.
 */
#ifndef PAM_OTP_TEST_MOCK_PROVIDER_H
#define PAM_OTP_TEST_MOCK_PROVIDER_H

#include <stdbool.h>
#include <sys/types.h>

struct mock {
	pid_t pid;
	int port;
	char dir[128];    /* request, sender_cmdline, sender_environ */
};

/* Listen; the reply is 201 with a message sid, or with echo a 400 error whose message
 * repeats echo_extra, the request's Authorization header and its body. */
void mock_start(struct mock *m, const char *dir, bool echo, const char *echo_extra);
/* Wait for the child (killing it after a few seconds if no request came). */
void mock_stop(struct mock *m);

#endif
