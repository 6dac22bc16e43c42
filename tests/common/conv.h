/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one PAM conversation function of the tests and the benchmark (tests/pam/harness.c,
 * tests/pam/test_secrets.c, tests/sms/pam_converse.c, tests/fuzz/fuzz_auth.c,
 * bench/pam_bench.c). tconv_fn does the PAM side once: one response per message, each
 * prompt answered by the caller's answer(), every message passed to show(), and on a
 * failure every answer given so far wiped and freed. A caller keeps only what it does with
 * the text. Needs only libc and libpam's headers.
 */
#ifndef PAM_OTP_TEST_CONV_H
#define PAM_OTP_TEST_CONV_H

#include <security/pam_appl.h>

struct tconv {
	/*
	 * The answer to a prompt (PAM_PROMPT_ECHO_OFF or _ON), malloc'ed (tconv_fn hands it to
	 * PAM, which frees it); NULL fails the conversation with PAM_CONV_ERR.
	 */
	char *(*answer)(void *ctx, int style, const char *prompt);
	/* Called for every message, prompts included (before their answer); may be NULL. */
	void (*show)(void *ctx, int style, const char *text);
	void *ctx;
};

/* The struct pam_conv function; appdata_ptr is a struct tconv. */
int tconv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *appdata);

/* A struct pam_conv that calls t. */
#define TCONV_PAM(t) ((struct pam_conv){ tconv_fn, (t) })

/* strdup of an answer, or NULL for none (which fails the conversation). */
char *tconv_dup(const char *answer);

#endif
