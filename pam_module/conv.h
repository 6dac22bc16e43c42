/* SPDX-License-Identifier: BSD-2-Clause */
/* The PAM conversation: one prompt or one message at a time; answers are wiped. */
#ifndef PAM_OTP_CONV_H
#define PAM_OTP_CONV_H

#include <stdbool.h>
#include <security/pam_modules.h>

/* Ask one question; *answer is newly allocated (free with otp_free_str). */
int conv_prompt(pam_handle_t *pamh, bool echo, const char *question, char **answer);
/* Tell the user something (PAM_TEXT_INFO or PAM_ERROR_MSG) unless PAM_SILENT was passed. */
void conv_message(pam_handle_t *pamh, int flags, int style, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
