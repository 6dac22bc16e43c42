/* SPDX-License-Identifier: BSD-2-Clause */
#include "provider.h"
#include "err.h"

#include <string.h>

typedef void (*provider_fn)(const struct otp_cfg *, const struct otp_sms_req *,
			    struct otp_sms_res *);

/* Each provider's function, in the order of otp_sms_providers (the same list makes both). */
#define FN(name, fn, calls, keeps, command) fn,
static const provider_fn functions[] = { OTP_SMS_PROVIDERS(FN) };
_Static_assert(sizeof(functions) / sizeof(functions[0]) == OTP_SMS_PROVIDER_COUNT,
	       "one function per provider");

/*
 * What a provider can do follows from its description: one that keeps its own code starts
 * and checks verifications, any other sends the module's code; calls only where it can.
 */
static bool can(const struct otp_sms_provider *p, enum otp_sms_action act)
{
	switch (act) {
	case OTP_SMS_SEND:
		return !p->keeps_code;
	case OTP_SMS_CALL:
		return !p->keeps_code && p->calls;
	case OTP_SMS_VERIFY_START:
	case OTP_SMS_VERIFY_CHECK:
		return p->keeps_code;
	case OTP_SMS_VERIFY_START_CALL:
		return p->keeps_code && p->calls;
	}
	return false;
}

static const char *const action_names[] = {
	[OTP_SMS_SEND] = "send",
	[OTP_SMS_CALL] = "call",
	[OTP_SMS_VERIFY_START] = "verify-start",
	[OTP_SMS_VERIFY_START_CALL] = "verify-start-call",
	[OTP_SMS_VERIFY_CHECK] = "verify-check",
};

int otp_sms_action_parse(const char *name, enum otp_sms_action *out)
{
	for (size_t i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++) {
		if (strcmp(name, action_names[i]) == 0) {
			*out = (enum otp_sms_action)i;
			return OTP_OK;
		}
	}
	return OTP_E_INVAL;
}

int otp_sms_run(const struct otp_cfg *cfg, const struct otp_sms_req *req,
		struct otp_sms_res *res)
{
	const struct otp_sms_provider *p;

	memset(res, 0, sizeof(*res));
	res->mask_cfg = cfg;
	res->mask_req = req;
	res->provider = cfg->provider ? cfg->provider : "none";
	if (!cfg->provider) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "no provider set in the conf file");
		return res->exit;
	}
	p = otp_sms_provider_find(cfg->provider);
	if (!p) {
		res->provider = "unknown";
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "unknown provider");
		return res->exit;
	}
	res->provider = p->name;
	if (!can(p, req->action)) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "provider %s cannot %s", p->name,
			     action_names[req->action]);
		return res->exit;
	}
	/* A code the provider did not like must never read as success. */
	res->exit = OTP_SMS_X_PROVIDER;
	res->kind = OTP_SMS_K_MALFORMED;
	functions[p - otp_sms_providers](cfg, req, res);
	return res->exit;
}
