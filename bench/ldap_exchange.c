/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_ldap_exchange: the directory store's first exchange of a login (connect, StartTLS
 * or TLS, bind, search for the user's entry), done ROUNDS times in ONE process through
 * pam_otp_ldap.so, each timed. The same calls as tests/ldap/ldap_probe (which does it once
 * per process): api->open then api->close. The plugin is dlopened once before the timed
 * rounds, as it stays mapped in a host after the first store=ldap login (RTLD_NODELETE).
 * With the fresh-process probe timed exec -> exit, this is the evidence for running the
 * LDAP code in-process rather than in a helper program (bench/fleet.py).
 *
 *   bench_ldap_exchange PLUGIN URI BASE BIND_DN CA_FILE USER ROUNDS   (password on stdin)
 *
 * Prints {"lat_us":[...],"ok":N,"bad":N}; exit 0 when every round found the entry.
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

int main(int argc, char **argv)
{
	struct otp_ldap_settings s = { 0 };
	const struct otp_ldap_api *api;
	char pw[256] = "";
	long rounds, ok = 0;
	double *lat;
	void *h;

	if (argc != 8 || !fgets(pw, sizeof(pw), stdin) || (rounds = atol(argv[7])) < 1 ||
	    !(lat = calloc((size_t)rounds, sizeof(*lat)))) {
		fprintf(stderr, "usage: bench_ldap_exchange PLUGIN URI BASE BIND_DN CA_FILE USER "
			"ROUNDS < pw\n");
		return 2;
	}
	pw[strcspn(pw, "\n")] = '\0';
	if (!(h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) ||
	    !(api = dlsym(h, OTP_LDAP_API_SYMBOL))) {
		fprintf(stderr, "bench_ldap_exchange: %s\n", dlerror());
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
	for (long i = -1; i < rounds; i++) {	/* round -1: warm-up (libldap/GnuTLS first use) */
		struct otp_ldap *l = NULL;
		struct otp_why why = { 0 };
		double t0 = now_s();
		int rc = api->open(&s, argv[6], &l, &why);

		if (rc == 0)
			api->close(l);
		else
			fprintf(stderr, "bench_ldap_exchange: %s\n", why.text);
		if (i >= 0) {
			lat[i] = now_s() - t0;
			ok += rc == 0;
		}
	}
	memset(pw, 0, sizeof(pw));
	printf("{\"lat_us\":[");
	for (long i = 0; i < rounds; i++)
		printf("%s%.1f", i ? "," : "", lat[i] * 1e6);
	printf("],\"ok\":%ld,\"bad\":%ld}\n", ok, rounds - ok);
	return ok == rounds ? 0 : 1;
}
