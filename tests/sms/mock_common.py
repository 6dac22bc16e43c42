# SPDX-License-Identifier: BSD-2-Clause
"""What every mock endpoint shares: the credentials it expects and the parsed request."""
import base64
import json
import re
import urllib.parse

CREDS = {
    "account_sid": "AC" + "0123456789abcdef" * 2,
    "auth_token": "tok-3f9c2a7e5b1d4c60",
    "api_key": "KEY-telnyx-7a1c9e3b55d24f08",
    "verify_service_sid": "VA" + "fedcba9876543210" * 2,
    "messaging_service_sid": "MG" + "00112233445566778899aabbccddeeff",
    "plivo_auth_id": "MAZJKXNTQ4ZGY2YTQ3ZT",
    "vonage_key": "a1b2c3d4",
    "aws_key": "AKIAMOCKKEY000000001",
    "aws_secret": "aws-secret-6c0f2b8e9d1a4e57b3c2",
    "region": "eu-west-1",
    # Twilio API key: SK + 32 hex as the Basic user, its secret as the password.
    "twilio_key_sid": "SK" + "5a5b5c5d5e5f6061" * 2,
    "twilio_key_secret": "keysecret-8e1f3b7c2d9a4e06a5b1",
    "webhook_token": "hook-bearer-51e0c3a9d7b24f86",
    # Standard Webhooks secret: "whsec_" + base64 of the key bytes.
    "webhook_secret": "whsec_" + base64.b64encode(b"mock webhook signing key 0123456").decode(),
}
E164 = re.compile(r"\+[1-9][0-9]{6,14}")


class Request:
    def __init__(self, method, path, headers, body, creds, scenario):
        self.method = method
        self.path, _, self.query = path.partition("?")
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body, self.creds, self.scenario = body, creds, scenario
        self.errors, self.notes = [], {}
        self.form = self.json = self.provider = None
        self.auth_failed = False

    def need(self, cond, msg):
        if not cond:
            self.errors.append(msg)
        return cond

    def basic(self, user, password, *alternatives):
        """Basic user:password, or one of the (user, password) alternatives."""
        pairs = [(user, password), *alternatives]
        wants = ["Basic " + base64.b64encode(f"{u}:{p}".encode()).decode() for u, p in pairs]
        if self.headers.get("authorization") not in wants:
            self.auth_failed = True
            self.errors.append("basic auth")

    def bearer(self, token):
        if self.headers.get("authorization") != "Bearer " + token:
            self.auth_failed = True
            self.errors.append("bearer auth")

    def parse_form(self, allowed):
        ctype = self.headers.get("content-type", "")
        self.need(ctype.split(";")[0] == "application/x-www-form-urlencoded", "content type")
        try:
            pairs = urllib.parse.parse_qsl(self.body.decode(), keep_blank_values=True,
                                           strict_parsing=True)
        except (ValueError, UnicodeDecodeError):
            pairs = []
            self.errors.append("form syntax")
        self.form = {}
        for k, v in pairs:
            self.need(k not in self.form, "field twice: " + k)
            self.need(k in allowed, "unexpected field: " + k)
            self.form[k] = v
        return self.form

    def parse_json(self, allowed):
        self.need(self.headers.get("content-type", "").split(";")[0] == "application/json",
                  "content type")
        try:
            self.json = json.loads(self.body)
        except ValueError:
            self.json = None
        if not self.need(isinstance(self.json, dict), "body is not a JSON object"):
            self.json = {}
        for k in self.json:
            self.need(k in allowed, "unexpected field: " + k)
            self.need(isinstance(self.json[k], str), "not a string: " + k)
        return self.json
