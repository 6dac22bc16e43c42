/* SPDX-License-Identifier: BSD-2-Clause */
/* Inside pam_otp_ldap.so: one connection to the directory and the user's entry on it. */
#ifndef OTP_LDAP_INT_H
#define OTP_LDAP_INT_H

#include <ldap.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "ldap_api.h"

struct otp_ldap {
	LDAP *ld;
	const struct otp_ldap_settings *s; /* the caller's, alive until close */
	char *user;
	char *dn;               /* the user's entry, found by open */
	char *first;            /* the record the search returned, for the first read */
	size_t first_len;
	bool first_valid;       /* first holds a read not yet handed out (NULL: no record) */
	char server[256];       /* the URI in use, for messages */
	int64_t deadline_ms;    /* of the current exchange (monotonic) */
	/* The deadline's watchdog (ldap_watchdog.c); fd and expired under lock. */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t watcher;
	bool watching;
	bool expired;           /* the deadline passed and the connection was shut down */
	int fd;                 /* the connection's socket, -1 none */
	struct ldap_conncb conncb;
};

/* ldap_watchdog.c: the deadline of an exchange, enforced on the socket. */
int watchdog_init(struct otp_ldap *l);
void watchdog_destroy(struct otp_ldap *l);
/* Register the connect callbacks on l->ld (after each ldap_initialize). */
void watchdog_callbacks(struct otp_ldap *l);
/* Around each call that talks to the server: OTP_E_DIRECTORY if it cannot be armed. */
int watchdog_start(struct otp_ldap *l, struct otp_why *why);
void watchdog_stop(struct otp_ldap *l);

/* Remaining time of the exchange as a timeval; false when it is over. */
bool ldapc_remaining(struct otp_ldap *l, struct timeval *tv);
/* Connect to the first URI that answers, TLS and bind included. */
int ldapc_connect(struct otp_ldap *l, struct otp_why *why);
void ldapc_disconnect(struct otp_ldap *l);
/* Simple bind as dn with the settings' password (TLS or ldapi:// only), or SASL when NULL. */
int ldapc_bind(struct otp_ldap *l, const char *dn, struct otp_why *why);
/* "server: what went wrong (diagnostic)" for an LDAP result code. */
int ldapc_fail(struct otp_ldap *l, int lrc, struct otp_why *why, const char *what);

/*
 * SIGPIPE is blocked while libldap writes to a socket the server may have closed, then any
 * SIGPIPE it raised is taken back: the PAM application (sshd, sudo) keeps its own handling.
 */
struct sigpipe_guard {
	sigset_t old;
	bool was_pending;
};
void sigpipe_block(struct sigpipe_guard *g);
void sigpipe_restore(struct sigpipe_guard *g);

/* RFC 4515 filter for user from the template (%u, %%) in *out: OTP_OK, OTP_E_INVAL (another
 * % escape in the template) or OTP_E_NOMEM. */
int ldapf_filter(const char *tmpl, const char *user, char **out);

#endif
