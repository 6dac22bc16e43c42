/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by the test_cfg*.c programs: helpers and the option table for common/cfg.c. */
#ifndef PAM_OTP_TEST_CFG_CHECK_H
#define PAM_OTP_TEST_CFG_CHECK_H

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
static inline void assert_defaults(const struct otp_cfg *c)
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
	assert_int_equal(c->policy.max_drift, 10);
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
	assert_int_equal(c->store, OTP_STORE_FILE);
	assert_null(c->ldap_uri);
	assert_null(c->ldap_bind_pw);
	assert_int_equal(c->ldap_timeout, 5);
	assert_false(c->ldap_allow_insecure);
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
static inline void assert_only_changed(const struct otp_cfg *before, const struct otp_cfg *after,
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

static inline void capture_fn(void *ctx, int prio, const char *msg)
{
	struct log_capture *c = ctx;
	size_t n = strlen(c->text);

	snprintf(c->text + n, sizeof(c->text) - n, "[%d] %s\n", prio, msg);
	c->count++;
	if (prio < c->worst)
		c->worst = prio;
}

static inline void capture_init(struct log_capture *cap, struct otp_log *log)
{
	memset(cap, 0, sizeof(*cap));
	cap->worst = 99;
	log->fn = capture_fn;
	log->ctx = cap;
}

#endif
