# SPDX-License-Identifier: BSD-2-Clause
"""Helpers for the pam_otp_sms tests: a test CA made at run time with the openssl CLI, the
mock provider as a child process, conf files (mode 0600) and a runner for the sender."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from mock_common import CREDS  # noqa: E402

SENDER = os.environ.get("PAM_OTP_SMS", "")
TO = "+15551234567"
CODE = "493817"
MESSAGE = "493817 is your host.example login code.\n\n@host.example #493817"


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def make_pki(d):
    """CA, a server cert for 127.0.0.1 from it, one for the wrong host, one self-signed."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=pam_otp test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    for name, san in (("good", "IP:127.0.0.1"), ("wronghost", "DNS:wrong.example")):
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n")
        openssl("req", *ec, "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", "/CN=" + name, cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", "2",
                "-extfile", name + ".ext", "-out", name + ".pem", cwd=d)
    openssl("req", "-x509", *ec, "-keyout", "selfsigned.key", "-out", "selfsigned.pem",
            "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            cwd=d)
    return {n: (os.path.join(d, n + ".pem"), os.path.join(d, n + ".key"))
            for n in ("good", "wronghost", "selfsigned")} | {"ca": os.path.join(d, "ca.pem")}


class Mock:
    """One mock provider process; cert is "good", "wronghost", "selfsigned" or None (plain)."""

    def __init__(self, tmp, pki, cert="good"):
        self.dir = tempfile.mkdtemp(dir=tmp, prefix="mock-")
        self.control = os.path.join(self.dir, "control")
        self.record = os.path.join(self.dir, "requests.jsonl")
        port_file = os.path.join(self.dir, "port")
        args = [sys.executable, os.path.join(HERE, "mock_provider.py"), "--port-file",
                port_file, "--record", self.record, "--control-dir", self.control]
        if cert:
            args += ["--cert", pki[cert][0], "--key", pki[cert][1]]
        else:
            args.append("--plain")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL)
        for _ in range(500):
            if os.path.exists(port_file):
                break
            if self.proc.poll() is not None:
                raise RuntimeError("mock provider exited")
            time.sleep(0.01)
        with open(port_file) as f:
            self.port = int(f.read())
        self.url = ("https" if cert else "http") + f"://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)

    def push(self, *scenarios):
        """The next requests get these replies, in order (then "ok")."""
        with open(os.path.join(self.control, "queue"), "w") as f:
            json.dump(list(scenarios), f)

    def requests(self, since=0):
        if not os.path.exists(self.record):
            return []
        with open(self.record) as f:
            return [json.loads(line) for line in f][since:]

    def mark(self):
        return len(self.requests())


def write_conf(path, **opts):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        for k, v in opts.items():
            if v is not None:
                f.write(f'{k} = "{v}"\n' if " " in str(v) else f"{k} = {v}\n")
    os.chmod(path, 0o600)
    return path


def encode_input(fields):
    out = ""
    for k, v in fields.items():
        if v is not None:
            out += f"{k}={v.replace(chr(10), chr(92) + 'n')}\n"
    return out.encode()


class Result:
    def __init__(self, proc, elapsed):
        self.rc, self.elapsed = proc.returncode, elapsed
        self.out, self.err = proc.stdout.decode(), proc.stderr.decode()
        self.line = self.out.rstrip("\n")
        self.fields = dict(w.split("=", 1) for w in self.line.split(" detail=")[0].split()[1:]
                           if "=" in w)

    def __repr__(self):
        return f"<rc={self.rc} {self.elapsed:.2f}s {self.out!r} {self.err!r}>"


def run_sender(conf, action, fields=None, raw=None, args=None, timeout=30):
    """Run pam_otp_sms like the module: no environment, argv, key=value lines on stdin."""
    argv = [SENDER] + (args if args is not None else ["--conf", conf, action])
    data = raw if raw is not None else encode_input(fields or {})
    t0 = time.monotonic()
    proc = subprocess.run(argv, input=data, capture_output=True, env={}, timeout=timeout)
    return Result(proc, time.monotonic() - t0)


class SenderTest(unittest.TestCase):
    """A temporary dir, a CA and one mock provider for the whole class."""

    @classmethod
    def setUpClass(cls):
        if not SENDER or not os.access(SENDER, os.X_OK):
            raise unittest.SkipTest("PAM_OTP_SMS does not name the built pam_otp_sms")
        cls.tmp = tempfile.mkdtemp(prefix="sms-test-")
        cls.pki = make_pki(cls.tmp)
        cls.mock = Mock(cls.tmp, cls.pki)

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.mock.push()
        self.since = self.mock.mark()

    def conf(self, **opts):
        base = {"ca_file": self.pki["ca"], "timeout": 4, "connect_timeout": 2}
        base.update(opts)
        return write_conf(os.path.join(self.tmp, self.id().rsplit(".", 1)[-1] + ".conf"),
                          **base)

    def seen(self):
        return self.mock.requests(self.since)

    def assertNoSecrets(self, res):
        for secret in (CODE, *[v for k, v in CREDS.items() if "secret" in k or "token" in k
                               or k == "api_key"]):
            self.assertNotIn(secret, res.out + res.err)

    def assertExit(self, res, rc, kind=None):
        self.assertEqual(res.rc, rc, res)
        self.assertEqual(res.err, "", res)  # also catches sanitizer reports
        self.assertEqual(len(res.out.splitlines()), 1, res)
        self.assertTrue(res.line.startswith("ok " if rc == 0 else "error "), res)
        if kind:
            self.assertEqual(res.fields.get("kind"), kind, res)
        self.assertNoSecrets(res)


def provider_opts(name, base):
    """Conf settings that make provider `name` talk to the mock at base."""
    c = CREDS
    return {
        "twilio": {"provider": "twilio", "api_base": base, "account_sid": c["account_sid"],
                   "auth_token": c["auth_token"], "from": "+15005550006"},
        "twilio-verify": {"provider": "twilio-verify", "api_base": base,
                          "account_sid": c["account_sid"], "auth_token": c["auth_token"],
                          "verify_service_sid": c["verify_service_sid"]},
        "telnyx": {"provider": "telnyx", "api_base": base, "api_key": c["api_key"],
                   "from": "+15550001111"},
        "plivo": {"provider": "plivo", "api_base": base, "account_sid": c["plivo_auth_id"],
                  "auth_token": c["auth_token"], "from": "+15550002222",
                  "webhook_url": base + "/plivo-answer",
                  "webhook_secret": c["webhook_secret"]},
        "vonage": {"provider": "vonage", "api_base": base, "account_sid": c["vonage_key"],
                   "auth_token": c["auth_token"], "from": "PAMOTP"},
        "sns": {"provider": "sns", "api_base": base, "region": c["region"],
                "account_sid": c["aws_key"], "auth_token": c["aws_secret"]},
        "webhook": {"provider": "webhook", "webhook_url": base + "/hook",
                    "webhook_token": c["webhook_token"], "webhook_secret": c["webhook_secret"]},
    }[name]


HTTP_PROVIDERS = ["twilio", "twilio-verify", "telnyx", "plivo", "vonage", "sns", "webhook"]


def send_fields(provider):
    """The action and stdin fields of a plain "send a code" for provider."""
    if provider == "twilio-verify":
        return "verify-start", {"to": TO, "user": "alice", "host": "host.example"}
    return "send", {"to": TO, "code": CODE, "message": MESSAGE, "user": "alice",
                    "host": "host.example"}
