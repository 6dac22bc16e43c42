/* Unit tests for common/cfg.c: the option table, the setter, conf text and conf files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "err.h"

/* ---- helpers ---- */

/* The documented defaults, checked field by field. */
static void assert_defaults(const struct otp_cfg *c)
{
	assert_false(c->debug);
	assert_false(c->nullok);
	assert_false(c->echo);
	assert_false(c->try_first_pass);
	assert_false(c->use_first_pass);
	assert_false(c->forward_pass);
	assert_null(c->file);
	assert_null(c->prompt);
	assert_null(c->conf);
	assert_int_equal(c->lock_timeout, 10000);
	assert_int_equal(c->policy.window, 1);
	assert_int_equal(c->policy.hotp_window, 5);
	assert_int_equal(c->policy.hotp_resync, 100);
	assert_int_equal(c->policy.max_failures, 3);
	assert_int_equal(c->policy.lockout, 30);
	assert_int_equal(c->policy.lockout_max, 900);
	assert_int_equal(c->seal, OTP_SEAL_OPTIONAL);
	assert_null(c->seal_key);
	assert_int_equal(c->grace_period, 0);
	assert_false(c->grace_local);
	assert_int_equal(c->sms_mode, OTP_SMS_ONDEMAND);
	assert_null(c->sms_trigger);
	assert_false(c->sms_on_empty);
	assert_false(c->voice);
	assert_int_equal(c->code_length, 6);
	assert_int_equal(c->code_ttl, 300);
	assert_int_equal(c->sms_min_interval, 60);
	assert_int_equal(c->sms_max_per_day, 10);
	assert_int_equal(c->timeout, 10);
	assert_int_equal(c->connect_timeout, 5);
	assert_null(c->provider);
	assert_null(c->auth_token);
	assert_null(c->webhook_secret);
	assert_false(c->allow_insecure_http);
	assert_false(c->has_secrets);
}

/*
 * Every byte of after equals before, except the field at [off, off + size) (and, for a
 * credential, has_secrets): a setter that touches another option is caught.
 */
static void assert_only_changed(const struct otp_cfg *before, const struct otp_cfg *after,
				size_t off, size_t size, bool secret)
{
	const unsigned char *a = (const unsigned char *)before, *b = (const unsigned char *)after;
	size_t hs = offsetof(struct otp_cfg, has_secrets);

	for (size_t i = 0; i < sizeof(*before); i++) {
		if (i >= off && i < off + size)
			continue;
		if (secret && i == hs)
			continue;
		if (a[i] != b[i])
			print_error("byte %zu of struct otp_cfg changed (field at %zu)\n", i, off);
		assert_int_equal(a[i], b[i]);
	}
}

struct log_capture {
	char text[4096];
	unsigned count;
	int worst; /* lowest (most severe) priority seen */
};

static void capture_fn(void *ctx, int prio, const char *msg)
{
	struct log_capture *c = ctx;
	size_t n = strlen(c->text);

	snprintf(c->text + n, sizeof(c->text) - n, "[%d] %s\n", prio, msg);
	c->count++;
	if (prio < c->worst)
		c->worst = prio;
}

static void capture_init(struct log_capture *cap, struct otp_log *log)
{
	memset(cap, 0, sizeof(*cap));
	cap->worst = 99;
	log->fn = capture_fn;
	log->ctx = cap;
}

/* ---- the option table, written out from cfg.h and pam_otp.conf(5) ---- */

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
};

static const struct { const char *name; size_t off; unsigned min, max; } uints[] = {
	{ "lock_timeout", OFF(lock_timeout), 100, 60000 },
	{ "window", OFF(policy.window), 0, 20 },
	{ "hotp_window", OFF(policy.hotp_window), 1, 100 },
	{ "hotp_resync", OFF(policy.hotp_resync), 0, 1000 },
	{ "max_failures", OFF(policy.max_failures), 0, 1000 },
	{ "lockout", OFF(policy.lockout), 1, 86400 },
	{ "lockout_max", OFF(policy.lockout_max), 1, 7 * 86400 },
	{ "grace_period", OFF(grace_period), 0, 7 * 86400 },
	{ "code_length", OFF(code_length), 4, 10 },
	{ "code_ttl", OFF(code_ttl), 30, 3600 },
	{ "sms_min_interval", OFF(sms_min_interval), 0, 86400 },
	{ "sms_max_per_day", OFF(sms_max_per_day), 0, 1000 },
	{ "timeout", OFF(timeout), 1, 60 },
	{ "connect_timeout", OFF(connect_timeout), 1, 60 },
};

