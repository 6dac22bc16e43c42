# SPDX-License-Identifier: BSD-2-Clause
"""Fleet mode (store=ldap) next to store=file, against a real private slapd that the bench
starts itself (the tests' fixture, tests/ldap/slapd.py: TLS from a test CA, an mdb database in
the temp dir, killed at exit). Every series runs store=file and the directory over each
transport in the same interleaving:

- sshd-like: a new process per login (pam_bench_ssl), TOTP success, a fresh user per login;
- long-running host: N logins in one process, each pam_start -> pam_end;
- 64 logins at once: 64 processes, distinct users, one HOTP login each;
- the directory's first exchange (connect, TLS, bind, search) in a fresh process (the tests'
  ldap_probe, exec -> exit) against the same exchange repeated in one process;
- system calls per long-running login (strace -c, 11 logins - 1);
- where the time of a login goes, from slapd's own log (-d stats, nanosecond stamps).

Fresh TOTP codes: as for the file store, each login gets its own user, whose directory entry
holds a record that no login has used, so the real clock's code passes the replay guard. The
users are made (passwd for nss_wrapper, entries in one ldapadd) outside the timed part.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
LDAP_TESTS = os.path.join(SRC, "tests", "ldap")
# store=file first, then the transports; the labels are the table's column heads.
STORES = ["file", "starttls", "ldaps", "ldapi"]
LABELS = {"file": "store=file", "starttls": "ldap:// + StartTLS", "ldaps": "ldaps://",
          "ldapi": "ldapi:// (simple bind)"}
PROCS = 64
TOTP = "version 1\ntype totp\nsecret {}\n"
HOTP = "version 1\ntype hotp\nsecret {}\ncounter 1\n"


def short(path):
    name = os.path.basename(path)
    return name if name.startswith("pam_") else re.sub(r"(-[\d.]+)?\.so[.\d]*$", "", name)


def med(v):
    return statistics.median(v) if v else float("nan")


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


def ms(us):
    return f"{us / 1000:.2f}" if us == us else "n/a"


def missing():
    """Why the fleet series cannot run here (None when they can)."""
    if not os.path.exists(os.path.join(LDAP_TESTS, "slapd.py")):
        return "tests/ldap/slapd.py missing"
    for prog in ("slapd", "ldapadd", "openssl"):
        if not any(os.access(os.path.join(d, prog), os.X_OK)
                   for d in os.environ.get("PATH", "").split(":") + ["/usr/sbin"]):
            return f"{prog} not found (packages slapd, ldap-utils, openssl)"
    return None


class Fleet:
    def __init__(self, bench, b32, r, n, np_, read_counter, strace_counts):
        self.b, self.w = bench, bench.w
        self.read_counter, self.strace_counts = read_counter, strace_counts
        self.b32, self.R, self.N, self.NP = b32, r, n, np_
        self.lat = {}      # (series, store) -> [us]
        self.x = {}        # other results
        self.plugin = os.path.join(self.w.build, "common", "ldap", "pam_otp_ldap.so")
        self.otp = os.path.join(self.w.build, "pam_module", "pam_otp.so")
        self.server = None

    # ---- the directory and the hosts ---------------------------------------------------------
    def start(self):
        for path in (self.plugin, os.path.join(self.w.build, "bench", "bench_ldap_probe")):
            if not os.path.exists(path):
                return f"{path} not built (libldap-dev missing at meson setup?)"
        sys.path.insert(0, LDAP_TESTS)
        import slapd as sl  # noqa: E402  (the test suite's fixture)
        self.sl = sl
        d = os.path.join(self.w.t, "ldap")
        os.mkdir(d, 0o700)
        self.ca = sl.TestCA(os.path.join(d, "ca"))
        self.server = sl.Slapd(os.path.join(d, "slapd"), self.ca)
        self.server.start()
        s = self.server
        self.uri = {"starttls": s.uri_ldap, "ldaps": s.uri_ldaps, "ldapi": s.uri_ldapi}
        self.pwfile = os.path.join(d, "service.pw")
        fd = os.open(self.pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, s.service_pw.encode() + b"\n")
        os.close(fd)
        for store in STORES[1:]:
            conf = os.path.join(d, f"pam_otp.{store}.conf")
            text = (f"store = ldap\nldap_uri = {self.uri[store]}\nldap_base = {s.suffix}\n"
                    f"ldap_bind_dn = {s.service_dn}\nldap_bind_pw = {s.service_pw}\n"
                    f"ldap_ca_file = {self.ca.ca_file}\nldap_plugin = {self.plugin}\n")
            fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, text.encode())
            os.close(fd)
            with open(os.path.join(self.w.confdir, f"ldap_{store}"), "w") as f:
                f.write(f"auth required {self.otp} conf={conf}\n")
        return None

    def stop(self):
        if self.server:
            self.server.stop()

    def service(self, store):
        return "otp" if store == "file" else f"ldap_{store}"

    def users(self, store, count, kind="totp"):
        """count fresh users: for store=file with their ~/.otp (World.users), for the
        directory a passwd line (nss_wrapper) and an entry with uid = the name holding the
        same record, all added in one ldapadd."""
        if store == "file":
            return self.w.users(count, kind)
        users = self.w.users(count, "none")
        rec = (TOTP if kind == "totp" else HOTP).format(self.b32).encode()
        ldif = []
        for u in users:
            uid = 20000 + int(u[1:])
            ldif.append(f"dn: {self.sl.Slapd.user_dn(u)}\nobjectClass: inetOrgPerson\n"
                        "objectClass: posixAccount\nobjectClass: pamOtpUser\n"
                        f"uid: {u}\ncn: {u}\nsn: {u}\nuidNumber: {uid}\ngidNumber: 20000\n"
                        f"homeDirectory: {self.w.home(u)}\n"
                        + self.sl.ldif_value("pamOtpRecord", rec))
        self.server.add("\n".join(ldif))
        return users

    def counters(self, users):
        """{user: HOTP counter} of these users' directory records (one search)."""
        r = self.server.ldap("ldapsearch", "-b", "ou=people," + self.server.suffix,
                             "(objectClass=pamOtpUser)", "uid", "pamOtpRecord")
        out = {}
        for _dn, attrs in self.sl.parse_ldif(r.stdout.decode()):
            uid = attrs.get("uid", [b""])[0].decode()
            m = re.search(rb"^counter (\d+)", attrs.get("pamotprecord", [b""])[0], re.M)
            if uid in users and m:
                out[uid] = int(m.group(1))
        return out

    def log_mark(self):
        return os.path.getsize(self.server.log)

    def log_since(self, mark):
        time.sleep(0.05)  # slapd's last lines of the run
        with open(self.server.log, "rb") as f:
            f.seek(mark)
            return f.read().decode(errors="replace")

    def add(self, series, store, values):
        self.lat.setdefault((series, store), []).extend(values)

    def order(self, rep, items):
        k = rep % len(items)
        return items[k:] + items[:k]

    # ---- the series ----------------------------------------------------------------------
    def sshd(self):
        drv = os.path.join(self.w.build, "bench", "pam_bench_ssl")
        for rep in range(self.R):
            for store in self.order(rep, STORES):
                users = self.users(store, self.NP)
                for u in users:
                    dt, res = self.w.spawn(drv, ["--service", self.service(store), "--user", u,
                                                 "--code", "totp", "--rounds", 1,
                                                 "--warmup", 0], [u])
                    self.b.check(res, f"fleet sshd {store}")
                    self.add("sshd", store, [dt])
                    self.add("sshd_in", store, res["lat_us"])

    def long_running(self):
        for rep in range(self.R):
            for store in self.order(rep, STORES):
                users = self.users(store, self.N + 1)
                mark = self.log_mark() if store != "file" else None
                res = self.w.driver(["--service", self.service(store), "--user-prefix", "u",
                                     "--first", int(users[0][1:]), "--rounds", self.N,
                                     "--warmup", 1, "--code", "totp"] +
                                    (["--libs"] if rep == 0 else []), users)
                self.b.check(res, f"fleet long-running {store}")
                self.add("long", store, res["lat_us"])
                if "libs" in res:
                    self.x[("libs", store)] = res["libs"]
                if mark is not None:
                    self.x.setdefault(("timeline", "long", store), []).extend(
                        timeline(self.log_since(mark), self.server.service_dn))

    def concurrency(self):
        for rep in range(max(2, self.R - 2)):
            for store in self.order(rep, STORES):
                users = self.users(store, PROCS, "hotp")
                mark = self.log_mark() if store != "file" else None
                res = self.w.driver(["--service", self.service(store), "--procs", PROCS,
                                     "--user-prefix", "u", "--first", int(users[0][1:]),
                                     "--rounds", 1, "--code", "hotp", "--counter", 1], users)
                if mark is not None:
                    self.x.setdefault(("timeline", "conc", store), []).extend(
                        timeline(self.log_since(mark), self.server.service_dn))
                self.b.check(res, f"fleet {PROCS} at once {store}")
                self.add("conc", store, res["lat_us"])
                self.x.setdefault(("wall", store), []).append(res["wall_s"])
                if store == "file":
                    got = {u: self.read_counter(self.w, "otp", u) for u in users}
                else:
                    got = self.counters(set(users))
                lost = [u for u in users if got.get(u) != 2]
                if lost:
                    self.b.failures.append(f"fleet {PROCS} at once {store}: counter not 2 "
                                           f"after the run for {len(lost)} users")

    def exchange(self):
        """The first exchange (StartTLS) by a fresh process, exec -> exit, against the same
        exchange repeated inside one process (plugin loaded once)."""
        probe = os.path.join(self.w.build, "bench", "bench_ldap_probe")
        loop = probe  # with ROUNDS: the same exchange repeated in one process
        s = self.server
        u = self.users("starttls", 1)[0]
        args = [self.plugin, self.uri["starttls"], s.suffix, s.service_dn, self.ca.ca_file, u]
        for rep in range(self.R):
            for what in self.order(rep, ["fresh", "inproc"]):
                if what == "fresh":
                    for _ in range(self.NP):
                        dt, rc = self.w.spawn_plain(probe, args, stdin=self.pwfile)
                        if rc:
                            self.b.failures.append(f"fleet ldap_probe: rc {rc}")
                        self.add("xchg", "fresh", [dt])
                else:
                    with open(self.pwfile) as pw:
                        p = subprocess.run([loop, *args, str(self.N)], stdin=pw,
                                           capture_output=True, text=True)
                    try:
                        res = json.loads(p.stdout)
                    except ValueError:
                        res = {"lat_us": [], "bad": "?"}
                    if p.returncode:
                        self.b.failures.append(f"fleet in-process exchange: rc {p.returncode} "
                                               f"{p.stderr[:200]}")
                    self.add("xchg", "inproc", res["lat_us"])

    def syscalls(self):
        """System calls per long-running TOTP login: strace -c -f of 1 + 10 logins minus
        that of 1 login (as bench.py does for the peers)."""
        for store in STORES:
            counts = []
            for rounds in (1, 11):
                users = self.users(store, rounds)
                out = os.path.join(self.w.t, f"strace.fleet.{store}.{rounds}")
                res = self.w.driver(["--service", self.service(store), "--user-prefix", "u",
                                     "--first", int(users[0][1:]), "--rounds", rounds,
                                     "--warmup", 0, "--code", "totp"],
                                    users, prefix=["strace", "-f", "-c", "-o", out])
                self.b.check(res, f"fleet strace {store}")
                with open(out) as f:
                    counts.append(self.strace_counts(f.read()))
            one, many = counts
            self.x[("sys", store)] = {k: (many.get(k, 0) - one.get(k, 0)) / 10
                                      for k in set(one) | set(many)}

    def run(self, progress):
        for name, fn in (("fleet: sshd-like", self.sshd),
                         ("fleet: long-running", self.long_running),
                         ("fleet: 64 at once", self.concurrency),
                         ("fleet: one exchange, fresh process vs in-process", self.exchange),
                         ("fleet: system calls", self.syscalls)):
            progress(name)
            fn()

    # ---- the report ------------------------------------------------------------------------
    def report(self):
        L, X = self.lat, self.x
        v = {k: med(x) for k, x in L.items()}

        def cell(series, store, q=0.95):
            x = L.get((series, store), [])
            return f"{ms(med(x))} / {ms(pct(x, q))}"

        def rel(series, store):
            return v[(series, store)] / v[(series, "file")]

        head = "| series | " + " | ".join(LABELS[s] for s in STORES) + " |"
        out = [f"TOTP success unless said otherwise, a fresh user (and so a fresh code) per "
               f"login; medians / p95 in ms; {self.R} interleaved repetitions. New-process "
               f"series: {self.NP} processes per store per repetition; long-running: "
               f"{self.N} logins per store per repetition in one process. The directory is a "
               f"private slapd 2.5 (mdb, `-d stats` log) on the same 2 CPUs, over loopback.",
               "", head, "|---|" + "---:|" * len(STORES)]
        out.append("| **sshd-like**: a new process per login (pam_bench_ssl), exec → exit | "
                   + " | ".join(cell("sshd", s) for s in STORES) + " |")
        out.append("| … of which pam_start → pam_end | "
                   + " | ".join(cell("sshd_in", s) for s in STORES) + " |")
        out.append("| … × store=file (median, exec → exit) | "
                   + " | ".join(f"{rel('sshd', s):.2f}" for s in STORES) + " |")
        out.append("| **long-running host**: pam_start → pam_end in one process | "
                   + " | ".join(cell("long", s) for s in STORES) + " |")
        out.append("| … × store=file (median) | "
                   + " | ".join(f"{rel('long', s):.2f}" for s in STORES) + " |")
        cells = []
        for s in STORES:
            wall = med(X.get(("wall", s), []))
            lat = L.get(("conc", s), [])
            cells.append(f"{wall * 1000:.0f} ms, {PROCS / wall:.0f}/s; p50 {ms(pct(lat, .5))} "
                         f"/ p99 {ms(pct(lat, .99))}")
        out.append(f"| **{PROCS} logins at once** (HOTP, {PROCS} processes, distinct users, "
                   f"one login each): wall time (median of {max(2, self.R - 2)}), logins/s; "
                   "per-login latency | " + " | ".join(cells) + " |")
        cells = []
        for s in STORES:
            c = X.get(("sys", s), {})
            fs = c.get("fsync", 0) + c.get("fdatasync", 0)
            net = sum(c.get(k, 0) for k in ("sendmsg", "sendto", "write", "writev"))
            rcv = sum(c.get(k, 0) for k in ("recvmsg", "recvfrom", "read", "readv"))
            cells.append(f"{sum(c.values()):.0f} ({fs:.0f} fsync, {c.get('connect', 0):.0f} "
                         f"connect, {c.get('poll', 0) + c.get('ppoll', 0):.0f} poll, "
                         f"{net:.0f} write/send, {rcv:.0f} read/recv)")
        out.append("| system calls per long-running login (strace -c -f, 11 logins − 1) | "
                   + " | ".join(cells) + " |")
        cells = []
        for s in STORES:
            libs = X.get(("libs", s), [])
            plugins = sorted(short(x) for x in libs if "/sasl2/" in x)
            others = sorted((short(x) for x in libs if "/sasl2/" not in x),
                            key=lambda n: (not n.startswith("pam_"), n))
            cells.append(f"{len(libs)}: " + ", ".join(others) +
                         (f"; and {len(plugins)} SASL plugins ({', '.join(plugins)})"
                          if plugins else "") if libs else "–")
        out.append("| shared objects the module maps (first login of the process) | "
                   + " | ".join(cells) + " |")
        out.append("")
        fl = X.get(("libs", "file"), [])
        ldap_in_file = [x for x in fl if re.search(r"libldap|liblber|libgnutls|libsasl", x)]
        out.append("store=file maps " + ("**no libldap, liblber, GnuTLS or SASL**"
                                         if fl and not ldap_in_file else
                                         f"**{', '.join(map(os.path.basename, ldap_in_file))}**")
                   + " (the plugin is dlopened only with store=ldap).")
        out.append("")

        fresh, inproc = v.get(("xchg", "fresh")), v.get(("xchg", "inproc"))
        proxy = v[("sshd_in", "starttls")] - v[("sshd_in", "file")]
        proxy_lr = v[("long", "starttls")] - v[("long", "file")]
        out += ["In-process plugin or helper program? One directory exchange (connect, "
                "StartTLS, bind, search for the user's entry; what the module does before the "
                "prompt), ldap:// + StartTLS, median / p95 ms:", "",
                "| the exchange | ms | × in-process |", "|---|---:|---:|",
                f"| by a fresh process: ldap_probe, exec → exit (posix_spawn → waitpid; "
                f"dlopen of the plugin, libldap and GnuTLS loaded and initialised) | "
                f"{cell('xchg', 'fresh')} | **{fresh / inproc:.1f}** |",
                f"| in-process: the same open + close repeated in one process (plugin loaded) "
                f"| {cell('xchg', 'inproc')} | 1 |",
                f"| proxy, long-running: login ldap − login file (median) | {ms(proxy_lr)} | "
                f"{proxy_lr / inproc:.1f} |",
                f"| proxy, sshd-like, pam_start → pam_end: login ldap − login file (median) | "
                f"{ms(proxy)} | {proxy / inproc:.1f} |", ""]

        tl = timeline_summary(X)
        if tl:
            out += ["Where an ldap login's time goes, from slapd's own log (nanosecond stamps; "
                    "ms after the server accepted the connection, medians over the logins of "
                    "the series; `etime` is slapd's own time for the operation):", "",
                    "| series, transport | operations of one login | timeline (ms) |",
                    "|---|---|---|"]
            for series, what in (("long", "long-running"), ("conc", f"{PROCS} at once")):
                for store in STORES[1:]:
                    if (series, store) in tl:
                        sig, n, text = tl[(series, store)]
                        out.append(f"| {what}, {LABELS[store]} | {' '.join(sig)} ({n} logins) "
                                   f"| {text} |")
            out.append("")
        return "\n".join(out) + "\n"


