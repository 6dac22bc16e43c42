/* SPDX-License-Identifier: BSD-2-Clause */
#include "cfg.h"
#include "bounds.h"
#include "err.h"
#include "numparse.h"
#include "secmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum opt_type { T_BOOL, T_UINT, T_STR, T_SECRET, T_ENUM };

struct opt {
	const char *name;
	enum opt_type type;
	size_t offset;
	unsigned min, max;
	const char *const *values; /* T_ENUM: the names of 0, 1, 2 ... */
};

#define BOOL(n, f) { n, T_BOOL, offsetof(struct otp_cfg, f), 0, 1, NULL }
#define UINT(n, f, lo, hi) { n, T_UINT, offsetof(struct otp_cfg, f), lo, hi, NULL }
#define STR(n, f) { n, T_STR, offsetof(struct otp_cfg, f), 0, 0, NULL }
#define SECRET(n, f) { n, T_SECRET, offsetof(struct otp_cfg, f), 0, 0, NULL }
/* A credential longer than OTP_CONF_VALUE_MAX: max is its length limit. */
#define LONG_SECRET(n, f, len) { n, T_SECRET, offsetof(struct otp_cfg, f), 0, len, NULL }
#define ENUM(n, f, v) { n, T_ENUM, offsetof(struct otp_cfg, f), 0, 0, v }

static const char *const sms_modes[] = { "off", "ondemand", "auto", NULL };
static const char *const seal_modes[] = { "off", "optional", "required", NULL };
static const char *const stores[] = { "file", "ldap", NULL };

