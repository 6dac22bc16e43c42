/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * No secret leaves the module by a side channel. Syslog (every line, debug on) is read from
 * a private /dev/log; the SMS sender's argv and environment are read from /proc while it
 * runs (a stand-in sender, and the real pam_otp_sms talking to a local provider mock); the
 * PAM environment, the process environment and everything the conversation shows are kept
 * too. Through TOTP success and a wrong code (with forward_pass), a backup code, SMS with a
 * provider credential in the conf (also a provider error that echoes the code and the
 * credential back) and a sealed secret, none of it may contain the key (base32, hex,
 * base64), a code, a backup code, the SMS code, the password or the provider credential.
 * Needs root (mount namespace); skipped otherwise.
 */
#include "harness.h"
#include "backup.h"
#include "base32.h"
#include "capture.h"
#include "conv.h"
#include "mock_provider.h"
#include "seal.h"

#include <ctype.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <security/pam_appl.h>

#define PHONE "+15551234567"
#define SID "ACsecretstest0123456789abcdef0123"
#define TOKEN "tok5ecretAuthT0ken9f8e7d6c5b4a"
#define PASSWORD "Tr0ub4dor&3-horse"

extern char **environ;

static char conf[256], standin[256];

struct conv {
	const char *answers[4];
	int asked;
	char shown[2048];
};

static char *answer(void *ctx, int style, const char *prompt)
{
	struct conv *c = ctx;

	return c->asked < 4 ? tconv_dup(c->answers[c->asked++]) : NULL;
}

/* Everything the conversation shows, prompts too, one a line. */
static void show(void *ctx, int style, const char *text)
{
	struct conv *c = ctx;
	size_t used = strlen(c->shown);

	snprintf(c->shown + used, sizeof(c->shown) - used, "%s\n", text);
}

static void observe_str(const char *where, const char *s)
{
	cap_observe(where, s, strlen(s));
}

/* A NULL-terminated list of strings, one a line, as an observation. */
static void observe_list(const char *where, char **list, bool free_them)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	for (char **e = list; e && *e; e++) {
		fprintf(f, "%s\n", *e);
		if (free_them)
			free(*e);
	}
	fclose(f);
	cap_observe(where, text, len);
	free(text);
}

/* One login; keeps the conversation, the PAM environment and our own environment. */
static int login(const char *a0, const char *a1)
{
	struct conv c = { .answers = { a0, a1 } };
	struct tconv t = { answer, show, &c };
	struct pam_conv pc = TCONV_PAM(&t);
	pam_handle_t *pamh = NULL;
	char **env;
	int rc;

	assert_int_equal(pam_start_confdir(H_SERVICE, H_USER, &pc, h.confdir, &pamh), PAM_SUCCESS);
	pam_set_item(pamh, PAM_RHOST, "192.0.2.7");
	rc = pam_authenticate(pamh, 0);
	env = pam_getenvlist(pamh);
	observe_list("the PAM environment", env, true);
	free(env);
	pam_end(pamh, rc);
	observe_str("the conversation", c.shown);
	observe_list("the process environment", environ, false);
	return rc;
}

/* The key in every spelling a careless log line might use. */
static void key_secrets(void)
{
	uint8_t key[64];
	int len = otp_base32_decode(H_SECRET, strlen(H_SECRET), key, sizeof(key));
	char lower[64], hex[160], HEX[160], b64[128];

	assert_true(len > 0);
	for (size_t i = 0; i <= strlen(H_SECRET); i++)
		lower[i] = (char)tolower((unsigned char)H_SECRET[i]);
	for (int i = 0; i < len; i++) {
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
		snprintf(HEX + 2 * i, 3, "%02X", key[i]);
	}
	EVP_EncodeBlock((unsigned char *)b64, key, len);
	cap_secret("secret (base32)", H_SECRET);
	cap_secret("secret (base32, lower case)", lower);
	cap_secret("secret (hex)", hex);
	cap_secret("secret (HEX)", HEX);
	cap_secret("secret (base64)", b64);
}

/* The TOTP codes the window accepts now. */
static void code_secrets(time_t now)
{
	char code[9];

	for (int d = -1; d <= 1; d++) {
		h_totp(now + d * 30, code);
		cap_secret("TOTP code", code);
	}
}

/* A six-digit answer that is not a valid code now. */
static void wrong_code(time_t now, char *out)
{
	char valid[3][9];

	for (int d = 0; d < 3; d++)
		h_totp(now + (d - 1) * 30, valid[d]);
	for (unsigned n = 424242;; n += 7919) {
		snprintf(out, 9, "%06u", n % 1000000);
		if (strcmp(out, valid[0]) && strcmp(out, valid[1]) && strcmp(out, valid[2]))
			return;
	}
}

