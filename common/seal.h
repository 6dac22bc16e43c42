/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Secrets sealed at rest to a host key, so that only the module (as root) can use them:
 * X25519 ECDH with an ephemeral key, HKDF-SHA256, AES-256-GCM, all through OpenSSL EVP.
 * The associated data binds the user name and the file path, so a sealed secret copied into
 * another account does not open.
 */
#ifndef OTP_SEAL_H
#define OTP_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "otpfile.h"
#include "why.h"

#ifndef OTP_SEAL_PRIVATE_KEY /* set by meson from -Dsecurityconfdir */
#define OTP_SEAL_PRIVATE_KEY "/etc/security/pam_otp.key"
#define OTP_SEAL_PUBLIC_KEY "/etc/security/pam_otp.pub"
#endif

/* An opaque host key (public only, or a key pair). */
struct otp_hostkey;

/* Make a new key pair and write it as PEM: private to priv_path (0600), public (0644). */
int otp_hostkey_generate(const char *priv_path, const char *pub_path);
/*
 * Load a PEM key file owned by root in a root-owned directory chain (walked without
 * following symlinks): a private key must be closed to group and other, a public key only
 * to their writes. why explains a failure; OTP_E_NOENT when it does not exist.
 */
int otp_hostkey_load(const char *path, int private_key, struct otp_hostkey **key,
		     struct otp_why *why);
/* Load a PEM key from memory (private or public). */
int otp_hostkey_from_pem(const char *pem, size_t len, int private_key, struct otp_hostkey **key);
void otp_hostkey_free(struct otp_hostkey *key);
/* The key id a sealed secret names. */
void otp_hostkey_id(const struct otp_hostkey *key, uint8_t id[OTP_SEAL_KEYID_LEN]);
/* Of keys[0..n), the one a sealed secret with keyid names; NULL when none. */
const struct otp_hostkey *otp_hostkey_find(struct otp_hostkey *const *keys, unsigned n,
					   const uint8_t keyid[OTP_SEAL_KEYID_LEN]);

/* Seal secret for (user, path) to pub. */
int otp_seal(const struct otp_hostkey *pub, const char *user, const char *path,
	     const uint8_t *secret, size_t len, struct otp_sealed *out);
/* Open it with the private key; OTP_E_CRYPTO if it was tampered with or is for another
 * user, path or key. secret has OTP_SECRET_MAX bytes; wipe it after use. */
int otp_unseal(const struct otp_hostkey *priv, const char *user, const char *path,
	       const struct otp_sealed *in, uint8_t *secret, size_t *len);

#endif
