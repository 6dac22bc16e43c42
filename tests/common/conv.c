/* SPDX-License-Identifier: BSD-2-Clause */
#include "conv.h"

#include <stdlib.h>
#include <string.h>

static void free_responses(struct pam_response *r, int n)
{
	for (int i = 0; i < n; i++) {
		if (r[i].resp) {
			/* Answers are codes and passwords: not left in freed memory. */
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
}

int tconv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *appdata)
{
	struct tconv *t = appdata;
	struct pam_response *r;

	if (n <= 0 || !t || !t->answer)
		return PAM_CONV_ERR;
	if (!(r = calloc((size_t)n, sizeof(*r))))
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		int style = msg[i]->msg_style;

		if (t->show)
			t->show(t->ctx, style, msg[i]->msg);
		if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON)
			continue;
		if (!(r[i].resp = t->answer(t->ctx, style, msg[i]->msg))) {
			free_responses(r, n);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

char *tconv_dup(const char *answer)
{
	return answer ? strdup(answer) : NULL;
}
