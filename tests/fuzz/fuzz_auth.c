/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The login path itself (pam-u2f's fuzz_auth is the precedent): the module's
 * pam_sm_authenticate, linked in statically, on a fuzzed ~/.otp and fuzzed answers.
 *
 * libpam is not used: the PAM calls the module makes (nm -u pam_otp.so) are replaced at link
 * time (-Wl,--wrap=..., see meson.build) by the __wrap_ functions below. The user is a fake
 * passwd entry for the current uid with a home in a private directory under /tmp, so no root
 * is needed; the clock is fixed (the module is built with OTP_TEST_CLOCK and
 * PAM_OTP_TEST_NOW=1700000000). SMS is off (no sender is ever started).
 *
 * Input: one option byte, then the record text up to the first NUL byte, then the answers,
 * one a line (at most FUZZ_ANSWERS; a prompt past them fails the conversation).
 *   bit 0 forward_pass   bit 1 try_first_pass (first answer is PAM_AUTHTOK)
 *   bit 2 use_first_pass (same)   bit 3 nullok   bit 4 window=3
 *   bit 5 grace_period=3600 grace_local   bit 6 max_failures=3   bit 7 a remote host
 *
 * Properties: the result is a PAM code the module may give; PAM_SUCCESS only after an
 * answer was read (or a grace entry with grace on); the record's secret never appears in a
 * log line or a message shown to the user; no memory error or leak (sanitizers).
 */
#include "fuzz.h"
#include "conv.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>
#include <security/pam_appl.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#define FUZZ_USER "fuzzuser"
#define FUZZ_NOW "1700000000"
#define FUZZ_ANSWERS 4
#define FUZZ_RHOST "192.0.2.7"

/* The wrapped PAM calls (declared for -Wmissing-prototypes; defined below). */
int __wrap_pam_get_user(pam_handle_t *pamh, const char **user, const char *prompt);
int __wrap_pam_get_item(const pam_handle_t *pamh, int type, const void **item);
int __wrap_pam_set_item(pam_handle_t *pamh, int type, const void *item);
void __wrap_pam_syslog(const pam_handle_t *pamh, int prio, const char *fmt, ...);
void __wrap_pam_vsyslog(const pam_handle_t *pamh, int prio, const char *fmt, va_list ap);
struct passwd *__wrap_pam_modutil_getpwnam(pam_handle_t *pamh, const char *user);
int __wrap_pam_modutil_drop_priv(pam_handle_t *pamh, struct pam_modutil_privs *p,
				 const struct passwd *pw);
int __wrap_pam_modutil_regain_priv(pam_handle_t *pamh, struct pam_modutil_privs *p);

/* What one call sees and leaves: the stand-in for libpam's handle. */
static struct fake_pam {
	struct pam_conv conv;
	const char *rhost;
	char *authtok;
	char *answers[FUZZ_ANSWERS];
	unsigned nanswers, asked;
	bool authtok_read;
	char *secret; /* the record's secret text, or NULL */
	struct passwd pw;
} P;

static char root[64], home[128], otp[160], conf[128], nokey[128];

static void check_no_secret(const char *text)
{
	if (P.secret && text)
		FUZZ_CHECK(!strstr(text, P.secret));
}

int __wrap_pam_get_user(pam_handle_t *pamh, const char **user, const char *prompt)
{
	*user = FUZZ_USER;
	return PAM_SUCCESS;
}

int __wrap_pam_get_item(const pam_handle_t *pamh, int type, const void **item)
{
	switch (type) {
	case PAM_CONV:
		*item = &P.conv;
		return PAM_SUCCESS;
	case PAM_RHOST:
		*item = P.rhost;
		return PAM_SUCCESS;
	case PAM_SERVICE:
		*item = "fuzz";
		return PAM_SUCCESS;
	case PAM_USER:
		*item = FUZZ_USER;
		return PAM_SUCCESS;
	case PAM_AUTHTOK:
		*item = P.authtok;
		P.authtok_read |= P.authtok != NULL;
		return PAM_SUCCESS;
	default:
		*item = NULL;
		return PAM_BAD_ITEM;
	}
}

/* Only PAM_AUTHTOK is set by the module (forward_pass); libpam keeps a copy, as here. */
int __wrap_pam_set_item(pam_handle_t *pamh, int type, const void *item)
{
	char *copy = NULL;

	if (type != PAM_AUTHTOK)
		return PAM_BAD_ITEM;
	if (item && !(copy = strdup(item)))
		return PAM_BUF_ERR;
	if (P.authtok) {
		explicit_bzero(P.authtok, strlen(P.authtok));
		free(P.authtok);
	}
	P.authtok = copy;
	return PAM_SUCCESS;
}

/* Formatted as syslog would (so a bad format argument shows), checked, dropped. */
void __wrap_pam_vsyslog(const pam_handle_t *pamh, int prio, const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	check_no_secret(line);
	if (getenv("FUZZ_AUTH_VERBOSE"))
		fprintf(stderr, "syslog %d: %s\n", prio, line);
}

void __wrap_pam_syslog(const pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	__wrap_pam_vsyslog(pamh, prio, fmt, ap);
	va_end(ap);
}

struct passwd *__wrap_pam_modutil_getpwnam(pam_handle_t *pamh, const char *user)
{
	return strcmp(user, FUZZ_USER) == 0 ? &P.pw : NULL;
}

/* Already the user (the fake passwd entry has our uid): nothing to switch. */
int __wrap_pam_modutil_drop_priv(pam_handle_t *pamh, struct pam_modutil_privs *p,
				 const struct passwd *pw)
{
	FUZZ_CHECK(pw == &P.pw);
	return 0;
}

int __wrap_pam_modutil_regain_priv(pam_handle_t *pamh, struct pam_modutil_privs *p)
{
	return 0;
}

/* The conversation (tests/common/conv.c): answers in order, every message checked. */
static char *answer(void *ctx, int style, const char *prompt)
{
	return P.asked < P.nanswers ? tconv_dup(P.answers[P.asked++]) : NULL;
}

static void show(void *ctx, int style, const char *text)
{
	check_no_secret(text);
}

static struct tconv conversation = { answer, show, NULL };

static void remove_tree(const char *dir, bool keep_dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char p[512];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			remove_tree(p, false);
		else
			unlink(p);
	}
	if (d)
		closedir(d);
	if (!keep_dir)
		rmdir(dir);
}

