#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""otp-enroll with store=ldap against the test server: root enrolls a user through the
module's bind (sealed to the fleet key, opened by two hosts, refused when copied to another
entry), manages the record (--status, --phone, --backup-codes, --remove, no overwrite
without --force); a user enrolls themselves with their directory password where the ACL
lets them, and is refused with a clear message where it does not; root migrates file
enrollments into the directory (--dry-run first), leaving files that fail closed."""
import os
import re
import subprocess
import time
import urllib.parse

import fleet
from fleet import T0, e2e, log, sl
from checks import check, require

ENROLL = os.environ.get("PAM_OTP_ENROLL", "")


def run(argv, input=None, uid=None, timeout=60):
    pre = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--reset-env"] \
        if uid is not None else []
    r = subprocess.run(pre + argv, input=input, capture_output=True, text=True,
                       timeout=timeout)
    return r.returncode, r.stdout + r.stderr


def secret_of(out):
    m = re.search(r"^otpauth://\S+", out, re.M)
    require(m, f"a provisioning URI was printed: {out[-400:]}")
    return urllib.parse.parse_qs(urllib.parse.urlparse(m.group(0)).query)["secret"][0]


def enroll(f, conf, *args, uid=None, input=None):
    return run([ENROLL, f"--conf={conf}", "--qr=none", *args], input=input, uid=uid)


def root_flow(f):
    log("== root enrolls alice in the directory, sealed to the fleet key ==")
    conf = f.conf_path("a")
    rc, out = run([ENROLL, f"--conf={conf}", "--host-keygen"])
    require(rc == 0, f"--host-keygen: {out}")
    f.set_record("alice", None)
    rc, out = enroll(f, conf, "--user=alice", "--no-confirm", "--backup-codes=3")
    require(rc == 0, f"otp-enroll --user=alice: {out}")
    secret = secret_of(out)
    rec = f.server.get_record("alice").decode()
    check("sealed " in rec and secret not in rec, "the entry holds the secret sealed, not plain")
    for host, t in (("a", T0), ("b", T0 + 30)):
        r = f.login(host, "alice", [fleet.totp(t, secret)], t)
        check(r.result == "PAM_SUCCESS", f"host {host} opens the sealed secret: {r.result}")
    rc, out = enroll(f, conf, "--user=alice", "--no-confirm")
    check(rc == 1 and "already" in out, f"no second enrollment without --force: {out.strip()}")
    # The sealed secret is bound to alice's DN: copied into bob's entry it does not open.
    f.server.set_record("bob", rec.encode())
    m = f.env.log_mark()
    r = f.login("a", "bob", [fleet.totp(T0 + 60, secret)], T0 + 60)
    check(r.result != "PAM_SUCCESS" and f.env.wait_log(m, r"sealed for another user"),
          f"alice's record copied to bob's entry does not open: {r.result}")
    f.server.set_record("bob", None)

    rc, out = enroll(f, conf, "--user=alice", "--status")
    check(rc == 0 and "Record:        ldap:uid=alice,ou=people,dc=example,dc=org" in out
          and "3 left" in out, f"--status names the entry: {out.strip()}")
    rc, out = enroll(f, conf, "--user=alice", "--phone=+15551234567", "--backup-codes=5")
    check(rc == 0 and fleet.fields(f.server.get_record("alice")).get("phone") == "+15551234567",
          f"--phone and --backup-codes change the entry: {out.strip()[-200:]}")
    check(str(f.server.get_record("alice")).count("backup ") == 5, "5 backup codes now")
    rc, out = enroll(f, conf, "--user=alice", "--remove")
    check(rc == 0 and f.server.get_record("alice") is None, f"--remove: {out.strip()}")
    rc, out = enroll(f, conf, "--user=alice", "--status")
    check(rc == 1 and "has no record" in out, f"--status after --remove: {out.strip()}")


def user_flow(f, selfserve):
    log("== alice enrolls herself with her directory password ==")
    uid = dict(fleet.USERS)["alice"]
    flags = ["--store=ldap", f"--ldap-uri={selfserve.uri_ldap}", f"--ldap-base={sl.PEOPLE}",
             f"--ldap-ca-file={f.ca.ca_file}", "--conf=/nonexistent-pam_otp.conf"]
    plug = f.env.path("user.conf")
    # ldap_plugin is a conf key only: a user's conf for it (the settings the root-only conf
    # would give), readable by alice.
    f.env.write(plug, f"ldap_plugin = {fleet.PLUGIN}\nseal = off\n", mode=0o644)
    flags[-1] = f"--conf={plug}"
    p = subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                          "--reset-env", ENROLL, "--qr=none", *flags],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    p.stdin.write("alice-directory-pw\n")
    p.stdin.flush()
    out = ""
    deadline = time.monotonic() + 30
    while "otpauth://" not in out and time.monotonic() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        out += line
    secret = secret_of(out)
    p.stdin.write(fleet.totp(int(time.time()), secret) + "\n")  # the confirmation code
    p.stdin.close()
    out += p.stdout.read()
    p.wait(timeout=30)
    check(p.returncode == 0, f"self-enrollment with confirmation: exit {p.returncode}: "
          f"{out.strip()[-300:]}")
    check(selfserve.get_record("alice") is not None, "alice's entry has her record")
    rc, out = run([ENROLL, "--status", *flags], input="alice-directory-pw\n", uid=uid)
    check(rc == 0 and "Record:" in out, f"--status as alice: {out.strip()[-200:]}")
    rc, out = run([ENROLL, "--status", *flags], input="wrong-pw\n", uid=uid)
    check(rc == 1 and "Invalid credentials" in out, f"a wrong password: {out.strip()}")
    # Where the ACL keeps the record to the service, she can find her entry but not write it.
    closed = sl.Slapd(f.env.path("slapd-closed"), f.ca, anon_search=True)
    closed.start()
    closed.add_user("alice", uid, password="alice-directory-pw")
    flags[1] = f"--ldap-uri={closed.uri_ldap}"
    rc, out = run([ENROLL, "--no-confirm", "--qr=none", *flags], input="alice-directory-pw\n",
                  uid=uid)
    check(rc == 1 and "Insufficient access" in out and closed.get_record("alice") is None,
          f"where the ACL does not let her write, a clear refusal: {out.strip()[-200:]}")
    closed.stop()


def migrate_flow(f):
    log("== root migrates file enrollments into the directory ==")
    fileconf = f.env.path("file.conf")
    keys = "/run/pam_otp/seal"  # a root-owned path all the way up (the namespace's /run)
    f.env.write(fileconf, f"seal_key = {keys}.key\nseal_pub = {keys}.pub\n", mode=0o600)
    f.set_record("alice", None)
    f.set_record("bob", None)
    # alice: sealed to the host key for her file's path; bob: a plain secret.
    rc, out = run([ENROLL, f"--conf={fileconf}", "--host-keygen"])
    require(rc == 0, f"host key: {out}")
    rc, out = run([ENROLL, f"--conf={fileconf}", "--user=alice", "--no-confirm", "--qr=none"])
    require(rc == 0, f"file enrollment of alice: {out}")
    alice_secret = secret_of(out)
    f.env.write_otp("bob", fleet.SECRET)
    f.host("mig", seal_key=f"{keys}.key", seal_pub=f"{keys}.pub")
    f.env.write(os.path.join(f.confdir, "filehost"),
                f"auth required {fleet.TEST_MODULE} conf={fileconf}\n")
    before = {u: open(os.path.join(f.env.home(u), ".otp")).read() for u in ("alice", "bob")}
    rc, out = run([ENROLL, f"--conf={f.conf_path('mig')}", "--migrate=ldap", "--dry-run"])
    log(out.strip())
    check(rc == 0 and "dry run: 2 to move" in out, "the dry run finds both")
    check(f.server.get_record("alice") is None and f.server.get_record("bob") is None and
          all(open(os.path.join(f.env.home(u), ".otp")).read() == before[u]
              for u in ("alice", "bob")), "and changes nothing")
    f.server.set_record("bob", fleet.record())  # bob is in the directory already
    rc, out = run([ENROLL, f"--conf={f.conf_path('mig')}", "--migrate=ldap"])
    log(out.strip())
    check(rc == 0 and "migrate: 1 moved, 1 already in the directory, 0 failed" in out,
          "one moved, one left as it was")
    check("left as it is" in out and open(os.path.join(f.env.home("bob"), ".otp")).read()
          == before["bob"], "bob's file and entry are untouched")
    note = open(os.path.join(f.env.home("alice"), ".otp")).read()
    check("version moved" in note and "uid=alice" in note, "alice's file says where it went")
    rc, out = run([ENROLL, f"--conf={f.conf_path('mig')}", "--migrate=ldap"])
    check(rc == 0 and "moved already" in out and "1 moved" not in out,
          f"a second run finds the note and moves nothing: {out.strip()}")
    r = f.login("mig", "alice", [fleet.totp(T0, alice_secret)], T0)
    check(r.result == "PAM_SUCCESS", f"alice logs in from the directory (re-sealed to the "
          f"entry): {r.result}")
    m = f.env.log_mark()
    r = f.login("filehost", "alice", [fleet.totp(T0 + 30, alice_secret)], T0 + 30)
    check(r.result == "PAM_AUTHINFO_UNAVAIL" and f.env.wait_log(m, r"moved to the directory"),
          f"a host still on files refuses her, saying why: {r.result}")


def main(env):
    require(ENROLL and os.path.exists(ENROLL), f"PAM_OTP_ENROLL={ENROLL!r}")
    f = fleet.Fleet(env)
    os.makedirs("/run/pam_otp", mode=0o755, exist_ok=True)
    keys = "/run/pam_otp/fleet"  # the fleet key: root-owned all the way up, as keys must be
    for h in ("a", "b"):
        f.host(h, seal="required", seal_key=f"{keys}.key", seal_pub=f"{keys}.pub")
    root_flow(f)
    selfserve = sl.Slapd(env.path("slapd-self"), f.ca, self_write=True, anon_search=True)
    selfserve.start()
    selfserve.add_user("alice", dict(fleet.USERS)["alice"], password="alice-directory-pw")
    user_flow(f, selfserve)
    selfserve.stop()
    migrate_flow(f)


if __name__ == "__main__":
    e2e.main(fleet.PACKAGES, main)
