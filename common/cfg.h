/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Options, one table and one setter for every source: /etc/security/pam_otp.conf lines,
 * pam.d arguments and (later) command-line flags. Values are range-checked; unknown keys are
 * reported to the caller, which logs them.
 */
#ifndef OTP_CFG_H
#define OTP_CFG_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"
#include "verify.h"
#include "why.h"

#ifndef OTP_DEFAULT_CONF /* set by meson from -Dsecurityconfdir */
#define OTP_DEFAULT_CONF "/etc/security/pam_otp.conf"
#endif
#define OTP_DEFAULT_FILE "~/.otp"
#define OTP_DEFAULT_PROMPT "Verification code: "
#define OTP_CONF_MAX (64 * 1024)

enum otp_sms_mode { OTP_SMS_OFF, OTP_SMS_ONDEMAND, OTP_SMS_AUTO };
enum otp_seal_mode { OTP_SEAL_OFF, OTP_SEAL_OPTIONAL, OTP_SEAL_REQUIRED };
enum otp_store_kind { OTP_STORE_FILE, OTP_STORE_LDAP };

struct otp_cfg {
	bool debug;
	bool nullok;
	bool echo;
	bool try_first_pass;
	bool use_first_pass;
	bool forward_pass;
	char *file;              /* path template */
	char *prompt;
	bool prompt_set;         /* prompt came from the configuration, not the default */
	char *conf;              /* only from pam.d arguments */
	unsigned lock_timeout;   /* milliseconds */
	struct otp_policy policy;

	/* Sealed secrets and grace periods. */
	unsigned seal;           /* enum otp_seal_mode */
	char *seal_key;          /* private host key (module) */
	char *seal_pub;          /* public host key (otp-enroll) */
	unsigned grace_period;   /* seconds; 0 off */
	bool grace_local;        /* grace also for an empty PAM_RHOST */

	/* SMS fallback, module side. */
	unsigned sms_mode;       /* enum otp_sms_mode */
	char *sms_trigger;       /* answer that asks for a text (default "sms") */
	bool sms_on_empty;       /* an empty answer asks for a text too */
	bool voice;              /* offer a phone call ("call") */
	char *voice_trigger;
	unsigned code_length;    /* digits of a sent code */
	unsigned code_ttl;       /* seconds a sent code stays valid */
	unsigned sms_min_interval;
	unsigned sms_max_per_day;
	char *sms_countries;     /* allow-list of calling codes, "1,44,49" */
	char *message;           /* template: {code} {issuer} {host} {minutes} */
	char *sms_domain;        /* adds "@domain #code" for autofill */
	char *issuer;
	char *sms_helper;        /* path of the sender program */
	unsigned timeout;        /* seconds for one provider request, all in */
	unsigned connect_timeout;

	/* SMS provider (read by the sender program). Secrets only from the conf file. */
	char *provider;          /* one of OTP_SMS_PROVIDERS (sms_providers.h) */
	char *api_base;
	char *ca_file;
	bool allow_insecure_http;
	char *account_sid;       /* Twilio AccountSid, Plivo auth_id, Vonage api_key, AWS key id */
	char *auth_token;        /* its secret: Twilio AuthToken, Plivo auth token, ... */
	char *api_key;           /* Telnyx API key (Bearer) */
	char *from;              /* sender number or id */
	char *messaging_service_sid;
	char *verify_service_sid;
	char *region;            /* AWS region for sns */
	char *webhook_url;
	char *webhook_token;     /* bearer token for the webhook */
	char *webhook_secret;    /* Standard Webhooks signing secret ("whsec_" + base64) */
	char *command;           /* program and fixed arguments for provider=command */
	bool has_secrets;        /* a secret key was set: the conf file must be private */
	bool admin_file_user_owned; /* an admin path's file may be owned by its user (not only root) */

	/* Host-wide SMS budget (pumping): texts per UTC day from this host, 0 = no cap. */
	unsigned sms_max_per_day_host;
	char *sms_host_state;    /* its root-owned state file (default OTP_DEFAULT_SMS_HOST_STATE) */
	char *api_key_sid;       /* Twilio API key SID (SK...), Basic user instead of account_sid */
	char *api_key_secret;    /* its secret, instead of auth_token */
	char *session_token;     /* AWS temporary credentials: X-Amz-Security-Token for sns */

	/* Where records are kept: files (~/.otp) or the directory (fleet mode, store_ldap.h). */
	unsigned store;          /* enum otp_store_kind */
	char *ldap_uri;          /* space-separated, in failover order */
	char *ldap_base;
	char *ldap_filter;       /* %u: the user name, escaped (default OTP_DEFAULT_LDAP_FILTER) */
	char *ldap_attr;         /* default OTP_DEFAULT_LDAP_ATTR */
	char *ldap_bind_dn;      /* unset: SASL EXTERNAL (ldapi:// or a client certificate) */
	char *ldap_bind_pw;
	char *ldap_ca_file;
	char *ldap_cert_file;
	char *ldap_key_file;
	unsigned ldap_timeout;   /* seconds for one exchange, all in */
	bool ldap_allow_insecure; /* ldap:// without StartTLS: tests only */
	char *ldap_plugin;       /* pam_otp_ldap.so (default OTP_LDAP_PLUGIN) */
};

#define OTP_DEFAULT_LDAP_FILTER "(&(objectClass=posixAccount)(uid=%u))"
#define OTP_DEFAULT_LDAP_ATTR "pamOtpRecord"
#define OTP_DEFAULT_LDAP_TIMEOUT 5

#define OTP_DEFAULT_SMS_HOST_STATE "/var/lib/pam_otp/sms_host_count"
#define OTP_DEFAULT_SMS_MAX_PER_DAY_HOST 100

void otp_cfg_init(struct otp_cfg *cfg);
/* value, or fallback when it is NULL (unset string options). */
const char *otp_cfg_str(const char *value, const char *fallback);
void otp_cfg_free(struct otp_cfg *cfg);

/*
 * Set key to value (NULL for a bare flag). Returns 0, OTP_E_NOKEY for an unknown key,
 * OTP_E_INVAL for a bad value (err says why), OTP_E_NOMEM.
 */
int otp_cfg_set(struct otp_cfg *cfg, const char *key, const char *value, struct otp_why *err);

/*
 * "key=value" or "flag", as on a pam.d line. Secret keys (credentials) are refused here:
 * pam.d files are world-readable.
 */
int otp_cfg_set_arg(struct otp_cfg *cfg, const char *arg, struct otp_why *err);

/*
 * Parse conf-file text: "key = value" lines, '#' comments; a value may be double-quoted to
 * keep spaces. A bad line, an unknown key or a key given twice is an error naming
 * origin:line (fail closed, as sshd treats sshd_config); pam.d arguments (otp_cfg_set_arg)
 * keep the PAM convention of logging an unknown one and going on.
 */
int otp_cfg_parse_text(struct otp_cfg *cfg, const char *text, size_t len,
		       const char *origin, const struct otp_log *log);

/*
 * Load a conf file: owned by root (or by the calling user), not writable by group or other,
 * not a symlink, bounded; if it sets a credential it must not be readable by group or other
 * either. A missing file is OTP_E_NOENT (the caller decides if that is fine).
 */
int otp_cfg_load(struct otp_cfg *cfg, const char *path, const struct otp_log *log);

/* The options table (tests check that they cover each one): its size, and the name of
 * option i (NULL past the end). */
size_t otp_cfg_option_count(void);
const char *otp_cfg_option_name(size_t i);

#endif