static void totp_and_forward_pass(void **state)
{
	char code[9], wrong[9], both[64];
	time_t now = time(NULL);

	h_write_totp(NULL);
	h_service("auth required %s debug", h.module);
	h_totp(now, code);
	assert_int_equal(login(code, NULL), PAM_SUCCESS);
	wrong_code(now, wrong);
	assert_int_equal(login(wrong, NULL), PAM_AUTH_ERR);
	/* The password part goes on to the next module, never to the log. */
	h_service("auth required %s debug forward_pass\nauth required %s expect=%s", h.module,
		  h.helper, PASSWORD);
	snprintf(both, sizeof(both), "%s%s", PASSWORD, wrong);
	assert_int_equal(login(both, NULL), PAM_AUTH_ERR);
	cap_sync();
	assert_non_null(strstr(cap_syslog(), "accepted TOTP code"));
	assert_non_null(strstr(cap_syslog(), "wrong code"));
	key_secrets();
	code_secrets(now);
	cap_secret("wrong code typed", wrong);
	cap_secret("password", PASSWORD);
	cap_check();
}

static void backup_code(void **state)
{
	char codes[3][OTP_BACKUP_TEXT], plain[3][16];

	h_write_totp_backup(3, codes);
	h_service("auth required %s debug", h.module);
	assert_int_equal(login(codes[0], NULL), PAM_SUCCESS);
	assert_int_equal(login(codes[0], NULL), PAM_AUTH_ERR); /* used up */
	cap_sync();
	assert_non_null(strstr(cap_syslog(), "accepted backup code"));
	key_secrets();
	for (int i = 0; i < 3; i++) {
		size_t n = 0;
		for (const char *s = codes[i]; *s; s++)
			if (*s != '-')
				plain[i][n++] = *s;
		plain[i][n] = '\0';
		cap_secret("backup code", codes[i]);
		cap_secret("backup code (no dashes)", plain[i]);
		for (size_t k = 0; k < n; k++)
			plain[i][k] = (char)toupper((unsigned char)plain[i][k]);
		cap_secret("backup code (upper case)", plain[i]);
	}
	cap_check();
}

/* The host-wide SMS count is an admin path: not under /tmp, in the build tree. */
static char state_dir[512];

static void make_state_dir(void)
{
	const char *base = getenv("PAM_OTP_STATE_DIR");

	snprintf(state_dir, sizeof(state_dir), "%s/secrets_state.XXXXXX", base ? base : "/run");
	if (!mkdtemp(state_dir))
		abort();
}

static void remove_state_dir(void)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/host_count", state_dir);
	unlink(path);
	rmdir(state_dir);
}

static void write_conf(const char *extra)
{
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/sms.conf", h.root);
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f, "provider = twilio\naccount_sid = %s\nauth_token = %s\nfrom = +15005550006\n"
		"sms_countries = any\nsms_host_state = %s/host_count\n%s", SID, TOKEN, state_dir,
		extra);
	fclose(f);
	assert_int_equal(chmod(conf, 0600), 0);
}

