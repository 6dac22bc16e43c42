/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ~/.otp keys: one parse and one format function each, and the table (at the end) that
 * the parser and the writer in otpfile.c read. See otpfile_keys.h.
 *
 * Values are checked here; whether a key belongs in the record (type, secret, phone) is
 * checked from the table once the whole file is read (otpfile.c, check_complete).
 */
#include "otpfile_keys.h"
#include "base32.h"
#include "err.h"
#include "numparse.h"
#include "secmem.h"

#include <string.h>

/* ---- helpers ---- */

static int line_uint(const struct otp_line *l, const char *what, const char *s, uint64_t lo,
		     uint64_t hi, uint64_t *out)
{
	if (otp_parse_u64(s, hi, out) != OTP_OK || *out < lo)
		return otp_line_fail(l, "%s must be a number from %llu to %llu", what,
				     (unsigned long long)lo, (unsigned long long)hi);
	return OTP_OK;
}

static int line_time(const struct otp_line *l, const char *what, const char *s, int64_t *out)
{
	if (otp_parse_i64(s, OTP_TIME_MAX, 0, out) != OTP_OK)
		return otp_line_fail(l, "%s: not a time in seconds", what);
	return OTP_OK;
}

/* The one value of a line as a number from lo to hi. */
static int line_value(const struct otp_line *l, uint64_t lo, uint64_t hi, uint64_t *out)
{
	return line_uint(l, l->key->name, l->v[0], lo, hi, out);
}

/* ---- enrollment ---- */

static int parse_version(struct otp_record *rec, const struct otp_line *l)
{
	uint64_t u;

	(void)rec;
	/* What otp-enroll --migrate=ldap leaves behind: closed, and saying why. */
	if (strcmp(l->v[0], "moved") == 0)
		return otp_line_fail(l, "this enrollment was moved to the directory (otp-enroll "
				     "--migrate=ldap): logins need store=ldap");
	if (otp_parse_u64(l->v[0], 1000000, &u) != OTP_OK)
		return otp_line_fail(l, "version is not a number");
	if (u != OTP_FILE_VERSION)
		return otp_line_fail(l, "version %llu is not supported (this is version %d)",
				     (unsigned long long)u, OTP_FILE_VERSION);
	return OTP_OK;
}

static void format_version(struct otp_outbuf *o, const struct otp_record *rec)
{
	(void)rec;
	otp_out_printf(o, "version %d\n", OTP_FILE_VERSION);
	otp_out_printf(o, "# pam_otp second factor: see otp(5). "
		       "Keep this file private (mode 0600).\n");
}

static int parse_type(struct otp_record *rec, const struct otp_line *l)
{
	if (strcmp(l->v[0], "totp") == 0)
		rec->type = OTP_TOTP;
	else if (strcmp(l->v[0], "hotp") == 0)
		rec->type = OTP_HOTP;
	else
		return otp_line_fail(l, "type must be totp or hotp");
	return OTP_OK;
}

static void format_type(struct otp_outbuf *o, const struct otp_record *rec)
{
	otp_out_printf(o, "type %s\n", rec->type == OTP_HOTP ? "hotp" : "totp");
}

int otp_secret_parse(const struct otp_line *l, const char *s, uint8_t *secret, size_t *len)
{
	int n = otp_base32_decode(s, strlen(s), secret, OTP_SECRET_MAX);

	if (n == OTP_E_TOOBIG)
		return otp_line_fail(l, "secret is longer than %d bytes", OTP_SECRET_MAX);
	if (n < 0)
		return otp_line_fail(l, "secret is not valid base32");
	if (n < 10)
		return otp_line_fail(l, "secret is shorter than 80 bits");
	*len = (size_t)n;
	return OTP_OK;
}

static int parse_secret(struct otp_record *rec, const struct otp_line *l)
{
	return otp_secret_parse(l, l->v[0], rec->secret, &rec->secret_len);
}

/* A sealed record is written with its `sealed` line, even once the secret is opened. */
static void format_secret(struct otp_outbuf *o, const struct otp_record *rec)
{
	char b32[OTP_BASE32_ENCODED_LEN(OTP_SECRET_MAX) + 1];

	if (rec->sealed)
		return;
	if (otp_base32_encode(rec->secret, rec->secret_len, b32, sizeof(b32)) < 0) {
		if (!o->err)
			o->err = OTP_E_INVAL;
		return;
	}
	otp_out_printf(o, "secret %s\n", b32);
	otp_wipe(b32, sizeof(b32));
}

