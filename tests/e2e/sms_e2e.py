# SPDX-License-Identifier: BSD-2-Clause
"""The SMS fallback over real sshd (publickey,keyboard-interactive): the user answers "sms",
pam_otp runs the built pam_otp_sms sender, which posts to tests/sms's mock provider (Twilio
API, HTTPS with a CA made at run time); the test reads the code the mock received and types
it. Called from test_sshd.py with its Sshd/login/expect helpers.
"""
import os
import re
import sys
import time

import e2e
import e2e_tools as tools
from e2e import USER, require, log

PHONE = "+15551234567"
OFFER = 'Verification code (or "sms" to get one by text message): '
SENT = re.compile(r"Code sent to \S*4567\. SMS code: ")


def received(mock, since, timeout=10):
    """The codes in the texts the mock received since mark `since` (waits for one)."""
    end = time.time() + timeout
    while time.time() < end:
        reqs = mock.requests(since)
        if reqs:
            require(len(reqs) == 1, f"the mock got {len(reqs)} requests: {reqs}")
            r = reqs[0]
            require(r.get("errors") == [], f"the mock found errors in the request: {r}")
            form = r.get("form") or {}
            require(form.get("To") == PHONE, f"text sent to {form.get('To')}, not {PHONE}")
            codes = set(re.findall(r"(?<!\d)\d{6}(?!\d)", form.get("Body", "")))
            require(len(codes) == 1, f"no single 6-digit code in the text {form.get('Body')!r}")
            log(f"  the mock provider received: {form.get('Body')!r}")
            return codes.pop()
        time.sleep(0.1)
    raise AssertionError("the mock provider received no text message")


def sms_answers(mock, first, second=None):
    """Answer the offer prompt with `first`; if asked for the texted code, give it (or
    second(code), when set, in its place). Records the code the mock received."""
    state = {"since": mock.mark(), "code": None}

    def answer(text, echo):
        require(not echo, f"prompt {text!r} echoes the answer")
        if text == OFFER:
            return first
        require(SENT.fullmatch(text), f"unexpected prompt {text!r}")
        state["code"] = received(mock, state["since"])
        return second(state["code"]) if second else state["code"]
    return answer, state


def run(env, Sshd, login, expect, key):
    sender = os.environ.get("PAM_OTP_SMS", "")
    require(sender and os.access(sender, os.X_OK),
          f"PAM_OTP_SMS={sender!r} is not the built pam_otp_sms")
    sys.path.insert(0, os.path.join(e2e.SRC, "tests", "sms"))
    import mocklib
    os.mkdir(env.path("pki"))
    pki = mocklib.make_pki(env.path("pki"))
    mock = mocklib.Mock(env.root, pki)
    env.procs.append(mock.proc)
    try:
        # The host-wide cap has its own tests (tests/pam/test_sms_guard); here it is off so
        # that the test writes no state under /var/lib.
        opts = {"ca_file": pki["ca"], "timeout": 5, "connect_timeout": 2,
                "sms_min_interval": 0, "issuer": "e2e.example", "sms_countries": "1",
                "sms_max_per_day_host": 0}
        opts.update(mocklib.provider_opts("twilio", mock.url))
        conf = mocklib.write_conf(env.path("pam_otp.conf"), **opts)
        os.chown(conf, 0, 0)
        os.chmod(conf, 0o600)
        secret = tools.new_secret()
        env.write_otp(USER, secret, phone=PHONE)
        args = [f"conf={conf}", f"sms_helper={sender}"]
        with Sshd(env, module_args=args) as server:
            answer, st = sms_answers(mock, "sms")
            m = env.log_mark()
            expect(env, "SMS fallback: 'sms', then the texted code", login(server, answer, key),
                   True, r"accepted SMS code", m)
            used = st["code"]
            require(used, "no code was texted")

            answer, st = sms_answers(mock, used)
            m = env.log_mark()
            expect(env, "the texted code again (at the first prompt)",
                   login(server, answer, key), False, r"wrong code", m)

            answer, st = sms_answers(mock, "sms")
            m = env.log_mark()
            expect(env, "SMS fallback again: a new code", login(server, answer, key), True,
                   r"accepted SMS code", m)

            answer, st = sms_answers(mock, "sms", second=lambda c: f"{(int(c) + 1) % 10**6:06d}")
            m = env.log_mark()
            expect(env, "SMS fallback, wrong texted code", login(server, answer, key), False,
                   r"wrong code", m)
            require(st["code"], "no code was texted for the wrong-code case")

            m = env.log_mark()
            answer, _ = sms_answers(mock, tools.fresh_code(secret))
            expect(env, "TOTP code at the SMS offer prompt", login(server, answer, key), True,
                   r"accepted TOTP code", m)
    finally:
        mock.stop()
