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

/* The secret in the record's own fields (one device, swapped in). */
static int open_one(struct module_ctx *ctx, struct otp_record *rec, const char *dev)
{
	const struct otp_hostkey *key;

	if (!rec->sealed) {
		if (rec->secret_len > 0 && ctx->cfg.seal == OTP_SEAL_REQUIRED) {
			module_log(ctx, LOG_ERR, "%s holds a plain secret and seal=required: "
				   "re-enroll with otp-enroll to seal it%s", ctx->where.path, dev);
			return OTP_E_UNSAFE;
		}
		return OTP_OK;
	}
	if (ctx->cfg.seal == OTP_SEAL_OFF) {
		module_log(ctx, LOG_ERR, "%s holds a sealed secret but seal=off%s", ctx->where.path,
			   dev);
		return OTP_E_UNSAFE;
	}
	key = otp_hostkey_find(ctx->keyring.keys, ctx->keyring.n, rec->seal.keyid);
	if (key && otp_unseal(key, ctx->login.user, ctx->where.path, &rec->seal, rec->secret,
			      &rec->secret_len) == OTP_OK)
		return OTP_OK;
	if (key) {
		module_log(ctx, LOG_ERR, "the sealed secret in %s does not open: tampered with, or "
			   "sealed for another user or path%s", ctx->where.path, dev);
		return OTP_E_CRYPTO;
	}
	module_log(ctx, LOG_ERR, "%s is sealed to a host key that is not available (%s)%s",
		   ctx->where.path, ctx->keyring.n ? "key rotated away?" : "no readable private key",
		   dev);
	return OTP_E_CRYPTO;
}

/* Every device's: one that does not open fails the whole login, as a single secret would. */
int hostkeys_open_record(struct module_ctx *ctx, struct otp_record *rec)
{
	char dev[OTP_DEVICE_NAME_MAX + 16] = "";
	int rc = OTP_OK;

	for (unsigned i = 0; i < otp_device_count(rec) && rc == OTP_OK; i++) {
		if (i > 0) /* the first device's messages are as they were before devices */
			snprintf(dev, sizeof(dev), " (device %s)", otp_device_name(rec, i));
		otp_device_swap(rec, i);
		rc = open_one(ctx, rec, dev);
		otp_device_swap(rec, i);
	}
	return rc;
}
