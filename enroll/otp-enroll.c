/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * otp-enroll: set up, inspect and change a pam_otp second factor. Runs with the user's own
 * rights (no setuid, no capabilities); root may act for another user with --user.
 * Options are checked here; the steps are in enroll.c and manage.c. See otp-enroll(1).
 */
#include "enroll.h"
#include "err.h"
#include "numparse.h"
#include "path.h"
#include "secmem.h"
#include "uri.h"

#include <getopt.h>
#include <stdarg.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef OTP_VERSION
#define OTP_VERSION "unknown"
#endif

enum {
	O_TYPE = 256, O_ALG, O_DIGITS, O_PERIOD, O_ISSUER, O_LABEL, O_FILE, O_USER, O_CONF,
	O_PHONE, O_BACKUP, O_IMPORT, O_QR, O_QR_PNG, O_QR_SVG, O_NO_CONFIRM, O_FORCE,
	O_STATUS, O_REMOVE, O_ROTATE, O_HOSTKEY, O_REKEY, O_DRYRUN, O_VERSION, O_MIGRATE,
	O_SETTING, /* the conf keys below, as flags */
	O_DEVICE, O_LIST, O_SECRET_STDIN, O_UNLOCK,
};

static const struct option long_opts[] = {
	{ "type", required_argument, NULL, O_TYPE },
	{ "algorithm", required_argument, NULL, O_ALG },
	{ "digits", required_argument, NULL, O_DIGITS },
	{ "period", required_argument, NULL, O_PERIOD },
	{ "issuer", required_argument, NULL, O_ISSUER },
	{ "label", required_argument, NULL, O_LABEL },
	{ "file", required_argument, NULL, O_FILE },
	{ "user", required_argument, NULL, O_USER },
	{ "conf", required_argument, NULL, O_CONF },
	{ "phone", required_argument, NULL, O_PHONE },
	{ "backup-codes", optional_argument, NULL, O_BACKUP },
	{ "import-google-authenticator", optional_argument, NULL, O_IMPORT },
	{ "qr", required_argument, NULL, O_QR },
	{ "qr-png", required_argument, NULL, O_QR_PNG },
	{ "qr-svg", required_argument, NULL, O_QR_SVG },
	{ "no-confirm", no_argument, NULL, O_NO_CONFIRM },
	{ "force", no_argument, NULL, O_FORCE },
	{ "status", no_argument, NULL, O_STATUS },
	{ "remove", no_argument, NULL, O_REMOVE },
	{ "rotate", no_argument, NULL, O_ROTATE },
	{ "host-keygen", no_argument, NULL, O_HOSTKEY },
	{ "host-rekey", no_argument, NULL, O_REKEY },
	{ "dry-run", no_argument, NULL, O_DRYRUN },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, O_VERSION },
	{ "migrate", required_argument, NULL, O_MIGRATE },
	{ "device", required_argument, NULL, O_DEVICE },
	{ "list", no_argument, NULL, O_LIST },
	{ "secret-stdin", no_argument, NULL, O_SECRET_STDIN },
	{ "unlock", no_argument, NULL, O_UNLOCK },
	/* pam_otp.conf keys, for a user who cannot read it (it holds credentials) */
	{ "store", required_argument, NULL, O_SETTING },
	{ "ldap-uri", required_argument, NULL, O_SETTING },
	{ "ldap-base", required_argument, NULL, O_SETTING },
	{ "ldap-filter", required_argument, NULL, O_SETTING },
	{ "ldap-attr", required_argument, NULL, O_SETTING },
	{ "ldap-ca-file", required_argument, NULL, O_SETTING },
	{ "ldap-timeout", required_argument, NULL, O_SETTING },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *out)
{
	fprintf(out,
"Usage: otp-enroll [OPTION]...\n"
"Set up a one-time-code second factor for pam_otp, or manage an existing one.\n"
"Runs with your own rights and writes ~/.otp (or the file= of pam_otp.conf).\n"
"\n"
"Actions (default: enroll, showing a QR code and confirming a code from the app):\n"
"      --status            show the enrollment (never the secret)\n"
"      --remove            delete the enrollment\n"
"      --rotate            new secret, confirmed like a first enrollment\n"
"      --backup-codes[=N]  new backup codes (default %d, at most %d); with an\n"
"                          enrollment, sets how many to make\n"
"      --phone=NUMBER      phone for SMS codes, E.164 (+15551234567); 'none' removes it\n"
"      --import-google-authenticator[=FILE]\n"
"                          import ~/.google_authenticator (or FILE)\n"
"      --list              the authenticators (devices): name, type, when added and\n"
"                          when last used (never a secret)\n"
"      --unlock            (root, with --user) forget the failed attempts and lift\n"
"                          a lockout, as faillock --reset does\n"
"      --host-keygen       (root) make the host key that secrets are sealed to\n"
"      --host-rekey [--dry-run]  (root) new host key; re-seal every enrolled file\n"
"      --migrate=ldap [--dry-run]  (root) move every file enrollment into the\n"
"                          directory (store=ldap), each under its file lock\n"
"      --check             find setup mistakes (otp-enroll --check --help)\n"
"\n"
"Enrollment settings:\n"
"      --type=totp|hotp    time- or counter-based codes (default totp)\n"
"      --algorithm=SHA1|SHA256|SHA512  (default SHA1; the secret is 160, 256 or 512 bits)\n"
"      --digits=6|7|8      code length (default 6)\n"
"      --period=N          seconds per TOTP code, 1-%d (default 30)\n"
"      --issuer=NAME       name the app shows (default: the host name)\n"
"      --label=NAME        account name in the app (default: user@host)\n"
"      --device=NAME       another authenticator (up to %d): enrolling adds it to an\n"
"                          enrollment; --rotate and --remove act on it alone\n"
"      --secret-stdin      the base32 secret of a token programmed elsewhere, read\n"
"                          from standard input (never from arguments)\n"
"      --no-confirm        do not ask for a code before saving (for scripts)\n"
"      --force             replace an existing enrollment (or image file)\n"
"\n"
"Output:\n"
"      --qr=utf8|ansi|ascii|none  terminal QR code (default utf8 in a UTF-8 locale)\n"
"      --qr-png=FILE       also write the QR code as a PNG image\n"
"      --qr-svg=FILE       also write the QR code as an SVG image\n"
"  -q, --quiet             only the QR code, the URI and the backup codes\n"
"\n"
"Where:\n"
"      --file=PATH         use PATH (~, %%u, %%h, %%U allowed) instead of ~/.otp\n"
"      --user=NAME         (root only) act for user NAME; their file stays theirs\n"
"      --conf=FILE         read FILE instead of %s\n"
"      --store=file|ldap, --ldap-uri=URI, --ldap-base=DN, --ldap-filter=F,\n"
"      --ldap-attr=NAME, --ldap-ca-file=FILE, --ldap-timeout=SECONDS\n"
"                          as in pam_otp.conf (for a user who cannot read it);\n"
"                          with store=ldap a user binds with a Kerberos ticket,\n"
"                          else with their directory password (asked for)\n"
"  -h, --help              this help\n"
"      --version           the version\n"
"\n"
"With --no-confirm --qr=none the otpauth:// URI is printed on a line of its own.\n"
"The secret is never taken from or put in arguments or the environment.\n"
"\n"
"Exit status: 0 success; 1 failure (file error, wrong confirmation code,\n"
"already enrolled without --force, not enrolled); 2 bad option or value,\n"
"or --user without root.\n",
		BACKUP_DEFAULT, OTP_BACKUP_MAX, OTP_PERIOD_MAX, OTP_DEVICES_MAX, OTP_DEFAULT_CONF);
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad(const char *fmt, ...)
{
	va_list ap;

	fputs("otp-enroll: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'otp-enroll --help'.\n", stderr);
	return EXIT_USAGE;
}

static int set_action(struct options *o, enum action a, const char *name)
{
	if (o->action != ACT_ENROLL && o->action != a)
		return bad("%s cannot be combined with another action", name);
	o->action = a;
	return EXIT_OK;
}

static int set_number(const char *arg, unsigned lo, unsigned hi, unsigned *out,
		      const char *name)
{
	uint64_t u;

	if (otp_parse_u64(arg, hi, &u) != OTP_OK || u < lo)
		return bad("%s=%s: use a whole number from %u to %u", name, arg, lo, hi);
	*out = (unsigned)u;
	return EXIT_OK;
}

static int parse_qr(struct options *o, const char *arg)
{
	static const struct { const char *name; enum qr_mode mode; } modes[] = {
		{ "utf8", QR_UTF8 }, { "utf-8", QR_UTF8 }, { "ansi", QR_ANSI },
		{ "ascii", QR_ASCII }, { "none", QR_NONE },
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcasecmp(arg, modes[i].name) == 0) {
			o->qr = modes[i].mode;
			return EXIT_OK;
		}
	}
	return bad("--qr=%s: use utf8, ansi, ascii or none", arg);
}

