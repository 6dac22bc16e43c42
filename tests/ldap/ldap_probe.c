/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ldap_probe: find one user's entry through pam_otp_ldap.so, as the module does, and say
 * what came back. For the tests of the search filter: a user name full of filter syntax
 * must find nothing.
 *
 *   ldap_probe PLUGIN URI BASE BIND_DN CA_FILE USER   (the bind password on stdin)
 *
 * Prints "found DN" or "error TEXT"; exit 0 when found, 1 when not, 2 on a usage error.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "ldap_api.h"

int main(int argc, char **argv)
{
	struct otp_ldap_settings s = { 0 };
	const struct otp_ldap_api *api;
	struct otp_ldap *l = NULL;
	struct otp_why why = { 0 };
	char pw[256] = "";
	void *h;

	if (argc != 7 || !fgets(pw, sizeof(pw), stdin)) {
		fprintf(stderr, "usage: ldap_probe PLUGIN URI BASE BIND_DN CA_FILE USER < pw\n");
		return 2;
	}
	pw[strcspn(pw, "\n")] = '\0';
	if (!(h = dlopen(argv[1], RTLD_NOW)) || !(api = dlsym(h, OTP_LDAP_API_SYMBOL))) {
		fprintf(stderr, "ldap_probe: %s\n", dlerror());
		return 2;
	}
	s.uri = argv[2];
	s.base = argv[3];
	s.bind_dn = argv[4];
	s.bind_pw = pw;
	s.ca_file = argv[5];
	s.filter = "(&(objectClass=posixAccount)(uid=%u))";
	s.attr = "pamOtpRecord";
	s.timeout_ms = 5000;
	if (api->open(&s, argv[6], &l, &why) != 0) {
		printf("error %s\n", why.text);
		return 1;
	}
	printf("found %s\n", api->dn(l));
	api->close(l);
	return 0;
}