# ---- slapd's log: one login's operations on the server's clock -----------------------------
_LINE = re.compile(r"^([0-9a-f]{8})\.([0-9a-f]{8}) \S+ conn=(\d+) (.*)$")
_REQ = re.compile(r"^op=(\d+) (EXT|BIND|SRCH|MOD|ADD|DEL|CMP|UNBIND)\b(.*)")
_RES = re.compile(r"^op=(\d+) (?:SEARCH )?RESULT .*?etime=([\d.]+)")
_EXT = {"1.3.6.1.4.1.1466.20037": "StartTLS"}


def timeline(text, service_dn):
    """The login connections (those binding as service_dn) in a piece of slapd's -d stats
    log: for each, (signature, {event: seconds after ACCEPT}, {op: etime})."""
    conns = {}
    for line in text.splitlines():
        m = _LINE.match(line)
        if m:
            t = int(m.group(1), 16) + int(m.group(2), 16) / 1e9
            conns.setdefault(m.group(3), []).append((t, m.group(4)))
    out = []
    for events in conns.values():
        t0, ops, ev, etime = None, {}, {}, {}
        for t, rest in events:
            if " ACCEPT from " in rest:
                t0 = t
            elif t0 is None:
                continue
            elif "TLS established" in rest:
                ev["TLS up"] = t - t0
            elif rest.endswith(" closed") or " closed (" in rest:
                ev["closed"] = t - t0
            elif (m := _REQ.match(rest)):
                name = m.group(2)
                if name == "EXT":
                    oid = re.search(r"oid=(\S+)", m.group(3))
                    name = _EXT.get(oid.group(1) if oid else "", "EXT")
                if name == "BIND" and "dn=" in m.group(3) and service_dn not in m.group(3):
                    ops = None
                    break
                if m.group(1) not in ops and name != "UNBIND":
                    ops[m.group(1)] = [name, t - t0, None]
            elif (m := _RES.match(rest)) and m.group(1) in ops:
                ops[m.group(1)][2] = t - t0
                etime[m.group(1)] = float(m.group(2))
        if t0 is None or not ops or "closed" not in ev:
            continue
        seq = [ops[k] for k in sorted(ops, key=int)]
        if not any(o[0] == "BIND" for o in seq) or any(o[2] is None for o in seq):
            continue
        names, count = [], {}
        for o in seq:  # MOD, MOD -> MOD 1, MOD 2
            count[o[0]] = count.get(o[0], 0) + 1
            names.append(o[0])
        marks = dict(ev)
        seen = {}
        for o, k in zip(seq, sorted(ops, key=int)):
            seen[o[0]] = seen.get(o[0], 0) + 1
            label = o[0] + (f" {seen[o[0]]}" if count[o[0]] > 1 else "")
            marks[f"{label} sent"] = o[1]
            marks[f"{label} done"] = o[2]
            marks[f"{label} etime"] = etime.get(k, 0)
        out.append((tuple(names), marks))
    return out


def timeline_summary(X):
    res = {}
    for series, store in ((se, st) for se in ("long", "conc") for st in STORES[1:]):
        items = X.get(("timeline", series, store), [])
        if not items:
            continue
        sigs = {}
        for sig, marks in items:
            sigs.setdefault(sig, []).append(marks)
        sig, group = max(sigs.items(), key=lambda kv: len(kv[1]))
        keys = [k for k in group[0] if not k.endswith("etime")]
        keys.sort(key=lambda k: med([g[k] for g in group if k in g]))
        parts = []
        for k in keys:
            t = med([g[k] for g in group if k in g]) * 1000
            e = ""
            if k.endswith(" done"):
                et = med([g[k[:-5] + " etime"] for g in group]) * 1000
                e = f" (etime {et:.2f})"
            parts.append(f"{k} {t:.2f}{e}")
        res[(series, store)] = (sig, len(group), "; ".join(parts))
    return res
