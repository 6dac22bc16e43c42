/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The exchange's deadline, enforced whatever libldap does. libldap 2.5 bounds the TCP
 * connect and each wait for a result, but not its TLS handshake: with a network timeout set it
 * makes the socket non-blocking and then retries the handshake in a busy loop with no
 * deadline (tls2.c, ldap_int_tls_start: the poll is only done for async connects), so a
 * server that accepts and then stalls the handshake (or a man in the middle) held a login
 * forever at full CPU. Two measures:
 *
 * - the connect callback (after the TCP connect, before TLS) gives the socket send and
 *   receive timeouts of what is left of the exchange and turns the network timeout off, so
 *   the handshake blocks in recv (no busy loop) and each recv ends in time;
 * - (and, while there, the largest message it will take from the server is bounded);
 * - a watchdog thread shuts the socket down at the deadline, which ends any call on it (a
 *   server trickling a byte at a time included). It blocks every signal (the application's
 *   signals stay with its own threads) and is joined before the call returns, so no thread
 *   outlives a call. If it cannot be started (RLIMIT_NPROC, memory), the call fails closed.
 */
#include "ldap_int.h"
#include "err.h"
#include "monotime.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static void *watch(void *arg)
{
	struct otp_ldap *l = arg;
	struct timespec at;

	at.tv_sec = l->deadline_ms / 1000;
	at.tv_nsec = (l->deadline_ms % 1000) * 1000000;
	pthread_mutex_lock(&l->lock);
	while (l->watching && !l->expired) {
		if (pthread_cond_timedwait(&l->wake, &l->lock, &at) == ETIMEDOUT && l->watching) {
			l->expired = true;
			if (l->fd >= 0)
				shutdown(l->fd, SHUT_RDWR);
		}
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

int watchdog_start(struct otp_ldap *l, struct otp_why *why)
{
	sigset_t all, old;
	int rc;

	l->expired = false;
	l->watching = true;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&l->watcher, NULL, watch, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		l->watching = false;
		return otp_why_set(why, OTP_E_DIRECTORY, "cannot start the deadline thread (%s): "
				   "not asking the directory without it", strerror(rc));
	}
	return OTP_OK;
}

void watchdog_stop(struct otp_ldap *l)
{
	pthread_mutex_lock(&l->lock);
	l->watching = false;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->lock);
	pthread_join(l->watcher, NULL);
}

/* The callbacks libldap calls after each TCP connect and before each close. */
static int conn_add(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv, struct sockaddr *addr,
		    struct ldap_conncb *ctx)
{
	struct otp_ldap *l = ctx->lc_arg;
	struct timeval tv, none = { -1, 0 };
	ber_len_t max_pdu = 4 * OTP_LDAP_VALUE_MAX;
	ber_socket_t fd = -1;
	int flags;

	(void)srv, (void)addr;
	if (ber_sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd) != 1 || fd < 0)
		return 0;
	/* No message larger than a record with room to spare: a server cannot make us buffer
	 * gigabytes (libldap takes any size from a server by default). */
	ber_sockbuf_ctrl(sb, LBER_SB_OPT_SET_MAX_INCOMING, &max_pdu);
	if (!ldapc_remaining(l, &tv))
		tv = (struct timeval){ 0, 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* The handshake blocks (see above): no network timeout, a blocking socket. */
	ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &none);
	if ((flags = fcntl(fd, F_GETFL)) >= 0 && (flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	pthread_mutex_lock(&l->lock);
	l->fd = fd;
	if (l->expired)
		shutdown(fd, SHUT_RDWR);
	pthread_mutex_unlock(&l->lock);
	return 0;
}

static void conn_del(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx)
{
	struct otp_ldap *l = ctx->lc_arg;

	(void)ld, (void)sb;
	pthread_mutex_lock(&l->lock);
	l->fd = -1;
	pthread_mutex_unlock(&l->lock);
}

void watchdog_callbacks(struct otp_ldap *l)
{
	l->conncb = (struct ldap_conncb){ .lc_add = conn_add, .lc_del = conn_del, .lc_arg = l };
	ldap_set_option(l->ld, LDAP_OPT_CONNECT_CB, &l->conncb);
}

int watchdog_init(struct otp_ldap *l)
{
	pthread_condattr_t ca;
	int rc;

	l->fd = -1;
	if ((rc = pthread_mutex_init(&l->lock, NULL)) != 0)
		return OTP_E_NOMEM;
	/* The deadline is on the monotonic clock (otp_monotonic_ms). */
	if ((rc = pthread_condattr_init(&ca)) == 0) {
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		rc = pthread_cond_init(&l->wake, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (rc != 0) {
		pthread_mutex_destroy(&l->lock);
		return OTP_E_NOMEM;
	}
	return OTP_OK;
}

void watchdog_destroy(struct otp_ldap *l)
{
	pthread_cond_destroy(&l->wake);
	pthread_mutex_destroy(&l->lock);
}
