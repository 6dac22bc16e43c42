/* SPDX-License-Identifier: BSD-2-Clause */
/* otp-enroll: options, per-run state and the steps, shared by the files of enroll/. */
#ifndef OTP_ENROLL_ENROLL_H
#define OTP_ENROLL_ENROLL_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "backup.h"
#include "cfg.h"
#include "otpfile.h"
#include "safefile.h"
#include "store.h"

/* Exit codes (documented in --help and otp-enroll(1)). */
#define EXIT_OK 0
#define EXIT_FAIL 1   /* a runtime failure: file, confirmation, not enrolled, ... */
#define EXIT_USAGE 2  /* bad option, bad option value, --user without root */

#define BACKUP_DEFAULT 10

enum action {
	ACT_ENROLL, ACT_STATUS, ACT_REMOVE, ACT_ROTATE, ACT_UPDATE, ACT_IMPORT, ACT_HOSTKEY,
	ACT_REKEY, ACT_MIGRATE, ACT_LIST, ACT_UNLOCK
};
enum qr_mode { QR_AUTO, QR_UTF8, QR_ANSI, QR_ASCII, QR_NONE };

struct options {
	enum action action;
	bool type_set, alg_set, digits_set, period_set;
	enum otp_type type;
	enum otp_alg alg;
	unsigned digits, period;
	const char *issuer, *label;   /* NULL: defaults */
	const char *file;             /* --file template, NULL: conf file= or ~/.otp */
	const char *user;             /* --user (root only) */
	const char *conf;             /* --conf, NULL: OTP_DEFAULT_CONF */
	bool phone_set;
	const char *phone;            /* "" removes it */
	bool new_backup;              /* --backup-codes: regenerate */
	unsigned backup_count;
	const char *gauth_file;       /* --import-google-authenticator=FILE, NULL: default */
	enum qr_mode qr;
	const char *qr_png, *qr_svg;
	bool no_confirm, force, quiet;
	bool dry_run;                 /* --host-rekey or --migrate --dry-run */
	const char *device;           /* --device=NAME, NULL: the first (or only) one */
	bool secret_stdin;            /* --secret-stdin: the secret of a token, on stdin */
	/* Settings given as flags (--store=, --ldap-uri= ...): conf keys and values, applied
	 * over pam_otp.conf (a user may not be able to read it). */
	const char *settings[12][2];
	unsigned nsettings;
};

struct ctx {
	const struct options *o;
	char *user, *home;            /* the account being enrolled */
	uid_t uid;
	gid_t gid;
	bool can_switch;              /* root acting for --user on a home file */
	bool switched;                /* the file-system identity is the user's now */
	gid_t *ugroups, *cgroups;     /* supplementary groups of the user and of the caller */
	int nugroups, ncgroups;
	struct otp_cfg cfg;
	char path[4096];
	bool admin_path;              /* conf file= outside homes, written as root */
	struct otp_file file;
	bool file_open;
	struct otp_store store;       /* the file's, or the directory entry's (store=ldap) */
	bool ldap;                    /* store=ldap: the record is in the user's entry */
	char host[256];
};

/* identity.c: who, where, and with which file-system identity. */
int ctx_setup(struct ctx *c, const struct options *o);
void ctx_cleanup(struct ctx *c);
/* Act as the caller (for image files it names) or as the enrolled user (for ~/.otp). */
int ident_caller(struct ctx *c);
int ident_user(struct ctx *c);
/* Open the directory of the target file; EXIT_OK or an EXIT_* after a message. */
int target_open(struct ctx *c);
/* Can we create files next to the target? EXIT_OK or EXIT_FAIL after a message. */
int target_writable(struct ctx *c);
/* Is there a record (file or directory entry)? EXIT_OK or EXIT_FAIL after a message. */
int record_exists(struct ctx *c, bool *exists);

/* directory.c: the record in the user's directory entry (store=ldap). */
int directory_open(struct ctx *c);
int directory_exists(struct ctx *c, bool *exists);
int directory_read(struct ctx *c, char **text, size_t *len);
/* Write rec as a new record (replace: over an existing one). EXIT_* after a message. */
int directory_put(struct ctx *c, const struct otp_record *rec, bool replace);
/* Remove the record: OTP_OK, OTP_E_NOENT, or an error (store.why says why). */
int directory_remove(struct ctx *c);

