# SPDX-License-Identifier: BSD-2-Clause
"""Shared helpers for the end-to-end tests (tests/e2e): a private mount namespace in which
the real sshd, sudo, su and login run against private copies of passwd/group/shadow, private
PAM services and a private syslog socket, so nothing on the host changes.

A test calls setup(packages), which checks (and if needed installs) the Debian packages,
re-executes the script inside `unshare -m`, and returns an Env. Everything the test starts
lives in that namespace; Env.cleanup() (also run at exit and on SIGTERM) kills every process
in it and removes the temporary directory. Exit status 77 means skipped (meson's convention).
Checks, log lines and skips come from tests/pylib/checks.py (require: a failed check stops the
test).
"""
import atexit
import grp
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

# The shared check framework (tests/pylib/checks.py); meson puts it on PYTHONPATH too.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "pylib"))
import checks  # noqa: E402
from checks import SKIP, log, require, skip  # noqa: E402,F401  (re-exported to the tests)

USER, UID = "e2euser", 2345
CALLER, CALLER_UID = "e2ecaller", 2346
PASSWORD = "e2e-Pa55word"
SRC = os.environ.get("PAM_OTP_SOURCE_ROOT",
                     os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MODULE = os.environ.get("PAM_OTP_MODULE", "")
MKOTP = os.environ.get("PAM_OTP_MKOTP", "")
_NS_FLAG = "PAM_OTP_E2E_HOST_NS"
ORIGINAL = {}  # host files as they were before we bound our copies over them


def run(argv, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 60)
    return subprocess.run(argv, **kw)


def pkg_version(pkg):
    r = run(["dpkg-query", "-W", "-f=${Status}|${Version}", pkg])
    if r.returncode != 0 or not r.stdout.startswith("install ok installed"):
        return None
    return r.stdout.split("|", 1)[1]


def require_packages(pkgs):
    """Install missing Debian packages (as root); skip only when that is impossible."""
    missing = [p for p in pkgs if pkg_version(p) is None]
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        log(f"installing {' '.join(missing)}")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        r = run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                env=env, timeout=600)
        if r.returncode != 0:
            run(["apt-get", "update", "-qq"], env=env, timeout=600)
            run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                env=env, timeout=600)
        missing = [p for p in pkgs if pkg_version(p) is None]
    if missing:
        skip(f"required Debian package(s) not installed and not installable: {' '.join(missing)}")
    for p in pkgs:
        log(f"package {p} {pkg_version(p)}")


def setup(packages):
    """Check packages, then re-exec this script in a private mount namespace; return an Env."""
    if _NS_FLAG not in os.environ:
        if os.geteuid() != 0:
            skip("the end-to-end tests run real sshd/sudo/su/login in a private mount "
                 "namespace and must run as root (sudo .ci/run)")
        require_packages(list(dict.fromkeys(["util-linux", *packages])))
        if not MODULE or not os.path.exists(MODULE):
            raise SystemExit(f"PAM_OTP_MODULE={MODULE!r} does not exist (run through meson test)")
        env = dict(os.environ, **{_NS_FLAG: os.readlink("/proc/self/ns/mnt")})
        sys.stdout.flush()
        os.execvpe("unshare", ["unshare", "-m", "--propagation", "private", "--",
                               sys.executable, *sys.argv], env)
    require(os.readlink("/proc/self/ns/mnt") != os.environ[_NS_FLAG],
          "unshare -m did not give a private mount namespace")
    return Env()


def mount(*args):
    r = run(["mount", *args])
    require(r.returncode == 0, f"mount {' '.join(args)}: {r.stderr.strip()}")


