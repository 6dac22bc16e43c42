/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What stands between the SMS fallback and a bill or a root compromise, through the real
 * module with syslog captured: SMS stays off until sms_countries= is set; sms_helper=,
 * ca_file= and command= must be safe paths; the host-wide daily cap holds for many users
 * and under concurrency; a sender that cannot start is named with the reason; the sender
 * starts in a clean state (own session, "/", no groups, default signals, sane limits, no
 * inherited descriptors) whatever the application left.
 */
#include "harness.h"
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <security/pam_appl.h>

#define PHONE "+15551234567"
#define USERS 3

static char sender[256], record[256], conf[256], state_dir[512];
static unsigned state_files;

static void write_sender(const char *path, mode_t mode, const char *extra)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n{ echo \"ARGV $*\"; cat; echo; echo --; } >> %s\n%s\n"
		   "echo 'ok provider=fake status=201'\n", record, extra ? extra : "");
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void setup_sender(const char *extra)
{
	snprintf(sender, sizeof(sender), "%s/sender.sh", h.root);
	snprintf(record, sizeof(record), "%s/sent.txt", h.root);
	unlink(record);
	write_sender(sender, 0755, extra);
}

static void write_conf(const char *lines)
{
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/sms.conf", h.root);
	f = fopen(conf, "w");
	assert_non_null(f);
	/* A key given twice is a configuration error: the default provider only if none is. */
	fprintf(f, "%ssms_host_state = %s/host_count.%u\n%s",
		strstr(lines, "provider") ? "" : "provider = twilio\n", state_dir, ++state_files,
		lines);
	fclose(f);
	assert_int_equal(chmod(conf, 0600), 0);
}

static void service(const char *helper)
{
	h_service("auth required %s conf=%s sms_helper=%s", h.test_module, conf, helper);
}

static int count_sends(void)
{
	char buf[16384];
	int fd = open(record, O_RDONLY), n = 0;
	ssize_t len = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : 0;

	if (fd >= 0)
		close(fd);
	buf[len > 0 ? len : 0] = '\0';
	for (const char *p = buf; (p = strstr(p, "ARGV ")) != NULL; p++)
		n++;
	return n;
}

/* The syslog lines logged since the last call contain want. */
static bool logged(const char *want)
{
	cap_sync();
	return strstr(cap_syslog(), want) != NULL;
}

static int ask(const char *user, struct h_conv *c)
{
	*c = (struct h_conv){ .answers = { "sms", "1" } };
	return h_auth(user, c, 0);
}

static void countries_unset_means_off(void **state)
{
	struct h_conv c;

	setup_sender(NULL);
	write_conf("");
	service(sender);
	h_write_totp("phone " PHONE "\n");
	assert_int_equal(ask(H_USER, &c), PAM_AUTH_ERR);
	assert_string_equal(c.prompt_text[0], "Verification code: "); /* not offered */
	assert_int_equal(count_sends(), 0);
	assert_true(logged("SMS not offered: provider= is set but sms_countries= is not"));
	/* "any", explicitly, turns it on. */
	write_conf("sms_countries = any\n");
	assert_int_equal(ask(H_USER, &c), PAM_AUTH_ERR);
	assert_non_null(strstr(c.prompt_text[1], "Code sent to"));
	assert_int_equal(count_sends(), 1);
}

/* Not offered, nothing run, and the log names the path and what is wrong with it. */
static void refused_path(const char *conf_lines, const char *helper, const char *want)
{
	struct h_conv c;

	write_conf(conf_lines);
	service(helper);
	h_write_totp("phone " PHONE "\n");
	assert_int_equal(ask(H_USER, &c), PAM_AUTH_ERR);
	assert_string_equal(c.prompt_text[0], "Verification code: ");
	assert_int_equal(count_sends(), 0);
	if (!logged(want))
		fail_msg("log lacks \"%s\":\n%s", want, cap_syslog());
}

