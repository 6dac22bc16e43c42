/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * forward_pass splitter (common/passcode.c). The first byte picks the digit count (0..9),
 * the rest is what the user typed. A split must give back the input when its two parts are
 * put together, and the code part must be `digits` digits or a backup-code shape.
 */
#include "fuzz.h"

#include <string.h>

#include "backup.h"
#include "err.h"
#include "passcode.h"
#include "secmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned digits;
	char *input, *pass = NULL, *code = NULL;
	size_t len;
	int rc;

	if (size < 1)
		return 0;
	digits = data[0] % 10;
	input = fuzz_strndup(data + 1, size - 1);
	len = strlen(input);

	rc = otp_split_passcode(input, digits, &pass, &code);
	FUZZ_CHECK(rc == OTP_OK || rc == OTP_E_WRONG || rc == OTP_E_NOMEM);
	if (rc != OTP_OK) {
		FUZZ_CHECK(pass == NULL && code == NULL);
	} else {
		size_t plen = strlen(pass), clen = strlen(code);
		char norm[OTP_BACKUP_CHARS + 1];

		FUZZ_CHECK(plen + clen == len);
		FUZZ_CHECK(memcmp(pass, input, plen) == 0);
		FUZZ_CHECK(memcmp(code, input + plen, clen) == 0);
		FUZZ_CHECK(clen > 0);
		/* A TOTP/HOTP code, or else a backup code. */
		if (!(digits > 0 && clen == digits && strspn(code, "0123456789") == clen))
			FUZZ_CHECK(otp_backup_normalize(code, norm));
		otp_free_str(pass);
		otp_free_str(code);
	}
	free(input);
	return 0;
}