static const struct { const char *name; size_t off; bool secret; } strs[] = {
	{ "file", OFF(file), false },
	{ "prompt", OFF(prompt), false },
	{ "conf", OFF(conf), false },
	{ "seal_key", OFF(seal_key), false },
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
};

static const struct { const char *name; size_t off; const char *values[4]; } enums[] = {
	{ "seal", OFF(seal), { "off", "optional", "required", NULL } },
	{ "sms", OFF(sms_mode), { "off", "ondemand", "auto", NULL } },
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
	       char *err, size_t errsz)
{
	char arg[2048];

	if (!as_arg)
		return otp_cfg_set(cfg, key, value, err, errsz);
	if (value)
		snprintf(arg, sizeof(arg), "%s=%s", key, value);
	else
		snprintf(arg, sizeof(arg), "%s", key);
	return otp_cfg_set_arg(cfg, arg, err, errsz);
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
		char err[160];

		otp_cfg_init(&cfg);
		for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
			memcpy(&before, &cfg, sizeof(cfg));
			err[0] = '\0';
			assert_int_equal(set(&cfg, as_arg, bools[i].name, vals[k].v, err,
					     sizeof(err)), OTP_OK);
			assert_int_equal(FIELD(&cfg, bools[i].off, bool), vals[k].want);
			assert_only_changed(&before, &cfg, bools[i].off, sizeof(bool), false);
		}
		/* Bad values leave everything as it was and say why. */
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			memcpy(&before, &cfg, sizeof(cfg));
			err[0] = '\0';
			assert_int_equal(set(&cfg, as_arg, bools[i].name, bad[k], err, sizeof(err)),
					 OTP_E_INVAL);
			assert_non_null(strstr(err, bools[i].name));
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
		char v[64], err[160], below[32], above[32];
		const char *bad[] = { above, "abc", "", "-1", " 5", "5 ", "1e3", "0x10", "+5",
				      "99999999999999999999999", "07", NULL, below };
		size_t nbad = sizeof(bad) / sizeof(bad[0]) - (min == 0 ? 1 : 0);

		otp_cfg_init(&cfg);
		for (int k = 0; k < 3; k++) {
			memcpy(&before, &cfg, sizeof(cfg));
			snprintf(v, sizeof(v), "%u", good[k]);
			assert_int_equal(set(&cfg, as_arg, uints[i].name, v, err, sizeof(err)),
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
			err[0] = '\0';
			rc = set(&cfg, as_arg, uints[i].name, bad[k], err, sizeof(err));
			if (rc != OTP_E_INVAL)
				print_error("%s=%s should be refused, got %d\n", uints[i].name,
					    bad[k] ? bad[k] : "(none)", rc);
			assert_int_equal(rc, OTP_E_INVAL);
			assert_non_null(strstr(err, uints[i].name));
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
		char err[160], longv[1100];
		size_t off = strs[i].off;
		int rc;

		otp_cfg_init(&cfg);
		if (as_arg && strs[i].secret) {
			/* Credentials never come from a (world-readable) pam.d line. */
			memcpy(&before, &cfg, sizeof(cfg));
			err[0] = '\0';
			assert_int_equal(set(&cfg, true, strs[i].name, "s3cr3t", err, sizeof(err)),
					 OTP_E_INVAL);
			assert_non_null(strstr(err, strs[i].name));
			assert_memory_equal(&before, &cfg, sizeof(cfg));
			assert_int_equal(set(&cfg, true, strs[i].name, NULL, err, sizeof(err)),
					 OTP_E_INVAL);
			assert_false(cfg.has_secrets);
			otp_cfg_free(&cfg);
			continue;
		}
		for (size_t k = 0; k < sizeof(values) / sizeof(values[0]); k++) {
			/* Set, and set again: the old copy is replaced. */
			memcpy(&before, &cfg, sizeof(cfg));
			assert_int_equal(set(&cfg, as_arg, strs[i].name, values[k], err, sizeof(err)),
					 OTP_OK);
			assert_non_null(FIELD(&cfg, off, char *));
			assert_string_equal(FIELD(&cfg, off, char *), values[k]);
			assert_only_changed(&before, &cfg, off, sizeof(char *), strs[i].secret);
			assert_int_equal(cfg.has_secrets, strs[i].secret);
		}
		/* 1024 characters are fine, 1025 too long. */
		memset(longv, 'p', 1024);
		longv[1024] = '\0';
		assert_int_equal(set(&cfg, as_arg, strs[i].name, longv, err, sizeof(err)), OTP_OK);
		assert_string_equal(FIELD(&cfg, off, char *), longv);
		longv[1024] = 'q';
		longv[1025] = '\0';
		memcpy(&before, &cfg, sizeof(cfg));
		assert_int_equal(set(&cfg, as_arg, strs[i].name, longv, err, sizeof(err)),
				 OTP_E_INVAL);
		assert_memory_equal(&before, &cfg, sizeof(cfg));
		/* No value and an empty one are refused. */
		rc = set(&cfg, as_arg, strs[i].name, NULL, err, sizeof(err));
		assert_int_equal(rc, OTP_E_INVAL);
		assert_int_equal(set(&cfg, as_arg, strs[i].name, "", err, sizeof(err)),
				 OTP_E_INVAL);
		assert_non_null(strstr(err, strs[i].name));
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
		char err[160];

		otp_cfg_init(&cfg);
		for (unsigned k = 0; enums[i].values[k]; k++) {
			memcpy(&before, &cfg, sizeof(cfg));
			assert_int_equal(set(&cfg, as_arg, enums[i].name, enums[i].values[k], err,
					     sizeof(err)), OTP_OK);
			assert_int_equal(FIELD(&cfg, enums[i].off, unsigned), k);
			assert_only_changed(&before, &cfg, enums[i].off, sizeof(unsigned), false);
		}
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			memcpy(&before, &cfg, sizeof(cfg));
			err[0] = '\0';
			assert_int_equal(set(&cfg, as_arg, enums[i].name, bad[k], err, sizeof(err)),
					 OTP_E_INVAL);
			assert_non_null(strstr(err, enums[i].name));
			assert_memory_equal(&before, &cfg, sizeof(cfg));
		}
		otp_cfg_free(&cfg);
	}
	/* The names map to the enum constants. */
	{
		struct otp_cfg cfg;
		char err[160];

		otp_cfg_init(&cfg);
		assert_int_equal(otp_cfg_set(&cfg, "seal", "required", err, sizeof(err)), OTP_OK);
		assert_int_equal(cfg.seal, OTP_SEAL_REQUIRED);
		assert_int_equal(otp_cfg_set(&cfg, "seal", "off", err, sizeof(err)), OTP_OK);
		assert_int_equal(cfg.seal, OTP_SEAL_OFF);
		assert_int_equal(otp_cfg_set(&cfg, "sms", "auto", err, sizeof(err)), OTP_OK);
		assert_int_equal(cfg.sms_mode, OTP_SMS_AUTO);
		assert_int_equal(otp_cfg_set(&cfg, "sms", "off", err, sizeof(err)), OTP_OK);
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
	char err[160];
	char longkey[100];

	(void)state;
	otp_cfg_init(&cfg);
	memcpy(&before, &cfg, sizeof(cfg));
	assert_int_equal(otp_cfg_set(&cfg, "bogus", "1", err, sizeof(err)), OTP_E_NOENT);
	assert_non_null(strstr(err, "bogus"));
	assert_int_equal(otp_cfg_set(&cfg, "bogus", NULL, err, sizeof(err)), OTP_E_NOENT);
	assert_int_equal(otp_cfg_set(&cfg, "Debug", NULL, err, sizeof(err)), OTP_E_NOENT);
	assert_int_equal(otp_cfg_set(&cfg, "debug ", NULL, err, sizeof(err)), OTP_E_NOENT);
	assert_int_equal(otp_cfg_set(&cfg, "", NULL, err, sizeof(err)), OTP_E_NOENT);
	assert_int_equal(otp_cfg_set(&cfg, "policy", "1", err, sizeof(err)), OTP_E_NOENT);
	assert_int_equal(otp_cfg_set(&cfg, "has_secrets", "1", err, sizeof(err)), OTP_E_NOENT);
	assert_int_equal(otp_cfg_set(&cfg, "prompt_set", "1", err, sizeof(err)), OTP_E_NOENT);
	assert_int_equal(otp_cfg_set_arg(&cfg, "bogus", err, sizeof(err)), OTP_E_NOENT);
	assert_int_equal(otp_cfg_set_arg(&cfg, "bogus=1", err, sizeof(err)), OTP_E_NOENT);
	assert_int_equal(otp_cfg_set_arg(&cfg, "", err, sizeof(err)), OTP_E_NOENT);
	assert_int_equal(otp_cfg_set_arg(&cfg, "=1", err, sizeof(err)), OTP_E_NOENT);
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	assert_int_equal(otp_cfg_set_arg(&cfg, longkey, err, sizeof(err)), OTP_E_NOENT);
	assert_memory_equal(&before, &cfg, sizeof(cfg));
	/* A tiny error buffer is not overrun. */
	{
		char tiny[4] = "xyz";
		assert_int_equal(otp_cfg_set(&cfg, "bogus", "1", tiny, 2), OTP_E_NOENT);
		assert_int_equal(tiny[1], '\0');
		assert_int_equal(tiny[2], 'z');
	}
	otp_cfg_free(&cfg);
}

