/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/cfg.c: every option of the table, as conf keys and as pam.d arguments. */
#include "cfg_check.h"
#include "bounds.h"

/*
 * ---- the option table, written out from cfg.h and pam_otp.conf(5) ----
 * test_table_covered checks these lists against the real table in common/cfg.c: an option
 * added there without a row here fails it.
 */

#define OFF(f) offsetof(struct otp_cfg, f)

static const struct { const char *name; size_t off; } bools[] = {
	{ "debug", OFF(debug) },
	{ "nullok", OFF(nullok) },
	{ "echo", OFF(echo) },
	{ "try_first_pass", OFF(try_first_pass) },
	{ "use_first_pass", OFF(use_first_pass) },
	{ "forward_pass", OFF(forward_pass) },
	{ "grace_local", OFF(grace_local) },
	{ "sms_on_empty", OFF(sms_on_empty) },
	{ "voice", OFF(voice) },
	{ "allow_insecure_http", OFF(allow_insecure_http) },
	{ "admin_file_user_owned", OFF(admin_file_user_owned) },
	{ "ldap_allow_insecure", OFF(ldap_allow_insecure) },
};

static const struct { const char *name; size_t off; unsigned min, max; } uints[] = {
	{ "lock_timeout", OFF(lock_timeout), 100, 60000 },
	{ "window", OFF(policy.window), 0, 20 },
	{ "hotp_window", OFF(policy.hotp_window), 1, 100 },
	{ "hotp_resync", OFF(policy.hotp_resync), 0, 1000 },
	{ "max_failures", OFF(policy.max_failures), 0, 1000 },
	{ "lockout", OFF(policy.lockout), 1, 86400 },
	{ "lockout_max", OFF(policy.lockout_max), 1, 7 * 86400 },
	{ "max_drift", OFF(policy.max_drift), 0, 100 },
	{ "grace_period", OFF(grace_period), 0, 7 * 86400 },
	{ "code_length", OFF(code_length), 4, 10 },
	{ "code_ttl", OFF(code_ttl), 30, 3600 },
	{ "sms_min_interval", OFF(sms_min_interval), 0, 86400 },
	{ "sms_max_per_day", OFF(sms_max_per_day), 0, 1000 },
	{ "timeout", OFF(timeout), 1, 60 },
	{ "connect_timeout", OFF(connect_timeout), 1, 60 },
	{ "sms_max_per_day_host", OFF(sms_max_per_day_host), 0, 1000000 },
	{ "ldap_timeout", OFF(ldap_timeout), 1, 60 },
};

static const struct { const char *name; size_t off; bool secret; } strs[] = {
	{ "file", OFF(file), false },
	{ "prompt", OFF(prompt), false },
	{ "conf", OFF(conf), false },
	{ "seal_key", OFF(seal_key), false },
	{ "seal_pub", OFF(seal_pub), false },
	{ "sms_trigger", OFF(sms_trigger), false },
	{ "voice_trigger", OFF(voice_trigger), false },
	{ "sms_countries", OFF(sms_countries), false },
	{ "message", OFF(message), false },
	{ "sms_domain", OFF(sms_domain), false },
	{ "issuer", OFF(issuer), false },
	{ "sms_helper", OFF(sms_helper), false },
	{ "provider", OFF(provider), false },
	{ "api_base", OFF(api_base), false },
	{ "ca_file", OFF(ca_file), false },
	{ "account_sid", OFF(account_sid), false },
	{ "auth_token", OFF(auth_token), true },
	{ "api_key", OFF(api_key), true },
	{ "from", OFF(from), false },
	{ "messaging_service_sid", OFF(messaging_service_sid), false },
	{ "verify_service_sid", OFF(verify_service_sid), false },
	{ "region", OFF(region), false },
	{ "webhook_url", OFF(webhook_url), false },
	{ "webhook_token", OFF(webhook_token), true },
	{ "webhook_secret", OFF(webhook_secret), true },
	{ "command", OFF(command), false },
	{ "sms_host_state", OFF(sms_host_state), false },
	{ "api_key_sid", OFF(api_key_sid), false },
	{ "api_key_secret", OFF(api_key_secret), true },
	{ "session_token", OFF(session_token), true },
	{ "ldap_uri", OFF(ldap_uri), false },
	{ "ldap_base", OFF(ldap_base), false },
	{ "ldap_filter", OFF(ldap_filter), false },
	{ "ldap_attr", OFF(ldap_attr), false },
	{ "ldap_bind_dn", OFF(ldap_bind_dn), false },
	{ "ldap_bind_pw", OFF(ldap_bind_pw), true },
	{ "ldap_ca_file", OFF(ldap_ca_file), false },
	{ "ldap_cert_file", OFF(ldap_cert_file), false },
	{ "ldap_key_file", OFF(ldap_key_file), false },
	{ "ldap_plugin", OFF(ldap_plugin), false },
};