bool otp_seal_parse(struct otp_sealed *sl, char *const v[4])
{
	size_t hexlen = strlen(v[3]);

	if (otp_parse_hex(v[0], sl->keyid, OTP_SEAL_KEYID_LEN) != OTP_OK ||
	    otp_parse_hex(v[1], sl->eph, OTP_SEAL_PUB_LEN) != OTP_OK ||
	    otp_parse_hex(v[2], sl->nonce, OTP_SEAL_NONCE_LEN) != OTP_OK ||
	    hexlen % 2 || hexlen / 2 <= OTP_SEAL_TAG_LEN + 9 || hexlen / 2 > OTP_SEAL_CT_MAX ||
	    otp_parse_hex(v[3], sl->ct, hexlen / 2) != OTP_OK)
		return false;
	sl->ct_len = hexlen / 2;
	return true;
}

static int parse_sealed(struct otp_record *rec, const struct otp_line *l)
{
	if (!otp_seal_parse(&rec->seal, l->v))
		return otp_line_fail(l, "sealed must be: key id, ephemeral key, nonce, ciphertext (hex)");
	rec->sealed = true;
	return OTP_OK;
}

void otp_seal_hex(const struct otp_sealed *sl, struct otp_seal_text *t)
{
	otp_format_hex(sl->keyid, OTP_SEAL_KEYID_LEN, t->keyid);
	otp_format_hex(sl->eph, OTP_SEAL_PUB_LEN, t->eph);
	otp_format_hex(sl->nonce, OTP_SEAL_NONCE_LEN, t->nonce);
	otp_format_hex(sl->ct, sl->ct_len <= OTP_SEAL_CT_MAX ? sl->ct_len : 0, t->ct);
}

static void format_sealed(struct otp_outbuf *o, const struct otp_record *rec)
{
	struct otp_seal_text t;

	if (!rec->sealed)
		return;
	otp_seal_hex(&rec->seal, &t);
	otp_out_printf(o, "sealed %s %s %s %s\n", t.keyid, t.eph, t.nonce, t.ct);
}

static int parse_algorithm(struct otp_record *rec, const struct otp_line *l)
{
	if (otp_alg_parse(l->v[0], &rec->alg) != OTP_OK)
		return otp_line_fail(l, "algorithm must be SHA1, SHA256 or SHA512");
	return OTP_OK;
}

static void format_algorithm(struct otp_outbuf *o, const struct otp_record *rec)
{
	otp_out_printf(o, "algorithm %s\n", otp_alg_name(rec->alg));
}

static int parse_digits(struct otp_record *rec, const struct otp_line *l)
{
	uint64_t u;
	int rc = line_value(l, OTP_DIGITS_MIN, OTP_DIGITS_MAX, &u);

	if (rc == OTP_OK)
		rec->digits = (unsigned)u;
	return rc;
}

static void format_digits(struct otp_outbuf *o, const struct otp_record *rec)
{
	otp_out_printf(o, "digits %u\n", rec->digits);
}

static int parse_period(struct otp_record *rec, const struct otp_line *l)
{
	uint64_t u;
	int rc = line_value(l, 1, OTP_PERIOD_MAX, &u);

	if (rc == OTP_OK)
		rec->period = (unsigned)u;
	return rc;
}

static void format_period(struct otp_outbuf *o, const struct otp_record *rec)
{
	otp_out_printf(o, "period %u\n", rec->period);
}

static int parse_counter(struct otp_record *rec, const struct otp_line *l)
{
	return line_value(l, 0, UINT64_MAX / 2, &rec->counter);
}

static void format_counter(struct otp_outbuf *o, const struct otp_record *rec)
{
	otp_out_printf(o, "counter %llu\n", (unsigned long long)rec->counter);
}

static int parse_window(struct otp_record *rec, const struct otp_line *l)
{
	uint64_t u;
	int rc = line_value(l, 0, OTP_WINDOW_MAX, &u);

	if (rc == OTP_OK)
		rec->window = (int)u;
	return rc;
}

static void format_window(struct otp_outbuf *o, const struct otp_record *rec)
{
	if (rec->window >= 0)
		otp_out_printf(o, "window %d\n", rec->window);
}

static int parse_phone(struct otp_record *rec, const struct otp_line *l)
{
	if (!otp_phone_valid(l->v[0]))
		return otp_line_fail(l, "phone is not an E.164 number (+ and 7 to 15 digits)");
	memcpy(rec->phone, l->v[0], strlen(l->v[0]) + 1);
	return OTP_OK;
}

