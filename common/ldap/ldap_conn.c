/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One connection to the directory: the first URI that answers, with TLS whose certificate is
 * always checked, then a bind; every step inside the exchange's deadline. Settings are put on
 * the handle (and a new TLS context), so ldap.conf or LDAP* variables of the calling process
 * cannot turn the certificate check off.
 */
#include "ldap_int.h"
#include "err.h"
#include "monotime.h"

#include <sasl/sasl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool ldapc_remaining(struct otp_ldap *l, struct timeval *tv)
{
	int64_t left = l->deadline_ms - otp_monotonic_ms();

	if (left <= 0)
		return false;
	tv->tv_sec = left / 1000;
	tv->tv_usec = (left % 1000) * 1000;
	return true;
}

/* Keep only what is printable: a diagnostic comes from the server. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

int ldapc_fail(struct otp_ldap *l, int lrc, struct otp_why *why, const char *what)
{
	char *diag = NULL;
	char d[160] = "";

	if (l->ld && ldap_get_option(l->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) == LDAP_OPT_SUCCESS &&
	    diag && *diag) {
		snprintf(d, sizeof(d), " (%s)", diag);
		printable(d);
	}
	ldap_memfree(diag);
	pthread_mutex_lock(&l->lock);
	if (l->expired)
		lrc = LDAP_TIMEOUT; /* the watchdog ended it: say why, not "server down" */
	pthread_mutex_unlock(&l->lock);
	if (lrc == LDAP_TIMEOUT || lrc == LDAP_TIMELIMIT_EXCEEDED)
		return otp_why_set(why, OTP_E_DIRECTORY, "%s: %s: no answer within ldap_timeout",
				   l->server, what);
	return otp_why_set(why, OTP_E_DIRECTORY, "%s: %s: %s%s", l->server, what,
			   ldap_err2string(lrc), d);
}

static int timed_out(struct otp_ldap *l, struct otp_why *why, const char *what)
{
	return otp_why_set(why, OTP_E_DIRECTORY, "%s: %s: no answer within ldap_timeout",
			   l->server[0] ? l->server : "directory", what);
}

enum scheme { S_BAD, S_LDAP, S_LDAPS, S_LDAPI };

static enum scheme scheme_of(const char *uri)
{
	if (strncasecmp(uri, "ldaps://", 8) == 0)
		return S_LDAPS;
	if (strncasecmp(uri, "ldapi://", 8) == 0)
		return S_LDAPI;
	if (strncasecmp(uri, "ldap://", 7) == 0)
		return S_LDAP;
	return S_BAD;
}

