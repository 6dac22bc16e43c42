/* SPDX-License-Identifier: BSD-2-Clause */
#include "privs.h"

int privs_drop(pam_handle_t *pamh, struct privs *p, const struct passwd *pw)
{
	/* The same initial state as PAM_MODUTIL_DEF_PRIVS, with the group list inside *p. */
	p->saved = (struct pam_modutil_privs){ p->groups, PAM_MODUTIL_NGROUPS, 0, -1, -1, 0 };
	p->dropped = 0;
	if (pam_modutil_drop_priv(pamh, &p->saved, pw) != 0)
		return -1;
	p->dropped = 1;
	return 0;
}

int privs_restore(pam_handle_t *pamh, struct privs *p)
{
	if (!p->dropped)
		return 0;
	p->dropped = 0;
	return pam_modutil_regain_priv(pamh, &p->saved);
}
