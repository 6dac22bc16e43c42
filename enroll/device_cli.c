/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Several authenticators: --device=NAME (enroll adds one; --rotate and --remove act on
 * it), --list, --secret-stdin (a token programmed elsewhere), and root's --unlock.
 */
#include "enroll.h"
#include "base32.h"
#include "err.h"
#include "secmem.h"
#include "verify.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Typed at a terminal: asked for with echo off, like a code (prompt.c). */
static int secret_from_terminal(char *line, size_t size, size_t *n)
{
	char raw[OTP_BASE32_ENCODED_LEN(OTP_SECRET_MAX) + 64];
	int rc = prompt_code("The token's secret (base32, not shown): ", raw, sizeof(raw));

	*n = 0;
	for (int i = 0; rc > 0 && i < rc; i++) {
		char ch = raw[i];

		if (ch == ' ' || ch == '-' || ch == '\t')
			continue;
		if (*n + 1 >= size) {
			rc = -2;
			break;
		}
		line[(*n)++] = (char)(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
	}
	line[*n] = '\0';
	otp_wipe(raw, sizeof(raw));
	return rc == -2 ? -1 : 0;
}

int read_secret_stdin(struct otp_record *rec)
{
	char line[OTP_BASE32_ENCODED_LEN(OTP_SECRET_MAX) + 64];
	size_t n = 0;
	int ch, len;

	if (isatty(STDIN_FILENO)) {
		if (secret_from_terminal(line, sizeof(line), &n) != 0) {
			otp_wipe(line, sizeof(line));
			say("--secret-stdin: the secret is longer than %d bytes", OTP_SECRET_MAX);
			return EXIT_FAIL;
		}
		goto decode;
	}

	/* One line, bounded; spaces and dashes (as tokens print them) are left out. Read a
	 * byte at a time, not through stdio: the confirmation code may follow on stdin. */
	for (;;) {
		unsigned char b;
		ssize_t r = read(STDIN_FILENO, &b, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || b == '\n')
			break;
		ch = b;
		if (ch == ' ' || ch == '-' || ch == '\t' || ch == '\r')
			continue;
		if (n + 1 >= sizeof(line)) {
			otp_wipe(line, sizeof(line));
			say("--secret-stdin: the secret is longer than %d bytes", OTP_SECRET_MAX);
			return EXIT_FAIL;
		}
		line[n++] = (char)(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
	}
	line[n] = '\0';
decode:
	len = otp_base32_decode(line, n, rec->secret, sizeof(rec->secret));
	otp_wipe(line, sizeof(line));
	if (len < 10) {
		say("--secret-stdin: %s", n == 0 ? "no secret on standard input" : len < 0 ?
		    "not a base32 secret" : "the secret is shorter than 80 bits");
		return EXIT_FAIL;
	}
	rec->secret_len = (size_t)len;
	return EXIT_OK;
}

struct addition {
	const struct otp_record *fresh;
	const char *name;
};

static int apply_addition(struct otp_record *cur, void *arg)
{
	const struct addition *a = arg;

	return otp_device_add(cur, a->fresh, a->name, time(NULL));
}

/* Another authenticator for an enrolled user: made, shown and confirmed, then added. */
int do_add_device(struct ctx *c, const struct otp_record *cur)
{
	struct addition a = { .name = c->o->device };
	struct otp_record rec;
	int rc;

	if (otp_device_find(cur, c->o->device) >= 0) {
		say("%s already has a device called %s: --rotate --device=%s gives it a new "
		    "secret, --remove --device=%s removes it", c->user, c->o->device,
		    c->o->device, c->o->device);
		return EXIT_FAIL;
	}
	if (otp_device_count(cur) >= OTP_DEVICES_MAX) {
		say("%s has %d devices already, the most there may be: remove one first "
		    "(--remove --device=NAME)", c->user, OTP_DEVICES_MAX);
		return EXIT_FAIL;
	}
	if ((rc = new_record(c, NULL, &rec)) != EXIT_OK)
		return rc;
	a.fresh = &rec;
	rc = show_new_secret(c, &rec);
	if (rc == EXIT_OK && !c->o->no_confirm)
		rc = confirm(c, &rec);
	if (rc == EXIT_OK)
		rc = seal_record(c, &rec);
	if (rc == EXIT_OK)
		rc = locked_update(c, apply_addition, &a);
	if (rc == EXIT_OK)
		note(c, "Done: device %s added for %s; the other devices keep working.",
		     c->o->device, c->user);
	otp_record_clear(&rec);
	return rc;
}

static int apply_removal(struct otp_record *cur, void *arg)
{
	int i = otp_device_find(cur, arg);

	if (i < 0)
		return OTP_E_NOENT;
	return otp_device_remove(cur, (unsigned)i);
}

int do_remove_device(struct ctx *c)
{
	struct otp_record rec;
	int rc, i;

	if ((rc = target_open(c)) != EXIT_OK || (rc = read_record(c, &rec)) != EXIT_OK)
		return rc;
	i = otp_device_find(&rec, c->o->device);
	rc = i < 0 ? EXIT_FAIL : otp_device_count(&rec) < 2 ? EXIT_USAGE : EXIT_OK;
	otp_record_clear(&rec);
	if (rc == EXIT_FAIL)
		say("%s has no device called %s (--list shows them)", c->user, c->o->device);
	else if (rc == EXIT_USAGE)
		say("%s is the only device of %s: --remove without --device removes the "
		    "enrollment", c->o->device, c->user);
	if (rc != EXIT_OK)
		return EXIT_FAIL;
	if ((rc = locked_update(c, apply_removal, (void *)c->o->device)) == EXIT_OK)
		note(c, "Removed device %s: its codes no longer work.", c->o->device);
	return rc;
}

static void when(char *buf, size_t size, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&tt, &tm))
		snprintf(buf, size, "%s", "-");
	else
		strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
}