/* ---- conf text ---- */

static void test_parse_text(void **state)
{
	static const char text[] =
		"# pam_otp.conf\n"
		"   # indented comment\n"
		"\n"
		"\t\n"
		"debug\n"
		"window = 3\n"
		"prompt = \"Your code: \"\n"
		"file=/var/lib/pam_otp/%u   \n"
		"max_failures\t=\t5\n"
		"echo = no\r\n"
		"nullok = yes\n"
		"lockout = 60\n"
		"hotp_window = 10\n"
		"unknown_key = 1\n"
		"conf = /etc/other.conf\n"
		"lockout_max=1800"; /* no final newline */
	struct otp_cfg cfg, want;
	struct otp_log log;
	struct log_capture cap;

	(void)state;
	capture_init(&cap, &log);
	otp_cfg_init(&cfg);
	cfg.echo = true;
	otp_cfg_init(&want);
	assert_int_equal(otp_cfg_parse_text(&cfg, text, strlen(text), "test.conf", &log), OTP_OK);
	assert_true(cfg.debug);
	assert_int_equal(cfg.policy.window, 3);
	assert_string_equal(cfg.prompt, "Your code: ");
	assert_string_equal(cfg.file, "/var/lib/pam_otp/%u");
	assert_int_equal(cfg.policy.max_failures, 5);
	assert_false(cfg.echo);
	assert_true(cfg.nullok);
	assert_int_equal(cfg.policy.lockout, 60);
	assert_int_equal(cfg.policy.hotp_window, 10);
	assert_int_equal(cfg.policy.lockout_max, 1800);
	assert_null(cfg.conf); /* conf= is ignored in the file */
	/* Nothing else moved from the defaults. */
	want.debug = true;
	want.policy.window = 3;
	want.prompt = cfg.prompt;
	want.file = cfg.file;
	want.policy.max_failures = 5;
	want.nullok = true;
	want.policy.lockout = 60;
	want.policy.hotp_window = 10;
	want.policy.lockout_max = 1800;
	assert_memory_equal(&want, &cfg, sizeof(cfg));
	/* The unknown key and conf= were warned about, with file and line. */
	assert_int_equal(cap.count, 2);
	assert_non_null(strstr(cap.text, "test.conf:14:"));
	assert_non_null(strstr(cap.text, "unknown_key"));
	assert_non_null(strstr(cap.text, "test.conf:15:"));
	assert_int_equal(cap.worst, LOG_WARNING);
	otp_cfg_free(&cfg);

	/* A NULL log is fine. */
	otp_cfg_init(&cfg);
	assert_int_equal(otp_cfg_parse_text(&cfg, text, strlen(text), "x", NULL), OTP_OK);
	assert_true(cfg.debug);
	otp_cfg_free(&cfg);
}

