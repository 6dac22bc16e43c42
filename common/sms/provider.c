#include "provider.h"
#include "err.h"

#include <string.h>

#define ACT(a) (1u << (a))

struct provider {
	const char *name;
	void (*fn)(const struct otp_cfg *, const struct otp_sms_req *, struct otp_sms_res *);
	unsigned actions; /* ACT() bits of what it can do */
};

/* Which ones can call is also in otp_sms_provider_calls (common/smscode.c): the module
 * offers "call" only for those, without linking this library. */
static const struct provider providers[] = {
	{ "twilio", otp_sms_twilio, ACT(OTP_SMS_SEND) | ACT(OTP_SMS_CALL) },
	{ "twilio-verify", otp_sms_twilio_verify,
	  ACT(OTP_SMS_VERIFY_START) | ACT(OTP_SMS_VERIFY_START_CALL) | ACT(OTP_SMS_VERIFY_CHECK) },
	{ "telnyx", otp_sms_telnyx, ACT(OTP_SMS_SEND) },
	{ "plivo", otp_sms_plivo, ACT(OTP_SMS_SEND) | ACT(OTP_SMS_CALL) },
	{ "vonage", otp_sms_vonage, ACT(OTP_SMS_SEND) },
	{ "sns", otp_sms_sns, ACT(OTP_SMS_SEND) },
	{ "webhook", otp_sms_webhook, ACT(OTP_SMS_SEND) },
	{ "command", otp_sms_command, ACT(OTP_SMS_SEND) },
};

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
	memset(res, 0, sizeof(*res));
	res->mask_cfg = cfg;
	res->mask_req = req;
	res->provider = cfg->provider ? cfg->provider : "none";
	if (!cfg->provider) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "no provider set in the conf file");
		return res->exit;
	}
	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++) {
		const struct provider *p = &providers[i];

		if (strcmp(cfg->provider, p->name) != 0)
			continue;
		res->provider = p->name;
		if (!(p->actions & ACT(req->action))) {
			otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "provider %s cannot %s",
				     p->name, action_names[req->action]);
			return res->exit;
		}
		/* A code the provider did not like must never read as success. */
		res->exit = OTP_SMS_X_PROVIDER;
		res->kind = OTP_SMS_K_MALFORMED;
		p->fn(cfg, req, res);
		return res->exit;
	}
	res->provider = "unknown";
	otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "unknown provider");
	return res->exit;
}