static void cleanup(void)
{
	if (root[0])
		remove_tree(root, false);
}

static void write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0 || (len && write(fd, text, len) != (ssize_t)len) || fchmod(fd, mode) != 0) {
		perror(path);
		abort();
	}
	close(fd);
}

/* Once: the private directory with the home, an empty conf file and the clock. */
static void setup(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	snprintf(root, sizeof(root), "/tmp/fuzz_auth.XXXXXX");
	if (!mkdtemp(root))
		abort();
	snprintf(home, sizeof(home), "%s/home", root);
	snprintf(otp, sizeof(otp), "%s/.otp", home);
	snprintf(conf, sizeof(conf), "%s/pam_otp.conf", root);
	snprintf(nokey, sizeof(nokey), "%s/no-host.key", root);
	if (mkdir(home, 0700) != 0)
		abort();
	static const char conf_text[] = "# fuzz_auth: the options come from the module arguments\n";

	write_file(conf, conf_text, sizeof(conf_text) - 1, 0644);
	atexit(cleanup);
	setenv("PAM_OTP_TEST_NOW", FUZZ_NOW, 1);
	P.pw = (struct passwd){ .pw_name = FUZZ_USER, .pw_passwd = "x", .pw_uid = geteuid(),
				.pw_gid = getegid(), .pw_gecos = "", .pw_dir = home,
				.pw_shell = "/bin/sh" };
	P.conv = TCONV_PAM(&conversation);
}

