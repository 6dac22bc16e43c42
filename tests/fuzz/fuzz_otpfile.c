/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ~/.otp parser and serializer (common/otpfile.c). Any input: the parser must not crash,
 * and a failed parse leaves a cleared record and a located reason. A parsed record must
 * survive the round trip: format it, parse the text again, and the two records must agree
 * field by field; formatting the second record gives the same text (a fixed point).
 * The written text must also follow the table of keys (common/otpfile_keys.c): each line a
 * comment, a kept unknown line or a row's key, written once unless the row repeats, and only
 * for the kinds of record the row belongs to.
 */
#include "fuzz.h"

#include <string.h>

#include "err.h"
#include "otpfile.h"
#include "otpfile_keys.h"
#include "secmem.h"

static void check_cleared(const struct otp_record *rec)
{
	static const uint8_t zero[OTP_SECRET_MAX];

	FUZZ_CHECK(rec->secret_len == 0);
	FUZZ_CHECK(memcmp(rec->secret, zero, sizeof(zero)) == 0);
	FUZZ_CHECK(rec->extra_count == 0 && rec->backup_count == 0);
	FUZZ_CHECK(!rec->has_sms_code && !rec->sealed && rec->grace_count == 0);
	FUZZ_CHECK(rec->phone[0] == '\0');
}

static void check_same_seal(const struct otp_sealed *a, const struct otp_sealed *b)
{
	FUZZ_CHECK(memcmp(a->keyid, b->keyid, OTP_SEAL_KEYID_LEN) == 0);
	FUZZ_CHECK(memcmp(a->eph, b->eph, OTP_SEAL_PUB_LEN) == 0);
	FUZZ_CHECK(memcmp(a->nonce, b->nonce, OTP_SEAL_NONCE_LEN) == 0);
	FUZZ_CHECK(a->ct_len == b->ct_len);
	FUZZ_CHECK(memcmp(a->ct, b->ct, a->ct_len) == 0);
}

/* The devices beyond the first (`device` lines) and the first one's name and history. */
static void check_same_devices(const struct otp_record *a, const struct otp_record *b)
{
	FUZZ_CHECK(strcmp(a->name, b->name) == 0);
	FUZZ_CHECK(a->added == b->added && a->matched == b->matched && a->drift == b->drift);
	FUZZ_CHECK(a->device_count == b->device_count);
	for (unsigned i = 0; i < a->device_count; i++) {
		const struct otp_device *x = &a->devices[i], *y = &b->devices[i];

		FUZZ_CHECK(strcmp(x->name, y->name) == 0);
		FUZZ_CHECK(x->type == y->type && x->alg == y->alg && x->digits == y->digits);
		FUZZ_CHECK(x->period == y->period && x->sealed == y->sealed);
		FUZZ_CHECK(x->secret_len == y->secret_len);
		FUZZ_CHECK(memcmp(x->secret, y->secret, x->secret_len) == 0);
		if (x->sealed)
			check_same_seal(&x->seal, &y->seal);
		FUZZ_CHECK(x->counter == y->counter && x->last_step == y->last_step);
		FUZZ_CHECK(x->resync_counter == y->resync_counter && x->drift == y->drift);
		FUZZ_CHECK(x->added == y->added && x->matched == y->matched);
	}
	FUZZ_CHECK(otp_device_count(a) == otp_device_count(b));
}

