# SPDX-License-Identifier: BSD-2-Clause
"""Mock endpoints for Twilio (Messages, Calls, Verify), Telnyx, Plivo and Vonage.

Facts from /work/shared/reference/sms-providers.md. Each class checks a request like the
provider (validate), answers it (success) or fails it in the provider's error format (error).
"""
import base64
import re
import secrets
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

from mock_common import E164

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
VERIFY = {}
PLIVO_ANSWERS = {}  # ref -> {"to", "code"}: what the answer server was handed  # (service sid, To) -> pending code, for Twilio Verify


def twilio_auth(req):
    """Account SID and auth token, or an API key (SK...) and its secret (Twilio accepts
    both; the account SID stays in the path)."""
    c = req.creds
    req.basic(c["account_sid"], c["auth_token"], (c["twilio_key_sid"], c["twilio_key_secret"]))
    auth = req.headers.get("authorization", "")
    req.notes["twilio_auth"] = ("api_key" if auth.endswith(
        base64.b64encode(f"{c['twilio_key_sid']}:{c['twilio_key_secret']}".encode()).decode())
        else "auth_token")


ECHO_AT = 150  # where echo_text puts the credential: across the 159-character log cut


def echo_text(req, to):
    """An error text that echoes the number and then the auth token, the token starting at
    ECHO_AT (a careless provider log line, and the worst place for a cut)."""
    head = f"Could not deliver to {to}: "
    return head + "." * (ECHO_AT - len(head)) + req.creds["auth_token"] + " was used"


class Twilio:
    name, ok_status, ctype = "twilio", 201, "application/json"
    invalid_status, auth_status = 400, 401
    FIELDS = {"To", "From", "MessagingServiceSid", "Body", "Twiml", "Url", "StatusCallback"}

    def validate(self, req, m):
        c = req.creds
        twilio_auth(req)
        req.need(m.group(1) == c["account_sid"], "AccountSid in path")
        f = req.parse_form(self.FIELDS)
        req.need(E164.fullmatch(f.get("To", "")), "To not E.164")
        if m.group(2) == "Messages":
            req.need(("From" in f) != ("MessagingServiceSid" in f), "exactly one sender")
            if "MessagingServiceSid" in f:
                req.need(re.fullmatch(r"MG[0-9a-f]{32}", f["MessagingServiceSid"]), "MG sid")
            req.need(0 < len(f.get("Body", "")) <= 1600, "Body length")
            req.need("Twiml" not in f, "Twiml in a message")
        else:
            req.need(E164.fullmatch(f.get("From", "")), "From not E.164 (call)")
            twiml = f.get("Twiml", "")
            req.need(0 < len(twiml) <= 4000, "Twiml length")
            try:
                root = ET.fromstring(twiml)
                say = root.find("Say")
                req.need(root.tag == "Response" and say is not None, "TwiML shape")
                req.notes["say"] = say.text if say is not None else None
                req.notes["loop"] = say.get("loop") if say is not None else None
            except ET.ParseError:
                req.errors.append("Twiml is not XML")

    def success(self, req, m):
        f = req.form
        if f["To"] in ("+15005550001", "+15005550009"):  # Twilio's magic test numbers
            return self.error(req, "invalid", 400)
        if f["To"] == "+15005550003":
            return self.error(req, "geo", 400)
        prefix = "SM" if m.group(2) == "Messages" else "CA"
        return 201, {"sid": prefix + secrets.token_hex(16), "status": "queued",
                     "to": f["To"], "from": f.get("From"), "body": f.get("Body"),
                     "num_segments": "1", "error_code": None, "error_message": None}

    def error(self, req, kind, status):
        if kind == "echo":
            return status, {"code": 21604, "message": echo_text(req, req.form.get("To", "")),
                            "status": status}
        code, msg = {"invalid": (21211, "The 'To' number is not a valid phone number."),
                     "auth": (20003, "Authenticate"),
                     "geo": (21408, "Permission to send an SMS has not been enabled for the "
                             "region indicated by the 'To' number: " + req.form.get("To", "")),
                     "rate": (20429, "Too Many Requests"),
                     "bad": (21604, "A required parameter is missing or invalid")}.get(
                         kind, (20500, "Internal Server Error"))
        return status, {"code": code, "message": msg, "status": status,
                        "more_info": f"https://www.twilio.com/docs/errors/{code}"}


