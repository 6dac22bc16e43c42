/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The doctor's look at the user's record file: opened and read exactly as the module does
 * (otp_file_open / otp_file_read, with the user's file-system identity for a home file, so
 * a root_squash NFS home answers as it does to the module), then parsed. When the module
 * would refuse the file, a stat of our own picks the fix to suggest.
 */
#include "check.h"
#include "err.h"
#include "secmem.h"
#include "verify.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The command that fixes what the module refused, from a stat that does not follow links. */
static const char *fix_for(struct doctor *d, int rc, char *buf, size_t sz)
{
	const struct ctx *c = &d->c;
	const char *sudo = d->root ? "" : "ask an administrator: ";
	uid_t want = c->admin_path && !c->cfg.admin_file_user_owned ? 0 : c->uid;
	struct stat st;

	if (rc == OTP_E_NODIR)
		return "create the home directory (or fix file= in pam_otp.conf)";
	if (fstatat(AT_FDCWD, c->path, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return NULL;
	if (S_ISLNK(st.st_mode))
		snprintf(buf, sz, "the module never follows a link: mv the real file to %s",
			 c->path);
	else if (!S_ISREG(st.st_mode))
		snprintf(buf, sz, "remove %s and run otp-enroll", c->path);
	else if (st.st_uid != want && !(c->admin_path && st.st_uid == 0))
		snprintf(buf, sz, "%schown %s %s", sudo, want ? c->user : "root", c->path);
	else if (st.st_mode & 077 || !(st.st_mode & S_IWUSR))
		snprintf(buf, sz, "chmod 600 %s", c->path);
	else if (st.st_nlink != 1)
		snprintf(buf, sz, "remove the other hard links of %s (find / -samefile %s)",
			 c->path, c->path);
	else if (rc == OTP_E_UNSAFE)
		snprintf(buf, sz, "the file's directory must be searchable by %s", c->user);
	else
		return NULL;
	return buf;
}

static bool parse_record(struct doctor *d, const char *buf, size_t len, struct otp_record *rec)
{
	struct otp_why perr = { 0 };
	int64_t wait;
	int rc = otp_record_parse(buf, len, rec, &perr);

	if (rc != OTP_OK) {
		char where[32] = "";

		if (perr.line)
			snprintf(where, sizeof(where), " line %u", perr.line);
		report_add(&d->rp, "record", V_FAIL, "otp-enroll --force enrolls again from scratch",
			   "%s%s is damaged: %s", d->c.path, where, otp_why_text(&perr, rc));
		return false;
	}
	wait = otp_lockout_remaining(rec, time(NULL));
	if (wait > 0)
		report_add(&d->rp, "lockout", V_WARN, "wait, or use a backup code after it",
			   "%s is locked out for %lld more seconds after %u failed attempts",
			   d->c.user, (long long)wait, rec->failures);
	else
		report_add(&d->rp, "lockout", V_OK, NULL, "not locked out (%u failed attempt%s "
			   "since the last success)", rec->failures, rec->failures == 1 ? "" : "s");
	return true;
}

bool check_record(struct doctor *d, struct otp_record *rec)
{
	struct ctx *c = &d->c;
	char fixbuf[3 * 4096 + 256];
	char *buf = NULL;
	size_t len = 0;
	bool ok;
	int rc;

	if (c->admin_path && !d->root) {
		report_add(&d->rp, "file", V_WARN, "sudo otp-enroll --check --user=NAME",
			   "%s is in an administrator's directory (file= of pam_otp.conf): only root "
			   "can check it", c->path);
		return false;
	}
	if (ident_user(c) != 0) {
		report_add(&d->rp, "file", V_FAIL, NULL, "cannot switch to the file-system "
			   "identity of %s", c->user);
		return false;
	}
	rc = otp_file_open(&c->file, c->path, c->uid, c->admin_path, OTP_FILE_MAX);
	c->file_open = true;
	/* As the module: an admin path's file must be root's unless admin_file_user_owned. */
	if (c->admin_path && !c->cfg.admin_file_user_owned)
		c->file.owner = 0;
	if (rc == OTP_OK)
		rc = otp_file_read(&c->file, &buf, &len);
	if (rc == OTP_E_NOENT)
		report_add(&d->rp, "file", V_FAIL, d->root ? "otp-enroll --user=NAME" : "otp-enroll",
			   "%s is not enrolled: %s does not exist", c->user, c->path);
	else if (rc != OTP_OK)
		report_add(&d->rp, "file", V_FAIL, fix_for(d, rc, fixbuf, sizeof(fixbuf)),
			   "the module cannot use it: %s", otp_why_text(&c->file.why, rc));
	else
		report_add(&d->rp, "file", V_OK, NULL, "%s: owner, mode, type and links as the "
			   "module requires (opened as %s)", c->path, c->admin_path ? "root" : c->user);
	ident_caller(c);
	ok = rc == OTP_OK && parse_record(d, buf, len, rec);
	otp_secret_free(buf);
	return ok;
}
