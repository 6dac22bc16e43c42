# SPDX-License-Identifier: BSD-2-Clause
"""The world of the fleet (store=ldap) tests: a private mount namespace (tests/e2e/e2e.py:
our own /dev/log, users alice and bob in /etc/passwd), one real slapd with TLS (slapd.py),
and "hosts": PAM services, each with a pam_otp.conf of its own that points at the same
directory. A login is one pam_converse run of pam_otp_test.so at a test time."""
import base64
import hashlib
import hmac
import os
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "pylib"))
import e2e  # noqa: E402,F401  (the tests take it from here)
import slapd as sl  # noqa: E402
from checks import log, require  # noqa: E402,F401
from converse import converse  # noqa: E402

CONVERSE = os.environ.get("PAM_CONVERSE", "")
TEST_MODULE = os.environ.get("PAM_OTP_TEST_MODULE", "")
PLUGIN = os.environ.get("PAM_OTP_LDAP_PLUGIN", "")
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
USERS = [("alice", 3101), ("bob", 3102)]  # in /etc/passwd and in the directory
PASSWD_ONLY = [("carol", 3103)]           # in /etc/passwd only
PACKAGES = ["slapd", "ldap-utils", "openssl"]
T0 = 1_800_000_000 - 1_800_000_000 % 30  # a step boundary: the test clock starts here


def otp(counter, secret=SECRET, digits=6):
    key = base64.b32decode(secret)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 15
    return "%0*d" % (digits, (struct.unpack(">I", mac[off:off + 4])[0] & 0x7fffffff) % 10**digits)


def totp(t, secret=SECRET):
    return otp(t // 30, secret)


def record(kind="totp", counter=None, extra=""):
    text = f"version 1\ntype {kind}\nsecret {SECRET}\n"
    if counter is not None:
        text += f"counter {counter}\n"
    return (text + extra).encode()


def fields(data):
    """A record's lines as {key: value} (repeated keys: the last one)."""
    return dict((line.split(" ", 1) + [""])[:2] for line in data.decode().splitlines()
                if line and not line.startswith("#"))


class Fleet:
    def __init__(self, env, server=None, ca=None):
        for name, path in (("PAM_CONVERSE", CONVERSE), ("PAM_OTP_TEST_MODULE", TEST_MODULE),
                           ("PAM_OTP_LDAP_PLUGIN", PLUGIN)):
            require(path and os.path.exists(path), f"{name}={path!r} does not exist")
        self.env = env
        self.ca = ca or sl.TestCA(env.path("ca"))
        self.server = server or sl.Slapd(env.path("slapd"), self.ca)
        if not self.server.running():
            self.server.start()
        env.add_users([(name, uid, None) for name, uid in USERS + PASSWD_ONLY])
        for name, uid in USERS:
            self.server.add_user(name, uid)
        self.confdir = env.path("pam.d")
        os.makedirs(self.confdir, exist_ok=True)

    def conf_path(self, host):
        return self.env.path(f"{host}.conf")

    def host(self, name, uri=None, server=None, then=None, **opts):
        """PAM service `name` (lower case: libpam lowercases service names) with its own
        conf: store=ldap on our server (StartTLS) plus opts (a value None leaves the key
        out); then: a line for the stack after pam_otp."""
        s = server or self.server
        conf = {"store": "ldap", "ldap_uri": uri or s.uri_ldap, "ldap_base": s.suffix,
                "ldap_bind_dn": s.service_dn, "ldap_bind_pw": s.service_pw,
                "ldap_ca_file": self.ca.ca_file, "ldap_plugin": PLUGIN, "ldap_timeout": 3}
        conf.update(opts)
        text = "".join(f'{k} = "{v}"\n' if " " in str(v) else f"{k} = {v}\n"
                       for k, v in conf.items() if v is not None)
        self.env.write(self.conf_path(name), text, mode=0o600)
        self.env.write(os.path.join(self.confdir, name),
                       f"auth required {TEST_MODULE} conf={self.conf_path(name)}\n"
                       + (then + "\n" if then else ""))
        return name

    def login(self, host, user, answers, now=T0, timeout=30, extra_env=None, hostname=None):
        """One login through service `host`; hostname: run it in a UTS namespace of its own
        with that host name (two machines of a fleet with the same PAM service)."""
        env = {"PAM_OTP_TEST_NOW": str(now), "PATH": "/usr/bin:/bin", **(extra_env or {})}
        argv = [CONVERSE, self.confdir, host, user]
        if hostname:
            argv = ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', hostname,
                    *argv]
        return converse(argv, env, answers, timeout)

    def set_record(self, user, data, server=None):
        (server or self.server).set_record(user, data)

    def record(self, user, server=None):
        data = (server or self.server).get_record(user)
        return fields(data) if data is not None else None

    def check_logs_clean(self):
        """No bind password, secret or record line in anything the module logged."""
        from checks import check
        lines = [l for l in self.env.log_since(0) if "pam_otp" in l]
        bad = [l for l in lines if self.server.service_pw in l or SECRET in l
               or "version 1" in l or "last_step" in l]
        check(lines and not bad, f"{len(lines)} module log lines, none with the bind "
              f"password or record content: {bad[:2]}")

    def race(self, answers, hosts=("a", "b"), now=T0, user="alice"):
        """All logins at once, half on each host; their results in order."""
        start = threading.Barrier(len(answers))
        results = [None] * len(answers)

        def one(i):
            def at_prompt(_login):
                start.wait(timeout=120)
                return answers[i]
            results[i] = self.login(hosts[i % len(hosts)], user, [at_prompt], now,
                                    timeout=180)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(answers))]
        t = time.monotonic()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        log(f"{len(answers)} logins across {len(hosts)} hosts in {time.monotonic() - t:.2f} s")
        return [r.result for r in results]
