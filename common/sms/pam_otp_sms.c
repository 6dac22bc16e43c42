/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pam_otp_sms: sends one text or call for pam_otp.so, which runs it (execve, empty
 * environment, a session of its own, killed with that session timeout + 1 s after the start)
 * so that the module never links libcurl.
 *
 *   pam_otp_sms --conf PATH ACTION   ACTION: send call verify-start verify-start-call verify-check
 *   stdin   key=value lines: to (always), code (send, call, verify-check), message (send,
 *           "\n" written as the two characters \ n), user, host, deadline_ms (when the
 *           module kills it, CLOCK_MONOTONIC milliseconds: all its work, requests and the
 *           command provider's program, ends DEADLINE_MARGIN_MS before); at most 8 KiB
 *   stdout  one status line for the module's log, never a secret
 *   exit    0 ok, 1 denied, 2 rejected/invalid number, 3 provider error, 4 timeout,
 *           unreachable or TLS, 5 config or bad input, 6 rate limited
 */
#include "cfg.h"
#include "err.h"
#include "log.h"
#include "secmem.h"
#include "sms/provider.h"
#include "trustpath.h"
#include "monotime.h"

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define INPUT_MAX 8192
#define FIELD_MAX 256 /* user and host */
#define FIRST_ERROR_MAX 160
#define DEADLINE_MARGIN_MS 500 /* to report, exit and be reaped before the module's kill */

struct input {
	char buf[INPUT_MAX + 2];
	size_t len;
	char *to, *code, *message, *user, *host, *deadline;
};

static void remember_error(void *ctx, int prio, const char *msg)
{
	char *first = ctx;

	if (prio <= LOG_ERR && !first[0])
		snprintf(first, FIRST_ERROR_MAX, "%s", msg);
}

static int read_all(struct input *in)
{
	while (in->len <= INPUT_MAX) {
		ssize_t n = read(STDIN_FILENO, in->buf + in->len, INPUT_MAX + 1 - in->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return OTP_E_IO;
		if (n == 0) {
			in->buf[in->len] = '\0';
			return OTP_OK;
		}
		in->len += (size_t)n;
	}
	return OTP_E_TOOBIG;
}

/* "\n" (backslash, n) back to a newline, in place. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*w++ = '\n';
			s++;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static const char *parse_input(struct input *in)
{
	char *line = in->buf, *next;

	if (memchr(in->buf, '\0', in->len))
		return "input contains a NUL byte";
	for (; line && *line; line = next) {
		char *eq, **slot;

		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		if (!*line)
			continue;
		if (!(eq = strchr(line, '=')))
			return "input line without '='";
		*eq = '\0';
		if (strcmp(line, "to") == 0) slot = &in->to;
		else if (strcmp(line, "code") == 0) slot = &in->code;
		else if (strcmp(line, "message") == 0) slot = &in->message;
		else if (strcmp(line, "user") == 0) slot = &in->user;
		else if (strcmp(line, "host") == 0) slot = &in->host;
		else if (strcmp(line, "deadline_ms") == 0) slot = &in->deadline;
		else return "unknown input key";
		if (*slot)
			return "input key given twice";
		*slot = eq + 1;
	}
	if (in->message)
		unescape(in->message);
	return NULL;
}

static bool digits(const char *s, size_t min, size_t max)
{
	size_t n = s ? strspn(s, "0123456789") : 0;

	return s && n == strlen(s) && n >= min && n <= max;
}

static bool printable(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Checks the contract; says what is wrong, or NULL. Sets *kind. */
static const char *check_input(struct input *in, enum otp_sms_action act, int *kind)
{
	bool needs_code = act == OTP_SMS_SEND || act == OTP_SMS_CALL || act == OTP_SMS_VERIFY_CHECK;

	*kind = OTP_SMS_K_CONFIG;
	if (!in->to)
		return "no to= in the input";
	if (needs_code && !digits(in->code, 4, 10))
		return "code= must be 4 to 10 digits";
	if (!needs_code && in->code) {
		otp_wipe(in->code, strlen(in->code));
		in->code = NULL;
	}
	if ((in->user && (strlen(in->user) > FIELD_MAX || !printable(in->user))) ||
	    (in->host && (strlen(in->host) > FIELD_MAX || !printable(in->host))))
		return "user= or host= too long or with control characters";
	if (act == OTP_SMS_SEND && (!in->message || !*in->message))
		return "send needs message=";
	*kind = OTP_SMS_K_INVALID_NUMBER;
	/* E.164: '+', a country code not starting with 0, at most 15 digits in all. */
	if (in->to[0] != '+' || in->to[1] < '1' || in->to[1] > '9' || !digits(in->to + 1, 7, 15))
		return "to= is not an E.164 number (+ and 7 to 15 digits)";
	return NULL;
}

/*
 * Fit all the work before the module's deadline: the providers and the command provider
 * bound everything they do by timeout (one total, retries included), so timeout becomes at
 * most the whole seconds left before DEADLINE_MARGIN_MS ahead of the kill.
 */
static const char *obey_deadline(const char *deadline, struct otp_cfg *cfg)
{
	long long left;

	if (!deadline)
		return NULL; /* run by hand: timeout as configured */
	if (!digits(deadline, 1, 18))
		return "deadline_ms= must be a number of milliseconds";
	left = strtoll(deadline, NULL, 10) - DEADLINE_MARGIN_MS - otp_monotonic_ms();
	if (left < 1000)
		return "no time left before the module's deadline";
	if ((long long)cfg->timeout * 1000 > left)
		cfg->timeout = (unsigned)(left / 1000);
	if (cfg->connect_timeout > cfg->timeout)
		cfg->connect_timeout = cfg->timeout;
	return NULL;
}

/* ca_file= and command= are trusted as root: the same rule as the module's (trustpath.h). */
static bool paths_trusted(const struct otp_cfg *cfg, struct otp_sms_res *res)
{
	const struct otp_sms_provider *p = otp_sms_provider_find(cfg->provider);
	struct otp_why why;
	char program[1100];

	if (cfg->ca_file && otp_trusted_path(cfg->ca_file, &why) != OTP_OK) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "ca_file is not safe to use: %s", why.text);
		return false;
	}
	if (p && p->runs_command && cfg->command) {
		size_t n = strcspn(cfg->command, " ");

		snprintf(program, sizeof(program), "%.*s", (int)(n < sizeof(program) ? n :
								 sizeof(program) - 1), cfg->command);
		if (otp_trusted_path(program, &why) != OTP_OK) {
			otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "command is not safe to use: %s",
				     why.text);
			return false;
		}
	}
	return true;
}

