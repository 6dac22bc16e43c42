/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host-wide daily SMS budget: one root-owned state file ("day DAY count N") that every
 * login sending a text updates under an OFD lock, re-read under the lock, replaced
 * atomically (common/safefile.c), the lock never held across the network call.
 */
#ifndef OTP_HOSTSTATE_H
#define OTP_HOSTSTATE_H

#include <stddef.h>
#include <time.h>
#include "why.h"

/*
 * Take one text from today's (UTC) budget of cap in the state file at path (created,
 * root-owned 0600, if missing, and its directory too, 0700; the directories above must
 * exist and be root-owned). OTP_OK when
 * counted, OTP_E_TOOBIG when cap texts were already sent today (nothing written), another
 * error with why set when the count cannot be kept (then no text may be sent).
 */
int otp_host_sms_take(const char *path, unsigned cap, time_t now, unsigned lock_timeout_ms,
		      unsigned *count, struct otp_why *why);

#endif
