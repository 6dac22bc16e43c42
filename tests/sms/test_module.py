#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""The SMS fallback through the real module (pam_otp_test.so, test clock) and the real
pam_otp_sms, against the mock provider, for one provider (SMS_PROVIDER): trigger, read the
code from the mock's record, answer; wrong, expired and reused codes; interval and daily
limits; provider failures (500, 429, invalid number, garbage, a hang, bad certificates);
voice calls; Twilio Verify approve/deny; webhook signatures; provider=command."""
import os
import shutil
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from mocklib import CREDS, SENDER, Mock, make_pki, provider_opts, write_conf  # noqa: E402
from module_env import (ALREADY, CALL_FAILED, CALLING, CONVERSE, OFFER, OFFER_VOICE,  # noqa
                        PHONE, PLAIN, SECRET, SEND_FAILED, SEND_FAILED_SMS_ONLY, SENT, TEST_MODULE,
                        PamUser, totp)
from received import code_in, command_code  # noqa: E402

FAKE_COMMAND = os.path.join(HERE, "fake_sms_command.py")
T0 = 1800000000  # test clock: 08:00 UTC, so the UTC day ends 16 hours later
NEXT_DAY = T0 + 16 * 3600
VOICE = {"twilio", "twilio-verify", "plivo"}  # the providers that can place a call


def wrong(code):
    return "%0*d" % (len(code), (int(code) + 1) % 10 ** len(code))


class ModuleCases(unittest.TestCase):
    """What every provider must do; the subclasses say how a code is read back."""
    provider = None

    @classmethod
    def setUpClass(cls):
        for what, path in (("PAM_OTP_SMS", SENDER), ("PAM_CONVERSE", CONVERSE),
                           ("PAM_OTP_TEST_MODULE", TEST_MODULE)):
            if not path or not os.path.exists(path):
                raise unittest.SkipTest(f"{what} does not name the built program")
        cls.tmp = tempfile.mkdtemp(prefix="sms-module-")
        cls.user = PamUser(cls.tmp)
        # The host-wide SMS count is an admin path: root-owned all the way up, not /tmp.
        cls.state = tempfile.mkdtemp(prefix="sms-state-", dir=os.environ.get("PAM_OTP_STATE_DIR"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        shutil.rmtree(cls.state, ignore_errors=True)

    def setUp(self):
        self.user.reset()
        self.host_count = os.path.join(self.state, f"host_count.{self._testMethodName}")
        self.user.write_otp()
        self.configure()

    def configure(self, **opts):
        base = {"timeout": 4, "connect_timeout": 2, "sms_countries": "any",
                "sms_host_state": self.host_count}
        base.update(self.provider_conf())
        base.update(opts)
        conf = write_conf(os.path.join(self.tmp, "pam_otp.conf"), **base)
        self.user.service(conf, SENDER)

    def login(self, answers, now=T0):
        return self.user.login(answers, now)

    def texted(self, login):
        """Answer function: the code the provider was just given."""
        self.code = self.received()
        return self.code

    def assertLogin(self, login, result, prompts, errors=()):
        self.assertEqual(login.result, result, login)
        self.assertEqual(login.prompts, list(prompts), login)
        self.assertEqual(login.errors, list(errors), login)
        self.assertEqual(login.stderr, "", login)

    def assertStateKept(self, now, prompt=OFFER):
        """After a failed send: secret and phone intact, no failure counted, and the file
        still parses and works (a TOTP code logs in)."""
        f = self.user.otp_fields()
        self.assertEqual((f.get("secret"), f.get("phone")), (SECRET, PHONE), f)
        self.assertNotIn("failures", f)
        self.assertLogin(self.login([totp(now)], now), "PAM_SUCCESS", [prompt])

    def send_fails(self, prompt=OFFER, trigger="sms", message=SEND_FAILED, now=T0):
        login = self.login([trigger, ""], now)
        self.assertLogin(login, "PAM_AUTH_ERR", [prompt, PLAIN], [message])
        return login

    # -- the code: trigger, answer, once, until it expires --

    def test_text_and_answer(self):
        login = self.login(["sms", self.texted])
        self.assertLogin(login, "PAM_SUCCESS", [OFFER, SENT])
        f = self.user.otp_fields()
        self.assertEqual((f.get("secret"), f.get("phone")), (SECRET, PHONE))
        self.assertNotIn("sms_code", f)  # used up
        self.assertEqual(f.get("sms_last"), str(T0))
        self.assertEqual(f.get("sms_day"), f"{T0 // 86400} 1")

    def test_wrong_code(self):
        login = self.login(["sms", lambda login: wrong(self.texted(login))])
        self.assertLogin(login, "PAM_AUTH_ERR", [OFFER, SENT])
        self.assertEqual(self.user.otp_fields().get("failures"), "1")
        self.after_wrong_code()
        # A wrong guess does not burn the code that was sent.
        self.assertLogin(self.login([self.code], T0 + 10), "PAM_SUCCESS", [OFFER])
        self.assertNotIn("failures", self.user.otp_fields())

    def after_wrong_code(self):
        self.assertEqual(self.new_requests(), [])

    def test_expired_code(self):
        self.configure(code_ttl=60)
        self.assertLogin(self.login(["sms", ""]), "PAM_AUTH_ERR", [OFFER, SENT])
        late = self.login([self.received()], T0 + 60)
        self.assertLogin(late, "PAM_AUTH_ERR", [OFFER])
        self.assertNotIn("sms_code", self.user.otp_fields())  # expired: forgotten
        self.assertEqual(self.new_requests(), [])  # nothing to ask the provider either

    def test_code_reused(self):
        self.assertLogin(self.login(["sms", self.texted]), "PAM_SUCCESS", [OFFER, SENT])
        again = self.login([self.code], T0 + 5)
        self.assertLogin(again, "PAM_AUTH_ERR", [OFFER])
        self.assertEqual(self.new_requests(), [])

    # -- limits --

    def test_interval_limit(self):
        self.configure(sms_min_interval=60)
        self.assertLogin(self.login(["sms", ""]), "PAM_AUTH_ERR", [OFFER, SENT])
        first = self.received()
        # Asked again within the interval with the code still valid: no new text.
        again = self.login(["sms", lambda login: first], T0 + 10)
        self.assertLogin(again, "PAM_SUCCESS", [OFFER, ALREADY])
        self.assertEqual(self.new_requests(), [])
        # The code is used up: now asking within the interval is refused, with the wait.
        refused = self.login(["sms"], T0 + 20)
        self.assertLogin(refused, "PAM_AUTH_ERR", [OFFER], [
            "A code was sent recently; you can ask for another in 40 seconds."])
        self.assertEqual(self.new_requests(), [])
        self.assertLogin(self.login(["sms", self.texted], T0 + 60), "PAM_SUCCESS",
                         [OFFER, SENT])

    def test_daily_limit(self):
        self.configure(sms_min_interval=0, sms_max_per_day=2)
        for t in (T0, T0 + 40):
            self.assertLogin(self.login(["sms", self.texted], t), "PAM_SUCCESS", [OFFER, SENT])
        refused = self.login(["sms"], T0 + 80)
        self.assertLogin(refused, "PAM_AUTH_ERR", [OFFER], [
            "Daily limit of text messages reached; try again in 16 hours."])
        self.assertEqual(self.new_requests(), [])
        self.assertEqual(self.user.otp_fields().get("sms_day"), f"{T0 // 86400} 2")
        self.assertLogin(self.login(["sms", self.texted], NEXT_DAY), "PAM_SUCCESS",
                         [OFFER, SENT])

    def test_retry_after_failed_send(self):
        self.configure(sms_min_interval=60)
        self.break_provider()
        self.send_fails()
        self.new_requests()
        f = self.user.otp_fields()
        self.assertNotIn("sms_code", f)  # never delivered: not pending
        self.assertEqual(f.get("sms_last"), str(T0))  # but counted: the provider may have it
        self.repair_provider()
        retry = self.login(["sms"], T0 + 10)
        self.assertLogin(retry, "PAM_AUTH_ERR", [OFFER], [
            "A code was sent recently; you can ask for another in 50 seconds."])
        self.assertEqual(self.new_requests(), [])
        self.assertLogin(self.login(["sms", self.texted], T0 + 60), "PAM_SUCCESS",
                         [OFFER, SENT])

    # -- voice --

    def test_voice_call(self):
        self.configure(voice="yes")
        if self.provider not in VOICE:
            # This provider cannot call: "call" is neither offered nor tried (a wrong code).
            login = self.login(["call"])
            self.assertLogin(login, "PAM_AUTH_ERR", [OFFER])
            self.assertEqual(self.new_requests(), [])
            return
        login = self.login(["call", self.texted])
        self.assertLogin(login, "PAM_SUCCESS", [OFFER_VOICE, CALLING])

    def test_voice_call_fails(self):
        if self.provider not in VOICE:
            self.skipTest("this provider cannot call")
        self.configure(voice="yes")
        self.break_provider()
        self.send_fails(OFFER_VOICE, "call", CALL_FAILED)
        self.assertStateKept(T0 + 60, OFFER_VOICE)

    # -- a user with only a phone has nothing else to fall back on --

    def test_sms_only_user_send_fails(self):
        self.user.write_otp(secret=False)
        self.break_provider()
        login = self.login(["sms"])
        self.assertLogin(login, "PAM_AUTHINFO_UNAVAIL", [OFFER], [SEND_FAILED_SMS_ONLY])
        self.assertEqual(self.user.otp_fields().get("phone"), PHONE)


class HttpCases(ModuleCases):
    """A provider behind the HTTPS mock; the code is read from the mock's record."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pki = make_pki(cls.tmp)
        cls.mock = Mock(cls.tmp, cls.pki)

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()
        super().tearDownClass()

    def setUp(self):
        self.mock.push()
        self.since = self.mock.mark()
        super().setUp()

    def provider_conf(self, url=None):
        return dict(provider_opts(self.provider, url or self.mock.url), ca_file=self.pki["ca"])

    def new_requests(self):
        reqs = self.mock.requests(self.since)
        self.since += len(reqs)
        return reqs

    def received(self):
        # A Plivo call first hands the code to the answer server: that is not the call.
        reqs = [r for r in self.new_requests() if r["path"] != "/plivo-answer"]
        self.assertEqual(len(reqs), 1, reqs)
        self.last_request = reqs[0]
        return code_in(self.provider, reqs[0])

    def break_provider(self):
        self.mock.push("500")

    def repair_provider(self):
        pass

    def fails_with(self, scenario, requests=1, **opts):
        if opts:
            self.configure(**opts)
        self.mock.push(scenario)
        login = self.send_fails()
        self.assertEqual([r["scenario"] for r in self.new_requests()], [scenario] * requests)
        self.assertStateKept(T0 + 60)
        return login

    def test_server_error_500(self):
        self.fails_with("500")

    def test_rate_limited_429(self):
        self.mock.push("429", "429", "429")  # Retry-After: 1, tried three times
        self.send_fails()
        self.assertEqual(len(self.new_requests()), 3)
        self.assertStateKept(T0 + 60)

    def test_invalid_number(self):
        self.fails_with("invalid")

    def test_garbage_reply(self):
        if self.provider == "webhook":  # any 2xx is success, whatever the body
            self.mock.push("garbage")
            self.assertLogin(self.login(["sms", self.texted]), "PAM_SUCCESS", [OFFER, SENT])
            return
        self.fails_with("garbage")

    def test_hang_past_timeout(self):
        login = self.fails_with("hang", timeout=2)
        secs = login.seconds_after_answer(0)
        print(f"\n{self.provider}: provider hang, timeout=2: the login ended {secs:.2f} s "
              "after the trigger", file=sys.stderr)
        self.assertLessEqual(secs, 3.0, login.timeline())  # timeout + 1 s

    def test_bad_certificate(self):
        for cert in ("selfsigned", "wronghost"):
            with self.subTest(cert=cert):
                bad = Mock(self.tmp, self.pki, cert=cert)
                try:
                    self.configure(**self.provider_conf(bad.url))
                    self.user.write_otp()
                    self.send_fails()
                    self.assertEqual(bad.requests(), [])
                finally:
                    bad.stop()
                self.assertStateKept(T0 + 60)


