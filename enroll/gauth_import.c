/* SPDX-License-Identifier: BSD-2-Clause */
#include "gauth_import.h"
#include "backup.h"
#include "base32.h"
#include "err.h"
#include "kdf.h"
#include "numparse.h"
#include "safefile.h"
#include "secmem.h"
#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/rand.h>

#define GAUTH_WINDOW_MAX 100   /* google-authenticator refuses larger windows */

struct gparse {
	struct gauth *g;
	struct otp_why *why;
	unsigned lineno;
	bool totp, hotp, window_set;
	uint64_t window;
};

static int gfail(struct gparse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int gfail(struct gparse *p, const char *fmt, ...)
{
	struct otp_why *w = p->why;
	va_list ap;
	int n = p->lineno ? snprintf(w->text, sizeof(w->text), "line %u: ", p->lineno) : 0;

	w->line = p->lineno;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sizeof(w->text))
		vsnprintf(w->text + n, sizeof(w->text) - (size_t)n, fmt, ap);
	va_end(ap);
	return OTP_E_PARSE;
}

static void drop(struct gparse *p, const char *name)
{
	char *d = p->g->dropped;
	size_t n = strlen(d);

	if (strstr(d, name))
		return;
	snprintf(d + n, sizeof(p->g->dropped) - n, "%s%s", n ? ", " : "", name);
}

static int parse_secret(struct gparse *p, const char *line)
{
	struct otp_record *rec = &p->g->rec;
	int n = otp_base32_decode(line, strlen(line), rec->secret, sizeof(rec->secret));

	if (n < 0)
		return gfail(p, "the secret is not base32");
	/* The ~/.otp format asks for 80 bits, what google-authenticator makes at the least. */
	if (n < 10)
		return gfail(p, "the secret is shorter than 80 bits");
	rec->secret_len = (size_t)n;
	return OTP_OK;
}

static int number(struct gparse *p, const char *key, const char *s, uint64_t lo, uint64_t hi,
		  uint64_t *out)
{
	if (!s || otp_parse_u64(s, hi, out) != OTP_OK || *out < lo)
		return gfail(p, "%s needs a number from %llu to %llu", key, (unsigned long long)lo,
			     (unsigned long long)hi);
	return OTP_OK;
}

/* One '" KEY values' line. */
static int parse_option(struct gparse *p, char *line)
{
	struct otp_record *rec = &p->g->rec;
	char *save = NULL, *key = strtok_r(line + 1, " \t", &save);
	char *val = key ? strtok_r(NULL, " \t", &save) : NULL;
	uint64_t u;
	int rc;

	if (!key)
		return OTP_OK;
	if (strcmp(key, "TOTP_AUTH") == 0) {
		p->totp = true;
	} else if (strcmp(key, "HOTP_COUNTER") == 0) {
		/* google-authenticator treats a counter below 1 as "no HOTP". */
		if ((rc = number(p, key, val, 1, UINT64_MAX / 2, &u)))
			return rc;
		p->hotp = true;
		rec->counter = u;
	} else if (strcmp(key, "STEP_SIZE") == 0) {
		if ((rc = number(p, key, val, 1, OTP_PERIOD_MAX, &u)))
			return rc;
		rec->period = (unsigned)u;
	} else if (strcmp(key, "WINDOW_SIZE") == 0) {
		if ((rc = number(p, key, val, 1, GAUTH_WINDOW_MAX, &p->window)))
			return rc;
		p->window_set = true;
	} else if (strcmp(key, "DISALLOW_REUSE") == 0) {
		/* The time steps already used: the latest becomes our replay guard. */
		for (; val; val = strtok_r(NULL, " \t", &save)) {
			if ((rc = number(p, key, val, 0, INT64_MAX / 2, &u)))
				return rc;
			if ((int64_t)u > rec->last_step)
				rec->last_step = (int64_t)u;
		}
	} else if (strcmp(key, "RATE_LIMIT") == 0) {
		drop(p, "RATE_LIMIT (pam_otp's max_failures/lockout apply)");
	} else if (strcmp(key, "TIME_SKEW") == 0 || strcmp(key, "RESETTING_TIME_SKEW") == 0) {
		drop(p, "TIME_SKEW");
	} else {
		drop(p, key);
	}
	return OTP_OK;
}

static int parse_scratch(struct gparse *p, const char *line)
{
	struct gauth *g = p->g;
	size_t n = strlen(line);

	/* google-authenticator: exactly eight digits, the first not zero. */
	if (n != GAUTH_SCRATCH_LEN || line[0] < '1' || line[0] > '9' ||
	    strspn(line, "0123456789") != n)
		return gfail(p, "neither an option nor an eight-digit scratch code");
	if (g->nscratch >= OTP_BACKUP_MAX)
		return gfail(p, "more than %d scratch codes", OTP_BACKUP_MAX);
	memcpy(g->scratch[g->nscratch++], line, n + 1);
	return OTP_OK;
}