static const struct opt options[] = {
	BOOL("debug", debug),
	BOOL("nullok", nullok),
	BOOL("echo", echo),
	BOOL("try_first_pass", try_first_pass),
	BOOL("use_first_pass", use_first_pass),
	BOOL("forward_pass", forward_pass),
	STR("file", file),
	STR("prompt", prompt),
	STR("conf", conf),
	UINT("lock_timeout", lock_timeout, 100, 60000),
	UINT("window", policy.window, 0, OTP_WINDOW_MAX),
	UINT("hotp_window", policy.hotp_window, 1, 100),
	UINT("hotp_resync", policy.hotp_resync, 0, 1000),
	UINT("max_failures", policy.max_failures, 0, 1000),
	UINT("lockout", policy.lockout, 1, 86400),
	UINT("lockout_max", policy.lockout_max, 1, 7 * 86400),
	UINT("max_drift", policy.max_drift, 0, OTP_DRIFT_MAX),

	ENUM("seal", seal, seal_modes),
	STR("seal_key", seal_key),
	STR("seal_pub", seal_pub),
	UINT("grace_period", grace_period, 0, 7 * 86400),
	BOOL("grace_local", grace_local),

	ENUM("sms", sms_mode, sms_modes),
	STR("sms_trigger", sms_trigger),
	BOOL("sms_on_empty", sms_on_empty),
	BOOL("voice", voice),
	STR("voice_trigger", voice_trigger),
	UINT("code_length", code_length, 4, 10),
	UINT("code_ttl", code_ttl, 30, 3600),
	UINT("sms_min_interval", sms_min_interval, 0, 86400),
	UINT("sms_max_per_day", sms_max_per_day, 0, 1000),
	STR("sms_countries", sms_countries),
	STR("message", message),
	STR("sms_domain", sms_domain),
	STR("issuer", issuer),
	STR("sms_helper", sms_helper),
	UINT("timeout", timeout, 1, 60),
	UINT("connect_timeout", connect_timeout, 1, 60),

	STR("provider", provider),
	STR("api_base", api_base),
	STR("ca_file", ca_file),
	BOOL("allow_insecure_http", allow_insecure_http),
	STR("account_sid", account_sid),
	SECRET("auth_token", auth_token),
	SECRET("api_key", api_key),
	STR("from", from),
	STR("messaging_service_sid", messaging_service_sid),
	STR("verify_service_sid", verify_service_sid),
	STR("region", region),
	STR("webhook_url", webhook_url),
	SECRET("webhook_token", webhook_token),
	SECRET("webhook_secret", webhook_secret),
	STR("command", command),
	BOOL("admin_file_user_owned", admin_file_user_owned),
	UINT("sms_max_per_day_host", sms_max_per_day_host, 0, 1000000),
	STR("sms_host_state", sms_host_state),
	STR("api_key_sid", api_key_sid),
	SECRET("api_key_secret", api_key_secret),
	LONG_SECRET("session_token", session_token, OTP_CONF_TOKEN_MAX),

	ENUM("store", store, stores),
	STR("ldap_uri", ldap_uri),
	STR("ldap_base", ldap_base),
	STR("ldap_filter", ldap_filter),
	STR("ldap_attr", ldap_attr),
	STR("ldap_bind_dn", ldap_bind_dn),
	SECRET("ldap_bind_pw", ldap_bind_pw),
	STR("ldap_ca_file", ldap_ca_file),
	STR("ldap_cert_file", ldap_cert_file),
	STR("ldap_key_file", ldap_key_file),
	UINT("ldap_timeout", ldap_timeout, 1, 60),
	BOOL("ldap_allow_insecure", ldap_allow_insecure),
	STR("ldap_plugin", ldap_plugin),
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

void otp_cfg_init(struct otp_cfg *cfg)
{
	struct otp_policy defaults = OTP_POLICY_DEFAULTS;

	memset(cfg, 0, sizeof(*cfg));
	cfg->lock_timeout = 10000;
	cfg->policy = defaults;
	cfg->seal = OTP_SEAL_OPTIONAL;
	cfg->sms_mode = OTP_SMS_ONDEMAND;
	cfg->code_length = 6;
	cfg->code_ttl = 300;
	cfg->sms_min_interval = 60;
	cfg->sms_max_per_day = 10;
	cfg->timeout = 10;
	cfg->connect_timeout = 5;
	cfg->sms_max_per_day_host = OTP_DEFAULT_SMS_MAX_PER_DAY_HOST;
	cfg->ldap_timeout = OTP_DEFAULT_LDAP_TIMEOUT;
}

const char *otp_cfg_str(const char *value, const char *fallback)
{
	return value ? value : fallback;
}

void otp_cfg_free(struct otp_cfg *cfg)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		if (options[i].type == T_STR || options[i].type == T_SECRET) {
			char **p = (char **)((char *)cfg + options[i].offset);
			otp_free_str(*p);
			*p = NULL;
		}
	}
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	if (!v) {
		*out = true;
		return OTP_OK;
	}
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return OTP_OK;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return OTP_OK;
		}
	}
	return OTP_E_INVAL;
}

int otp_cfg_set(struct otp_cfg *cfg, const char *key, const char *value, struct otp_why *err)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		const struct opt *o = &options[i];
		void *field = (char *)cfg + o->offset;
		uint64_t u;

		if (strcmp(key, o->name) != 0)
			continue;
		switch (o->type) {
		case T_BOOL:
			if (parse_bool(value, field) != OTP_OK) {
				otp_why_set(err, 0, "%s takes yes or no", key);
				return OTP_E_INVAL;
			}
			return OTP_OK;
		case T_UINT:
			if (!value || otp_parse_u64(value, o->max, &u) != OTP_OK || u < o->min) {
				otp_why_set(err, 0, "%s must be a whole number from %u to %u", key,
					 o->min, o->max);
				return OTP_E_INVAL;
			}
			*(unsigned *)field = (unsigned)u;
			return OTP_OK;
		case T_ENUM:
			for (unsigned k = 0; value && o->values[k]; k++) {
				if (strcmp(value, o->values[k]) == 0) {
					*(unsigned *)field = k;
					return OTP_OK;
				}
			}
			otp_why_set(err, 0, "%s: unknown value", key);
			return OTP_E_INVAL;
		case T_SECRET:
			cfg->has_secrets = true;
			/* fall through */
		case T_STR: {
			char *copy;

			if (!value || !*value) {
				otp_why_set(err, 0, "%s needs a value", key);
				return OTP_E_INVAL;
			}
			if (strlen(value) > (o->max ? o->max : OTP_CONF_VALUE_MAX)) {
				otp_why_set(err, 0, "%s is too long (at most %u characters)", key,
					    o->max ? o->max : OTP_CONF_VALUE_MAX);
				return OTP_E_INVAL;
			}
			if (!(copy = strdup(value)))
				return OTP_E_NOMEM;
			otp_free_str(*(char **)field);
			*(char **)field = copy;
			return OTP_OK;
		}
		}
	}
	otp_why_set(err, 0, "unknown option %s", key);
	return OTP_E_NOKEY;
}

