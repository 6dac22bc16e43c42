/* SPDX-License-Identifier: BSD-2-Clause */
/* Host keys for sealed secrets, read as root from a root-owned path (see otp-enroll --host-keygen). */
#include "module.h"
#include "err.h"
#include "secmem.h"
#include "bounds.h"

#include <stdio.h>
#include <string.h>

static void load_one(struct module_ctx *ctx, const char *path)
{
	struct otp_why why;
	int rc = otp_hostkey_load(path, 1, &ctx->keyring.keys[ctx->keyring.n], &why);

	if (rc == OTP_OK)
		ctx->keyring.n++;
	else if (rc != OTP_E_NOENT)
		module_log(ctx, LOG_ERR, "host key not used: %s", why.text);
}

void hostkeys_load(struct module_ctx *ctx)
{
	const char *path = otp_cfg_str(ctx->cfg.seal_key, OTP_SEAL_PRIVATE_KEY);
	char old[OTP_PATH_MAX];

	if (ctx->keyring.tried || ctx->cfg.seal == OTP_SEAL_OFF)
		return;
	ctx->keyring.tried = true;
	load_one(ctx, path);
	if (snprintf(old, sizeof(old), "%s.old", path) < (int)sizeof(old))
		load_one(ctx, old);
}

void hostkeys_free(struct module_ctx *ctx)
{
	for (unsigned i = 0; i < ctx->keyring.n; i++)
		otp_hostkey_free(ctx->keyring.keys[i]);
	ctx->keyring.n = 0;
}

int hostkeys_open_record(struct module_ctx *ctx, struct otp_record *rec)
{
	const struct otp_hostkey *key;

	if (!rec->sealed) {
		if (rec->secret_len > 0 && ctx->cfg.seal == OTP_SEAL_REQUIRED) {
			module_log(ctx, LOG_ERR, "%s holds a plain secret and seal=required: "
				   "re-enroll with otp-enroll to seal it", ctx->where.path);
			return OTP_E_UNSAFE;
		}
		return OTP_OK;
	}
	if (ctx->cfg.seal == OTP_SEAL_OFF) {
		module_log(ctx, LOG_ERR, "%s holds a sealed secret but seal=off", ctx->where.path);
		return OTP_E_UNSAFE;
	}
	key = otp_hostkey_find(ctx->keyring.keys, ctx->keyring.n, rec->seal.keyid);
	if (key && otp_unseal(key, ctx->login.user, ctx->where.path, &rec->seal, rec->secret,
			      &rec->secret_len) == OTP_OK)
		return OTP_OK;
	if (key) {
		module_log(ctx, LOG_ERR, "the sealed secret in %s does not open: tampered with, or "
			   "sealed for another user or path", ctx->where.path);
		return OTP_E_CRYPTO;
	}
	module_log(ctx, LOG_ERR, "%s is sealed to a host key that is not available (%s)",
		   ctx->where.path, ctx->keyring.n ? "key rotated away?" : "no readable private key");
	return OTP_E_CRYPTO;
}