static void format_phone(struct otp_outbuf *o, const struct otp_record *rec)
{
	if (rec->phone[0])
		otp_out_printf(o, "phone %s\n", rec->phone);
}

static int parse_backup_kdf(struct otp_record *rec, const struct otp_line *l)
{
	struct otp_backup_kdf *kdf = &rec->backup_kdf;
	uint64_t n, r, p;
	int rc;

	if (strcmp(l->v[0], "scrypt") != 0)
		return otp_line_fail(l, "backup_kdf must be scrypt");
	/* Capped: the user writes these, and the module runs them as root (N=2^16, r=8 is
	 * 64 MiB already). */
	if ((rc = line_uint(l, "scrypt log2(N)", l->v[1], 10, 16, &n)) ||
	    (rc = line_uint(l, "scrypt r", l->v[2], 1, 8, &r)) ||
	    (rc = line_uint(l, "scrypt p", l->v[3], 1, 2, &p)))
		return rc;
	if (otp_parse_hex(l->v[4], kdf->salt, OTP_SALT_LEN) != OTP_OK)
		return otp_line_fail(l, "backup_kdf salt must be %d hex digits", 2 * OTP_SALT_LEN);
	kdf->log2_n = (unsigned)n;
	kdf->r = (unsigned)r;
	kdf->p = (unsigned)p;
	rec->has_backup_kdf = true;
	return OTP_OK;
}

static void format_backup_kdf(struct otp_outbuf *o, const struct otp_record *rec)
{
	char salt[2 * OTP_SALT_LEN + 1];

	if (!rec->has_backup_kdf)
		return;
	otp_format_hex(rec->backup_kdf.salt, OTP_SALT_LEN, salt);
	otp_out_printf(o, "backup_kdf scrypt %u %u %u %s\n", rec->backup_kdf.log2_n,
		       rec->backup_kdf.r, rec->backup_kdf.p, salt);
}

static int parse_backup(struct otp_record *rec, const struct otp_line *l)
{
	if (rec->backup_count >= OTP_BACKUP_MAX)
		return otp_line_fail(l, "more than %d backup codes", OTP_BACKUP_MAX);
	if (otp_parse_hex(l->v[0], rec->backup[rec->backup_count], OTP_HASH_LEN) != OTP_OK)
		return otp_line_fail(l, "backup must be a hash of %d hex digits", 2 * OTP_HASH_LEN);
	rec->backup_count++;
	return OTP_OK;
}

static void format_backup(struct otp_outbuf *o, const struct otp_record *rec)
{
	char hex[2 * OTP_HASH_LEN + 1];

	for (unsigned i = 0; i < rec->backup_count && i < OTP_BACKUP_MAX; i++) {
		otp_format_hex(rec->backup[i], OTP_HASH_LEN, hex);
		otp_out_printf(o, "backup %s\n", hex);
	}
}

/* ---- state the module keeps ---- */

static int parse_last_step(struct otp_record *rec, const struct otp_line *l)
{
	if (otp_parse_i64(l->v[0], OTP_TIME_MAX, 1, &rec->last_step) != OTP_OK)
		return otp_line_fail(l, "last_step must be a step number or -1");
	return OTP_OK;
}

static void format_last_step(struct otp_outbuf *o, const struct otp_record *rec)
{
	if (rec->last_step >= 0)
		otp_out_printf(o, "last_step %lld\n", (long long)rec->last_step);
}

static int parse_resync_counter(struct otp_record *rec, const struct otp_line *l)
{
	uint64_t u;
	int rc = line_value(l, 0, UINT64_MAX / 2, &u);

	if (rc == OTP_OK)
		rec->resync_counter = (int64_t)u;
	return rc;
}

static void format_resync_counter(struct otp_outbuf *o, const struct otp_record *rec)
{
	if (rec->resync_counter >= 0)
		otp_out_printf(o, "resync_counter %lld\n", (long long)rec->resync_counter);
}

static int parse_failures(struct otp_record *rec, const struct otp_line *l)
{
	uint64_t u;
	int rc = line_value(l, 0, OTP_FAILURES_MAX, &u);

	if (rc == OTP_OK)
		rec->failures = (unsigned)u;
	return rc;
}

static void format_failures(struct otp_outbuf *o, const struct otp_record *rec)
{
	if (rec->failures)
		otp_out_printf(o, "failures %u\n", rec->failures);
}

static int parse_last_failure(struct otp_record *rec, const struct otp_line *l)
{
	return line_time(l, l->key->name, l->v[0], &rec->last_failure);
}

