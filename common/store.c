/* SPDX-License-Identifier: BSD-2-Clause */
#include "store.h"
#include "err.h"
#include "secmem.h"

#include <string.h>

int otp_txn_begin(struct otp_txn *t, struct otp_file *file, unsigned timeout_ms,
		  struct otp_record *rec)
{
	int rc;

	*t = (struct otp_txn){ .file = file, .lk = { .fd = -1 } };
	otp_record_init(rec);
	file->why.text[0] = '\0';
	rc = otp_file_lock(file, timeout_ms, &t->lk);
	if (rc == OTP_OK)
		rc = otp_locked_read(file, &t->lk, &t->text, &t->len);
	if (rc == OTP_OK)
		rc = otp_record_parse(t->text, t->len, rec, &t->perr);
	return rc;
}

int otp_txn_write(struct otp_txn *t, const struct otp_record *rec, unsigned flags)
{
	char *text = NULL;
	size_t len = 0;
	int rc = otp_record_format(rec, &text, &len);

	if (rc == OTP_OK)
		rc = otp_file_replace_ex(t->file, &t->lk, text, len, flags);
	otp_free_str(text);
	return rc;
}

int otp_txn_sync(struct otp_txn *t)
{
	return otp_file_sync(t->file);
}

void otp_txn_end(struct otp_txn *t)
{
	otp_file_unlock(&t->lk);
	otp_secret_free(t->text);
	t->text = NULL;
	t->len = 0;
}
