#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""libcurl calls that fail, which no mock server can provoke: the real pam_otp_sms runs with
curl_fault.so preloaded (CURL_FAULT_SHIM), which fails the one setopt, getinfo or perform
named in its environment. The sender must fail closed: no request without its time limit,
no success without a readable status, no repeat of a request that may have arrived."""
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mocklib import (HTTP_PROVIDERS, SENDER, Result, SenderTest, encode_input,  # noqa: E402
                     provider_opts, send_fields)

SHIM = os.environ.get("CURL_FAULT_SHIM", "")


def detail(res):
    return res.line.split(" detail=", 1)[1] if " detail=" in res.line else ""


class Faults(SenderTest):
    @classmethod
    def setUpClass(cls):
        if not SHIM or not os.path.exists(SHIM):
            raise unittest.SkipTest("CURL_FAULT_SHIM does not name the built curl_fault.so")
        super().setUpClass()

    def setUp(self):
        super().setUp()
        self.log = os.path.join(self.tmp, "faults.log")
        if os.path.exists(self.log):
            os.unlink(self.log)

    def run_faulty(self, provider, faults, **opts):
        """The sender as the module runs it (argv, stdin, no other environment), but for the
        shim and its settings."""
        action, fields = send_fields(provider)
        conf_opts = provider_opts(provider, self.mock.url)
        conf_opts.update(opts)
        conf = self.conf(**conf_opts)
        env = {"LD_PRELOAD": SHIM, "CURL_FAULT_LOG": self.log, **faults}
        t0 = time.monotonic()
        proc = subprocess.run([SENDER, "--conf", conf, action], input=encode_input(fields),
                              capture_output=True, env=env, timeout=60)
        return Result(proc, time.monotonic() - t0)

    def injected(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return f.read().splitlines()

    def test_shim_passes_everything_else_on(self):
        # Control: preloaded with no fault, every provider still works (so the shim forwards
        # each option with its type intact, and the failures below are the faults').
        for p in HTTP_PROVIDERS:
            with self.subTest(provider=p):
                since = self.mock.mark()
                res = self.run_faulty(p, {})
                self.assertExit(res, 0)
                self.assertEqual(len(self.mock.requests(since)), 1)
        self.assertEqual(self.injected(), [])

    def test_refused_timeout_means_no_request(self):
        # Without its time limit a request could hang until the module kills the sender:
        # never sent at all, and the result line says why.
        for opt in ("TIMEOUT_MS", "CONNECTTIMEOUT_MS"):
            for p in HTTP_PROVIDERS:
                with self.subTest(option=opt, provider=p):
                    since = self.mock.mark()
                    if os.path.exists(self.log):
                        os.unlink(self.log)
                    res = self.run_faulty(p, {"CURL_FAULT_SETOPT": opt})
                    self.assertEqual(self.injected(), [f"setopt {opt} failed"])
                    self.assertNotEqual(res.rc, 0, res)
                    self.assertTrue(res.line.startswith("error "), res)
                    self.assertEqual(len(res.out.splitlines()), 1, res)
                    self.assertIn("timeout", detail(res).lower(), res)
                    self.assertEqual(self.mock.requests(since), [],
                                     "a request went out without its time limit")
                    self.assertNoSecrets(res)

    def test_refused_option_means_no_request(self):
        # An option that guards the request (peer check, CA, https only) refused by this
        # libcurl: nothing sent, and the line says it is libcurl, not "out of memory".
        for opt in ("SSL_VERIFYPEER", "CAINFO", "PROTOCOLS_STR"):
            for p in HTTP_PROVIDERS:
                with self.subTest(option=opt, provider=p):
                    since = self.mock.mark()
                    if os.path.exists(self.log):
                        os.unlink(self.log)
                    res = self.run_faulty(p, {"CURL_FAULT_SETOPT": opt})
                    self.assertEqual(self.injected(), [f"setopt {opt} failed"])
                    self.assertExit(res, 5, "config")
                    self.assertIn("libcurl refused", detail(res), res)
                    self.assertEqual(self.mock.requests(since), [])

    def test_unreadable_status_is_not_success(self):
        for p in HTTP_PROVIDERS:
            with self.subTest(provider=p):
                since = self.mock.mark()
                if os.path.exists(self.log):
                    os.unlink(self.log)
                res = self.run_faulty(p, {"CURL_FAULT_GETINFO": "RESPONSE_CODE"})
                self.assertIn("getinfo RESPONSE_CODE failed", self.injected())
                self.assertNotEqual(res.rc, 0, res)
                self.assertTrue(res.line.startswith("error "), res)
                self.assertIn("status", detail(res).lower(), res)
                self.assertEqual(len(self.mock.requests(since)), 1)  # not repeated either
                self.assertNoSecrets(res)

    def test_lost_reply_not_repeated(self):
        # Control for the next test: a reply lost after the request went out (a read
        # timeout) is never followed by a second request, which would be a second text.
        res = self.run_faulty("twilio", {"CURL_FAULT_PERFORM": "timeout"}, timeout=10)
        self.assertEqual(self.injected(), ["perform timeout failed"])
        self.assertExit(res, 4, "timeout")
        self.assertEqual(len(self.seen()), 1)

    def test_unreadable_request_size_counts_as_sent(self):
        # The same lost reply, and libcurl cannot say how much it sent: that must count as
        # "sent" (no retry), not as "nothing sent" (a connect timeout, retried).
        res = self.run_faulty("twilio", {"CURL_FAULT_PERFORM": "timeout",
                                         "CURL_FAULT_GETINFO": "REQUEST_SIZE"}, timeout=10)
        self.assertIn("getinfo REQUEST_SIZE failed", self.injected())
        self.assertNotEqual(res.rc, 0, res)
        self.assertTrue(res.line.startswith("error "), res)
        self.assertEqual(len(self.seen()), 1, "the request was sent again: "
                         f"{len(self.seen())} texts for one login")


if __name__ == "__main__":
    unittest.main(verbosity=2)