static void format_last_failure(struct otp_outbuf *o, const struct otp_record *rec)
{
	if (rec->last_failure)
		otp_out_printf(o, "last_failure %lld\n", (long long)rec->last_failure);
}

static int parse_locked_until(struct otp_record *rec, const struct otp_line *l)
{
	return line_time(l, l->key->name, l->v[0], &rec->locked_until);
}

static void format_locked_until(struct otp_outbuf *o, const struct otp_record *rec)
{
	if (rec->locked_until)
		otp_out_printf(o, "locked_until %lld\n", (long long)rec->locked_until);
}

/* `sms_code <salt> <hash> <expiry>`, or `sms_code provider <expiry>` when the provider
 * keeps the code (twilio-verify). */
static int parse_sms_code(struct otp_record *rec, const struct otp_line *l)
{
	int rc;

	if (l->n == 2 && strcmp(l->v[0], "provider") == 0) {
		rec->sms_by_provider = true;
	} else {
		if (l->n != 3)
			return otp_line_fail(l, "sms_code takes 3 values");
		if (otp_parse_hex(l->v[0], rec->sms_salt, OTP_SALT_LEN) != OTP_OK)
			return otp_line_fail(l, "sms_code salt must be %d hex digits",
					     2 * OTP_SALT_LEN);
		if (otp_parse_hex(l->v[1], rec->sms_hash, OTP_HASH_LEN) != OTP_OK)
			return otp_line_fail(l, "sms_code hash must be %d hex digits",
					     2 * OTP_HASH_LEN);
	}
	if ((rc = line_time(l, "sms_code expiry", l->v[l->n - 1], &rec->sms_expiry)))
		return rc;
	rec->has_sms_code = true;
	return OTP_OK;
}

static void format_sms_code(struct otp_outbuf *o, const struct otp_record *rec)
{
	char salt[2 * OTP_SALT_LEN + 1], hash[2 * OTP_HASH_LEN + 1];

	if (!rec->has_sms_code)
		return;
	if (rec->sms_by_provider) {
		otp_out_printf(o, "sms_code provider %lld\n", (long long)rec->sms_expiry);
		return;
	}
	otp_format_hex(rec->sms_salt, OTP_SALT_LEN, salt);
	otp_format_hex(rec->sms_hash, OTP_HASH_LEN, hash);
	otp_out_printf(o, "sms_code %s %s %lld\n", salt, hash, (long long)rec->sms_expiry);
}

static int parse_sms_last(struct otp_record *rec, const struct otp_line *l)
{
	return line_time(l, l->key->name, l->v[0], &rec->sms_last);
}

static void format_sms_last(struct otp_outbuf *o, const struct otp_record *rec)
{
	if (rec->sms_last)
		otp_out_printf(o, "sms_last %lld\n", (long long)rec->sms_last);
}

static int parse_sms_day(struct otp_record *rec, const struct otp_line *l)
{
	uint64_t u;
	int rc;

	if (otp_parse_i64(l->v[0], OTP_TIME_MAX / 86400, 0, &rec->sms_day) != OTP_OK)
		return otp_line_fail(l, "sms_day must be a day number");
	if ((rc = line_uint(l, "sms_day count", l->v[1], 0, 100000, &u)))
		return rc;
	rec->sms_day_count = (unsigned)u;
	return OTP_OK;
}

/* The day of a zero count means nothing: the line is left out. */
static void format_sms_day(struct otp_outbuf *o, const struct otp_record *rec)
{
	if (rec->sms_day_count)
		otp_out_printf(o, "sms_day %lld %u\n", (long long)rec->sms_day, rec->sms_day_count);
}

static int parse_grace(struct otp_record *rec, const struct otp_line *l)
{
	struct otp_grace *g;

	if (rec->grace_count >= OTP_GRACE_MAX)
		return otp_line_fail(l, "more than %d grace lines", OTP_GRACE_MAX);
	g = &rec->grace[rec->grace_count];
	if (otp_parse_hex(l->v[0], g->host, OTP_GRACE_HASH_LEN) != OTP_OK ||
	    otp_parse_i64(l->v[1], OTP_TIME_MAX, 0, &g->until) != OTP_OK ||
	    otp_parse_hex(l->v[2], g->mac, OTP_GRACE_HASH_LEN) != OTP_OK)
		return otp_line_fail(l, "grace must be: host hash, time, mac");
	rec->grace_count++;
	return OTP_OK;
}

