/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * otp-enroll --check: options, who is checked, and the order of the checks. See
 * otp-enroll(1), "THE DOCTOR". Root gets the system checks (configuration, host key, SMS
 * provider, PAM stacks, sshd) and, with --user, the user's; a user gets their own record,
 * the clock and the dry run of a code.
 */
#include "check.h"
#include "err.h"
#include "path.h"
#include "store_ldap.h"

#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { C_CHECK = 256, C_USER, C_CONF, C_FILE, C_PAMDIR, C_SSHD, C_JSON, C_NOCODE, C_HELP };

static const struct option check_long[] = {
	{ "check", no_argument, NULL, C_CHECK },
	{ "user", required_argument, NULL, C_USER },
	{ "conf", required_argument, NULL, C_CONF },
	{ "file", required_argument, NULL, C_FILE },
	{ "pam-dir", required_argument, NULL, C_PAMDIR },
	{ "sshd-config", required_argument, NULL, C_SSHD },
	{ "json", no_argument, NULL, C_JSON },
	{ "no-code", no_argument, NULL, C_NOCODE },
	{ "help", no_argument, NULL, C_HELP },
	{ NULL, 0, NULL, 0 },
};

bool check_requested(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--check") == 0)
			return true;
	return false;
}

static void check_usage(FILE *out)
{
	fprintf(out,
"Usage: otp-enroll --check [--user=NAME] [--json] [--no-code] [OPTION]...\n"
"Find what stops pam_otp from accepting codes, and say how to fix it.\n"
"As a user: your file (owner, mode, links, as the module opens it), the clock,\n"
"and, if you type a current code, how many steps off your device is (a dry run:\n"
"nothing is written, at most 3 tries in 5 minutes).\n"
"As root: %s, the host key, the SMS provider settings,\n"
"the PAM stacks of sshd, sudo, login and su, sshd -T, the directory (store=ldap);\n"
"with --user=NAME also that user's record.\n"
"\n"
"      --user=NAME         (root) check NAME's record too\n"
"      --conf=FILE         check FILE instead of %s\n"
"      --file=PATH         the record is PATH (as for enrolling)\n"
"      --pam-dir=DIR       PAM service files in DIR (default /etc/pam.d)\n"
"      --sshd-config=FILE  check 'sshd -T -f FILE' instead of 'sshd -T'\n"
"      --json              a JSON array of {check, status, detail, fix}\n"
"      --no-code           do not ask for a code\n"
"\n"
"Exit status: 0 nothing failed (warnings allowed); 1 a check failed; 2 usage.\n",
		OTP_DEFAULT_CONF, OTP_DEFAULT_CONF);
}

static int check_bad(const char *what, const char *arg)
{
	fprintf(stderr, "otp-enroll: %s%s\nTry 'otp-enroll --check --help'.\n", what,
		arg ? arg : "");
	return EXIT_USAGE;
}

