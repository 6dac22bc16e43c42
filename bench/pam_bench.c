/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pam_bench: time full pam_start_confdir -> pam_authenticate -> pam_end rounds of one PAM
 * service, answering the prompt with a freshly computed TOTP/HOTP code (or a wrong one).
 * Prints one JSON object on stdout. Deliberately links only libc and libpam, and computes
 * HMAC-SHA1 itself, so every library a module pulls in is charged to that module.
 *
 *   pam_bench --confdir D --service S (--user U | --user-prefix u --first N) --code KIND
 *             [--secret HEX] [--counter C] [--rounds N] [--warmup W] [--expect ok|fail|any]
 *             [--procs P [--race]] [--libs]
 *   pam_bench --replace DIR --rounds N [--pre-count]  (the fsync'd atomic replace, no PAM;
 *             --pre-count: first a replace without the directory fsync, as pam_otp counts
 *             the attempt before it checks the code, then the full one)
 *   pam_bench --dlopen MODULE.so --rounds N   (dlopen+dlclose of a module, timed apart)
 *
 * Built twice: pam_bench (libc and libpam only: like sudo, su or login, it never loads
 * libcrypto itself) and pam_bench_ssl (-DBENCH_LIBCRYPTO: links libcrypto and initialises
 * it, with one EVP_MAC fetch, before anything else, as sshd has done before PAM runs).
 *
 * KIND: totp, hotp (round i answers with the code for counter C+i), wrong (the TOTP code
 * plus one), none (pam_permit: no prompt expected), sms (answer "sms", then the code the
 * mock provider received, read from its --sms-record FILE; the two halves are timed apart). --user-prefix P gives round i (user P<first+i>) (or process i
 * with --procs) its own user. --procs P forks P processes doing --rounds rounds each; with
 * --race they all use the one user and the same HOTP code each round (behind a barrier),
 * and exactly one of them must win each round.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <security/pam_appl.h>

#include "conv.h"

#ifdef BENCH_LIBCRYPTO
#include <openssl/crypto.h>
#include <openssl/evp.h>

/* What sshd has done before PAM runs: OpenSSL initialised (config, algorithms), the HMAC
 * implementation fetched and one digest computed (host key fingerprints and the key
 * exchange hash go through EVP_Digest*), so the default library context's stores of MACs
 * and digests are built. Without the digest, pam_otp's first EVP_MAC_init builds the
 * digest store when it fetches SHA1 (about 0.56 M instructions, measured). */
static int init_libcrypto(void)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MAC *mac;

	if (!OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG | OPENSSL_INIT_ADD_ALL_CIPHERS |
				 OPENSSL_INIT_ADD_ALL_DIGESTS, NULL))
		return -1;
	if (!(mac = EVP_MAC_fetch(NULL, "HMAC", NULL)))
		return -1;
	EVP_MAC_free(mac);
	return EVP_Digest("x", 1, md, &mdlen, EVP_sha256(), NULL) == 1 ? 0 : -1;
}
#endif

/* ---- SHA-1 / HMAC-SHA1 / HOTP (RFC 3174, 2104, 4226) ---- */
struct sha1 { uint32_t h[5]; uint64_t len; uint8_t buf[64]; size_t n; };

