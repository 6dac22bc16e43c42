# SPDX-License-Identifier: BSD-2-Clause
"""The code a provider was given, read back from what the mock provider recorded (or, for
provider=command, from what fake_sms_command.py recorded)."""
import json
import os
import re
import urllib.parse

TEXT_CODE = re.compile(r"([0-9]{4,10}) is your ")  # the default message= starts with {code}


def _from_text(text):
    m = TEXT_CODE.match(text or "")
    if not m:
        raise AssertionError(f"no code at the start of the text {text!r}")
    return m.group(1)


def code_in(provider, req):
    """The code carried by one recorded request of provider (a text, a call, a Verify start)."""
    if req.get("errors"):
        raise AssertionError(f"the mock found errors in the request: {req}")
    path, form, body = req["path"], req.get("form") or {}, req.get("json") or {}
    if provider == "twilio":
        if path.endswith("/Calls.json"):  # <Say>Your code is 4 9 3 8 1 7</Say>
            return "".join(re.findall(r"[0-9]", req["say"]))
        return _from_text(form["Body"])
    if provider == "twilio-verify":
        return req["verify_code"]
    if provider == "plivo" and path.endswith("/Call/"):  # what the answer server will speak
        return req["answer_code"]
    if provider == "webhook":
        if body["code"] != _from_text(body["message"]):
            raise AssertionError(f"webhook code and message disagree: {body}")
        return body["code"]
    text = {"telnyx": lambda: body["text"], "plivo": lambda: body["text"],
            "vonage": lambda: form["text"], "sns": lambda: form["Message"]}[provider]()
    return _from_text(text)


def command_code(outdir):
    """The code given to fake_sms_command.py (first line of its stdin); its record is removed
    so that the next send can be told apart."""
    path = os.path.join(outdir, "record.json")
    with open(path) as f:
        rec = json.load(f)
    os.unlink(path)
    return rec["stdin"].split("\n", 1)[0]