/* migrate.c: root's --migrate=ldap [--dry-run]: every file enrollment into the directory. */
int do_migrate(struct ctx *c);
/* The message for a failed otp_file_* call: the reason it left, else the error's name. */
const char *file_why(const struct ctx *c, int rc);

/* enroll.c: new enrollment, --rotate, --import-google-authenticator. */
int do_enroll(struct ctx *c);
/* A new secret (or --secret-stdin's) with the options' settings, else base's, else defaults. */
int new_record(struct ctx *c, const struct otp_record *base, struct otp_record *rec);
/* Ask for the app's current code until it verifies against rec. */
int confirm(struct ctx *c, struct otp_record *rec);

/* device_cli.c: --device, --list, --secret-stdin, --unlock. */
int read_secret_stdin(struct otp_record *rec);
int do_add_device(struct ctx *c, const struct otp_record *cur);
int do_remove_device(struct ctx *c);
int do_list(struct ctx *c);
int do_unlock(struct ctx *c);
int do_rotate(struct ctx *c);
int do_import(struct ctx *c);

/* hostseal.c: seal rec's secret to the host key if there is one (or must be); root's
 * --host-keygen. */
int seal_record(struct ctx *c, struct otp_record *rec);
/* The host keys as --host-rekey and --migrate use them: the private key and KEY.old to open
 * sealed secrets, the public key to seal to. EXIT_* after a message. */
struct otp_hostkey;
struct host_keys {
	struct otp_hostkey *priv[2];
	unsigned npriv;
	struct otp_hostkey *pub;
	uint8_t pub_id[OTP_SEAL_KEYID_LEN];
};
int host_keys_load(const char *priv, const char *pub, struct host_keys *k);
void host_keys_free(struct host_keys *k);
int do_host_keygen(struct ctx *c);
/* The private and public host key paths (seal_key=, seal_pub= or the defaults). */
void host_key_paths(const struct ctx *c, char *priv, char *pub, size_t sz);

/* rekey.c: root's --host-rekey [--dry-run]: a new host key, every enrolled file re-sealed. */
int do_host_rekey(struct ctx *c);
/* The names in the user database (getpwent), copied; free each and the array. */
char **user_names(size_t *n);

/* manage.c: --status, --remove, and --backup-codes / --phone on an enrollment. */
int do_status(struct ctx *c);
int do_remove(struct ctx *c);
int do_update(struct ctx *c);
/* Locked read-modify-write of the target; fn changes rec. EXIT_* after a message. */
int locked_update(struct ctx *c, int (*fn)(struct otp_record *rec, void *arg), void *arg);
/* Read and parse the target without a lock (EXIT_* after a message; missing: not enrolled). */
int read_record(struct ctx *c, struct otp_record *rec);

/* show.c: what the user sees. Show the URI, QR code and secret of rec. */
int present(struct ctx *c, const struct otp_record *rec);
/* present(), except for a secret the user typed in (--secret-stdin): never shown back. */
int show_new_secret(struct ctx *c, const struct otp_record *rec);
void show_secret(const struct otp_record *rec);
void show_backup_codes(const struct ctx *c, char (*codes)[OTP_BACKUP_TEXT], unsigned n);
/* Make backup codes into tmp (outside any lock: scrypt is slow on purpose). */
int make_backup_codes(struct otp_record *tmp, unsigned n, char (*codes)[OTP_BACKUP_TEXT]);
void copy_backup_codes(struct otp_record *dst, const struct otp_record *src);

/* prompt.c: read one line from the terminal (or stdin) with echo off. */
int prompt_code(const char *prompt, char *buf, size_t bufsz);

/* check.c: --check, the doctor (own options; see check.h). Is it asked for? Run it. */
bool check_requested(int argc, char **argv);
int check_main(int argc, char **argv);

/* Messages: "otp-enroll: ..." on stderr. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void note(const struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
