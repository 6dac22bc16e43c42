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
import fleet

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
HEX = "3132333435363738393031323334353637383930"   # the same 20-byte secret everywhere
B32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
MODS = ["otp", "ga", "oath"]
NAMES = {"permit": "pam_permit", "otp": "pam_otp", "ga": "google-auth", "oath": "pam_oath",
         "otp_nd": "pam_otp -z nodelete"}
# BENCH_OTP_VARIANT=/path/pam_otp.so: a second build of the module (say one linked with
# -Wl,-z,nodelete in a scratch build dir) also runs the long-running series and the
# dlopen loop, as "otp_nd". For measuring a build option before anyone changes the build.
VARIANT = os.environ.get("BENCH_OTP_VARIANT")
LR_MODS = MODS + (["otp_nd"] if VARIANT else [])   # the long-running (in-process) series
UID0 = 20000

QUICK = "--quick" in sys.argv
# Fleet mode (store=ldap, bench/fleet.py) runs by default after the rest; --no-ldap skips
# it, --ldap-only runs only it (and updates only its table in the README).
NO_LDAP = "--no-ldap" in sys.argv
LDAP_ONLY = "--ldap-only" in sys.argv and not NO_LDAP
R = 3 if QUICK else 5            # interleaved repetitions (A B C, A B C, ...)
N = 10 if QUICK else 30          # timed logins per module per repetition
CONC = [(8, 4 if QUICK else 10), (64, 2 if QUICK else 4)]   # (processes, logins each)
RACES = [(8, 5 if QUICK else 10), (64, 3 if QUICK else 5)]  # (processes, races)
NP = 5 if QUICK else 15          # new processes (one login each) per module per repetition
DL_ROUNDS = 100 if QUICK else 300  # dlopen+dlclose cycles per module per repetition
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
            "otp_nd": VARIANT or otp,
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

    def spawn(self, exe, args, users):
        """One new process, timed from before posix_spawn to after waitpid (exec to exit,
        as a caller like sshd's monitor or a shell sees it); returns (us, parsed stdout)."""
        out = os.path.join(self.t, "spawn.out")
        fa = [(os.POSIX_SPAWN_OPEN, 1, out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
              (os.POSIX_SPAWN_OPEN, 2, out + ".err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
               0o600)]
        argv = [exe, *(("--confdir", self.confdir) if args else ()), *map(str, args)]
        env = self.env(users)
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(exe, argv, env, file_actions=fa)
        _, status = os.waitpid(pid, 0)
        dt = (time.perf_counter_ns() - t0) / 1e3
        with open(out) as f:
            text = f.read()
        res = {"rc": os.waitstatus_to_exitcode(status)}
        if args:
            try:
                res.update(json.loads(text))
            except ValueError:
                with open(out + ".err") as f:
                    die(f"driver output not JSON: {' '.join(argv)}\n{text}{f.read()}")
        return dt, res

    def spawn_plain(self, exe, args, stdin=None):
        """A program that is not the driver, exec to exit as spawn(); stdin from a file (a
        password never goes through argv). Returns (us, exit code)."""
        fa = [(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
              (os.POSIX_SPAWN_OPEN, 2, os.path.join(self.t, "spawn.err"),
               os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)]
        if stdin:
            fa.append((os.POSIX_SPAWN_OPEN, 0, stdin, os.O_RDONLY, 0))
        env = dict(os.environ)
        env.pop("PAM_OTP_TEST_NOW", None)
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(exe, [exe, *map(str, args)], env, file_actions=fa)
        _, status = os.waitpid(pid, 0)
        return (time.perf_counter_ns() - t0) / 1e3, os.waitstatus_to_exitcode(status)

    def driver(self, args, users, prefix=(), exe="pam_bench"):
        cmd = [*prefix, os.path.join(self.build, "bench", exe),
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
        if what in ("replace", "replace2"):
            d = os.path.join(self.w.t, "home", "replace")
            os.makedirs(d, exist_ok=True)
            res = self.w.driver(["--replace", d, "--rounds", N] +
                                (["--pre-count"] if what == "replace2" else []), [])
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
        fresh TOTP code that no replay guard has seen. Same users, same work for each module
        (the pam_otp variant gets users of its own: it reads the same ~/.otp)."""
        for rep in range(R):
            all_users = self.w.users(N + 1, "totp")
            nd_users = self.w.users(N + 1, "totp") if VARIANT else []
            for mod in self.order(rep, ["permit", "replace", "replace2"] + LR_MODS):
                if mod in ("permit", "replace", "replace2"):
                    self.reference(series, mod, all_users)
                    continue
                users = nd_users if mod == "otp_nd" else all_users
                first = int(users[0][1:])
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
        users = self.w.users(2, "hotp")   # the second for the pam_otp variant (same ~/.otp)
        for rep in range(R):
            for mod in self.order(rep, ["permit", "replace", "replace2"] + LR_MODS):
                if mod in ("permit", "replace", "replace2"):
                    self.reference("hotp", mod, users)
                    continue
                u = users[1] if mod == "otp_nd" else users[0]
                counter = read_counter(self.w, "otp" if mod == "otp_nd" else mod, u)
                res = self.w.driver(["--service", service(mod, "hotp"), "--user", u,
                                     "--code", "hotp", "--counter", counter, "--rounds", N,
                                     "--warmup", 1], users)
                self.check(res, f"hotp {mod}")
                self.add("hotp", mod, res["lat_us"])

    def process(self, series, exe):
        """One login per new process, timed exec to exit. sudo: the driver never loads
        libcrypto (as sudo, su, login); with it, in the same interleaving, the OpenSSL floor:
        a program that computes one HMAC through EVP_MAC and the same program without it.
        sshd: the driver links libcrypto and initialises it before pam_start (as sshd)."""
        drv = os.path.join(self.w.build, "bench", exe)
        floors = ["floor_none", "floor_hmac"] if series == "sudo" else []
        for rep in range(R):
            users = self.w.users(NP, "totp")
            for mod in self.order(rep, ["permit"] + MODS + floors):
                for u in users:
                    if mod in floors:
                        dt, res = self.w.spawn(os.path.join(self.w.build, "bench", "bench_" + mod),
                                               [], [u])
                        if res["rc"]:
                            self.failures.append(f"{series} {mod}: rc {res['rc']}")
                    else:
                        dt, res = self.w.spawn(drv, ["--service", service(mod, "totp"), "--user",
                                                     u, "--code",
                                                     "none" if mod == "permit" else "totp",
                                                     "--rounds", 1, "--warmup", 0], [u])
                        self.check(res, f"{series} {mod}")
                        self.add(series + "_in", mod, res["lat_us"])
                    self.add(series, mod, [dt])

    def dlopen(self):
        """dlopen+dlclose of each module in a loop: what libpam does at every pam_start and
        pam_end in a long-running host (the module is unmapped and mapped again)."""
        paths = {"permit": module_path("pam_permit.so"),
                 "otp": os.path.join(self.w.build, "pam_module", "pam_otp.so"),
                 "ga": module_path("pam_google_authenticator.so"),
                 "oath": module_path("pam_oath.so"), "otp_nd": VARIANT}
        for rep in range(R):
            for mod in self.order(rep, ["permit"] + LR_MODS):
                res = self.w.driver(["--dlopen", paths[mod], "--rounds", DL_ROUNDS], [])
                self.check(res, f"dlopen {mod}")
                self.add("dl", mod, res["lat_us"])
                self.add("dl_open", mod, res["open_us"])
                self.add("dl_close", mod, res["close_us"])

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
                               sms_countries="any", sms_max_per_day_host=0,
                               # the host's count in the temp dir, never /var/lib/pam_otp
                               sms_host_state=os.path.join(d, "sms_host_count"),
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
        """System calls per TOTP login in a long-running process: strace -c -f of 1 + 10
        logins minus that of 1 login, so the driver's own start and exit cancel out. The
        1-login run is also the whole sudo-like process (exec to exit)."""
        for mod in ["permit"] + MODS:
            counts = []
            for rounds in (1, CG_ROUNDS + 1):
                users = self.w.users(rounds, "totp")
                out = os.path.join(self.w.t, f"strace.{mod}.{rounds}")
                res = self.w.driver(["--service", service(mod, "totp"), "--user-prefix", "u",
                                     "--first", int(users[0][1:]), "--rounds", rounds,
                                     "--warmup", 0, "--code",
                                     "none" if mod == "permit" else "totp"],
                                    users, prefix=["strace", "-f", "-c", "-o", out])
                self.check(res, f"strace {mod}")
                with open(out) as f:
                    counts.append(strace_counts(f.read()))
            one, many = counts
            self.extra[("sys", mod)] = {k: (many.get(k, 0) - one.get(k, 0)) / CG_ROUNDS
                                        for k in set(one) | set(many)}
            self.extra[("sys1", mod)] = one

    def callgrind(self):
        """Instructions per login, counted inside the driver's timed loop only (pam_start to
        pam_end), split by the shared object that executed them; and the OpenSSL floor's
        programs whole (exec to exit)."""
        for series, kind, expect, exe in (("totp", "totp", "ok", "pam_bench"),
                                          ("wrong", "wrong", "fail", "pam_bench"),
                                          ("sudo", "totp", "ok", "pam_bench"),
                                          ("sshd", "totp", "ok", "pam_bench_ssl")):
            for mod in ["permit"] + MODS + (["otp_nd"] if VARIANT and series == "totp" else []):
                if mod == "permit" and series == "wrong":
                    continue
                rounds, warm = (1, 0) if series in ("sudo", "sshd") else (CG_ROUNDS, 1)
                users = self.w.users(rounds + warm, "totp")
                out = os.path.join(self.w.t, f"cg.{series}.{mod}")
                vg = ["valgrind", "--tool=callgrind", "--toggle-collect=bench_rounds*",
                      f"--callgrind-out-file={out}"]
                res = self.w.driver(["--service", service(mod, "totp"), "--user-prefix", "u",
                                     "--first", int(users[0][1:]), "--rounds", rounds,
                                     "--warmup", warm, "--code", "none" if mod == "permit" else kind,
                                     "--expect", expect], users, prefix=vg, exe=exe)
                self.check(res, f"callgrind {series} {mod}")
                total, per = callgrind_split(out)
                self.extra[("ir", series, mod)] = total / rounds
                self.extra[("irobj", series, mod)] = {k: v / rounds for k, v in per.items()}
        for prog in ("floor_none", "floor_hmac"):
            out = os.path.join(self.w.t, f"cg.{prog}")
            p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                                os.path.join(self.w.build, "bench", "bench_" + prog)],
                               capture_output=True)
            if p.returncode:
                self.failures.append(f"callgrind {prog}: rc {p.returncode}")
            total, per = callgrind_split(out)
            self.extra[("ir", "floor", prog)] = total
            self.extra[("irobj", "floor", prog)] = per


def strace_counts(text):
    """strace -c's table: {syscall: calls}."""
    return {m.group(2): int(m.group(1)) for m in re.finditer(
        r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$", text, re.M)
        if m.group(2) != "total"}


def short_obj(path):
    name = os.path.basename(path)
    if name.startswith("ld-linux"):
        return "ld.so"
    return re.sub(r"\.so[.\d]*$", "", name)


def callgrind_split(path):
    """(total, {object: self instructions}) from a callgrind output file: each cost line
    counts for the object of the current ob=, except the line after calls= (inclusive)."""
    names, per, cur, skip, total = {}, {}, "?", False, 0
    with open(path) as f:
        for line in f:
            c = line[:1]
            if c.isdigit() or c in "+-*":
                fields = line.split()
                if skip:
                    skip = False
                    continue
                if len(fields) > 1:
                    per[cur] = per.get(cur, 0) + int(fields[1])
            elif line.startswith(("ob=", "cob=")):
                m = re.match(r"c?ob=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
                if m.group(2):
                    names[m.group(1)] = short_obj(m.group(2))
                if c == "o":
                    cur = names.get(m.group(1), "?")
            elif line.startswith("calls="):
                skip = True
            elif line.startswith(("summary:", "totals:")):
                total = int(line.split()[1])
    return total or sum(per.values()), per


def module_path(name):
    """A Debian module's path (multiarch or not)."""
    import glob
    for pat in ("/usr/lib/*/security/", "/lib/*/security/", "/usr/lib/security/",
                "/lib/security/"):
        hits = glob.glob(pat + name)
        if hits:
            return hits[0]
    die(f"{name} not found")


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


def mi(ir):
    return f"{ir / 1e6:.2f} M" if ir >= 1e5 else f"{ir / 1e3:,.0f} k"


def top_objs(per, n=4):
    return ", ".join(f"{k} {mi(v)}" for k, v in sorted(per.items(), key=lambda kv: -kv[1])[:n])


def report(b, t, logs):
    L, X = b.lat, b.extra
    repl_all = [x for (series, m), v in L.items() if m == "replace" for x in v]
    repl2_all = [x for (series, m), v in L.items() if m == "replace2" for x in v]
    floor = med(L[("totp", "permit")])
    v = {k: med(x) for k, x in L.items()}
    sys_ = {m: X.get(("sys", m), {}) for m in ["permit"] + MODS}
    dl = {m: v.get(("dl", m), float("nan")) for m in ["permit"] + LR_MODS}

    def ir(series, m):
        return X.get(("ir", series, m), float("nan"))

    def irobj(series, m, obj):
        return X.get(("irobj", series, m), {}).get(obj, 0)

    def fsyncs(m):
        return sys_[m].get("fsync", 0) + sys_[m].get("fdatasync", 0)

    def total_sys(m):
        return sum(sys_[m].values())

    nd = ["otp_nd"] if VARIANT else []
    head = ("| workload: series | pam_permit | pam_otp | google-auth | pam_oath"
            + (" | pam_otp -z nodelete" if nd else "") +
            " | otp / fastest peer | target | met? (and the measured reason if not) |\n"
            "|---|---:|---:|---:|---:" + ("|---:" if nd else "") + "|---:|---|---|")
    rows = []

    def row(label, series, target, verdict):
        peer = min(v.get((series, "ga"), float("nan")), v.get((series, "oath"), float("nan")))
        cells = [label] + [ms(v.get((series, m), float("nan"))) for m in ["permit"] + MODS]
        if nd:
            cells.append(ms(v[(series, "otp_nd")]) if (series, "otp_nd") in v else "–")
        cells += [f"{v[(series, 'otp')] / peer:.2f}", target, verdict]
        rows.append("| " + " | ".join(cells) + " |")

    # sshd-like: at most the fastest peer
    for series, label in (("sshd", "**sshd-like**: TOTP success, a new process per login, "
                           "libcrypto loaded and initialised before pam_start: one HMAC fetch, one SHA-256 digest (exec → exit)"),):
        o, peer = v[(series, "otp")], min(v[(series, "ga")], v[(series, "oath")])
        pm = "ga" if v[(series, "ga")] <= v[(series, "oath")] else "oath"
        if o <= peer:
            verdict = f"**met** ({ms(o)} ≤ {ms(peer)} ms)"
        else:
            verdict = (f"missed by {ms(o - peer)} ms: pam_otp makes {fsyncs('otp'):.0f} fsyncs "
                       f"per success against {NAMES[pm]}'s {fsyncs(pm):.0f} (its writes: "
                       f"{ms(med(repl2_all))} ms here, one durable replace {ms(med(repl_all))} ms);"
                       f" inside pam_start → pam_end pam_otp runs "
                       f"{mi(ir(series, 'otp'))} instructions against {NAMES[pm]}'s "
                       f"{mi(ir(series, pm))} (pam_otp: {top_objs(X.get(('irobj', series, 'otp'), {}))})")
        row(label, series, "≤ fastest peer", verdict)
    # sudo-like: pam_otp − GA ≤ the OpenSSL floor
    fl = v[("sudo", "floor_hmac")] - v[("sudo", "floor_none")]
    above = v[("sudo", "otp")] - v[("sudo", "ga")]
    ir_floor = ir("floor", "floor_hmac") - ir("floor", "floor_none")
    ir_above = ir("sudo", "otp") - ir("sudo", "ga")
    crypto = irobj("sudo", "otp", "libcrypto") + irobj("sudo", "otp", "ld.so") - \
        irobj("sudo", "ga", "ld.so")
    verdict = (f"{'**met**' if above <= fl else f'missed by {ms(above - fl)} ms'}: otp − GA {ms(above)} ms vs the floor "
               f"{ms(fl)} ms (one HMAC through EVP_MAC in a new process, exec → exit, same run); "
               f"instructions: otp − GA {mi(ir_above)} vs floor {mi(ir_floor)}, of which "
               f"libcrypto + extra ld.so work {mi(crypto)}")
    row("**sudo-like**: TOTP success, a new process per login, the driver never loads "
        "libcrypto (exec → exit)", "sudo", "otp − GA ≤ OpenSSL floor", verdict)
    for series, label in (("totp", "TOTP success, replay guard on (fresh user per login)"),
                          ("hotp", "HOTP success (a state write each)"),
                          ("wrong", "wrong code (fresh user per login)")):
        o = v[(series, "otp")]
        pm = "ga" if v[(series, "ga")] <= v[(series, "oath")] else "oath"
        peer = v[(series, pm)]
        if o <= peer:
            verdict = f"**met** ({ms(o)} ≤ {ms(peer)} ms)"
        else:
            verdict = (f"missed by {ms(o - peer)} ms: {NAMES[pm]} writes nothing on a wrong "
                       f"code (no failure count to keep), pam_otp counts the failure durably "
                       f"(one replace, {ms(v[(series, 'replace')])} ms here)"
                       if series == "wrong" and pm == "oath" else
                       f"missed by {ms(o - peer)} ms: pam_otp makes {fsyncs('otp'):.0f} fsyncs "
                       f"and {total_sys('otp'):.0f} system calls per TOTP login against "
                       f"{NAMES[pm]}'s {fsyncs(pm):.0f} and {total_sys(pm):.0f}; the module's "
                       f"unmap + remap (dlopen+dlclose) {dl['otp']:.0f} µs against "
                       f"{dl[pm]:.0f} µs")
        row(f"**long-running host**: {label}", series, "≤ fastest peer", verdict)
    out = [f"Median milliseconds per login; {R} interleaved repetitions of each series. "
           f"New-process series: {NP} processes per module per repetition, timed from "
           f"posix_spawn to waitpid (exec → exit: loading, the login, exit-time cleanup). "
           f"Long-running series: {N} logins per module per repetition inside one process, "
           f"each timed pam_start → pam_authenticate → pam_end. The floor (pam_permit) runs in "
           f"every interleaving.", "", head, *rows, ""]

    out += ["Long-running series against the module's own writes (medians, ms, measured in the "
            "same interleaving). pam_otp counts every attempt on disk before it checks the code "
            "(an fsync'd temp file renamed into place, no directory fsync) and a success writes "
            "again (temp, fsync, rename, fsync of the directory): 3 fsyncs per success.", "",
            "| series | otp − floor | 1 durable replace | count + durable replace (pam_otp's I/O) "
            "| otp − floor − its I/O |", "|---|---:|---:|---:|---:|"]
    for series, label in (("totp", "TOTP success"), ("hotp", "HOTP success"),
                          ("wrong", "wrong code")):
        a = v[(series, "otp")] - v[(series, "permit")]
        r1 = v.get((series, "replace"), med(repl_all))
        r2 = v.get((series, "replace2"), med(repl2_all))
        io = r2 if series != "wrong" else r1
        out.append(f"| {label} | {ms(a)} | {ms(r1)} | {ms(r2)} | {ms(a - io)}"
                   f"{' (a failure writes once: vs 1 replace)' if series == 'wrong' else ''} |")
    out.append("")

    dlrow = []
    for m in ["permit"] + LR_MODS:
        dlrow.append(f"{dl[m]:.0f} ({v.get(('dl_open', m), 0):.0f} + "
                     f"{v.get(('dl_close', m), 0):.0f})")
    share = (dl["otp"] - dl["permit"]) / (v[("totp", "otp")] - v[("totp", "permit")])
    out += ["The module's unmap and remap at every pam_end / pam_start (long-running hosts): "
            f"dlopen(RTLD_NOW) + dlclose in a loop, {DL_ROUNDS} per module per repetition, "
            "median µs (open + close):", "",
            "| | pam_permit | pam_otp | google-auth | pam_oath" + (" | pam_otp -z nodelete" if nd
                                                                   else "") + " |",
            "|---|---:|---:|---:|---:" + ("|---:" if nd else "") + "|",
            "| dlopen + dlclose | " + " | ".join(dlrow) + " |", "",
            f"pam_otp's unmap + remap above pam_permit's is {share * 100:.0f}% of its TOTP "
            f"login above the floor; above google-authenticator's it is "
            f"{dl['otp'] - dl['ga']:.0f} µs of the {ms(v[('totp', 'otp')] - v[('totp', 'ga')])} ms "
            "between them."]
    if nd:
        out[-1] += (f" The same module linked with `-Wl,-z,nodelete` (a scratch build, not the "
                    f"shipped one) stays mapped: TOTP {ms(v[('totp', 'otp_nd')])} ms against "
                    f"{ms(v[('totp', 'otp')])}, HOTP {ms(v[('hotp', 'otp_nd')])} against "
                    f"{ms(v[('hotp', 'otp')])}; {mi(ir('totp', 'otp_nd'))} instructions per "
                    f"TOTP login against {mi(ir('totp', 'otp'))}.")
    out.append("")
    out += ["Inside the new processes, pam_start → pam_end only (median ms; the rest of exec → "
            "exit is loading the driver and exiting):", "",
            "| series | pam_permit | pam_otp | google-auth | pam_oath |", "|---|---:|---:|---:|---:|"]
    for series, label in (("sshd_in", "sshd-like"), ("sudo_in", "sudo-like")):
        out.append(f"| {label} | " + " | ".join(ms(v.get((series, m), float('nan')))
                                               for m in ["permit"] + MODS) + " |")
    out.append(f"| OpenSSL floor, exec → exit | without HMAC {ms(v[('sudo', 'floor_none')])} | "
               f"with one EVP_MAC HMAC {ms(v[('sudo', 'floor_hmac')])} | difference "
               f"**{ms(fl)}** | |")
    out.append("")

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
    for series, label in (("totp", f"long-running TOTP success (mean of {CG_ROUNDS})"),
                          ("wrong", f"long-running wrong code (mean of {CG_ROUNDS})"),
                          ("sshd", "sshd-like, pam_start → pam_end"),
                          ("sudo", "sudo-like, pam_start → pam_end")):
        cells = []
        for m in ["permit"] + MODS:
            x = X.get(("ir", series, m))
            cells.append(mi(x) if x else "–")
        out.append(f"| instructions (callgrind), {label} | " + " | ".join(cells) + " |")
        cells = []
        for m in ["permit"] + MODS:
            per = X.get(("irobj", series, m))
            cells.append(top_objs(per, 3) if per else "–")
        out.append(f"| … by shared object (largest three) | " + " | ".join(cells) + " |")
    fh, fn = ir("floor", "floor_hmac"), ir("floor", "floor_none")
    out.append(f"| instructions, OpenSSL floor (whole program: with HMAC − without) | – | "
               f"{mi(fh)} − {mi(fn)} = **{mi(fh - fn)}** "
               f"({top_objs(X.get(('irobj', 'floor', 'floor_hmac'), {}), 2)}) | – | – |")
    cells = []
    for m in ["permit"] + MODS:
        c = sys_[m]
        cells.append(f"{total_sys(m):.0f} ({fsyncs(m):.0f} fsync, {c.get('rename', 0) + c.get('renameat', 0) + c.get('renameat2', 0):.0f} rename, "
                     f"{c.get('mmap', 0) + c.get('munmap', 0) + c.get('mprotect', 0):.0f} mmap/munmap/mprotect)")
    out.append("| system calls per long-running TOTP login (strace -c, 11 logins − 1) | "
               + " | ".join(cells) + " |")
    cells = []
    for m in ["permit"] + MODS:
        c = X.get(("sys1", m), {})
        cells.append(f"{sum(c.values())} ({c.get('mmap', 0) + c.get('munmap', 0) + c.get('mprotect', 0)} mmap/munmap/mprotect, {c.get('openat', 0)} openat)")
    out.append("| system calls of a whole sudo-like process, one login (exec → exit) | "
               + " | ".join(cells) + " |")
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


def slapd_version():
    v = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "slapd"], capture_output=True,
                       text=True).stdout
    return f"slapd {v or '?'}"


def update_readme(table, tag="bench"):
    path = os.path.join(HERE, "README.md")
    with open(path) as f:
        text = f.read()
    begin, end = f"<!-- {tag}:begin -->", f"<!-- {tag}:end -->"
    i, j = text.index(begin) + len(begin), text.index(end)
    with open(path, "w") as f:
        f.write(text[:i] + "\n" + table + text[j:])


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1 or os.geteuid() != 0:
        die("usage (as root, via bench/run.sh): bench.py BUILDDIR [--quick] [--update-readme] "
            "[--no-ldap | --ldap-only]")
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
        fl, fl_why = None, None
        if not NO_LDAP:
            fl_why = fleet.missing()
            if not fl_why:
                fl = fleet.Fleet(b, B32, R, N, NP, read_counter, strace_counts)
                fl_why = fl.start()
            if fl_why and LDAP_ONLY:
                die(f"fleet mode: {fl_why}")

        def progress(name):
            print(f"bench: {name} ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
        steps = [] if LDAP_ONLY else [("TOTP success", lambda: b.per_round_users("totp", "totp", "ok")),
                 ("HOTP success", b.hotp),
                 ("wrong code", lambda: b.per_round_users("wrong", "wrong", "fail")),
                 ("sshd-like", lambda: b.process("sshd", "pam_bench_ssl")),
                 ("sudo-like", lambda: b.process("sudo", "pam_bench")),
                 ("dlopen loop", b.dlopen),
                 ("concurrency", b.concurrency), ("races", b.races),
                 ("enrollment", b.enrollment), ("SMS", b.sms), ("system calls", b.syscalls),
                 ("callgrind", b.callgrind)]
        for name, fn in steps:
            progress(name)
            fn()
        if fl and not fl_why:
            fl.run(progress)
        time.sleep(0.2)
        if not LDAP_ONLY:
            table = report(b, t, syslog_counts(t))
            print(table)
            if "--update-readme" in sys.argv:
                update_readme(table)
        if not NO_LDAP:
            table = fl.report() if not fl_why else f"Fleet mode: not measured ({fl_why}).\n"
            table += f"\nMachine: {machine(t)}. {versions()}, {slapd_version()}.\n"
            bad = [f for f in b.failures if f.startswith("fleet")]
            if bad:
                table += "\n**Runs that did not do what was expected:**\n\n" + "".join(
                    f"- {f}\n" for f in bad)
            print(table)
            if "--update-readme" in sys.argv:
                update_readme(table, "bench-ldap")
        return 1 if b.failures else 0
    finally:
        if fl:
            fl.stop()
        if log_pid:
            os.kill(log_pid, signal.SIGTERM)
            os.waitpid(log_pid, 0)
        if os.environ.get("BENCH_KEEP"):
            print(f"bench: kept {t}", file=sys.stderr)
        else:
            shutil.rmtree(t, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
