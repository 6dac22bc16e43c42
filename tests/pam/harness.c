/* SPDX-License-Identifier: BSD-2-Clause */
#include "harness.h"
#include "conv.h"
#include "base32.h"
#include "hotp.h"
#include "seal.h"
#include "secmem.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <security/pam_appl.h>

struct h_env h;
const char *h_rhost = "192.0.2.7";

static void write_file(const char *path, const char *content, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void rm_rf(const char *path)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", path);
}

void h_global_setup(void)
{
	char path[256], content[512];

	h.module = getenv("PAM_OTP_MODULE");
	h.test_module = getenv("PAM_OTP_TEST_MODULE");
	h.helper = getenv("PAM_OTP_HELPER_MODULE");
	if (!h.module || !h.test_module || !h.helper) {
		fprintf(stderr, "PAM_OTP_MODULE, PAM_OTP_TEST_MODULE, PAM_OTP_HELPER_MODULE needed\n");
		exit(1);
	}
	/* As root the user gets its own uid, so ownership checks and privilege drops are real. */
	h.uid = geteuid() == 0 ? 1234 : geteuid();
	h.gid = geteuid() == 0 ? 1234 : getegid();
	snprintf(h.root, sizeof(h.root), "/tmp/pam_otp_test.XXXXXX");
	if (!mkdtemp(h.root) || chmod(h.root, 0755) != 0)
		exit(1);
	snprintf(h.home, sizeof(h.home), "%s/home", h.root);
	snprintf(h.otp, sizeof(h.otp), "%s/.otp", h.home);
	snprintf(h.confdir, sizeof(h.confdir), "%s/pam.d", h.root);
	snprintf(path, sizeof(path), "%s/passwd", h.root);
	snprintf(content, sizeof(content),
		 "root:x:0:0:root:/root:/bin/sh\n"
		 "%s:x:%u:%u:Test User:%s:/bin/sh\n"
		 "bob:x:4321:4321:Other User:/nonexistent:/bin/sh\n",
		 H_USER, (unsigned)h.uid, (unsigned)h.gid, h.home);
	write_file(path, content, 0644);
	setenv("NSS_WRAPPER_PASSWD", path, 1);
	snprintf(path, sizeof(path), "%s/group", h.root);
	snprintf(content, sizeof(content), "root:x:0:\nalice:x:%u:\nbob:x:4321:\n", (unsigned)h.gid);
	write_file(path, content, 0644);
	setenv("NSS_WRAPPER_GROUP", path, 1);
	unsetenv("PAM_OTP_TEST_NOW");
}

void h_global_teardown(void)
{
	rm_rf(h.root);
}

int h_reset(void **state)
{
	rm_rf(h.home);
	rm_rf(h.confdir);
	if (mkdir(h.home, 0700) != 0 || mkdir(h.confdir, 0755) != 0)
		return -1;
	if (geteuid() == 0 && chown(h.home, h.uid, h.gid) != 0)
		return -1;
	unsetenv("PAM_OTP_TEST_NOW");
	h_rhost = "192.0.2.7";
	/* Every test gets a deny-all "other" service so a typo fails loudly. */
	{
		char path[256];
		snprintf(path, sizeof(path), "%s/other", h.confdir);
		write_file(path, "auth required pam_deny.so\naccount required pam_deny.so\n", 0644);
	}
	return 0;
}