static void test_parse_text_quotes(void **state)
{
	struct otp_cfg cfg;
	const char *t;

	(void)state;
	otp_cfg_init(&cfg);
	t = "prompt = \"  spaces kept  \"\n";
	assert_int_equal(otp_cfg_parse_text(&cfg, t, strlen(t), "q", NULL), OTP_OK);
	assert_string_equal(cfg.prompt, "  spaces kept  ");
	t = "prompt = Code = here\n";
	assert_int_equal(otp_cfg_parse_text(&cfg, t, strlen(t), "q", NULL), OTP_OK);
	assert_string_equal(cfg.prompt, "Code = here");
	t = "prompt = \"a \"quoted\" word\"\n";
	assert_int_equal(otp_cfg_parse_text(&cfg, t, strlen(t), "q", NULL), OTP_OK);
	assert_string_equal(cfg.prompt, "a \"quoted\" word");
	t = "window = \"4\"\n";
	assert_int_equal(otp_cfg_parse_text(&cfg, t, strlen(t), "q", NULL), OTP_OK);
	assert_int_equal(cfg.policy.window, 4);
	otp_cfg_free(&cfg);
}

static void expect_text_error(const char *text, size_t len, int want_rc, const char *where)
{
	struct otp_cfg cfg;
	struct otp_log log;
	struct log_capture cap;
	int rc;

	capture_init(&cap, &log);
	otp_cfg_init(&cfg);
	rc = otp_cfg_parse_text(&cfg, text, len, "bad.conf", &log);
	if (rc != want_rc || !strstr(cap.text, where))
		print_error("want rc %d and a message with \"%s\"; got rc %d, log:\n%s", want_rc,
			    where, rc, cap.text);
	assert_int_equal(rc, want_rc);
	assert_non_null(strstr(cap.text, where));
	assert_int_equal(cap.worst, LOG_ERR);
	otp_cfg_free(&cfg);
}

