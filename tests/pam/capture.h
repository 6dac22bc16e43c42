/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * For test_secrets: what the module lets out, and the secrets that must not be in it.
 * Syslog is read from a private /dev/log (a mount namespace of the test's own with a tmpfs
 * over /dev); everything else the test sees (sender argv and environment, the PAM
 * environment, the conversation) is added with cap_observe.
 */
#ifndef PAM_OTP_TEST_CAPTURE_H
#define PAM_OTP_TEST_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

/* Enter a new mount namespace, cover /dev with a tmpfs holding the usual device nodes and
 * a /dev/log socket, and start reading it. Returns 0, or -1 with errno (not root...). */
int cap_start(void);
/* cap_start, or say why and exit with status (77: skip, as meson reads it; 1: fail). */
void cap_start_or_exit(int status);
/* Wait until every line logged so far has been read, and add them to the observations. */
void cap_sync(void);
/* All syslog lines read so far (NUL-terminated). */
const char *cap_syslog(void);

/* Something the test saw, under a label for the report. A copy is kept. */
void cap_observe(const char *where, const char *text, size_t len);
/* A secret: digits-only ones match only as a whole number, not inside a longer one. */
void cap_secret(const char *what, const char *value);
/* Fail (cmocka) naming the observation and the secret, if any secret was seen; then
 * forget the observations and secrets of this case. */
void cap_check(void);

#endif