static bool is_secret(const char *key)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (options[i].type == T_SECRET && strcmp(key, options[i].name) == 0)
			return true;
	return false;
}

int otp_cfg_set_arg(struct otp_cfg *cfg, const char *arg, struct otp_why *err)
{
	const char *eq = strchr(arg, '=');
	char key[64];
	size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);

	if (klen == 0 || klen >= sizeof(key)) {
		otp_why_set(err, 0, "malformed option");
		return OTP_E_NOKEY;
	}
	memcpy(key, arg, klen);
	key[klen] = '\0';
	if (is_secret(key)) {
		otp_why_set(err, 0, "%s belongs in the conf file, not on the world-readable pam.d line",
			 key);
		return OTP_E_INVAL;
	}
	return otp_cfg_set(cfg, key, eq ? eq + 1 : NULL, err);
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* Split one conf line into key and value in place; value NULL for a bare flag. */
static int split_line(char *line, char **key, char **value, const char **why)
{
	char *eq = strchr(line, '=');
	char *v;

	*value = NULL;
	if (eq)
		*eq = '\0';
	*key = trim(line);
	if (!**key || strpbrk(*key, " \t")) {
		*why = "expected 'key = value'";
		return OTP_E_INVAL;
	}
	if (!eq)
		return OTP_OK;
	v = trim(eq + 1);
	if (v[0] != '"') {
		/* "value  # comment": a '#' after white space starts a comment. */
		for (char *c = v; *c; c++) {
			if (*c == '#' && c > v && (c[-1] == ' ' || c[-1] == '\t')) {
				*c = '\0';
				v = trim(v);
				break;
			}
		}
	}
	if (v[0] == '"') {
		/* "quoted value" keeps its spaces, quotes and '#'; only a comment may follow. */
		char *close = strrchr(v + 1, '"'), *rest;
		if (!close) {
			*why = "unterminated quote";
			return OTP_E_INVAL;
		}
		rest = close + 1 + strspn(close + 1, " \t");
		if (*rest && *rest != '#') {
			*why = "text after a closing quote";
			return OTP_E_INVAL;
		}
		*close = '\0';
		v++;
	}
	*value = v;
	return OTP_OK;
}

/* The index of key in options[], or N_OPTIONS. */
static size_t option_index(const char *key)
{
	size_t i = 0;

	while (i < N_OPTIONS && strcmp(key, options[i].name) != 0)
		i++;
	return i;
}