static int parse_one(struct options *o, int opt, const char *arg)
{
	switch (opt) {
	case O_TYPE:
		if (strcasecmp(arg, "totp") && strcasecmp(arg, "hotp"))
			return bad("--type=%s: use totp or hotp", arg);
		o->type = strcasecmp(arg, "hotp") == 0 ? OTP_HOTP : OTP_TOTP;
		o->type_set = true;
		return EXIT_OK;
	case O_ALG:
		o->alg_set = true;
		return otp_alg_parse(arg, &o->alg) == OTP_OK
			       ? EXIT_OK : bad("--algorithm=%s: use SHA1, SHA256 or SHA512", arg);
	case O_DIGITS:
		o->digits_set = true;
		return set_number(arg, OTP_DIGITS_MIN, OTP_DIGITS_MAX, &o->digits, "--digits");
	case O_PERIOD:
		o->period_set = true;
		return set_number(arg, 1, OTP_PERIOD_MAX, &o->period, "--period");
	case O_ISSUER:
	case O_LABEL:
		if (!otp_uri_name_ok(arg))
			return bad("'%s' cannot be an issuer or label: it must be 1-256 bytes of "
				   "UTF-8 text without ':' or control characters", arg);
		*(opt == O_ISSUER ? &o->issuer : &o->label) = arg;
		return EXIT_OK;
	case O_FILE: o->file = arg; return EXIT_OK;
	case O_USER: o->user = arg; return EXIT_OK;
	case O_CONF: o->conf = arg; return EXIT_OK;
	case O_PHONE:
		o->phone_set = true;
		o->phone = strcasecmp(arg, "none") == 0 ? "" : arg;
		if (o->phone[0] && !otp_phone_valid(o->phone))
			return bad("--phone=%s is not an E.164 number: '+', the country code and "
				   "the number, 8-16 characters, digits only (e.g. +15551234567)", arg);
		return EXIT_OK;
	case O_BACKUP:
		o->new_backup = true;
		return arg ? set_number(arg, 0, OTP_BACKUP_MAX, &o->backup_count, "--backup-codes")
			   : EXIT_OK;
	case O_IMPORT:
		o->gauth_file = arg;
		return set_action(o, ACT_IMPORT, "--import-google-authenticator");
	case O_QR: return parse_qr(o, arg);
	case O_QR_PNG: o->qr_png = arg; return EXIT_OK;
	case O_QR_SVG: o->qr_svg = arg; return EXIT_OK;
	case O_NO_CONFIRM: o->no_confirm = true; return EXIT_OK;
	case O_FORCE: o->force = true; return EXIT_OK;
	case O_STATUS: return set_action(o, ACT_STATUS, "--status");
	case O_REMOVE: return set_action(o, ACT_REMOVE, "--remove");
	case O_ROTATE: return set_action(o, ACT_ROTATE, "--rotate");
	case O_HOSTKEY: return set_action(o, ACT_HOSTKEY, "--host-keygen");
	case O_REKEY: return set_action(o, ACT_REKEY, "--host-rekey");
	case O_DRYRUN: o->dry_run = true; return EXIT_OK;
	case O_DEVICE:
		if (!otp_device_name_ok(arg))
			return bad("--device=%s: a name of 1 to %d letters, digits, '.', '_' or '-'",
				   arg, OTP_DEVICE_NAME_MAX);
		o->device = arg;
		return EXIT_OK;
	case O_LIST: return set_action(o, ACT_LIST, "--list");
	case O_SECRET_STDIN: o->secret_stdin = true; return EXIT_OK;
	case O_UNLOCK: return set_action(o, ACT_UNLOCK, "--unlock");
	case O_MIGRATE:
		if (strcmp(arg, "ldap") != 0)
			return bad("--migrate=%s: the one destination is ldap", arg);
		return set_action(o, ACT_MIGRATE, "--migrate");
	case 'q': o->quiet = true; return EXIT_OK;
	default: return EXIT_USAGE;
	}
}

