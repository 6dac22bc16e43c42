/* SPDX-License-Identifier: BSD-2-Clause */
/* forward_pass: split "password" + "code" typed at one prompt. */
#ifndef OTP_PASSCODE_H
#define OTP_PASSCODE_H

/*
 * Split input into the password before the code and the code at its end: the last `digits`
 * characters when they are all digits, else a trailing backup code ("abcd-efgh-ijkl" or the
 * same without dashes). Returns 0 with *pass and *code newly allocated (wipe and free with
 * otp_free_str), OTP_E_WRONG if no code can be split off, OTP_E_NOMEM.
 */
int otp_split_passcode(const char *input, unsigned digits, char **pass, char **code);

#endif