static int parse(int argc, char **argv, struct check_opts *o)
{
	int opt;

	memset(o, 0, sizeof(*o));
	o->pam_dir = "/etc/pam.d";
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", check_long, NULL)) != -1) {
		switch (opt) {
		case C_CHECK: break;
		case C_USER: o->user = optarg; break;
		case C_CONF: o->conf = optarg; break;
		case C_FILE: o->file = optarg; break;
		case C_PAMDIR: o->pam_dir = optarg; break;
		case C_SSHD: o->sshd_config = optarg; break;
		case C_JSON: o->json = true; break;
		case C_NOCODE: o->no_code = true; break;
		case 'h':
		case C_HELP: check_usage(stdout); exit(EXIT_OK);
		default:
			return check_bad("--check does not go with ", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return check_bad("unexpected argument ", argv[optind]);
	if (o->user && (getuid() != 0 || geteuid() != 0))
		return check_bad("--check --user is for root alone: a user checks their own with "
				 "'otp-enroll --check'", NULL);
	if (o->user && !otp_user_name_ok(o->user))
		return check_bad("--user: not a valid user name: ", o->user);
	return EXIT_OK;
}

/* The groups the user's file-system identity gets (as the module's pam_modutil_drop_priv). */
static int groups_of(struct ctx *c)
{
	int n = 64;

	for (int tries = 0; tries < 4; tries++) {
		int want = n;

		free(c->ugroups);
		if (!(c->ugroups = calloc((size_t)n, sizeof(gid_t))))
			return -1;
		if (getgrouplist(c->user, c->gid, c->ugroups, &want) >= 0) {
			c->nugroups = want;
			break;
		}
		n = want > n ? want : n * 2;
	}
	if (c->nugroups == 0)
		return -1;
	n = getgroups(0, NULL);
	if (n < 0 || !(c->cgroups = calloc((size_t)n + 1, sizeof(gid_t))))
		return -1;
	c->ncgroups = getgroups(n, c->cgroups);
	return c->ncgroups < 0 ? -1 : 0;
}

/* Who is checked and where the record is, as identity.c decides it for enrolling. */
static void find_user(struct doctor *d)
{
	struct ctx *c = &d->c;
	struct passwd *pw = d->o->user ? getpwnam(d->o->user) : getpwuid(getuid());
	const char *tmpl;

	if (!pw || !pw->pw_dir || pw->pw_dir[0] != '/') {
		report_add(&d->rp, "user", V_FAIL, d->o->user ? "check the name" : NULL,
			   "%s%s is not in the user database, or has no home directory",
			   d->o->user ? "user " : "the account of uid ",
			   d->o->user ? d->o->user : "the caller");
		return;
	}
	c->user = strdup(pw->pw_name);
	c->home = strdup(pw->pw_dir);
	c->uid = pw->pw_uid;
	c->gid = pw->pw_gid;
	if (!c->user || !c->home) {
		report_add(&d->rp, "user", V_FAIL, NULL, "out of memory");
		return;
	}
	tmpl = d->o->file ? d->o->file : otp_cfg_str(c->cfg.file, OTP_DEFAULT_FILE);
	if (otp_path_expand(tmpl, c->user, c->home, c->uid, c->path, sizeof(c->path)) != OTP_OK) {
		report_add(&d->rp, "user", V_FAIL, "file= must expand to an absolute path (~ %u %h %U)",
			   "file template %s gives no absolute path for %s", tmpl, c->user);
		return;
	}
	c->admin_path = !d->o->file && !otp_path_in_home(tmpl);
	c->can_switch = d->root && c->uid != 0 && !c->admin_path;
	if (c->can_switch && groups_of(c) != 0) {
		report_add(&d->rp, "user", V_FAIL, NULL, "cannot read the group list of %s", c->user);
		return;
	}
	d->have_user = true;
}

int check_main(int argc, char **argv)
{
	static struct options none; /* identity.c's helpers need one; no field is read */
	struct check_opts o;
	struct doctor d;
	struct otp_record rec;
	bool have_rec = false;
	int rc = parse(argc, argv, &o);

	if (rc != EXIT_OK)
		return rc;
	memset(&d, 0, sizeof(d));
	d.o = &o;
	d.c.o = &none;
	d.root = geteuid() == 0;
	otp_cfg_init(&d.c.cfg);
	otp_record_init(&rec);
	check_conf(&d);
	if (d.root) {
		check_hostkey(&d);
		check_sms(&d);
		check_pam(&d);
		check_sshd(&d);
	}
	if (!d.root || o.user)
		find_user(&d);
	else if (d.c.cfg.store == OTP_STORE_LDAP)
		report_add(&d.rp, "directory", V_WARN, "otp-enroll --check --user=NAME",
			   "store=ldap: name a user to check the directory and their entry");
	if (d.have_user) {
		if (d.c.cfg.store == OTP_STORE_LDAP)
			have_rec = check_ldap(&d, &rec);
		else
			have_rec = check_record(&d, &rec);
	}
	check_clock(&d);
	if (have_rec)
		check_code(&d, &rec);
	otp_record_clear(&rec);
	report_print(&d.rp, o.json);
	rc = d.rp.failed ? EXIT_FAIL : EXIT_OK;
	report_free(&d.rp);
	ctx_cleanup(&d.c);
	return rc;
}
