/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The user's record in their directory entry: found once by the filter, read afresh, and
 * changed only by compare-and-swap (one modify that deletes the exact old value and adds the
 * new one: RFC 4511 4.6 applies it whole or not at all, so a record another host changed
 * first makes it fail with noSuchAttribute and nothing is lost).
 */
#include "ldap_int.h"
#include "err.h"
#include "monotime.h"
#include "secmem.h"

#include <stdlib.h>
#include <string.h>

#define VISIBLE __attribute__((visibility("default")))

static void exchange(struct otp_ldap *l)
{
	l->deadline_ms = otp_monotonic_ms() + l->s->timeout_ms;
}

/* The one value of the record attribute in e, copied to memory for secrets. */
static int take_value(struct otp_ldap *l, LDAPMessage *e, char **text, size_t *len,
		      struct otp_why *why)
{
	struct berval **v = ldap_get_values_len(l->ld, e, l->s->attr);
	int n = v ? ldap_count_values_len(v) : 0, rc = OTP_OK;

	*text = NULL;
	*len = 0;
	if (n == 0)
		rc = OTP_E_NOENT;
	else if (n > 1)
		rc = otp_why_set(why, OTP_E_DIRECTORY, "%s: %s has %d values of %s (the schema "
				 "makes it single-valued)", l->server, l->dn, n, l->s->attr);
	else if (v[0]->bv_len > OTP_LDAP_VALUE_MAX)
		rc = otp_why_set(why, OTP_E_TOOBIG, "%s: %s of %s is over %u bytes", l->server,
				 l->s->attr, l->dn, OTP_LDAP_VALUE_MAX);
	else if (!(*text = otp_secret_alloc(v[0]->bv_len + 1)))
		rc = OTP_E_NOMEM;
	else {
		memcpy(*text, v[0]->bv_val, v[0]->bv_len);
		*len = v[0]->bv_len;
	}
	if (v) {
		for (int i = 0; i < n; i++)
			otp_wipe(v[i]->bv_val, v[i]->bv_len);
		ldap_value_free_len(v);
	}
	return rc;
}

/* The user's one entry under the base, and its record (kept for the first read). */
static int find_entry(struct otp_ldap *l, struct otp_why *why)
{
	const struct otp_ldap_settings *s = l->s;
	char *attrs[] = { (char *)s->attr, NULL }, *filter = NULL;
	LDAPMessage *res = NULL, *e;
	struct timeval tv;
	int lrc, n, rc = ldapf_filter(s->filter, l->user, &filter);

	if (rc == OTP_E_INVAL)
		return otp_why_set(why, OTP_E_DIRECTORY, "ldap_filter: only %%u and %%%% may follow "
				   "a %%");
	if (rc != OTP_OK)
		return rc;
	if (!ldapc_remaining(l, &tv)) {
		free(filter);
		return otp_why_set(why, OTP_E_DIRECTORY, "%s: search: no answer within "
				   "ldap_timeout", l->server);
	}
	/* At most 2 entries: one is the answer, two says the filter is ambiguous. */
	lrc = ldap_search_ext_s(l->ld, s->base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL,
				&tv, 2, &res);
	free(filter);
	n = res ? ldap_count_entries(l->ld, res) : 0;
	if (lrc != LDAP_SUCCESS && !(lrc == LDAP_SIZELIMIT_EXCEEDED && n > 1))
		rc = ldapc_fail(l, lrc, why, "search");
	else if (n == 0)
		rc = otp_why_set(why, OTP_E_DIRECTORY, "%s: no entry for this user under %s",
				 l->server, s->base ? s->base : "the default base");
	else if (n > 1)
		rc = otp_why_set(why, OTP_E_DIRECTORY, "%s: several entries match ldap_filter "
				 "for this user under %s", l->server, s->base ? s->base : "the base");
	else if (!(e = ldap_first_entry(l->ld, res)) || !(l->dn = ldap_get_dn(l->ld, e)))
		rc = ldapc_fail(l, LDAP_DECODING_ERROR, why, "search");
	else {
		rc = take_value(l, e, &l->first, &l->first_len, why);
		l->first_valid = rc == OTP_OK || rc == OTP_E_NOENT;
		rc = l->first_valid ? OTP_OK : rc;
	}
	ldap_msgfree(res);
	return rc;
}

static void api_close(struct otp_ldap *l)
{
	if (!l)
		return;
	ldapc_disconnect(l); /* before the watchdog's lock goes: the close callback takes it */
	watchdog_destroy(l);
	otp_secret_free(l->first);
	ldap_memfree(l->dn);
	free(l->user);
	free(l);
}

static int api_open(const struct otp_ldap_settings *s, const char *user, struct otp_ldap **out,
		    struct otp_why *why)
{
	struct otp_ldap *l = calloc(1, sizeof(*l));
	struct sigpipe_guard g;
	int rc;

	*out = NULL;
	if (!l || !(l->user = strdup(user)) || watchdog_init(l) != OTP_OK) {
		if (l)
			free(l->user);
		free(l);
		return OTP_E_NOMEM;
	}
	l->s = s;
	exchange(l);
	if ((rc = watchdog_start(l, why)) != OTP_OK) {
		api_close(l);
		return rc;
	}
	sigpipe_block(&g);
	rc = ldapc_connect(l, why);
	if (rc == OTP_OK)
		rc = find_entry(l, why);
	if (rc == OTP_OK && s->bind_as_entry) {
		/* Now as the user: what the anonymous search saw of the record is not the answer. */
		l->first_valid = false;
		rc = ldapc_bind(l, l->dn, why);
	}
	sigpipe_restore(&g);
	watchdog_stop(l);
	if (rc != OTP_OK)
		api_close(l);
	else
		*out = l;
	return rc;
}

