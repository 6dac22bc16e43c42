/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Drives the real pam_otp.so through pam_start_confdir with a private service directory, a
 * test user from nss_wrapper (LD_PRELOAD=libnss_wrapper.so), and a scripted conversation.
 */
#ifndef PAM_OTP_TEST_HARNESS_H
#define PAM_OTP_TEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "backup.h"
#include "otpfile.h"

#define H_USER "alice"
#define H_SERVICE "otptest"
#define H_SECRET "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" /* any fixed test key */

struct h_env {
	char root[128];     /* temp dir holding everything */
	char home[192];     /* the test user's home, owned by uid */
	char otp[256];      /* home/.otp */
	char confdir[192];  /* PAM service files */
	uid_t uid;
	gid_t gid;
	const char *module;      /* real pam_otp.so */
	const char *test_module; /* pam_otp_test.so: clock set by PAM_OTP_TEST_NOW */
	const char *helper;      /* pam_authtok_helper.so */
};

#define H_MAX_TURNS 8
struct h_conv {
	const char *answers[H_MAX_TURNS]; /* one per prompt, in order; NULL ends the list */
	int prompts;                      /* prompts asked */
	int prompt_styles[H_MAX_TURNS];
	char prompt_text[H_MAX_TURNS][128];
	int messages;                     /* info/error messages shown */
	char message_text[H_MAX_TURNS][256];
};

extern struct h_env h;

/* Once per program: temp root, nss_wrapper files, module paths from argv/env. */
void h_global_setup(void);
void h_global_teardown(void);
/* Per test: an empty home and service directory. */
int h_reset(void **state);

/* Write the service file: "auth required MODULE ARGS" etc. (lines joined with \n). */
void h_service(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write ~/.otp (as given) with mode, owned by the test user. */
void h_write_otp(const char *content, mode_t mode);
/* A TOTP file for H_SECRET with optional extra lines. */
void h_write_totp(const char *extra);
/* A TOTP file for H_SECRET with n backup codes, returned in codes. */
void h_write_totp_backup(unsigned n, char codes[][OTP_BACKUP_TEXT]);
struct otp_hostkey;
/*
 * A directory for host keys that passes the module's root-owned walk (under /run, 0755), with
 * the key pair's paths in it; as root only (a no-op returning 0 otherwise). Remove it with
 * h_keydir_remove. Returns 0, or -1 when it cannot be made.
 */
struct h_keydir {
	char dir[64], key[80], pub[80];
};
int h_keydir_make(struct h_keydir *k, const char *name);
int h_keydir_remove(const struct h_keydir *k);
/* Load a PEM host key (private or public) written by otp_hostkey_generate; asserts. */
struct otp_hostkey *h_load_key(const char *path, int private_key);
/* Write ~/.otp for H_SECRET sealed to the public key at pubpath, for (user, path), with
 * extra lines appended (NULL for none). */
void h_write_sealed(const char *pubpath, const char *user, const char *path, const char *extra);
/* Parse the current ~/.otp; asserts it parses. */
void h_read_record(struct otp_record *rec);

/* The code for H_SECRET (SHA1) at a counter, digits wide. */
void h_code(uint64_t counter, unsigned digits, char *out);
/* The TOTP code for time t (period 30, 6 digits). */
void h_totp(time_t t, char *out);

/* PAM_RHOST for h_auth ("192.0.2.7" after h_reset; NULL for none). */
extern const char *h_rhost;

/* Run pam_authenticate for user with the conversation; returns the PAM code. */
int h_auth(const char *user, struct h_conv *c, int flags);
/* Set (or unset with NULL) the test clock of pam_otp_test.so. */
void h_set_now(time_t t);

#endif
