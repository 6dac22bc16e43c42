/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ~/.otp format (version 1), parsed from and written to memory. See otp(5).
 *
 *   version 1
 *   type totp                 (totp | hotp)
 *   secret JBSWY3DPEHPK3PXP   (base32), or sealed <keyid> <eph> <nonce> <ciphertext> (hex)
 *   algorithm SHA1            (SHA1 | SHA256 | SHA512)
 *   digits 6 | period 30 | window 1 | counter 0 | phone +15551234567
 *   backup_kdf scrypt 14 8 1 <salt-hex> / backup <hash-hex>   (one line per unused code)
 *   last_step, failures, last_failure, locked_until, resync_counter,
 *   sms_code <salt-hex> <hash-hex> <expiry> | sms_code provider <expiry>,
 *   sms_last, sms_day <day> <count>, grace <host> <until> <mac>   (module state)
 *
 * A file with a phone and no secret (and no type) enrolls a user for SMS codes only.
 *
 * Unknown keys are kept verbatim and written back, so a newer tool's fields survive an
 * older module. A higher version number is refused.
 */
#ifndef OTP_OTPFILE_H
#define OTP_OTPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hotp.h"
#include "why.h"

#define OTP_FILE_VERSION 1
#define OTP_FILE_MAX (64 * 1024)   /* bytes */
#define OTP_LINE_MAX 1024          /* bytes per line, newline included */
#define OTP_LINES_MAX 256
#define OTP_SECRET_MAX 128         /* bytes of decoded key */
#define OTP_BACKUP_MAX 32          /* stored backup codes */
#define OTP_HASH_LEN 32            /* bytes of a backup or SMS code hash */
#define OTP_SALT_LEN 16
#define OTP_EXTRA_MAX 32           /* unknown lines kept */
#define OTP_PHONE_MAX 16           /* "+" and up to 15 digits (E.164) */
#define OTP_PERIOD_MAX 300
#define OTP_WINDOW_MAX 20

#define OTP_SEAL_KEYID_LEN 8
#define OTP_SEAL_PUB_LEN 32
#define OTP_SEAL_NONCE_LEN 12
#define OTP_SEAL_TAG_LEN 16
#define OTP_SEAL_CT_MAX (OTP_SECRET_MAX + OTP_SEAL_TAG_LEN)
#define OTP_GRACE_MAX 8
#define OTP_DEVICES_MAX 5          /* authenticators per user, the first one included */
#define OTP_DEVICE_NAME_MAX 32     /* [A-Za-z0-9._-], 1 to 32 bytes */
#define OTP_DEFAULT_DEVICE "default"
#define OTP_DRIFT_MAX 100          /* the most any max_drift= may allow, in steps */
#define OTP_GRACE_HASH_LEN 16

enum otp_type { OTP_TOTP = 0, OTP_HOTP = 1 };

/* A secret sealed to a host key (see seal.h). */
struct otp_sealed {
	uint8_t keyid[OTP_SEAL_KEYID_LEN];   /* which host key: SHA-256 of its public key */
	uint8_t eph[OTP_SEAL_PUB_LEN];       /* ephemeral X25519 public key */
	uint8_t nonce[OTP_SEAL_NONCE_LEN];
	uint8_t ct[OTP_SEAL_CT_MAX];         /* ciphertext then GCM tag */
	size_t ct_len;
};

/* A grace period: no code asked of this (service, remote host) until `until`. */
struct otp_grace {
	uint8_t host[OTP_GRACE_HASH_LEN];    /* SHA-256(service, rhost), truncated */
	int64_t until;
	uint8_t mac[OTP_GRACE_HASH_LEN];     /* HMAC under the user's secret: unforgeable */
};

/*
 * One authenticator (app, token) beyond the first: what the first one keeps in the record's
 * own fields. otp_device_swap exchanges these with the record's, so that code written for
 * one authenticator (verification, sealing, the URI) works on any of them.
 */
struct otp_device {
	char name[OTP_DEVICE_NAME_MAX + 1];
	enum otp_type type;
	enum otp_alg alg;
	unsigned digits;
	unsigned period;
	uint8_t secret[OTP_SECRET_MAX];
	size_t secret_len;
	bool sealed;
	struct otp_sealed seal;
	uint64_t counter;
	int64_t last_step;
	int64_t resync_counter;
	int64_t added;              /* when it was enrolled, 0 unknown */
	int64_t matched;            /* when a code of it was last accepted, 0 never */
	int drift;                  /* TOTP: steps its clock is off (the last accepted code) */
};

struct otp_backup_kdf {
	unsigned log2_n, r, p;
	uint8_t salt[OTP_SALT_LEN];
};