int do_list(struct ctx *c)
{
	struct otp_record rec;
	int rc;

	if ((rc = target_open(c)) != EXIT_OK || (rc = read_record(c, &rec)) != EXIT_OK)
		return rc;
	if (otp_device_count(&rec) == 0)
		printf("%s has no authenticator (text messages only)\n", c->user);
	else
		printf("%-*s %-4s %-6s %-6s %-6s %-20s %s\n", OTP_DEVICE_NAME_MAX / 2, "DEVICE",
		       "TYPE", "ALG", "DIGITS", "PERIOD", "ADDED", "LAST MATCHED");
	for (unsigned i = 0; i < otp_device_count(&rec); i++) {
		char added[32], matched[32], period[16];

		otp_device_swap(&rec, i);
		when(added, sizeof(added), rec.added);
		when(matched, sizeof(matched), rec.matched);
		snprintf(period, sizeof(period), rec.type == OTP_TOTP ? "%us" : "-", rec.period);
		printf("%-*s %-4s %-6s %-6u %-6s %-20s %s\n", OTP_DEVICE_NAME_MAX / 2,
		       otp_device_name(&rec, 0), rec.type == OTP_TOTP ? "totp" : "hotp",
		       otp_alg_name(rec.alg), rec.digits, period, added, matched);
		otp_device_swap(&rec, i);
	}
	otp_record_clear(&rec);
	return EXIT_OK;
}

struct unlock { unsigned failures; int64_t wait; };

static int apply_unlock(struct otp_record *cur, void *arg)
{
	struct unlock *u = arg;

	u->failures = cur->failures;
	u->wait = otp_lockout_remaining(cur, time(NULL));
	otp_note_success(cur); /* failures, last failure and lockout, as a success clears them */
	return OTP_OK;
}

/* root's --unlock: the lockout cleared under the user's lock, and said in the log. */
int do_unlock(struct ctx *c)
{
	struct unlock u = { 0 };
	int rc;

	if (getuid() != 0 || !c->o->user) {
		say("--unlock is for root, with --user=NAME");
		return EXIT_USAGE;
	}
	if ((rc = target_open(c)) != EXIT_OK || (rc = locked_update(c, apply_unlock, &u)) != EXIT_OK)
		return rc;
	openlog("otp-enroll", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_NOTICE, "lockout of %s cleared by uid %u (%u failed attempts, %lld s left)",
	       c->user, (unsigned)getuid(), u.failures, (long long)u.wait);
	closelog();
	note(c, "Unlocked %s: %u failed attempt%s forgotten%s.", c->user, u.failures,
	     u.failures == 1 ? "" : "s", u.wait > 0 ? ", lockout lifted" : " (was not locked)");
	return EXIT_OK;
}