/* Per-call time limits: what is left of the exchange. */
static bool set_timeouts(struct otp_ldap *l)
{
	struct timeval tv;

	if (!ldapc_remaining(l, &tv))
		return false;
	ldap_set_option(l->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(l->ld, LDAP_OPT_TIMEOUT, &tv);
	return true;
}

static int set_tls(struct otp_ldap *l, struct otp_why *why)
{
	const struct otp_ldap_settings *s = l->s;
	int demand = LDAP_OPT_X_TLS_DEMAND, min = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2, zero = 0;
	int lrc = ldap_set_option(l->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);

	if (lrc == LDAP_OPT_SUCCESS)
		lrc = ldap_set_option(l->ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &min);
	if (lrc == LDAP_OPT_SUCCESS && s->ca_file)
		lrc = ldap_set_option(l->ld, LDAP_OPT_X_TLS_CACERTFILE, s->ca_file);
	if (lrc == LDAP_OPT_SUCCESS && s->cert_file)
		lrc = ldap_set_option(l->ld, LDAP_OPT_X_TLS_CERTFILE, s->cert_file);
	if (lrc == LDAP_OPT_SUCCESS && s->key_file)
		lrc = ldap_set_option(l->ld, LDAP_OPT_X_TLS_KEYFILE, s->key_file);
	/* The options above take effect in a context of this handle's own. */
	if (lrc == LDAP_OPT_SUCCESS)
		lrc = ldap_set_option(l->ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
	if (lrc != LDAP_OPT_SUCCESS)
		return ldapc_fail(l, lrc, why, "TLS settings (ldap_ca_file, ldap_cert_file?)");
	return OTP_OK;
}

/* SASL asks for names it can default (authzid, the GSSAPI principal): take the defaults. */
static int sasl_defaults(LDAP *ld, unsigned flags, void *defaults, void *in)
{
	(void)ld, (void)flags, (void)defaults;
	for (sasl_interact_t *i = in; i->id != SASL_CB_LIST_END; i++) {
		i->result = i->defresult ? i->defresult : "";
		i->len = (unsigned)strlen(i->result);
	}
	return LDAP_SUCCESS;
}

int ldapc_bind(struct otp_ldap *l, const char *dn, struct otp_why *why)
{
	const struct otp_ldap_settings *s = l->s;
	enum scheme sc = scheme_of(l->server);
	int lrc;

	if (!set_timeouts(l))
		return timed_out(l, why, "bind");
	if (dn) {
		struct berval pw = { .bv_val = (char *)(s->bind_pw ? s->bind_pw : ""),
				     .bv_len = s->bind_pw ? strlen(s->bind_pw) : 0 };
		bool tls = ldap_tls_inplace(l->ld) != 0;

		/* A password never crosses the network in clear (ldapi:// stays on this host). */
		if (!tls && sc != S_LDAPI && !s->allow_insecure)
			return otp_why_set(why, OTP_E_DIRECTORY, "%s: refusing a simple bind "
					   "without TLS", l->server);
		if (pw.bv_len == 0) /* an empty password is an anonymous bind (RFC 4513 5.1.2) */
			return otp_why_set(why, OTP_E_DIRECTORY, "ldap_bind_dn is set but "
					   "ldap_bind_pw is empty");
		lrc = ldap_sasl_bind_s(l->ld, dn, LDAP_SASL_SIMPLE, &pw, NULL, NULL, NULL);
	} else {
		lrc = ldap_sasl_interactive_bind_s(l->ld, NULL,
						   s->sasl_mech ? s->sasl_mech : "EXTERNAL", NULL,
						   NULL, LDAP_SASL_QUIET, sasl_defaults, NULL);
	}
	return lrc == LDAP_SUCCESS ? OTP_OK : ldapc_fail(l, lrc, why, "bind");
}

static int try_uri(struct otp_ldap *l, const char *uri, struct otp_why *why)
{
	enum scheme sc = scheme_of(uri);
	int v3 = LDAP_VERSION3, lrc, rc;

	snprintf(l->server, sizeof(l->server), "%s", uri);
	printable(l->server);
	if (sc == S_BAD)
		return otp_why_set(why, OTP_E_DIRECTORY, "%s: ldap_uri must be ldaps://, ldap:// "
				   "(with StartTLS) or ldapi://", l->server);
	if ((lrc = ldap_initialize(&l->ld, uri)) != LDAP_SUCCESS)
		return ldapc_fail(l, lrc, why, "bad URI");
	watchdog_callbacks(l);
	ldap_set_option(l->ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	/* A referral would send our bind elsewhere: never followed. */
	ldap_set_option(l->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	if (!set_timeouts(l))
		return timed_out(l, why, "connect");
	if (sc != S_LDAPI && (rc = set_tls(l, why)) != OTP_OK)
		return rc;
	if (sc == S_LDAP && !l->s->allow_insecure) {
		if ((lrc = ldap_start_tls_s(l->ld, NULL, NULL)) != LDAP_SUCCESS)
			return ldapc_fail(l, lrc, why, "StartTLS");
	} else if ((lrc = ldap_connect(l->ld)) != LDAP_SUCCESS) {
		return ldapc_fail(l, lrc, why, sc == S_LDAPS ? "connect (TLS)" : "connect");
	}
	/* As the user (otp-enroll): anonymous until the entry is found, then as the entry. */
	if (l->s->bind_as_entry)
		return l->dn ? ldapc_bind(l, l->dn, why) : OTP_OK;
	return ldapc_bind(l, l->s->bind_dn, why);
}

/* Append s to buf, cut to fit. */
static void append(char *buf, size_t size, const char *s)
{
	size_t used = strlen(buf), n = strlen(s);

	if (n > size - 1 - used)
		n = size - 1 - used;
	memcpy(buf + used, s, n);
	buf[used + n] = '\0';
}

int ldapc_connect(struct otp_ldap *l, struct otp_why *why)
{
	char *list = strdup(l->s->uri ? l->s->uri : ""), *save = NULL;
	char tried[OTP_WHY_MAX] = "";
	int rc = OTP_E_DIRECTORY;

	if (!list)
		return OTP_E_NOMEM;
	ldapc_disconnect(l);
	for (char *uri = strtok_r(list, " \t,", &save); uri; uri = strtok_r(NULL, " \t,", &save)) {
		if ((rc = try_uri(l, uri, why)) == OTP_OK)
			break;
		ldapc_disconnect(l);
		/* Say why each server failed, not only the last one. */
		append(tried, sizeof(tried), tried[0] ? "; " : "");
		append(tried, sizeof(tried), why->text);
		if (rc == OTP_E_NOMEM)
			break;
	}
	free(list);
	if (rc != OTP_OK && rc != OTP_E_NOMEM)
		otp_why_set(why, OTP_E_DIRECTORY, "%s", tried[0] ? tried : "ldap_uri is empty");
	return rc;
}

void ldapc_disconnect(struct otp_ldap *l)
{
	if (l->ld)
		ldap_unbind_ext_s(l->ld, NULL, NULL);
	l->ld = NULL;
}

void sigpipe_block(struct sigpipe_guard *g)
{
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	g->was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

void sigpipe_restore(struct sigpipe_guard *g)
{
	sigset_t set, pending;
	struct timespec zero = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	/* A SIGPIPE raised by our own write to a closed socket is ours to drop. */
	if (!g->was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE))
		sigtimedwait(&set, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}