static const struct { const char *name; size_t off; const char *values[4]; } enums[] = {
	{ "seal", OFF(seal), { "off", "optional", "required", NULL } },
	{ "sms", OFF(sms_mode), { "off", "ondemand", "auto", NULL } },
	{ "store", OFF(store), { "file", "ldap", NULL } },
};

#define FIELD(cfg, off, type) (*(type *)((char *)(cfg) + (off)))

static void test_defaults(void **state)
{
	struct otp_cfg cfg;

	(void)state;
	memset(&cfg, 0x5a, sizeof(cfg));
	otp_cfg_init(&cfg);
	assert_defaults(&cfg);
	otp_cfg_free(&cfg);
	otp_cfg_free(&cfg); /* twice is fine */
	assert_string_equal(otp_cfg_str(NULL, "fallback"), "fallback");
	assert_string_equal(otp_cfg_str("set", "fallback"), "set");
}

/* Set via otp_cfg_set or otp_cfg_set_arg ("key" or "key=value"). */
static int set(struct otp_cfg *cfg, bool as_arg, const char *key, const char *value,
	       struct otp_why *err)
{
	char arg[OTP_CONF_LINE_MAX + 64];

	if (!as_arg)
		return otp_cfg_set(cfg, key, value, err);
	if (value)
		snprintf(arg, sizeof(arg), "%s=%s", key, value);
	else
		snprintf(arg, sizeof(arg), "%s", key);
	return otp_cfg_set_arg(cfg, arg, err);
}

static void check_bool_values(bool as_arg)
{
	static const struct { const char *v; bool want; } vals[] = {
		{ NULL, true }, { "no", false }, { "yes", true }, { "0", false }, { "1", true },
		{ "false", false }, { "true", true }, { "off", false }, { "on", true },
		{ "NO", false }, { "Yes", true }, { "FALSE", false }, { "True", true },
	};
	static const char *const bad[] = { "", "maybe", "2", "y", "n", "yess", " yes", "-1" };

	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		struct otp_cfg cfg, before;
		struct otp_why err;

		otp_cfg_init(&cfg);
		for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
			memcpy(&before, &cfg, sizeof(cfg));
			err.text[0] = '\0';
			assert_int_equal(set(&cfg, as_arg, bools[i].name, vals[k].v, &err), OTP_OK);
			assert_int_equal(FIELD(&cfg, bools[i].off, bool), vals[k].want);
			assert_only_changed(&before, &cfg, bools[i].off, sizeof(bool), false);
		}
		/* Bad values leave everything as it was and say why. */
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			memcpy(&before, &cfg, sizeof(cfg));
			err.text[0] = '\0';
			assert_int_equal(set(&cfg, as_arg, bools[i].name, bad[k], &err),
					 OTP_E_INVAL);
			assert_non_null(strstr(err.text, bools[i].name));
			assert_memory_equal(&before, &cfg, sizeof(cfg));
		}
		otp_cfg_free(&cfg);
	}
}

static void test_bools_set(void **state)
{
	(void)state;
	check_bool_values(false);
}

static void test_bools_set_arg(void **state)
{
	(void)state;
	check_bool_values(true);
}