class TwilioVerify(Twilio):
    name, ok_status = "twilio-verify", 201

    def validate(self, req, m):
        c = req.creds
        twilio_auth(req)
        req.need(m.group(1) == c["verify_service_sid"], "service sid in path")
        f = req.parse_form({"To", "Channel", "Code", "Locale"})
        req.need(E164.fullmatch(f.get("To", "")), "To not E.164")
        if m.group(2) == "Verifications":
            req.need(f.get("Channel") in ("sms", "call"), "Channel")
            req.need("Code" not in f, "Code on start")
        else:
            req.need(re.fullmatch(r"[0-9]{4,10}", f.get("Code", "")), "Code 4-10 digits")

    def success(self, req, m):
        f, key = req.form, (m.group(1), req.form["To"])
        base = {"sid": "VE" + secrets.token_hex(16), "service_sid": m.group(1),
                "account_sid": req.creds["account_sid"], "to": f["To"], "valid": False}
        if m.group(2) == "Verifications":
            code = VERIFY.get(key) or "%06d" % secrets.randbelow(10**6)
            VERIFY[key] = code  # resending within validity keeps the same code
            req.notes["verify_code"] = code
            return 201, dict(base, status="pending", channel=f["Channel"])
        if key not in VERIFY:
            return 404, {"code": 20404, "status": 404,
                         "message": f"The requested resource /Services/{m.group(1)}"
                                    "/VerificationCheck was not found",
                         "more_info": "https://www.twilio.com/docs/errors/20404"}
        if f["Code"] == VERIFY[key]:
            del VERIFY[key]
            return 200, dict(base, status="approved", valid=True)
        return 200, dict(base, status="pending")

    def processed_then(self, req, m, status):
        """The check reached Verify and was processed, but a gateway answered `status`
        (the approval, and the deletion that comes with it, still happened)."""
        self.success(req, m)
        return self.error(req, "server", status)

    def error(self, req, kind, status):
        if kind == "invalid":
            return 400, {"code": 60200, "message": "Invalid parameter `To`", "status": 400,
                         "more_info": "https://www.twilio.com/docs/errors/60200"}
        if kind == "rate":
            return 429, {"code": 60203, "message": "Max send attempts reached", "status": 429,
                         "more_info": "https://www.twilio.com/docs/errors/60203"}
        if kind == "geo":
            return 403, {"code": 60605, "status": 403,
                         "message": "Verification delivery attempt blocked: geo permissions "
                                    "for " + req.form.get("To", ""),
                         "more_info": "https://www.twilio.com/docs/errors/60605"}
        return super().error(req, kind, status)


class Telnyx:
    name, ok_status, ctype = "telnyx", 200, "application/json"
    invalid_status, auth_status = 422, 401

    def validate(self, req, m):
        req.bearer(req.creds["api_key"])
        j = req.parse_json({"to", "from", "text", "messaging_profile_id"})
        req.need(E164.fullmatch(j.get("to", "")), "to not E.164")
        req.need("from" in j or "messaging_profile_id" in j, "from or messaging_profile_id")
        if "messaging_profile_id" in j:
            req.need(UUID.fullmatch(j["messaging_profile_id"]), "messaging_profile_id not a UUID")
        # An alphanumeric sender is only known through a messaging profile.
        if "from" in j and not E164.fullmatch(j["from"]):
            req.need("messaging_profile_id" in j, "alphanumeric from needs messaging_profile_id")
        req.need(j.get("text"), "text")

    def success(self, req, m):
        j = req.json
        return 200, {"data": {"record_type": "message", "id": str(uuid.uuid4()),
                              "direction": "outbound", "parts": 1, "text": j["text"],
                              "from": {"phone_number": j.get("from")},
                              "to": [{"phone_number": j["to"], "status": "queued"}]}}

    def error(self, req, kind, status):
        code, title, ptr = {"invalid": ("10016", "Phone number must be in +E.164 format", "/to"),
                            "auth": ("10009", "Authentication failed", None),
                            "rate": ("10011", "Too many requests", None),
                            "bad": ("10015", "Invalid request body", None)}.get(
                                kind, ("10007", "Unexpected error", None))
        err = {"code": code, "title": title, "detail": title + " (mock)"}
        if ptr:
            err["source"] = {"pointer": ptr}
        return status, {"errors": [err]}


