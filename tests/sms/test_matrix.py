#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""The same failure cases for every HTTP provider (SMS_PROVIDER picks one; all by default):
success, 5xx, retried 502/503, 429, invalid number, bad credentials, garbage, oversized reply,
a hang past the timeout, unreachable, and a plain-http base refused."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mocklib import HTTP_PROVIDERS, SenderTest, provider_opts, run_sender, send_fields  # noqa

OK_STATUS = {"twilio": 201, "twilio-verify": 201, "telnyx": 200, "plivo": 202, "vonage": 200,
             "sns": 200, "webhook": 200}
# Plivo and a webhook give no structured "invalid number": only the 4xx says "rejected".
INVALID_KIND = {"plivo": "rejected", "webhook": "rejected"}


class Matrix(SenderTest):
    provider = None

    def send(self, **opts):
        action, fields = send_fields(self.provider)
        conf_opts = provider_opts(self.provider, self.mock.url)
        conf_opts.update(opts)
        return run_sender(self.conf(**conf_opts), action, fields)

    def test_ok(self):
        res = self.send()
        self.assertExit(res, 0)
        self.assertEqual(res.fields["provider"], self.provider)
        self.assertEqual(int(res.fields["status"]), OK_STATUS[self.provider])
        self.assertTrue(res.fields.get("id"), res)
        seen = self.seen()
        self.assertEqual(len(seen), 1)
        self.assertEqual(seen[0]["provider"], self.provider)
        self.assertEqual(seen[0]["errors"], [], seen[0])

    def test_500_not_retried(self):
        self.mock.push("500", "500", "500")
        self.assertExit(self.send(), 3, "unavailable")
        self.assertEqual(len(self.seen()), 1)

    def test_502_retried_then_fails(self):
        self.mock.push("502", "502", "502", "502")
        res = self.send()
        self.assertExit(res, 3, "unavailable")
        self.assertEqual(len(self.seen()), 3)
        self.assertEqual(res.fields["status"], "502")

    def test_503_then_ok(self):
        self.mock.push("503")
        self.assertExit(self.send(), 0)
        self.assertEqual([r["scenario"] for r in self.seen()], ["503", "ok"])

    def test_429_bounded_retries(self):
        self.mock.push("429", "429", "429", "429")
        res = self.send()
        self.assertExit(res, 6, "rate_limited")
        self.assertEqual(len(self.seen()), 3)
        self.assertGreaterEqual(res.elapsed, 1.9)  # waited Retry-After: 1 twice
        self.assertLess(res.elapsed, 4)           # inside timeout = 4

    def test_429_long_retry_after_not_waited(self):
        self.mock.push("429-long")
        res = self.send()
        self.assertExit(res, 6, "rate_limited")
        self.assertEqual(len(self.seen()), 1)
        self.assertLess(res.elapsed, 2.5)  # no wait of 60 s, nor of what was left

    def test_invalid_number(self):
        self.mock.push("invalid")
        self.assertExit(self.send(), 2, INVALID_KIND.get(self.provider, "invalid_number"))
        self.assertEqual(len(self.seen()), 1)

    def test_auth_error(self):
        self.mock.push("auth")
        self.assertExit(self.send(), 2, "auth")

    def test_wrong_credentials_checked_by_mock(self):
        key = "webhook_secret" if self.provider == "webhook" else (
            "api_key" if self.provider == "telnyx" else "auth_token")
        wrong = "whsec_" + "d3Jvbmcga2V5IHdyb25nIGtleSB3cm9uZyBrZXkhISE=" if key == "webhook_secret" else "wrong"
        res = self.send(**{key: wrong})
        self.assertExit(res, 2, "auth")
        self.assertEqual(self.seen()[0]["errors"] != [], True)

    def test_garbage_reply(self):
        self.mock.push("garbage")
        if self.provider == "webhook":  # any 2xx is success, whatever the body
            self.assertExit(self.send(), 0)
        else:
            self.assertExit(self.send(), 3, "malformed")

    def test_oversized_reply(self):
        self.mock.push("big")
        self.assertExit(self.send(), 3, "malformed")

    def test_hang_times_out(self):
        self.mock.push("hang")
        res = self.send(timeout=2)
        self.assertExit(res, 4, "timeout")
        print(f"{self.provider}: hang with timeout=2 ended after {res.elapsed:.3f} s",
              file=sys.stderr)
        self.assertGreaterEqual(res.elapsed, 1.9)
        self.assertLess(res.elapsed, 3.0)  # the module kills it at timeout + 1 s
        self.assertEqual(len(self.seen()), 1)  # never retried after a read timeout

    def test_unreachable(self):
        url = "https://127.0.0.1:9"
        opts = {"webhook_url": url + "/hook"} if self.provider == "webhook" else {"api_base": url}
        res = self.send(**opts)
        self.assertExit(res, 4, "unavailable")

    def test_plain_http_refused(self):
        url = self.mock.url.replace("https://", "http://")
        opts = {"webhook_url": url + "/hook"} if self.provider == "webhook" else {"api_base": url}
        res = self.send(**opts)
        self.assertExit(res, 5, "config")
        self.assertEqual(self.seen(), [])


def load_tests(loader, tests, pattern):
    suite = unittest.TestSuite()
    wanted = os.environ.get("SMS_PROVIDER")
    for name in HTTP_PROVIDERS:
        if wanted and name != wanted:
            continue
        cls = type("Matrix_" + name.replace("-", "_"), (Matrix,), {"provider": name})
        suite.addTests(loader.loadTestsFromTestCase(cls))
    return suite


if __name__ == "__main__":
    unittest.main(verbosity=2)
