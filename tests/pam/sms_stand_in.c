/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stand-in SMS sender for the module tests (sms_helper=): a shell script that records its
 * argv, environment and stdin, a conf naming it, and the state directory for the host-wide
 * SMS count. Shared by test_sms.c and test_sms_sender.c.
 */
#include "sms_stand_in.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

char sender[256], record[256], conf[256];
static char state_dir[512]; /* for the host-wide SMS count: an admin path, not under /tmp */
static unsigned state_files;

void make_state_dir(void)
{
	const char *base = getenv("PAM_OTP_STATE_DIR");

	snprintf(state_dir, sizeof(state_dir), "%s/sms_state.XXXXXX", base ? base : "/run");
	if (!mkdtemp(state_dir))
		abort();
}

void remove_state_dir(void)
{
	char path[600];

	for (unsigned i = 0; i <= state_files; i++) {
		snprintf(path, sizeof(path), "%s/host_count.%u", state_dir, i);
		unlink(path);
	}
	rmdir(state_dir);
}

/* The stand-in sender: appends "ARGV ...", "ENV ...", its stdin, "--" to record. */
void write_sender(int exit_status, const char *extra_shell)
{
	FILE *f;

	snprintf(sender, sizeof(sender), "%s/sender.sh", h.root);
	snprintf(record, sizeof(record), "%s/sent.txt", h.root);
	f = fopen(sender, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n"
		   "{ echo \"ARGV $*\"; echo \"ENV $(env | tr '\\n' ' ')\"; cat; echo; echo --; } >> %s\n"
		   "%s\n"
		   "echo \"%s provider=fake status=201\"\n"
		   "exit %d\n",
		   record, extra_shell ? extra_shell : "", exit_status ? "error" : "ok", exit_status);
	fclose(f);
	assert_int_equal(chmod(sender, 0755), 0);
	unlink(record);
}

void write_conf(const char *lines)
{
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/sms.conf", h.root);
	f = fopen(conf, "w");
	assert_non_null(f);
	if (!strstr(lines, "provider"))
		fputs("provider = twilio\n", f);
	if (!strstr(lines, "sms_countries"))
		fputs("sms_countries = any\n", f);
	if (!strstr(lines, "sms_host_state")) /* a fresh count for every test */
		fprintf(f, "sms_host_state = %s/host_count.%u\n", state_dir, ++state_files);
	fputs(lines, f);
	fclose(f);
	assert_int_equal(chmod(conf, 0600), 0);
}

void service(const char *args)
{
	h_service("auth required %s conf=%s sms_helper=%s %s", h.test_module, conf, sender, args);
}

void enroll_with_phone(void)
{
	h_write_totp("phone " PHONE "\n");
}

/* The whole record the sender saw (all calls), or "" if it never ran. */
const char *sent(void)
{
	static char buf[8192];
	int fd = open(record, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : 0;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* The code= the sender received last. */
void received_code(char *code)
{
	const char *p = sent(), *last = NULL;

	while ((p = strstr(p, "\ncode=")) != NULL)
		last = p++;
	assert_non_null(last);
	sscanf(last + 6, "%15[0-9]", code);
}

int count_sends(void)
{
	int n = 0;

	for (const char *p = sent(); (p = strstr(p, "ARGV ")) != NULL; p++)
		n++;
	return n;
}
