/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ~/.otp parser and writer (see otpfile.h), driven by the table of keys in
 * otpfile_keys.c: this file splits lines, finds each key's row and checks the whole record
 * against the table; the rows parse and write the values.
 */
#include "otpfile.h"
#include "otpfile_keys.h"
#include "err.h"
#include "secmem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	struct otp_record *rec;
	struct otp_why *err;
	unsigned lineno;
	bool seen[OTP_KEY_ROWS];    /* by row index (a sealed line marks its slot, secret) */
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = otp_why_vat(p->err, OTP_E_PARSE, p->lineno, fmt, ap);
	va_end(ap);
	return rc;
}

int otp_line_fail(const struct otp_line *l, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = otp_why_vat(l->err, OTP_E_PARSE, l->lineno, fmt, ap);
	va_end(ap);
	return rc;
}

void otp_record_init(struct otp_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->type = OTP_TOTP;
	rec->alg = OTP_SHA1;
	rec->digits = 6;
	rec->period = 30;
	rec->window = -1;
	rec->last_step = -1;
	rec->resync_counter = -1;
}

void otp_record_clear(struct otp_record *rec)
{
	for (unsigned i = 0; i < rec->extra_count && i < OTP_EXTRA_MAX; i++)
		otp_free_str(rec->extra[i]);
	otp_wipe(rec, sizeof(*rec));
	otp_record_init(rec);
}

bool otp_record_sms_only(const struct otp_record *rec)
{
	return rec->secret_len == 0 && !rec->sealed && rec->phone[0] != '\0';
}

bool otp_phone_valid(const char *phone)
{
	size_t n = strlen(phone);

	if (n < 8 || n > OTP_PHONE_MAX || phone[0] != '+' || phone[1] < '1' || phone[1] > '9')
		return false;
	for (size_t i = 1; i < n; i++)
		if (phone[i] < '0' || phone[i] > '9')
			return false;
	return true;
}

