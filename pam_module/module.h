/* SPDX-License-Identifier: BSD-2-Clause */
/* State of one pam_sm_authenticate call, shared by the module's files. */
#ifndef PAM_OTP_MODULE_H
#define PAM_OTP_MODULE_H

#include <pwd.h>
#include <stdbool.h>
#include <security/pam_modules.h>

#include "bounds.h"
#include "cfg.h"
#include "log.h"
#include "otpfile.h"
#include "safefile.h"
#include "seal.h"
#include "store.h"
#include "verify.h"

#define MAX_HOST_KEYS 2 /* the current key and, during a rotation, the previous one */

/* Who is logging in, from where, through which service. */
struct login {
	const char *user;       /* the canonical name (pw_name), whatever was typed */
	const char *service;
	const char *rhost;      /* "" when none */
	const struct passwd *pw;
	char user_safe[64];     /* the user as it may appear in a log line */
	char grace_scope[320];  /* what a grace period is for: the service, and with a record
				 * shared by many hosts (store=ldap) this host too */
	char rhost_safe[64];
};

/* Where the user's record is kept: a file, or (store=ldap) the user's directory entry. */
struct record_place {
	char path[OTP_PATH_MAX]; /* the file, or "ldap:" and the entry's DN: in logs and seals */
	bool admin;             /* outside the home directory: opened as root, must be root's */
	bool ldap;              /* in the directory (no file, no privilege switch) */
	struct otp_file file;
	bool open;              /* file holds a directory to close */
	struct otp_store store; /* the file's or the entry's transactions */
};

/* The host's private keys for sealed secrets: loaded once, and only for a sealed record. */
struct keyring {
	struct otp_hostkey *keys[MAX_HOST_KEYS];
	unsigned n;
	bool tried;             /* hostkeys_load ran */
	bool needed;            /* the record read before the prompt was sealed */
};

struct module_ctx {
	pam_handle_t *pamh;
	int flags;
	struct otp_cfg cfg;
	struct otp_log log;
	const char *conf_path;  /* the conf file in use (passed to the SMS sender) */
	struct login login;
	struct record_place where;
	struct keyring keyring;
};

/* pam_syslog with the user and remote host appended. */
void module_log(struct module_ctx *ctx, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Load the private host key(s) for sealed secrets, once; call as root (privileges not dropped). */
void hostkeys_load(struct module_ctx *ctx);
void hostkeys_free(struct module_ctx *ctx);
/* Open rec's sealed secret, or refuse a plain one under seal=required. Logs why not. */
int hostkeys_open_record(struct module_ctx *ctx, struct otp_record *rec);


/*
 * Read and parse the user's file without locking (before the prompt): OTP_OK, OTP_E_NOENT,
 * or an error already logged.
 */
int userfile_load(struct module_ctx *ctx, struct otp_record *rec);

/*
 * A locked read-modify-write: lock, re-read and parse, call change (which sets *dirty when it
 * modified the record), write back if dirty, unlock. Returns change's result, or an error
 * already logged (then nothing changed on disk). after holds the record as left.
 */
typedef int (*userfile_change_fn)(struct module_ctx *ctx, struct otp_record *rec, void *arg,
				  bool *dirty);
int userfile_update(struct module_ctx *ctx, userfile_change_fn change, void *arg,
		    struct otp_record *after);

/*
 * Under the lock: re-read, verify answer, write the new state, unlock. Returns otp_verify's
 * result, or an error already logged (then nothing was accepted).
 */
int userfile_verify(struct module_ctx *ctx, const char *answer, struct otp_outcome *out,
		    struct otp_record *after);

#endif
