/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ~/.otp keys of several authenticators (see devices.c, otp(5)): device 0's `name`,
 * `added`, `matched` and `drift` lines (its settings are the record's own lines), and one line
 * for each further device, its values packed with ':' to stay within OTP_VALUES_MAX:
 *
 *   device NAME TYPE:ALG:DIGITS:PERIOD SECRET STATE ADDED:MATCHED:DRIFT
 *
 * SECRET is base32, or sealed:KEYID:EPH:NONCE:CT (the `sealed` line's values); STATE is
 * LAST_STEP for totp (-1 none), COUNTER:RESYNC for hotp (RESYNC -1 none); PERIOD is 0 for
 * hotp. Each is written only when it is not at its default, so a file from before devices
 * is written back as it was. An older module keeps a `device` line as an unknown line.
 */
#include "otpfile_keys.h"
#include "base32.h"
#include "bounds.h"
#include "err.h"
#include "numparse.h"
#include "secmem.h"

#include <stdio.h>
#include <string.h>

/* Split s in place at ':' into exactly n parts. */
static bool split_colons(char *s, char **part, int n)
{
	int i = 0;

	part[i++] = s;
	for (; *s; s++) {
		if (*s != ':')
			continue;
		if (i == n)
			return false;
		*s = '\0';
		part[i++] = s + 1;
	}
	return i == n;
}

/* A signed step count, |n| <= OTP_DRIFT_MAX, no "-0". */
static bool parse_drift_value(const char *s, int *out)
{
	bool neg = s[0] == '-';
	uint64_t u;

	if (otp_parse_u64(s + neg, OTP_DRIFT_MAX, &u) != OTP_OK || (neg && u == 0))
		return false;
	*out = neg ? -(int)u : (int)u;
	return true;
}

static bool parse_time(const char *s, int64_t *out)
{
	return otp_parse_i64(s, OTP_TIME_MAX, 0, out) == OTP_OK;
}

/* ---- device 0 ---- */

int otp_parse_name(struct otp_record *rec, const struct otp_line *l)
{
	if (!otp_device_name_ok(l->v[0]))
		return otp_line_fail(l, "name must be 1 to %d of A-Z a-z 0-9 . _ -",
				     OTP_DEVICE_NAME_MAX);
	/* "default" is what no name reads as: kept as none, so it is written as none. */
	if (strcmp(l->v[0], OTP_DEFAULT_DEVICE) != 0)
		snprintf(rec->name, sizeof(rec->name), "%s", l->v[0]);
	return OTP_OK;
}

void otp_format_name(struct otp_outbuf *o, const struct otp_record *rec)
{
	if (rec->name[0] && strcmp(rec->name, OTP_DEFAULT_DEVICE) != 0)
		otp_out_printf(o, "name %s\n", rec->name);
}

int otp_parse_added(struct otp_record *rec, const struct otp_line *l)
{
	if (!parse_time(l->v[0], &rec->added))
		return otp_line_fail(l, "added: not a time in seconds");
	return OTP_OK;
}

void otp_format_added(struct otp_outbuf *o, const struct otp_record *rec)
{
	if (rec->added)
		otp_out_printf(o, "added %lld\n", (long long)rec->added);
}

int otp_parse_matched(struct otp_record *rec, const struct otp_line *l)
{
	if (!parse_time(l->v[0], &rec->matched))
		return otp_line_fail(l, "matched: not a time in seconds");
	return OTP_OK;
}

void otp_format_matched(struct otp_outbuf *o, const struct otp_record *rec)
{
	if (rec->matched)
		otp_out_printf(o, "matched %lld\n", (long long)rec->matched);
}

int otp_parse_drift(struct otp_record *rec, const struct otp_line *l)
{
	if (!parse_drift_value(l->v[0], &rec->drift))
		return otp_line_fail(l, "drift must be a number of steps from -%d to %d",
				     OTP_DRIFT_MAX, OTP_DRIFT_MAX);
	return OTP_OK;
}

void otp_format_drift(struct otp_outbuf *o, const struct otp_record *rec)
{
	if (rec->drift)
		otp_out_printf(o, "drift %d\n", rec->drift);
}

/* ---- further devices ---- */

/* TYPE:ALG:DIGITS:PERIOD */
static int device_spec(struct otp_device *d, const struct otp_line *l, char *s)
{
	char *p[4];
	uint64_t digits, period;

	if (!split_colons(s, p, 4))
		return otp_line_fail(l, "device settings must be type:algorithm:digits:period");
	if (strcmp(p[0], "totp") != 0 && strcmp(p[0], "hotp") != 0)
		return otp_line_fail(l, "device type must be totp or hotp");
	d->type = p[0][0] == 'h' ? OTP_HOTP : OTP_TOTP;
	if (otp_alg_parse(p[1], &d->alg) != OTP_OK)
		return otp_line_fail(l, "device algorithm must be SHA1, SHA256 or SHA512");
	if (otp_parse_u64(p[2], OTP_DIGITS_MAX, &digits) != OTP_OK || digits < OTP_DIGITS_MIN)
		return otp_line_fail(l, "device digits must be a number from %d to %d",
				     OTP_DIGITS_MIN, OTP_DIGITS_MAX);
	if (d->type == OTP_HOTP && strcmp(p[3], "0") != 0)
		return otp_line_fail(l, "device period must be 0 for hotp");
	if (d->type == OTP_TOTP && (otp_parse_u64(p[3], OTP_PERIOD_MAX, &period) != OTP_OK ||
				    period < 1))
		return otp_line_fail(l, "device period must be a number from 1 to %d",
				     OTP_PERIOD_MAX);
	d->digits = (unsigned)digits;
	d->period = d->type == OTP_TOTP ? (unsigned)period : 30; /* hotp: the record default */
	return OTP_OK;
}

/* Base32, or sealed:KEYID:EPH:NONCE:CT */
static int device_secret(struct otp_device *d, const struct otp_line *l, char *s)
{
	char *p[4];

	if (strncmp(s, "sealed:", 7) != 0)
		return otp_secret_parse(l, s, d->secret, &d->secret_len);
	if (!split_colons(s + 7, p, 4) || !otp_seal_parse(&d->seal, p))
		return otp_line_fail(l, "device sealed secret must be sealed:key id:ephemeral "
				     "key:nonce:ciphertext (hex)");
	d->sealed = true;
	return OTP_OK;
}

/* totp: LAST_STEP; hotp: COUNTER:RESYNC */
static int device_state(struct otp_device *d, const struct otp_line *l, char *s)
{
	char *p[2];

	d->last_step = d->resync_counter = -1;
	if (d->type == OTP_TOTP) {
		if (otp_parse_i64(s, OTP_TIME_MAX, 1, &d->last_step) != OTP_OK)
			return otp_line_fail(l, "device state must be a step number or -1 (totp)");
		return OTP_OK;
	}
	if (!split_colons(s, p, 2) || otp_parse_u64(p[0], UINT64_MAX / 2, &d->counter) != OTP_OK ||
	    otp_parse_i64(p[1], INT64_MAX, 1, &d->resync_counter) != OTP_OK)
		return otp_line_fail(l, "device state must be counter:resync counter or -1 (hotp)");
	return OTP_OK;
}

/* ADDED:MATCHED:DRIFT */
static int device_meta(struct otp_device *d, const struct otp_line *l, char *s)
{
	char *p[3];

	if (!split_colons(s, p, 3) || !parse_time(p[0], &d->added) ||
	    !parse_time(p[1], &d->matched) || !parse_drift_value(p[2], &d->drift))
		return otp_line_fail(l, "device history must be added:matched:drift (times, "
				     "steps from -%d to %d)", OTP_DRIFT_MAX, OTP_DRIFT_MAX);
	if (d->drift && d->type == OTP_HOTP)
		return otp_line_fail(l, "device drift must be 0 for hotp");
	return OTP_OK;
}

int otp_parse_device(struct otp_record *rec, const struct otp_line *l)
{
	struct otp_device d;
	int rc;

	if (rec->device_count >= OTP_DEVICES_MAX - 1)
		return otp_line_fail(l, "more than %d devices (the first one included)",
				     OTP_DEVICES_MAX);
	if (!otp_device_name_ok(l->v[0]))
		return otp_line_fail(l, "device name must be 1 to %d of A-Z a-z 0-9 . _ -",
				     OTP_DEVICE_NAME_MAX);
	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "%s", l->v[0]);
	if ((rc = device_spec(&d, l, l->v[1])) == OTP_OK &&
	    (rc = device_secret(&d, l, l->v[2])) == OTP_OK &&
	    (rc = device_state(&d, l, l->v[3])) == OTP_OK &&
	    (rc = device_meta(&d, l, l->v[4])) == OTP_OK)
		rec->devices[rec->device_count++] = d;
	otp_wipe(&d, sizeof(d));
	return rc;
}

static void format_device_secret(struct otp_outbuf *o, const struct otp_device *d)
{
	char b32[OTP_BASE32_ENCODED_LEN(OTP_SECRET_MAX) + 1];
	struct otp_seal_text t;

	if (d->sealed) {
		otp_seal_hex(&d->seal, &t);
		otp_out_printf(o, " sealed:%s:%s:%s:%s", t.keyid, t.eph, t.nonce, t.ct);
		return;
	}
	if (otp_base32_encode(d->secret, d->secret_len, b32, sizeof(b32)) < 0) {
		if (!o->err)
			o->err = OTP_E_INVAL;
		return;
	}
	otp_out_printf(o, " %s", b32);
	otp_wipe(b32, sizeof(b32));
}

static void format_one_device(struct otp_outbuf *o, const struct otp_device *d)
{
	bool hotp = d->type == OTP_HOTP;

	otp_out_printf(o, "device %s %s:%s:%u:%u", d->name, hotp ? "hotp" : "totp",
		       otp_alg_name(d->alg), d->digits, hotp ? 0 : d->period);
	format_device_secret(o, d);
	if (hotp)
		otp_out_printf(o, " %llu:%lld", (unsigned long long)d->counter,
			       (long long)d->resync_counter);
	else
		otp_out_printf(o, " %lld", (long long)d->last_step);
	otp_out_printf(o, " %lld:%lld:%d\n", (long long)d->added, (long long)d->matched,
		       hotp ? 0 : d->drift);
}

void otp_format_device(struct otp_outbuf *o, const struct otp_record *rec)
{
	for (unsigned i = 0; i < rec->device_count && i < OTP_DEVICES_MAX - 1; i++)
		format_one_device(o, &rec->devices[i]);
}

const char *otp_devices_duplicate(const struct otp_record *rec)
{
	for (unsigned i = 1; i <= rec->device_count && i < OTP_DEVICES_MAX; i++)
		for (unsigned j = 0; j < i; j++)
			if (strcmp(otp_device_name(rec, i), otp_device_name(rec, j)) == 0)
				return otp_device_name(rec, i);
	return NULL;
}

bool otp_devices_formattable(const struct otp_record *rec)
{
	if (rec->device_count > OTP_DEVICES_MAX - 1)
		return false;
	for (unsigned i = 0; i < rec->device_count; i++) {
		const struct otp_device *d = &rec->devices[i];

		if ((d->secret_len == 0 && !d->sealed) || d->secret_len > OTP_SECRET_MAX ||
		    !otp_device_name_ok(d->name) || d->seal.ct_len > OTP_SEAL_CT_MAX)
			return false;
	}
	return true;
}
