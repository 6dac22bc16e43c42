/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The doctor's configuration checks: pam_otp.conf as the module loads it, the host key that
 * secrets are sealed to, the SMS provider's settings (no message is sent) and, with
 * store=ldap, the directory and the user's entry.
 */
#include "check.h"
#include "err.h"
#include "secmem.h"
#include "seal.h"
#include "sms_providers.h"
#include "store_ldap.h"
#include "trustpath.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef OTP_SMS_HELPER /* set by meson as for the module */
#define OTP_SMS_HELPER "/usr/libexec/pam_otp/pam_otp_sms"
#endif

/* otp_cfg_load's error lines, kept for the verdict instead of going to stderr. */
struct conf_msgs {
	char text[512];
};

static void keep_msg(void *ctx, int prio, const char *msg)
{
	struct conf_msgs *m = ctx;
	size_t used = strlen(m->text);

	if (prio > LOG_WARNING || used + 3 >= sizeof(m->text))
		return;
	snprintf(m->text + used, sizeof(m->text) - used, "%s%s", used ? "; " : "", msg);
}

void check_conf(struct doctor *d)
{
	const char *path = d->o->conf ? d->o->conf : OTP_DEFAULT_CONF;
	struct conf_msgs m = { "" };
	const struct otp_log log = { keep_msg, &m };
	int rc;

	if (!d->root && access(path, R_OK) != 0 && errno == EACCES) {
		report_add(&d->rp, "conf", V_OK, NULL, "%s is readable by root only (it holds "
			   "credentials); run 'sudo otp-enroll --check' to check it", path);
		return;
	}
	rc = otp_cfg_load(&d->c.cfg, path, &log);
	if (rc == OTP_OK) {
		d->cfg_ok = true;
		report_add(&d->rp, "conf", V_OK, NULL, "%s parses%s", path,
			   d->c.cfg.has_secrets ? " (holds credentials: private to root)" : "");
		return;
	}
	/* Go on with the defaults: the other checks still say something useful. */
	otp_cfg_free(&d->c.cfg);
	otp_cfg_init(&d->c.cfg);
	if (rc == OTP_E_NOENT && !d->o->conf) {
		d->cfg_ok = true;
		report_add(&d->rp, "conf", V_OK, NULL, "no %s: the module uses its built-in "
			   "defaults", path);
	} else if (rc == OTP_E_NOENT) {
		report_add(&d->rp, "conf", V_FAIL, "name an existing file", "%s does not exist",
			   path);
	} else {
		report_add(&d->rp, "conf", V_FAIL,
			   strstr(m.text, "credentials") ? "chown root:root it; chmod 600 it" :
			   strstr(m.text, "owned by") || strstr(m.text, "writable") ?
			   "chown root:root it; chmod 644 it (600 if it holds credentials)" :
			   "correct the line named (see pam_otp.conf(5)); every login fails "
			   "closed until then",
			   "%s", m.text[0] ? m.text : otp_strerror(rc));
	}
}