static char *slurp(const char *name, char *buf, size_t size)
{
	char path[300];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", h.root, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		fail_msg("%s was not written", path);
	n = read(fd, buf, size - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

/* The first run of digits after marker in text (the SMS code), into code. */
static void code_after(const char *text, const char *marker, char *code, size_t size)
{
	const char *p = strstr(text, marker);
	size_t n = 0;

	assert_non_null(p);
	while (*p && !isdigit((unsigned char)*p))
		p++;
	while (isdigit((unsigned char)p[n]) && n + 1 < size)
		n++;
	assert_true(n >= 4);
	memcpy(code, p, n);
	code[n] = '\0';
}

static void credential_secrets(void)
{
	char basic[128];
	const char *pair = SID ":" TOKEN;

	EVP_EncodeBlock((unsigned char *)basic, (const unsigned char *)pair, (int)strlen(pair));
	cap_secret("provider auth_token", TOKEN);
	cap_secret("provider credentials (HTTP Basic)", basic);
}

/* A stand-in sender (sms_helper=) that keeps its own argv, environment and stdin. */
static void sms_stand_in_sender(void **state)
{
	char buf[8192], code[16];
	FILE *f;

	if (!getenv("PAM_OTP_SMS"))
		skip(); /* meson sets it when SMS is built: a module without it offers none */
	snprintf(standin, sizeof(standin), "%s/sender.sh", h.root);
	f = fopen(standin, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\ncd %s\ntr '\\0' ' ' < /proc/$$/cmdline > argv\n"
		   "tr '\\0' '\\n' < /proc/$$/environ > env\ncat > stdin\n"
		   "echo 'ok provider=fake status=201'\n", h.root);
	fclose(f);
	assert_int_equal(chmod(standin, 0755), 0);
	write_conf("");
	h_write_totp("phone " PHONE "\n");
	h_service("auth required %s debug conf=%s sms_helper=%s", h.module, conf, standin);
	assert_int_equal(login("sms", "1"), PAM_AUTH_ERR);
	code_after(slurp("stdin", buf, sizeof(buf)), "\ncode=", code, sizeof(code));
	assert_int_equal(login(code, NULL), PAM_SUCCESS);
	cap_sync();
	assert_non_null(strstr(cap_syslog(), "accepted SMS code"));
	observe_str("the sender's argv", slurp("argv", buf, sizeof(buf)));
	assert_non_null(strstr(buf, " send"));
	observe_str("the sender's environment", slurp("env", buf, sizeof(buf)));
	key_secrets();
	credential_secrets();
	cap_secret("SMS code", code);
	cap_check();
}

/* The real pam_otp_sms, posting to a local Twilio stand-in over plain HTTP. */
static void sms_real_sender(bool provider_echoes)
{
	const char *sender = getenv("PAM_OTP_SMS");
	char buf[16384], code[16], extra[256], wrong[9];
	struct mock m;

	if (!sender)
		skip();
	mock_start(&m, h.root, provider_echoes, TOKEN);
	snprintf(extra, sizeof(extra),
		 "api_base = http://127.0.0.1:%d\nallow_insecure_http = yes\n", m.port);
	write_conf(extra);
	h_write_totp("phone " PHONE "\n");
	h_service("auth required %s debug conf=%s sms_helper=%s", h.module, conf, sender);
	wrong_code(time(NULL), wrong);
	assert_int_equal(login("sms", provider_echoes ? wrong : "1"), PAM_AUTH_ERR);
	mock_stop(&m);
	slurp("request", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\r\nAuthorization: Basic ")); /* the credential was used */
	code_after(buf, "Body=", code, sizeof(code));
	if (!provider_echoes)
		assert_int_equal(login(code, NULL), PAM_SUCCESS);
	cap_sync();
	assert_non_null(strstr(cap_syslog(), provider_echoes ? "SMS failed" : "accepted SMS code"));
	observe_str("pam_otp_sms's argv (/proc/PID/cmdline)", slurp("sender_cmdline", buf,
								     sizeof(buf)));
	assert_non_null(strstr(buf, " send"));
	observe_str("pam_otp_sms's environment (/proc/PID/environ)",
		    slurp("sender_environ", buf, sizeof(buf)));
	key_secrets();
	credential_secrets();
	cap_secret("SMS code", code);
	cap_check();
}

static void sms_pam_otp_sms(void **state)
{
	sms_real_sender(false);
}

static void sms_provider_echoes_secrets(void **state)
{
	sms_real_sender(true);
}

static void sealed_secret(void **state)
{
	char keydir[] = "/run/pam_otp_secrets.XXXXXX", key[128], pub[128], pem[4096], cmd[160];
	char code[9], wrong[9], *body;
	time_t now = time(NULL);
	ssize_t n;
	int fd;

	assert_non_null(mkdtemp(keydir));
	assert_int_equal(chmod(keydir, 0755), 0);
	snprintf(key, sizeof(key), "%s/pam_otp.key", keydir);
	snprintf(pub, sizeof(pub), "%s/pam_otp.pub", keydir);
	assert_int_equal(otp_hostkey_generate(key, pub), 0);
	h_write_sealed(pub, H_USER, h.otp, NULL);

	h_service("auth required %s debug seal_key=%s", h.module, key);
	h_totp(now, code);
	assert_int_equal(login(code, NULL), PAM_SUCCESS);
	wrong_code(now, wrong);
	assert_int_equal(login(wrong, NULL), PAM_AUTH_ERR);
	cap_sync();
	assert_non_null(strstr(cap_syslog(), "accepted TOTP code"));
	key_secrets();
	code_secrets(now);
	cap_secret("wrong code typed", wrong);
	/* The host's private key: the first line of its PEM body. */
	fd = open(key, O_RDONLY);
	n = read(fd, pem, sizeof(pem) - 1);
	close(fd);
	assert_true(n > 0);
	pem[n] = '\0';
	body = strchr(pem, '\n');
	assert_non_null(body);
	body[strcspn(body + 1, "\n") + 1] = '\0';
	cap_secret("host private key (PEM)", body + 1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", keydir);
	assert_int_equal(system(cmd), 0);
	cap_check();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(totp_and_forward_pass, h_reset),
		cmocka_unit_test_setup(backup_code, h_reset),
		cmocka_unit_test_setup(sms_stand_in_sender, h_reset),
		cmocka_unit_test_setup(sms_pam_otp_sms, h_reset),
		cmocka_unit_test_setup(sms_provider_echoes_secrets, h_reset),
		cmocka_unit_test_setup(sealed_secret, h_reset),
	};
	int rc;

	if (geteuid() != 0) {
		printf("skipped: needs root for a private /dev/log\n");
		return 77;
	}
	cap_start_or_exit(1);
	h_global_setup();
	make_state_dir();
	rc = cmocka_run_group_tests_name("pam_secrets", tests, NULL, NULL);
	remove_state_dir();
	h_global_teardown();
	return rc;
}
