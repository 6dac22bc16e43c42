/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ldap_probe: find one user's entry through pam_otp_ldap.so, as the module does before the
 * prompt (dlopen the plugin, connect, StartTLS or TLS, bind, search), and say what came back.
 * For the tests of the search filter (a user name full of filter syntax must find nothing),
 * and for the benchmark: once per process (exec -> exit), or ROUNDS times in one process,
 * each timed, the plugin loaded once as it stays in a host (the evidence for running the
 * directory code in-process rather than in a helper program; bench/fleet.py).
 *
 *   ldap_probe PLUGIN URI BASE BIND_DN CA_FILE USER [ROUNDS]   (the bind password on stdin)
 *
 * Without ROUNDS: prints "found DN" or "error TEXT"; exit 0 when found, 1 when not. With it:
 * prints {"lat_us":[...],"ok":N,"bad":N} (a warm-up round first, untimed); exit 0 when every
 * round found the entry. Exit 2 on a usage error.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ldap_api.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One exchange: open (connect, bind, search) and close. found: the entry's DN, or NULL. */
static int exchange(const struct otp_ldap_api *api, const struct otp_ldap_settings *s,
		    const char *user, bool say)
{
	struct otp_ldap *l = NULL;
	struct otp_why why = { 0 };

	if (api->open(s, user, &l, &why) != 0) {
		if (say)
			printf("error %s\n", why.text);
		else
			fprintf(stderr, "ldap_probe: %s\n", why.text);
		return 1;
	}
	if (say)
		printf("found %s\n", api->dn(l));
	api->close(l);
	return 0;
}

static int repeat(const struct otp_ldap_api *api, const struct otp_ldap_settings *s,
		  const char *user, long rounds)
{
	double *lat = calloc((size_t)rounds, sizeof(*lat));
	long ok = 0;

	if (!lat)
		return 2;
	for (long i = -1; i < rounds; i++) { /* round -1: warm-up (libldap/GnuTLS first use) */
		double t0 = now_s();
		int rc = exchange(api, s, user, false);

		if (i >= 0) {
			lat[i] = now_s() - t0;
			ok += rc == 0;
		}
	}
	printf("{\"lat_us\":[");
	for (long i = 0; i < rounds; i++)
		printf("%s%.1f", i ? "," : "", lat[i] * 1e6);
	printf("],\"ok\":%ld,\"bad\":%ld}\n", ok, rounds - ok);
	free(lat);
	return ok == rounds ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct otp_ldap_settings s = { 0 };
	const struct otp_ldap_api *api;
	char pw[256] = "";
	long rounds = argc == 8 ? atol(argv[7]) : 0;
	void *h;
	int rc;

	if ((argc != 7 && argc != 8) || (argc == 8 && rounds < 1) || !fgets(pw, sizeof(pw), stdin)) {
		fprintf(stderr, "usage: ldap_probe PLUGIN URI BASE BIND_DN CA_FILE USER [ROUNDS] "
			"< pw\n");
		return 2;
	}
	pw[strcspn(pw, "\n")] = '\0';
	if (!(h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) ||
	    !(api = dlsym(h, OTP_LDAP_API_SYMBOL))) {
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
	rc = rounds ? repeat(api, &s, argv[6], rounds) : exchange(api, &s, argv[6], true);
	memset(pw, 0, sizeof(pw));
	return rc;
}