static void check_uint_values(bool as_arg)
{
	for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++) {
		struct otp_cfg cfg, before;
		unsigned min = uints[i].min, max = uints[i].max;
		unsigned good[3] = { min, max, (min + max) / 2 };
		char v[64], below[32], above[32];
		struct otp_why err;
		const char *bad[] = { above, "abc", "", "-1", " 5", "5 ", "1e3", "0x10", "+5",
				      "99999999999999999999999", "07", NULL, below };
		size_t nbad = sizeof(bad) / sizeof(bad[0]) - (min == 0 ? 1 : 0);

		otp_cfg_init(&cfg);
		for (int k = 0; k < 3; k++) {
			memcpy(&before, &cfg, sizeof(cfg));
			snprintf(v, sizeof(v), "%u", good[k]);
			assert_int_equal(set(&cfg, as_arg, uints[i].name, v, &err),
					 OTP_OK);
			assert_int_equal(FIELD(&cfg, uints[i].off, unsigned), good[k]);
			assert_only_changed(&before, &cfg, uints[i].off, sizeof(unsigned), false);
		}
		/* Below the minimum, above the maximum, not a number, no value. */
		snprintf(above, sizeof(above), "%u", max + 1);
		snprintf(below, sizeof(below), "%u", min - 1);
		for (size_t k = 0; k < nbad; k++) {
			int rc;

			memcpy(&before, &cfg, sizeof(cfg));
			err.text[0] = '\0';
			rc = set(&cfg, as_arg, uints[i].name, bad[k], &err);
			if (rc != OTP_E_INVAL)
				print_error("%s=%s should be refused, got %d\n", uints[i].name,
					    bad[k] ? bad[k] : "(none)", rc);
			assert_int_equal(rc, OTP_E_INVAL);
			assert_non_null(strstr(err.text, uints[i].name));
			assert_memory_equal(&before, &cfg, sizeof(cfg));
		}
		otp_cfg_free(&cfg);
	}
}

static void test_uints_set(void **state)
{
	(void)state;
	check_uint_values(false);
}

static void test_uints_set_arg(void **state)
{
	(void)state;
	check_uint_values(true);
}

static void check_str_values(bool as_arg)
{
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		static const char *const values[] = { "/var/lib/pam_otp/%u", "Code: ", "a=b", "x" };
		struct otp_cfg cfg, before;
		struct otp_why err;
		static char longv[OTP_CONF_TOKEN_MAX + 2];
		/* A temporary credential is longer than any other value (see bounds.h). */
		size_t limit = strcmp(strs[i].name, "session_token") == 0 ? OTP_CONF_TOKEN_MAX
									     : OTP_CONF_VALUE_MAX;
		size_t off = strs[i].off;
		int rc;

		otp_cfg_init(&cfg);
		if (as_arg && strs[i].secret) {
			/* Credentials never come from a (world-readable) pam.d line. */
			memcpy(&before, &cfg, sizeof(cfg));
			err.text[0] = '\0';
			assert_int_equal(set(&cfg, true, strs[i].name, "s3cr3t", &err),
					 OTP_E_INVAL);
			assert_non_null(strstr(err.text, strs[i].name));
			assert_memory_equal(&before, &cfg, sizeof(cfg));
			assert_int_equal(set(&cfg, true, strs[i].name, NULL, &err),
					 OTP_E_INVAL);
			assert_false(cfg.has_secrets);
			otp_cfg_free(&cfg);
			continue;
		}
		for (size_t k = 0; k < sizeof(values) / sizeof(values[0]); k++) {
			/* Set, and set again: the old copy is replaced. */
			memcpy(&before, &cfg, sizeof(cfg));
			assert_int_equal(set(&cfg, as_arg, strs[i].name, values[k], &err),
					 OTP_OK);
			assert_non_null(FIELD(&cfg, off, char *));
			assert_string_equal(FIELD(&cfg, off, char *), values[k]);
			assert_only_changed(&before, &cfg, off, sizeof(char *), strs[i].secret);
			assert_int_equal(cfg.has_secrets, strs[i].secret);
		}
		/* The limit is fine, one more character too long. */
		memset(longv, 'p', limit);
		longv[limit] = '\0';
		assert_int_equal(set(&cfg, as_arg, strs[i].name, longv, &err), OTP_OK);
		assert_string_equal(FIELD(&cfg, off, char *), longv);
		longv[limit] = 'q';
		longv[limit + 1] = '\0';
		memcpy(&before, &cfg, sizeof(cfg));
		assert_int_equal(set(&cfg, as_arg, strs[i].name, longv, &err),
				 OTP_E_INVAL);
		assert_memory_equal(&before, &cfg, sizeof(cfg));
		/* No value and an empty one are refused. */
		rc = set(&cfg, as_arg, strs[i].name, NULL, &err);
		assert_int_equal(rc, OTP_E_INVAL);
		assert_int_equal(set(&cfg, as_arg, strs[i].name, "", &err),
				 OTP_E_INVAL);
		assert_non_null(strstr(err.text, strs[i].name));
		assert_memory_equal(&before, &cfg, sizeof(cfg));
		otp_cfg_free(&cfg);
		assert_null(FIELD(&cfg, off, char *));
	}
}

