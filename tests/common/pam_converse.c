/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pam_converse: one pam_start_confdir -> pam_authenticate -> pam_end, with the conversation
 * on stdin/stdout so a script can answer each prompt after looking at what it was told.
 *
 *   pam_converse CONFDIR SERVICE USER
 *
 * Each message becomes one line on stdout: "PROMPT <text>" (echo off), "PROMPT_ECHO <text>",
 * "ERROR <text>" or "INFO <text>" (newlines in the text written as \n). Each prompt's answer
 * is the next line of stdin; end of input fails the conversation. Last line: "RESULT <name>",
 * e.g. "RESULT PAM_SUCCESS". Exit status 0 for PAM_SUCCESS, 1 for any other result, 2 when
 * PAM could not be started. Links only libpam (and tests/common/conv.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <security/pam_appl.h>

#include "conv.h"

static const char *result_name(int rc)
{
	static const struct { int rc; const char *name; } names[] = {
#define N(x) { x, #x }
		N(PAM_SUCCESS), N(PAM_AUTH_ERR), N(PAM_AUTHINFO_UNAVAIL), N(PAM_MAXTRIES),
		N(PAM_USER_UNKNOWN), N(PAM_SERVICE_ERR), N(PAM_SYSTEM_ERR), N(PAM_BUF_ERR),
		N(PAM_CONV_ERR), N(PAM_IGNORE), N(PAM_PERM_DENIED), N(PAM_CRED_INSUFFICIENT),
		N(PAM_ABORT), N(PAM_INCOMPLETE), N(PAM_OPEN_ERR), N(PAM_SYMBOL_ERR),
#undef N
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].rc == rc)
			return names[i].name;
	return "PAM_UNKNOWN_RESULT";
}

static void print_line(const char *tag, const char *text)
{
	fputs(tag, stdout);
	putchar(' ');
	for (const char *p = text ? text : ""; *p; p++) {
		if (*p == '\n')
			fputs("\\n", stdout);
		else
			putchar(*p);
	}
	putchar('\n');
	fflush(stdout);
}

static char *read_answer(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);

	if (n < 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\n")] = '\0';
	return line;
}

/* tests/common/conv.c does the PAM side; here each message is a line out, each answer in. */
static void show(void *ctx, int style, const char *text)
{
	switch (style) {
	case PAM_PROMPT_ECHO_OFF:
		print_line("PROMPT", text);
		break;
	case PAM_PROMPT_ECHO_ON:
		print_line("PROMPT_ECHO", text);
		break;
	case PAM_ERROR_MSG:
		print_line("ERROR", text);
		break;
	default:
		print_line("INFO", text);
		break;
	}
}

static char *answer(void *ctx, int style, const char *prompt)
{
	return read_answer();
}

int main(int argc, char **argv)
{
	struct tconv t = { answer, show, NULL };
	struct pam_conv pc = TCONV_PAM(&t);
	pam_handle_t *pamh = NULL;
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: pam_converse CONFDIR SERVICE USER\n");
		return 2;
	}
	rc = pam_start_confdir(argv[2], argv[3], &pc, argv[1], &pamh);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pam_start_confdir: %s\n", result_name(rc));
		return 2;
	}
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	print_line("RESULT", result_name(rc));
	return rc == PAM_SUCCESS ? 0 : 1;
}
