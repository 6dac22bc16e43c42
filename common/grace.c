/* SPDX-License-Identifier: BSD-2-Clause */
#include "grace.h"
#include "err.h"
#include "secmem.h"

#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define GRACE_LABEL "pam_otp grace v1"

static int host_hash(const char *service, const char *rhost, uint8_t out[OTP_GRACE_HASH_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t digest[32];
	unsigned len = 0;
	int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
		 EVP_DigestUpdate(md, service, strlen(service) + 1) == 1 &&
		 EVP_DigestUpdate(md, rhost, strlen(rhost) + 1) == 1 &&
		 EVP_DigestFinal_ex(md, digest, &len) == 1;

	EVP_MD_CTX_free(md);
	if (!ok)
		return OTP_E_CRYPTO;
	memcpy(out, digest, OTP_GRACE_HASH_LEN);
	return OTP_OK;
}

static int grace_mac(const struct otp_record *rec, const char *user, const struct otp_grace *g,
		     uint8_t out[OTP_GRACE_HASH_LEN])
{
	uint8_t msg[sizeof(GRACE_LABEL) + 256 + OTP_GRACE_HASH_LEN + 8], mac[32];
	size_t ulen = strlen(user) + 1, n = 0;
	unsigned maclen = 0;

	if (rec->secret_len == 0 || ulen > 256)
		return OTP_E_INVAL;
	memcpy(msg, GRACE_LABEL, sizeof(GRACE_LABEL));
	n += sizeof(GRACE_LABEL);
	memcpy(msg + n, user, ulen);
	n += ulen;
	memcpy(msg + n, g->host, OTP_GRACE_HASH_LEN);
	n += OTP_GRACE_HASH_LEN;
	for (int i = 7; i >= 0; i--)
		msg[n++] = (uint8_t)((uint64_t)g->until >> (8 * i));
	if (!HMAC(EVP_sha256(), rec->secret, (int)rec->secret_len, msg, n, mac, &maclen))
		return OTP_E_CRYPTO;
	memcpy(out, mac, OTP_GRACE_HASH_LEN);
	otp_wipe(mac, sizeof(mac));
	return OTP_OK;
}

/*
 * An entry ending further ahead than the current setting allows was granted under a longer
 * grace_period (or forged by a clock set ahead): shortening the setting revokes it.
 */
static bool within_period(const struct otp_grace *g, time_t now, unsigned max_seconds)
{
	return g->until > (int64_t)now && g->until - (int64_t)now <= (int64_t)max_seconds;
}

bool otp_grace_valid(const struct otp_record *rec, const char *user, const char *service,
		     const char *rhost, time_t now, unsigned max_seconds)
{
	uint8_t host[OTP_GRACE_HASH_LEN], mac[OTP_GRACE_HASH_LEN];

	if (host_hash(service, rhost, host) != OTP_OK)
		return false;
	for (unsigned i = 0; i < rec->grace_count; i++) {
		const struct otp_grace *g = &rec->grace[i];

		if (!within_period(g, now, max_seconds) || !otp_ct_equal(g->host, host, sizeof(host)))
			continue;
		if (grace_mac(rec, user, g, mac) == OTP_OK && otp_ct_equal(mac, g->mac, sizeof(mac)))
			return true;
	}
	return false;
}

int otp_grace_record(struct otp_record *rec, const char *user, const char *service,
		     const char *rhost, time_t now, unsigned seconds)
{
	struct otp_grace g = { .until = (int64_t)now + seconds };
	unsigned keep = 0, oldest = 0;
	int rc;

	if ((rc = host_hash(service, rhost, g.host)) != OTP_OK ||
	    (rc = grace_mac(rec, user, &g, g.mac)) != OTP_OK)
		return rc;
	/* Keep live entries for other hosts (none longer than the current period); then make
	 * room by dropping the oldest. */
	for (unsigned i = 0; i < rec->grace_count; i++) {
		struct otp_grace *e = &rec->grace[i];
		if (within_period(e, now, seconds) && memcmp(e->host, g.host, sizeof(g.host)) != 0)
			rec->grace[keep++] = *e;
	}
	if (keep == OTP_GRACE_MAX) {
		for (unsigned i = 1; i < keep; i++)
			if (rec->grace[i].until < rec->grace[oldest].until)
				oldest = i;
		rec->grace[oldest] = rec->grace[--keep];
	}
	rec->grace[keep++] = g;
	rec->grace_count = keep;
	return OTP_OK;
}

bool otp_grace_applies(unsigned grace_period, bool grace_local, const char *rhost)
{
	return grace_period > 0 && (rhost[0] || grace_local);
}
