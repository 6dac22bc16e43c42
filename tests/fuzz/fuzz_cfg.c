/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Config parser (common/cfg.c). The input is a pam_otp.conf file for otp_cfg_parse_text and,
 * line by line, pam.d arguments for otp_cfg_set_arg. Whatever it holds: no crash or leak,
 * every number stays in its documented range, every string is unset or 1..1024 bytes, log
 * lines are bounded, and a credential is never taken from a pam.d argument.
 */
#include "fuzz.h"

#include <string.h>

#include "cfg.h"
#include "err.h"

static void check_log(void *ctx, int prio, const char *msg)
{
	unsigned *lines = ctx;

	FUZZ_CHECK(prio == LOG_ERR || prio == LOG_WARNING);
	FUZZ_CHECK(strlen(msg) < 512);
	(*lines)++;
}

static void in_range(unsigned v, unsigned lo, unsigned hi, const char *name)
{
	if (v < lo || v > hi) {
		fprintf(stderr, "%s = %u, outside %u..%u\n", name, v, lo, hi);
		abort();
	}
}

#define IN_RANGE(field, lo, hi) in_range((field), (lo), (hi), #field)

static void check_str(const char *s)
{
	FUZZ_CHECK(s == NULL || (s[0] != '\0' && strlen(s) <= 1024));
}

static void check_cfg(const struct otp_cfg *c)
{
	IN_RANGE(c->lock_timeout, 100u, 60000u);
	IN_RANGE(c->policy.window, 0u, 20u);
	IN_RANGE(c->policy.hotp_window, 1u, 100u);
	IN_RANGE(c->policy.hotp_resync, 0u, 1000u);
	IN_RANGE(c->policy.max_failures, 0u, 1000u);
	IN_RANGE(c->policy.lockout, 1u, 86400u);
	IN_RANGE(c->policy.lockout_max, 1u, 7u * 86400u);
	IN_RANGE(c->seal, OTP_SEAL_OFF, OTP_SEAL_REQUIRED);
	IN_RANGE(c->grace_period, 0u, 7u * 86400u);
	IN_RANGE(c->sms_mode, OTP_SMS_OFF, OTP_SMS_AUTO);
	IN_RANGE(c->code_length, 4u, 10u);
	IN_RANGE(c->code_ttl, 30u, 3600u);
	IN_RANGE(c->sms_min_interval, 0u, 86400u);
	IN_RANGE(c->sms_max_per_day, 0u, 1000u);
	IN_RANGE(c->timeout, 1u, 60u);
	IN_RANGE(c->connect_timeout, 1u, 60u);
	check_str(c->file);
	check_str(c->prompt);
	check_str(c->conf);
	check_str(c->seal_key);
	check_str(c->sms_trigger);
	check_str(c->voice_trigger);
	check_str(c->sms_countries);
	check_str(c->message);
	check_str(c->sms_domain);
	check_str(c->issuer);
	check_str(c->sms_helper);
	check_str(c->provider);
	check_str(c->api_base);
	check_str(c->ca_file);
	check_str(c->account_sid);
	check_str(c->auth_token);
	check_str(c->api_key);
	check_str(c->from);
	check_str(c->messaging_service_sid);
	check_str(c->verify_service_sid);
	check_str(c->region);
	check_str(c->webhook_url);
	check_str(c->webhook_token);
	check_str(c->webhook_secret);
	check_str(c->command);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct otp_cfg cfg;
	unsigned lines = 0;
	struct otp_log log = { check_log, &lines };
	char *copy, *line, *next;
	int rc;

	/* As a conf file. */
	otp_cfg_init(&cfg);
	rc = otp_cfg_parse_text(&cfg, (const char *)data, size, "fuzz.conf", &log);
	FUZZ_CHECK(rc == OTP_OK || rc == OTP_E_PARSE || rc == OTP_E_INVAL || rc == OTP_E_NOMEM);
	FUZZ_CHECK(rc != OTP_E_PARSE || lines > 0); /* a refused file says why */
	/* conf= is only a module argument. */
	FUZZ_CHECK(cfg.conf == NULL);
	check_cfg(&cfg);
	otp_cfg_free(&cfg);
	otp_cfg_free(&cfg); /* pointers were reset: a second free is harmless */

	/* Each line as a pam.d argument. */
	otp_cfg_init(&cfg);
	copy = fuzz_strndup(data, size);
	for (line = copy; line; line = next) {
		struct otp_why err;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		otp_why_clear(&err);
		rc = otp_cfg_set_arg(&cfg, line, &err);
		FUZZ_CHECK(rc == OTP_OK || err.text[0] != '\0');
		FUZZ_CHECK(memchr(err.text, '\0', sizeof(err.text)) != NULL);
	}
	FUZZ_CHECK(!cfg.has_secrets);
	FUZZ_CHECK(!cfg.auth_token && !cfg.api_key && !cfg.webhook_token && !cfg.webhook_secret);
	check_cfg(&cfg);
	otp_cfg_free(&cfg);
	free(copy);
	return 0;
}
