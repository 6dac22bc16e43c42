/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The directory store (store=ldap): the record in one attribute of the user's entry, read
 * and compare-and-swapped through pam_otp_ldap.so, which is loaded here only when asked for.
 */
#ifndef OTP_STORE_LDAP_H
#define OTP_STORE_LDAP_H

#include "cfg.h"
#include "store.h"

#ifndef OTP_LDAP_PLUGIN /* set by meson */
#define OTP_LDAP_PLUGIN "/usr/lib/pam_otp/pam_otp_ldap.so"
#endif

/*
 * Load the plugin (cfg->ldap_plugin or the default; a trusted path), connect to the directory
 * and find user's entry; st becomes the store of that entry. OTP_E_DIRECTORY (and the other
 * errors) with why saying which step failed. as: NULL for cfg's bind (the module, root's
 * otp-enroll); otp-enroll run by a user binds as them.
 */
struct otp_ldap_login {
	const char *bind_dn;    /* NULL: none (SASL) */
	const char *bind_pw;
	const char *sasl_mech;  /* "GSSAPI": with the caller's Kerberos ticket */
	bool bind_as_entry;     /* bind as the user's own entry with bind_pw */
};
int otp_store_ldap_open(struct otp_store *st, const struct otp_cfg *cfg, const char *user,
			const struct otp_ldap_login *as, struct otp_why *why);
/* The entry's DN (what a sealed secret is bound to, as a file is to its path). */
const char *otp_store_ldap_dn(const struct otp_store *st);
/* The record as it is now, without a transaction (before the prompt). Free with
 * otp_secret_free. OTP_E_NOENT: not enrolled. */
int otp_store_ldap_read(struct otp_store *st, char **text, size_t *len);
void otp_store_ldap_close(struct otp_store *st);

#endif
