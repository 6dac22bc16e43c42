#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""pam_otp.so against pam_google_authenticator.so and pam_oath.so, pam_permit.so the floor.

Run through bench/run.sh (which builds and enters a private mount namespace):
    bench.py BUILDDIR [--quick] [--update-readme]
Prints a markdown table; --update-readme puts it into bench/README.md.
"""
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from machine import machine, versions  # reads the load average at the start
from private_dev import private_dev, start_syslog, syslog_counts

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
HEX = "3132333435363738393031323334353637383930"   # the same 20-byte secret everywhere
B32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
MODS = ["otp", "ga", "oath"]
NAMES = {"permit": "pam_permit", "otp": "pam_otp", "ga": "google-auth", "oath": "pam_oath"}
UID0 = 20000

QUICK = "--quick" in sys.argv
R = 3 if QUICK else 5            # interleaved repetitions (A B C, A B C, ...)
N = 10 if QUICK else 30          # timed logins per module per repetition
CONC = [(8, 4 if QUICK else 10), (64, 2 if QUICK else 4)]   # (processes, logins each)
RACES = [(8, 5 if QUICK else 10), (64, 3 if QUICK else 5)]  # (processes, races)
CG_ROUNDS = 10


def die(msg):
    print("bench: " + msg, file=sys.stderr)
    sys.exit(1)


# ---- users, files, services -----------------------------------------------------------------
class World:
    def __init__(self, t, build):
        self.t, self.build, self.n = t, build, 0
        self.confdir = os.path.join(t, "pam.d")
        os.mkdir(self.confdir)
        os.mkdir(os.path.join(t, "home"), 0o755)
        with open(os.path.join(t, "group"), "w") as f:
            f.write(f"root:x:0:\nbench:x:{UID0}:\n")
        otp = os.path.join(build, "pam_module", "pam_otp.so")
        svc = {
            "permit": "pam_permit.so",
            "otp": otp,
            "otp_race": otp + " max_failures=0",
            "ga": "pam_google_authenticator.so secret=${HOME}/.google_authenticator",
            "ga_race": "pam_google_authenticator.so secret=${HOME}/.google_authenticator "
                       "no_increment_hotp",
            "oath_totp": "pam_oath.so usersfile=${HOME}/.oath window=1",
            "oath_hotp": "pam_oath.so usersfile=${HOME}/.oath window=5",
        }
        for name, line in svc.items():
            with open(os.path.join(self.confdir, name), "w") as f:
                f.write(f"auth required {line}\n")
        with open(os.path.join(self.confdir, "other"), "w") as f:
            f.write("# empty: libpam logs a complaint on every start when there is none\n")

    def home(self, user):
        return os.path.join(self.t, "home", user)

    def users(self, count, kind):
        """count new users, each with all three modules' files for the same secret."""
        out = []
        for _ in range(count):
            self.n += 1
            u, uid = f"u{self.n}", UID0 + self.n
            h = self.home(u)
            os.mkdir(h, 0o700)
            if kind == "none":
                files = {}
            elif kind == "totp":
                files = {".otp": f"version 1\ntype totp\nsecret {B32}\n",
                         ".google_authenticator":
                             f'{B32}\n" TOTP_AUTH\n" DISALLOW_REUSE\n" WINDOW_SIZE 3\n',
                         ".oath": f"HOTP/T30/6 {u} - {HEX}\n"}
            else:  # every module accepts counter 1 first
                files = {".otp": f"version 1\ntype hotp\nsecret {B32}\ncounter 1\n",
                         ".google_authenticator": f'{B32}\n" HOTP_COUNTER 1\n" WINDOW_SIZE 5\n',
                         ".oath": f"HOTP {u} - {HEX} 0\n"}
            for name, text in files.items():
                p = os.path.join(h, name)
                with open(p, "w") as f:
                    f.write(text)
                os.chmod(p, 0o600)
                os.chown(p, uid, UID0)
            os.chown(h, uid, UID0)
            out.append(u)
        return out

    def env(self, users):
        """nss_wrapper with a passwd holding just these users (a short scan for everyone)."""
        path = os.path.join(self.t, "passwd")
        with open(path, "w") as f:
            f.write("root:x:0:0:root:/root:/bin/sh\n")
            for u in users:
                f.write(f"{u}:x:{UID0 + int(u[1:])}:{UID0}::{self.home(u)}:/bin/sh\n")
        env = dict(os.environ, LD_PRELOAD="libnss_wrapper.so", NSS_WRAPPER_PASSWD=path,
                   NSS_WRAPPER_GROUP=os.path.join(self.t, "group"))
        env.pop("PAM_OTP_TEST_NOW", None)
        return env

    def driver(self, args, users, prefix=()):
        cmd = [*prefix, os.path.join(self.build, "bench", "pam_bench"),
               "--confdir", self.confdir, *map(str, args)]
        p = subprocess.run(cmd, env=self.env(users), capture_output=True, text=True)
        try:
            res = json.loads(p.stdout)
        except ValueError:
            die(f"driver output not JSON ({p.returncode}): {' '.join(cmd)}\n{p.stdout}{p.stderr}")
        res["rc"] = p.returncode
        return res