static int run(int argc, char **argv, struct input *in, struct otp_cfg *cfg,
	       struct otp_sms_res *res, struct otp_sms_req *req)
{
	char first_error[FIRST_ERROR_MAX] = "";
	struct otp_log log = { remember_error, first_error };
	enum otp_sms_action act;
	const char *why;
	int kind, rc;

	if (argc != 4 || strcmp(argv[1], "--conf") != 0 ||
	    otp_sms_action_parse(argv[3], &act) != OTP_OK) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL,
			     "usage: pam_otp_sms --conf PATH send|call|verify-start|"
			     "verify-start-call|verify-check");
		return res->exit;
	}
	/* All of stdin first, so the module never writes into a closed pipe. */
	rc = read_all(in);
	why = rc == OTP_E_TOOBIG ? "input over 8 KiB" : rc ? "cannot read the input" :
	      parse_input(in);
	if (why) {
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "%s", why);
		return res->exit;
	}
	rc = otp_cfg_load(cfg, argv[2], &log);
	if (rc != OTP_OK) {
		if (rc == OTP_E_NOENT)
			snprintf(first_error, sizeof(first_error), "%s: no such file", argv[2]);
		otp_sms_fail(res, OTP_SMS_K_CONFIG, 0, NULL, "%s",
			     first_error[0] ? first_error : otp_strerror(rc));
		return res->exit;
	}
	res->provider = cfg->provider ? cfg->provider : "none";
	if ((why = check_input(in, act, &kind))) {
		otp_sms_fail(res, kind, 0, NULL, "%s", why);
		return res->exit;
	}
	if (!paths_trusted(cfg, res))
		return res->exit;
	if ((why = obey_deadline(in->deadline, cfg))) {
		otp_sms_fail(res, OTP_SMS_K_TIMEOUT, 0, NULL, "%s", why);
		return res->exit;
	}
	*req = (struct otp_sms_req){ act, in->to, in->code, in->message, in->user, in->host };
	return otp_sms_run(cfg, req, res);
}

int main(int argc, char **argv)
{
	static struct input in; /* static: 8 KiB off the stack, wiped below */
	struct otp_sms_req req = { 0 };
	struct otp_sms_res res = { 0 };
	struct otp_cfg cfg;
	int status;

	/* No core dump with a code or credentials in it; nothing we create is readable. */
	prctl(PR_SET_DUMPABLE, 0);
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	otp_cfg_init(&cfg);
	res.provider = "none";
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		otp_sms_fail(&res, OTP_SMS_K_CONFIG, 0, NULL, "libcurl initialisation failed");
		status = res.exit;
	} else {
		status = run(argc, argv, &in, &cfg, &res, &req);
		if (!res.provider)
			res.provider = "none";
		curl_global_cleanup();
	}
	otp_sms_print(stdout, &res, &cfg, &req);
	otp_wipe(&in, sizeof(in));
	otp_cfg_free(&cfg);
	return status;
}