class TwilioVerifyCases(HttpCases):
    """The provider makes and checks the code: the check is a second request."""

    def check_request(self):
        reqs = self.new_requests()
        self.assertEqual(len(reqs), 1, reqs)
        self.assertTrue(reqs[0]["path"].endswith("/VerificationCheck"), reqs[0])
        self.assertEqual(reqs[0]["errors"], [])
        return reqs[0]

    def test_text_and_answer(self):
        super().test_text_and_answer()
        self.assertEqual(self.last_request["form"]["Channel"], "sms")

    def test_verify_approve(self):
        self.assertLogin(self.login(["sms", self.texted]), "PAM_SUCCESS", [OFFER, SENT])
        check = self.check_request()
        self.assertEqual(check["form"], {"To": PHONE, "Code": self.code})
        self.assertEqual(check["status"], 200)
        self.assertNotIn("sms_code", self.user.otp_fields())

    def test_verify_deny(self):
        login = self.login(["sms", lambda login: wrong(self.texted(login))])
        self.assertLogin(login, "PAM_AUTH_ERR", [OFFER, SENT])
        self.assertEqual(self.check_request()["form"]["Code"], wrong(self.code))
        self.assertEqual(self.user.otp_fields().get("failures"), "1")
        self.assertEqual(self.user.otp_fields().get("sms_code"), f"provider {T0 + 300}")

    def after_wrong_code(self):
        self.check_request()  # the provider said "pending": the code was wrong

    def test_wrong_code(self):
        super().test_wrong_code()
        self.check_request()  # the right code, checked with the provider

    def test_code_reused(self):
        self.assertLogin(self.login(["sms", self.texted]), "PAM_SUCCESS", [OFFER, SENT])
        self.check_request()
        self.assertLogin(self.login([self.code], T0 + 5), "PAM_AUTH_ERR", [OFFER])
        self.assertEqual(self.new_requests(), [])  # nothing pending: the provider is not asked

    def test_interval_limit(self):
        self.configure(sms_min_interval=60)
        self.assertLogin(self.login(["sms", ""]), "PAM_AUTH_ERR", [OFFER, SENT])
        first = self.received()
        again = self.login(["sms", lambda login: first], T0 + 10)
        self.assertLogin(again, "PAM_SUCCESS", [OFFER, ALREADY])
        self.check_request()
        refused = self.login(["sms"], T0 + 20)
        self.assertLogin(refused, "PAM_AUTH_ERR", [OFFER], [
            "A code was sent recently; you can ask for another in 40 seconds."])
        self.assertEqual(self.new_requests(), [])

    def test_daily_limit(self):
        self.configure(sms_min_interval=0, sms_max_per_day=2)
        for t in (T0, T0 + 40):
            self.assertLogin(self.login(["sms", self.texted], t), "PAM_SUCCESS", [OFFER, SENT])
            self.check_request()
        refused = self.login(["sms"], T0 + 80)
        self.assertLogin(refused, "PAM_AUTH_ERR", [OFFER], [
            "Daily limit of text messages reached; try again in 16 hours."])
        self.assertEqual(self.new_requests(), [])

    def test_voice_call(self):
        super().test_voice_call()
        self.assertEqual(self.last_request["form"]["Channel"], "call")
        self.check_request()

    def test_check_unavailable_keeps_code(self):
        def code_then_outage(login):
            code = self.texted(login)
            self.mock.push("500")  # the VerificationCheck fails
            return code
        login = self.login(["sms", code_then_outage])
        self.assertLogin(login, "PAM_AUTHINFO_UNAVAIL", [OFFER, SENT])
        self.assertEqual(self.check_request()["status"], 500)
        # Counted before the provider was asked: an answer it could not judge is no free guess.
        self.assertEqual(self.user.otp_fields().get("failures"), "1")
        self.assertLogin(self.login([self.code], T0 + 10), "PAM_SUCCESS", [OFFER])
        self.assertNotIn("failures", self.user.otp_fields())
        self.assertEqual(self.check_request()["status"], 200)


