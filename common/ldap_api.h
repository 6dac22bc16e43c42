/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The directory store's entry points (fleet mode, store=ldap), in pam_otp_ldap.so. It is
 * loaded with dlopen only when store=ldap, so a login on the file store never maps libldap
 * (nor GnuTLS and SASL behind it). Plain data crosses this boundary: settings as strings, the
 * record as text; the record's format, sealing and verification stay in the caller's core.
 */
#ifndef OTP_LDAP_API_H
#define OTP_LDAP_API_H

#include <stdbool.h>
#include <stddef.h>

#include "why.h"

#define OTP_LDAP_API_VERSION 1
#define OTP_LDAP_API_SYMBOL "otp_ldap_api_v1"
#define OTP_LDAP_VALUE_MAX (64 * 1024) /* = OTP_FILE_MAX: the same record as ~/.otp */

struct otp_ldap_settings {
	const char *uri;        /* space-separated; tried in order until one answers */
	const char *base;
	const char *filter;     /* %u: the user name, RFC 4515-escaped */
	const char *attr;
	const char *bind_dn;    /* NULL: SASL (sasl_mech, default EXTERNAL) */
	const char *bind_pw;
	const char *sasl_mech;  /* "EXTERNAL" (ldapi peer or client certificate), "GSSAPI" */
	const char *ca_file;
	const char *cert_file;  /* TLS client certificate and key, for SASL EXTERNAL */
	const char *key_file;
	bool bind_as_entry;     /* find the entry anonymously, then bind as it with bind_pw
				 * (otp-enroll run by the user, with their directory password) */
	unsigned timeout_ms;    /* one exchange, all in: connect, TLS, bind, search, modify */
	bool allow_insecure;    /* ldap:// without StartTLS (tests only) */
};

struct otp_ldap;

struct otp_ldap_api {
	unsigned version;
	/*
	 * Connect (failing over along the URIs), bind and find the user's one entry. OTP_OK, or
	 * OTP_E_DIRECTORY with why saying which step and which server failed (down, slow, TLS,
	 * credentials, no entry, several entries).
	 */
	int (*open)(const struct otp_ldap_settings *s, const char *user, struct otp_ldap **out,
		    struct otp_why *why);
	/* Start a new exchange: the next calls share one deadline of timeout_ms from now. */
	void (*exchange)(struct otp_ldap *l);
	/*
	 * The record as it is now (a fresh read; the first read after open uses what the search
	 * returned). OTP_E_NOENT: the entry has no record (not enrolled). Free with free_text.
	 */
	int (*read)(struct otp_ldap *l, char **text, size_t *len, struct otp_why *why);
	/*
	 * Compare-and-swap in one modify: delete the exact old value (NULL: there must be none)
	 * and add the new one (NULL: remove the record). OTP_E_CONFLICT when the record is no
	 * longer old (another login or host changed it): nothing was changed.
	 */
	int (*swap)(struct otp_ldap *l, const char *old, size_t old_len, const char *new_text,
		    size_t new_len, struct otp_why *why);
	const char *(*dn)(const struct otp_ldap *l);
	void (*free_text)(char *text, size_t len);
	void (*close)(struct otp_ldap *l);
};

#endif
