/* SPDX-License-Identifier: BSD-2-Clause */
#include "passcode.h"
#include "backup.h"
#include "err.h"
#include "secmem.h"

#include <stdlib.h>
#include <string.h>

static int split_at(const char *input, size_t at, char **pass, char **code)
{
	*pass = strndup(input, at);
	*code = strdup(input + at);
	if (!*pass || !*code) {
		otp_free_str(*pass);
		otp_free_str(*code);
		*pass = *code = NULL;
		return OTP_E_NOMEM;
	}
	return OTP_OK;
}

int otp_split_passcode(const char *input, unsigned digits, char **pass, char **code)
{
	size_t len = strlen(input);
	char norm[OTP_BACKUP_CHARS + 1];
	static const size_t backup_lens[] = { OTP_BACKUP_TEXT - 1, OTP_BACKUP_CHARS };

	*pass = *code = NULL;
	if (digits > 0 && len >= digits) {
		size_t i = len - digits;
		while (i < len && input[i] >= '0' && input[i] <= '9')
			i++;
		if (i == len)
			return split_at(input, len - digits, pass, code);
	}
	for (size_t k = 0; k < sizeof(backup_lens) / sizeof(backup_lens[0]); k++) {
		size_t n = backup_lens[k];
		const char *tail = input + len - n;

		if (len < n)
			continue;
		/* The dashed form only as shown (xxxx-xxxx-xxxx); dashes elsewhere belong to the
		 * password, so "pw--abcdefghijkl" splits as "pw--" + the 12 characters. */
		if (n == OTP_BACKUP_TEXT - 1 && (tail[4] != '-' || tail[9] != '-' ||
						 memchr(tail, '-', 4) || memchr(tail + 5, '-', 4) ||
						 memchr(tail + 10, '-', 4)))
			continue;
		if (n == OTP_BACKUP_CHARS && memchr(tail, '-', n))
			continue;
		if (otp_backup_normalize(tail, norm)) {
			otp_wipe(norm, sizeof(norm));
			return split_at(input, len - n, pass, code);
		}
	}
	return OTP_E_WRONG;
}