static void test_strings_set(void **state)
{
	(void)state;
	check_str_values(false);
}

static void test_strings_set_arg(void **state)
{
	(void)state;
	check_str_values(true);
}

static void check_enum_values(bool as_arg)
{
	static const char *const bad[] = { "", "OFF", "Auto", "on", "yes", "1", "0", " off",
					   "off ", NULL };

	for (size_t i = 0; i < sizeof(enums) / sizeof(enums[0]); i++) {
		struct otp_cfg cfg, before;
		struct otp_why err;

		otp_cfg_init(&cfg);
		for (unsigned k = 0; enums[i].values[k]; k++) {
			memcpy(&before, &cfg, sizeof(cfg));
			assert_int_equal(set(&cfg, as_arg, enums[i].name, enums[i].values[k], &err), OTP_OK);
			assert_int_equal(FIELD(&cfg, enums[i].off, unsigned), k);
			assert_only_changed(&before, &cfg, enums[i].off, sizeof(unsigned), false);
		}
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			memcpy(&before, &cfg, sizeof(cfg));
			err.text[0] = '\0';
			assert_int_equal(set(&cfg, as_arg, enums[i].name, bad[k], &err),
					 OTP_E_INVAL);
			assert_non_null(strstr(err.text, enums[i].name));
			assert_memory_equal(&before, &cfg, sizeof(cfg));
		}
		otp_cfg_free(&cfg);
	}
	/* The names map to the enum constants. */
	{
		struct otp_cfg cfg;
		struct otp_why err;

		otp_cfg_init(&cfg);
		assert_int_equal(otp_cfg_set(&cfg, "seal", "required", &err), OTP_OK);
		assert_int_equal(cfg.seal, OTP_SEAL_REQUIRED);
		assert_int_equal(otp_cfg_set(&cfg, "seal", "off", &err), OTP_OK);
		assert_int_equal(cfg.seal, OTP_SEAL_OFF);
		assert_int_equal(otp_cfg_set(&cfg, "sms", "auto", &err), OTP_OK);
		assert_int_equal(cfg.sms_mode, OTP_SMS_AUTO);
		assert_int_equal(otp_cfg_set(&cfg, "sms", "off", &err), OTP_OK);
		assert_int_equal(cfg.sms_mode, OTP_SMS_OFF);
		otp_cfg_free(&cfg);
	}
}

static void test_enums_set(void **state)
{
	(void)state;
	check_enum_values(false);
}

static void test_enums_set_arg(void **state)
{
	(void)state;
	check_enum_values(true);
}

