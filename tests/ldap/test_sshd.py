#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Fleet mode end to end: Debian's real sshd (keyboard-interactive, python3-paramiko as the
client) with the installed-style module PAM_OTP_MODULE (pam_otp.so, the real clock) and
store=ldap on the fixture slapd (StartTLS, service bind, ldap_ca_file, ldap_plugin).

Two hosts: sshd "A" (PAM service sshd) and sshd "B" (a second sshd on another port, PAM
service sshd-b, a conf of its own) share one directory. A code accepted on A moves the
entry's last_step and is refused on B; with the directory stopped (connection refused) or
frozen (SIGSTOP: connects, never answers) a login is refused without a prompt, the module
giving up within ldap_timeout (+ margin), and the log says "directory:"; after the restart
logins work again. Not covered: nullok through sshd (tests/e2e/test_sshd.py has no such
case to follow). The sshd helpers are tests/e2e/test_sshd.py's (Sshd, login, answers,
expect); B's PAM service lives in a tmpfs copy of /etc/pam.d (this namespace only).
"""
import importlib.util
import os
import signal
import threading
import time

import fleet
from fleet import e2e, log, record, totp
from checks import check, require

# tests/e2e/test_sshd.py by path: plain "import test_sshd" would find this file.
_spec = importlib.util.spec_from_file_location(
    "e2e_test_sshd", os.path.join(os.path.dirname(fleet.HERE), "e2e", "test_sshd.py"))
ssh = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ssh)

MODULE = os.environ.get("PAM_OTP_MODULE", "")
LDAP_TIMEOUT = 3
MARGIN = 2  # the ssh handshake and sshd's own work on top of ldap_timeout
PACKAGES = fleet.PACKAGES + ["openssh-server", "openssh-client", "python3-paramiko"]
KI_ONLY = ["AuthenticationMethods keyboard-interactive"]  # the code alone, no key


def code_now(margin=10):
    """alice's current TOTP code (computed here, not by the module) and its step, waiting
    for the next step if this one ends within margin s (A and B must see the same step)."""
    left = 30 - time.time() % 30
    if left < margin:
        time.sleep(left + 0.2)
    now = int(time.time())
    return totp(now), now // 30


def private_pam_d():
    """A tmpfs copy of /etc/pam.d (this namespace only) with an empty sshd-b, so that
    env.pam_service() can put host B's stack over it (it binds over existing files only).
    A tmpfs rather than a directory in the temp dir: the cleanup never walks into it."""
    files = {}
    for n in os.listdir("/etc/pam.d"):
        p = os.path.join("/etc/pam.d", n)
        if os.path.isfile(p):
            with open(p, "rb") as fh:
                files[n] = fh.read()
    e2e.mount("-t", "tmpfs", "-o", "mode=755,nosuid,nodev", "tmpfs", "/etc/pam.d")
    files.setdefault("sshd-b", b"")
    for n, data in files.items():
        fd = os.open(os.path.join("/etc/pam.d", n), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)


def host_keys(env):
    r = e2e.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fleet",
                 "-f", env.path("hostkey")])
    require(r.returncode == 0, f"ssh-keygen: {r.stderr}")
    env.hostkey_pub = " ".join(open(env.path("hostkey.pub")).read().split()[:2])


def timed_login(server, answer, user="alice"):
    t = time.monotonic()
    res = ssh.login(server, answer, user=user)
    return res, time.monotonic() - t


def used_code(f, a, b):
    log("== 1. the right code on A: accepted, the entry's last_step moves ==")
    f.set_record("alice", record())
    before = f.record("alice").get("last_step")
    code, step = code_now()
    m = f.env.log_mark()
    res, secs = timed_login(a, ssh.answers(code))
    ssh.expect(f.env, f"A: right TOTP code ({secs:.2f} s)", res, True,
               r"accepted TOTP code", m, user="alice")
    after = f.record("alice").get("last_step")
    check(after == str(step) and after != before,
          f"the entry's last_step moved: {before} -> {after} (step {step})")

    log("== 2. the same code on B (another sshd, its own conf): refused ==")
    m = f.env.log_mark()
    res, secs = timed_login(b, ssh.answers(code))
    ssh.expect(f.env, f"B: the code A accepted ({secs:.2f} s)", res, False,
               r"already used", m, user="alice")
    check(res["prompts"] == [(ssh.PROMPT, False)], f"B asked for the code: {res['prompts']}")
    check(f.record("alice").get("last_step") == str(step), "B left last_step as it was")


def directory_down(f, a):
    log("== 3. the directory stopped: refused within ldap_timeout + margin; then restarted ==")
    f.server.stop()
    require(not f.server.running(), "slapd is stopped")
    m = f.env.log_mark()
    res, secs = timed_login(a, ssh.answers("000000"))
    ssh.expect(f.env, f"A, directory down ({secs:.2f} s)", res, False, r"directory: ", m,
               user="alice")
    check(secs <= LDAP_TIMEOUT + MARGIN,
          f"refused within ldap_timeout + {MARGIN} s ({secs:.2f} s)")
    check(not res["prompts"], f"no code was asked for: {res['prompts']}")
    f.server.start()

    log("== 3b. the directory frozen (SIGSTOP: connects, never answers): bounded too ==")
    # The module's time is when its "directory:" line arrives; the client's is longer:
    # OpenSSH 9.2 pads a failed attempt (auth2.c ensure_minimum_time_since doubles a 5-9 ms
    # delay until it passes the time spent), so up to twice the module's time.
    box = {}
    login = threading.Thread(target=lambda: box.update(
        r=timed_login(a, ssh.answers("000000"))))
    m = f.env.log_mark()
    os.kill(f.server.pid, signal.SIGSTOP)
    try:
        t = time.monotonic()
        login.start()
        line = f.env.wait_log(m, r"directory: ", timeout=LDAP_TIMEOUT + MARGIN + 5)
        module_secs = time.monotonic() - t
        login.join(timeout=60)
    finally:
        os.kill(f.server.pid, signal.SIGCONT)
    require(not login.is_alive() and "r" in box, "the ssh login ended")
    res, secs = box["r"]
    log(f"  syslog: {line}")
    check(line and LDAP_TIMEOUT - 0.5 <= module_secs <= LDAP_TIMEOUT + MARGIN,
          f"the module gave up after ldap_timeout, within + {MARGIN} s ({module_secs:.2f} s)")
    ssh.expect(f.env, f"A, directory frozen ({secs:.2f} s)", res, False, user="alice")
    check(secs <= 2 * (LDAP_TIMEOUT + MARGIN),
          f"sshd refused within twice that (its failure padding): {secs:.2f} s")
    check(not res["prompts"], f"no code was asked for: {res['prompts']}")

    # The step's code was spent in case 1: a fresh record (through the restarted directory)
    # instead of waiting up to 30 s for the next step.
    f.set_record("alice", record())
    code, step = code_now(margin=5)
    m = f.env.log_mark()
    res, secs = timed_login(a, ssh.answers(code))
    ssh.expect(f.env, f"A after the restart ({secs:.2f} s)", res, True,
               r"accepted TOTP code", m, user="alice")
    check(f.record("alice").get("last_step") == str(step), "last_step stored after the restart")


def leftovers(ns, names=("sshd", "sshd-b", "slapd"), timeout=5):
    """Processes with those names in this mount namespace, once they had timeout s to go."""
    end = time.time() + timeout
    while True:
        left = []
        for d in filter(str.isdigit, os.listdir("/proc")):
            try:
                if (os.readlink(f"/proc/{d}/ns/mnt") == ns
                        and open(f"/proc/{d}/comm").read().strip() in names):
                    left.append(int(d))
            except OSError:
                pass
        if not left or time.time() > end:
            return left
        time.sleep(0.1)


def main(env):
    import paramiko
    require(MODULE and os.path.basename(MODULE) == "pam_otp.so" and os.path.exists(MODULE),
            f"PAM_OTP_MODULE={MODULE!r} is the installed-style pam_otp.so")
    log(f"sshd: {e2e.run([ssh.SSHD, '-V']).stderr.strip()}; paramiko {paramiko.__version__}")
    t0 = time.monotonic()
    f = fleet.Fleet(env)
    private_pam_d()
    host_keys(env)
    f.host("sshd-a", ldap_timeout=LDAP_TIMEOUT)
    f.host("sshd-b", ldap_timeout=LDAP_TIMEOUT)
    with ssh.Sshd(env, [f"conf={f.conf_path('sshd-a')}"], KI_ONLY) as a, \
            ssh.Sshd(env, [f"conf={f.conf_path('sshd-b')}"], KI_ONLY, service="sshd-b") as b:
        for s in (a, b):
            require(s.effective.get("usepam") == "yes"
                    and s.effective.get("authenticationmethods") == "keyboard-interactive",
                    f"sshd on {s.port}: UsePAM and keyboard-interactive in effect")
        used_code(f, a, b)
        directory_down(f, a)
    log("== 4. nullok (PAM_IGNORE) through sshd: not run: tests/e2e/test_sshd.py has no "
        "nullok case to follow ==")
    f.server.stop()
    ns = os.readlink("/proc/self/ns/mnt")
    left = leftovers(ns)
    check(not left, f"no sshd or slapd left running: {left}")
    log(f"fleet sshd cases in {time.monotonic() - t0:.1f} s")


if __name__ == "__main__":
    e2e.main(PACKAGES, main)
