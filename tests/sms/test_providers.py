#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""What each provider puts on the wire (fields, auth, format) and the provider-specific
outcomes: Twilio calls and Messaging Services, Twilio Verify approve/deny/gone, Plivo calls,
Vonage status codes, SNS SigV4, webhook signatures."""
import base64
import json
import os
import re
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mocklib import (CODE, CREDS, MESSAGE, TO, SenderTest, provider_opts,  # noqa: E402
                     run_sender, send_fields)


class Providers(SenderTest):
    def mock_creds(self, **extra):
        """The mock expects these credentials too, until the test ends."""
        path = os.path.join(self.mock.control, "creds.json")
        with open(path, "w") as f:
            json.dump(extra, f)
        self.addCleanup(os.unlink, path)

    def run_p(self, provider, action=None, fields=None, **opts):
        act, flds = send_fields(provider)
        conf_opts = provider_opts(provider, self.mock.url)
        conf_opts.update(opts)
        return run_sender(self.conf(**conf_opts), action or act, fields or flds)

    def one(self):
        seen = self.seen()
        self.assertEqual(len(seen), 1, seen)
        self.assertEqual(seen[0]["errors"], [], seen[0])
        return seen[0]

    def test_twilio_message(self):
        res = self.run_p("twilio")
        self.assertExit(res, 0)
        self.assertRegex(res.fields["id"], r"^SM[0-9a-f]{32}$")
        r = self.one()
        self.assertEqual(r["path"], f"/2010-04-01/Accounts/{CREDS['account_sid']}/Messages.json")
        self.assertEqual(r["form"], {"To": TO, "From": "+15005550006", "Body": MESSAGE})
        self.assertEqual(r["headers"]["Authorization"], "Basic " + base64.b64encode(
            f"{CREDS['account_sid']}:{CREDS['auth_token']}".encode()).decode())
        self.assertNotIn(CREDS["auth_token"], r["path"])

    def test_twilio_messaging_service(self):
        self.assertExit(self.run_p("twilio", messaging_service_sid=CREDS["messaging_service_sid"]),
                        0)
        self.assertEqual(self.one()["form"]["MessagingServiceSid"], CREDS["messaging_service_sid"])
        self.assertNotIn("From", self.one()["form"])

    def test_twilio_magic_invalid_number(self):
        res = self.run_p("twilio", fields={"to": "+15005550001", "code": CODE, "message": "x"})
        self.assertExit(res, 2, "invalid_number")
        self.assertEqual(res.fields["code"], "21211")

    def test_twilio_call(self):
        res = self.run_p("twilio", "call", {"to": TO, "code": CODE})
        self.assertExit(res, 0)
        self.assertRegex(res.fields["id"], r"^CA")
        r = self.one()
        self.assertTrue(r["path"].endswith("/Calls.json"))
        self.assertEqual(r["form"]["Twiml"], '<Response><Say loop="2">Your code is '
                         '4 9 3 8 1 7</Say></Response>')
        self.assertEqual(r["say"], "Your code is 4 9 3 8 1 7")

    def test_twilio_api_key(self):
        res = self.run_p("twilio", auth_token=None, api_key_sid=CREDS["twilio_key_sid"],
                         api_key_secret=CREDS["twilio_key_secret"])
        self.assertExit(res, 0)
        r = self.one()
        self.assertEqual(r["twilio_auth"], "api_key")
        self.assertEqual(r["path"], f"/2010-04-01/Accounts/{CREDS['account_sid']}/Messages.json")
        self.assertNotIn(CREDS["twilio_key_secret"], res.out)

    def test_twilio_api_key_verify(self):
        res = self.run_p("twilio-verify", auth_token=None, api_key_sid=CREDS["twilio_key_sid"],
                         api_key_secret=CREDS["twilio_key_secret"])
        self.assertExit(res, 0)
        self.assertEqual(self.one()["twilio_auth"], "api_key")

    def test_twilio_api_key_settings_checked(self):
        for opts in ({"api_key_sid": CREDS["twilio_key_sid"]},
                     {"api_key_secret": CREDS["twilio_key_secret"]},
                     {"api_key_sid": "AC" + "0" * 32, "api_key_secret": "x" * 20},
                     {"auth_token": None}):
            with self.subTest(opts):
                self.assertExit(self.run_p("twilio", **opts), 5, "config")
        self.assertEqual(self.seen(), [])

    def test_twilio_geo_blocked(self):
        res = self.run_p("twilio", fields={"to": "+15005550003", "code": CODE, "message": "x"})
        self.assertExit(res, 2, "geo_blocked")
        self.assertEqual(res.fields["code"], "21408")

    def test_verify_geo_403(self):
        self.mock.push("geo")
        res = self.verify("verify-start")
        self.assertExit(res, 2, "geo_blocked")
        self.assertEqual((res.fields["status"], res.fields["code"]), ("403", "60605"))
        self.assertNotIn(TO, res.line)

    def test_error_text_masked_before_cut(self):
        """The mock echoes the number and then the auth token across the 159-character
        cut: neither the token's first part nor the number may reach the log line."""
        self.mock.push("echo")
        res = self.run_p("twilio")
        self.assertExit(res, 2, "rejected")
        detail = res.line.split(" detail=", 1)[1]
        self.assertEqual(len(detail), 159)
        token = CREDS["auth_token"]
        for k in range(4, len(token)):
            self.assertFalse(detail.endswith(token[:k]), res.line)
        self.assertIn("+1******4567", detail)
        self.assertNotIn(TO, res.line)
        self.assertNotIn(TO[1:], res.line)

    def test_verify_check_not_repeated(self):
        """A check a gateway answered 502/503 may have been processed (approved, so gone):
        never repeated, since the repeat would turn the approval into a 404 "denied"."""
        for scenario in ("processed-502", "processed-503", "502"):
            with self.subTest(scenario):
                self.assertExit(self.verify("verify-start"), 0)
                code = self.one()["verify_code"]
                self.since = self.mock.mark()
                self.mock.push(scenario, "ok", "ok")
                res = self.verify("verify-check", code)
                self.assertExit(res, 3, "unavailable")
                self.assertIn("could not say", res.line)
                self.assertEqual(len(self.seen()), 1, self.seen())
                self.since = self.mock.mark()
                if scenario == "502":  # not processed: the code is still good
                    self.assertExit(self.verify("verify-check", code), 0)
                    self.since = self.mock.mark()

    def test_verify_check_retried_when_unsent(self):
        res = self.run_p("twilio-verify", "verify-check", {"to": TO, "code": CODE},
                         api_base="https://127.0.0.1:9")
        self.assertExit(res, 4, "unavailable")
        self.assertIn("after 3 tries", res.line)

    def test_twilio_call_needs_from(self):
        opts = provider_opts("twilio", self.mock.url)
        del opts["from"]
        opts["messaging_service_sid"] = CREDS["messaging_service_sid"]
        res = run_sender(self.conf(**opts), "call", {"to": TO, "code": CODE})
        self.assertExit(res, 5, "config")

    def verify(self, action, code=None):
        fields = {"to": TO, "user": "alice"}
        if code:
            fields["code"] = code
        return self.run_p("twilio-verify", action, fields)

    def test_verify_approve_then_gone(self):
        self.assertExit(self.verify("verify-start"), 0)
        start = self.one()
        self.assertEqual(start["form"], {"To": TO, "Channel": "sms"})
        self.assertTrue(start["path"].endswith(f"/v2/Services/{CREDS['verify_service_sid']}"
                                               "/Verifications"))
        code = start["verify_code"]
        self.since = self.mock.mark()
        res = self.verify("verify-check", code)
        self.assertExit(res, 0)
        self.assertEqual(self.one()["form"], {"To": TO, "Code": code})
        res = self.verify("verify-check", code)  # approved: deleted, now 404
        self.assertExit(res, 1, "denied")
        self.assertEqual((res.fields["status"], res.fields["code"]), ("404", "20404"))

    def test_verify_wrong_code_pending(self):
        self.assertExit(self.verify("verify-start-call"), 0)
        start = self.one()
        self.assertEqual(start["form"]["Channel"], "call")
        wrong = "%06d" % ((int(start["verify_code"]) + 1) % 10**6)
        res = self.verify("verify-check", wrong)
        self.assertExit(res, 1, "denied")
        self.assertEqual(res.fields["status"], "200")
        self.assertExit(self.verify("verify-check", start["verify_code"]), 0)

    def test_verify_check_without_start(self):
        self.assertExit(self.verify("verify-check", "123456"), 1, "denied")

    def test_verify_refuses_send(self):
        res = self.run_p("twilio-verify", "send", {"to": TO, "code": CODE, "message": "m"})
        self.assertExit(res, 5, "config")
        self.assertEqual(self.seen(), [])

    def test_telnyx_profile_with_alphanumeric_from(self):
        profile = "4001767e-ce0f-4cae-9d5f-0d5e636e7809"
        self.assertExit(self.run_p("telnyx", **{"from": "PAMOTP"},
                                   messaging_service_sid=profile), 0)
        self.assertEqual(self.one()["json"], {"to": TO, "from": "PAMOTP", "text": MESSAGE,
                                              "messaging_profile_id": profile})

    def test_telnyx_profile_alone(self):
        profile = "4001767e-ce0f-4cae-9d5f-0d5e636e7809"
        self.assertExit(self.run_p("telnyx", **{"from": None},
                                   messaging_service_sid=profile), 0)
        self.assertEqual(self.one()["json"], {"to": TO, "text": MESSAGE,
                                              "messaging_profile_id": profile})

    def test_telnyx(self):
        self.assertExit(self.run_p("telnyx"), 0)
        r = self.one()
        self.assertEqual(r["path"], "/v2/messages")
        self.assertEqual(r["headers"]["Authorization"], "Bearer " + CREDS["api_key"])
        self.assertEqual(r["json"], {"to": TO, "from": "+15550001111", "text": MESSAGE})

    def test_plivo_message(self):
        self.assertExit(self.run_p("plivo"), 0)
        r = self.one()
        self.assertEqual(r["path"], f"/v1/Account/{CREDS['plivo_auth_id']}/Message/")
        self.assertEqual(r["json"], {"src": "+15550002222", "dst": TO, "text": MESSAGE})

    def test_plivo_call(self):
        """The code goes to the answer server in a signed hand-off; Plivo's call (and so
        its call record) only carries a one-time reference."""
        res = self.run_p("plivo", "call", {"to": TO, "code": CODE})
        self.assertExit(res, 0)
        seen = self.seen()
        self.assertEqual([r["path"] for r in seen],
                         ["/plivo-answer", f"/v1/Account/{CREDS['plivo_auth_id']}/Call/"], seen)
        hand, call = seen
        self.assertEqual(hand["errors"], [])
        self.assertIs(hand["signature_valid"], True)
        self.assertEqual(call["errors"], [])
        self.assertEqual(call["answer_code"], CODE)
        self.assertNotIn(CODE, call["body"])
        url = urllib.parse.urlsplit(call["json"]["answer_url"])
        self.assertEqual(list(urllib.parse.parse_qs(url.query)), ["ref"])
        self.assertEqual(call["json"]["answer_method"], "POST")

    def test_plivo_call_hand_off_refused(self):
        self.mock.push("500")
        res = self.run_p("plivo", "call", {"to": TO, "code": CODE})
        self.assertExit(res, 3, "unavailable")
        self.assertEqual([r["path"] for r in self.seen()], ["/plivo-answer"])

    def test_plivo_call_needs_signing_key(self):
        self.assertExit(self.run_p("plivo", "call", {"to": TO, "code": CODE},
                                   webhook_secret=None), 5, "config")
        self.assertEqual(self.seen(), [])

    def test_plivo_call_needs_answer_url(self):
        opts = provider_opts("plivo", self.mock.url)
        del opts["webhook_url"]
        self.assertExit(run_sender(self.conf(**opts), "call", {"to": TO, "code": CODE}), 5,
                        "config")

    def test_vonage(self):
        self.assertExit(self.run_p("vonage"), 0)
        f = self.one()["form"]
        self.assertEqual(f, {"api_key": CREDS["vonage_key"], "api_secret": CREDS["auth_token"],
                             "from": "PAMOTP", "to": TO[1:], "text": MESSAGE})

    def test_vonage_long_text_all_parts(self):
        fields = {"to": TO, "code": CODE, "message": MESSAGE + " " + "x" * 300}
        self.assertExit(self.run_p("vonage", fields=fields), 0)
        self.assertEqual(self.one()["parts"], 3)

    def test_vonage_failed_later_part_fails(self):
        fields = {"to": TO, "code": CODE, "message": MESSAGE + " " + "x" * 300}
        self.mock.push("part-fail")
        res = self.run_p("vonage", fields=fields)
        self.assertExit(res, 2, "rejected")
        self.assertEqual(res.fields["code"], "9")
        self.assertIn("part 3 of 3", res.line)

    def test_vonage_unicode(self):
        fields = {"to": TO, "code": CODE, "message": "Dein Code: 493817 – grüß"}
        self.assertExit(self.run_p("vonage", fields=fields), 0)
        self.assertEqual(self.one()["form"]["type"], "unicode")

    def test_vonage_statuses(self):
        for scenario, rc, kind in (("throttle", 6, "rate_limited"),
                                   ("invalid", 2, "invalid_number"), ("auth", 2, "auth")):
            with self.subTest(scenario):
                self.mock.push(scenario)
                res = self.run_p("vonage")
                self.assertExit(res, rc, kind)
                self.assertEqual(res.fields["status"], "200")

    def test_sns_sigv4(self):
        res = self.run_p("sns")
        self.assertExit(res, 0)
        r = self.one()
        self.assertEqual(r["sigv4"], "ok")
        self.assertEqual({k: v for k, v in r["form"].items()
                          if not k.startswith("MessageAttributes.")},
                         {"Action": "Publish", "Version": "2010-03-31", "PhoneNumber": TO,
                          "Message": MESSAGE})
        self.assertEqual(r["sms_attributes"], {"AWS.SNS.SMS.SMSType": "Transactional"})
        signed = re.search(r"SignedHeaders=([a-z0-9;-]+)", r["headers"]["Authorization"])[1]
        self.assertNotIn("expect", signed.split(";"))
        self.assertIn(f"Credential={CREDS['aws_key']}/", r["headers"]["Authorization"])
        self.assertIn(f"/{CREDS['region']}/sns/aws4_request", r["headers"]["Authorization"])

    def test_sns_session_token(self):
        """Temporary credentials: X-Amz-Security-Token sent and signed (the mock checks)."""
        token = "IQoJb3JpZ2luX2VjEMockSessionToken" + "A" * 300 + "=="
        self.mock_creds(aws_session_token=token)
        res = self.run_p("sns", session_token=token)
        self.assertExit(res, 0)
        self.assertNotIn(token, res.out)
        r = self.one()
        self.assertEqual(r["sigv4"], "ok")
        self.assertIn("x-amz-security-token", r["headers"]["Authorization"])

    def test_sns_session_token_missing(self):
        self.mock_creds(aws_session_token="IQoJb3JpZ2luX2VjEMockSessionToken")
        self.assertExit(self.run_p("sns"), 2, "auth")

    def test_sns_invalid_number_code(self):
        self.mock.push("invalid")
        res = self.run_p("sns")
        self.assertExit(res, 2, "invalid_number")
        self.assertEqual(res.fields["code"], "InvalidParameter")

    def test_webhook_signed(self):
        res = self.run_p("webhook")
        self.assertExit(res, 0)
        r = self.one()
        self.assertIs(r["signature_valid"], True)
        self.assertEqual(r["authorization"], "Bearer " + CREDS["webhook_token"])
        self.assertEqual(r["json"], {"to": TO, "code": CODE, "message": MESSAGE,
                                     "user": "alice", "host": "host.example"})
        self.assertRegex(r["headers"]["webhook-id"], r"^msg_[0-9a-f]{32}$")
        self.assertEqual(res.fields["id"], r["headers"]["webhook-id"])

    def test_webhook_unsigned_no_token(self):
        res = self.run_p("webhook", webhook_secret=None, webhook_token=None)
        self.assertExit(res, 0)
        r = self.one()
        self.assertIsNone(r["signature_valid"])
        self.assertIsNone(r["authorization"])

    def test_webhook_bad_secret_rejected(self):
        self.assertExit(self.run_p("webhook", webhook_secret="whsec_not*base64"), 5, "config")
        self.assertEqual(self.seen(), [])

    def test_webhook_short_key_refused(self):
        for key in (b"k" * 16, b"k" * 23):
            with self.subTest(len(key)):
                res = self.run_p("webhook", webhook_secret="whsec_" + base64.b64encode(key).decode())
                self.assertExit(res, 5, "config")
                self.assertIn("at least 24 bytes", res.line)
        self.assertEqual(self.seen(), [])
        ok = "whsec_" + base64.b64encode(b"k" * 24).decode()
        self.mock_creds(webhook_secret=ok)
        self.assertExit(self.run_p("webhook", webhook_secret=ok), 0)

    def test_webhook_wrong_key_fails_mock_check(self):
        other = "whsec_" + base64.b64encode(b"another key, 32 bytes long......").decode()
        self.assertExit(self.run_p("webhook", webhook_secret=other), 2, "auth")
        self.assertIs(self.seen()[0]["signature_valid"], False)

    def test_ids_are_single_tokens(self):
        res = self.run_p("telnyx")
        self.assertTrue(re.fullmatch(r"ok provider=telnyx status=200 id=[0-9a-f-]{36}",
                                     res.line), res)


if __name__ == "__main__":
    unittest.main(verbosity=2)
