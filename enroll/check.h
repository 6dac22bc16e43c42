/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * otp-enroll --check, the doctor: one verdict per check (ok / warn / FAIL), each failure with
 * its fix, printed as lines or as a JSON array. check.c runs the checks in order; each group
 * of checks is in a file of its own (check_file.c, check_clock.c, check_code.c, check_conf.c,
 * check_pam.c, check_sshd.c).
 */
#ifndef OTP_ENROLL_CHECK_H
#define OTP_ENROLL_CHECK_H

#include <stdbool.h>

#include "enroll.h"

enum verdict { V_OK, V_WARN, V_FAIL };

struct check_opts {
	const char *user, *conf, *file;
	const char *pam_dir;          /* --pam-dir, default /etc/pam.d */
	const char *sshd_config;      /* --sshd-config=FILE: sshd -T -f FILE */
	bool json, no_code;
};

/* What the checks found; printed at the end (text or JSON). */
struct check_result {
	char check[48];
	enum verdict status;
	char detail[1024];
	char fix[1024];
};

struct report {
	struct check_result *r;
	unsigned n, cap;
	bool failed;
};

/* Add one verdict: fix may be NULL (nothing to do). */
void report_add(struct report *rp, const char *check, enum verdict v, const char *fix,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Print every verdict: "ok    detail" lines, or one JSON array. */
void report_print(const struct report *rp, bool json);
void report_free(struct report *rp);

/* The doctor's run: the account, the configuration, where the record is. */
struct doctor {
	const struct check_opts *o;
	struct report rp;
	bool root;                    /* euid 0: the system checks run */
	bool cfg_ok;                  /* pam_otp.conf loaded (else defaults) */
	struct ctx c;                 /* user, home, path, cfg, identity switch (identity.c) */
	bool have_user;               /* a user to check (the caller, or --user) */
};

/* check_conf.c: pam_otp.conf, the host key, the SMS provider, the directory. */
void check_conf(struct doctor *d);
void check_hostkey(struct doctor *d);
void check_sms(struct doctor *d);
/* The directory answers and the entry is found (store=ldap; root with --user). rec: the
 * parsed record on true. */
bool check_ldap(struct doctor *d, struct otp_record *rec);
/* check_file.c: the user's record, opened and read as the module does. rec: parsed (or
 * NULL): the caller owns and clears it. */
bool check_record(struct doctor *d, struct otp_record *rec);
/* check_clock.c: adjtimex status. */
void check_clock(struct doctor *d);
/* check_code.c: the dry run of a code the user types (rate-limited, changes no state). */
void check_code(struct doctor *d, struct otp_record *rec);
/* check_pam.c: which PAM stacks call pam_otp.so, and how. */
void check_pam(struct doctor *d);
/* check_sshd.c: the effective sshd configuration. */
void check_sshd(struct doctor *d);

#endif
