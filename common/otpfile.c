#include "otpfile.h"
#include "base32.h"
#include "err.h"
#include "numparse.h"
#include "secmem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIME_MAX INT64_C(253402300799) /* 9999-12-31: no timestamp is later */

/* Bit for each known key, to refuse duplicates and check what is present. */
enum {
	K_VERSION = 1u << 0, K_TYPE = 1u << 1, K_SECRET = 1u << 2, K_ALG = 1u << 3,
	K_DIGITS = 1u << 4, K_PERIOD = 1u << 5, K_WINDOW = 1u << 6, K_COUNTER = 1u << 7,
	K_PHONE = 1u << 8, K_KDF = 1u << 9, K_LAST_STEP = 1u << 10, K_FAILURES = 1u << 11,
	K_LAST_FAILURE = 1u << 12, K_LOCKED = 1u << 13, K_RESYNC = 1u << 14,
	K_SMS_CODE = 1u << 15, K_SMS_LAST = 1u << 16, K_SMS_DAY = 1u << 17,
	K_BACKUP = 0, /* repeatable */
};

struct parser {
	struct otp_record *rec;
	struct otp_parse_error *err;
	unsigned lineno;
	unsigned seen;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	p->err->line = p->lineno;
	va_start(ap, fmt);
	vsnprintf(p->err->reason, sizeof(p->err->reason), fmt, ap);
	va_end(ap);
	return OTP_E_PARSE;
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

static int want_words(struct parser *p, const char *key, int have, int want)
{
	if (have != want)
		return fail(p, "%s takes %d value%s", key, want, want == 1 ? "" : "s");
	return OTP_OK;
}

static int parse_time(struct parser *p, const char *key, const char *s, int64_t *out)
{
	if (otp_parse_i64(s, TIME_MAX, 0, out) != OTP_OK)
		return fail(p, "%s: not a time in seconds", key);
	return OTP_OK;
}

static int parse_uint(struct parser *p, const char *key, const char *s, uint64_t lo,
		      uint64_t hi, uint64_t *out)
{
	if (otp_parse_u64(s, hi, out) != OTP_OK || *out < lo)
		return fail(p, "%s must be a number from %llu to %llu", key,
			    (unsigned long long)lo, (unsigned long long)hi);
	return OTP_OK;
}

static int parse_line(struct parser *p, char *line)
{
	struct otp_record *rec = p->rec;
	char *w[7];
	int n = split_words(line, w, 7);
	const char *key;
	unsigned bit = 0;
	uint64_t u;
	int rc = OTP_OK;

	if (n == 0)
		return OTP_OK;
	key = w[0];
	if (n < 0)
		return fail(p, "too many values");
	if (!(p->seen & K_VERSION) && strcmp(key, "version") != 0)
		return fail(p, "the first line must be 'version %d'", OTP_FILE_VERSION);

	if (strcmp(key, "version") == 0) {
		bit = K_VERSION;
		if ((rc = want_words(p, key, n - 1, 1)))
			return rc;
		if (otp_parse_u64(w[1], 1000000, &u) != OTP_OK)
			return fail(p, "version is not a number");
		if (u != OTP_FILE_VERSION)
			return fail(p, "version %llu is not supported (this is version %d)",
				    (unsigned long long)u, OTP_FILE_VERSION);
	} else if (strcmp(key, "type") == 0) {
		bit = K_TYPE;
		if ((rc = want_words(p, key, n - 1, 1)))
			return rc;
		if (strcmp(w[1], "totp") == 0)
			rec->type = OTP_TOTP;
		else if (strcmp(w[1], "hotp") == 0)
			rec->type = OTP_HOTP;
		else
			return fail(p, "type must be totp or hotp");
	} else if (strcmp(key, "secret") == 0) {
		int len;

		bit = K_SECRET;
		if ((rc = want_words(p, key, n - 1, 1)))
			return rc;
		len = otp_base32_decode(w[1], strlen(w[1]), rec->secret, sizeof(rec->secret));
		if (len == OTP_E_TOOBIG)
			return fail(p, "secret is longer than %d bytes", OTP_SECRET_MAX);
		if (len < 0)
			return fail(p, "secret is not valid base32");
		if (len < 10)
			return fail(p, "secret is shorter than 80 bits");
		rec->secret_len = (size_t)len;
	} else if (strcmp(key, "sealed") == 0) {
		struct otp_sealed *sl = &rec->seal;
		size_t hexlen;

		bit = K_SECRET; /* a sealed secret stands in for the secret line */
		if ((rc = want_words(p, key, n - 1, 4)))
			return rc;
		hexlen = strlen(w[4]);
		if (otp_parse_hex(w[1], sl->keyid, OTP_SEAL_KEYID_LEN) != OTP_OK ||
		    otp_parse_hex(w[2], sl->eph, OTP_SEAL_PUB_LEN) != OTP_OK ||
		    otp_parse_hex(w[3], sl->nonce, OTP_SEAL_NONCE_LEN) != OTP_OK ||
		    hexlen % 2 || hexlen / 2 <= OTP_SEAL_TAG_LEN + 9 || hexlen / 2 > OTP_SEAL_CT_MAX ||
		    otp_parse_hex(w[4], sl->ct, hexlen / 2) != OTP_OK)
			return fail(p, "sealed must be: key id, ephemeral key, nonce, ciphertext (hex)");
		sl->ct_len = hexlen / 2;
		rec->sealed = true;
	} else if (strcmp(key, "grace") == 0) {
		struct otp_grace *g = &rec->grace[rec->grace_count];

		if ((rc = want_words(p, key, n - 1, 3)))
			return rc;
		if (rec->grace_count >= OTP_GRACE_MAX)
			return fail(p, "more than %d grace lines", OTP_GRACE_MAX);
		if (otp_parse_hex(w[1], g->host, OTP_GRACE_HASH_LEN) != OTP_OK ||
		    otp_parse_i64(w[2], TIME_MAX, 0, &g->until) != OTP_OK ||
		    otp_parse_hex(w[3], g->mac, OTP_GRACE_HASH_LEN) != OTP_OK)
			return fail(p, "grace must be: host hash, time, mac");
		rec->grace_count++;
	} else if (strcmp(key, "algorithm") == 0) {
		bit = K_ALG;
		if ((rc = want_words(p, key, n - 1, 1)))
			return rc;
		if (otp_alg_parse(w[1], &rec->alg) != OTP_OK)
			return fail(p, "algorithm must be SHA1, SHA256 or SHA512");
	} else if (strcmp(key, "digits") == 0) {
		bit = K_DIGITS;
		if ((rc = want_words(p, key, n - 1, 1)) ||
		    (rc = parse_uint(p, key, w[1], OTP_DIGITS_MIN, OTP_DIGITS_MAX, &u)))
			return rc;
		rec->digits = (unsigned)u;
	} else if (strcmp(key, "period") == 0) {
		bit = K_PERIOD;
		if ((rc = want_words(p, key, n - 1, 1)) ||
		    (rc = parse_uint(p, key, w[1], 1, OTP_PERIOD_MAX, &u)))
			return rc;
		rec->period = (unsigned)u;
	} else if (strcmp(key, "window") == 0) {
		bit = K_WINDOW;
		if ((rc = want_words(p, key, n - 1, 1)) ||
		    (rc = parse_uint(p, key, w[1], 0, OTP_WINDOW_MAX, &u)))
			return rc;
		rec->window = (int)u;
	} else if (strcmp(key, "counter") == 0) {
		bit = K_COUNTER;
		if ((rc = want_words(p, key, n - 1, 1)) ||
		    (rc = parse_uint(p, key, w[1], 0, UINT64_MAX / 2, &u)))
			return rc;
		rec->counter = u;
	} else if (strcmp(key, "phone") == 0) {
		bit = K_PHONE;
		if ((rc = want_words(p, key, n - 1, 1)))
			return rc;
		if (!otp_phone_valid(w[1]))
			return fail(p, "phone is not an E.164 number (+ and 7 to 15 digits)");
		memcpy(rec->phone, w[1], strlen(w[1]) + 1);
	} else if (strcmp(key, "backup_kdf") == 0) {
		bit = K_KDF;
		if ((rc = want_words(p, key, n - 1, 5)))
			return rc;
		if (strcmp(w[1], "scrypt") != 0)
			return fail(p, "backup_kdf must be scrypt");
		/* Capped: the user writes these, and the module runs them as root (N=2^16, r=8
		 * is 64 MiB already). */
		if ((rc = parse_uint(p, "scrypt log2(N)", w[2], 10, 16, &u)))
			return rc;
		rec->backup_kdf.log2_n = (unsigned)u;
		if ((rc = parse_uint(p, "scrypt r", w[3], 1, 8, &u)))
			return rc;
		rec->backup_kdf.r = (unsigned)u;
		if ((rc = parse_uint(p, "scrypt p", w[4], 1, 2, &u)))
			return rc;
		rec->backup_kdf.p = (unsigned)u;
		if (otp_parse_hex(w[5], rec->backup_kdf.salt, OTP_SALT_LEN) != OTP_OK)
			return fail(p, "backup_kdf salt must be %d hex digits", 2 * OTP_SALT_LEN);
		rec->has_backup_kdf = true;
	} else if (strcmp(key, "backup") == 0) {
		if ((rc = want_words(p, key, n - 1, 1)))
			return rc;
		if (rec->backup_count >= OTP_BACKUP_MAX)
			return fail(p, "more than %d backup codes", OTP_BACKUP_MAX);
		if (otp_parse_hex(w[1], rec->backup[rec->backup_count], OTP_HASH_LEN) != OTP_OK)
			return fail(p, "backup must be a hash of %d hex digits", 2 * OTP_HASH_LEN);
		rec->backup_count++;
	} else if (strcmp(key, "last_step") == 0) {
		bit = K_LAST_STEP;
		if ((rc = want_words(p, key, n - 1, 1)))
			return rc;
		if (otp_parse_i64(w[1], TIME_MAX, 1, &rec->last_step) != OTP_OK)
			return fail(p, "last_step must be a step number or -1");
	} else if (strcmp(key, "failures") == 0) {
		bit = K_FAILURES;
		if ((rc = want_words(p, key, n - 1, 1)) ||
		    (rc = parse_uint(p, key, w[1], 0, 1000000, &u)))
			return rc;
		rec->failures = (unsigned)u;
	} else if (strcmp(key, "last_failure") == 0) {
		bit = K_LAST_FAILURE;
		if ((rc = want_words(p, key, n - 1, 1)) ||
		    (rc = parse_time(p, key, w[1], &rec->last_failure)))
			return rc;
	} else if (strcmp(key, "locked_until") == 0) {
		bit = K_LOCKED;
		if ((rc = want_words(p, key, n - 1, 1)) ||
		    (rc = parse_time(p, key, w[1], &rec->locked_until)))
			return rc;
	} else if (strcmp(key, "resync_counter") == 0) {
		bit = K_RESYNC;
		if ((rc = want_words(p, key, n - 1, 1)) ||
		    (rc = parse_uint(p, key, w[1], 0, UINT64_MAX / 2, &u)))
			return rc;
		rec->resync_counter = (int64_t)u;
	} else if (strcmp(key, "sms_code") == 0) {
		bit = K_SMS_CODE;
		if (n == 3 && strcmp(w[1], "provider") == 0) {
			rec->sms_by_provider = true;
		} else {
			if ((rc = want_words(p, key, n - 1, 3)))
				return rc;
			if (otp_parse_hex(w[1], rec->sms_salt, OTP_SALT_LEN) != OTP_OK)
				return fail(p, "sms_code salt must be %d hex digits", 2 * OTP_SALT_LEN);
			if (otp_parse_hex(w[2], rec->sms_hash, OTP_HASH_LEN) != OTP_OK)
				return fail(p, "sms_code hash must be %d hex digits", 2 * OTP_HASH_LEN);
		}
		if ((rc = parse_time(p, "sms_code expiry", w[n - 1], &rec->sms_expiry)))
			return rc;
		rec->has_sms_code = true;
	} else if (strcmp(key, "sms_last") == 0) {
		bit = K_SMS_LAST;
		if ((rc = want_words(p, key, n - 1, 1)) ||
		    (rc = parse_time(p, key, w[1], &rec->sms_last)))
			return rc;
	} else if (strcmp(key, "sms_day") == 0) {
		bit = K_SMS_DAY;
		if ((rc = want_words(p, key, n - 1, 2)))
			return rc;
		if (otp_parse_i64(w[1], TIME_MAX / 86400, 0, &rec->sms_day) != OTP_OK)
			return fail(p, "sms_day must be a day number");
		if ((rc = parse_uint(p, "sms_day count", w[2], 0, 100000, &u)))
			return rc;
		rec->sms_day_count = (unsigned)u;
	} else {
		return OTP_E_NOENT; /* unknown: the caller keeps the line */
	}
	if (bit && (p->seen & bit))
		return fail(p, "%s appears twice", key);
	p->seen |= bit;
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

static int check_complete(struct parser *p)
{
	struct otp_record *rec = p->rec;

	p->lineno = 0;
	if (!(p->seen & K_VERSION))
		return fail(p, "empty file (no version line)");
	if (!(p->seen & K_SECRET) && (p->seen & K_TYPE))
		return fail(p, "no secret");
	if (!(p->seen & K_SECRET) && !(p->seen & K_PHONE))
		return fail(p, "no secret (and no phone for SMS codes only)");
	if (!(p->seen & K_SECRET) &&
	    (p->seen & (K_ALG | K_DIGITS | K_PERIOD | K_COUNTER | K_LAST_STEP | K_RESYNC)))
		return fail(p, "code settings without a secret");
	if ((p->seen & K_SECRET) && !(p->seen & K_TYPE))
		return fail(p, "no type");
	if (rec->type == OTP_HOTP && (p->seen & (K_PERIOD | K_LAST_STEP)))
		return fail(p, "period and last_step are for totp only");
	if (rec->type == OTP_TOTP && (p->seen & (K_COUNTER | K_RESYNC)))
		return fail(p, "counter and resync_counter are for hotp only");
	if (rec->backup_count > 0 && !rec->has_backup_kdf)
		return fail(p, "backup codes without a backup_kdf line");
	return OTP_OK;
}

int otp_record_parse(const char *buf, size_t len, struct otp_record *rec,
		     struct otp_parse_error *err)
{
	struct parser p = { .rec = rec, .err = err };
	char line[OTP_LINE_MAX + 1];
	size_t pos = 0;
	int rc = OTP_OK;

	otp_record_init(rec);
	memset(err, 0, sizeof(*err));
	if (len > OTP_FILE_MAX) {
		snprintf(err->reason, sizeof(err->reason), "larger than %d bytes", OTP_FILE_MAX);
		return OTP_E_TOOBIG;
	}
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t linelen = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		p.lineno++;
		if (p.lineno > OTP_LINES_MAX) {
			rc = fail(&p, "more than %d lines", OTP_LINES_MAX);
			goto out;
		}
		if (!nl) {
			/* A crash-safe writer always ends with a newline: a missing one is a cut. */
			rc = fail(&p, "last line has no newline (truncated file?)");
			goto out;
		}
		if (linelen >= OTP_LINE_MAX) {
			rc = fail(&p, "line longer than %d bytes", OTP_LINE_MAX - 1);
			goto out;
		}
		for (size_t i = 0; i < linelen; i++) {
			unsigned char c = (unsigned char)buf[pos + i];
			if (c == '\t')
				continue;
			if (c < 0x20 || c > 0x7e) {
				rc = fail(&p, c == 0 ? "NUL byte" : "control or non-ASCII byte");
				goto out;
			}
		}
		memcpy(line, buf + pos, linelen);
		line[linelen] = '\0';
		pos += linelen + 1;
		if (line[strspn(line, " \t")] == '#')
			continue;
		rc = parse_line(&p, line);
		if (rc == OTP_E_NOENT) {
			/* parse_line split the copy; keep the original text. */
			rc = keep_unknown(&p, buf + pos - linelen - 1, linelen);
		}
		if (rc != OTP_OK)
			goto out;
	}
	rc = check_complete(&p);
out:
	otp_wipe(line, sizeof(line));
	if (rc != OTP_OK)
		otp_record_clear(rec);
	return rc;
}

/* A growing output buffer that is wiped whenever it moves. */
struct outbuf {
	char *data;
	size_t len, cap;
	int err;
};

__attribute__((format(printf, 2, 3)))
static void out_printf(struct outbuf *o, const char *fmt, ...)
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

int otp_record_format(const struct otp_record *rec, char **out, size_t *outlen)
{
	struct outbuf o = { .cap = 1024 };
	char b32[OTP_BASE32_ENCODED_LEN(OTP_SECRET_MAX) + 1];
	char hex[2 * OTP_HASH_LEN + 1];

	*out = NULL;
	*outlen = 0;
	if ((rec->secret_len == 0 && !rec->sealed && !otp_record_sms_only(rec)) ||
	    rec->secret_len > OTP_SECRET_MAX || rec->grace_count > OTP_GRACE_MAX ||
	    rec->extra_count > OTP_EXTRA_MAX || rec->backup_count > OTP_BACKUP_MAX)
		return OTP_E_INVAL;
	o.data = malloc(o.cap);
	if (!o.data)
		return OTP_E_NOMEM;
	b32[0] = '\0';
	if (rec->secret_len > 0 &&
	    otp_base32_encode(rec->secret, rec->secret_len, b32, sizeof(b32)) < 0) {
		free(o.data);
		return OTP_E_INVAL;
	}
	out_printf(&o, "version %d\n", OTP_FILE_VERSION);
	out_printf(&o, "# pam_otp second factor: see otp(5). Keep this file private (mode 0600).\n");
	if (rec->secret_len > 0 || rec->sealed) {
		out_printf(&o, "type %s\n", rec->type == OTP_HOTP ? "hotp" : "totp");
		if (rec->sealed) {
			char k[2 * OTP_SEAL_KEYID_LEN + 1], e[2 * OTP_SEAL_PUB_LEN + 1];
			char nn[2 * OTP_SEAL_NONCE_LEN + 1], c[2 * OTP_SEAL_CT_MAX + 1];

			otp_format_hex(rec->seal.keyid, OTP_SEAL_KEYID_LEN, k);
			otp_format_hex(rec->seal.eph, OTP_SEAL_PUB_LEN, e);
			otp_format_hex(rec->seal.nonce, OTP_SEAL_NONCE_LEN, nn);
			otp_format_hex(rec->seal.ct, rec->seal.ct_len, c);
			out_printf(&o, "sealed %s %s %s %s\n", k, e, nn, c);
		} else {
			out_printf(&o, "secret %s\n", b32);
		}
		out_printf(&o, "algorithm %s\n", otp_alg_name(rec->alg));
		out_printf(&o, "digits %u\n", rec->digits);
		if (rec->type == OTP_TOTP)
			out_printf(&o, "period %u\n", rec->period);
		else
			out_printf(&o, "counter %llu\n", (unsigned long long)rec->counter);
	}
	if (rec->window >= 0)
		out_printf(&o, "window %d\n", rec->window);
	if (rec->phone[0])
		out_printf(&o, "phone %s\n", rec->phone);
	if (rec->has_backup_kdf) {
		otp_format_hex(rec->backup_kdf.salt, OTP_SALT_LEN, hex);
		out_printf(&o, "backup_kdf scrypt %u %u %u %s\n", rec->backup_kdf.log2_n,
			   rec->backup_kdf.r, rec->backup_kdf.p, hex);
	}
	for (unsigned i = 0; i < rec->backup_count; i++) {
		otp_format_hex(rec->backup[i], OTP_HASH_LEN, hex);
		out_printf(&o, "backup %s\n", hex);
	}
	if ((rec->secret_len > 0 || rec->sealed) && rec->type == OTP_TOTP && rec->last_step >= 0)
		out_printf(&o, "last_step %lld\n", (long long)rec->last_step);
	if ((rec->secret_len > 0 || rec->sealed) && rec->type == OTP_HOTP &&
	    rec->resync_counter >= 0)
		out_printf(&o, "resync_counter %lld\n", (long long)rec->resync_counter);
	if (rec->failures)
		out_printf(&o, "failures %u\n", rec->failures);
	if (rec->last_failure)
		out_printf(&o, "last_failure %lld\n", (long long)rec->last_failure);
	if (rec->locked_until)
		out_printf(&o, "locked_until %lld\n", (long long)rec->locked_until);
	if (rec->has_sms_code && rec->sms_by_provider) {
		out_printf(&o, "sms_code provider %lld\n", (long long)rec->sms_expiry);
	} else if (rec->has_sms_code) {
		char salt[2 * OTP_SALT_LEN + 1];

		otp_format_hex(rec->sms_salt, OTP_SALT_LEN, salt);
		otp_format_hex(rec->sms_hash, OTP_HASH_LEN, hex);
		out_printf(&o, "sms_code %s %s %lld\n", salt, hex, (long long)rec->sms_expiry);
	}
	if (rec->sms_last)
		out_printf(&o, "sms_last %lld\n", (long long)rec->sms_last);
	if (rec->sms_day_count)
		out_printf(&o, "sms_day %lld %u\n", (long long)rec->sms_day, rec->sms_day_count);
	for (unsigned i = 0; i < rec->grace_count && i < OTP_GRACE_MAX; i++) {
		char host[2 * OTP_GRACE_HASH_LEN + 1], mac[2 * OTP_GRACE_HASH_LEN + 1];

		otp_format_hex(rec->grace[i].host, OTP_GRACE_HASH_LEN, host);
		otp_format_hex(rec->grace[i].mac, OTP_GRACE_HASH_LEN, mac);
		out_printf(&o, "grace %s %lld %s\n", host, (long long)rec->grace[i].until, mac);
	}
	for (unsigned i = 0; i < rec->extra_count; i++)
		out_printf(&o, "%s\n", rec->extra[i]);
	otp_wipe(b32, sizeof(b32));
	if (o.err) {
		otp_wipe(o.data, o.cap);
		free(o.data);
		return o.err;
	}
	*out = o.data;
	*outlen = o.len;
	return OTP_OK;
}
