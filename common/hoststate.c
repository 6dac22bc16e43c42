/* SPDX-License-Identifier: BSD-2-Clause */
#include "hoststate.h"
#include "secmem.h"
#include "err.h"
#include "safefile.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DAY 86400
#define STATE_MAX 128

static int parse(const char *buf, int64_t *day, unsigned *count)
{
	char tail;

	if (sscanf(buf, "day %" SCNd64 " count %u%c", day, count, &tail) != 3 || tail != '\n')
		return OTP_E_PARSE;
	return OTP_OK;
}

/*
 * A fresh install has no /var/lib/pam_otp yet: make the state file's own directory (root,
 * 0700; never its parents). mkdir does not follow a symlink in its last component, and
 * otp_file_open then walks and checks every component as for any admin path.
 */
static void make_state_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path || (size_t)(slash - path) >= sizeof(dir))
		return;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	(void)mkdir(dir, 0700); /* EEXIST is the usual case; any other error shows below */
}

/* Lock, re-read, count one more within cap, replace, unlock. */
static int update(const char *path, unsigned cap, time_t now, unsigned timeout_ms,
		  unsigned *count, struct otp_why *why)
{
	int64_t today = (int64_t)now / DAY, day = today;
	struct otp_locked lk = { .fd = -1 };
	struct otp_file f;
	char text[STATE_MAX], *buf = NULL;
	size_t len = 0;
	unsigned n = 0;
	int rc;

	make_state_dir(path);
	rc = otp_file_open(&f, path, 0, true, STATE_MAX);
	if (rc == OTP_OK && !otp_file_exists(&f)) {
		snprintf(text, sizeof(text), "day %" PRId64 " count 0\n", today);
		rc = otp_file_create(&f, text, strlen(text), 0, 0);
		if (rc == OTP_E_EXISTS) /* another login created it meanwhile */
			rc = OTP_OK;
	}
	if (rc == OTP_OK)
		rc = otp_file_lock(&f, timeout_ms, &lk);
	if (rc == OTP_OK)
		rc = otp_locked_read(&f, &lk, &buf, &len);
	if (rc == OTP_OK && parse(buf, &day, &n) != OTP_OK) {
		otp_why_set(&f.why, 0, "%s is malformed (expected \"day D count N\")", path);
		rc = OTP_E_PARSE;
	}
	if (rc == OTP_OK) {
		if (day != today)
			n = 0; /* a new UTC day */
		if (n >= cap) {
			rc = OTP_E_TOOBIG;
		} else {
			n++;
			snprintf(text, sizeof(text), "day %" PRId64 " count %u\n", today, n);
			rc = otp_file_replace(&f, &lk, text, strlen(text));
		}
	}
	if (count)
		*count = n;
	if (rc != OTP_OK && rc != OTP_E_TOOBIG)
		otp_why_set(why, 0, "%s", otp_why_text(&f.why, rc));
	otp_file_unlock(&lk);
	otp_secret_free(buf);
	otp_file_close(&f);
	return rc;
}

int otp_host_sms_take(const char *path, unsigned cap, time_t now, unsigned lock_timeout_ms,
		      unsigned *count, struct otp_why *why)
{
	otp_why_clear(why);
	return update(path, cap, now, lock_timeout_ms, count, why);
}
