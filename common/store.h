/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The user's record where it is kept, changed as one transaction: begin (read afresh and
 * parse; the file store also locks), write (replace what begin read; a transaction may write
 * more than once), end (unlock, wipe). The module and otp-enroll both change records only
 * through it, as pam_faillock and faillock share one tally API.
 *
 * Two stores: a file (~/.otp, safefile.h), where the lock makes every write succeed, and the
 * directory (store=ldap, store_ldap.h), where nothing is locked and a write is a
 * compare-and-swap: OTP_E_CONFLICT says another login changed the record first and nothing
 * was written. Callers therefore loop: on OTP_E_CONFLICT, end, begin again and decide again
 * on the fresh record (otp_txn_retry paces that and bounds it).
 */
#ifndef OTP_STORE_H
#define OTP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otpfile.h"
#include "safefile.h"

struct otp_store;
struct otp_txn;

struct otp_store_ops {
	const char *kind;   /* "file", "ldap": for messages */
	/* Read the record (OTP_E_NOENT: none) into t->text; the file store locks first. */
	int (*begin)(struct otp_store *st, struct otp_txn *t, unsigned timeout_ms);
	/* Replace t->text (NULL: there is none) with text (NULL: remove the record). */
	int (*write)(struct otp_store *st, struct otp_txn *t, const char *text, size_t len,
		     unsigned flags);
	int (*sync)(struct otp_store *st, struct otp_txn *t);
	void (*end)(struct otp_store *st, struct otp_txn *t);
	/* A new exchange with the store: the directory's deadline starts again. */
	void (*exchange)(struct otp_store *st);
};

struct otp_store {
	const struct otp_store_ops *ops;
	struct otp_file *file;       /* file store */
	struct otp_ldap_store *ldap; /* directory store */
	struct otp_why *why;         /* why the last step failed */
};

struct otp_txn {
	struct otp_store *store;
	struct otp_locked lk;        /* file store: the lock held */
	char *text;                  /* the record as read (or last written): what a write replaces */
	size_t len;
	bool lost;                   /* the directory said "conflict": begin again */
	unsigned tries;              /* conflicts so far (otp_txn_retry) */
	int64_t give_up_ms;          /* when retrying stops (monotonic) */
	struct otp_why perr;         /* why the record did not parse */
};

/* A transaction before its first begin (begin again after a conflict keeps its tries). */
#define OTP_TXN_INIT { .lk = { .fd = -1 } }

/* The file store for file (opened by the caller). */
void otp_store_file(struct otp_store *st, struct otp_file *file);
/* Start a new exchange (the directory's deadline); nothing for a file. */
void otp_store_exchange(struct otp_store *st);

/*
 * Begin: read the record and parse it into rec. OTP_E_NOENT when there is none. When it does
 * not parse, t->perr.text says why (and is empty otherwise); other failures are explained by
 * t->store->why. Call otp_txn_end whatever this returns. t starts as OTP_TXN_INIT; begun
 * again after a conflict (otp_txn_retry) it keeps its count of tries.
 */
int otp_txn_begin(struct otp_txn *t, struct otp_store *st, unsigned timeout_ms,
		  struct otp_record *rec);
/* Replace the record with rec; flags as for otp_file_replace_ex (OTP_REPLACE_DEFER_SYNC).
 * OTP_E_CONFLICT: another login changed it first (directory store), nothing was written. */
int otp_txn_write(struct otp_txn *t, const struct otp_record *rec, unsigned flags);
/* Create the record where there is none (OTP_E_EXISTS when there is one). */
int otp_txn_create(struct otp_txn *t, const struct otp_record *rec);
/* Remove the record read by begin. */
int otp_txn_remove(struct otp_txn *t);
/* Make a deferred write durable. */
int otp_txn_sync(struct otp_txn *t);
/* Unlock, wipe what was read. Safe after a failed begin, and twice. */
void otp_txn_end(struct otp_txn *t);
/*
 * After OTP_E_CONFLICT and otp_txn_end: true when the caller should begin again (after a
 * short random pause that grows with the tries), false when it has tried long enough
 * (then why says so and the caller fails closed).
 */
bool otp_txn_retry(struct otp_txn *t);

#endif