class Plivo:
    name, ok_status, ctype = "plivo", 202, "application/json"
    invalid_status, auth_status = 400, 401

    def validate(self, req, m):
        c = req.creds
        req.basic(c["plivo_auth_id"], c["auth_token"])
        req.need(m.group(1) == c["plivo_auth_id"], "auth_id in path")
        if m.group(2) == "Message":
            j = req.parse_json({"src", "dst", "text"})
            req.need(re.fullmatch(r"\+?[1-9][0-9]{6,14}", j.get("dst", "")), "dst")
            req.need(j.get("src") and j.get("text"), "src and text")
        else:
            j = req.parse_json({"from", "to", "answer_url", "answer_method"})
            req.need(E164.fullmatch(j.get("to", "")), "to")
            req.need(j.get("answer_url", "").startswith(("https://", "http://")), "answer_url")
            req.need(j.get("answer_method") in ("GET", "POST"), "answer_method")
            req.notes["answer_url"] = j.get("answer_url")
            # Plivo fetches answer_url next: the mock plays the answer server, which only
            # knows codes handed to it (PlivoAnswer) under a one-time reference.
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(j.get("answer_url", "")).query)
            ref = (q.get("ref") or [""])[0]
            entry = PLIVO_ANSWERS.pop(ref, None)
            if req.need(entry and entry["to"] == j.get("to"), "answer server has no code"):
                req.notes["answer_code"] = entry["code"]

    def success(self, req, m):
        if m.group(2) == "Message":
            return 202, {"api_id": str(uuid.uuid4()), "message": "message(s) queued",
                         "message_uuid": [str(uuid.uuid4())]}
        return 201, {"api_id": str(uuid.uuid4()), "message": "call fired",
                     "request_uuid": str(uuid.uuid4())}

    def error(self, req, kind, status):
        msg = {"invalid": "invalid dst number", "auth": "authentication failed",
               "rate": "too many requests", "bad": "invalid request"}.get(kind, "server error")
        return status, {"api_id": str(uuid.uuid4()), "error": msg}


class Vonage:
    name, ok_status, ctype = "vonage", 200, "application/json"
    invalid_status, auth_status = 200, 200  # application errors come as HTTP 200

    def validate(self, req, m):
        f = req.parse_form({"api_key", "api_secret", "from", "to", "text", "type"})
        if (f.get("api_key"), f.get("api_secret")) != (req.creds["vonage_key"],
                                                       req.creds["auth_token"]):
            req.auth_failed = True
            req.errors.append("api_key/api_secret")
        req.need(re.fullmatch(r"[1-9][0-9]{6,14}", f.get("to", "")), "to: digits, no +")
        req.need(f.get("from") and f.get("text"), "from and text")

    @staticmethod
    def parts(form):
        """How many parts Vonage splits the text into (one messages[] element each)."""
        text = form.get("text", "")
        one, each = (70, 67) if form.get("type") == "unicode" else (160, 153)
        return 1 if len(text) <= one else -(-len(text) // each)

    def part(self, req):
        return {"to": req.form["to"], "message-id": secrets.token_hex(8).upper(), "status": "0",
                "remaining-balance": "3.14", "message-price": "0.0333", "network": "23410"}

    def success(self, req, m):
        n = self.parts(req.form)
        req.notes["parts"] = n
        return 200, {"message-count": str(n), "messages": [self.part(req) for _ in range(n)]}

    def last_part_fails(self, req, m):
        """A long text whose last part Vonage refused (out of credit midway)."""
        n = self.parts(req.form)
        req.notes["parts"] = n
        msgs = [self.part(req) for _ in range(n)]
        msgs[-1] = {"status": "9", "error-text": "Partner quota exceeded"}
        return 200, {"message-count": str(n), "messages": msgs}

    def error(self, req, kind, status):
        status_text = {"invalid": ("3", "Invalid to number"), "auth": ("4", "Bad Credentials"),
                       "throttle": ("1", "Throttled"), "bad": ("2", "Missing to param")}
        if kind in status_text:  # application errors still come as HTTP 200
            st, text = status_text[kind]
            return 200, {"message-count": "1", "messages": [{"status": st, "error-text": text}]}
        return status, {"type": "https://developer.vonage.com/api-errors", "title":
                        "Throttled" if status == 429 else "Internal Error"}


class PlivoAnswer:
    """The operator's Plivo answer server, hand-off side: a signed POST {"ref","to","code"}
    from pam_otp_sms (Standard Webhooks, webhook_secret), kept until Plivo asks for it."""
    name, ok_status, ctype = "plivo-answer", 200, "application/json"
    invalid_status, auth_status = 400, 401

    def validate(self, req, m):
        from mock_sns_webhook import webhook_signature
        j = req.parse_json({"ref", "to", "code"})
        req.need(re.fullmatch(r"[0-9a-f]{32}", j.get("ref", "")), "ref")
        req.need(E164.fullmatch(j.get("to", "")), "to")
        req.need(re.fullmatch(r"[0-9]{4,10}", j.get("code", "")), "code")
        valid = webhook_signature(req, req.creds["webhook_secret"])
        req.notes["signature_valid"] = valid
        if valid is not True:
            req.auth_failed = True
            req.errors.append("hand-off not signed")

    def success(self, req, m):
        PLIVO_ANSWERS[req.json["ref"]] = {"to": req.json["to"], "code": req.json["code"]}
        return 200, {"ok": True}

    def error(self, req, kind, status):
        return status, {"error": kind}