static void check_same(const struct otp_record *a, const struct otp_record *b)
{
	FUZZ_CHECK(a->type == b->type);
	FUZZ_CHECK(a->alg == b->alg);
	FUZZ_CHECK(a->digits == b->digits);
	FUZZ_CHECK(a->period == b->period);
	FUZZ_CHECK(a->window == b->window);
	FUZZ_CHECK(a->secret_len == b->secret_len);
	FUZZ_CHECK(memcmp(a->secret, b->secret, a->secret_len) == 0);
	FUZZ_CHECK(a->sealed == b->sealed);
	if (a->sealed) {
		FUZZ_CHECK(memcmp(a->seal.keyid, b->seal.keyid, OTP_SEAL_KEYID_LEN) == 0);
		FUZZ_CHECK(memcmp(a->seal.eph, b->seal.eph, OTP_SEAL_PUB_LEN) == 0);
		FUZZ_CHECK(memcmp(a->seal.nonce, b->seal.nonce, OTP_SEAL_NONCE_LEN) == 0);
		FUZZ_CHECK(a->seal.ct_len == b->seal.ct_len);
		FUZZ_CHECK(memcmp(a->seal.ct, b->seal.ct, a->seal.ct_len) == 0);
	}
	FUZZ_CHECK(strcmp(a->phone, b->phone) == 0);
	FUZZ_CHECK(a->has_backup_kdf == b->has_backup_kdf);
	if (a->has_backup_kdf) {
		FUZZ_CHECK(a->backup_kdf.log2_n == b->backup_kdf.log2_n);
		FUZZ_CHECK(a->backup_kdf.r == b->backup_kdf.r);
		FUZZ_CHECK(a->backup_kdf.p == b->backup_kdf.p);
		FUZZ_CHECK(memcmp(a->backup_kdf.salt, b->backup_kdf.salt, OTP_SALT_LEN) == 0);
	}
	FUZZ_CHECK(a->backup_count == b->backup_count);
	FUZZ_CHECK(memcmp(a->backup, b->backup, a->backup_count * sizeof(a->backup[0])) == 0);
	FUZZ_CHECK(a->counter == b->counter);
	FUZZ_CHECK(a->last_step == b->last_step);
	FUZZ_CHECK(a->failures == b->failures);
	FUZZ_CHECK(a->last_failure == b->last_failure);
	FUZZ_CHECK(a->locked_until == b->locked_until);
	FUZZ_CHECK(a->resync_counter == b->resync_counter);
	FUZZ_CHECK(a->has_sms_code == b->has_sms_code);
	if (a->has_sms_code) {
		FUZZ_CHECK(a->sms_by_provider == b->sms_by_provider);
		FUZZ_CHECK(a->sms_expiry == b->sms_expiry);
		if (!a->sms_by_provider) {
			FUZZ_CHECK(memcmp(a->sms_salt, b->sms_salt, OTP_SALT_LEN) == 0);
			FUZZ_CHECK(memcmp(a->sms_hash, b->sms_hash, OTP_HASH_LEN) == 0);
		}
	}
	FUZZ_CHECK(a->sms_last == b->sms_last);
	/* The day of a zero count means nothing: the writer leaves the line out. */
	FUZZ_CHECK(a->sms_day_count == b->sms_day_count);
	if (a->sms_day_count)
		FUZZ_CHECK(a->sms_day == b->sms_day);
	FUZZ_CHECK(a->grace_count == b->grace_count);
	for (unsigned i = 0; i < a->grace_count; i++) {
		FUZZ_CHECK(memcmp(a->grace[i].host, b->grace[i].host, OTP_GRACE_HASH_LEN) == 0);
		FUZZ_CHECK(a->grace[i].until == b->grace[i].until);
		FUZZ_CHECK(memcmp(a->grace[i].mac, b->grace[i].mac, OTP_GRACE_HASH_LEN) == 0);
	}
	check_same_devices(a, b);
	FUZZ_CHECK(a->extra_count == b->extra_count);
	for (unsigned i = 0; i < a->extra_count; i++)
		FUZZ_CHECK(strcmp(a->extra[i], b->extra[i]) == 0);
	FUZZ_CHECK(otp_record_sms_only(a) == otp_record_sms_only(b));
}

/* text (NUL-terminated, from otp_record_format) against the table, for the record rec. */
static void check_lines_follow_table(const char *text, const struct otp_record *rec)
{
	unsigned kind = (rec->secret_len > 0 || rec->sealed) ? otp_code_kind(rec) : OTP_KIND_SMS;
	unsigned times[OTP_KEY_ROWS] = { 0 }, extra = 0;

	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		size_t n = strcspn(l, " \t\n");
		char key[OTP_LINE_MAX];
		int row;

		FUZZ_CHECK(strchr(l, '\n') != NULL && n < sizeof(key));
		memcpy(key, l, n);
		key[n] = '\0';
		if (key[0] == '#')
			continue;
		row = otp_key_find(key);
		if (row < 0) {
			/* Kept lines come last, in their order. */
			FUZZ_CHECK(extra < rec->extra_count);
			FUZZ_CHECK(strncmp(l, rec->extra[extra], strlen(rec->extra[extra])) == 0);
			extra++;
			continue;
		}
		FUZZ_CHECK(extra == 0);
		FUZZ_CHECK(otp_keys[row].kinds & kind);
		times[otp_key_slot((size_t)row)]++;
		FUZZ_CHECK(otp_keys[row].repeats || times[otp_key_slot((size_t)row)] == 1);
	}
	FUZZ_CHECK(extra == rec->extra_count);
	FUZZ_CHECK(times[OTP_KEY_VERSION] == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct otp_record a, b;
	struct otp_why err;
	char *text1 = NULL, *text2 = NULL;
	size_t len1 = 0, len2 = 0;
	int rc;

	rc = otp_record_parse((const char *)data, size, &a, &err);
	FUZZ_CHECK(memchr(err.text, '\0', sizeof(err.text)) != NULL);
	if (rc != OTP_OK) {
		FUZZ_CHECK(rc == OTP_E_PARSE || rc == OTP_E_TOOBIG || rc == OTP_E_NOMEM);
		FUZZ_CHECK(err.text[0] != '\0' || rc == OTP_E_NOMEM);
		FUZZ_CHECK(err.line <= OTP_LINES_MAX + 1);
		check_cleared(&a);
		return 0;
	}
	FUZZ_CHECK(a.secret_len > 0 || a.sealed || otp_record_sms_only(&a));

	rc = otp_record_format(&a, &text1, &len1);
	FUZZ_CHECK(rc == OTP_OK);
	FUZZ_CHECK(strlen(text1) == len1);
	check_lines_follow_table(text1, &a);

	rc = otp_record_parse(text1, len1, &b, &err);
	if (rc != OTP_OK)
		fprintf(stderr, "re-parse failed at line %u: %s\n--- formatted ---\n%s---\n",
			err.line, err.text, text1);
	FUZZ_CHECK(rc == OTP_OK);
	check_same(&a, &b);

	rc = otp_record_format(&b, &text2, &len2);
	FUZZ_CHECK(rc == OTP_OK);
	FUZZ_CHECK(len1 == len2 && memcmp(text1, text2, len1) == 0);

	otp_free_str(text1);
	otp_free_str(text2);
	otp_record_clear(&a);
	otp_record_clear(&a); /* documented as safe twice */
	otp_record_clear(&b);
	return 0;
}
