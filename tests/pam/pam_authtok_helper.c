/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A test-only PAM module. "ask": prompt for a password and store it as PAM_AUTHTOK (what
 * pam_unix does before a use_first_pass module). "expect=VALUE": succeed only if PAM_AUTHTOK
 * is VALUE (checks what forward_pass hands on).
 */
#include <string.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

__attribute__((visibility("default")))
int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "ask") == 0) {
			const char *tok = NULL;
			return pam_get_authtok(pamh, PAM_AUTHTOK, &tok, "Password: ");
		}
		if (strncmp(argv[i], "expect=", 7) == 0) {
			const void *tok = NULL;
			pam_get_item(pamh, PAM_AUTHTOK, &tok);
			return tok && strcmp(tok, argv[i] + 7) == 0 ? PAM_SUCCESS : PAM_AUTH_ERR;
		}
	}
	return PAM_SERVICE_ERR;
}

__attribute__((visibility("default")))
int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS;
}
