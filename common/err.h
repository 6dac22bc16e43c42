/* SPDX-License-Identifier: BSD-2-Clause */
/* Error codes shared by the core: 0 or a negative value, never a PAM code. */
#ifndef OTP_ERR_H
#define OTP_ERR_H

enum otp_err {
	OTP_OK = 0,
	OTP_E_NOMEM = -1,   /* out of memory */
	OTP_E_IO = -2,      /* read, write, fsync or rename failed */
	OTP_E_NOENT = -3,   /* the file does not exist */
	OTP_E_UNSAFE = -4,  /* wrong owner, mode, type, or a symlink */
	OTP_E_PARSE = -5,   /* the file or a value is malformed */
	OTP_E_TOOBIG = -6,  /* over a size or count limit */
	OTP_E_LOCK = -7,    /* the lock could not be taken in time */
	OTP_E_CRYPTO = -8,  /* OpenSSL failed */
	OTP_E_WRONG = -9,   /* the code is not valid */
	OTP_E_REPLAY = -10, /* the code was already used */
	OTP_E_LOCKED = -11, /* too many failures: locked out for now */
	OTP_E_INVAL = -12,  /* bad argument or option value */
	OTP_E_CHANGED = -13,/* the file was replaced while we held it */
	OTP_E_RESYNC = -14, /* HOTP: code far ahead, send the next one to resync */
	OTP_E_NODIR = -15,  /* a directory on the path does not exist (not "not enrolled") */
	OTP_E_EMPTY = -16,  /* nothing was typed: not an attempt */
	OTP_E_REMOTE = -17, /* only the SMS provider can say (a code it keeps) */
	OTP_E_NOKEY = -18,  /* no such option */
	OTP_E_EXISTS = -19, /* the file exists already (never clobbered) */
	OTP_E_REFUSED = -20,/* a limit says no (SMS interval, daily cap, country) */
	OTP_E_CONFLICT = -21,/* the record changed since it was read (directory store) */
	OTP_E_DIRECTORY = -22,/* the directory failed: down, slow, TLS, credentials, entry */
};

const char *otp_strerror(int err);

#endif
