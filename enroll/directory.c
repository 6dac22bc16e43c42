/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * otp-enroll with store=ldap: the record in the user's directory entry instead of a file.
 * Root writes through the module's own bind (pam_otp.conf); a user binds as themselves,
 * with their Kerberos ticket (SASL GSSAPI) when they have one, else with their directory
 * password over TLS, and may write only where the directory's ACL lets them.
 */
#include "enroll.h"
#include "err.h"
#include "secmem.h"
#include "store_ldap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * A Kerberos ticket cache to bind with (SASL GSSAPI), as ldapsearch -Y GSSAPI would use:
 * where it is, for the message when the bind fails; NULL for none.
 */
static const char *ticket_cache(char *buf, size_t size)
{
	const char *env = getenv("KRB5CCNAME");

	if (env)
		return env;
	snprintf(buf, size, "/tmp/krb5cc_%u", (unsigned)getuid());
	return access(buf, R_OK) == 0 ? buf : NULL;
}

int directory_open(struct ctx *c)
{
	struct otp_ldap_login as = { 0 };
	char pw[256] = "", prompt[300], ccbuf[64];
	struct otp_why why = { 0 };
	bool as_user = geteuid() != 0;
	const char *cc = as_user ? ticket_cache(ccbuf, sizeof(ccbuf)) : NULL;
	int rc;

	if (c->store.ldap)
		return EXIT_OK;
	if (cc) {
		as.sasl_mech = "GSSAPI";
	} else if (as_user) {
		snprintf(prompt, sizeof(prompt), "Directory (LDAP) password for %s: ", c->user);
		if (prompt_code(prompt, pw, sizeof(pw)) <= 0) {
			say("no directory password given");
			return EXIT_FAIL;
		}
		as.bind_as_entry = true;
		as.bind_pw = pw;
	}
	rc = otp_store_ldap_open(&c->store, &c->cfg, c->user, as_user ? &as : NULL, &why);
	otp_wipe(pw, sizeof(pw));
	if (rc != OTP_OK) {
		say("directory: %s", otp_why_text(&why, rc));
		/*
		 * libsasl's words for a missing or expired ticket ("No Kerberos credentials
		 * available", "Ticket expired") come deep in the diagnostic and say nothing of
		 * what to do, and there is deliberately no fallback to a password prompt.
		 */
		if (cc)
			say("this was a Kerberos (GSSAPI) bind with the ticket cache %.200s: if the "
			    "ticket has expired or is gone, run kinit; %s to bind with your "
			    "directory password instead", cc,
			    cc == ccbuf ? "kdestroy" : "unset KRB5CCNAME");
		return EXIT_FAIL;
	}
	/* What a sealed secret is bound to, and what messages call the record. */
	snprintf(c->path, sizeof(c->path), "ldap:%s", otp_store_ldap_dn(&c->store));
	return EXIT_OK;
}

int directory_exists(struct ctx *c, bool *exists)
{
	char *text = NULL;
	size_t len = 0;
	int rc = otp_store_ldap_read(&c->store, &text, &len);

	otp_secret_free(text);
	*exists = rc == OTP_OK;
	if (rc == OTP_OK || rc == OTP_E_NOENT)
		return EXIT_OK;
	say("directory: %s", otp_why_text(c->store.why, rc));
	return EXIT_FAIL;
}

int directory_read(struct ctx *c, char **text, size_t *len)
{
	return otp_store_ldap_read(&c->store, text, len);
}

/*
 * One change of the entry's record, decided by step on what it holds now (begin's result);
 * run again on a fresh read while a login or another otp-enroll changes it meanwhile.
 */
typedef int (*change_fn)(struct otp_txn *t, int rc, const void *arg);

static int with_retries(struct ctx *c, change_fn step, const void *arg)
{
	struct otp_txn t = OTP_TXN_INIT;
	struct otp_record cur;
	int rc;

	otp_store_exchange(&c->store);
	for (;;) {
		rc = otp_txn_begin(&t, &c->store, 0, &cur);
		otp_record_clear(&cur); /* the step decides on begin's result, not the record */
		if ((rc = step(&t, rc, arg)) != OTP_E_CONFLICT)
			break;
		t.lost = true;
		otp_txn_end(&t);
		if (!otp_txn_retry(&t))
			break;
	}
	otp_txn_end(&t);
	return rc;
}

struct put { const struct otp_record *rec; bool replace; };

static int put_step(struct otp_txn *t, int rc, const void *arg)
{
	const struct put *p = arg;

	if (rc == OTP_E_NOENT) {
		rc = otp_txn_create(t, p->rec);
		return rc == OTP_E_EXISTS && p->replace ? OTP_E_CONFLICT : rc; /* one appeared */
	}
	if ((rc == OTP_OK || rc == OTP_E_PARSE) && p->replace)
		return otp_txn_write(t, p->rec, 0); /* --force also over a damaged record */
	return rc == OTP_OK ? OTP_E_EXISTS : rc;
}

/* rec as the entry's record: a new one, or (replace) over whatever is there now. */
int directory_put(struct ctx *c, const struct otp_record *rec, bool replace)
{
	struct put p = { rec, replace };
	int rc = with_retries(c, put_step, &p);

	if (rc == OTP_E_EXISTS)
		say("%s already has a record: %s is already enrolled (--force replaces it)",
		    c->path, c->user);
	else if (rc != OTP_OK)
		say("cannot write %s: %s", c->path, otp_why_text(c->store.why, rc));
	return rc == OTP_OK ? EXIT_OK : EXIT_FAIL;
}

static int remove_step(struct otp_txn *t, int rc, const void *arg)
{
	(void)arg;
	return rc == OTP_OK || rc == OTP_E_PARSE ? otp_txn_remove(t) : rc;
}

int directory_remove(struct ctx *c)
{
	return with_retries(c, remove_step, NULL);
}
