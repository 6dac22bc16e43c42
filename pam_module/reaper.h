/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Ending everything the SMS sender started. The sender runs in a session of its own (its pid
 * is the session and process group id); what it starts stays in that session even when it
 * moves to a group of its own (provider=command does), unless it calls setsid itself.
 */
#ifndef PAM_OTP_REAPER_H
#define PAM_OTP_REAPER_H

#include <sys/types.h>

/*
 * SIGKILL the process group and every process of the session led by leader, until none is
 * left alive, then reap leader. leader must not have been reaped yet (a zombie at most), so
 * that its id cannot have been reused by an unrelated session meanwhile. Returns leader's
 * wait status.
 */
int reap_session(pid_t leader);

#endif
