/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by the test_verify*.c programs: the code table and helpers for common/verify.c. */
#ifndef PAM_OTP_TEST_VERIFY_CHECK_H
#define PAM_OTP_TEST_VERIFY_CHECK_H

/*
 * Unit tests for common/verify.c: TOTP replay guard and window, HOTP look-ahead and resync,
 * the lockout, backup codes.
 *
 * The key is the RFC 4226 one ("12345678901234567890", SHA1, 6 digits). With a 30 s period
 * the TOTP code of step s is HOTP(s), so one table serves both: counters 0-9 are RFC 4226
 * appendix D, the rest were computed with Python's hmac module.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "backup.h"
#include "err.h"
#include "smscode.h"
#include "verify.h"

static const char *const code[128] = {
	"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
	"399871", "520489", "403154", "481090", "868912", "736127", "229903", "436521",
	"186581", "447589", "903435", "578337", "328281", "191635", "184416", "574561",
	"797908", "396619", "122382", "939082", "908316", "316591", "026920", "523596",
	"370250", "841346", "749439", "037211", "003784", "520231", "521952", "619416",
	"268376", "471723", "435478", "303194", "000152", "287422", "318298", "098238",
	"039329", "710717", "528155", "980838", "249088", "354406", "399156", "478026",
	"294892", "941415", "964363", "083773", "864257", "719632", "005080", "925505",
	"317632", "088627", "024418", "954526", "036679", "864060", "569881", "029459",
	"486963", "559613", "202372", "705686", "272974", "379493", "839877", "393669",
	"863623", "198167", "935444", "108405", "305499", "563707", "447439", "332099",
	"087812", "032830", "811649", "190372", "458549", "202468", "722946", "047817",
	"229689", "430056", "289357", "516516", "295165", "329376", "629694", "378717",
	"694769", "804168", "290960", "207438", "466040", "012238", "863891", "133688",
	"702014", "438906", "780546", "240957", "862652", "926140", "455436", "587786",
	"929786", "849648", "577879", "033991", "390600", "670144", "986293", "307470",
};
#define WRONG_CODE "000000" /* not the code of any counter in the table */

/* A time inside TOTP step s (30 s period). */
#define T(s) ((time_t)(s) * 30 + 10)

static inline void make_rec(struct otp_record *rec, enum otp_type type)
{
	otp_record_init(rec);
	rec->type = type;
	rec->secret_len = 20;
	memcpy(rec->secret, "12345678901234567890", 20);
}

static inline struct otp_policy defaults(void)
{
	struct otp_policy p = OTP_POLICY_DEFAULTS;
	return p;
}

static inline int verify(struct otp_record *rec, const struct otp_policy *pol, const char *in,
			 time_t now, struct otp_outcome *out)
{
	memset(out, 0x5a, sizeof(*out)); /* everything must be set by otp_verify */
	return otp_verify(rec, pol, in, now, out);
}

#endif