void check_hostkey(struct doctor *d)
{
	char priv[4096], pub[4096];
	struct otp_hostkey *kpriv = NULL, *kpub = NULL;
	struct otp_why why = { 0 }, pwhy = { 0 };
	uint8_t id1[OTP_SEAL_KEYID_LEN], id2[OTP_SEAL_KEYID_LEN];
	int rc, prc;

	if (d->c.cfg.seal == OTP_SEAL_OFF) {
		report_add(&d->rp, "hostkey", V_OK, NULL, "seal=off: secrets are stored plain");
		return;
	}
	host_key_paths(&d->c, priv, pub, sizeof(priv));
	rc = otp_hostkey_load(priv, 1, &kpriv, &why);
	prc = otp_hostkey_load(pub, 0, &kpub, &pwhy);
	if (rc == OTP_E_NOENT && prc == OTP_E_NOENT) {
		if (d->c.cfg.seal == OTP_SEAL_REQUIRED)
			report_add(&d->rp, "hostkey", V_FAIL, "otp-enroll --host-keygen",
				   "seal=required but there is no host key (%s)", priv);
		else
			report_add(&d->rp, "hostkey", V_WARN, "otp-enroll --host-keygen, then "
				   "otp-enroll --host-rekey to seal the existing files",
				   "no host key (%s): secrets are stored plain, readable by anything "
				   "running as their user", priv);
	} else if (rc != OTP_OK) {
		report_add(&d->rp, "hostkey", V_FAIL, rc == OTP_E_NOENT ?
			   "restore the private key, or otp-enroll --host-rekey" :
			   "chown root:root the key and its directories; chmod 600 the key",
			   "private host key: %s%s", rc == OTP_E_NOENT ? priv : "",
			   rc == OTP_E_NOENT ? " is missing but the public key exists: the module "
			   "cannot open sealed secrets" : otp_why_text(&why, rc));
	} else if (prc != OTP_OK) {
		report_add(&d->rp, "hostkey", V_FAIL, prc == OTP_E_NOENT ?
			   "otp-enroll --host-rekey makes a new pair" :
			   "chown root:root the key and its directories; chmod 644 it",
			   "public host key: %s%s", prc == OTP_E_NOENT ? pub : "",
			   prc == OTP_E_NOENT ? " is missing: otp-enroll cannot seal new secrets" :
			   otp_why_text(&pwhy, prc));
	} else {
		otp_hostkey_id(kpriv, id1);
		otp_hostkey_id(kpub, id2);
		if (memcmp(id1, id2, sizeof(id1)) != 0)
			report_add(&d->rp, "hostkey", V_FAIL, "otp-enroll --host-rekey",
				   "%s and %s are not one key pair: secrets sealed now would not "
				   "open", priv, pub);
		else
			report_add(&d->rp, "hostkey", V_OK, NULL, "host key %s is present, root's "
				   "and private", priv);
	}
	otp_hostkey_free(kpriv);
	otp_hostkey_free(kpub);
}

/* The settings a provider cannot send without (as the sender checks them), or NULL. */
static const char *sms_missing(const struct otp_cfg *g, const struct otp_sms_provider *p)
{
	const char *n = p->name;
	bool twilio_auth = g->account_sid && (g->auth_token || (g->api_key_sid &&
							       g->api_key_secret));

	if (!strcmp(n, "twilio"))
		return !twilio_auth ? "account_sid and auth_token (or api_key_sid and "
				      "api_key_secret)" :
		       g->voice && !g->from ? "from (calls need a number)" :
		       !g->from && !g->messaging_service_sid ? "from or messaging_service_sid" :
		       NULL;
	if (!strcmp(n, "twilio-verify"))
		return !twilio_auth ? "account_sid and auth_token (or api_key_sid and "
				      "api_key_secret)" :
		       !g->verify_service_sid ? "verify_service_sid" : NULL;
	if (!strcmp(n, "telnyx"))
		return !g->api_key ? "api_key" :
		       !g->from && !g->messaging_service_sid ? "from or messaging_service_sid" :
		       NULL;
	if (!strcmp(n, "plivo"))
		return !g->account_sid || !g->auth_token || !g->from ?
		       "account_sid (auth_id), auth_token and from" :
		       g->voice && (!g->webhook_url || !g->webhook_secret) ?
		       "webhook_url and webhook_secret (calls)" : NULL;
	if (!strcmp(n, "vonage"))
		return !g->account_sid || !g->auth_token || !g->from ?
		       "account_sid (api_key), auth_token (api_secret) and from" : NULL;
	if (!strcmp(n, "sns"))
		return !g->account_sid || !g->auth_token || !g->region ?
		       "account_sid (access key id), auth_token (secret key) and region" : NULL;
	if (!strcmp(n, "webhook"))
		return !g->webhook_url ? "webhook_url" :
		       g->webhook_secret && strncmp(g->webhook_secret, "whsec_", 6) != 0 ?
		       "webhook_secret in the form whsec_BASE64" : NULL;
	if (!strcmp(n, "command"))
		return !g->command || g->command[0] != '/' ? "command (an absolute path first)" :
		       NULL;
	return NULL;
}