static void test_parse_text_errors(void **state)
{
	static const char nul[] = "debug\nwin\0dow = 1\n";
	char *longline;
	const char *t;

	(void)state;
	t = "window = 3\nthis is bad\n";
	expect_text_error(t, strlen(t), OTP_E_PARSE, "bad.conf:2:");
	t = "two words = 1\n";
	expect_text_error(t, strlen(t), OTP_E_PARSE, "bad.conf:1:");
	t = "debug\n\n= value\n";
	expect_text_error(t, strlen(t), OTP_E_PARSE, "bad.conf:3:");
	t = "prompt = \"unterminated\n";
	expect_text_error(t, strlen(t), OTP_E_PARSE, "bad.conf:1:");
	t = "prompt = \"\n";
	expect_text_error(t, strlen(t), OTP_E_PARSE, "bad.conf:1:");
	expect_text_error(nul, sizeof(nul) - 1, OTP_E_PARSE, "bad.conf:2:");
	/* A line over 1024 bytes. */
	longline = malloc(2100);
	assert_non_null(longline);
	strcpy(longline, "debug\nprompt = ");
	memset(longline + strlen(longline), 'x', 2000);
	longline[15 + 2000] = '\n';
	longline[15 + 2001] = '\0';
	expect_text_error(longline, strlen(longline), OTP_E_PARSE, "bad.conf:2:");
	free(longline);
	/* A bad value is an error too (not a parse error: the value is named). */
	t = "debug\nwindow = 99\n";
	expect_text_error(t, strlen(t), OTP_E_INVAL, "bad.conf:2:");
	t = "debug = perhaps\n";
	expect_text_error(t, strlen(t), OTP_E_INVAL, "bad.conf:1:");
	t = "file =\n";
	expect_text_error(t, strlen(t), OTP_E_INVAL, "bad.conf:1:");
}

/* ---- conf files ---- */

