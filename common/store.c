/* SPDX-License-Identifier: BSD-2-Clause */
#include "store.h"
#include "err.h"
#include "monotime.h"
#include "secmem.h"

#include <openssl/rand.h>
#include <string.h>
#include <time.h>

#define RETRY_MAX 64           /* conflicts one transaction sits out at most */
#define RETRY_SPAN_MS 10000    /* and for at most this long */

/* The file store: a lock on the file, then plain reads and atomic replaces. */
static int file_begin(struct otp_store *st, struct otp_txn *t, unsigned timeout_ms)
{
	int rc = otp_file_lock(st->file, timeout_ms, &t->lk);

	return rc == OTP_OK ? otp_locked_read(st->file, &t->lk, &t->text, &t->len) : rc;
}

static int file_write(struct otp_store *st, struct otp_txn *t, const char *text, size_t len,
		      unsigned flags)
{
	/* A new file is made by otp_file_create with its owner (otp-enroll), not here. */
	if (!text)
		return otp_file_remove(st->file);
	return otp_file_replace_ex(st->file, &t->lk, text, len, flags);
}

static int file_sync(struct otp_store *st, struct otp_txn *t)
{
	(void)t;
	return otp_file_sync(st->file);
}

static void file_end(struct otp_store *st, struct otp_txn *t)
{
	(void)st;
	otp_file_unlock(&t->lk);
}

static void file_exchange(struct otp_store *st)
{
	(void)st;
}

static const struct otp_store_ops file_ops = {
	.kind = "file", .begin = file_begin, .write = file_write, .sync = file_sync,
	.end = file_end, .exchange = file_exchange,
};

void otp_store_file(struct otp_store *st, struct otp_file *file)
{
	*st = (struct otp_store){ .ops = &file_ops, .file = file, .why = &file->why };
}

void otp_store_exchange(struct otp_store *st)
{
	st->ops->exchange(st);
}

int otp_txn_begin(struct otp_txn *t, struct otp_store *st, unsigned timeout_ms,
		  struct otp_record *rec)
{
	unsigned tries = t->store == st ? t->tries : 0;
	int64_t give_up = t->store == st ? t->give_up_ms : 0;
	int rc;

	*t = (struct otp_txn){ .store = st, .lk = { .fd = -1 }, .tries = tries,
			       .give_up_ms = give_up };
	otp_record_init(rec);
	st->why->text[0] = '\0';
	rc = st->ops->begin(st, t, timeout_ms);
	if (rc == OTP_OK)
		rc = otp_record_parse(t->text, t->len, rec, &t->perr);
	return rc;
}

/* What was written is what the next write of this transaction replaces (NULL: nothing). */
static int keep_written(struct otp_txn *t, const char *text, size_t len)
{
	char *copy = NULL;

	if (text && !(copy = otp_secret_alloc(len + 1)))
		return OTP_E_NOMEM;
	if (copy)
		memcpy(copy, text, len);
	otp_secret_free(t->text);
	t->text = copy;
	t->len = len;
	return OTP_OK;
}

static int write_text(struct otp_txn *t, const struct otp_record *rec, unsigned flags)
{
	char *text = NULL;
	size_t len = 0;
	int rc = otp_record_format(rec, &text, &len);

	if (rc == OTP_OK)
		rc = t->store->ops->write(t->store, t, text, len, flags);
	/* Out of memory for the copy after a write: the next write would not know what it
	 * replaces, so the transaction is over (the caller treats it as a failed write). */
	if (rc == OTP_OK)
		rc = keep_written(t, text, len);
	t->lost = rc == OTP_E_CONFLICT;
	otp_free_str(text);
	return rc;
}

int otp_txn_write(struct otp_txn *t, const struct otp_record *rec, unsigned flags)
{
	return write_text(t, rec, flags);
}

int otp_txn_create(struct otp_txn *t, const struct otp_record *rec)
{
	int rc;

	if (t->text)
		return OTP_E_EXISTS;
	rc = write_text(t, rec, 0);
	return rc == OTP_E_CONFLICT ? OTP_E_EXISTS : rc;
}

int otp_txn_remove(struct otp_txn *t)
{
	int rc = t->store->ops->write(t->store, t, NULL, 0, 0);

	if (rc == OTP_OK)
		keep_written(t, NULL, 0);
	t->lost = rc == OTP_E_CONFLICT;
	return rc;
}

int otp_txn_sync(struct otp_txn *t)
{
	return t->store->ops->sync(t->store, t);
}

void otp_txn_end(struct otp_txn *t)
{
	if (t->store)
		t->store->ops->end(t->store, t);
	otp_secret_free(t->text);
	t->text = NULL;
	t->len = 0;
}

bool otp_txn_retry(struct otp_txn *t)
{
	int64_t now = otp_monotonic_ms();
	unsigned char r = 0;
	struct timespec pause;

	if (!t->lost)
		return false;
	t->lost = false;
	if (t->tries == 0)
		t->give_up_ms = now + RETRY_SPAN_MS;
	if (++t->tries > RETRY_MAX || now >= t->give_up_ms) {
		otp_why_set(t->store->why, OTP_E_CONFLICT, "the record kept changing under "
			    "concurrent logins (%u tries)", t->tries - 1);
		return false;
	}
	/* Random, growing pauses (1-2 ms up to 16-32 ms) so that racing hosts fall apart. */
	RAND_bytes(&r, 1);
	pause.tv_sec = 0;
	pause.tv_nsec = (long)((1u << (t->tries < 5 ? t->tries - 1 : 4)) * (1000 + r * 4)) * 1000;
	nanosleep(&pause, NULL);
	return true;
}