static bool connection_lost(int lrc)
{
	return lrc == LDAP_SERVER_DOWN || lrc == LDAP_CONNECT_ERROR || lrc == LDAP_UNAVAILABLE;
}

/* The entry's record now: a base search. Safe to repeat, so a dropped connection is redone. */
static int read_fresh(struct otp_ldap *l, char **text, size_t *len, struct otp_why *why)
{
	char *attrs[] = { (char *)l->s->attr, NULL };
	LDAPMessage *res = NULL, *e;
	struct timeval tv;
	int lrc = LDAP_SERVER_DOWN, rc;

	for (int attempt = 0; attempt < 2 && connection_lost(lrc); attempt++) {
		if (attempt && (rc = ldapc_connect(l, why)) != OTP_OK)
			return rc;
		if (!ldapc_remaining(l, &tv))
			return ldapc_fail(l, LDAP_TIMEOUT, why, "read");
		ldap_msgfree(res);
		res = NULL;
		lrc = ldap_search_ext_s(l->ld, l->dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0,
					NULL, NULL, &tv, 1, &res);
	}
	if (lrc != LDAP_SUCCESS)
		rc = ldapc_fail(l, lrc, why, lrc == LDAP_NO_SUCH_OBJECT ? "the user's entry "
				"is gone" : "read");
	else if (!(e = ldap_first_entry(l->ld, res)))
		rc = otp_why_set(why, OTP_E_DIRECTORY, "%s: the user's entry is gone", l->server);
	else
		rc = take_value(l, e, text, len, why);
	ldap_msgfree(res);
	return rc;
}

static int api_read(struct otp_ldap *l, char **text, size_t *len, struct otp_why *why)
{
	struct sigpipe_guard g;
	int rc;

	if (l->first_valid) {
		l->first_valid = false;
		*text = l->first;
		*len = l->first_len;
		l->first = NULL;
		return *text ? OTP_OK : OTP_E_NOENT;
	}
	if ((rc = watchdog_start(l, why)) != OTP_OK)
		return rc;
	sigpipe_block(&g);
	rc = read_fresh(l, text, len, why);
	sigpipe_restore(&g);
	watchdog_stop(l);
	return rc;
}

static int api_swap(struct otp_ldap *l, const char *old, size_t old_len, const char *new_text,
		    size_t new_len, struct otp_why *why)
{
	struct berval ob = { .bv_len = old_len, .bv_val = (char *)old };
	struct berval nb = { .bv_len = new_len, .bv_val = (char *)new_text };
	struct berval *ov[] = { &ob, NULL }, *nv[] = { &nb, NULL };
	LDAPMod del = { .mod_op = LDAP_MOD_DELETE | LDAP_MOD_BVALUES,
			.mod_type = (char *)l->s->attr, .mod_bvalues = ov };
	LDAPMod add = { .mod_op = LDAP_MOD_ADD | LDAP_MOD_BVALUES,
			.mod_type = (char *)l->s->attr, .mod_bvalues = nv };
	LDAPMod *mods[3] = { NULL, NULL, NULL };
	struct sigpipe_guard g;
	struct timeval tv;
	int n = 0, lrc, rc;

	l->first_valid = false; /* a write makes the search's copy stale */
	if (old)
		mods[n++] = &del;
	if (new_text)
		mods[n++] = &add;
	if (n == 0)
		return OTP_E_INVAL;
	if (new_len > OTP_LDAP_VALUE_MAX)
		return otp_why_set(why, OTP_E_TOOBIG, "the record is over %u bytes",
				   OTP_LDAP_VALUE_MAX);
	if (!ldapc_remaining(l, &tv))
		return ldapc_fail(l, LDAP_TIMEOUT, why, "modify");
	ldap_set_option(l->ld, LDAP_OPT_TIMEOUT, &tv);
	if ((rc = watchdog_start(l, why)) != OTP_OK)
		return rc;
	sigpipe_block(&g);
	/* Not repeated on a lost connection: it may have been applied. */
	lrc = ldap_modify_ext_s(l->ld, l->dn, mods, NULL, NULL);
	sigpipe_restore(&g);
	watchdog_stop(l);
	if (lrc == LDAP_SUCCESS)
		return OTP_OK;
	/* The old value is gone (changed meanwhile), or a record appeared where none was. */
	if (lrc == LDAP_NO_SUCH_ATTRIBUTE || (!old && (lrc == LDAP_TYPE_OR_VALUE_EXISTS ||
						       lrc == LDAP_CONSTRAINT_VIOLATION)))
		return otp_why_set(why, OTP_E_CONFLICT, "%s: %s changed meanwhile", l->server,
				   l->dn);
	return ldapc_fail(l, lrc, why, "modify");
}

static const char *api_dn(const struct otp_ldap *l)
{
	return l->dn;
}

static void api_free_text(char *text, size_t len)
{
	(void)len;
	otp_secret_free(text);
}

VISIBLE const struct otp_ldap_api otp_ldap_api_v1 = {
	.version = OTP_LDAP_API_VERSION,
	.open = api_open,
	.exchange = exchange,
	.read = api_read,
	.swap = api_swap,
	.dn = api_dn,
	.free_text = api_free_text,
	.close = api_close,
};
