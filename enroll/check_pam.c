/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Does each PAM service that matters (sshd, sudo, login, su) call pam_otp.so, and with a
 * control that makes its answer count? The service file is read as Linux-PAM reads it: its
 * "auth" lines in order, "@include FILE" and "auth include FILE" inlined, "auth substack
 * FILE" inlined as a stack of its own (its "done" and jumps stay inside it). Then:
 *   absent                       FAIL: the code is never asked for
 *   required, requisite, [... auth_err=bad|die ...]   ok
 *   sufficient, [success=done]   warn: a right code alone ends the stack with success
 *   optional, [auth_err=ignore]  warn: a wrong code does not stop the login
 *   an earlier "sufficient" module (but pam_rootok) or a success jump over pam_otp: warn,
 *   a password alone may log in.
 */
#include "check.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAM_DEPTH_MAX 8     /* include loops end here */
#define PAM_LINES_MAX 256

struct pam_line {
	char module[128];   /* the module's file name, without its directory */
	char control[160];
	char where[160];    /* file:line, for the verdict */
	unsigned sub;       /* 0: the service's own stack; else a substack's number */
	bool dash;          /* "-auth": a missing module is skipped silently */
};

struct stack {
	struct pam_line l[PAM_LINES_MAX];
	unsigned n, subs;
	bool truncated;
};

static const char *const services[] = { "sshd", "sudo", "login", "su" };

static void walk(const char *dir, const char *name, unsigned depth, unsigned sub,
		 struct stack *s);

/* The next word of *p (a [...] control is one word even with spaces inside). */
static char *word(char **p)
{
	char *w, *end;

	while (isspace((unsigned char)**p))
		(*p)++;
	if (!**p)
		return NULL;
	w = *p;
	if (*w == '[' && (end = strchr(w, ']')))
		end++;
	else
		for (end = w; *end && !isspace((unsigned char)*end); end++)
			;
	if (*end)
		*end++ = '\0';
	*p = end;
	return w;
}

static void add_line(struct stack *s, const char *ctl, const char *mod, bool dash,
		     const char *file, unsigned lineno, unsigned sub)
{
	const char *base = strrchr(mod, '/');
	struct pam_line *l;

	if (s->n == PAM_LINES_MAX) {
		s->truncated = true;
		return;
	}
	l = &s->l[s->n++];
	snprintf(l->module, sizeof(l->module), "%s", base ? base + 1 : mod);
	snprintf(l->control, sizeof(l->control), "%s", ctl);
	snprintf(l->where, sizeof(l->where), "%s:%u", file, lineno);
	l->sub = sub;
	l->dash = dash;
}

static void parse_line(const char *dir, const char *file, unsigned lineno, char *p,
		       unsigned depth, unsigned sub, struct stack *s)
{
	char *type = word(&p), *ctl, *mod;
	bool dash;

	if (!type)
		return;
	if (strcmp(type, "@include") == 0) {
		if ((mod = word(&p)))
			walk(dir, mod, depth + 1, sub, s);
		return;
	}
	dash = type[0] == '-';
	if (strcmp(type + dash, "auth") != 0 || !(ctl = word(&p)) || !(mod = word(&p)))
		return;
	if (strcmp(ctl, "include") == 0)
		walk(dir, mod, depth + 1, sub, s);
	else if (strcmp(ctl, "substack") == 0)
		walk(dir, mod, depth + 1, ++s->subs, s);
	else
		add_line(s, ctl, mod, dash, file, lineno, sub);
}

static void walk(const char *dir, const char *name, unsigned depth, unsigned sub,
		 struct stack *s)
{
	char path[4096], line[1024];
	unsigned lineno = 0;
	FILE *f;