static void format_grace(struct otp_outbuf *o, const struct otp_record *rec)
{
	char host[2 * OTP_GRACE_HASH_LEN + 1], mac[2 * OTP_GRACE_HASH_LEN + 1];

	for (unsigned i = 0; i < rec->grace_count && i < OTP_GRACE_MAX; i++) {
		otp_format_hex(rec->grace[i].host, OTP_GRACE_HASH_LEN, host);
		otp_format_hex(rec->grace[i].mac, OTP_GRACE_HASH_LEN, mac);
		otp_out_printf(o, "grace %s %lld %s\n", host, (long long)rec->grace[i].until, mac);
	}
}

/* ---- the table ---- */

/* The row order is the order lines are written in (and otp(5) lists them in). */
#define ROW(key, lo, hi, kinds_) \
	.name = #key, .min_values = lo, .max_values = hi, .kinds = kinds_, \
	.parse = parse_##key, .format = format_##key
/* A row whose functions are in another file (otpfile_devices.c). */
#define XROW(key, lo, hi, kinds_) \
	.name = #key, .min_values = lo, .max_values = hi, .kinds = kinds_, \
	.parse = otp_parse_##key, .format = otp_format_##key

/* Sized by the initialisers: a row more or less than OTP_KEY_ROWS conflicts with the
 * declaration in otpfile_keys.h and does not compile. */
const struct otp_key otp_keys[] = {
	{ ROW(version, 1, 1, OTP_KIND_ANY), .needed = OTP_KIND_ANY,
	  .missing = "empty file (no version line)" },
	{ ROW(type, 1, 1, OTP_KIND_CODE), .needed = OTP_KIND_CODE, .missing = "no type" },
	{ ROW(secret, 1, 1, OTP_KIND_CODE), .needed = OTP_KIND_CODE, .missing = "no secret" },
	{ ROW(sealed, 4, 4, OTP_KIND_CODE), .slot = "secret" },
	{ ROW(algorithm, 1, 1, OTP_KIND_CODE) },
	{ ROW(digits, 1, 1, OTP_KIND_CODE) },
	{ ROW(period, 1, 1, OTP_KIND_TOTP) },
	{ ROW(counter, 1, 1, OTP_KIND_HOTP) },
	{ ROW(window, 1, 1, OTP_KIND_ANY) },
	{ XROW(name, 1, 1, OTP_KIND_CODE) },
	{ XROW(added, 1, 1, OTP_KIND_CODE) },
	{ ROW(phone, 1, 1, OTP_KIND_ANY), .needed = OTP_KIND_SMS,
	  .missing = "no secret (and no phone for SMS codes only)" },
	{ ROW(backup_kdf, 5, 5, OTP_KIND_ANY) },
	{ ROW(backup, 1, 1, OTP_KIND_ANY), .repeats = true, .requires = "backup_kdf",
	  .missing = "backup codes without a backup_kdf line" },
	{ ROW(last_step, 1, 1, OTP_KIND_TOTP) },
	{ ROW(resync_counter, 1, 1, OTP_KIND_HOTP) },
	{ XROW(matched, 1, 1, OTP_KIND_CODE) },
	{ XROW(drift, 1, 1, OTP_KIND_TOTP) },
	{ ROW(failures, 1, 1, OTP_KIND_ANY) },
	{ ROW(last_failure, 1, 1, OTP_KIND_ANY) },
	{ ROW(locked_until, 1, 1, OTP_KIND_ANY) },
	{ ROW(sms_code, 2, 3, OTP_KIND_ANY) },
	{ ROW(sms_last, 1, 1, OTP_KIND_ANY) },
	{ ROW(sms_day, 2, 2, OTP_KIND_ANY) },
	{ ROW(grace, 3, 3, OTP_KIND_ANY), .repeats = true },
	{ XROW(device, 5, 5, OTP_KIND_CODE), .repeats = true },
};
#undef ROW
#undef XROW

int otp_key_find(const char *name)
{
	for (int i = 0; i < OTP_KEY_ROWS; i++)
		if (strcmp(otp_keys[i].name, name) == 0)
			return i;
	return -1;
}

size_t otp_key_slot(size_t row)
{
	int slot = otp_keys[row].slot ? otp_key_find(otp_keys[row].slot) : -1;

	return slot >= 0 ? (size_t)slot : row;
}

unsigned otp_code_kind(const struct otp_record *rec)
{
	return rec->type == OTP_HOTP ? OTP_KIND_HOTP : OTP_KIND_TOTP;
}
