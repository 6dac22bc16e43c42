/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Test helper for the end-to-end tests: write a ~/.otp file (TOTP, the given base32 secret)
 * with NBACKUP backup codes, through the project's own format writer, and print the backup
 * codes on stdout, one per line. The caller sets the owner and mode.
 *
 *   mkotp OUTFILE SECRET_BASE32 NBACKUP [PHONE]
 */
#include "backup.h"
#include "base32.h"
#include "err.h"
#include "otpfile.h"
#include "secmem.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct otp_record rec;
	char codes[OTP_BACKUP_MAX][OTP_BACKUP_TEXT];
	char *text = NULL;
	size_t len = 0;
	unsigned n;
	int n_dec, fd;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: mkotp OUTFILE SECRET_BASE32 NBACKUP [PHONE]\n");
		return 2;
	}
	n = (unsigned)strtoul(argv[3], NULL, 10);
	if (n > OTP_BACKUP_MAX) {
		fprintf(stderr, "mkotp: at most %d backup codes\n", OTP_BACKUP_MAX);
		return 2;
	}
	otp_record_init(&rec);
	n_dec = otp_base32_decode(argv[2], strlen(argv[2]), rec.secret, sizeof(rec.secret));
	if (n_dec <= 0) {
		fprintf(stderr, "mkotp: bad base32 secret\n");
		return 1;
	}
	rec.secret_len = (size_t)n_dec;
	if (argc == 5) {
		if (!otp_phone_valid(argv[4])) {
			fprintf(stderr, "mkotp: bad phone number\n");
			return 1;
		}
		snprintf(rec.phone, sizeof(rec.phone), "%s", argv[4]);
	}
	if (n > 0 && otp_backup_generate(&rec, n, OTP_BACKUP_DEFAULT_LOG2N, codes) != OTP_OK) {
		fprintf(stderr, "mkotp: otp_backup_generate failed\n");
		return 1;
	}
	if (otp_record_format(&rec, &text, &len) != OTP_OK) {
		fprintf(stderr, "mkotp: otp_record_format failed\n");
		return 1;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0 || close(fd) != 0) {
		perror("mkotp: writing the file");
		return 1;
	}
	otp_free_str(text);
	for (unsigned i = 0; i < n; i++)
		printf("%s\n", codes[i]);
	otp_wipe(codes, sizeof(codes));
	otp_record_clear(&rec);
	return fflush(stdout) == 0 ? 0 : 1;
}