static void test_unknown_keys(void **state)
{
	struct otp_cfg cfg, before;
	struct otp_why err;
	char longkey[100];

	(void)state;
	otp_cfg_init(&cfg);
	memcpy(&before, &cfg, sizeof(cfg));
	assert_int_equal(otp_cfg_set(&cfg, "bogus", "1", &err), OTP_E_NOKEY);
	assert_non_null(strstr(err.text, "bogus"));
	assert_int_equal(otp_cfg_set(&cfg, "bogus", NULL, &err), OTP_E_NOKEY);
	assert_int_equal(otp_cfg_set(&cfg, "Debug", NULL, &err), OTP_E_NOKEY);
	assert_int_equal(otp_cfg_set(&cfg, "debug ", NULL, &err), OTP_E_NOKEY);
	assert_int_equal(otp_cfg_set(&cfg, "", NULL, &err), OTP_E_NOKEY);
	assert_int_equal(otp_cfg_set(&cfg, "policy", "1", &err), OTP_E_NOKEY);
	assert_int_equal(otp_cfg_set(&cfg, "has_secrets", "1", &err), OTP_E_NOKEY);
	assert_int_equal(otp_cfg_set(&cfg, "prompt_set", "1", &err), OTP_E_NOKEY);
	assert_int_equal(otp_cfg_set_arg(&cfg, "bogus", &err), OTP_E_NOKEY);
	assert_int_equal(otp_cfg_set_arg(&cfg, "bogus=1", &err), OTP_E_NOKEY);
	assert_int_equal(otp_cfg_set_arg(&cfg, "", &err), OTP_E_NOKEY);
	assert_int_equal(otp_cfg_set_arg(&cfg, "=1", &err), OTP_E_NOKEY);
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	assert_int_equal(otp_cfg_set_arg(&cfg, longkey, &err), OTP_E_NOKEY);
	assert_memory_equal(&before, &cfg, sizeof(cfg));
	/* The reason names the key. */
	assert_int_equal(otp_cfg_set(&cfg, "bogus", "1", &err), OTP_E_NOKEY);
	assert_string_equal(err.text, "unknown option bogus");
	otp_cfg_free(&cfg);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Every option of the real table (otp_cfg_option_name) has exactly one row in the lists
 * above, and every row names a real option: set it to a valid value of its type through
 * otp_cfg_set and see that value, and only it, land in its field.
 */
static void test_table_covered(void **state)
{
	size_t n = otp_cfg_option_count(), rows = N(bools) + N(uints) + N(strs) + N(enums);
	bool seal_pub_seen = false;

	(void)state;
	assert_true(n > 0);
	assert_null(otp_cfg_option_name(n));
	for (size_t i = 0; i < n; i++) {
		const char *name = otp_cfg_option_name(i);
		struct otp_cfg cfg, before;
		struct otp_why err;
		char v[32];
		unsigned found = 0;

		assert_non_null(name);
		otp_cfg_init(&cfg);
		memcpy(&before, &cfg, sizeof(cfg));
		for (size_t k = 0; k < N(bools); k++) {
			if (strcmp(name, bools[k].name) != 0)
				continue;
			found++;
			/* The opposite of the default, then back. */
			bool want = !FIELD(&cfg, bools[k].off, bool);
			assert_int_equal(otp_cfg_set(&cfg, name, want ? "yes" : "no", &err), OTP_OK);
			assert_int_equal(FIELD(&cfg, bools[k].off, bool), want);
			assert_only_changed(&before, &cfg, bools[k].off, sizeof(bool), false);
		}
		for (size_t k = 0; k < N(uints); k++) {
			if (strcmp(name, uints[k].name) != 0)
				continue;
			found++;
			/* A value other than the default, inside the range. */
			unsigned want = FIELD(&cfg, uints[k].off, unsigned) == uints[k].max ?
					uints[k].min : uints[k].max;
			snprintf(v, sizeof(v), "%u", want);
			assert_int_equal(otp_cfg_set(&cfg, name, v, &err), OTP_OK);
			assert_int_equal(FIELD(&cfg, uints[k].off, unsigned), want);
			assert_only_changed(&before, &cfg, uints[k].off, sizeof(unsigned), false);
		}
		for (size_t k = 0; k < N(strs); k++) {
			if (strcmp(name, strs[k].name) != 0)
				continue;
			found++;
			assert_int_equal(otp_cfg_set(&cfg, name, "/etc/x y", &err), OTP_OK);
			assert_non_null(FIELD(&cfg, strs[k].off, char *));
			assert_string_equal(FIELD(&cfg, strs[k].off, char *), "/etc/x y");
			assert_only_changed(&before, &cfg, strs[k].off, sizeof(char *),
					    strs[k].secret);
			assert_int_equal(cfg.has_secrets, strs[k].secret);
			seal_pub_seen |= strcmp(name, "seal_pub") == 0;
		}
		for (size_t k = 0; k < N(enums); k++) {
			if (strcmp(name, enums[k].name) != 0)
				continue;
			found++;
			/* The last value is never the default here (seal=required, sms=auto). */
			unsigned last = 0;
			while (enums[k].values[last + 1])
				last++;
			assert_int_not_equal(FIELD(&cfg, enums[k].off, unsigned), last);
			assert_int_equal(otp_cfg_set(&cfg, name, enums[k].values[last], &err), OTP_OK);
			assert_int_equal(FIELD(&cfg, enums[k].off, unsigned), last);
			assert_only_changed(&before, &cfg, enums[k].off, sizeof(unsigned), false);
		}
		if (found != 1)
			print_error("option %s of common/cfg.c has %u rows in test_cfg.c's lists "
				    "(add one, with a valid value of its type)\n", name, found);
		assert_int_equal(found, 1);
		otp_cfg_free(&cfg);
	}
	/* No stale row: each names an option that exists, so the counts match. */
	assert_int_equal(rows, n);
	assert_true(seal_pub_seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bools_set),
		cmocka_unit_test(test_bools_set_arg),
		cmocka_unit_test(test_uints_set),
		cmocka_unit_test(test_uints_set_arg),
		cmocka_unit_test(test_strings_set),
		cmocka_unit_test(test_strings_set_arg),
		cmocka_unit_test(test_enums_set),
		cmocka_unit_test(test_enums_set_arg),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_table_covered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