class Env:
    def __init__(self):
        import tempfile
        self.host_ns = os.environ[_NS_FLAG]
        self.root = tempfile.mkdtemp(prefix="pam_otp_e2e.")
        self.procs = []
        self._done = False
        self._syslog = []
        self._sock = None
        atexit.register(self.cleanup)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        signal.signal(signal.SIGHUP, lambda *_: sys.exit(129))
        os.chmod(self.root, 0o755)  # the test users walk into their homes below it
        log(f"private namespace, temp dir {self.root}")
        mount("-t", "tmpfs", "-o", "mode=755,nosuid,nodev", "tmpfs", "/run")
        os.mkdir("/run/sshd", 0o755)
        mount("-t", "tmpfs", "-o", "mode=755,nosuid,nodev", "tmpfs", "/var/log")
        for f in ("wtmp", "btmp", "lastlog"):
            open(f"/var/log/{f}", "w").close()
        self._private_dev()
        self._start_syslog()
        self.users = {}

    # --- the namespace -------------------------------------------------------------------
    def _private_dev(self):
        """A tmpfs /dev with the host's basic nodes bound in, a file in place of the console,
        and our own datagram socket at /dev/log to read what PAM modules log."""
        new = self.path("dev")
        os.mkdir(new)
        mount("-t", "tmpfs", "-o", "mode=755,nosuid", "tmpfs", new)
        open(self.path("console"), "w").close()
        for name in ("null", "zero", "full", "random", "urandom", "tty", "console"):
            src = self.path("console") if name == "console" else f"/dev/{name}"
            if os.path.exists(src):
                open(f"{new}/{name}", "w").close()
                mount("--bind", src, f"{new}/{name}")
        # Our own devpts instance: ptys opened here are private to the namespace.
        os.mkdir(f"{new}/pts")
        tty_gid = grp.getgrnam("tty").gr_gid if "tty" in [g.gr_name for g in grp.getgrall()] else 5
        mount("-t", "devpts", "-o", f"newinstance,ptmxmode=0666,mode=620,gid={tty_gid}",
              "devpts", f"{new}/pts")
        os.symlink("pts/ptmx", f"{new}/ptmx")
        for name in ("shm", "mqueue"):
            if os.path.isdir(f"/dev/{name}"):
                os.mkdir(f"{new}/{name}")
                mount("--rbind", f"/dev/{name}", f"{new}/{name}")
        for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                             ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
            os.symlink(target, f"{new}/{name}")
        mount("--move", new, "/dev")

    def _start_syslog(self):
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind("/dev/log")
        os.chmod("/dev/log", 0o666)
        self._logf = open(self.path("syslog"), "a")

        def reader():
            while True:
                try:
                    data = self._sock.recv(65536)
                except OSError:
                    return
                line = data.decode(errors="replace").rstrip("\n")
                self._syslog.append(line)
                self._logf.write(line + "\n")
                self._logf.flush()
        threading.Thread(target=reader, daemon=True).start()

    def log_mark(self):
        return len(self._syslog)

    def log_since(self, mark):
        return list(self._syslog[mark:])

    def wait_log(self, mark, pattern, timeout=5):
        """Wait until a syslog line after mark matches pattern; return it or None."""
        end = time.time() + timeout
        while True:
            for line in self._syslog[mark:]:
                if re.search(pattern, line):
                    return line
            if time.time() > end:
                return None
            time.sleep(0.05)

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def write(self, rel, text, mode=0o644, uid=0, gid=0):
        p = self.path(rel) if not rel.startswith("/") else rel
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        os.chown(p, uid, gid)
        os.chmod(p, mode)
        return p

    def bind_file(self, target, text, mode=0o644, gid=0):
        """Put text over an existing host file, in this namespace only."""
        require(os.path.isfile(target), f"{target} does not exist on this host")
        if target not in ORIGINAL:
            ORIGINAL[target] = open(target).read()
        p = self.path("over" + target)
        again = os.path.exists(p)  # already bound: rewrite the same inode
        p = self.write("over" + target, text, mode, 0, gid)
        if not again:
            mount("--bind", p, target)
        return p

    def pam_service(self, name, text):
        active = [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#")]
        log(f"--- /etc/pam.d/{name} (private; comments left out) ---")
        log("\n".join(active))
        return self.bind_file(f"/etc/pam.d/{name}", text)

    # --- users ---------------------------------------------------------------------------
    def add_users(self, specs):
        """specs: list of (name, uid, password or None). Homes live in the temp dir."""
        files = {n: ORIGINAL.get(f"/etc/{n}", open(f"/etc/{n}").read()).splitlines()
                 for n in ("passwd", "group", "shadow")}
        names = {s[0] for s in specs}
        uids = {str(s[1]) for s in specs}
        for n in files:  # drop host entries that clash with ours
            files[n] = [l for l in files[n] if l.split(":")[0] not in names
                        and not (n != "shadow" and l.split(":")[2:3] and l.split(":")[2] in uids)]
        for name, uid, password in specs:
            home = self.path("home", name)
            os.makedirs(home, mode=0o700)
            os.chown(home, uid, uid)
            files["passwd"].append(f"{name}:x:{uid}:{uid}:pam_otp e2e:{home}:/bin/sh")
            files["group"].append(f"{name}:x:{uid}:")
            files["shadow"].append(f"{name}:{hash_password(password) if password else '*'}"
                                   f":19700:0:99999:7:::")
            self.users[name] = (uid, home)
        try:
            shadow_gid = grp.getgrnam("shadow").gr_gid
        except KeyError:
            shadow_gid = 0
        self.bind_file("/etc/passwd", "\n".join(files["passwd"]) + "\n")
        self.bind_file("/etc/group", "\n".join(files["group"]) + "\n")
        self.bind_file("/etc/shadow", "\n".join(files["shadow"]) + "\n", 0o640, shadow_gid)

    def home(self, name):
        return self.users[name][1]

    def write_otp(self, user, secret, nbackup=0, path=None, owner=None, phone=None):
        """Write an otp file with our mkotp helper (the project's own writer); return the
        backup codes. Default: ~user/.otp, owned by the user, mode 0600."""
        path = path or os.path.join(self.home(user), ".otp")
        uid = self.users[user][0] if owner is None else owner
        if os.path.exists(path):
            os.unlink(path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        r = run([MKOTP, path, secret, str(nbackup), *([phone] if phone else [])])
        require(r.returncode == 0, f"mkotp failed: {r.stderr}")
        os.chown(path, uid, uid)
        os.chmod(path, 0o600)
        return r.stdout.split()

    # --- processes and cleanup -----------------------------------------------------------
    def spawn(self, argv, **kw):
        p = subprocess.Popen(argv, **kw)
        self.procs.append(p)
        return p

    def _ns_pids(self):
        me, out = os.getpid(), []
        for d in os.listdir("/proc"):
            if d.isdigit() and int(d) != me:
                try:
                    if os.readlink(f"/proc/{d}/ns/mnt") == self.ns:
                        out.append(int(d))
                except OSError:
                    pass
        return out

    def kill_all(self):
        """Kill every process left in this private namespace (sshd and its children...)."""
        self.ns = os.readlink("/proc/self/ns/mnt")
        if self.ns == self.host_ns:
            return
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for _ in range(50):
            pids = self._ns_pids()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            for p in self.procs:
                try:
                    p.wait(timeout=0.1)
                except subprocess.TimeoutExpired:
                    pass
            time.sleep(0.05)
        left = self._ns_pids()
        if left:
            log(f"WARNING: processes left in the namespace: {left}")

    def cleanup(self):
        if self._done:
            return
        self._done = True
        self.kill_all()
        if self._sock:
            self._sock.close()
        # Never let rmtree walk into a mount (e.g. a bind of host files).
        for line in reversed(open("/proc/self/mountinfo").read().splitlines()):
            mp = line.split()[4]
            if mp == self.root or mp.startswith(self.root + "/"):
                run(["umount", "-l", mp])
        shutil.rmtree(self.root, ignore_errors=True)
        require(not os.path.exists(self.root), f"could not remove {self.root}")

    def dump_logs(self, *files):
        for f in (self.path("syslog"), *files):
            if os.path.exists(f):
                log(f"--- {f} (last 60 lines) ---")
                log("".join(open(f, errors="replace").readlines()[-60:]).rstrip())


def hash_password(pw):
    r = run(["openssl", "passwd", "-6", "-stdin"], input=pw + "\n")
    if r.returncode == 0:
        return r.stdout.strip()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import crypt
    return crypt.crypt(pw, crypt.mksalt(crypt.METHOD_SHA512))


def main(packages, body):
    """Install/check packages, run body(env) in the private environment, always clean up."""
    env = setup(packages)
    failed = False
    try:
        body(env)
    except BaseException:
        failed = True
        env.dump_logs()
        raise
    finally:
        env.cleanup()
    checks.finish()  # "N passed, N failed"; exit 1 when a check() failed
