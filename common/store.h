/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The user's record where it is kept, changed as one transaction: begin (lock, read afresh,
 * parse), write (atomic replace; a transaction may write more than once, the lock follows),
 * end (unlock, wipe). The module and otp-enroll both change records only through it, as
 * pam_faillock and faillock share one tally API. Today the record is a file (safefile.h);
 * a directory store (fleet mode) is the next implementation of the same steps.
 */
#ifndef OTP_STORE_H
#define OTP_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "otpfile.h"
#include "safefile.h"

struct otp_txn {
	struct otp_file *file;
	struct otp_locked lk;
	char *text;                 /* the record as read: what it was changed from */
	size_t len;
	struct otp_why perr; /* why the record did not parse */
};

/*
 * Lock the record (waiting at most timeout_ms), read it and parse it into rec. OTP_E_NOENT
 * when it does not exist. When it does not parse, t->perr.text says why (and is empty
 * otherwise); other failures are explained by t->file->why. Call otp_txn_end whatever this
 * returns.
 */
int otp_txn_begin(struct otp_txn *t, struct otp_file *file, unsigned timeout_ms,
		  struct otp_record *rec);
/* Replace the record with rec; flags as for otp_file_replace_ex (OTP_REPLACE_DEFER_SYNC). */
int otp_txn_write(struct otp_txn *t, const struct otp_record *rec, unsigned flags);
/* Make a deferred write durable. */
int otp_txn_sync(struct otp_txn *t);
/* Unlock, wipe what was read. Safe after a failed begin, and twice. */
void otp_txn_end(struct otp_txn *t);

#endif
