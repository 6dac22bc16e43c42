#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""The module <-> sender contract (argv, stdin, one stdout line, exit statuses, conf checks)
and the transport rules: certificate checks, plain http only when allowed, the mock's daemon
mode for C tests."""
import os
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from mocklib import (CODE, MESSAGE, TO, Mock, SenderTest, encode_input,  # noqa: E402
                     provider_opts, run_sender, write_conf)

FIELDS = {"to": TO, "code": CODE, "message": MESSAGE, "user": "alice", "host": "h"}


class Contract(SenderTest):
    def twilio_conf(self, **opts):
        o = provider_opts("twilio", self.mock.url)
        o.update(opts)
        return self.conf(**o)

    def bad_input(self, raw, rc=5, kind="config"):
        res = run_sender(self.twilio_conf(), "send", raw=raw)
        self.assertExit(res, rc, kind)
        self.assertEqual(self.seen(), [], "nothing may be sent on bad input")
        self.assertEqual(res.err, "")
        return res

    def test_argv(self):
        conf = self.twilio_conf()
        for args in ([], ["--conf", conf], ["--conf", conf, "text"], ["-c", conf, "send"],
                     ["--conf", conf, "send", "extra"]):
            with self.subTest(args=args):
                self.assertExit(run_sender(conf, None, FIELDS, args=args), 5, "config")

    def test_input_limits(self):
        self.bad_input(encode_input(FIELDS) + b"host2=" + b"x" * 9000 + b"\n")
        self.bad_input(encode_input(dict(FIELDS, message="m" * 8300)))

    def test_input_keys(self):
        self.bad_input(encode_input(FIELDS) + b"secret=1\n")
        self.bad_input(encode_input(FIELDS) + b"to=+15557654321\n")
        self.bad_input(encode_input(FIELDS) + b"junk line\n")
        self.bad_input(b"to=" + TO.encode() + b"\0\ncode=123456\nmessage=x\n")

    def test_input_values(self):
        base = dict(FIELDS)
        for to in ("15551234567", "+0123456789", "+1555abc4567", "+1234", "+1" + "2" * 15):
            with self.subTest(to=to):
                self.bad_input(encode_input(dict(base, to=to)), 2, "invalid_number")
        for code in ("12ab56", "123", "12345678901", ""):
            with self.subTest(code=code):
                self.bad_input(encode_input(dict(base, code=code)))
        self.bad_input(encode_input(dict(base, code=None)))
        self.bad_input(encode_input(dict(base, to=None)))
        self.bad_input(encode_input(dict(base, message=None)))
        self.bad_input(encode_input(dict(base, user="al\rice")))

    def test_message_escapes_and_empty_lines(self):
        raw = b"\n" + encode_input(FIELDS) + b"\n"
        self.assertExit(run_sender(self.twilio_conf(), "send", raw=raw), 0)
        self.assertEqual(self.seen()[0]["form"]["Body"], MESSAGE)

    def test_conf_checks(self):
        conf = self.twilio_conf()
        os.chmod(conf, 0o640)
        res = run_sender(conf, "send", FIELDS)
        self.assertExit(res, 5, "config")
        self.assertIn("chmod 600", res.line)
        res = run_sender(conf + ".missing", "send", FIELDS)
        self.assertExit(res, 5, "config")
        for opts in ({"provider": "carrier-pigeon"}, {"provider": None},
                     {"account_sid": None}, {"from": None}, {"ca_file": "/nonexistent.pem"},
                     {"api_base": "ftp://127.0.0.1/"}):
            with self.subTest(opts=opts):
                self.assertExit(run_sender(self.twilio_conf(**opts), "send", FIELDS), 5,
                                "config")
        self.assertEqual(self.seen(), [])

    def tls_case(self, cert, **opts):
        mock = Mock(self.tmp, self.pki, cert=cert)
        try:
            o = provider_opts("twilio", mock.url)
            o.update(opts)
            res = run_sender(self.conf(**o), "send", FIELDS)
            return res, mock.requests()
        finally:
            mock.stop()

    def test_tls_wrong_host(self):
        res, seen = self.tls_case("wronghost")
        self.assertExit(res, 4, "tls")
        self.assertEqual(seen, [])

    def test_tls_self_signed(self):
        res, seen = self.tls_case("selfsigned")
        self.assertExit(res, 4, "tls")
        self.assertEqual(seen, [])

    def test_tls_unknown_ca(self):  # the system CA store does not know the test CA
        res, seen = self.tls_case("good", ca_file=None)
        self.assertExit(res, 4, "tls")
        self.assertEqual(seen, [])

    def test_plain_http(self):
        res, seen = self.tls_case(None)
        self.assertExit(res, 5, "config")
        self.assertEqual(seen, [])
        res, seen = self.tls_case(None, allow_insecure_http="yes")
        self.assertExit(res, 0)
        self.assertEqual(len(seen), 1)

    def test_plain_http_loopback_only(self):
        for base in ("http://192.0.2.1:9", "http://10.0.0.1", "http://example.com",
                     "http://127.0.0.1.example.com", "http://[::ffff:127.0.0.1]",
                     "http://localhost.example.com"):
            with self.subTest(base):
                res = run_sender(self.twilio_conf(api_base=base, allow_insecure_http="yes"),
                                 "send", FIELDS)
                self.assertExit(res, 5, "config")
                self.assertIn("only for 127.0.0.0/8", res.line)
                self.assertLess(res.elapsed, 2)  # refused, not tried
        mock = Mock(self.tmp, self.pki, cert=None)
        try:
            for host in ("localhost", "127.0.0.1"):
                with self.subTest(host):
                    url = mock.url.replace("127.0.0.1", host)
                    res = run_sender(self.twilio_conf(api_base=url, allow_insecure_http="yes"),
                                     "send", FIELDS)
                    self.assertExit(res, 0)
        finally:
            mock.stop()

    def test_connection_refused_retried(self):
        res = run_sender(self.twilio_conf(api_base="https://127.0.0.1:9"), "send", FIELDS)
        self.assertExit(res, 4, "unavailable")
        self.assertIn("after 3 tries", res.line)
        self.assertGreaterEqual(res.elapsed, 0.7)  # 250 + 500 ms backoff

    def test_nothing_secret_on_stderr_or_stdout(self):
        for scenario in ("ok", "500", "invalid", "auth", "garbage"):
            self.mock.push(scenario)
            res = run_sender(self.twilio_conf(), "send", FIELDS)
            self.assertEqual(res.err, "")
            self.assertNoSecrets(res)

    def test_mock_daemon_mode(self):
        d = os.path.join(self.tmp, "daemon")
        os.makedirs(d, exist_ok=True)
        port_file, pid_file = os.path.join(d, "port"), os.path.join(d, "pid")
        subprocess.run([sys.executable, os.path.join(HERE, "mock_provider.py"), "--daemon",
                        "--pid-file", pid_file, "--port-file", port_file, "--record",
                        os.path.join(d, "rec"), "--control-dir", os.path.join(d, "ctl"),
                        "--cert", self.pki["good"][0], "--key", self.pki["good"][1]],
                       check=True, timeout=10)
        for _ in range(500):
            if os.path.exists(port_file) and os.path.exists(pid_file):
                break
            time.sleep(0.01)
        with open(port_file) as f, open(pid_file) as g:
            port, pid = int(f.read()), int(g.read())
        try:
            conf = write_conf(os.path.join(d, "c.conf"),
                              **provider_opts("telnyx", f"https://127.0.0.1:{port}"),
                              ca_file=self.pki["ca"])
            self.assertExit(run_sender(conf, "send", FIELDS), 0)
        finally:
            os.kill(pid, signal.SIGTERM)


if __name__ == "__main__":
    unittest.main(verbosity=2)
