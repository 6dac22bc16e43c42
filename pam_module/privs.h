/* SPDX-License-Identifier: BSD-2-Clause */
/* Run file access with the target user's filesystem identity (root_squash NFS, no
 * root-privileged open of a user-controlled path). No-ops when not running as root. */
#ifndef PAM_OTP_PRIVS_H
#define PAM_OTP_PRIVS_H

#include <pwd.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

struct privs {
	gid_t groups[PAM_MODUTIL_NGROUPS];
	struct pam_modutil_privs saved;
	int dropped;
};

int privs_drop(pam_handle_t *pamh, struct privs *p, const struct passwd *pw);
/* Returns -1 if the identity could not be restored: the caller must fail. */
int privs_restore(pam_handle_t *pamh, struct privs *p);

#endif
