/* SPDX-License-Identifier: BSD-2-Clause */
#include "seal.h"
#include "err.h"
#include "safefile.h"
#include "secmem.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#define SEAL_LABEL "pam_otp seal v1"

struct otp_hostkey {
	EVP_PKEY *pkey;
	uint8_t pub[OTP_SEAL_PUB_LEN];
	uint8_t id[OTP_SEAL_KEYID_LEN];
};

static int finish_key(EVP_PKEY *pkey, struct otp_hostkey **out)
{
	struct otp_hostkey *k = calloc(1, sizeof(*k));
	size_t len = OTP_SEAL_PUB_LEN;
	uint8_t digest[32];

	if (!k || EVP_PKEY_get_raw_public_key(pkey, k->pub, &len) != 1 ||
	    len != OTP_SEAL_PUB_LEN ||
	    EVP_Digest(k->pub, len, digest, NULL, EVP_sha256(), NULL) != 1) {
		free(k);
		EVP_PKEY_free(pkey);
		return OTP_E_CRYPTO;
	}
	memcpy(k->id, digest, OTP_SEAL_KEYID_LEN);
	k->pkey = pkey;
	*out = k;
	return OTP_OK;
}

int otp_hostkey_load(const char *path, int private_key, struct otp_hostkey **key,
		     struct otp_why *why)
{
	struct otp_file f;
	char *pem = NULL;
	size_t len = 0;
	int rc = otp_file_open(&f, path, 0, true, 8192);

	*key = NULL;
	otp_why_clear(why);
	f.read_only = true;
	f.public_file = !private_key;
	if (rc == OTP_OK)
		rc = otp_file_read(&f, &pem, &len);
	if (rc == OTP_OK && (rc = otp_hostkey_from_pem(pem, len, private_key, key)) != OTP_OK)
		otp_why_set(why, 0, "%s is not an X25519 %s key", path,
			 private_key ? "private" : "public");
	else if (rc != OTP_OK)
		otp_why_set(why, 0, "%s", otp_why_text(&f.why, rc));
	if (pem) {
		otp_secret_free(pem);
	}
	otp_file_close(&f);
	return rc;
}

int otp_hostkey_from_pem(const char *pem, size_t len, int private_key, struct otp_hostkey **key)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *pkey;

	*key = NULL;
	if (!bio)
		return OTP_E_NOMEM;
	pkey = private_key ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
			   : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!pkey || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_X25519) {
		EVP_PKEY_free(pkey);
		return OTP_E_PARSE;
	}
	return finish_key(pkey, key);
}

void otp_hostkey_free(struct otp_hostkey *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	otp_wipe(key, sizeof(*key));
	free(key);
}

void otp_hostkey_id(const struct otp_hostkey *key, uint8_t id[OTP_SEAL_KEYID_LEN])
{
	memcpy(id, key->id, OTP_SEAL_KEYID_LEN);
}

static int write_pem(const char *path, mode_t mode, EVP_PKEY *pkey, int private_key)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	FILE *f;
	int ok;

	if (fd < 0)
		return OTP_E_IO;
	if (fchmod(fd, mode) != 0 || !(f = fdopen(fd, "w"))) {
		close(fd);
		unlink(path);
		return OTP_E_IO;
	}
	ok = private_key ? PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL)
			 : PEM_write_PUBKEY(f, pkey);
	ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok)
		unlink(path);
	return ok ? OTP_OK : OTP_E_IO;
}

int otp_hostkey_generate(const char *priv_path, const char *pub_path)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	int rc;

	if (!pkey)
		return OTP_E_CRYPTO;
	rc = write_pem(priv_path, 0600, pkey, 1);
	if (rc == OTP_OK && (rc = write_pem(pub_path, 0644, pkey, 0)) != OTP_OK)
		unlink(priv_path);
	EVP_PKEY_free(pkey);
	return rc;
}

/* key = HKDF-SHA256(ikm = shared, salt = eph || host public key, info = label). */
static int derive_key(EVP_PKEY *mine, EVP_PKEY *peer, const uint8_t eph[OTP_SEAL_PUB_LEN],
		      const uint8_t host[OTP_SEAL_PUB_LEN], uint8_t key[32])
{
	EVP_PKEY_CTX *dctx = EVP_PKEY_CTX_new(mine, NULL);
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	uint8_t shared[32], salt[2 * OTP_SEAL_PUB_LEN];
	size_t slen = sizeof(shared);
	OSSL_PARAM params[5];
	int rc = OTP_E_CRYPTO;

	EVP_KDF_free(kdf);
	memcpy(salt, eph, OTP_SEAL_PUB_LEN);
	memcpy(salt + OTP_SEAL_PUB_LEN, host, OTP_SEAL_PUB_LEN);
	if (dctx && kctx && EVP_PKEY_derive_init(dctx) == 1 &&
	    EVP_PKEY_derive_set_peer(dctx, peer) == 1 &&
	    EVP_PKEY_derive(dctx, shared, &slen) == 1 && slen == sizeof(shared)) {
		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
		params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, shared, slen);
		params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt, sizeof(salt));
		params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (char *)SEAL_LABEL,
							      strlen(SEAL_LABEL));
		params[4] = OSSL_PARAM_construct_end();
		if (EVP_KDF_derive(kctx, key, 32, params) == 1)
			rc = OTP_OK;
	}
	otp_wipe(shared, sizeof(shared));
	EVP_KDF_CTX_free(kctx);
	EVP_PKEY_CTX_free(dctx);
	return rc;
}