/* Split "a b c" in place into at most max words; returns the count or -1 if more. */
static int split_words(char *s, char **words, int max)
{
	int n = 0;

	while (*s) {
		while (*s == ' ' || *s == '\t')
			*s++ = '\0';
		if (!*s)
			break;
		if (n == max)
			return -1;
		words[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
	return n;
}

/* One line: the key's row, its number of values, the row's parse, once only. */
static int parse_line(struct parser *p, char *line)
{
	char *w[OTP_VALUES_MAX + 1] = { NULL }; /* a row reading past its arity finds NULL */
	int n = split_words(line, w, OTP_VALUES_MAX + 1), row, rc;
	struct otp_line l = { .lineno = p->lineno, .err = p->err };
	size_t slot;

	if (n == 0)
		return OTP_OK;
	if (n < 0)
		return fail(p, "too many values");
	if (!p->seen[OTP_KEY_VERSION] && strcmp(w[0], otp_keys[OTP_KEY_VERSION].name) != 0)
		return fail(p, "the first line must be 'version %d'", OTP_FILE_VERSION);
	row = otp_key_find(w[0]);
	if (row < 0)
		return OTP_E_NOENT; /* unknown: the caller keeps the line */
	l.key = &otp_keys[row];
	l.v = w + 1;
	l.n = n - 1;
	if (l.n < l.key->min_values || l.n > l.key->max_values)
		return fail(p, "%s takes %d value%s", l.key->name, l.key->max_values,
			    l.key->max_values == 1 ? "" : "s");
	if ((rc = l.key->parse(p->rec, &l)) != OTP_OK)
		return rc;
	slot = otp_key_slot((size_t)row);
	if (p->seen[slot] && !l.key->repeats)
		return fail(p, "%s appears twice", l.key->name);
	p->seen[slot] = true;
	return OTP_OK;
}

static bool key_is_wellformed(const char *line, size_t len)
{
	size_t i = 0;

	for (; i < len && line[i] != ' ' && line[i] != '\t'; i++) {
		char c = line[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return i > 0;
}

static int keep_unknown(struct parser *p, const char *line, size_t len)
{
	struct otp_record *rec = p->rec;

	if (!key_is_wellformed(line, len))
		return fail(p, "not a 'key value' line");
	if (rec->extra_count >= OTP_EXTRA_MAX)
		return fail(p, "more than %d unknown lines", OTP_EXTRA_MAX);
	rec->extra[rec->extra_count] = strndup(line, len);
	if (!rec->extra[rec->extra_count])
		return OTP_E_NOMEM;
	rec->extra_count++;
	return OTP_OK;
}

/*
 * The kind of record the keys make: a type or a secret line (the keys every code record
 * needs) make a code record, TOTP or HOTP by its type; without them it is for SMS codes only.
 */
static unsigned parsed_kind(const struct parser *p)
{
	for (size_t i = 0; i < OTP_KEY_ROWS; i++)
		if (p->seen[i] && (otp_keys[i].needed & OTP_KIND_ANY) == OTP_KIND_CODE)
			return otp_code_kind(p->rec);
	return OTP_KIND_SMS;
}

static bool seen_key(const struct parser *p, const char *name)
{
	int row = otp_key_find(name);

	return row >= 0 && p->seen[otp_key_slot((size_t)row)];
}

/* A key the record's kind does not take: "period is for totp only". */
static int refuse_key(struct parser *p, unsigned kind, const struct otp_key *k)
{
	static const char *const names[] = { "totp", "hotp", "SMS-only records" };
	char allowed[64] = "";

	if (kind == OTP_KIND_SMS)
		return fail(p, "code setting %s without a secret", k->name);
	for (unsigned b = 0; b < sizeof(names) / sizeof(names[0]); b++)
		if (k->kinds & (1u << b))
			snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed),
				 "%s%s", allowed[0] ? " and " : "", names[b]);
	return fail(p, "%s is for %s only", k->name, allowed);
}

/* The whole file against the table: keys needed, keys out of place, keys that need another. */
static int check_complete(struct parser *p)
{
	unsigned kind = parsed_kind(p);
	const char *dup = otp_devices_duplicate(p->rec);

	p->lineno = 0;
	if (dup) /* checked once all names are read: `name` may follow the device lines */
		return fail(p, "device name %s is used twice", dup);
	for (size_t i = 0; i < OTP_KEY_ROWS; i++)
		if ((otp_keys[i].needed & kind) && !p->seen[i])
			return fail(p, "%s", otp_keys[i].missing);
	for (size_t i = 0; i < OTP_KEY_ROWS; i++)
		if (p->seen[i] && !(otp_keys[i].kinds & kind))
			return refuse_key(p, kind, &otp_keys[i]);
	for (size_t i = 0; i < OTP_KEY_ROWS; i++)
		if (p->seen[i] && otp_keys[i].requires && !seen_key(p, otp_keys[i].requires))
			return fail(p, "%s", otp_keys[i].missing);
	return OTP_OK;
}

/* The raw line s[0..linelen): present, ended, short enough, printable ASCII or tabs. */
static int check_line(struct parser *p, const char *s, size_t linelen, bool ended)
{
	if (p->lineno > OTP_LINES_MAX)
		return fail(p, "more than %d lines", OTP_LINES_MAX);
	if (!ended) /* A crash-safe writer always ends with a newline: a missing one is a cut. */
		return fail(p, "last line has no newline (truncated file?)");
	if (linelen >= OTP_LINE_MAX)
		return fail(p, "line longer than %d bytes", OTP_LINE_MAX - 1);
	for (size_t i = 0; i < linelen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c != '\t' && (c < 0x20 || c > 0x7e))
			return fail(p, c == 0 ? "NUL byte" : "control or non-ASCII byte");
	}
	return OTP_OK;
}

/* A checked line: a comment, a known key (parsed from the copy in line) or one kept. */
static int take_line(struct parser *p, const char *s, size_t linelen, char *line)
{
	int rc;

	memcpy(line, s, linelen);
	line[linelen] = '\0';
	if (line[strspn(line, " \t")] == '#')
		return OTP_OK;
	rc = parse_line(p, line);
	if (rc == OTP_E_NOENT) /* parse_line split the copy; keep the original text. */
		rc = keep_unknown(p, s, linelen);
	return rc;
}

int otp_record_parse(const char *buf, size_t len, struct otp_record *rec,
		     struct otp_why *err)
{
	struct parser p = { .rec = rec, .err = err };
	char line[OTP_LINE_MAX + 1];
	size_t pos = 0;
	int rc = OTP_OK;

	otp_record_init(rec);
	memset(err, 0, sizeof(*err));
	if (len > OTP_FILE_MAX) {
		snprintf(err->text, sizeof(err->text), "larger than %d bytes", OTP_FILE_MAX);
		return OTP_E_TOOBIG;
	}
	while (pos < len && rc == OTP_OK) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t linelen = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		p.lineno++;
		rc = check_line(&p, buf + pos, linelen, nl != NULL);
		if (rc == OTP_OK)
			rc = take_line(&p, buf + pos, linelen, line);
		pos += linelen + 1;
	}
	if (rc == OTP_OK)
		rc = check_complete(&p);
	otp_wipe(line, sizeof(line));
	if (rc != OTP_OK)
		otp_record_clear(rec);
	return rc;
}

