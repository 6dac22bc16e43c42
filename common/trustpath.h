/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Is a program or file named in the configuration (sms_helper=, command=, ca_file=) safe to
 * run or trust as root? It must be an absolute path; every directory from / down is
 * root-owned and not writable by group or other, except a sticky one such as /tmp when the
 * entry in it is root-owned (no one else can then rename or remove that entry); no component
 * is a symbolic link (name the real path); the file itself is a root-owned regular file not
 * writable by group or other. Walked with openat and O_NOFOLLOW, never following a link.
 */
#ifndef OTP_TRUSTPATH_H
#define OTP_TRUSTPATH_H

#include <stddef.h>
#include "why.h"

/*
 * OTP_OK, or OTP_E_UNSAFE / OTP_E_NOENT / OTP_E_INVAL with why set to what is wrong, naming
 * the component ("/opt/sms is writable by group or other (mode 0775)").
 */
int otp_trusted_path(const char *path, struct otp_why *why);

#endif
