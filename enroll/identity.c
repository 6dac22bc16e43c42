/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Who is being enrolled, where their file is, and the file-system identity used to touch it.
 *
 * otp-enroll is never setuid: it runs as the user and writes their file with their own
 * rights. $HOME is not trusted (sudo keeps it): the account comes from getpwuid(getuid()),
 * or from getpwnam(--user) when root enrolls someone. Root then switches only the
 * file-system identity (setfsuid/setfsgid plus the user's groups), as pam_otp does, so a
 * user-controlled home is never written with root's rights, while image files that root
 * named (--qr-png) are still written as root.
 */
#include "enroll.h"
#include "err.h"
#include "path.h"
#include "store_ldap.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <unistd.h>

static void log_stderr(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "otp-enroll: %s%s\n", prio <= LOG_ERR ? "" : "warning: ", msg);
}

static int load_conf_file(struct ctx *c);

/* --store=, --ldap-uri= ...: the conf's keys, given on the command line. */
static int apply_flags(struct ctx *c)
{
	struct otp_why why = { 0 };

	for (unsigned i = 0; i < c->o->nsettings; i++) {
		const char *key = c->o->settings[i][0], *value = c->o->settings[i][1];

		if (otp_cfg_set(&c->cfg, key, value, &why) != OTP_OK) {
			say("--%s=%s: %s", key, value, why.text[0] ? why.text : "invalid value");
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

static int load_config(struct ctx *c)
{
	int rc = load_conf_file(c);

	return rc == EXIT_OK ? apply_flags(c) : rc;
}

static int load_conf_file(struct ctx *c)
{
	const struct otp_log log = { log_stderr, NULL };
	const char *conf = c->o->conf ? c->o->conf : OTP_DEFAULT_CONF;
	int rc;

	otp_cfg_init(&c->cfg);
	/* A conf holding SMS credentials is root-only (the module insists): a user's enrollment
	 * then goes on with the defaults, sealing still follows the public key file. */
	if (!c->o->conf && access(conf, R_OK) != 0 && errno == EACCES) {
		if (!c->o->quiet)
			fprintf(stderr, "otp-enroll: note: %s is readable by root only (it holds "
				"credentials); using %s\n", conf, c->o->nsettings ?
				"the settings given as options, and defaults for the rest" :
				"the defaults (file ~/.otp, issuer = host name)");
		return EXIT_OK;
	}
	rc = otp_cfg_load(&c->cfg, conf, &log);
	if (rc == OTP_E_NOENT && !c->o->conf)
		return EXIT_OK; /* no conf file: the module uses built-in defaults too */
	if (rc == OTP_E_NOENT) {
		say("%s does not exist", conf);
		return EXIT_USAGE;
	}
	if (rc != OTP_OK) {
		say("cannot use %s (see above)", conf);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* The groups of name, allocated in *out. */
static int user_groups(const char *name, gid_t gid, gid_t **out, int *n)
{
	int cap = 32;

	for (int tries = 0; tries < 4; tries++) {
		gid_t *g = calloc((size_t)cap, sizeof(*g));
		int want = cap;

		if (!g)
			return -1;
		if (getgrouplist(name, gid, g, &want) >= 0) {
			*out = g;
			*n = want;
			return 0;
		}
		free(g);
		cap = want > cap ? want : cap * 2;
	}
	return -1;
}

static int caller_groups(gid_t **out, int *n)
{
	int count = getgroups(0, NULL);

	if (count < 0)
		return -1;
	*out = calloc((size_t)count + 1, sizeof(**out));
	if (!*out)
		return -1;
	*n = getgroups(count, *out);
	return *n < 0 ? -1 : 0;
}

static int find_user(struct ctx *c)
{
	const struct options *o = c->o;
	struct passwd *pw;

	errno = 0;
	pw = o->user ? getpwnam(o->user) : getpwuid(getuid());
	if (!pw) {
		if (o->user) {
			say("--user: no such user: %s", o->user);
			return EXIT_USAGE;
		}
		say("cannot find the account of uid %u in the user database%s%s",
		    (unsigned)getuid(), errno ? ": " : "", errno ? strerror(errno) : "");
		return EXIT_FAIL;
	}
	if (!otp_user_name_ok(pw->pw_name)) {
		say("user name '%s' has characters pam_otp does not accept", pw->pw_name);
		return EXIT_FAIL;
	}
	if (!pw->pw_dir || pw->pw_dir[0] != '/') {
		say("user %s has no home directory in the user database", pw->pw_name);
		return EXIT_FAIL;
	}
	c->user = strdup(pw->pw_name);
	c->home = strdup(pw->pw_dir);
	c->uid = pw->pw_uid;
	c->gid = pw->pw_gid;
	if (!c->user || !c->home) {
		say("out of memory");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int find_path(struct ctx *c)
{
	const char *tmpl = c->o->file ? c->o->file : c->cfg.file ? c->cfg.file : OTP_DEFAULT_FILE;
	int rc = otp_path_expand(tmpl, c->user, c->home, c->uid, c->path, sizeof(c->path));

	if (rc != OTP_OK) {
		say("%s%s does not give an absolute path for user %s (templates: ~ %%u %%h %%U %%%%)",
		    c->o->file ? "--file=" : "file=", tmpl, c->user);
		return c->o->file ? EXIT_USAGE : EXIT_FAIL;
	}
	/* Only the admin's file= can name a root-owned store; --file is always written with
	 * the user's rights, so it needs no root-owned directory walk. */
	c->admin_path = !c->o->file && !otp_path_in_home(tmpl);
	if (c->admin_path && geteuid() != 0) {
		say("pam_otp.conf keeps second-factor files in an administrator's directory (%s):"
		    " only root can enroll there; ask an administrator to run"
		    " 'otp-enroll --user=%s'", c->path, c->user);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* The directory (store=ldap) instead of a file; --migrate reads the files it moves. */
static bool uses_directory(const struct ctx *c)
{
	return c->cfg.store == OTP_STORE_LDAP && c->o->action != ACT_MIGRATE;
}

int ctx_setup(struct ctx *c, const struct options *o)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->o = o;
	otp_cfg_init(&c->cfg);
	if (gethostname(c->host, sizeof(c->host) - 1) != 0 || !c->host[0])
		strcpy(c->host, "localhost");
	if ((rc = load_config(c)) != EXIT_OK || (rc = find_user(c)) != EXIT_OK)
		return rc;
	if ((c->ldap = uses_directory(c)))
		return EXIT_OK; /* no file, no identity switch: the directory's ACL decides */
	if ((rc = find_path(c)) != EXIT_OK)
		return rc;
	/* Root acting for another user on a home file: become them for file access. */
	c->can_switch = o->user && c->uid != geteuid() && !c->admin_path;
	if (c->can_switch) {
		if (user_groups(c->user, c->gid, &c->ugroups, &c->nugroups) != 0 ||
		    caller_groups(&c->cgroups, &c->ncgroups) != 0) {
			say("cannot read the group list of %s", c->user);
			return EXIT_FAIL;
		}
		if (ident_user(c) != 0)
			return EXIT_FAIL;
	}
	return EXIT_OK;
}

void ctx_cleanup(struct ctx *c)
{
	if (c->file_open)
		otp_file_close(&c->file);
	c->file_open = false;
	if (c->ldap)
		otp_store_ldap_close(&c->store);
	ident_caller(c);
	otp_cfg_free(&c->cfg);
	free(c->user);
	free(c->home);
	free(c->ugroups);
	free(c->cgroups);
	c->user = c->home = NULL;
	c->ugroups = c->cgroups = NULL;
}

/* setfsuid reports the previous value, not an error: ask again to know it took. */
static bool set_fs_ids(uid_t uid, gid_t gid)
{
	setfsgid(gid);
	if ((gid_t)setfsgid((gid_t)-1) != gid)
		return false;
	setfsuid(uid);
	return (uid_t)setfsuid((uid_t)-1) == uid;
}

int ident_user(struct ctx *c)
{
	if (!c->can_switch || c->switched)
		return 0;
	if (setgroups((size_t)c->nugroups, c->ugroups) != 0 || !set_fs_ids(c->uid, c->gid)) {
		say("cannot switch to the file-system identity of %s: %s", c->user,
		    strerror(errno));
		return -1;
	}
	c->switched = true;
	return 0;
}

int ident_caller(struct ctx *c)
{
	if (!c->switched)
		return 0;
	/* The uid first: with fsuid 0 again, the file capabilities come back. */
	setfsuid(geteuid());
	if ((uid_t)setfsuid((uid_t)-1) != geteuid() ||
	    (setfsgid(getegid()), (gid_t)setfsgid((gid_t)-1) != getegid()) ||
	    setgroups((size_t)c->ncgroups, c->cgroups) != 0) {
		/* Never carry on with a mixed identity. */
		say("cannot switch back to the caller's identity: %s", strerror(errno));
		exit(EXIT_FAIL);
	}
	c->switched = false;
	return 0;
}

const char *file_why(const struct ctx *c, int rc)
{
	if (c->store.why)
		return otp_why_text(c->store.why, rc);
	return c->file_open ? otp_why_text(&c->file.why, rc) : otp_strerror(rc);
}

int target_open(struct ctx *c)
{
	int rc;

	if (c->ldap)
		return directory_open(c);
	if (c->file_open)
		return EXIT_OK;
	rc = otp_file_open(&c->file, c->path, c->uid, c->admin_path, OTP_FILE_MAX);
	c->file_open = true;
	otp_store_file(&c->store, &c->file);
	/* As the module: an admin path's file must be root's unless admin_file_user_owned. */
	if (c->admin_path && !c->cfg.admin_file_user_owned)
		c->file.owner = 0;
	if (rc == OTP_OK)
		return EXIT_OK;
	if (rc == OTP_E_NODIR && strncmp(c->path, c->home, strlen(c->home)) == 0 &&
	    access(c->home, F_OK) != 0)
		say("home directory %s of %s does not exist", c->home, c->user);
	else
		say("%s", file_why(c, rc));
	return EXIT_FAIL;
}

int record_exists(struct ctx *c, bool *exists)
{
	if (c->ldap)
		return directory_exists(c, exists);
	*exists = otp_file_exists(&c->file);
	return EXIT_OK;
}

int target_writable(struct ctx *c)
{
	if (c->ldap)
		return EXIT_OK; /* the directory's ACL decides, when the record is written */
	/* AT_EACCESS: the check uses the file-system identity, i.e. the user's. */
	if (faccessat(c->file.dirfd, ".", W_OK | X_OK, AT_EACCESS) == 0)
		return EXIT_OK;
	say("cannot write to %s: %s", c->file.dir, strerror(errno));
	return EXIT_FAIL;
}
