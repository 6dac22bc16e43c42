/* SPDX-License-Identifier: BSD-2-Clause */
#include "err.h"

const char *otp_strerror(int err)
{
	switch (err) {
	case OTP_OK: return "success";
	case OTP_E_NOMEM: return "out of memory";
	case OTP_E_IO: return "input/output error";
	case OTP_E_NOENT: return "no such file";
	case OTP_E_UNSAFE: return "unsafe file (owner, mode, type or symlink)";
	case OTP_E_PARSE: return "malformed data";
	case OTP_E_TOOBIG: return "over a size limit";
	case OTP_E_LOCK: return "could not take the lock in time";
	case OTP_E_CRYPTO: return "cryptographic library error";
	case OTP_E_WRONG: return "wrong code";
	case OTP_E_REPLAY: return "code already used";
	case OTP_E_LOCKED: return "locked out after repeated failures";
	case OTP_E_INVAL: return "invalid value";
	case OTP_E_CHANGED: return "file changed underneath";
	case OTP_E_RESYNC: return "code far ahead of the counter";
	case OTP_E_NODIR: return "a directory on the path does not exist";
	case OTP_E_EMPTY: return "nothing entered";
	case OTP_E_REMOTE: return "the SMS provider must check the code";
	case OTP_E_NOKEY: return "unknown option";
	case OTP_E_EXISTS: return "already exists";
	case OTP_E_REFUSED: return "refused by a limit";
	case OTP_E_CONFLICT: return "changed by another login meanwhile";
	case OTP_E_DIRECTORY: return "directory (LDAP) error";
	}
	return "unknown error";
}