	if (depth > PAM_DEPTH_MAX) {
		s->truncated = true;
		return;
	}
	snprintf(path, sizeof(path), "%s%s%s", name[0] == '/' ? "" : dir,
		 name[0] == '/' ? "" : "/", name);
	if (!(f = fopen(path, "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#');

		lineno++;
		if (hash)
			*hash = '\0';
		parse_line(dir, name, lineno, line, depth, sub, s);
	}
	fclose(f);
}

/* In a [value=action ...] control, the action for value (or default=, else "bad"). */
static void bracket_action(const char *ctl, const char *value, char *out, size_t sz)
{
	char buf[160], def[32] = "bad", *p, *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", ctl + 1);
	if ((p = strchr(buf, ']')))
		*p = '\0';
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			continue;
		*eq = '\0';
		if (strcmp(tok, value) == 0) {
			snprintf(out, sz, "%s", eq + 1);
			return;
		}
		if (strcmp(tok, "default") == 0)
			snprintf(def, sizeof(def), "%s", eq + 1);
	}
	snprintf(out, sz, "%s", def);
}

/* Does control let a success end the stack at once (sufficient, success=done)? */
static bool ends_on_success(const char *ctl)
{
	char a[32];

	if (ctl[0] != '[')
		return strcmp(ctl, "sufficient") == 0;
	bracket_action(ctl, "success", a, sizeof(a));
	return strcmp(a, "done") == 0;
}

/* How many lines a success of control jumps over (0: none). */
static unsigned success_jump(const char *ctl)
{
	char a[32];

	if (ctl[0] != '[')
		return 0;
	bracket_action(ctl, "success", a, sizeof(a));
	return (unsigned)strtoul(a, NULL, 10);
}

/* Does a failure of pam_otp (PAM_AUTH_ERR) still fail the stack? */
static bool failure_counts(const char *ctl)
{
	char a[32];

	if (ctl[0] != '[')
		return strcmp(ctl, "required") == 0 || strcmp(ctl, "requisite") == 0;
	bracket_action(ctl, "auth_err", a, sizeof(a));
	return strcmp(a, "bad") == 0 || strcmp(a, "die") == 0;
}

static void judge(struct doctor *d, const char *svc, const char *path, const struct stack *s)
{
	char name[32], fix[4400];
	unsigned otp = s->n;

	snprintf(name, sizeof(name), "pam-%s", svc);
	for (unsigned i = 0; i < s->n; i++)
		if (strcmp(s->l[i].module, "pam_otp.so") == 0) {
			otp = i;
			break;
		}
	if (otp == s->n) {
		snprintf(fix, sizeof(fix), "add 'auth required pam_otp.so' after '@include "
			 "common-auth' in %s (see pam_otp(8), STACKING)", path);
		report_add(&d->rp, name, V_FAIL, fix, "%s never calls pam_otp.so: no code is "
			   "asked for%s", path, s->truncated ? " (include depth or size limit hit)" :
			   "");
		return;
	}
	const struct pam_line *o = &s->l[otp];

	if (ends_on_success(o->control)) {
		report_add(&d->rp, name, V_WARN, "use 'required' for pam_otp.so",
			   "%s: pam_otp.so is '%s' (%s): a right code alone ends the stack with "
			   "success", path, o->control, o->where);
		return;
	}
	if (!failure_counts(o->control)) {
		report_add(&d->rp, name, V_WARN, "use 'required' for pam_otp.so",
			   "%s: pam_otp.so is '%s' (%s): a wrong code does not stop the login",
			   path, o->control, o->where);
		return;
	}
	if (o->dash) {
		report_add(&d->rp, name, V_WARN, "write 'auth', not '-auth', for pam_otp.so",
			   "%s: '-auth' at %s: if pam_otp.so is missing PAM skips it silently",
			   path, o->where);
		return;
	}
	/* Earlier lines of the same stack that can end it, or jump over pam_otp. */
	for (unsigned i = 0; i < otp; i++) {
		const struct pam_line *l = &s->l[i];

		if (l->sub != o->sub || strcmp(l->module, "pam_rootok.so") == 0)
			continue;
		if (ends_on_success(l->control) || i + success_jump(l->control) >= otp) {
			report_add(&d->rp, name, V_WARN, "make that module 'required' (or put "
				   "pam_otp.so before it)", "%s: a success of %s (%s, '%s') %s "
				   "pam_otp.so: that factor alone may log in", path, l->module,
				   l->where, l->control, ends_on_success(l->control) ? "ends the stack "
				   "before" : "jumps over");
			return;
		}
	}
	report_add(&d->rp, name, V_OK, NULL, "%s calls pam_otp.so as '%s' (%s)", path,
		   o->control, o->where);
}

void check_pam(struct doctor *d)
{
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		char path[4096];
		struct stack *s = calloc(1, sizeof(*s));
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", d->o->pam_dir, services[i]);
		if (!s) {
			report_add(&d->rp, "pam", V_FAIL, NULL, "out of memory");
			return;
		}
		if (!(f = fopen(path, "re"))) {
			char name[32];

			snprintf(name, sizeof(name), "pam-%s", services[i]);
			report_add(&d->rp, name, V_WARN, NULL, "no %s (%s not installed? PAM would "
				   "use 'other')", path, services[i]);
			free(s);
			continue;
		}
		fclose(f);
		walk(d->o->pam_dir, services[i], 0, 0, s);
		judge(d, services[i], path, s);
		free(s);
	}
}
