#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Fleet mode when the directory fails or is not what it should be: each ends within
ldap_timeout (+1 s) with PAM_AUTHINFO_UNAVAIL and a log line that says which; a server
error is never "not enrolled"; TLS with the wrong CA sends nothing in clear; a user name
full of filter syntax finds nothing; and a login on the file store maps no libldap."""
import os
import socket
import subprocess
import threading
import time

import fleet
from fleet import T0, e2e, log, record, totp
from checks import check, require

PROBE = os.environ.get("LDAP_PROBE", "")
SLACK = float(os.environ.get("FLEET_TIME_SLACK", "0"))  # memcheck is slow to start
UNAVAIL = "PAM_AUTHINFO_UNAVAIL"


def timed(f, host, user="alice", answers=None, now=T0):
    t = time.monotonic()
    r = f.login(host, user, answers if answers is not None else [totp(now)], now)
    return r, time.monotonic() - t


def expect_unavail(f, host, what, pattern, limit, user="alice"):
    m = f.env.log_mark()
    r, secs = timed(f, host, user)
    check(r.result == UNAVAIL, f"{what}: {r.result} in {secs:.2f} s")
    check(secs <= limit + SLACK, f"{what}: over within {limit + SLACK} s ({secs:.2f} s)")
    line = f.env.wait_log(m, pattern)
    check(line, f"{what}: the log says /{pattern}/: {line}")
    return r


def killed_mid_login(f):
    log("== the server killed while the user types, then restarted ==")
    f.set_record("alice", record())
    m = f.env.log_mark()

    def kill_then_answer(_login):
        f.server.kill()
        return totp(T0)
    r = f.login("a", "alice", [kill_then_answer], T0)
    check(r.result == UNAVAIL, f"fails closed: {r.result}")
    check(r.seconds_after_answer(0) <= 3 + 1 + SLACK, "within ldap_timeout + 1 s after the answer "
          f"({r.seconds_after_answer(0):.2f} s)")
    check(f.env.wait_log(m, r"directory: .*Can't contact LDAP server"), "logged: cannot contact")
    f.server.restart()
    check(f.login("a", "alice", [totp(T0)], T0).result == "PAM_SUCCESS", "works again after "
          "the restart (the code was not used up by the failed login)")


class Recorder:
    """A TCP relay in front of the server that keeps what the client sent."""

    def __init__(self, port):
        self.sent = b""
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(8)
        self.port = self.lsock.getsockname()[1]
        self.target = port
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            s = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self._pipe, args=(c, s, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(s, c, False), daemon=True).start()

    def _pipe(self, a, b, record):
        try:
            while (data := a.recv(65536)):
                if record:
                    self.sent += data
                b.sendall(data)
        except OSError:
            pass
        for x in (a, b):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def wrong_ca(f):
    log("== StartTLS and ldaps:// with a CA that did not sign the server: refused ==")
    rec = Recorder(f.server.port)
    f.host("wrongca", uri=f"ldap://127.0.0.1:{rec.port}", ldap_ca_file=f.ca.wrong_ca_file)
    expect_unavail(f, "wrongca", "StartTLS, wrong CA", r"directory: .*StartTLS", 3 + 1)
    check(b"1.3.6.1.4.1.1466.20037" in rec.sent, "the client asked for StartTLS")
    check(f.server.service_pw.encode() not in rec.sent and b"pam_otp" not in rec.sent,
          f"neither the bind DN nor its password went out in clear ({len(rec.sent)} bytes sent)")
    f.host("wrongca2", uri=f.server.uri_ldaps, ldap_ca_file=f.ca.wrong_ca_file)
    expect_unavail(f, "wrongca2", "ldaps, wrong CA", r"directory: .*connect \(TLS\)", 3 + 1)
    # An LDAPTLS_REQCERT=never in the environment (or ldap.conf) does not weaken the check.
    r = f.login("wrongca2", "alice", [totp(T0)], T0, extra_env={"LDAPTLS_REQCERT": "never"})
    check(r.result == UNAVAIL, f"LDAPTLS_REQCERT=never changes nothing: {r.result}")


def silent_server(f):
    log("== a server that accepts and never answers: bounded by ldap_timeout ==")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    f.host("silent", uri=f"ldap://127.0.0.1:{s.getsockname()[1]}", ldap_timeout=2)
    expect_unavail(f, "silent", "silent server", r"directory: .*(no answer|Timed out|"
                   r"Can't contact)", 2 + 1)
    s.close()


STARTTLS_OID = b"1.3.6.1.4.1.1466.20037"


def starttls_ok(msgid):
    """An LDAP ExtendedResponse: success for StartTLS, message msgid (< 128)."""
    body = b"\x0a\x01\x00\x04\x00\x04\x00\x8a" + bytes([len(STARTTLS_OID)]) + STARTTLS_OID
    seq = b"\x02\x01" + bytes([msgid]) + b"\x78" + bytes([len(body)]) + body
    return b"\x30" + bytes([len(seq)]) + seq


def stalling_server(mode):
    """A loopback server that accepts StartTLS (mode "starttls", "trickle") and then never
    completes the TLS handshake ("trickle": a record of 16 KiB at one byte every 0.3 s), or that
    says nothing at all ("silent", for ldaps://). Its port."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)

    def serve(c):
        try:
            if mode != "silent":
                data = c.recv(4096)
                c.sendall(starttls_ok(data[4] if len(data) > 4 else 1))
            if mode == "trickle":  # a TLS record header for 16 KiB, then its bytes slowly
                c.sendall(b"\x16\x03\x03\x40\x00")
            while mode == "trickle":
                c.sendall(b"\x00")
                time.sleep(0.3)
            time.sleep(60)
        except OSError:
            pass

    def accept():
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(c,), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()
    return s


def stalled_handshake(f):
    log("== a server that stalls the TLS handshake: bounded by ldap_timeout, no busy loop ==")
    for mode, scheme in (("starttls", "ldap"), ("trickle", "ldap"), ("silent", "ldaps")):
        s = stalling_server(mode)
        f.host("stall", uri=f"{scheme}://127.0.0.1:{s.getsockname()[1]}", ldap_timeout=2)
        t0 = os.times()
        r = expect_unavail(f, "stall", f"{scheme}://, handshake {mode}",
                           r"directory: .*no answer within ldap_timeout", 2 + 1)
        cpu = sum(os.times()[2:4]) - sum(t0[2:4])  # children's user + system time
        check(cpu < 1.0 + SLACK, f"{scheme}://, handshake {mode}: no busy loop while it waits "
              f"({cpu:.2f} s of CPU)")
        s.close()


def oversized(f):
    log("== a record over 64 KiB, and a message over the 256 KiB a server may send ==")
    for size, pattern in ((100_000, r"directory: .*over 65536 bytes"),
                          (300_000, r"directory: .*(search|Decoding|decoding|contact)")):
        f.set_record("bob", record() + b"#" * size + b"\n")
        expect_unavail(f, "a", f"a record of {size} bytes", pattern, 3 + 1, user="bob")
    f.set_record("bob", None)


def no_thread(f):
    log("== no thread for the deadline (RLIMIT_NPROC spent): the directory is not asked ==")
    f.set_record("alice", record())
    m = f.env.log_mark()
    r = f.login("a", "alice", [totp(T0)], T0,
                extra_env={"LD_PRELOAD": os.environ["NOTHREAD_SHIM"]})
    check(r.result == UNAVAIL and f.env.wait_log(m, r"cannot start the deadline thread"),
          f"fails closed, saying why: {r.result}")


def down_and_failover(f):
    log("== a server that is down; failover along ldap_uri ==")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    f.host("down", uri=f"ldap://127.0.0.1:{port}")
    expect_unavail(f, "down", "server down", r"directory: ldap://127.0.0.1:\d+: StartTLS", 3 + 1)
    f.set_record("alice", record())
    f.host("failover", uri=f"ldap://127.0.0.1:{port} {f.server.uri_ldap}")
    r = f.login("failover", "alice", [totp(T0 + 60)], T0 + 60)
    check(r.result == "PAM_SUCCESS", f"the second URI answers: {r.result}")


def bad_binds(f):
    log("== wrong credentials; insecure settings refused ==")
    f.host("badpw", ldap_bind_pw="not-the-password")
    expect_unavail(f, "badpw", "wrong bind password", r"directory: .*bind: Invalid credentials",
                   3 + 1)
    f.host("plain", ldap_allow_insecure=None, uri=f.server.uri_ldap.replace("ldap:", "http:"))
    expect_unavail(f, "plain", "a scheme other than ldap/ldaps/ldapi",
                   r"ldap_uri must be ldaps://", 3 + 1)


def entries(f):
    log("== no entry, several entries, no record ==")
    f.host("nullok", nullok="yes", debug="yes", then="auth required pam_permit.so")
    expect_unavail(f, "nullok", "no entry for the user (nullok does not apply)",
                   r"directory: .*no entry for this user", 3 + 1, user="carol")
    f.server.add(f"dn: uid=carol,{fleet.sl.SERVICES}\nobjectClass: account\n"
                 "objectClass: posixAccount\nuid: carol\ncn: carol\nuidNumber: 3103\n"
                 "gidNumber: 3103\nhomeDirectory: /home/carol\n")
    f.server.add_user("carol", 3103)
    expect_unavail(f, "nullok", "several entries", r"several entries match", 3 + 1, user="carol")
    f.server.set_record("bob", None)
    m = f.env.log_mark()
    r = f.login("nullok", "bob", [], T0)
    check(r.result == "PAM_SUCCESS" and f.env.wait_log(m, r"nullok, ignoring"),
          f"an entry without a record is not enrolled: nullok ignores it: {r.result}")
    r = f.login("a", "bob", [], T0)
    check(r.result == "PAM_AUTH_ERR", f"... and without nullok: {r.result}")


def injection(f):
    log("== filter syntax in the user name finds nothing ==")
    require(PROBE and os.path.exists(PROBE), f"LDAP_PROBE={PROBE!r}")

    def probe(user):
        r = subprocess.run([PROBE, fleet.PLUGIN, f.server.uri_ldap, f.server.suffix,
                            f.server.service_dn, f.ca.ca_file, user],
                           input=f.server.service_pw + "\n", capture_output=True, text=True,
                           timeout=30)
        return r.returncode, r.stdout.strip()
    rc, out = probe("alice")
    require(rc == 0 and "uid=alice," in out, f"the probe finds alice: {out}")
    for user in ("*", "alic*", "alice)(uid=*", "*)(objectClass=*", "alice)(|(uid=*",
                 "\\2a", "alice\\00", "(uid=alice)"):
        rc, out = probe(user)
        check(rc == 1 and "no entry for this user" in out, f"{user!r}: {out}")
    # Through the module such names do not get that far: not a valid user name.
    r = f.login("a", "alice)(uid=*", [], T0)
    check(r.result == "PAM_USER_UNKNOWN", f"the module refuses the name itself: {r.result}")


def libldap_only_for_ldap(f):
    log("== the file store never maps libldap; store=ldap does ==")
    f.env.write_otp("alice", fleet.SECRET)
    f.env.write(os.path.join(f.confdir, "filestore"), f"auth required {fleet.TEST_MODULE}\n")
    r = f.login("filestore", "alice", [totp(T0)], T0, extra_env={"LD_DEBUG": "files"})
    check(r.result == "PAM_SUCCESS", f"a file-store login: {r.result}")
    check("libldap" not in r.stderr and "pam_otp_ldap" not in r.stderr,
          "no libldap and no pam_otp_ldap.so were loaded")
    f.set_record("alice", record())
    r = f.login("a", "alice", [totp(T0 + 90)], T0 + 90, extra_env={"LD_DEBUG": "files"})
    check(r.result == "PAM_SUCCESS" and "libldap" in r.stderr,
          "store=ldap loads libldap (the check above can see it)")


def main(env):
    f = fleet.Fleet(env)
    f.host("a")
    for test in (injection, wrong_ca, silent_server, stalled_handshake, no_thread, oversized,
                 down_and_failover, bad_binds, entries,
                 libldap_only_for_ldap, killed_mid_login):
        test(f)
    f.check_logs_clean()


if __name__ == "__main__":
    e2e.main(fleet.PACKAGES, main)