static void unsafe_paths_refused(void **state)
{
	char dir[200], helper[256], line[600], want[1200], link[256];

	setup_sender(NULL);
	/* A helper in a group-writable directory: the directory is named. */
	snprintf(dir, sizeof(dir), "%s/gw", h.root);
	mkdir(dir, 0775);
	assert_int_equal(chmod(dir, 0775), 0);
	snprintf(helper, sizeof(helper), "%s/sender.sh", dir);
	write_sender(helper, 0755, NULL);
	snprintf(want, sizeof(want), "sms_helper=%s is not safe to use: %s is writable by group or "
		 "other (mode 0775)", helper, dir);
	refused_path("sms_countries = any\n", helper, want);
	/* Not owned by root. */
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chown(helper, h.uid, h.gid), 0);
	snprintf(want, sizeof(want), "%s is owned by uid %u, not root", helper, (unsigned)h.uid);
	refused_path("sms_countries = any\n", helper, want);
	/* Group-writable itself. */
	assert_int_equal(chown(helper, 0, 0), 0);
	assert_int_equal(chmod(helper, 0775), 0);
	snprintf(want, sizeof(want), "%s is writable by group or other (mode 0775)", helper);
	refused_path("sms_countries = any\n", helper, want);
	/* A symbolic link, even to a good file. */
	snprintf(link, sizeof(link), "%s/link.sh", h.root);
	assert_int_equal(symlink(sender, link), 0);
	snprintf(want, sizeof(want), "%s is a symbolic link", link);
	refused_path("sms_countries = any\n", link, want);
	/* Relative. */
	refused_path("sms_countries = any\n", "sender.sh", "sms_helper=sender.sh is not safe to use: "
		     "sender.sh is not an absolute path");
	/* ca_file= world-writable, command= program missing. */
	snprintf(helper, sizeof(helper), "%s/ca.pem", h.root);
	assert_int_equal(close(open(helper, O_CREAT | O_WRONLY, 0666)), 0);
	assert_int_equal(chmod(helper, 0666), 0);
	snprintf(line, sizeof(line), "sms_countries = any\nca_file = %s\n", helper);
	snprintf(want, sizeof(want), "ca_file=%s is not safe to use: %s is writable by group or "
		 "other (mode 0666)", helper, helper);
	refused_path(line, sender, want);
	snprintf(line, sizeof(line), "sms_countries = any\nprovider = command\n"
		 "command = %s/nonexistent/send {to}\n", h.root);
	snprintf(want, sizeof(want), "command=%s/nonexistent/send is not safe to use: "
		 "%s/nonexistent: No such file or directory", h.root, h.root);
	refused_path(line, sender, want);
}

static void sender_that_cannot_start_is_named(void **state)
{
	char helper[300], want[400];
	struct h_conv c;

	setup_sender(NULL);
	/* Root-owned and safe, but not executable: exec fails with EACCES. */
	snprintf(helper, sizeof(helper), "%s/noexec.sh", h.root);
	write_sender(helper, 0644, NULL);
	write_conf("sms_countries = any\n");
	service(helper);
	h_write_totp("phone " PHONE "\n");
	assert_int_equal(ask(H_USER, &c), PAM_AUTH_ERR);
	assert_non_null(strstr(c.message_text[0], "Could not send a text message"));
	snprintf(want, sizeof(want), "cannot run the SMS sender %s: Permission denied", helper);
	if (!logged(want))
		fail_msg("log lacks \"%s\":\n%s", want, cap_syslog());
}

/* Users u1.. with their own homes and ~/.otp (added to the nss_wrapper files at start). */
static void add_users(void)
{
	const char *passwd = getenv("NSS_WRAPPER_PASSWD"), *group = getenv("NSS_WRAPPER_GROUP");
	FILE *p = fopen(passwd, "a"), *g = fopen(group, "a");

	if (!p || !g)
		abort();
	for (int i = 1; i <= USERS; i++) {
		fprintf(p, "u%d:x:%d:%d:User %d:%s/home_u%d:/bin/sh\n", i, 2000 + i, 2000 + i, i,
			h.root, i);
		fprintf(g, "u%d:x:%d:\n", i, 2000 + i);
	}
	fclose(p);
	fclose(g);
}

static void enroll_user(int i)
{
	char home[300], otp[320];
	FILE *f;

	snprintf(home, sizeof(home), "%s/home_u%d", h.root, i);
	snprintf(otp, sizeof(otp), "%s/.otp", home);
	mkdir(home, 0700);
	unlink(otp);
	f = fopen(otp, "w");
	assert_non_null(f);
	fprintf(f, "version 1\ntype totp\nsecret %s\nphone +1555123456%d\n", H_SECRET, i);
	fclose(f);
	assert_int_equal(chmod(otp, 0600), 0);
	assert_int_equal(chown(otp, 2000 + i, 2000 + i), 0);
	assert_int_equal(chown(home, 2000 + i, 2000 + i), 0);
}

static void host_cap_across_users(void **state)
{
	struct h_conv c;
	char name[8];

	setup_sender(NULL);
	write_conf("sms_countries = any\nsms_max_per_day_host = 2\n");
	service(sender);
	for (int i = 1; i <= USERS; i++) {
		enroll_user(i);
		snprintf(name, sizeof(name), "u%d", i);
		assert_int_equal(ask(name, &c), PAM_AUTH_ERR);
		if (i <= 2) {
			assert_non_null(strstr(c.prompt_text[1], "Code sent to"));
			continue;
		}
		/* The third: refused before any request, told so, and the log says why. */
		assert_int_equal(c.prompts, 1);
		assert_non_null(strstr(c.message_text[0], "No more codes can be sent from this host "
				       "today"));
	}
	assert_int_equal(count_sends(), 2);
	assert_true(logged("SMS refused: host-wide daily SMS cap reached (2"));
}