int otp_cfg_parse_text(struct otp_cfg *cfg, const char *text, size_t len,
		       const char *origin, const struct otp_log *log)
{
	char line[OTP_CONF_LINE_MAX + 1];
	size_t pos = 0;
	unsigned lineno = 0, first_line[N_OPTIONS] = { 0 }; /* where each key was set */
	int rc = OTP_OK;

	while (pos < len && rc == OTP_OK) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - text - pos) : len - pos;
		char *key, *value, *s;
		struct otp_why err;
		const char *why = NULL;

		lineno++;
		if (n >= sizeof(line) || memchr(text + pos, '\0', n)) {
			otp_log(log, LOG_ERR, "%s:%u: line too long or contains a NUL byte", origin,
				lineno);
			rc = OTP_E_PARSE;
			break;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		s = trim(line);
		if (!*s || *s == '#')
			continue;
		if (split_line(s, &key, &value, &why) != OTP_OK) {
			otp_log(log, LOG_ERR, "%s:%u: %s", origin, lineno, why);
			rc = OTP_E_PARSE;
			break;
		}
		if (strcmp(key, "conf") == 0) {
			otp_log(log, LOG_WARNING, "%s:%u: conf= is only a module argument", origin,
				lineno);
			continue;
		}
		/* A misspelt key would silently leave a security setting at its default, and
		 * a second line for a key silently overrides the first: both are errors. */
		size_t idx = option_index(key);
		if (idx == N_OPTIONS) {
			char safe[80];
			otp_log_sanitize(key, safe, sizeof(safe));
			otp_log(log, LOG_ERR, "%s:%u: unknown key \"%s\"", origin, lineno, safe);
			rc = OTP_E_PARSE;
			break;
		}
		if (first_line[idx]) {
			otp_log(log, LOG_ERR, "%s:%u: duplicate key \"%s\" (first set on line %u)",
				origin, lineno, options[idx].name, first_line[idx]);
			rc = OTP_E_PARSE;
			break;
		}
		first_line[idx] = lineno;
		rc = otp_cfg_set(cfg, key, value, &err);
		if (rc != OTP_OK) {
			otp_log(log, LOG_ERR, "%s:%u: %s", origin, lineno, err.text);
		}
	}
	otp_wipe(line, sizeof(line));
	return rc;
}

int otp_cfg_load(struct otp_cfg *cfg, const char *path, const struct otp_log *log)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int rc;

	if (fd < 0) {
		if (errno == ENOENT)
			return OTP_E_NOENT;
		otp_log(log, LOG_ERR, "cannot open %s: %s", path, strerror(errno));
		return OTP_E_UNSAFE;
	}
	rc = OTP_E_UNSAFE;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		otp_log(log, LOG_ERR, "%s is not a regular file", path);
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		otp_log(log, LOG_ERR, "%s must be owned by root (uid %u owns it)", path,
			(unsigned)st.st_uid);
	else if (st.st_mode & 022)
		otp_log(log, LOG_ERR, "%s must not be writable by group or other (mode %04o)", path,
			(unsigned)(st.st_mode & 07777));
	else if (st.st_size > OTP_CONF_MAX)
		otp_log(log, LOG_ERR, "%s is larger than %d bytes", path, OTP_CONF_MAX);
	else if (!(buf = malloc(OTP_CONF_MAX + 1)))
		rc = OTP_E_NOMEM;
	else if ((n = read(fd, buf, OTP_CONF_MAX + 1)) < 0 || n > OTP_CONF_MAX)
		otp_log(log, LOG_ERR, "cannot read %s", path);
	else
		rc = otp_cfg_parse_text(cfg, buf, (size_t)n, path, log);
	if (rc == OTP_OK && cfg->has_secrets && (st.st_mode & 044)) {
		otp_log(log, LOG_ERR, "%s holds credentials and must not be readable by group or "
			"other (mode %04o): chmod 600 it", path, (unsigned)(st.st_mode & 07777));
		rc = OTP_E_UNSAFE;
	}
	close(fd);
	if (buf) {
		otp_wipe(buf, OTP_CONF_MAX + 1);
		free(buf);
	}
	return rc;
}

/* The option table, by index: for tests that must cover every option there is. */
size_t otp_cfg_option_count(void)
{
	return N_OPTIONS;
}

const char *otp_cfg_option_name(size_t i)
{
	return i < N_OPTIONS ? options[i].name : NULL;
}
