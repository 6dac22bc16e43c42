#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Fleet mode through the real module: two hosts (A and B: PAM services with confs of their
own) share one directory. What one host does to a user's state holds on the other: a used
code, an HOTP counter, a lockout, the SMS limits; and 64 logins at once across both hosts
neither accept a code twice nor lose an update (compare-and-swap, decided again on conflict).
"""
import os
import fleet
from fleet import T0, e2e, log, otp, record, totp
from checks import check, require

WORKERS = int(os.environ.get("FLEET_WORKERS", "64"))  # fewer under memcheck
FAKE_SMS = os.path.join(os.path.dirname(fleet.HERE), "sms", "fake_sms_command.py")


def used_code_refused_on_the_other_host(f):
    log("== a TOTP code used on A is refused on B ==")
    f.set_record("alice", record())
    code = totp(T0)
    a = f.login("a", "alice", [code], T0)
    require(a.result == "PAM_SUCCESS", f"A accepts the code: {a}")
    b = f.login("b", "alice", [code], T0 + 5)
    check(b.result == "PAM_AUTH_ERR", f"B refuses the same code: {b.result}")
    check(f.record("alice").get("last_step") == str(T0 // 30), "the replay guard is in the entry")
    b = f.login("b", "alice", [totp(T0 + 30)], T0 + 30)
    check(b.result == "PAM_SUCCESS", f"B accepts the next code: {b.result}")


def hotp_counter_shared(f):
    log("== an HOTP counter advanced on A holds on B ==")
    f.set_record("alice", record("hotp", counter=0))
    require(f.login("a", "alice", [otp(3)]).result == "PAM_SUCCESS", "A accepts code 3")
    check(f.record("alice").get("counter") == "4", "the counter in the entry is 4")
    for c in (0, 3):
        check(f.login("b", "alice", [otp(c)]).result == "PAM_AUTH_ERR",
              f"B refuses code {c} (behind the counter A moved)")
    check(f.login("b", "alice", [otp(4)]).result == "PAM_SUCCESS", "B accepts code 4")
    check(f.record("alice").get("counter") == "5", "the counter is 5")


def lockout_shared(f):
    log("== failures on A lock the user out on B ==")
    f.set_record("alice", record())
    for i in range(3):
        r = f.login("a", "alice", ["000000" if totp(T0) != "000000" else "111111"], T0 + i)
        check(r.result == "PAM_AUTH_ERR", f"A: wrong code {i + 1} refused")
    rec = f.record("alice")
    check(rec.get("failures") == "3" and int(rec.get("locked_until", 0)) > T0,
          f"the lockout is in the entry: {rec.get('failures')} failures, "
          f"locked until {rec.get('locked_until')}")
    m = f.env.log_mark()
    b = f.login("b", "alice", [totp(T0 + 4)], T0 + 4)
    check(b.result != "PAM_SUCCESS" and not b.answered,
          f"B refuses the right code, without asking for it: {b}")
    check(f.env.wait_log(m, r"locked"), "B's log says the user is locked out")
    later = int(rec["locked_until"]) + 1
    later += 30 - later % 30
    check(f.login("b", "alice", [totp(later)], later).result == "PAM_SUCCESS",
          "after the lockout B accepts a right code")


def sms_limits_shared(f):
    log("== a text sent through A counts on B (sms_min_interval) ==")
    out = f.env.path("sms-out")
    os.makedirs(out, exist_ok=True)
    sms = {"sms_countries": "any", "provider": "command",
           "command": f"{FAKE_SMS} {out} {{to}}", "sms_helper": os.environ["PAM_OTP_SMS"],
           "sms_min_interval": 600}
    f.host("sms-a", **sms)
    f.host("sms-b", **sms)
    f.set_record("alice", record(extra="phone +15551234567\n"))
    a = f.login("sms-a", "alice", ["sms", "000000"], T0)
    check(any("Code sent" in p for p in a.prompts), f"A sends a text: {a.prompts}")
    b = f.login("sms-b", "alice", ["sms", totp(T0 + 10)], T0 + 10)
    check(not any("Code sent" in p for p in b.prompts) and
          any("already sent" in t or "wait" in t.lower() for t in b.prompts + b.errors),
          f"B does not send another within sms_min_interval: {b}")
    check(f.record("alice").get("sms_last") == str(T0), "the entry holds when it was sent")


def grace_per_host(f):
    log("== a grace period opened on host-a is for host-a only (same service on both) ==")
    f.set_record("alice", record())
    f.host("grace", grace_period=600, grace_local="yes")
    t = T0 + 30 * 60
    r = f.login("grace", "alice", [totp(t)], t, hostname="host-a")
    check(r.result == "PAM_SUCCESS", f"host-a: code accepted: {r.result}")
    r = f.login("grace", "alice", [], t + 5, hostname="host-a")
    check(r.result == "PAM_SUCCESS" and not r.prompts, f"host-a again: in its grace period, "
          f"not asked: {r}")
    r = f.login("grace", "alice", [], t + 5, hostname="host-b")
    check(r.prompts and r.result != "PAM_SUCCESS", f"host-b: asked for a code all the same: {r}")


def other_binds(f):
    log("== SASL EXTERNAL: root over ldapi://, and a TLS client certificate ==")
    f.set_record("alice", record())
    f.host("ldapi", uri=f.server.uri_ldapi, ldap_bind_dn=None, ldap_bind_pw=None)
    f.host("cert", ldap_bind_dn=None, ldap_bind_pw=None, ldap_cert_file=f.ca.client_cert,
           ldap_key_file=f.ca.client_key)
    f.host("nocert", ldap_bind_dn=None, ldap_bind_pw=None)
    for i, h in enumerate(("ldapi", "cert")):
        t = T0 + 30 * (i + 40)
        r = f.login(h, "alice", [totp(t)], t)
        check(r.result == "PAM_SUCCESS", f"{h}: bound as the service, code accepted: {r.result}")
    m = f.env.log_mark()
    r = f.login("nocert", "alice", [totp(T0)], T0)
    check(r.result == "PAM_AUTHINFO_UNAVAIL" and f.env.wait_log(m, r"directory: .*bind"),
          f"EXTERNAL over TLS without a certificate is refused at the bind: {r.result}")


def parallel_same_code(f):
    log(f"== {WORKERS} logins across A and B with the same code: exactly one succeeds ==")
    f.set_record("alice", record())
    res = f.race([totp(T0)] * WORKERS, hosts=("ha", "hb"))
    ok = res.count("PAM_SUCCESS")
    check(ok == 1, f"exactly one login succeeds: {ok} ({sorted(set(res))})")
    check(res.count("PAM_AUTH_ERR") == WORKERS - 1,
          f"the others are refused as wrong or replayed: {res.count('PAM_AUTH_ERR')}")
    check(f.record("alice").get("last_step") == str(T0 // 30), "the step is recorded")


def parallel_hotp(f):
    log(f"== {WORKERS} distinct HOTP codes across A and B: no update is lost ==")
    f.set_record("alice", record("hotp", counter=0))
    res = f.race([otp(i) for i in range(WORKERS)], hosts=("ha", "hb"))
    accepted = [i for i, r in enumerate(res) if r == "PAM_SUCCESS"]
    counter = int(f.record("alice")["counter"])
    log(f"{len(accepted)} accepted, highest {max(accepted, default=-1)}, counter {counter}")
    check(accepted and counter == max(accepted) + 1,
          "the counter is one past the highest accepted code")
    check(not [r for r in res if r not in ("PAM_SUCCESS", "PAM_AUTH_ERR")],
          f"every login got an answer: {sorted(set(res))}")
    for i in accepted[:8]:
        check(f.login("ha", "alice", [otp(i)]).result == "PAM_AUTH_ERR",
              f"accepted code {i} is spent")


def parallel_wrong(f):
    log(f"== {WORKERS} wrong codes across A and B: every failure is counted ==")
    f.set_record("alice", record())
    wrong = "000000" if totp(T0) != "000000" else "111111"
    res = f.race([wrong] * WORKERS, hosts=("ha", "hb"))
    check(res.count("PAM_AUTH_ERR") == WORKERS, f"all refused: {sorted(set(res))}")
    check(f.record("alice").get("failures") == str(WORKERS),
          f"{WORKERS} failures in the entry: {f.record('alice').get('failures')}")


def main(env):
    f = fleet.Fleet(env)
    f.host("a")
    f.host("b", uri=f.server.uri_ldaps)  # the same directory over ldaps://
    # The race hosts: no lockout (it would end the race early) and a look-ahead for all.
    for h in ("ha", "hb"):
        f.host(h, max_failures=0, hotp_window=WORKERS, ldap_timeout=30)
    for test in (used_code_refused_on_the_other_host, hotp_counter_shared, lockout_shared,
                 sms_limits_shared, grace_per_host, other_binds, parallel_same_code, parallel_hotp, parallel_wrong):
        test(f)
    f.check_logs_clean()


if __name__ == "__main__":
    e2e.main(fleet.PACKAGES, main)
