/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The doctor's dry run: the user types a code from their device and learns how many TOTP
 * steps off it is (or how far ahead of the HOTP counter). Nothing of the record changes:
 * it is not locked, not written, no replay guard moves, no counter advances, no failure is
 * counted. The module's verify path is not used for that reason: the codes are computed
 * here from the record in memory and compared in constant time.
 *
 * A dry run compares one answer with 41 codes (steps -20..+20, or counter..counter+40), so
 * it must not become a guessing oracle beside the module's lockout: it refuses while the
 * record is locked out, and allows CHECK_MAX runs per CHECK_PERIOD seconds, counted in a
 * state file next to the record ("<record>:check"; no user name has a ':', so it can never
 * be another user's record), written with the record's owner and rules under a lock, with
 * the slot taken before the code is compared. For a home file the user can delete that
 * state; that gives them nothing: the dry run only runs where the caller can read the
 * secret already (a plain secret in their own file, or root). A sealed secret is tried
 * only by root, and for an admin-path file the state is root's. See otp-enroll(1).
 */
#include "check.h"
#include "err.h"
#include "hotp.h"
#include "numparse.h"
#include "seal.h"
#include "secmem.h"
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK_MAX 3          /* dry runs ... */
#define CHECK_PERIOD 300     /* ... per this many seconds */
#define CHECK_SPAN 20        /* TOTP steps either side; HOTP: 2 * CHECK_SPAN ahead */
#define CHECK_STATE_MAX 1024
#define CHECK_LOCK_MS 2000

/* The times of the recent dry runs in a state file's text (newest kept, old ones dropped). */
static unsigned recent(const char *text, time_t now, int64_t *t, unsigned cap)
{
	unsigned n = 0;

	for (const char *p = text; p && *p && n < cap; p = strchr(p, '\n'), p = p ? p + 1 : 0) {
		char num[24];
		int64_t v;

		if (strncmp(p, "dryrun ", 7) != 0)
			continue;
		snprintf(num, sizeof(num), "%.*s", (int)strcspn(p + 7, "\n"), p + 7);
		/* A future time counts as now: setting the clock back buys no extra runs. */
		if (otp_parse_i64(num, INT64_MAX, 0, &v) == OTP_OK && v > now - CHECK_PERIOD)
			t[n++] = v > now ? now : v;
	}
	return n;
}

static int64_t wait_for(const int64_t *t, unsigned n, time_t now)
{
	int64_t oldest = now;

	for (unsigned i = 0; i < n; i++)
		if (t[i] < oldest)
			oldest = t[i];
	return oldest + CHECK_PERIOD - now;
}

struct limiter {
	struct otp_file f;
	bool open;
};

/* Open the state file's directory with the record's identity and rules. */
static int limiter_open(struct doctor *d, struct limiter *l)
{
	char path[sizeof(d->c.path) + 8];

	if ((size_t)snprintf(path, sizeof(path), "%s:check", d->c.path) >= sizeof(path))
		return OTP_E_TOOBIG;
	if (ident_user(&d->c) != 0)
		return OTP_E_IO;
	l->open = true;
	return otp_file_open(&l->f, path, d->c.admin_path ? 0 : d->c.uid, d->c.admin_path,
			     CHECK_STATE_MAX);
}

static void limiter_close(struct doctor *d, struct limiter *l)
{
	if (l->open)
		otp_file_close(&l->f);
	l->open = false;
	ident_caller(&d->c);
}

/*
 * take: record a run now if one is allowed. *wait: seconds until the next is allowed (0:
 * allowed). OTP_OK, or an error (why in l->f.why) that refuses the dry run: fail closed.
 */
static int limiter_use(struct limiter *l, bool take, const struct ctx *c, int64_t *wait)
{
	time_t now = time(NULL);
	int64_t t[CHECK_MAX + 1];
	struct otp_locked lk;
	char *text = NULL, out[CHECK_STATE_MAX];
	size_t len = 0, used = 0;
	unsigned n;
	int rc;

	*wait = 0;
	for (int tries = 0; tries < 3; tries++) {
		if (!otp_file_exists(&l->f)) {
			if (!take)
				return OTP_OK;
			snprintf(out, sizeof(out), "# otp-enroll --check dry runs\ndryrun %lld\n",
				 (long long)now);
			/* An admin path's state is root's, as its record: its user cannot reset it. */
			rc = otp_file_create(&l->f, out, strlen(out), c->admin_path ? 0 : c->uid,
					     c->admin_path ? 0 : c->gid);
			if (rc != OTP_E_EXISTS)
				return rc;
			continue; /* another run created it: count under its lock */
		}
		if ((rc = otp_file_lock(&l->f, CHECK_LOCK_MS, &lk)) != OTP_OK)
			return rc;
		if ((rc = otp_locked_read(&l->f, &lk, &text, &len)) == OTP_OK) {
			n = recent(text, now, t, CHECK_MAX);
			if (n >= CHECK_MAX)
				*wait = wait_for(t, n, now);
			else if (take) {
				used = (size_t)snprintf(out, sizeof(out), "# otp-enroll --check dry "
							"runs\n");
				for (unsigned i = 0; i < n; i++)
					used += (size_t)snprintf(out + used, sizeof(out) - used,
								 "dryrun %lld\n", (long long)t[i]);
				used += (size_t)snprintf(out + used, sizeof(out) - used,
							 "dryrun %lld\n", (long long)now);
				rc = otp_file_replace(&l->f, &lk, out, used);
			}
			otp_secret_free(text);
		}
		otp_file_unlock(&lk);
		return rc;
	}
	return otp_why_set(&l->f.why, OTP_E_LOCK, "%s/%s keeps changing", l->f.dir, l->f.name);
}

/* Check the rate limit (take: and use one run) with the record's identity. */
static bool rate_ok(struct doctor *d, bool take)
{
	struct limiter l = { .open = false };
	int64_t wait = 0;
	int rc = limiter_open(d, &l);

	if (rc == OTP_OK)
		rc = limiter_use(&l, take, &d->c, &wait);
	if (rc != OTP_OK)
		report_add(&d->rp, "code", V_WARN, "see the message; the limit's state must be "
			   "writable next to the record", "code not checked: the dry-run limit "
			   "cannot be kept: %s", l.open ? otp_why_text(&l.f.why, rc) : otp_strerror(rc));
	else if (wait > 0)
		report_add(&d->rp, "code", V_WARN, NULL, "code not checked: %d dry runs in %d "
			   "minutes is the limit (the doctor must not be a guessing oracle); try "
			   "again in %lld seconds", CHECK_MAX, CHECK_PERIOD / 60, (long long)wait);
	limiter_close(d, &l);
	return rc == OTP_OK && wait == 0;
}

/*
 * Open a sealed secret as the module would (root only: the private host key is root's).
 * false after a verdict when it cannot be used.
 */
static bool open_secret(struct doctor *d, struct otp_record *rec)
{
	const struct otp_cfg *g = &d->c.cfg;
	char priv[4096], pub[4096], old[4200];
	struct otp_hostkey *keys[2] = { NULL, NULL };
	const struct otp_hostkey *key;
	struct otp_why why;
	unsigned n = 0;
	bool ok = false;

	if (!rec->sealed) {
		if (g->seal == OTP_SEAL_REQUIRED) {
			report_add(&d->rp, "secret", V_FAIL, "otp-enroll --rotate seals a new one",
				   "%s holds a plain secret and seal=required: the module refuses it",
				   d->c.path);
			return false;
		}
		return true;
	}
	if (g->seal == OTP_SEAL_OFF) {
		report_add(&d->rp, "secret", V_FAIL, "set seal=optional, or re-enroll",
			   "%s holds a sealed secret but seal=off: the module refuses it", d->c.path);
		return false;
	}
	if (!d->root) {
		report_add(&d->rp, "secret", V_OK, NULL, "sealed to the host key: only root can "
			   "try a code (sudo otp-enroll --check --user=%s)", d->c.user);
		return false;
	}
	host_key_paths(&d->c, priv, pub, sizeof(priv));
	snprintf(old, sizeof(old), "%s.old", priv);
	if (otp_hostkey_load(priv, 1, &keys[n], &why) == OTP_OK)
		n++;
	if (otp_hostkey_load(old, 1, &keys[n], &why) == OTP_OK)
		n++;
	key = otp_hostkey_find(keys, n, rec->seal.keyid);
	if (!key)
		report_add(&d->rp, "secret", V_FAIL, "otp-enroll --user=NAME --rotate",
			   "%s is sealed to a host key that is not available", d->c.path);
	else if (otp_unseal(key, d->c.user, d->c.path, &rec->seal, rec->secret,
			    &rec->secret_len) != OTP_OK)
		report_add(&d->rp, "secret", V_FAIL, "otp-enroll --user=NAME --rotate",
			   "the sealed secret in %s does not open: tampered with, or sealed for "
			   "another user or path", d->c.path);
	else
		ok = true;
	for (unsigned i = 0; i < n; i++)
		otp_hostkey_free(keys[i]);
	return ok;
}

/*
 * The offset of input among the codes around now (TOTP: -CHECK_SPAN..CHECK_SPAN steps) or
 * ahead of the counter (HOTP: 0..2*CHECK_SPAN). Every candidate is computed and compared,
 * in constant time; the match nearest zero wins. false: no match.
 */
static bool find_offset(const struct otp_record *rec, const char *input, time_t now,
			int64_t *offset)
{
	char code[OTP_CODE_BUFSZ];
	bool found = false;
	int64_t base = rec->type == OTP_TOTP ? otp_totp_step(now, rec->period) : 0;
	int lo = rec->type == OTP_TOTP ? -CHECK_SPAN : 0;
	int hi = rec->type == OTP_TOTP ? CHECK_SPAN : 2 * CHECK_SPAN;

	if (strlen(input) != rec->digits || (rec->type == OTP_TOTP && base < CHECK_SPAN))
		return false;
	for (int k = lo; k <= hi; k++) {
		uint64_t ctr = rec->type == OTP_TOTP ? (uint64_t)(base + k) : rec->counter + (uint64_t)k;
		bool eq;

		if (otp_hotp(rec->alg, rec->secret, rec->secret_len, ctr, rec->digits, code) != OTP_OK)
			continue;
		eq = otp_ct_equal(code, input, rec->digits);
		if (eq && (!found || llabs(k) < llabs(*offset))) {
			*offset = k;
			found = true;
		}
	}
	otp_wipe(code, sizeof(code));
	return found;
}

static void judge_totp(struct doctor *d, const struct otp_record *rec, int64_t k, time_t now,
		       const char *dev)
{
	unsigned w = d->c.cfg.policy.window, maxd = d->c.cfg.policy.max_drift;
	int64_t step = otp_totp_step(now, rec->period) + k;
	/* The module also checks the window around the device's tracked drift (verify.c). */
	int64_t drift = maxd > OTP_DRIFT_MAX ? 0 : rec->drift > (int)maxd ? (int)maxd :
			rec->drift < -(int)maxd ? -(int)maxd : rec->drift;

	if (rec->window >= 0 && (unsigned)rec->window < w)
		w = (unsigned)rec->window;
	if ((uint64_t)llabs(k) > w && (uint64_t)llabs(k - drift) > w)
		report_add(&d->rp, "code", V_FAIL, "set the device's time to automatic (network "
			   "time), and check this host's clock",
			   "%syour code is from %lld step%s %s (%lld seconds); the module accepts %u "
			   "step%s either side", dev, (long long)llabs(k), llabs(k) == 1 ? "" : "s",
			   k > 0 ? "ahead" : "behind", (long long)(llabs(k) * rec->period), w,
			   w == 1 ? "" : "s");
	else if (step <= rec->last_step)
		report_add(&d->rp, "code", V_WARN, "wait for the next code",
			   "%sthe code is right (offset %+lld) but was already used: the module "
			   "refuses a code twice", dev, (long long)k);
	else
		report_add(&d->rp, "code", V_OK, NULL, "%sthe code matches %s (offset %+lld step%s, "
			   "window %u): the module would accept it", dev, k ? "a nearby step" : "now",
			   (long long)k, llabs(k) == 1 ? "" : "s", w);
}

static void judge_hotp(struct doctor *d, const struct otp_record *rec, int64_t k, const char *dev)
{
	const struct otp_policy *p = &d->c.cfg.policy;

	if ((uint64_t)k < p->hotp_window)
		report_add(&d->rp, "code", V_OK, NULL, "%sthe code is %lld ahead of the counter "
			   "(%llu): the module would accept it", dev, (long long)k,
			   (unsigned long long)rec->counter);
	else if ((uint64_t)k < p->hotp_resync)
		report_add(&d->rp, "code", V_WARN, "log in with this code, then the next one",
			   "%sthe code is %lld ahead of the counter, past hotp_window=%u: the module "
			   "asks for the next code to resync", dev, (long long)k, p->hotp_window);
	else
		report_add(&d->rp, "code", V_FAIL, "otp-enroll --rotate", "%sthe code is %lld ahead "
			   "of the counter, past hotp_resync=%u", dev, (long long)k, p->hotp_resync);
}

/* Can every authenticator's secret be used here (opened, if sealed)? */
static bool open_all(struct doctor *d, struct otp_record *rec)
{
	bool ok = true;

	for (unsigned i = 0; i < otp_device_count(rec) && ok; i++) {
		otp_device_swap(rec, i);
		ok = open_secret(d, rec);
		otp_device_swap(rec, i);
	}
	return ok;
}

/*
 * Every authenticator is tried, as the module tries them all (with N of them a dry run
 * compares N * 41 codes: the limit is per record, as the lockout is per user). The match
 * nearest zero wins; its device is swapped in for the verdict, and swapped back.
 */
static void compare(struct doctor *d, struct otp_record *rec, const char *input)
{
	time_t now = time(NULL);
	unsigned n = otp_device_count(rec), best = 0;
	int64_t k = 0, bestk = 0;
	bool found = false;
	char dev[OTP_DEVICE_NAME_MAX + 16] = "";

	for (unsigned i = 0; i < n; i++) {
		otp_device_swap(rec, i);
		if (find_offset(rec, input, now, &k) && (!found || llabs(k) < llabs(bestk))) {
			found = true;
			best = i;
			bestk = k;
		}
		otp_device_swap(rec, i);
	}
	if (!found) {
		report_add(&d->rp, "code", V_FAIL, "check the account in the app (the issuer "
			   "and user shown by otp-enroll --status), the device's time, or "
			   "enroll again (otp-enroll --rotate)", "the code matches no step within "
			   "20 either side of now (TOTP) or counter up to 40 ahead (HOTP)%s",
			   n > 1 ? " of any device" : "");
		return;
	}
	if (n > 1)
		snprintf(dev, sizeof(dev), "device %s: ", otp_device_name(rec, best));
	otp_device_swap(rec, best);
	if (rec->type == OTP_TOTP)
		judge_totp(d, rec, bestk, now, dev);
	else
		judge_hotp(d, rec, bestk, dev);
	otp_device_swap(rec, best);
}

void check_code(struct doctor *d, struct otp_record *rec)
{
	char input[64];
	int rc; /* prompt_code: the length typed, or < 0 */

	if (otp_record_sms_only(rec) || !open_all(d, rec) || d->o->no_code)
		return;
	if (otp_lockout_remaining(rec, time(NULL)) > 0) {
		report_add(&d->rp, "code", V_WARN, NULL, "code not checked while %s is locked "
			   "out", d->c.user);
		return;
	}
	if (!rate_ok(d, false))
		return;
	rc = prompt_code("Type a current code from your device to see how far off it is "
			 "(Enter skips): ", input, sizeof(input));
	/* Spaces are allowed, as the app groups the digits ("123 456"). */
	if (rc > 0) {
		size_t j = 0;

		for (size_t i = 0; input[i]; i++)
			if (input[i] != ' ')
				input[j++] = input[i];
		input[j] = '\0';
	}
	if (rc <= 0 || !input[0])
		report_add(&d->rp, "code", V_OK, NULL, "no code typed: not checked");
	else if (rate_ok(d, true)) /* the slot is taken first: a killed run still counts */
		compare(d, rec, input);
	otp_wipe(input, sizeof(input));
}