static char *write_temp(const char *text, mode_t mode)
{
	char *path = strdup("/tmp/pam_otp_cfg_XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	return path;
}

static void test_load_good(void **state)
{
	struct otp_cfg cfg;
	char *path = write_temp("debug\nwindow = 7\nfile = /etc/otp/%u\n", 0644);

	(void)state;
	otp_cfg_init(&cfg);
	assert_int_equal(otp_cfg_load(&cfg, path, NULL), OTP_OK);
	assert_true(cfg.debug);
	assert_int_equal(cfg.policy.window, 7);
	assert_string_equal(cfg.file, "/etc/otp/%u");
	otp_cfg_free(&cfg);
	/* Read-only and owner-only modes are fine too. */
	assert_int_equal(chmod(path, 0400), 0);
	otp_cfg_init(&cfg);
	assert_int_equal(otp_cfg_load(&cfg, path, NULL), OTP_OK);
	assert_int_equal(cfg.policy.window, 7);
	otp_cfg_free(&cfg);
	unlink(path);
	free(path);
}

static void expect_load(const char *path, int want_rc)
{
	struct otp_cfg cfg;
	struct otp_log log;
	struct log_capture cap;
	int rc;

	capture_init(&cap, &log);
	otp_cfg_init(&cfg);
	rc = otp_cfg_load(&cfg, path, &log);
	if (rc != want_rc)
		print_error("loading %s: want %d, got %d; log:\n%s", path, want_rc, rc, cap.text);
	assert_int_equal(rc, want_rc);
	if (want_rc == OTP_E_UNSAFE)
		assert_true(cap.count > 0); /* the refusal is explained */
	/* Nothing from a refused file is applied; a good one sets debug. */
	assert_int_equal(cfg.debug, want_rc == OTP_OK);
	otp_cfg_free(&cfg);
}

static void test_load_refused(void **state)
{
	char *path = write_temp("debug\n", 0644);
	char link[64], dir[64], fifo[64];
	char *big;

	(void)state;
	/* Group-writable, other-writable. */
	assert_int_equal(chmod(path, 0664), 0);
	expect_load(path, OTP_E_UNSAFE);
	assert_int_equal(chmod(path, 0646), 0);
	expect_load(path, OTP_E_UNSAFE);
	assert_int_equal(chmod(path, 0620), 0);
	expect_load(path, OTP_E_UNSAFE);
	/* Owned by someone else (not root, not us). */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(chown(path, 4321, 4321), 0);
	expect_load(path, OTP_E_UNSAFE);
	assert_int_equal(chown(path, 0, 0), 0);
	expect_load(path, OTP_OK); /* fine again: the refusals above were for the reason given */
	/* A symlink to the (good) file. */
	snprintf(link, sizeof(link), "%s.link", path);
	assert_int_equal(symlink(path, link), 0);
	expect_load(link, OTP_E_UNSAFE);
	unlink(link);
	/* A directory, a FIFO (must not block). */
	snprintf(dir, sizeof(dir), "%s.dir", path);
	assert_int_equal(mkdir(dir, 0755), 0);
	expect_load(dir, OTP_E_UNSAFE);
	rmdir(dir);
	snprintf(fifo, sizeof(fifo), "%s.fifo", path);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	alarm(10);
	expect_load(fifo, OTP_E_UNSAFE);
	alarm(0);
	unlink(fifo);
	/* Missing. */
	expect_load("/tmp/pam_otp_cfg_does_not_exist.conf", OTP_E_NOENT);
	/* Larger than 64 KiB. */
	big = malloc(OTP_CONF_MAX + 2);
	assert_non_null(big);
	memset(big, '#', OTP_CONF_MAX + 1);
	big[OTP_CONF_MAX + 1] = '\0';
	unlink(path);
	free(path);
	path = write_temp(big, 0644);
	expect_load(path, OTP_E_UNSAFE);
	free(big);
	unlink(path);
	free(path);
}

/* A file that sets a credential must not be readable by group or other either. */
static void test_load_credentials(void **state)
{
	static const mode_t refused[] = { 0644, 0640, 0604, 0444 };
	char *path = write_temp("debug\nauth_token = \"tok en\"\n", 0600);
	struct otp_cfg cfg;
	struct otp_log log;
	struct log_capture cap;

	(void)state;
	otp_cfg_init(&cfg);
	assert_int_equal(otp_cfg_load(&cfg, path, NULL), OTP_OK);
	assert_string_equal(cfg.auth_token, "tok en");
	assert_true(cfg.has_secrets);
	otp_cfg_free(&cfg);
	assert_int_equal(chmod(path, 0400), 0);
	otp_cfg_init(&cfg);
	assert_int_equal(otp_cfg_load(&cfg, path, NULL), OTP_OK);
	otp_cfg_free(&cfg);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(chmod(path, refused[i]), 0);
		capture_init(&cap, &log);
		otp_cfg_init(&cfg);
		assert_int_equal(otp_cfg_load(&cfg, path, &log), OTP_E_UNSAFE);
		assert_non_null(strstr(cap.text, path));
		assert_int_equal(cap.worst, LOG_ERR);
		otp_cfg_free(&cfg);
	}
	unlink(path);
	free(path);
	/* Without a credential, 0644 is fine. */
	path = write_temp("debug\naccount_sid = AC123\n", 0644);
	otp_cfg_init(&cfg);
	assert_int_equal(otp_cfg_load(&cfg, path, NULL), OTP_OK);
	assert_false(cfg.has_secrets);
	assert_string_equal(cfg.account_sid, "AC123");
	otp_cfg_free(&cfg);
	unlink(path);
	free(path);
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
		cmocka_unit_test(test_parse_text),
		cmocka_unit_test(test_parse_text_quotes),
		cmocka_unit_test(test_parse_text_errors),
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_load_refused),
		cmocka_unit_test(test_load_credentials),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
