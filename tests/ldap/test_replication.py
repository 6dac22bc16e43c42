#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Fleet mode on two replicating providers (OpenLDAP multi-provider: syncprov + syncrepl).
Host A writes to provider a, host B to provider b. After replication a code used on A is
refused on B; before it, it is not: the window is measured here (replication lag), and two
logins racing on the two providers can both pass, since compare-and-swap holds on one server
only. The recommended setup (every host writes to the same provider, failing over in
ldap_uri order) closes it: the same race accepts one login, and failover keeps logins going.
"""
import statistics

import fleet
from fleet import T0, e2e, log, record, sl, totp
from checks import check, require

TRIALS = 20


def fresh(f, pair, step):
    """A new record on a, replicated to b; the test time of a step nobody used yet."""
    data = record()
    pair.a.set_record("alice", data)
    pair.wait_replicated("alice", data, on=pair.b)
    return T0 + 30 * step


def sequential(f, pair):
    log("== a code used on A (provider a) is refused on B (provider b) once replicated ==")
    lags = []
    for i in range(TRIALS):
        t = fresh(f, pair, 2 * i)
        r = f.login("ra", "alice", [totp(t)], t)
        require(r.result == "PAM_SUCCESS", f"A accepts the code: {r.result}")
        lags.append(pair.wait_replicated("alice", pair.a.get_record("alice"), on=pair.b))
        r = f.login("rb", "alice", [totp(t)], t + 1)
        check(r.result == "PAM_AUTH_ERR", f"trial {i}: B refuses the code after replication")
    ms = sorted(x * 1000 for x in lags)
    log(f"replication lag a -> b after a login (the replay window), {TRIALS} logins: median "
        f"{statistics.median(ms):.1f} ms, max {ms[-1]:.1f} ms (includes ~5 ms of polling)")
    return ms


def racing(f, pair, hosts, what):
    """The same code given to one login on each host at once, TRIALS times: how often both
    were accepted."""
    both = 0
    for i in range(TRIALS):
        t = fresh(f, pair, 2 * i + 100)
        res = f.race([totp(t)] * 2, hosts=hosts, now=t)
        both += res.count("PAM_SUCCESS") == 2
        check(res.count("PAM_SUCCESS") >= 1, f"{what}, trial {i}: one login passes: {res}")
    log(f"{what}: both logins accepted in {both} of {TRIALS} races")
    return both


def failover(f, pair):
    log("== single writer with failover: provider a down, every host goes on with b ==")
    t = fresh(f, pair, 300)
    pair.a.stop()
    try:
        r = f.login("fa", "alice", [totp(t)], t)
        check(r.result == "PAM_SUCCESS", f"A fails over to provider b: {r.result}")
        r = f.login("fb", "alice", [totp(t)], t + 1)
        check(r.result == "PAM_AUTH_ERR", "B, also on b now, refuses the same code")
    finally:
        pair.a.start()
    pair.wait_replicated("alice", pair.b.get_record("alice"), on=pair.a)
    r = f.login("fa", "alice", [totp(t)], t + 2)
    check(r.result == "PAM_AUTH_ERR", "back on a (replicated from b): still refused")


def main(env):
    ca = sl.TestCA(env.path("ca"))
    pair = sl.MirrorPair(env.path("mirror"), ca).start()
    f = fleet.Fleet(env, server=pair.a, ca=ca)
    for name, _ in fleet.USERS:
        pair.wait_replicated(name, None, on=pair.b)
    f.host("ra", uri=pair.a.uri_ldap)
    f.host("rb", uri=pair.b.uri_ldap, server=pair.b)
    # The recommended setup: both hosts write to a, and fail over to b in ldap_uri order.
    for h in ("fa", "fb"):
        f.host(h, uri=f"{pair.a.uri_ldap} {pair.b.uri_ldap}")
    ms = sequential(f, pair)
    split = racing(f, pair, ("ra", "rb"), "hosts on different providers")
    single = racing(f, pair, ("fa", "fb"), "hosts on one provider (recommended)")
    check(single == 0, "with one writable provider a code is never accepted twice")
    failover(f, pair)
    log(f"SUMMARY replay window {statistics.median(ms):.1f} ms median, {ms[-1]:.1f} ms max; "
        f"racing on two providers: {split}/{TRIALS} double acceptances; on one: {single}/{TRIALS}")


if __name__ == "__main__":
    e2e.main(fleet.PACKAGES, main)
