/* SPDX-License-Identifier: BSD-2-Clause */
/* Wiping and constant-time comparison, on top of OpenSSL. */
#ifndef OTP_SECMEM_H
#define OTP_SECMEM_H

#include <stdbool.h>
#include <stddef.h>

/* Overwrite len bytes at p in a way the compiler cannot elide. */
void otp_wipe(void *p, size_t len);
/* Wipe a NUL-terminated string in place and free it; NULL is fine. */
void otp_free_str(char *s);
/* Equal in time independent of where the buffers differ. */
bool otp_ct_equal(const void *a, const void *b, size_t len);
/* Same for two strings: the time depends only on their lengths. */
bool otp_ct_streq(const char *a, const char *b);

/*
 * len zeroed bytes in their own pages, excluded from core dumps (MADV_DONTDUMP); NULL on
 * failure. Free with otp_secure_free(p, len), which wipes them first.
 */
void *otp_secure_alloc(size_t len);
void otp_secure_free(void *p, size_t len);

/*
 * Memory for secrets (a file's text, a parsed record). In a dumpable process (sshd: a crash
 * would write a core file) it comes from otp_secure_alloc; elsewhere (setuid sudo, su: the
 * kernel writes no core) from malloc, which is cheaper. Zeroed; NULL on failure.
 * otp_secret_free wipes it whichever way it came; NULL is fine.
 */
void *otp_secret_alloc(size_t len);
void otp_secret_free(void *p);

#endif
