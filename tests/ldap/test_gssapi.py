#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""otp-enroll with store=ldap run by a user who has a Kerberos ticket: it binds with SASL
GSSAPI (no password asked), against a real MIT KDC (tests/ldap/kdc.py) and a slapd that
accepts GSSAPI and maps alice@EXAMPLE.ORG to her entry, and writes her record where the ACL
lets her. With the ticket gone (kdestroy) or expired but KRB5CCNAME still set, it fails
with a message that says so, writes nothing, and does not fall back to a password."""
import os
import re
import subprocess
import time

import fleet
from fleet import e2e, log, sl
from checks import check, require, skip

import kdc

ENROLL = os.environ.get("PAM_OTP_ENROLL", "")
PACKAGES = fleet.PACKAGES + ["krb5-kdc", "krb5-admin-server", "krb5-user",
                             "libsasl2-modules-gssapi-mit"]
ALICE_KRB_PW = "alice-kerberos-pw"
PROMPT = "Directory (LDAP) password for"  # enroll/directory.c, without a ticket


def enroll_as(uid, argv, extra_env, timeout=30):
    """otp-enroll as uid with only extra_env (setpriv --reset-env drops KRB5CCNAME, so it is
    given back through env), without a terminal (a new session) and with stdin empty: a
    password prompt could get no answer and would show in the output."""
    pre = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--reset-env",
           "env", *[f"{k}={v}" for k, v in extra_env.items()]]
    t = time.monotonic()
    r = subprocess.run(pre + [ENROLL, *argv], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=timeout, start_new_session=True)
    return r.returncode, r.stdout + r.stderr, time.monotonic() - t


def log_since(path, mark):
    with open(path, "rb") as f:
        f.seek(mark)
        return f.read().decode(errors="replace")


def main(env):
    require(ENROLL and os.path.exists(ENROLL), f"PAM_OTP_ENROLL={ENROLL!r}")
    for prog in ("krb5kdc", "kdb5_util", "kadmin.local", "kinit", "kdestroy"):
        if not kdc.tool(prog):
            skip(f"{prog} not found (packages krb5-kdc, krb5-admin-server, krb5-user)")
    uid = dict(fleet.USERS)["alice"]

    log("== a private KDC, slapd with GSSAPI, alice with a ticket ==")
    k = kdc.Kdc(env.path("kdc")).start()
    k.add_principal("alice", ALICE_KRB_PW)
    svc = k.ldap_service()
    log(f"service principal {svc.principal} (libldap's name for a loopback server)")
    ca = sl.TestCA(env.path("ca"))
    server = sl.Slapd(env.path("slapd"), ca, self_write=True, gssapi=svc)
    f = fleet.Fleet(env, server=server, ca=ca)  # alice, bob in /etc/passwd and the directory
    f.set_record("alice", None)
    ccache = k.kinit("alice", ALICE_KRB_PW, env.path("krb5cc_alice"), uid=uid)
    st = os.stat(ccache[5:])
    require(st.st_uid == uid and st.st_mode & 0o777 == 0o600, "the ccache is alice's, 0600")
    # ldap_plugin is a conf key only: a conf alice can read (as tests/ldap/test_enroll.py).
    conf = env.write("user.conf", f"ldap_plugin = {fleet.PLUGIN}\nseal = off\n", mode=0o644)
    argv = ["--store=ldap", f"--ldap-uri={server.uri_ldap}", f"--ldap-base={sl.PEOPLE}",
            f"--ldap-ca-file={ca.ca_file}", f"--conf={conf}", "--no-confirm", "--qr=none"]
    krb_env = {"KRB5CCNAME": ccache, "KRB5_CONFIG": k.krb5_conf}

    log("== otp-enroll as alice binds with her ticket ==")
    slog, klog = os.path.getsize(server.log), os.path.getsize(k.log)
    rc, out, took = enroll_as(uid, argv, krb_env)
    log(f"otp-enroll took {took:.2f} s")
    check(rc == 0, f"otp-enroll with a ticket: exit {rc}: {out.strip()[-400:]}")
    check(PROMPT not in out, f"no password asked for: {out.strip()[-200:]}")
    m = re.search(r"^otpauth://\S+[?&]secret=([A-Z2-7]+)", out, re.M)
    rec = f.server.get_record("alice")
    check(m and rec is not None and f"secret {m.group(1)}" in rec.decode(),
          "her entry has the record with the secret she was shown")
    binds = log_since(server.log, slog)
    dn = sl.Slapd.user_dn("alice")
    check(re.search(rf'BIND dn="{re.escape(dn)}" mech=GSSAPI', binds),
          f"slapd: alice bound with GSSAPI as {dn}")
    # (the fixture's own reads bind as rootdn with a password: only alice's DN counts)
    check(not re.search(rf'BIND dn="{re.escape(dn)}" (method=128|mech=SIMPLE)', binds),
          "and she did not bind with a password")
    check(re.search(rf"ISSUE: .* alice@{k.realm} for {re.escape(svc.principal)}",
                    log_since(k.log, klog)),
          f"KDC: a service ticket for {svc.principal} was issued to alice")

    log("== without KRB5CCNAME (and no /tmp/krb5cc_UID) she is asked for a password ==")
    require(not os.path.exists(f"/tmp/krb5cc_{uid}"), f"/tmp/krb5cc_{uid} does not exist")
    rc, out, _ = enroll_as(uid, argv, {"KRB5_CONFIG": k.krb5_conf})
    check(rc == 1 and PROMPT in out and "no directory password given" in out,
          f"the password path (what the checks above rule out): {out.strip()[-200:]}")

    log("== her ticket destroyed, KRB5CCNAME still set ==")
    f.set_record("alice", None)
    k.kdestroy(ccache)
    slog = os.path.getsize(server.log)
    rc, out, took = enroll_as(uid, argv, krb_env)
    log(f"otp-enroll without a ticket: exit {rc} in {took:.2f} s: {out.strip()}")
    check(rc == 1 and f.server.get_record("alice") is None,
          "fails (exit 1) and writes nothing")
    check(PROMPT not in out, "no password asked for instead")
    check("mech=GSSAPI" not in log_since(server.log, slog), "no GSSAPI bind succeeded")
    check(re.search(r"No Kerberos credentials available", out),
          "the message says there is no Kerberos ticket")
    check(f"ticket cache {ccache}" in out and "run kinit" in out
          and "unset KRB5CCNAME" in out,
          "and names the cache and what to do (kinit, or unset KRB5CCNAME)")

    log("== her ticket expired, KRB5CCNAME still set ==")
    k.kinit("alice", ALICE_KRB_PW, ccache, uid=uid, lifetime="2s")
    time.sleep(3)
    rc, out, took = enroll_as(uid, argv, krb_env)
    log(f"otp-enroll with an expired ticket: exit {rc} in {took:.2f} s: {out.strip()}")
    check(rc == 1 and f.server.get_record("alice") is None,
          "fails (exit 1) and writes nothing")
    check(re.search(r"expired", out, re.I), "the message says the ticket has expired")
    check("run kinit" in out, "and to run kinit")

    log("== a fresh ticket works again ==")
    k.kinit("alice", ALICE_KRB_PW, ccache, uid=uid)
    rc, out, _ = enroll_as(uid, argv, krb_env)
    check(rc == 0 and f.server.get_record("alice") is not None,
          f"after kinit: enrolled: {out.strip()[-200:]}")
    server.stop()
    k.stop()


if __name__ == "__main__":
    e2e.main(PACKAGES, main)