static void host_cap_under_concurrency(void **state)
{
	pid_t kids[8];

	setup_sender("sleep 0.2");
	write_conf("sms_countries = any\nsms_max_per_day_host = 3\nsms_min_interval = 0\n"
		   "sms_max_per_day = 100\n");
	service(sender);
	h_write_totp("phone " PHONE "\n");
	for (int i = 0; i < 8; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			struct h_conv c;
			_exit(ask(H_USER, &c) == PAM_AUTH_ERR ? 0 : 1);
		}
	}
	for (int i = 0; i < 8; i++) {
		int status;
		assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
	}
	print_message("8 concurrent requests, host cap 3: %d sent\n", count_sends());
	assert_int_equal(count_sends(), 3);
}

static void sender_starts_clean(void **state)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_term, old_usr;
	struct rlimit core = { RLIM_INFINITY, RLIM_INFINITY }, old_core, old_fsize, fsize;
	sigset_t block, old_mask;
	struct h_conv c;
	char buf[8192];
	int leak, fd;
	ssize_t n;

	setup_sender("{ echo \"SID $(cut -d' ' -f6 /proc/$$/stat) PID $$\"; echo \"CWD $(pwd)\"; "
		     "grep -E '^(SigIgn|SigBlk|Groups):' /proc/self/status; "
		     "echo \"CORE $(ulimit -c) NOFILE $(ulimit -n) FSIZE $(ulimit -f)\"; "
		     "echo \"FDS $(ls /proc/$$/fd | tr '\\n' ' ')\"; } >> $0.state");
	write_conf("sms_countries = any\n");
	service(sender);
	h_write_totp("phone " PHONE "\n");
	/* A hostile application: signals ignored and blocked, core dumps on, a tiny FSIZE, an
	 * inherited descriptor, an odd working directory. */
	sigaction(SIGTERM, &ign, &old_term);
	sigaction(SIGUSR1, &ign, &old_usr);
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	getrlimit(RLIMIT_CORE, &old_core);
	getrlimit(RLIMIT_FSIZE, &old_fsize);
	fsize = (struct rlimit){ 1 << 20, old_fsize.rlim_max }; /* the hard limit: see below */
	setrlimit(RLIMIT_CORE, &core);
	setrlimit(RLIMIT_FSIZE, &fsize);
	leak = open("/dev/null", O_RDONLY); /* not close-on-exec */
	assert_true(dup2(leak, 77) == 77);
	assert_int_equal(chdir(h.root), 0);
	ask(H_USER, &c);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGUSR1, &old_usr, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	setrlimit(RLIMIT_CORE, &old_core);
	setrlimit(RLIMIT_FSIZE, &old_fsize);
	close(77);
	close(leak);
	assert_int_equal(chdir("/"), 0);

	snprintf(buf, sizeof(buf), "%s.state", sender);
	fd = open(buf, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	print_message("%s", buf);
	int sid = -1, pid = -2;
	assert_int_equal(sscanf(strstr(buf, "SID "), "SID %d PID %d", &sid, &pid), 2);
	assert_int_equal(sid, pid);                     /* a session of its own */
	assert_non_null(strstr(buf, "CWD /\n"));
	assert_non_null(strstr(buf, "SigIgn:\t0000000000000000\n"));
	assert_non_null(strstr(buf, "SigBlk:\t0000000000000000\n"));
	char *groups = strstr(buf, "Groups:");
	assert_non_null(groups);
	assert_true(groups[7 + strspn(groups + 7, " \t")] == '\n'); /* none */
	/* 64 MiB in dash's 512-byte blocks (raising a lowered hard limit needs
	 * CAP_SYS_RESOURCE, which a container may lack: only the soft one was lowered). */
	assert_non_null(strstr(buf, "CORE 0 NOFILE 1024 FSIZE 131072\n"));
	/* 0-2 and the shell's own (dash keeps saved descriptors at 10+): nothing inherited. */
	char *fds = strstr(buf, "FDS ");
	assert_non_null(fds);
	assert_null(strstr(fds, " 77 "));
	assert_null(strstr(fds, " 4 "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(countries_unset_means_off, h_reset),
		cmocka_unit_test_setup(unsafe_paths_refused, h_reset),
		cmocka_unit_test_setup(sender_that_cannot_start_is_named, h_reset),
		cmocka_unit_test_setup(host_cap_across_users, h_reset),
		cmocka_unit_test_setup(host_cap_under_concurrency, h_reset),
		cmocka_unit_test_setup(sender_starts_clean, h_reset),
	};
	const char *base = getenv("PAM_OTP_STATE_DIR");
	char path[600];
	int rc;

	cap_start_or_exit(77);
	h_global_setup();
	add_users();
	snprintf(state_dir, sizeof(state_dir), "%s/guard_state.XXXXXX", base ? base : "/run");
	if (!mkdtemp(state_dir))
		return 1;
	rc = cmocka_run_group_tests_name("pam_sms_guard", tests, NULL, NULL);
	for (unsigned i = 0; i <= state_files; i++) {
		snprintf(path, sizeof(path), "%s/host_count.%u", state_dir, i);
		unlink(path);
	}
	rmdir(state_dir);
	h_global_teardown();
	return rc;
}