static uint32_t rol(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

static void sha1_block(struct sha1 *s, const uint8_t *p)
{
	uint32_t w[80], a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (int i = 0; i < 80; i++) {
		uint32_t f, k, t;

		if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
		else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
		else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
		else { f = b ^ c ^ d; k = 0xCA62C1D6; }
		t = rol(a, 5) + f + e + k + w[i];
		e = d; d = c; c = rol(b, 30); b = a; a = t;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d; s->h[4] += e;
}

static void sha1_init(struct sha1 *s)
{
	*s = (struct sha1){ { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 }, 0, {0}, 0 };
}

static void sha1_add(struct sha1 *s, const uint8_t *p, size_t n)
{
	s->len += n;
	while (n--) {
		s->buf[s->n++] = *p++;
		if (s->n == 64) {
			sha1_block(s, s->buf);
			s->n = 0;
		}
	}
}

static void sha1_end(struct sha1 *s, uint8_t out[20])
{
	uint64_t bits = s->len * 8;
	uint8_t pad = 0x80, zero = 0, lb[8];

	sha1_add(s, &pad, 1);
	while (s->n != 56)
		sha1_add(s, &zero, 1);
	for (int i = 0; i < 8; i++)
		lb[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha1_add(s, lb, 8);
	for (int i = 0; i < 20; i++)
		out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

static uint8_t key[64];
static size_t keylen;

static unsigned hotp(uint64_t counter)
{
	uint8_t ipad[64], opad[64], msg[8], inner[20], mac[20];
	struct sha1 s;
	unsigned off;

	for (int i = 0; i < 64; i++) {
		ipad[i] = (uint8_t)((i < (int)keylen ? key[i] : 0) ^ 0x36);
		opad[i] = (uint8_t)((i < (int)keylen ? key[i] : 0) ^ 0x5c);
	}
	for (int i = 0; i < 8; i++)
		msg[i] = (uint8_t)(counter >> (56 - 8 * i));
	sha1_init(&s); sha1_add(&s, ipad, 64); sha1_add(&s, msg, 8); sha1_end(&s, inner);
	sha1_init(&s); sha1_add(&s, opad, 64); sha1_add(&s, inner, 20); sha1_end(&s, mac);
	off = mac[19] & 15;
	return ((unsigned)(mac[off] & 0x7f) << 24 | (unsigned)mac[off + 1] << 16 |
		(unsigned)mac[off + 2] << 8 | mac[off + 3]) % 1000000;
}

/* ---- options ---- */
static const char *confdir, *service, *user, *user_fmt, *code_kind = "totp", *expect = "ok";
static const char *replace_dir, *sms_record, *dl_path;
static long first_user, rounds = 100, warmup = 1, procs;
static uint64_t counter0;
static int race, want_libs, pre_count;

/* ---- one round ---- */
struct round_ctx { char code[16]; int prompts; double first_answer, t_second; };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The code of the last text the mock provider got: the digits after "Body": " (Twilio). */
static void sms_code_from_record(char *out, size_t outsz)
{
	FILE *f = fopen(sms_record, "r");
	char line[8192], last[8192] = "", *p;
	size_t n = 0;

	while (f && fgets(line, sizeof(line), f))
		memcpy(last, line, sizeof(last));
	if (f)
		fclose(f);
	out[0] = '\0';
	if ((p = strstr(last, "\"Body\": \"")))
		for (p += 9; *p >= '0' && *p <= '9' && n + 1 < outsz; p++)
			out[n++] = *p;
	out[n] = '\0';
}

/* The answer to each prompt (tests/common/conv.c does the PAM side). */
static char *answer(void *ctx, int style, const char *prompt)
{
	struct round_ctx *rc = ctx;

	rc->prompts++;
	if (!strcmp(code_kind, "sms")) {
		/* First prompt: ask for a text; second: the code it carried. */
		if (rc->prompts == 1) {
			strcpy(rc->code, "sms");
		} else {
			rc->t_second = now_s();
			sms_code_from_record(rc->code, sizeof(rc->code));
		}
	} else if (!strcmp(code_kind, "totp") || !strcmp(code_kind, "wrong")) {
		unsigned c = hotp((uint64_t)time(NULL) / 30);
		if (!strcmp(code_kind, "wrong"))
			c = (c + 1) % 1000000;
		snprintf(rc->code, sizeof(rc->code), "%06u", c);
	}
	if (rc->prompts == 1)
		rc->first_answer = now_s();
	return strdup(rc->code);
}

static char **libs_before;
static size_t nlibs_before;

/* Paths of shared objects mapped now (not the main program). */
static size_t mapped_libs(char ***out)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096], **v = NULL;
	size_t n = 0;

	while (f && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/');
		int seen = 0;

		if (!p || !strstr(p, ".so"))
			continue;
		p[strcspn(p, "\n")] = '\0';
		for (size_t i = 0; i < n && !seen; i++)
			seen = !strcmp(v[i], p);
		if (!seen && (v = realloc(v, (n + 1) * sizeof(*v))))
			v[n++] = strdup(p);
	}
	if (f)
		fclose(f);
	*out = v;
	return n;
}

static void print_new_libs(void)
{
	char **now;
	size_t n = mapped_libs(&now);
	int first = 1;

	printf("\"libs\":[");
	for (size_t i = 0; i < n; i++) {
		int old = 0;
		for (size_t j = 0; j < nlibs_before && !old; j++)
			old = !strcmp(now[i], libs_before[j]);
		if (!old) {
			printf("%s\"%s\"", first ? "" : ",", now[i]);
			first = 0;
		}
	}
	printf("],");
}

/* One pam_start..pam_end; returns 1 if the result is what --expect asks for. */
static double *send_lat, *verify_lat; /* --code sms: the two halves, per timed round */
static long timed_index = -1;

static int one_round(const char *who, uint64_t counter, double *lat, int *pamrc, int print_libs)
{
	struct round_ctx rc = { .prompts = 0 };
	struct tconv t = { answer, NULL, &rc };
	struct pam_conv pc = TCONV_PAM(&t);
	pam_handle_t *pamh = NULL;
	double t0 = now_s();
	int r;

	if (!strcmp(code_kind, "hotp"))
		snprintf(rc.code, sizeof(rc.code), "%06u", hotp(counter));
	r = pam_start_confdir(service, who, &pc, confdir, &pamh);
	if (r == PAM_SUCCESS)
		r = pam_authenticate(pamh, 0);
	if (print_libs)
		print_new_libs();
	pam_end(pamh, r);
	*lat = now_s() - t0;
	*pamrc = r;
	if (send_lat && timed_index >= 0 && rc.t_second > 0) {
		/* first answer back to the module -> second prompt: sending; then verifying */
		send_lat[timed_index] = rc.t_second - rc.first_answer;
		verify_lat[timed_index] = now_s() - rc.t_second;
	}
	if (!strcmp(expect, "any"))
		return 1;
	if (!strcmp(expect, "fail"))
		return r != PAM_SUCCESS && rc.prompts == 1;
	return r == PAM_SUCCESS &&
	       rc.prompts == (!strcmp(code_kind, "none") ? 0 : !strcmp(code_kind, "sms") ? 2 : 1);
}

static const char *user_for(long i, char *buf, size_t sz)
{
	if (!user_fmt)
		return user;
	snprintf(buf, sz, "%s%ld", user_fmt, first_user + i);
	return buf;
}

/* The timed loop, kept out of line so callgrind can collect just this (--toggle-collect). */
__attribute__((noinline)) static long bench_rounds(long from, long n, double *lat, int *bad_rc)
{
	long good = 0;
	char name[64];

	for (long i = from; i < from + n; i++) {
		int rc;
		timed_index = i - from;
		good += one_round(user_for(i, name, sizeof(name)), counter0 + (uint64_t)i,
				  &lat[i - from], &rc, 0);
		if (rc != PAM_SUCCESS)
			*bad_rc = rc;
	}
	return good;
}

static void print_lat(const char *key_name, const double *lat, long n)
{
	printf("\"%s\":[", key_name);
	for (long i = 0; i < n; i++)
		printf("%s%.1f", i ? "," : "", lat[i] * 1e6);
	printf("],");
}

/* VmHWM, not ru_maxrss: that one survives execve and would report the parent's peak. */
static long maxrss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static int run_serial(void)
{
	double *lat = calloc((size_t)rounds + 1, sizeof(double)), t0, wall;
	int last_rc = PAM_SUCCESS, rc;
	long good, wgood = 0;
	char name[64];

	if (!strcmp(code_kind, "sms")) {
		send_lat = calloc((size_t)rounds, sizeof(double));
		verify_lat = calloc((size_t)rounds, sizeof(double));
	}
	nlibs_before = mapped_libs(&libs_before);
	printf("{");
	for (long i = 0; i < warmup; i++) {
		double l;
		wgood += one_round(user_for(i, name, sizeof(name)), counter0 + (uint64_t)i, &l, &rc,
				   want_libs && i == 0);
	}
	t0 = now_s();
	good = bench_rounds(warmup, rounds, lat, &last_rc);
	wall = now_s() - t0;
	print_lat("lat_us", lat, rounds);
	if (send_lat) {
		print_lat("send_us", send_lat, rounds);
		print_lat("verify_us", verify_lat, rounds);
	}
	printf("\"ok\":%ld,\"bad\":%ld,\"last_rc\":%d,\"wall_s\":%.6f,\"maxrss_kb\":%ld}\n",
	       good + wgood, rounds + warmup - good - wgood, last_rc, wall, maxrss_kb());
	return good + wgood == rounds + warmup ? 0 : 1;
}

/* ---- concurrency: P processes ---- */
struct shared {
	pthread_barrier_t start, each;
	atomic_long good, bad;
	atomic_int wins[];   /* per round, with --race */
};

static int run_procs(void)
{
	size_t sz = sizeof(struct shared) + (size_t)rounds * sizeof(atomic_int) +
		    (size_t)(procs * rounds) * sizeof(double);
	struct shared *sh = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	double *lat, t0, wall;
	pthread_barrierattr_t ba;
	long doubles = 0, none = 0;

	if (sh == MAP_FAILED)
		return 2;
	lat = (double *)((char *)sh + sizeof(struct shared) + (size_t)rounds * sizeof(atomic_int));
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	pthread_barrier_init(&sh->start, &ba, (unsigned)procs + 1);
	pthread_barrier_init(&sh->each, &ba, (unsigned)procs);
	for (long p = 0; p < procs; p++) {
		pid_t pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0) {
			char name[64];
			const char *who = race ? user : user_for(p, name, sizeof(name));

			pthread_barrier_wait(&sh->start);
			for (long r = 0; r < rounds; r++) {
				int rc, ok;

				if (race)
					pthread_barrier_wait(&sh->each);
				ok = one_round(who, counter0 + (uint64_t)r, &lat[p * rounds + r], &rc, 0);
				if (race && rc == PAM_SUCCESS)
					atomic_fetch_add(&sh->wins[r], 1);
				if (!race)
					atomic_fetch_add(ok ? &sh->good : &sh->bad, 1);
			}
			_exit(0);
		}
	}
	pthread_barrier_wait(&sh->start);
	t0 = now_s();
	while (wait(NULL) > 0 || errno == EINTR)
		;
	wall = now_s() - t0;
	printf("{");
	print_lat("lat_us", lat, procs * rounds);
	if (race) {
		long wins = 0;

		for (long r = 0; r < rounds; r++) {
			wins += sh->wins[r];
			doubles += sh->wins[r] > 1;
			none += sh->wins[r] == 0;
		}
		printf("\"rounds\":%ld,\"wins\":%ld,\"double_wins\":%ld,\"no_win\":%ld,", rounds,
		       wins, doubles, none);
	} else {
		printf("\"ok\":%ld,\"bad\":%ld,", (long)sh->good, (long)sh->bad);
	}
	printf("\"wall_s\":%.6f}\n", wall);
	return race ? (doubles || none) : sh->bad != 0;
}

/* ---- the reference cost: one fsync'd atomic replace (temp, fsync, rename, fsync dir) ---- */
static int run_replace(void)
{
	int dfd = open(replace_dir, O_RDONLY | O_DIRECTORY);
	double *lat = calloc((size_t)rounds, sizeof(double));
	char data[160];

	if (dfd < 0 || !lat)
		return 2;
	memset(data, 'x', sizeof(data) - 1);
	data[sizeof(data) - 1] = '\n';
	for (long i = 0; i < rounds; i++) {
		double t0 = now_s();
		int fd = openat(dfd, ".f.tmp", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		/* --pre-count: the attempt counted first (fsync'd file, renamed, no dir fsync) */
		if (pre_count && (fd < 0 || write(fd, data, sizeof(data)) != (ssize_t)sizeof(data) ||
				  fsync(fd) || close(fd) || renameat(dfd, ".f.tmp", dfd, "f") ||
				  (fd = openat(dfd, ".f.tmp", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
					       0600)) < 0))
			return 2;
		if (fd < 0 || write(fd, data, sizeof(data)) != (ssize_t)sizeof(data) || fsync(fd) ||
		    close(fd) || renameat(dfd, ".f.tmp", dfd, "f") || fsync(dfd))
			return 2;
		lat[i] = now_s() - t0;
	}
	printf("{");
	print_lat("lat_us", lat, rounds);
	printf("\"ok\":%ld,\"bad\":0}\n", rounds);
	return 0;
}

/* ---- a module's load and unload, as libpam does at every pam_start / pam_end ---- */
static int run_dlopen(void)
{
	double *op = calloc((size_t)rounds, sizeof(double)), *cl = calloc((size_t)rounds, sizeof(double));
	double *lat = calloc((size_t)rounds, sizeof(double));

	if (!op || !cl || !lat)
		return 2;
	for (long i = -1; i < rounds; i++) {	/* round -1: warm-up (page cache, nodelete deps) */
		double t0 = now_s(), t1, t2;
		void *h = dlopen(dl_path, RTLD_NOW | RTLD_LOCAL);  /* libpam's flags for modules */

		t1 = now_s();
		if (!h || !dlsym(h, "pam_sm_authenticate")) {
			fprintf(stderr, "pam_bench: %s: %s\n", dl_path, dlerror());
			return 2;
		}
		dlclose(h);
		t2 = now_s();
		if (i >= 0) {
			op[i] = t1 - t0;
			cl[i] = t2 - t1;
			lat[i] = t2 - t0;
		}
	}
	printf("{");
	print_lat("lat_us", lat, rounds);
	print_lat("open_us", op, rounds);
	print_lat("close_us", cl, rounds);
	printf("\"ok\":%ld,\"bad\":0}\n", rounds);
	return 0;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int main(int argc, char **argv)
{
	const char *secret = "3132333435363738393031323334353637383930";

#ifdef BENCH_LIBCRYPTO
	if (init_libcrypto()) {
		fprintf(stderr, "pam_bench_ssl: OpenSSL initialisation failed\n");
		return 2;
	}
#endif

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (!strcmp(a, name) && v && ++i)
		if (OPT("--confdir")) confdir = v;
		else if (OPT("--service")) service = v;
		else if (OPT("--user")) user = v;
		else if (OPT("--user-prefix")) user_fmt = v;
		else if (OPT("--first")) first_user = atol(v);
		else if (OPT("--code")) code_kind = v;
		else if (OPT("--secret")) secret = v;
		else if (OPT("--counter")) counter0 = strtoull(v, NULL, 10);
		else if (OPT("--rounds")) rounds = atol(v);
		else if (OPT("--warmup")) warmup = atol(v);
		else if (OPT("--expect")) expect = v;
		else if (OPT("--procs")) procs = atol(v);
		else if (OPT("--replace")) replace_dir = v;
		else if (OPT("--sms-record")) sms_record = v;
		else if (OPT("--dlopen")) dl_path = v;
		else if (!strcmp(a, "--pre-count")) pre_count = 1;
		else if (!strcmp(a, "--race")) race = 1;
		else if (!strcmp(a, "--libs")) want_libs = 1;
		else {
			fprintf(stderr, "pam_bench: bad argument %s (see the source)\n", a);
			return 2;
		}
	}
	for (keylen = 0; secret[2 * keylen] && keylen < sizeof(key); keylen++)
		key[keylen] = (uint8_t)(hexval(secret[2 * keylen]) << 4 | hexval(secret[2 * keylen + 1]));
	if (replace_dir)
		return run_replace();
	if (dl_path)
		return run_dlopen();
	if (!confdir || !service || (!user && !user_fmt) || rounds < 1) {
		fprintf(stderr, "pam_bench: --confdir, --service and --user or --user-prefix needed\n");
		return 2;
	}
	if (procs > 0) {
		if (race && !user) {
			fprintf(stderr, "pam_bench: --race needs --user\n");
			return 2;
		}
		return run_procs();
	}
	return run_serial();
}
