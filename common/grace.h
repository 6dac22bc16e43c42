/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Grace periods: after a good code from a remote host, the same service from the same host
 * may skip the code for a while. Entries are MAC'd under the user's secret, so whoever can
 * write the file but not read the secret (a sealed one) cannot forge them.
 */
#ifndef OTP_GRACE_H
#define OTP_GRACE_H

#include <stdbool.h>
#include <time.h>

#include "otpfile.h"

/*
 * May a grace period apply to a login from rhost ("" when local)? Only when grace_period is
 * set, and for a local login only with grace_local.
 */
bool otp_grace_applies(unsigned grace_period, bool grace_local, const char *rhost);

/*
 * Does rec hold an unexpired, authentic grace entry for (user, service, rhost) that ends at
 * most max_seconds (the current grace_period) from now? Longer ones are ignored.
 */
bool otp_grace_valid(const struct otp_record *rec, const char *user, const char *service,
		     const char *rhost, time_t now, unsigned max_seconds);

/*
 * Record a grace period of seconds for (user, service, rhost), replacing the entry for that
 * host, dropping expired ones and ones ending later than now + seconds, and the oldest when
 * full. Needs the (opened) secret.
 */
int otp_grace_record(struct otp_record *rec, const char *user, const char *service,
		     const char *rhost, time_t now, unsigned seconds);

#endif