/* The value of the record's "secret" line, if long enough to be told apart from noise. */
static char *record_secret(const char *rec)
{
	const char *p = rec;

	while (p && *p) {
		if (strncmp(p, "secret ", 7) == 0) {
			size_t n = strcspn(p + 7, "\n");

			if (n >= 16)
				return fuzz_strndup((const uint8_t *)p + 7, n);
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return NULL;
}

static bool known_result(int rc)
{
	static const int ok[] = { PAM_SUCCESS, PAM_AUTH_ERR, PAM_AUTHINFO_UNAVAIL,
				  PAM_USER_UNKNOWN, PAM_SERVICE_ERR, PAM_IGNORE, PAM_CONV_ERR,
				  PAM_BUF_ERR, PAM_MAXTRIES, PAM_INCOMPLETE, PAM_PERM_DENIED,
				  PAM_SYSTEM_ERR, PAM_CRED_INSUFFICIENT };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (rc == ok[i])
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	extern int pam_sm_authenticate(pam_handle_t *, int, int, const char **);
	const char *argv[16];
	char conf_arg[160], key_arg[160];
	unsigned opts, argc = 0;
	const uint8_t *nul;
	size_t rlen;
	char *rec, *ans = NULL;
	int rc;

	if (size < 1)
		return 0;
	setup();
	opts = data[0];
	data++;
	size--;
	nul = memchr(data, '\0', size);
	rlen = nul ? (size_t)(nul - data) : size;
	rec = fuzz_strndup(data, rlen);

	P.rhost = (opts & 0x80) ? FUZZ_RHOST : NULL;
	P.nanswers = P.asked = 0;
	P.authtok_read = false;
	if (nul) {
		const uint8_t *a = nul + 1;
		size_t alen = size - rlen - 1;

		/* As many answers as lines (an empty line is an empty answer), up to the cap. */
		ans = fuzz_fields(a, alen, P.answers, FUZZ_ANSWERS);
		P.nanswers = 1;
		for (size_t i = 0; i < alen && P.nanswers < FUZZ_ANSWERS; i++)
			P.nanswers += a[i] == '\n';
	}
	if ((opts & 0x06) && P.nanswers > 0) {
		/* try_first_pass / use_first_pass: the first answer was typed to an earlier module. */
		__wrap_pam_set_item(NULL, PAM_AUTHTOK, P.answers[0]);
		P.asked = 1;
	}
	P.secret = record_secret(rec);

	remove_tree(home, true);
	write_file(otp, rec, rlen, 0600);

	snprintf(conf_arg, sizeof(conf_arg), "conf=%s", conf);
	snprintf(key_arg, sizeof(key_arg), "seal_key=%s", nokey);
	argv[argc++] = conf_arg;
	argv[argc++] = key_arg;
	argv[argc++] = "sms=off";
	argv[argc++] = "debug";
	if (opts & 0x01)
		argv[argc++] = "forward_pass";
	if (opts & 0x02)
		argv[argc++] = "try_first_pass";
	if (opts & 0x04)
		argv[argc++] = "use_first_pass";
	if (opts & 0x08)
		argv[argc++] = "nullok";
	if (opts & 0x10)
		argv[argc++] = "window=3";
	if (opts & 0x20) {
		argv[argc++] = "grace_period=3600";
		argv[argc++] = "grace_local";
	}
	if (opts & 0x40)
		argv[argc++] = "max_failures=3";

	rc = pam_sm_authenticate((pam_handle_t *)&P, 0, (int)argc, argv);

	FUZZ_CHECK(known_result(rc));
	if (rc == PAM_SUCCESS)
		FUZZ_CHECK(P.asked > 0 || P.authtok_read ||
			   ((opts & 0x20) && strstr(rec, "grace ")));
	if (getenv("FUZZ_AUTH_VERBOSE"))
		fprintf(stderr, "result %d, %u answers used\n", rc, P.asked);

	__wrap_pam_set_item(NULL, PAM_AUTHTOK, NULL);
	free(P.secret);
	P.secret = NULL;
	free(ans);
	free(rec);
	return 0;
}
