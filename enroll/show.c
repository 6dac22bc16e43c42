/* SPDX-License-Identifier: BSD-2-Clause */
/* What the user sees: messages, the URI with its QR code, the secret, backup codes. */
#include "enroll.h"
#include "backup.h"
#include "base32.h"
#include "err.h"
#include "qr.h"
#include "secmem.h"
#include "uri.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

void say(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout); /* keep stdout and stderr in order on a terminal */
	fputs("otp-enroll: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void note(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->o->quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static bool want_colour(void)
{
	const char *term = getenv("TERM");

	/* https://no-color.org: an explicit request for no colours wins. */
	return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term && strcmp(term, "dumb") != 0;
}

static void warn_width(const struct ctx *c, const QRcode *q, enum qr_mode mode)
{
	struct winsize ws;
	int need = qr_columns(q, mode);

	if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0)
		return;
	if (ws.ws_col < need)
		say("the QR code is %d columns wide but the terminal has %d: widen the window%s, "
		    "or use --qr-png=FILE", need, ws.ws_col,
		    mode == QR_UTF8 ? "" : " or try --qr=utf8");
	(void)c;
}

static int draw(struct ctx *c, const char *uri)
{
	const struct options *o = c->o;
	enum qr_mode mode = o->qr == QR_AUTO ? qr_default_mode() : o->qr;
	QRcode *q;
	int rc = EXIT_OK;

	if (mode == QR_NONE && !o->qr_png && !o->qr_svg)
		return EXIT_OK;
	if (!(q = qr_make(uri))) {
		say("cannot make a QR code of the URI (libqrencode failed)");
		return EXIT_FAIL;
	}
	if (o->qr_png || o->qr_svg) {
		/* Image files are the caller's, even when root enrolls someone else. */
		ident_caller(c);
		if (o->qr_png)
			rc = qr_write_png(o->qr_png, q, o->force);
		if (rc == EXIT_OK && o->qr_svg)
			rc = qr_write_svg(o->qr_svg, q, o->force);
		if (ident_user(c) != 0)
			rc = EXIT_FAIL;
		if (rc == EXIT_OK)
			note(c, "QR code written to %s%s%s (it contains the secret: delete it once "
				"scanned).", o->qr_png ? o->qr_png : "", o->qr_png && o->qr_svg ? " and " : "",
			     o->qr_svg ? o->qr_svg : "");
	}
	if (rc == EXIT_OK && mode != QR_NONE) {
		note(c, "Scan this QR code with your authenticator app:\n");
		qr_print(stdout, q, mode, mode == QR_UTF8 && want_colour());
		putchar('\n');
		warn_width(c, q, mode);
	}
	qr_free(q);
	return rc;
}

int present(struct ctx *c, const struct otp_record *rec)
{
	const struct options *o = c->o;
	char uri[OTP_URI_MAX], label[OTP_URI_NAME_MAX + 1];
	struct otp_uri_params p = {
		.type = rec->type, .alg = rec->alg, .digits = rec->digits, .period = rec->period,
		.counter = rec->counter, .secret = rec->secret, .secret_len = rec->secret_len,
		.issuer = o->issuer ? o->issuer : otp_cfg_str(c->cfg.issuer, c->host),
		.account = o->label,
	};
	int rc;

	if (!p.account) {
		snprintf(label, sizeof(label), "%s@%s", c->user, c->host);
		p.account = label;
	}
	if (otp_uri_build(&p, uri, sizeof(uri)) < 0) {
		say("cannot build the otpauth URI: issuer '%s' or account '%s' is not usable "
		    "(use --issuer / --label)", p.issuer, p.account);
		return EXIT_FAIL;
	}
	rc = draw(c, uri);
	if (rc == EXIT_OK) {
		note(c, "Provisioning URI (it contains the secret):");
		puts(uri); /* always, on a line of its own: scripts read it */
		note(c, "%s", "");
		if (!o->quiet)
			show_secret(rec);
	}
	otp_wipe(uri, sizeof(uri));
	fflush(stdout);
	return rc;
}

int show_new_secret(struct ctx *c, const struct otp_record *rec)
{
	/* A token's secret typed in (--secret-stdin) is not shown back: it is programmed. */
	if (c->o->secret_stdin) {
		note(c, "Secret read from standard input (not shown); the token is %s, %s, %u "
		     "digits.", rec->type == OTP_TOTP ? "time-based (TOTP)" : "counter-based (HOTP)",
		     otp_alg_name(rec->alg), rec->digits);
		return EXIT_OK;
	}
	return present(c, rec);
}

void show_secret(const struct otp_record *rec)
{
	char b32[OTP_BASE32_ENCODED_LEN(OTP_SECRET_MAX) + 1];
	size_t n;

	if (otp_base32_encode(rec->secret, rec->secret_len, b32, sizeof(b32)) < 0)
		return;
	n = strlen(b32);
	printf("Or enter this secret by hand (base32):\n ");
	for (size_t i = 0; i < n; i += 4) {
		if (i && i % 32 == 0)
			printf("\n ");
		printf(" %.4s", b32 + i);
	}
	if (rec->type == OTP_TOTP)
		printf("\n  time-based (TOTP), %s, %u digits, every %u seconds\n\n",
		       otp_alg_name(rec->alg), rec->digits, rec->period);
	else
		printf("\n  counter-based (HOTP), %s, %u digits, counter %llu\n\n",
		       otp_alg_name(rec->alg), rec->digits, (unsigned long long)rec->counter);
	otp_wipe(b32, sizeof(b32));
}

void show_backup_codes(const struct ctx *c, char (*codes)[OTP_BACKUP_TEXT], unsigned n)
{
	if (n == 0)
		return;
	note(c, "Backup codes: each one works once, in place of a code from the app.\n"
		"They are shown only now: print them or keep them somewhere safe.");
	for (unsigned i = 0; i < n; i++)
		printf("  %s\n", codes[i]);
	note(c, "%s", "");
	fflush(stdout);
}

int make_backup_codes(struct otp_record *tmp, unsigned n, char (*codes)[OTP_BACKUP_TEXT])
{
	int rc;

	otp_record_init(tmp);
	if (n == 0)
		return EXIT_OK;
	rc = otp_backup_generate(tmp, n, OTP_BACKUP_DEFAULT_LOG2N, codes);
	if (rc != OTP_OK) {
		say("cannot make backup codes: %s", otp_strerror(rc));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

void copy_backup_codes(struct otp_record *dst, const struct otp_record *src)
{
	dst->has_backup_kdf = src->has_backup_kdf;
	dst->backup_kdf = src->backup_kdf;
	otp_wipe(dst->backup, sizeof(dst->backup));
	memcpy(dst->backup, src->backup, sizeof(dst->backup));
	dst->backup_count = src->backup_count;
}