/* Associated data: label, key id, user and path, NUL-separated. */
static int gcm_aad(EVP_CIPHER_CTX *c, const uint8_t keyid[OTP_SEAL_KEYID_LEN], const char *user,
		   const char *path)
{
	int n;

	return EVP_CipherUpdate(c, NULL, &n, (const uint8_t *)SEAL_LABEL, sizeof(SEAL_LABEL)) == 1 &&
	       EVP_CipherUpdate(c, NULL, &n, keyid, OTP_SEAL_KEYID_LEN) == 1 &&
	       EVP_CipherUpdate(c, NULL, &n, (const uint8_t *)user, (int)strlen(user) + 1) == 1 &&
	       EVP_CipherUpdate(c, NULL, &n, (const uint8_t *)path, (int)strlen(path) + 1) == 1;
}

int otp_seal(const struct otp_hostkey *pub, const char *user, const char *path,
	     const uint8_t *secret, size_t len, struct otp_sealed *out)
{
	EVP_PKEY *eph = NULL;
	EVP_CIPHER_CTX *c = NULL;
	uint8_t key[32];
	size_t elen = OTP_SEAL_PUB_LEN;
	int n = 0, n2 = 0, rc = OTP_E_CRYPTO;

	if (len == 0 || len > OTP_SECRET_MAX)
		return OTP_E_INVAL;
	memset(out, 0, sizeof(*out));
	if (!(eph = EVP_PKEY_Q_keygen(NULL, NULL, "X25519")) ||
	    EVP_PKEY_get_raw_public_key(eph, out->eph, &elen) != 1 ||
	    RAND_bytes(out->nonce, OTP_SEAL_NONCE_LEN) != 1 ||
	    derive_key(eph, pub->pkey, out->eph, pub->pub, key) != OTP_OK)
		goto out;
	memcpy(out->keyid, pub->id, OTP_SEAL_KEYID_LEN);
	if ((c = EVP_CIPHER_CTX_new()) && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, out->nonce) == 1 &&
	    gcm_aad(c, out->keyid, user, path) &&
	    EVP_EncryptUpdate(c, out->ct, &n, secret, (int)len) == 1 &&
	    EVP_EncryptFinal_ex(c, out->ct + n, &n2) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, OTP_SEAL_TAG_LEN, out->ct + n + n2) == 1) {
		out->ct_len = (size_t)(n + n2) + OTP_SEAL_TAG_LEN;
		rc = OTP_OK;
	}
out:
	otp_wipe(key, sizeof(key));
	EVP_CIPHER_CTX_free(c);
	EVP_PKEY_free(eph);
	return rc;
}

int otp_unseal(const struct otp_hostkey *priv, const char *user, const char *path,
	       const struct otp_sealed *in, uint8_t *secret, size_t *len)
{
	EVP_PKEY *eph = NULL;
	EVP_CIPHER_CTX *c = NULL;
	uint8_t key[32];
	size_t body;
	int n = 0, n2 = 0, rc = OTP_E_CRYPTO;

	*len = 0;
	if (in->ct_len <= OTP_SEAL_TAG_LEN || in->ct_len > OTP_SEAL_CT_MAX)
		return OTP_E_PARSE;
	if (!otp_ct_equal(in->keyid, priv->id, OTP_SEAL_KEYID_LEN))
		return OTP_E_CRYPTO;
	body = in->ct_len - OTP_SEAL_TAG_LEN;
	if (!(eph = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, in->eph, OTP_SEAL_PUB_LEN)) ||
	    derive_key(priv->pkey, eph, in->eph, priv->pub, key) != OTP_OK)
		goto out;
	if ((c = EVP_CIPHER_CTX_new()) && EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, in->nonce) == 1 &&
	    gcm_aad(c, in->keyid, user, path) &&
	    EVP_DecryptUpdate(c, secret, &n, in->ct, (int)body) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, OTP_SEAL_TAG_LEN,
				(void *)(in->ct + body)) == 1 &&
	    EVP_DecryptFinal_ex(c, secret + n, &n2) == 1) {
		*len = (size_t)(n + n2);
		rc = OTP_OK;
	} else {
		otp_wipe(secret, body);
	}
out:
	otp_wipe(key, sizeof(key));
	EVP_CIPHER_CTX_free(c);
	EVP_PKEY_free(eph);
	return rc;
}

const struct otp_hostkey *otp_hostkey_find(struct otp_hostkey *const *keys, unsigned n,
					   const uint8_t keyid[OTP_SEAL_KEYID_LEN])
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t id[OTP_SEAL_KEYID_LEN];

		otp_hostkey_id(keys[i], id);
		if (memcmp(id, keyid, sizeof(id)) == 0)
			return keys[i];
	}
	return NULL;
}
