/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Several authenticators per user. The first lives in the record's own fields (so a file
 * from before devices is one device, "default"); the others in rec->devices. Swapping one
 * into the record's fields lets every piece of code written for one authenticator work on
 * any of them.
 */
#include "otpfile.h"
#include "err.h"
#include "secmem.h"

#include <stdio.h>
#include <string.h>

unsigned otp_device_count(const struct otp_record *rec)
{
	if (otp_record_sms_only(rec))
		return 0;
	return 1 + rec->device_count;
}

#define SWAP(a, b) do { __typeof__(a) t_ = (a); (a) = (b); (b) = t_; } while (0)

void otp_device_swap(struct otp_record *rec, unsigned i)
{
	struct otp_device *d;
	uint8_t secret[OTP_SECRET_MAX];
	char name[OTP_DEVICE_NAME_MAX + 1];

	if (i == 0 || i > rec->device_count)
		return;
	d = &rec->devices[i - 1];
	memcpy(name, rec->name, sizeof(name));
	memcpy(rec->name, d->name, sizeof(name));
	memcpy(d->name, name, sizeof(name));
	SWAP(rec->type, d->type);
	SWAP(rec->alg, d->alg);
	SWAP(rec->digits, d->digits);
	SWAP(rec->period, d->period);
	memcpy(secret, rec->secret, sizeof(secret));
	memcpy(rec->secret, d->secret, sizeof(secret));
	memcpy(d->secret, secret, sizeof(secret));
	otp_wipe(secret, sizeof(secret));
	SWAP(rec->secret_len, d->secret_len);
	SWAP(rec->sealed, d->sealed);
	SWAP(rec->seal, d->seal);
	SWAP(rec->counter, d->counter);
	SWAP(rec->last_step, d->last_step);
	SWAP(rec->resync_counter, d->resync_counter);
	SWAP(rec->added, d->added);
	SWAP(rec->matched, d->matched);
	SWAP(rec->drift, d->drift);
}

const char *otp_device_name(const struct otp_record *rec, unsigned i)
{
	const char *n = i == 0 ? rec->name : i <= rec->device_count ? rec->devices[i - 1].name : "";

	return i == 0 && !n[0] ? OTP_DEFAULT_DEVICE : n;
}

int otp_device_find(const struct otp_record *rec, const char *name)
{
	for (unsigned i = 0; i < otp_device_count(rec); i++)
		if (strcmp(otp_device_name(rec, i), name) == 0)
			return (int)i;
	return -1;
}

bool otp_device_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > OTP_DEVICE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int otp_device_remove(struct otp_record *rec, unsigned i)
{
	if (otp_device_count(rec) < 2 || i >= otp_device_count(rec))
		return OTP_E_INVAL;
	/* Device 0: the next one moves into the record's fields, then its old slot goes. */
	if (i == 0) {
		otp_device_swap(rec, 1);
		i = 1;
	}
	otp_wipe(&rec->devices[i - 1], sizeof(rec->devices[0]));
	memmove(&rec->devices[i - 1], &rec->devices[i],
		(rec->device_count - i) * sizeof(rec->devices[0]));
	rec->device_count--;
	otp_wipe(&rec->devices[rec->device_count], sizeof(rec->devices[0]));
	return OTP_OK;
}

int otp_device_add(struct otp_record *rec, const struct otp_record *rec_new, const char *name,
		   int64_t now)
{
	struct otp_device *d;

	if (!otp_device_name_ok(name) || otp_device_find(rec, name) >= 0)
		return OTP_E_INVAL;
	if (otp_device_count(rec) >= OTP_DEVICES_MAX)
		return OTP_E_TOOBIG;
	d = &rec->devices[rec->device_count];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->type = rec_new->type;
	d->alg = rec_new->alg;
	d->digits = rec_new->digits;
	d->period = rec_new->period;
	memcpy(d->secret, rec_new->secret, sizeof(d->secret));
	d->secret_len = rec_new->secret_len;
	d->sealed = rec_new->sealed;
	d->seal = rec_new->seal;
	d->counter = rec_new->counter;
	d->last_step = rec_new->last_step;
	d->resync_counter = -1;
	d->added = now;
	rec->device_count++;
	return OTP_OK;
}
