/* SPDX-License-Identifier: BSD-2-Clause */
#include "conv.h"
#include "secmem.h"
#include "bounds.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int converse(pam_handle_t *pamh, int style, const char *text, char **answer)
{
	const struct pam_conv *conv = NULL;
	struct pam_message msg = { .msg_style = style, .msg = text };
	const struct pam_message *msgs[1] = { &msg };
	struct pam_response *resp = NULL;
	int rc;

	if (answer)
		*answer = NULL;
	rc = pam_get_item(pamh, PAM_CONV, (const void **)&conv);
	if (rc != PAM_SUCCESS || !conv || !conv->conv)
		return PAM_CONV_ERR;
	rc = conv->conv(1, msgs, &resp, conv->appdata_ptr);
	if (rc == PAM_CONV_AGAIN)
		rc = PAM_INCOMPLETE;
	if (rc == PAM_SUCCESS && answer) {
		if (!resp || !resp[0].resp)
			rc = PAM_CONV_ERR;
		else
			*answer = resp[0].resp;
	} else if (resp && resp[0].resp) {
		otp_free_str(resp[0].resp);
	}
	free(resp);
	return rc;
}

int conv_prompt(pam_handle_t *pamh, bool echo, const char *question, char **answer)
{
	return converse(pamh, echo ? PAM_PROMPT_ECHO_ON : PAM_PROMPT_ECHO_OFF, question, answer);
}

void conv_message(pam_handle_t *pamh, int flags, int style, const char *fmt, ...)
{
	char text[OTP_MESSAGE_MAX];
	va_list ap;

	if (flags & PAM_SILENT)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	converse(pamh, style, text, NULL);
}