/* --ldap-uri=URI: the conf key ldap_uri (checked when the conf is applied). */
static int add_setting(struct options *o, const char *flag, const char *value)
{
	static char keys[12][32];
	unsigned i = o->nsettings;

	if (i >= sizeof(o->settings) / sizeof(o->settings[0]))
		return bad("too many settings");
	snprintf(keys[i], sizeof(keys[i]), "%s", flag);
	for (char *p = keys[i]; *p; p++)
		if (*p == '-')
			*p = '_';
	o->settings[i][0] = keys[i];
	o->settings[i][1] = value;
	o->nsettings++;
	return EXIT_OK;
}

/* Combinations that make no sense, and --user without root. */
static int check_options(const struct options *o)
{
	bool settings = o->type_set || o->alg_set || o->digits_set || o->period_set;

	if ((o->action == ACT_STATUS || o->action == ACT_REMOVE || o->action == ACT_HOSTKEY) &&
	    (settings || o->phone_set || o->new_backup))
		return bad("%s takes no settings", o->action == ACT_STATUS ? "--status" :
			   o->action == ACT_REMOVE ? "--remove" : "--host-keygen");
	if ((o->action == ACT_HOSTKEY || o->action == ACT_REKEY) && (geteuid() != 0 || o->user))
		return bad("%s is for root alone (no --user)",
			   o->action == ACT_REKEY ? "--host-rekey" : "--host-keygen");
	if (o->action == ACT_REKEY && (settings || o->phone_set || o->new_backup))
		return bad("%s takes no settings", "--host-rekey");
	if ((o->action == ACT_LIST || o->action == ACT_UNLOCK) &&
	    (settings || o->phone_set || o->new_backup || o->secret_stdin))
		return bad("%s takes no settings", o->action == ACT_LIST ? "--list" : "--unlock");
	if (o->action == ACT_UNLOCK && (getuid() != 0 || !o->user))
		return bad("%s is for root, with --user=NAME", "--unlock");
	if (o->secret_stdin && o->action != ACT_ENROLL && o->action != ACT_ROTATE)
		return bad("%s goes with an enrollment or --rotate", "--secret-stdin");
	if (o->dry_run && o->action != ACT_REKEY && o->action != ACT_MIGRATE)
		return bad("%s goes with --host-rekey or --migrate", "--dry-run");
	if (o->action == ACT_MIGRATE && (geteuid() != 0 || o->user || settings || o->phone_set ||
					 o->new_backup))
		return bad("%s is for root alone, with no --user and no settings", "--migrate");
	if (o->action == ACT_IMPORT && settings)
		return bad("%s keeps the imported settings", "--import-google-authenticator");
	if (o->period_set && o->type_set && o->type == OTP_HOTP)
		return bad("%s: counter-based codes have no period", "--period");
	if (o->user && (getuid() != 0 || geteuid() != 0))
		return bad("--user=%s: only root can enroll another user", o->user);
	if (o->user && !otp_user_name_ok(o->user))
		return bad("--user=%s is not a valid user name", o->user);
	return EXIT_OK;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	int opt, rc, index = 0;

	memset(o, 0, sizeof(*o));
	o->action = ACT_ENROLL;
	o->backup_count = BACKUP_DEFAULT;
	o->qr = QR_AUTO;
	opterr = 0; /* our own message names the option */
	while ((opt = getopt_long(argc, argv, "qh", long_opts, &index)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			exit(EXIT_OK);
		}
		if (opt == O_VERSION) {
			printf("otp-enroll (pam_otp) %s\n", OTP_VERSION);
			exit(EXIT_OK);
		}
		if (opt == '?')
			return bad("%s: unknown option, or a missing or unexpected value",
				   argv[optind - 1]);
		if (opt == O_SETTING)
			rc = add_setting(o, long_opts[index].name, optarg);
		else
			rc = parse_one(o, opt, optarg);
		if (rc != EXIT_OK)
			return rc;
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	return check_options(o);
}

/* --phone / --backup-codes alone change an enrollment if there is one, else enroll. */
static int run(struct ctx *c)
{
	const struct options *o = c->o;
	int rc;

	switch (o->action) {
	case ACT_STATUS: return do_status(c);
	case ACT_REMOVE: return do_remove(c);
	case ACT_ROTATE: return do_rotate(c);
	case ACT_IMPORT: return do_import(c);
	case ACT_HOSTKEY: return do_host_keygen(c);
	case ACT_REKEY: return do_host_rekey(c);
	case ACT_MIGRATE: return do_migrate(c);
	case ACT_LIST: return do_list(c);
	case ACT_UNLOCK: return do_unlock(c);
	default: break;
	}
	if ((o->phone_set || o->new_backup) && !o->force) {
		bool exists = false;

		if ((rc = target_open(c)) != EXIT_OK || (rc = record_exists(c, &exists)) != EXIT_OK)
			return rc;
		if (exists) {
			if (o->type_set || o->alg_set || o->digits_set || o->period_set)
				return bad("%s is already enrolled: --type, --algorithm, --digits and "
					   "--period need --rotate (or --force)", c->user);
			return do_update(c);
		}
	}
	return do_enroll(c);
}

int main(int argc, char **argv)
{
	static char outbuf[1 << 16];
	struct options o;
	struct ctx c;
	struct rlimit nocore = { 0, 0 };
	int rc;

	/* The secret passes through this process: no core dumps, no ptrace by others. */
	setrlimit(RLIMIT_CORE, &nocore);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	umask(077);
	setlocale(LC_ALL, "");
	/* Our own stdout buffer, wiped at the end: the URI and codes pass through it. */
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	rc = check_requested(argc, argv) ? check_main(argc, argv) : parse_options(argc, argv, &o);
	if (rc == EXIT_OK && !check_requested(argc, argv)) {
		rc = ctx_setup(&c, &o);
		if (rc == EXIT_OK)
			rc = run(&c);
		ctx_cleanup(&c);
	}
	if (fflush(stdout) != 0 && rc == EXIT_OK)
		rc = EXIT_FAIL;
	otp_wipe(outbuf, sizeof(outbuf));
	return rc;
}
