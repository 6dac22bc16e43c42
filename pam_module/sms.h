/* SPDX-License-Identifier: BSD-2-Clause */
/* The SMS (and voice call) fallback at the prompt. */
#ifndef PAM_OTP_SMS_H
#define PAM_OTP_SMS_H

#include <stdbool.h>
#include <stddef.h>

#include "module.h"

enum sms_channel { SMS_TEXT, SMS_CALL };

/*
 * Is the fallback on, a provider and sms_countries configured, a phone on file for this user,
 * and are sms_helper=, ca_file= and command= safe paths (common/trustpath.h)? Logs why not
 * when the configuration is at fault.
 */
bool sms_offered(struct module_ctx *ctx, const struct otp_record *rec);
/* The code prompt, telling the user how to ask for a text (and a call). */
const char *sms_prompt(struct module_ctx *ctx, char *buf, size_t bufsz);
/* Does the answer ask for a code (and by which channel)? */
bool sms_is_trigger(const struct module_ctx *ctx, const char *answer, enum sms_channel *ch);

/*
 * Send a code: under the lock check the lockout and the limits, make and store the code,
 * then (after unlocking) hand it to the provider. On success prompt is the question to ask
 * next ("Code sent to +1•••4567. SMS code: "). Returns a PAM code; the user has been told
 * why when it is not PAM_SUCCESS.
 */
int sms_request(struct module_ctx *ctx, enum sms_channel ch, char *prompt, size_t promptsz);

/*
 * Ask the provider (twilio-verify) whether code is right: OTP_OK approved, OTP_E_WRONG
 * denied, another error (logged) if it could not say. Called without the user's lock.
 */
int sms_remote_check(void *ctx, const struct otp_record *rec, const char *code);

#endif
