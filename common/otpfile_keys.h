/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The keys of the ~/.otp format as one table (otpfile_keys.c), read by the parser and the
 * writer (otpfile.c). Internal to common/: the public interface is otpfile.h.
 *
 * A new key is one row: its name, how many values it takes, whether it may repeat, the
 * kinds of record it belongs to, a parse function and a format function. The parser finds
 * the row by name, refuses a second line for a key that does not repeat, and checks the
 * finished record against the rows; the writer walks the rows in order. The unit test
 * test_otpfile_keys checks that every row is both read and written.
 */
#ifndef OTP_OTPFILE_KEYS_H
#define OTP_OTPFILE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otpfile.h"
#include "bounds.h"

#define OTP_VALUES_MAX 6        /* values on a line after the key (otp(5)), known or not */

/* The kinds of record, for otp_key.kinds and .needed. */
enum {
	OTP_KIND_TOTP = 1u << 0,  /* bit order: the names in otpfile.c (refuse_key) */
	OTP_KIND_HOTP = 1u << 1,
	OTP_KIND_SMS = 1u << 2,    /* a phone and no secret: SMS codes only */
};
#define OTP_KIND_CODE (OTP_KIND_TOTP | OTP_KIND_HOTP)
#define OTP_KIND_ANY (OTP_KIND_CODE | OTP_KIND_SMS)

/* One line being parsed: the key's row, its values (after the key) and where it is. */
struct otp_line {
	const struct otp_key *key;
	char **v;
	int n;
	unsigned lineno;
	struct otp_why *err;
};

/* A growing output buffer that is wiped whenever it moves (otpfile.c). */
struct otp_outbuf {
	char *data;
	size_t len, cap;
	int err;                   /* the first error; later writes do nothing */
};

/* Reads l's values into rec; on an error, l->err says why (otp_line_fail). */
typedef int otp_key_parse_fn(struct otp_record *rec, const struct otp_line *l);
/* Writes the key's line(s) for rec; nothing when the field is absent or at its default. */
typedef void otp_key_format_fn(struct otp_outbuf *o, const struct otp_record *rec);

struct otp_key {
	const char *name;
	unsigned char min_values, max_values;
	bool repeats;              /* one line per item (backup, grace); else twice is an error */
	unsigned char kinds;       /* the records it may appear in (and is written for) */
	unsigned char needed;      /* the records it must appear in, else `missing` */
	const char *slot;          /* another key whose one line this stands for (sealed: secret) */
	const char *requires;      /* a key that must be present with this one, else `missing` */
	const char *missing;
	otp_key_parse_fn *parse;
	otp_key_format_fn *format;
};

/* Row 0 is `version`, which must come first in a file. */
#define OTP_KEY_ROWS 26
#define OTP_KEY_VERSION 0
extern const struct otp_key otp_keys[OTP_KEY_ROWS];

/* The row index for a key name, or -1. */
int otp_key_find(const char *name);
/* The index of the one-per-file place a row takes: its own, or its slot's. */
size_t otp_key_slot(size_t row);
/* The kind of a code record (TOTP or HOTP), from rec->type. */
unsigned otp_code_kind(const struct otp_record *rec);

/* Sets l->err (line and reason) and returns OTP_E_PARSE. */
__attribute__((format(printf, 2, 3)))
int otp_line_fail(const struct otp_line *l, const char *fmt, ...);

/* Shared by the rows of one secret (otpfile_keys.c) and of the `device` lines
 * (otpfile_devices.c). */
/* A base32 secret of at least 80 bits into secret[OTP_SECRET_MAX]; the reason on l. */
int otp_secret_parse(const struct otp_line *l, const char *s, uint8_t *secret, size_t *len);
/* Key id, ephemeral key, nonce, ciphertext in hex into sl; false if any is malformed. */
bool otp_seal_parse(struct otp_sealed *sl, char *const v[4]);
struct otp_seal_text {
	char keyid[2 * OTP_SEAL_KEYID_LEN + 1], eph[2 * OTP_SEAL_PUB_LEN + 1];
	char nonce[2 * OTP_SEAL_NONCE_LEN + 1], ct[2 * OTP_SEAL_CT_MAX + 1];
};
void otp_seal_hex(const struct otp_sealed *sl, struct otp_seal_text *t);

/* The rows of several authenticators (otpfile_devices.c). */
otp_key_parse_fn otp_parse_name, otp_parse_added, otp_parse_matched, otp_parse_drift,
	otp_parse_device;
otp_key_format_fn otp_format_name, otp_format_added, otp_format_matched, otp_format_drift,
	otp_format_device;
/* A device name used twice in rec (device 0's included), or NULL. */
const char *otp_devices_duplicate(const struct otp_record *rec);
/* rec's devices can be written: each has a secret or a seal, within bounds. */
bool otp_devices_formattable(const struct otp_record *rec);

__attribute__((format(printf, 2, 3)))
void otp_out_printf(struct otp_outbuf *o, const char *fmt, ...);

#endif