def service(mod, kind):
    if mod == "oath":
        return "oath_hotp" if kind == "hotp" else "oath_totp"
    return mod


def med(v):
    return statistics.median(v) if v else float("nan")


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


# ---- the series -----------------------------------------------------------------------------
class Bench:
    def __init__(self, w):
        self.w = w
        self.lat = {}        # (series, mod) -> [us]
        self.extra = {}      # other results
        self.failures = []   # what went wrong (a benchmark of failures is worthless)

    def check(self, res, what):
        if res["rc"] != 0:
            self.failures.append(f"{what}: {res.get('bad', '?')} rounds not as expected "
                                 f"(last PAM rc {res.get('last_rc')})")

    def add(self, series, mod, values):
        self.lat.setdefault((series, mod), []).extend(values)

    def order(self, rep, mods):
        k = rep % len(mods)
        return mods[k:] + mods[:k]

    def reference(self, series, what, users):
        """The floor (pam_permit on the same users) or one fsync'd atomic replace (in a
        directory beside the homes), measured inside the same interleaving as the modules."""
        if what == "replace":
            d = os.path.join(self.w.t, "home", "replace")
            os.makedirs(d, exist_ok=True)
            res = self.w.driver(["--replace", d, "--rounds", N], [])
        else:
            res = self.w.driver(["--service", "permit", "--user-prefix", "u", "--first",
                                 int(users[0][1:]), "--rounds", N, "--warmup", 1, "--code",
                                 "none", "--libs"], users)
            self.check(res, f"{series} pam_permit")
            if series == "totp":
                self.extra.setdefault(("rss", "permit"), []).append(res["maxrss_kb"])
                self.extra[("libs", "permit")] = res["libs"]
        self.add(series, what, res["lat_us"])

    def per_round_users(self, series, kind, expect):
        """Each login its own user (a fresh file), so the real clock gives every login a
        fresh TOTP code that no replay guard has seen. Same users, same work for each module."""
        for rep in range(R):
            users = self.w.users(N + 1, "totp")
            first = int(users[0][1:])
            for mod in self.order(rep, ["permit", "replace"] + MODS):
                if mod in ("permit", "replace"):
                    self.reference(series, mod, users)
                    continue
                res = self.w.driver(["--service", service(mod, "totp"), "--user-prefix", "u",
                                     "--first", first, "--rounds", N, "--warmup", 1,
                                     "--code", kind, "--expect", expect] +
                                    (["--libs"] if rep == 0 and series == "totp" else []),
                                    users)
                self.check(res, f"{series} {mod}")
                self.add(series, mod, res["lat_us"])
                if series == "totp":
                    self.extra.setdefault(("rss", mod), []).append(res["maxrss_kb"])
                    if "libs" in res:
                        self.extra[("libs", mod)] = res["libs"]

    def hotp(self):
        users = self.w.users(1, "hotp")
        counter = 1
        for rep in range(R):
            for mod in self.order(rep, ["permit", "replace"] + MODS):
                if mod in ("permit", "replace"):
                    self.reference("hotp", mod, users)
                    continue
                res = self.w.driver(["--service", service(mod, "hotp"), "--user", users[0],
                                     "--code", "hotp", "--counter", counter, "--rounds", N,
                                     "--warmup", 1], users)
                self.check(res, f"hotp {mod}")
                self.add("hotp", mod, res["lat_us"])
            counter += N + 1

    def cold(self):
        """One login per new process: what sudo, login or an sshd child pays to load the
        module and its libraries. The driver times its single round from pam_start."""
        for rep in range(R):
            users = self.w.users(N // 3, "totp")
            for mod in self.order(rep, ["permit"] + MODS):
                for u in users:
                    res = self.w.driver(["--service", service(mod, "totp"), "--user", u,
                                         "--code", "none" if mod == "permit" else "totp",
                                         "--rounds", 1, "--warmup", 0], [u])
                    self.check(res, f"cold {mod}")
                    self.add("cold", mod, res["lat_us"])

    def concurrency(self):
        for procs, each in CONC:
            for rep in range(max(2, R - 2)):
                users = self.w.users(procs, "hotp")
                first = int(users[0][1:])
                for mod in self.order(rep, MODS):
                    res = self.w.driver(["--service", service(mod, "hotp"), "--procs", procs,
                                         "--user-prefix", "u", "--first", first,
                                         "--rounds", each, "--code", "hotp", "--counter", 1],
                                        users)
                    self.check(res, f"{procs} procs distinct users {mod}")
                    key = (f"conc{procs}", mod)
                    self.add(*key, res["lat_us"])
                    self.extra.setdefault(("tput",) + key, []).append(procs * each / res["wall_s"])
                    lost = [u for u in users if read_counter(self.w, mod, u) != each + 1]
                    if lost:
                        self.failures.append(f"{procs} procs distinct users {mod}: counter "
                                             f"wrong after the run for {len(lost)} users")

    def races(self):
        """All processes on one user, the same HOTP code, behind a barrier: exactly one may
        win each race, and the counter must end exactly one step per race further on."""
        for procs, races in RACES:
            users = self.w.users(1, "hotp")
            u = users[0]
            for rep in range(max(2, R - 2)):
                for mod in self.order(rep, MODS):
                    start = read_counter(self.w, mod, u)
                    svc = {"otp": "otp_race", "ga": "ga_race", "oath": "oath_hotp"}[mod]
                    res = self.w.driver(["--service", svc, "--procs", procs, "--race",
                                         "--user", u, "--rounds", races, "--code", "hotp",
                                         "--counter", start], users)
                    end = read_counter(self.w, mod, u)
                    key = (f"race{procs}", mod)
                    self.add(*key, res["lat_us"])
                    self.extra.setdefault(("tput",) + key, []).append(procs * races / res["wall_s"])
                    # races; races won more than once; extra acceptances; races nobody won;
                    # runs whose counter did not move by exactly the number of races won
                    r = self.extra.setdefault(("race",) + key, [0, 0, 0, 0, 0])
                    r[0] += res["rounds"]
                    r[1] += res["double_wins"]
                    r[2] += res["wins"] - (res["rounds"] - res["no_win"])
                    r[3] += res["no_win"]
                    r[4] += (end - start) != res["rounds"] - res["no_win"]

    def enrollment(self):
        """otp-enroll (no confirmation, no QR) and google-authenticator, as the user, new
        process each; pam_oath has no enrollment tool."""
        enroll = os.path.join(self.w.build, "enroll", "otp-enroll")
        if not os.access(enroll, os.X_OK):
            return
        cmds = {
            "otp": [enroll, "--no-confirm", "--qr=none", "--quiet"],
            "otp0": [enroll, "--no-confirm", "--qr=none", "--quiet", "--backup-codes=0"],
            "ga": ["google-authenticator", "-t", "-d", "-f", "-u", "-w", "3", "-Q", "NONE",
                   "-q", "-C"],
        }
        for rep in range(R):
            for mod in self.order(rep, list(cmds)):
                for _ in range(max(3, N // 6)):
                    u = self.w.users(1, "none")[0]
                    h = self.w.home(u)
                    for f in os.listdir(h):
                        os.unlink(os.path.join(h, f))
                    env = dict(self.w.env([u]), HOME=h)
                    uid = UID0 + int(u[1:])
                    t0 = time.perf_counter()
                    p = subprocess.run(cmds[mod], env=env, user=uid, group=UID0,
                                       extra_groups=[], capture_output=True)
                    dt = (time.perf_counter() - t0) * 1e6
                    ok = p.returncode == 0 and os.listdir(h)
                    if not ok:
                        self.failures.append(f"enroll {mod}: rc {p.returncode} "
                                             f"{p.stderr.decode()[:200]}")
                    self.add("enroll", mod, [dt])

    def sms(self):
        sender = os.path.join(self.w.build, "common", "sms", "pam_otp_sms")
        mock_dir = os.path.join(SRC, "tests", "sms")
        if not (os.access(sender, os.X_OK) and os.path.exists(os.path.join(mock_dir, "mocklib.py"))):
            self.extra["sms"] = "pam_otp_sms or tests/sms/mocklib.py missing"
            return
        sys.path.insert(0, mock_dir)
        import mocklib  # noqa: E402  (the test suite's mock provider and PKI)
        d = os.path.join(self.w.t, "sms")
        os.mkdir(d)
        pki = mocklib.make_pki(d)
        mock = mocklib.Mock(d, pki)
        try:
            conf = os.path.join(d, "pam_otp.conf")
            mocklib.write_conf(conf, ca_file=pki["ca"], timeout=5, connect_timeout=2,
                               sms_helper=sender, sms_min_interval=0, sms_max_per_day=1000,
                               **mocklib.provider_opts("twilio", mock.url))
            otp = os.path.join(self.w.build, "pam_module", "pam_otp.so")
            with open(os.path.join(self.w.confdir, "otp_sms"), "w") as f:
                f.write(f"auth required {otp} conf={conf}\n")
            for rep in range(R):
                users = self.w.users(N // 3 + 1, "totp")
                for u in users:  # a phone for the text, as otp-enroll --phone would add
                    with open(os.path.join(self.w.home(u), ".otp"), "a") as f:
                        f.write("phone +15551234567\n")
                res = self.w.driver(["--service", "otp_sms", "--user-prefix", "u",
                                     "--first", int(users[0][1:]), "--rounds", len(users) - 1,
                                     "--warmup", 1, "--code", "sms", "--sms-record",
                                     mock.record], users)
                self.check(res, "sms")
                self.add("sms", "otp", res["lat_us"])
                self.add("sms_send", "otp", res["send_us"])
                self.add("sms_verify", "otp", res["verify_us"])
        finally:
            mock.stop()

    def syscalls(self):
        """System calls per TOTP login (strace -c over 10 logins), and how many are fsync."""
        for mod in ["permit"] + MODS:
            users = self.w.users(CG_ROUNDS, "totp")
            out = os.path.join(self.w.t, f"strace.{mod}")
            res = self.w.driver(["--service", service(mod, "totp"), "--user-prefix", "u",
                                 "--first", int(users[0][1:]), "--rounds", CG_ROUNDS,
                                 "--warmup", 0, "--code", "none" if mod == "permit" else "totp"],
                                users, prefix=["strace", "-f", "-c", "-o", out])
            self.check(res, f"strace {mod}")
            with open(out) as f:
                text = f.read()
            calls = sum(int(m.group(1)) for m in re.finditer(
                r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$", text, re.M)
                if m.group(2) != "total")
            fs = re.search(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?fsync$", text, re.M)
            self.extra[("sys", mod)] = (calls / CG_ROUNDS,
                                        int(fs.group(1)) / CG_ROUNDS if fs else 0)

    def callgrind(self):
        """Instructions per login, counted inside the driver's timed loop only."""
        for series, kind, expect in (("totp", "totp", "ok"), ("wrong", "wrong", "fail"),
                                     ("cold", "totp", "ok")):
            for mod in ["permit"] + MODS:
                if mod == "permit" and series == "wrong":
                    continue
                rounds, warm = (1, 0) if series == "cold" else (CG_ROUNDS, 1)
                users = self.w.users(rounds + warm, "totp")
                out = os.path.join(self.w.t, f"cg.{series}.{mod}")
                vg = ["valgrind", "--tool=callgrind", "--toggle-collect=bench_rounds*",
                      f"--callgrind-out-file={out}"]
                res = self.w.driver(["--service", service(mod, "totp"), "--user-prefix", "u",
                                     "--first", int(users[0][1:]), "--rounds", rounds,
                                     "--warmup", warm, "--code", "none" if mod == "permit" else kind,
                                     "--expect", expect], users, prefix=vg)
                self.check(res, f"callgrind {series} {mod}")
                with open(out) as f:
                    m = re.search(r"^(?:totals|summary): (\d+)", f.read(), re.M)
                self.extra[("ir", series, mod)] = int(m.group(1)) / rounds


def read_counter(w, mod, user):
    """The next HOTP counter each module will accept, from its file."""
    name = {"otp": ".otp", "ga": ".google_authenticator", "oath": ".oath"}[mod]
    with open(os.path.join(w.home(user), name)) as f:
        text = f.read()
    if mod == "otp":
        return int(re.search(r"^counter (\d+)", text, re.M).group(1))
    if mod == "ga":
        return int(re.search(r'^" HOTP_COUNTER (\d+)', text, re.M).group(1))
    return int(text.split()[4]) + 1  # pam_oath keeps the last counter used


# ---- the report -----------------------------------------------------------------------------
def ms(us):
    return f"{us / 1000:.2f}" if us == us else "n/a"


def report(b, t, logs):
    L, X = b.lat, b.extra
    repl_all = [x for (series, m), v in L.items() if m == "replace" for x in v]
    floor = med(L[("totp", "permit")])
    rows = []
    head = ("| series | pam_permit | pam_otp | google-auth | pam_oath | otp/permit | otp/GA "
            "| otp/oath | otp − floor vs 1 replace |\n|---|---:|---:|---:|---:|---:|---:|---:|---|")

    def row(label, series, success=True):
        v = {m: med(L.get((series, m), [])) for m in MODS}
        p = med(L[(series, "permit")])
        repl = med(L.get((series, "replace"), repl_all))
        cells = [label, ms(p), ms(v["otp"]), ms(v["ga"]), ms(v["oath"]), f"{v['otp'] / p:.1f}×",
                 f"{v['otp'] / v['ga']:.2f}" if v["ga"] == v["ga"] else "–",
                 f"{v['otp'] / v['oath']:.2f}" if v["oath"] == v["oath"] else "–"]
        above = v["otp"] - p
        verdict = "%s ms vs %s ms" % (ms(above), ms(repl))
        if success:
            verdict += ": met" if above <= repl else ": missed by %.0f%%" % (100 * (above / repl - 1))
        cells.append(verdict)
        rows.append("| " + " | ".join(cells) + " |")

    row("TOTP success, replay guard on (fresh user per login)", "totp")
    row("HOTP success (a state write each)", "hotp")
    row("wrong code (fresh user per login)", "wrong", success=False)
    row("TOTP success, first login in a new process", "cold")
    out = [f"Median milliseconds per login (pam_start → pam_authenticate → pam_end), "
           f"{R} interleaved repetitions of {N} logins per module. The floor (pam_permit) and one "
           f"fsync'd atomic replace (temp + fsync + rename + fsync dir, same file system) are "
           f"measured inside each series' interleaving; overall the replace takes "
           f"**{ms(med(repl_all))} ms** and the floor **{ms(floor)} ms**.", "", head, *rows, ""]

    out += ["Concurrent processes, HOTP (a state write per login); throughput in logins/s, "
            "latency p50 / p99 in ms:", "",
            "| series | pam_otp | google-auth | pam_oath |", "|---|---|---|---|"]
    for kind, sets in (("conc", CONC), ("race", RACES)):
        for procs, each in sets:
            cells = []
            for m in MODS:
                v = L.get((f"{kind}{procs}", m), [])
                tp = med(X.get(("tput", f"{kind}{procs}", m), []))
                c = f"{tp:.0f}/s, {ms(pct(v, .5))} / {ms(pct(v, .99))}"
                if kind == "race":
                    r = X.get(("race", f"race{procs}", m), [0, 0, 0, 0, 0])
                    c += (f"; {r[0]} races: **{r[1]} won more than once ({r[2]} extra "
                          f"acceptances)**, {r[3]} won by nobody, counter off in {r[4]} runs"
                          if r[1] or r[4] else
                          f"; {r[0]} races: each won once, {r[3]} won by nobody, counter exact")
                cells.append(c)
            label = (f"{procs} processes, distinct users, {each} logins each" if kind == "conc"
                     else f"{procs} processes, one user, same code ({each} races)")
            out.append(f"| {label} | " + " | ".join(cells) + " |")
    out.append("")

    if ("enroll", "otp") in L:
        out += [f"Enrollment, new process each, median ms: otp-enroll (10 scrypt-hashed backup "
                f"codes) **{ms(med(L[('enroll', 'otp')]))}**, otp-enroll --backup-codes=0 "
                f"**{ms(med(L[('enroll', 'otp0')]))}**, google-authenticator (5 plain scratch "
                f"codes) **{ms(med(L[('enroll', 'ga')]))}**; pam_oath has no enrollment tool.", ""]
    if ("sms", "otp") in L:
        out += [f"SMS (pam_otp only; Twilio API on the local HTTPS mock): whole login "
                f"**{ms(med(L[('sms', 'otp')]))} ms**, of which sending (answer `sms` → code "
                f"prompt) {ms(med(L[('sms_send', 'otp')]))} ms and verifying the texted code "
                f"{ms(med(L[('sms_verify', 'otp')]))} ms.", ""]
    elif "sms" in X:
        out += [f"SMS: not measured ({X['sms']}).", ""]

    out += ["| per login | pam_permit | pam_otp | google-auth | pam_oath |", "|---|---:|---:|---:|---:|"]
    for series, label in (("totp", f"TOTP success (mean of {CG_ROUNDS})"),
                          ("wrong", f"wrong code (mean of {CG_ROUNDS})"),
                          ("cold", "TOTP success, first login in a new process")):
        cells = []
        for m in ["permit"] + MODS:
            ir = X.get(("ir", series, m))
            cells.append(f"{ir / 1e3:,.0f} k" if ir else "–")
        out.append(f"| instructions (callgrind), {label} | " + " | ".join(cells) + " |")
    cells = []
    for m in ["permit"] + MODS:
        v = X.get(("sys", m))
        cells.append(f"{v[0]:.0f} ({v[1]:.0f} fsync)" if v else "–")
    out.append("| system calls per TOTP login (strace -c) | " + " | ".join(cells) + " |")
    rss = {m: med(X.get(("rss", m), [0])) for m in ["permit"] + MODS}
    cells = [f"{rss[m] / 1024:.1f} MiB" + (f" (+{(rss[m] - rss['permit']) / 1024:.1f})"
                                           if m != "permit" else "") for m in rss]
    out.append("| peak RSS (VmHWM) of the driver process | " + " | ".join(cells) + " |")
    cells = []
    for m in ["permit"] + MODS:
        libs = [os.path.basename(x) for x in X.get(("libs", m), [])]
        cells.append(f"{len(libs)}: " + ", ".join(libs) if libs else "–")
    out.append("| shared objects the module maps into the process | " + " | ".join(cells) + " |")
    out.append("")
    counts, total = logs
    out.append(f"Syslog went to a private /dev/log sink: {total} lines (pam_otp {counts['otp']}, "
               f"google-authenticator {counts['ga']}, pam_oath {counts['oath']}).")
    out.append("")
    out.append(f"Machine: {machine(t)}. {versions()}.")
    if b.failures:
        out += ["", "**Runs that did not do what was expected:**", ""]
        out += [f"- {f}" for f in b.failures]
    return "\n".join(out) + "\n"


def update_readme(table):
    path = os.path.join(HERE, "README.md")
    with open(path) as f:
        text = f.read()
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    i, j = text.index(begin) + len(begin), text.index(end)
    with open(path, "w") as f:
        f.write(text[:i] + "\n" + table + text[j:])


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1 or os.geteuid() != 0:
        die("usage (as root, via bench/run.sh): bench.py BUILDDIR [--quick] [--update-readme]")
    build = os.path.abspath(args[0])
    base = os.environ.get("BENCH_DIR", "/var/tmp")
    t = tempfile.mkdtemp(prefix="pam_otp_bench.", dir=base)
    os.chmod(t, 0o755)
    log_pid = None
    try:
        private_dev(t)
        log_pid = start_syslog(t)
        b = Bench(World(t, build))
        t0 = time.time()
        steps = [("TOTP success", lambda: b.per_round_users("totp", "totp", "ok")),
                 ("HOTP success", b.hotp),
                 ("wrong code", lambda: b.per_round_users("wrong", "wrong", "fail")),
                 ("cold start", b.cold), ("concurrency", b.concurrency), ("races", b.races),
                 ("enrollment", b.enrollment), ("SMS", b.sms), ("system calls", b.syscalls),
                 ("callgrind", b.callgrind)]
        for name, fn in steps:
            print(f"bench: {name} ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
            fn()
        time.sleep(0.2)
        table = report(b, t, syslog_counts(t))
        print(table)
        if "--update-readme" in sys.argv:
            update_readme(table)
        return 1 if b.failures else 0
    finally:
        if log_pid:
            os.kill(log_pid, signal.SIGTERM)
            os.waitpid(log_pid, 0)
        if os.environ.get("BENCH_KEEP"):
            print(f"bench: kept {t}", file=sys.stderr)
        else:
            shutil.rmtree(t, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
