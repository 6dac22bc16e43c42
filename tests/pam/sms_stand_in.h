/* SPDX-License-Identifier: BSD-2-Clause */
/* The stand-in SMS sender for the module tests (see sms_stand_in.c). */
#ifndef PAM_OTP_TEST_SMS_STAND_IN_H
#define PAM_OTP_TEST_SMS_STAND_IN_H

#include "harness.h"

#define T0 ((time_t)1800000000)
#define PHONE "+15551234567"

extern char sender[256], record[256], conf[256];

/* Once per program: a directory for the host-wide SMS count (an admin path, not /tmp). */
void make_state_dir(void);
void remove_state_dir(void);
/* The stand-in: appends "ARGV ...", "ENV ...", its stdin, "--" to record; then extra_shell,
 * a result line, and exit_status. */
void write_sender(int exit_status, const char *extra_shell);
/* The conf file: provider twilio, sms_countries any and a fresh host count unless given. */
void write_conf(const char *lines);
/* The service: the test module with conf= and sms_helper=, plus args. */
void service(const char *args);
void enroll_with_phone(void);
/* Everything the sender saw (all calls), or "" if it never ran. */
const char *sent(void);
/* The code= the sender received last. */
void received_code(char *code);
/* How many times the sender ran. */
int count_sends(void);

#endif