static int finish(struct gparse *p)
{
	struct otp_record *rec = &p->g->rec;

	p->lineno = 0;
	if (rec->secret_len == 0)
		return gfail(p, "empty file");
	if (p->totp == p->hotp)
		return gfail(p, p->totp ? "both TOTP_AUTH and HOTP_COUNTER" :
				 "neither TOTP_AUTH nor HOTP_COUNTER: no time- or counter-based code");
	rec->type = p->hotp ? OTP_HOTP : OTP_TOTP;
	if (rec->type == OTP_HOTP)
		rec->last_step = -1;
	if (p->window_set) {
		/* google-authenticator counts every code accepted: 3 is the current one and
		 * one either side for TOTP, three from the counter on for HOTP. */
		uint64_t w = rec->type == OTP_TOTP ? (p->window - 1) / 2 : p->window;
		rec->window = (int)(w > OTP_WINDOW_MAX ? OTP_WINDOW_MAX : w);
	}
	return OTP_OK;
}

int gauth_parse(const char *buf, size_t len, struct gauth *g, struct otp_why *why)
{
	struct gparse p = { .g = g, .why = why };
	char line[OTP_LINE_MAX];
	size_t pos = 0;
	int rc = OTP_OK;

	memset(g, 0, sizeof(*g));
	otp_record_init(&g->rec);
	otp_why_clear(why);
	while (pos < len && rc == OTP_OK) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - buf - pos) : len - pos;

		p.lineno++;
		if (n >= sizeof(line) || memchr(buf + pos, '\0', n)) {
			rc = gfail(&p, "line too long or contains a NUL byte");
			break;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos += n + 1;
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = '\0';
		if (p.lineno == 1)
			rc = parse_secret(&p, line);
		else if (line[0] == '"')
			rc = parse_option(&p, line);
		else if (n > 0)
			rc = parse_scratch(&p, line);
	}
	otp_wipe(line, sizeof(line));
	if (rc == OTP_OK)
		rc = finish(&p);
	if (rc != OTP_OK)
		gauth_clear(g);
	return rc;
}

void gauth_clear(struct gauth *g)
{
	otp_record_clear(&g->rec);
	otp_wipe(g, sizeof(*g));
	otp_record_init(&g->rec);
}

int gauth_store_scratch(struct gauth *g)
{
	int rc = OTP_OK;

	g->rec.backup_count = 0;
	g->rec.has_backup_kdf = false;
	for (unsigned i = 0; i < g->nscratch && rc == OTP_OK; i++)
		rc = otp_backup_add(&g->rec, g->scratch[i]);
	return rc;
}

bool gauth_scratch_usable(const struct gauth *g)
{
	struct otp_policy pol = OTP_POLICY_DEFAULTS;
	struct otp_record probe = g->rec; /* no kept lines: a plain copy is safe */
	struct otp_outcome out;
	bool ok;

	if (g->nscratch == 0 || g->rec.backup_count == 0)
		return false;
	pol.max_failures = 0;
	ok = otp_verify(&probe, &pol, g->scratch[0], time(NULL), &out) == OTP_OK &&
	     out.method == OTP_METHOD_BACKUP;
	otp_wipe(&probe, sizeof(probe));
	return ok;
}

/* The google-authenticator file is usually 0400: read it as a read-only source, with the
 * same checks (not a symlink, regular, owned by the user, no group/other bits, bounded). */
int gauth_read(const char *path, uid_t uid, struct gauth *g, struct otp_why *why)
{
	struct otp_file f;
	char *buf = NULL, abs[4096], cwd[4000];
	size_t len = 0;
	int rc;

	memset(g, 0, sizeof(*g));
	otp_record_init(&g->rec);
	if (path[0] != '/') { /* a FILE given relative to where otp-enroll runs */
		if (!getcwd(cwd, sizeof(cwd)) ||
		    snprintf(abs, sizeof(abs), "%s/%s", cwd, path) >= (int)sizeof(abs)) {
			otp_why_set(why, 0, "path too long");
			return OTP_E_INVAL;
		}
		path = abs;
	}
	rc = otp_file_open(&f, path, uid, false, OTP_FILE_MAX);
	f.read_only = true;
	if (rc == OTP_OK)
		rc = otp_file_read(&f, &buf, &len);
	if (rc != OTP_OK)
		otp_why_set(why, 0, "%s", otp_why_text(&f.why, rc));
	otp_file_close(&f);
	if (rc == OTP_OK)
		rc = gauth_parse(buf, len, g, why);
	if (buf) {
		otp_secret_free(buf);
	}
	return rc;
}