void otp_out_printf(struct otp_outbuf *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->err)
		return;
	for (;;) {
		size_t room = o->cap - o->len;

		va_start(ap, fmt);
		n = vsnprintf(o->data + o->len, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->err = OTP_E_INVAL;
			return;
		}
		if ((size_t)n < room) {
			o->len += (size_t)n;
			return;
		}
		size_t ncap = o->cap * 2 + (size_t)n;
		char *nd = malloc(ncap);
		if (!nd || ncap > 2 * OTP_FILE_MAX) {
			free(nd);
			o->err = nd ? OTP_E_TOOBIG : OTP_E_NOMEM;
			return;
		}
		memcpy(nd, o->data, o->len);
		otp_wipe(o->data, o->cap);
		free(o->data);
		o->data = nd;
		o->cap = ncap;
	}
}

/* A record the writer can write: a secret, a sealed secret or a phone, counts in range. */
static bool formattable(const struct otp_record *rec)
{
	return (rec->secret_len > 0 || rec->sealed || otp_record_sms_only(rec)) &&
	       rec->secret_len <= OTP_SECRET_MAX && rec->grace_count <= OTP_GRACE_MAX &&
	       rec->extra_count <= OTP_EXTRA_MAX && rec->backup_count <= OTP_BACKUP_MAX &&
	       otp_devices_formattable(rec);
}

/* The table's rows in order, each for the kinds of record it belongs to, then kept lines. */
int otp_record_format(const struct otp_record *rec, char **out, size_t *outlen)
{
	struct otp_outbuf o = { .cap = 1024 };
	unsigned kind = (rec->secret_len > 0 || rec->sealed) ? otp_code_kind(rec) : OTP_KIND_SMS;

	*out = NULL;
	*outlen = 0;
	if (!formattable(rec))
		return OTP_E_INVAL;
	o.data = malloc(o.cap);
	if (!o.data)
		return OTP_E_NOMEM;
	for (size_t i = 0; i < OTP_KEY_ROWS; i++)
		if (otp_keys[i].kinds & kind)
			otp_keys[i].format(&o, rec);
	for (unsigned i = 0; i < rec->extra_count; i++)
		otp_out_printf(&o, "%s\n", rec->extra[i]);
	if (o.err) {
		otp_wipe(o.data, o.cap);
		free(o.data);
		return o.err;
	}
	*out = o.data;
	*outlen = o.len;
	return OTP_OK;
}