void h_service(const char *fmt, ...)
{
	char path[256], content[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(content, sizeof(content), fmt, ap);
	va_end(ap);
	strncat(content, "\n", sizeof(content) - strlen(content) - 1);
	snprintf(path, sizeof(path), "%s/%s", h.confdir, H_SERVICE);
	write_file(path, content, 0644);
}

void h_write_otp(const char *content, mode_t mode)
{
	unlink(h.otp);
	write_file(h.otp, content, mode);
	if (geteuid() == 0)
		assert_int_equal(chown(h.otp, h.uid, h.gid), 0);
}

void h_write_totp(const char *extra)
{
	char content[4096];

	snprintf(content, sizeof(content), "version 1\ntype totp\nsecret %s\n%s", H_SECRET,
		 extra ? extra : "");
	h_write_otp(content, 0600);
}

void h_read_record(struct otp_record *rec)
{
	struct otp_why err;
	char buf[OTP_FILE_MAX + 1];
	int fd = open(h.otp, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_true(n > 0);
	if (otp_record_parse(buf, (size_t)n, rec, &err) != 0)
		fail_msg("~/.otp does not parse: line %u: %s", err.line, err.text);
}

void h_write_totp_backup(unsigned n, char codes[][OTP_BACKUP_TEXT])
{
	struct otp_record rec;
	char *text = NULL;
	size_t len;

	h_write_totp(NULL);
	h_read_record(&rec);
	assert_int_equal(otp_backup_generate(&rec, n, 10, codes), 0);
	assert_int_equal(otp_record_format(&rec, &text, &len), 0);
	h_write_otp(text, 0600);
	otp_free_str(text);
	otp_record_clear(&rec);
}

void h_code(uint64_t counter, unsigned digits, char *out)
{
	uint8_t key[64];
	int len = otp_base32_decode(H_SECRET, strlen(H_SECRET), key, sizeof(key));

	assert_true(len > 0);
	assert_int_equal(otp_hotp(OTP_SHA1, key, (size_t)len, counter, digits, out), 0);
}

void h_totp(time_t t, char *out)
{
	h_code((uint64_t)(t / 30), 6, out);
}

void h_set_now(time_t t)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", (long long)t);
	setenv("PAM_OTP_TEST_NOW", num, 1);
}

/* The scripted side of tests/common/conv.c: answers in order, prompts and messages kept. */
static char *h_answer(void *ctx, int style, const char *prompt)
{
	struct h_conv *c = ctx;
	int k = c->prompts++;

	if (k >= H_MAX_TURNS || !c->answers[k])
		return NULL;
	c->prompt_styles[k] = style;
	snprintf(c->prompt_text[k], sizeof(c->prompt_text[k]), "%s", prompt);
	return tconv_dup(c->answers[k]);
}

static void h_show(void *ctx, int style, const char *text)
{
	struct h_conv *c = ctx;

	if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON &&
	    c->messages < H_MAX_TURNS)
		snprintf(c->message_text[c->messages++], sizeof(c->message_text[0]), "%s", text);
}

int h_auth(const char *user, struct h_conv *c, int flags)
{
	struct tconv t = { h_answer, h_show, c };
	struct pam_conv conv = TCONV_PAM(&t);
	pam_handle_t *pamh = NULL;
	int rc = pam_start_confdir(H_SERVICE, user, &conv, h.confdir, &pamh);

	assert_int_equal(rc, PAM_SUCCESS);
	if (h_rhost)
		pam_set_item(pamh, PAM_RHOST, h_rhost);
	rc = pam_authenticate(pamh, flags);
	pam_end(pamh, rc);
	return rc;
}

struct otp_hostkey *h_load_key(const char *path, int private_key)
{
	char pem[4096];
	struct otp_hostkey *k = NULL;
	int fd = open(path, O_RDONLY);
	ssize_t n = read(fd, pem, sizeof(pem));

	close(fd);
	assert_true(n > 0);
	assert_int_equal(otp_hostkey_from_pem(pem, (size_t)n, private_key, &k), 0);
	return k;
}

void h_write_sealed(const char *pubpath, const char *user, const char *path, const char *extra)
{
	struct otp_record rec;
	struct otp_hostkey *pub = h_load_key(pubpath, 0);
	char *text, buf[4096];
	size_t len;

	otp_record_init(&rec);
	rec.secret_len = (size_t)otp_base32_decode(H_SECRET, strlen(H_SECRET), rec.secret,
						   sizeof(rec.secret));
	assert_int_equal(otp_seal(pub, user, path, rec.secret, rec.secret_len, &rec.seal), 0);
	rec.sealed = true;
	assert_int_equal(otp_record_format(&rec, &text, &len), 0);
	assert_null(strstr(text, "secret "));
	snprintf(buf, sizeof(buf), "%s%s", text, extra ? extra : "");
	h_write_otp(buf, 0600);
	otp_free_str(text);
	otp_record_clear(&rec);
	otp_hostkey_free(pub);
}

int h_keydir_make(struct h_keydir *k, const char *name)
{
	if (geteuid() != 0)
		return 0;
	snprintf(k->dir, sizeof(k->dir), "/run/pam_otp_%s.XXXXXX", name);
	if (!mkdtemp(k->dir) || chmod(k->dir, 0755) != 0)
		return -1;
	snprintf(k->key, sizeof(k->key), "%s/pam_otp.key", k->dir);
	snprintf(k->pub, sizeof(k->pub), "%s/pam_otp.pub", k->dir);
	return 0;
}

int h_keydir_remove(const struct h_keydir *k)
{
	char cmd[128];

	if (geteuid() != 0 || !k->dir[0])
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", k->dir);
	return system(cmd) != 0 ? -1 : 0;
}