class WebhookCases(HttpCases):
    def test_signature_verified_by_mock(self):
        self.assertLogin(self.login(["sms", self.texted]), "PAM_SUCCESS", [OFFER, SENT])
        r = self.last_request
        self.assertIs(r["signature_valid"], True, r)
        self.assertEqual(r["authorization"], "Bearer " + CREDS["webhook_token"])
        self.assertEqual(r["json"]["to"], PHONE)

    def test_wrong_signing_key_rejected_by_mock(self):
        self.configure(webhook_secret="whsec_" + "YW5vdGhlciBrZXksIDMyIGJ5dGVzIGxvbmcuLi4uLi4=")  # "another key, 32 bytes long......"
        self.send_fails()
        self.assertIs(self.new_requests()[0]["signature_valid"], False)
        self.assertStateKept(T0 + 60)


class CommandCases(ModuleCases):
    """provider=command, with fake_sms_command.py recording what it got in outdir."""

    def setUp(self):
        self.outdir = tempfile.mkdtemp(dir=self.tmp)
        super().setUp()

    def provider_conf(self):
        return {"provider": "command", "command": f"{FAKE_COMMAND} {self.outdir} {{to}}"}

    def record_path(self):
        return os.path.join(self.outdir, "record.json")

    def new_requests(self):
        return [command_code(self.outdir)] if os.path.exists(self.record_path()) else []

    def received(self):
        return command_code(self.outdir)

    def control(self, name, value):
        with open(os.path.join(self.outdir, name), "w") as f:
            f.write(value)

    def break_provider(self):
        self.control("exit", "7")

    def repair_provider(self):
        os.unlink(os.path.join(self.outdir, "exit"))

    def test_command_fails(self):
        self.break_provider()
        self.send_fails()
        self.received()  # it ran, and got the code
        self.assertStateKept(T0 + 60)

    def test_command_hangs(self):
        self.configure(timeout=2)
        self.control("sleep", "30")
        login = self.send_fails()
        secs = login.seconds_after_answer(0)
        print(f"\ncommand: hang, timeout=2: the login ended {secs:.2f} s after the trigger",
              file=sys.stderr)
        self.assertLessEqual(secs, 3.0, login.timeline())  # timeout + 1 s
        self.assertStateKept(T0 + 60)

    def test_command_leaves_nothing_behind(self):
        # The command reports success but leaves a child that would act later: nothing of
        # the sender's session may outlive the module's answer.
        self.control("linger", "1")
        self.assertLogin(self.login(["sms", self.texted]), "PAM_SUCCESS", [OFFER, SENT])
        with open(os.path.join(self.outdir, "lingerer")) as f:
            pid = int(f.read())
        self.assertFalse(alive(pid), "the command's child outlived the module")
        time.sleep(1.5)
        self.assertFalse(os.path.exists(os.path.join(self.outdir, "late")))


def alive(pid):
    """A zombie waiting for its reaper is dead."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


PROVIDERS = {"twilio": HttpCases, "twilio-verify": TwilioVerifyCases, "telnyx": HttpCases,
             "plivo": HttpCases, "vonage": HttpCases, "sns": HttpCases,
             "webhook": WebhookCases, "command": CommandCases}


def load_tests(loader, tests, pattern):
    suite = unittest.TestSuite()
    wanted = os.environ.get("SMS_PROVIDER")
    for name, base in PROVIDERS.items():
        if wanted and name != wanted:
            continue
        cls = type("Module_" + name.replace("-", "_"), (base,), {"provider": name})
        suite.addTests(loader.loadTestsFromTestCase(cls))
    return suite


if __name__ == "__main__":
    unittest.main(verbosity=2)
