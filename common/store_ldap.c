/* SPDX-License-Identifier: BSD-2-Clause */
#include "store_ldap.h"
#include "err.h"
#include "ldap_api.h"
#include "secmem.h"
#include "trustpath.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(OTP_LDAP_VALUE_MAX == OTP_FILE_MAX, "the directory holds the same record");

struct otp_ldap_store {
	const struct otp_ldap_api *api;
	struct otp_ldap *l;
	struct otp_ldap_settings s;
	struct otp_why why;
};

/*
 * The plugin stays loaded (RTLD_NODELETE): libldap and GnuTLS keep process-wide state that a
 * dlclose in a long-running host (sshd's monitor, a desktop session) must not tear down.
 */
static const struct otp_ldap_api *load(const char *path, struct otp_why *why)
{
	const struct otp_ldap_api *api;
	void *h;
	int rc;

	if ((rc = otp_trusted_path(path, why)) != OTP_OK) {
		otp_why_set(why, OTP_E_DIRECTORY, "ldap_plugin %s: %s", path, why->text);
		return NULL;
	}
	if (!(h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE))) {
		otp_why_set(why, OTP_E_DIRECTORY, "cannot load %s: %s", path, dlerror());
		return NULL;
	}
	api = dlsym(h, OTP_LDAP_API_SYMBOL);
	if (!api || api->version != OTP_LDAP_API_VERSION) {
		otp_why_set(why, OTP_E_DIRECTORY, "%s is not a pam_otp_ldap of this version", path);
		return NULL;
	}
	return api;
}

/* The record read through the plugin, in memory of this side (freed by otp_secret_free). */
static int read_copy(struct otp_store *st, char **text, size_t *len)
{
	const struct otp_ldap_api *api = st->ldap->api;
	char *theirs = NULL;
	int rc = api->read(st->ldap->l, &theirs, len, st->why);

	*text = NULL;
	if (rc == OTP_OK && !(*text = otp_secret_alloc(*len + 1)))
		rc = OTP_E_NOMEM;
	if (rc == OTP_OK)
		memcpy(*text, theirs, *len);
	api->free_text(theirs, *len);
	return rc;
}

static int ldap_begin(struct otp_store *st, struct otp_txn *t, unsigned timeout_ms)
{
	(void)timeout_ms; /* no lock: the directory's deadline bounds the exchange */
	return read_copy(st, &t->text, &t->len);
}

static int ldap_write(struct otp_store *st, struct otp_txn *t, const char *text, size_t len,
		      unsigned flags)
{
	(void)flags; /* the server makes an acknowledged modify durable */
	return st->ldap->api->swap(st->ldap->l, t->text, t->len, text, len, st->why);
}

static int ldap_sync(struct otp_store *st, struct otp_txn *t)
{
	(void)st, (void)t;
	return OTP_OK;
}

static void ldap_end(struct otp_store *st, struct otp_txn *t)
{
	(void)st, (void)t;
}

static void ldap_exchange(struct otp_store *st)
{
	st->ldap->api->exchange(st->ldap->l);
}

static const struct otp_store_ops ldap_ops = {
	.kind = "ldap", .begin = ldap_begin, .write = ldap_write, .sync = ldap_sync,
	.end = ldap_end, .exchange = ldap_exchange,
};

static void settings(struct otp_ldap_settings *s, const struct otp_cfg *cfg,
		     const struct otp_ldap_login *as)
{
	*s = (struct otp_ldap_settings){
		.uri = cfg->ldap_uri, .base = cfg->ldap_base,
		.filter = otp_cfg_str(cfg->ldap_filter, OTP_DEFAULT_LDAP_FILTER),
		.attr = otp_cfg_str(cfg->ldap_attr, OTP_DEFAULT_LDAP_ATTR),
		.bind_dn = cfg->ldap_bind_dn, .bind_pw = cfg->ldap_bind_pw,
		.ca_file = cfg->ldap_ca_file, .cert_file = cfg->ldap_cert_file,
		.key_file = cfg->ldap_key_file, .timeout_ms = cfg->ldap_timeout * 1000,
		.allow_insecure = cfg->ldap_allow_insecure,
	};
	if (as) {
		s->bind_dn = as->bind_dn;
		s->bind_pw = as->bind_pw;
		s->sasl_mech = as->sasl_mech;
		s->bind_as_entry = as->bind_as_entry;
	}
}

int otp_store_ldap_open(struct otp_store *st, const struct otp_cfg *cfg, const char *user,
			const struct otp_ldap_login *as, struct otp_why *why)
{
	struct otp_ldap_store *ls;
	int rc;

	*st = (struct otp_store){ 0 };
	/* No fallback to ldap.conf's URI or BASE: what the module trusts is in its own conf. */
	if (!cfg->ldap_uri || !cfg->ldap_base)
		return otp_why_set(why, OTP_E_DIRECTORY, "store=ldap needs ldap_uri and ldap_base");
	if (!(ls = calloc(1, sizeof(*ls))))
		return OTP_E_NOMEM;
	settings(&ls->s, cfg, as);
	if (!(ls->api = load(otp_cfg_str(cfg->ldap_plugin, OTP_LDAP_PLUGIN), why))) {
		free(ls);
		return OTP_E_DIRECTORY;
	}
	if ((rc = ls->api->open(&ls->s, user, &ls->l, why)) != OTP_OK) {
		free(ls);
		return rc;
	}
	*st = (struct otp_store){ .ops = &ldap_ops, .ldap = ls, .why = &ls->why };
	return OTP_OK;
}

const char *otp_store_ldap_dn(const struct otp_store *st)
{
	return st->ldap->api->dn(st->ldap->l);
}

int otp_store_ldap_read(struct otp_store *st, char **text, size_t *len)
{
	return read_copy(st, text, len);
}

void otp_store_ldap_close(struct otp_store *st)
{
	if (!st->ldap)
		return;
	st->ldap->api->close(st->ldap->l);
	free(st->ldap);
	st->ldap = NULL;
}
