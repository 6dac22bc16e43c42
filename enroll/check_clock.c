/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Is the clock synchronised? TOTP codes are only as good as the host's time. The kernel
 * knows, without any network access: adjtimex (modes 0, read only, allowed to any user)
 * reports STA_UNSYNC while no NTP daemon disciplines the clock, and maxerror, the bound
 * on its error in microseconds.
 *
 * Only the test build (otp-enroll-test, -DOTP_TEST_CLOCK, never installed) lets
 * OTP_ENROLL_TEST_ADJTIMEX="STATUS MAXERROR_US" stand in for the kernel's answer, as
 * pam_otp_test.so lets PAM_OTP_TEST_NOW set the module's time.
 */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/timex.h>

/* maxerror above this (microseconds) is worth a warning: a quarter of a 30 s step. */
#define MAXERROR_WARN_US 7500000L

static int read_clock(struct timex *tx)
{
#ifdef OTP_TEST_CLOCK
	const char *fake = getenv("OTP_ENROLL_TEST_ADJTIMEX");
	unsigned status;
	long maxerror;

	if (fake && sscanf(fake, "%x %ld", &status, &maxerror) == 2) {
		tx->status = (int)status;
		tx->maxerror = maxerror;
		tx->esterror = 0;
		return status & STA_UNSYNC ? TIME_ERROR : TIME_OK;
	}
#endif
	return adjtimex(tx);
}

void check_clock(struct doctor *d)
{
	struct timex tx = { .modes = 0 };
	int state = read_clock(&tx);

	if (state < 0) {
		report_add(&d->rp, "clock", V_WARN, NULL, "cannot ask the kernel about the clock "
			   "(adjtimex): TOTP needs it within a step of true time");
	} else if (state == TIME_ERROR || (tx.status & STA_UNSYNC)) {
		report_add(&d->rp, "clock", V_FAIL, "run an NTP client (systemctl enable --now "
			   "systemd-timesyncd, or chrony) and check timedatectl",
			   "the system clock is not synchronised (adjtimex: STA_UNSYNC): time codes "
			   "are rejected once it drifts a step (30 s) from the phone's");
	} else if (tx.maxerror > MAXERROR_WARN_US) {
		report_add(&d->rp, "clock", V_WARN, "check the NTP client (timedatectl "
			   "timesync-status, chronyc tracking)", "the clock is synchronised but its "
			   "error may be up to %.1f s", tx.maxerror / 1e6);
	} else {
		report_add(&d->rp, "clock", V_OK, NULL, "synchronised (maximum error %.3f s, "
			   "estimated %.3f s)", tx.maxerror / 1e6, tx.esterror / 1e6);
	}
}