struct otp_record {
	/* Enrollment. */
	enum otp_type type;
	enum otp_alg alg;
	unsigned digits;
	unsigned period;
	int window;                 /* -1: not set, the module's window= applies */
	uint8_t secret[OTP_SECRET_MAX];
	size_t secret_len;          /* 0 while a sealed secret is not opened */
	bool sealed;                /* the file holds `sealed`, not `secret` */
	struct otp_sealed seal;
	char phone[OTP_PHONE_MAX + 1]; /* "" when none */
	bool has_backup_kdf;
	struct otp_backup_kdf backup_kdf;
	uint8_t backup[OTP_BACKUP_MAX][OTP_HASH_LEN];
	unsigned backup_count;

	/* State the module updates under the lock. */
	uint64_t counter;           /* HOTP: next counter expected */
	int64_t last_step;          /* TOTP: last accepted step, -1 none */
	unsigned failures;          /* consecutive failed attempts */
	int64_t last_failure;       /* time of the last failure, 0 none */
	int64_t locked_until;       /* no attempt is checked before this time */
	int64_t resync_counter;     /* HOTP: counter of a far-ahead code, -1 none */
	bool has_sms_code;          /* a sent code is pending */
	bool sms_by_provider;       /* ... and the provider checks it (twilio-verify) */
	uint8_t sms_salt[OTP_SALT_LEN];
	uint8_t sms_hash[OTP_HASH_LEN];
	int64_t sms_expiry;
	int64_t sms_last;           /* time of the last text sent, 0 none */
	int64_t sms_day;            /* day number (time / 86400) of sms_day_count */
	unsigned sms_day_count;
	struct otp_grace grace[OTP_GRACE_MAX];
	unsigned grace_count;

	/* The first authenticator's name and history (its settings are the fields above). */
	char name[OTP_DEVICE_NAME_MAX + 1]; /* "" reads as OTP_DEFAULT_DEVICE */
	int64_t added;
	int64_t matched;
	int drift;
	/* The others, in the order they were added: `device` lines. */
	struct otp_device devices[OTP_DEVICES_MAX - 1];
	unsigned device_count;

	/* Lines with keys this version does not know, kept as they were. */
	char *extra[OTP_EXTRA_MAX];
	unsigned extra_count;
};

/* A record with defaults: TOTP, SHA1, 6 digits, 30 s, no state. No secret. */
void otp_record_init(struct otp_record *rec);
/* Wipe the secret and all hashes, free the kept lines. Safe to call twice. */
void otp_record_clear(struct otp_record *rec);

/*
 * Parse buf[0..len) into rec (initialised here). On OTP_E_PARSE or OTP_E_TOOBIG, err says
 * why (err->line: which line; 0 for the file as a whole), and rec is cleared. NUL bytes,
 * lines over OTP_LINE_MAX, duplicate keys,
 * out-of-range values and a missing version, type-specific field or secret are errors.
 */
int otp_record_parse(const char *buf, size_t len, struct otp_record *rec,
		     struct otp_why *err);

/*
 * Serialise rec into a new NUL-terminated buffer (*out, *outlen without the NUL) that
 * otp_record_parse accepts. The caller must wipe and free it (otp_free_str).
 */
int otp_record_format(const struct otp_record *rec, char **out, size_t *outlen);

/*
 * Authenticators: 1 + device_count (0 for an SMS-only record). Device 0 is the record's own
 * fields; otp_device_swap(rec, i) exchanges device i's settings, secret and state with them
 * (0: nothing), and a second call swaps back. Names: otp_device_name.
 */
unsigned otp_device_count(const struct otp_record *rec);
void otp_device_swap(struct otp_record *rec, unsigned i);
const char *otp_device_name(const struct otp_record *rec, unsigned i);
/* The index of the device called name, or -1. */
int otp_device_find(const struct otp_record *rec, const char *name);
/* [A-Za-z0-9._-], 1 to OTP_DEVICE_NAME_MAX bytes. */
bool otp_device_name_ok(const char *name);
/* Remove device i (device 0: the next one takes its place); OTP_E_INVAL for the last one. */
int otp_device_remove(struct otp_record *rec, unsigned i);
/* Append a device with rec_new's settings and secret (its own fields), named name. */
int otp_device_add(struct otp_record *rec, const struct otp_record *rec_new, const char *name,
		   int64_t now);

/* Enrolled for SMS codes only: a phone, no secret. */
bool otp_record_sms_only(const struct otp_record *rec);

/* E.164: '+', a non-zero digit, 7 to 15 digits in all. */
bool otp_phone_valid(const char *phone);

#endif