/* A program the module (as root) runs must sit on a root-only path. */
static bool trusted_program(struct doctor *d, const char *what, const char *line)
{
	char prog[4096];
	struct otp_why why = { 0 };
	int rc;

	snprintf(prog, sizeof(prog), "%.*s", (int)strcspn(line, " \t"), line);
	if ((rc = otp_trusted_path(prog, &why)) == OTP_OK)
		return true;
	report_add(&d->rp, "sms", V_FAIL, "install it root-owned, in root-owned directories, "
		   "not writable by group or other", "%s: %s", what, otp_why_text(&why, rc));
	return false;
}

void check_sms(struct doctor *d)
{
	const struct otp_cfg *g = &d->c.cfg;
	const struct otp_sms_provider *p;
	const char *missing;

	if (g->sms_mode == OTP_SMS_OFF || !g->provider) {
		report_add(&d->rp, "sms", V_OK, NULL, "SMS fallback %s", g->sms_mode == OTP_SMS_OFF ?
			   "off (sms=off)" : "not configured (no provider=)");
		return;
	}
	if (!(p = otp_sms_provider_find(g->provider))) {
		report_add(&d->rp, "sms", V_FAIL, "see pam_otp.conf(5) for the providers",
			   "provider=%s is not a provider pam_otp knows", g->provider);
		return;
	}
	if ((missing = sms_missing(g, p))) {
		report_add(&d->rp, "sms", V_FAIL, "set them in pam_otp.conf (chmod 600 it)",
			   "provider=%s needs %s", p->name, missing);
		return;
	}
	if (g->voice && !p->calls)
		report_add(&d->rp, "sms", V_WARN, "remove voice= or pick a provider that calls",
			   "voice=yes but %s cannot place calls", p->name);
	if (!trusted_program(d, "sms_helper", otp_cfg_str(g->sms_helper, OTP_SMS_HELPER)))
		return;
	if (p->runs_command && !trusted_program(d, "command", g->command))
		return;
	report_add(&d->rp, "sms", V_OK, NULL, "provider=%s has the settings it needs (checked "
		   "without sending)", p->name);
}

bool check_ldap(struct doctor *d, struct otp_record *rec)
{
	struct otp_store st;
	struct otp_why why = { 0 }, perr = { 0 };
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!d->root) {
		report_add(&d->rp, "directory", V_WARN, "sudo otp-enroll --check --user=NAME",
			   "store=ldap: the directory is checked as root, with the module's bind");
		return false;
	}
	memset(&st, 0, sizeof(st));
	rc = otp_store_ldap_open(&st, &d->c.cfg, d->c.user, NULL, &why);
	if (rc != OTP_OK) {
		report_add(&d->rp, "directory", V_FAIL, "check ldap_uri, ldap_base, the bind and "
			   "the CA (pam_otp.conf(5), FLEET MODE in otp-enroll(1))", "%s",
			   otp_why_text(&why, rc));
		return false;
	}
	rc = otp_store_ldap_read(&st, &text, &len);
	if (rc == OTP_E_NOENT)
		report_add(&d->rp, "directory", V_FAIL, "otp-enroll --user=NAME enrolls them",
			   "%s has no record in the directory (%s)", d->c.user,
			   otp_store_ldap_dn(&st));
	else if (rc != OTP_OK)
		report_add(&d->rp, "directory", V_FAIL, "the bind must be allowed to read the attribute "
			   "(conf/ldap/README.md)", "%s", otp_why_text(st.why, rc));
	else if ((rc = otp_record_parse(text, len, rec, &perr)) != OTP_OK)
		report_add(&d->rp, "directory", V_FAIL, "otp-enroll --user=NAME --force enrolls "
			   "again", "the record of %s is damaged: %s", d->c.user,
			   otp_why_text(&perr, rc));
	else
		report_add(&d->rp, "directory", V_OK, NULL, "the directory answers; %s has a "
			   "record (%s)", d->c.user, otp_store_ldap_dn(&st));
	if (rc == OTP_OK)
		snprintf(d->c.path, sizeof(d->c.path), "ldap:%s", otp_store_ldap_dn(&st));
	otp_secret_free(text);
	otp_store_ldap_close(&st);
	return rc == OTP_OK;
}
