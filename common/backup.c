/* SPDX-License-Identifier: BSD-2-Clause */
#include "backup.h"
#include "err.h"
#include "secmem.h"

#include "kdf.h"

#include <string.h>
#include <openssl/rand.h>

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/* Exactly 8 digits, the first not 0: google-authenticator's scratch code format. */
static bool scratch_code(const char *input, char *out)
{
	size_t n = 0;

	for (const char *s = input; *s; s++) {
		if (*s == ' ')
			continue;
		if (*s < '0' || *s > '9' || n == OTP_SCRATCH_DIGITS)
			return false;
		out[n++] = *s;
	}
	out[n] = '\0';
	return n == OTP_SCRATCH_DIGITS && out[0] != '0';
}

/*
 * ASCII-only case folding: tolower() follows the locale of the host process, and under a
 * Turkish single-byte locale it maps 'I' to a dotless i (0xFD) and 0xDD (dotted capital I)
 * to 'i', so the same code would be refused or a non-ASCII byte accepted.
 */
static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool otp_backup_normalize(const char *input, char *out)
{
	size_t n = 0;

	if (scratch_code(input, out))
		return true;
	for (const char *s = input; *s; s++) {
		char c = ascii_lower(*s);

		if (c == '-' || c == ' ')
			continue;
		if (n == OTP_BACKUP_CHARS || !strchr(alphabet, c) || c == '\0') {
			otp_wipe(out, n);
			return false;
		}
		out[n++] = c;
	}
	out[n] = '\0';
	if (n != OTP_BACKUP_CHARS) {
		otp_wipe(out, n);
		return false;
	}
	return true;
}

static int backup_hash(const struct otp_backup_kdf *kdf, const char *code,
		       unsigned char hash[OTP_HASH_LEN])
{
	return otp_scrypt(code, kdf->salt, kdf->log2_n, kdf->r, kdf->p, hash);
}

int otp_backup_generate(struct otp_record *rec, unsigned count, unsigned log2_n,
			char (*codes)[OTP_BACKUP_TEXT])
{
	struct otp_record tmp = *rec; /* only the backup fields of tmp change */
	int rc = OTP_OK;

	if (count > OTP_BACKUP_MAX || log2_n < 10 || log2_n > 16)
		return OTP_E_INVAL;
	tmp.has_backup_kdf = true;
	tmp.backup_kdf = (struct otp_backup_kdf){ .log2_n = log2_n, .r = 8, .p = 1 };
	tmp.backup_count = 0;
	if (RAND_bytes(tmp.backup_kdf.salt, OTP_SALT_LEN) != 1)
		rc = OTP_E_CRYPTO;
	for (unsigned i = 0; i < count && rc == OTP_OK; i++) {
		unsigned char rnd[OTP_BACKUP_CHARS];
		char plain[OTP_BACKUP_CHARS + 1];

		if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
			rc = OTP_E_CRYPTO;
			break;
		}
		for (unsigned j = 0; j < OTP_BACKUP_CHARS; j++)
			plain[j] = alphabet[rnd[j] & 31]; /* 32 divides 256: no bias */
		plain[OTP_BACKUP_CHARS] = '\0';
		rc = backup_hash(&tmp.backup_kdf, plain, tmp.backup[i]);
		memcpy(codes[i], plain, 4);
		codes[i][4] = '-';
		memcpy(codes[i] + 5, plain + 4, 4);
		codes[i][9] = '-';
		memcpy(codes[i] + 10, plain + 8, 4);
		codes[i][14] = '\0';
		tmp.backup_count = i + 1;
		otp_wipe(rnd, sizeof(rnd));
		otp_wipe(plain, sizeof(plain));
	}
	if (rc == OTP_OK) {
		rec->has_backup_kdf = tmp.has_backup_kdf;
		rec->backup_kdf = tmp.backup_kdf;
		memcpy(rec->backup, tmp.backup, sizeof(rec->backup));
		rec->backup_count = count;
	} else {
		otp_wipe(codes, sizeof(*codes) * count);
	}
	otp_wipe(&tmp, sizeof(tmp));
	return rc;
}

int otp_backup_add(struct otp_record *rec, const char *code)
{
	char norm[OTP_BACKUP_CHARS + 1];
	int rc;

	if (rec->backup_count >= OTP_BACKUP_MAX || !otp_backup_normalize(code, norm))
		return OTP_E_INVAL;
	if (!rec->has_backup_kdf) {
		rec->backup_kdf = (struct otp_backup_kdf){ .log2_n = OTP_BACKUP_DEFAULT_LOG2N, .r = 8,
							   .p = 1 };
		if (RAND_bytes(rec->backup_kdf.salt, OTP_SALT_LEN) != 1)
			return OTP_E_CRYPTO;
		rec->has_backup_kdf = true;
	}
	rc = backup_hash(&rec->backup_kdf, norm, rec->backup[rec->backup_count]);
	otp_wipe(norm, sizeof(norm));
	if (rc == OTP_OK)
		rec->backup_count++;
	return rc;
}

int otp_backup_consume(struct otp_record *rec, const char *input)
{
	char code[OTP_BACKUP_CHARS + 1];
	unsigned char hash[OTP_HASH_LEN];
	int found = -1, rc;

	if (!rec->has_backup_kdf || rec->backup_count == 0 || !otp_backup_normalize(input, code))
		return OTP_E_WRONG;
	rc = backup_hash(&rec->backup_kdf, code, hash);
	otp_wipe(code, sizeof(code));
	if (rc != OTP_OK)
		return rc;
	/* Compare against every stored hash so the time does not say which one matched. */
	for (unsigned i = 0; i < rec->backup_count; i++)
		if (otp_ct_equal(hash, rec->backup[i], OTP_HASH_LEN))
			found = (int)i;
	otp_wipe(hash, sizeof(hash));
	if (found < 0)
		return OTP_E_WRONG;
	memmove(rec->backup[found], rec->backup[found + 1],
		(rec->backup_count - (unsigned)found - 1) * OTP_HASH_LEN);
	rec->backup_count--;
	otp_wipe(rec->backup[rec->backup_count], OTP_HASH_LEN);
	return OTP_OK;
}
