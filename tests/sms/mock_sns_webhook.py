# SPDX-License-Identifier: BSD-2-Clause
"""Mock endpoints for AWS SNS Publish (SigV4 checked in full) and the generic webhook
(Standard Webhooks signature checked and recorded)."""
import base64
import calendar
import hashlib
import hmac
import re
import time
import uuid

from mock_common import E164

SNS_NS = "https://sns.amazonaws.com/doc/2010-03-31/"


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def check_sigv4(req, key_id, secret, region, service, session_token=None):
    """Recompute the AWS Signature Version 4 of req as AWS does; returns (ok, why).

    The canonical request is built only from the headers that SignedHeaders names, and a
    named header that the request does not carry is an error (AWS: "'expect' is named as a
    SignedHeader, but it does not exist"), never an empty value. Temporary credentials need
    X-Amz-Security-Token, equal to the session token and covered by the signature."""
    m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/([0-9]{8})/([^/]+)/([^/]+)/"
                     r"aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})",
                     req.headers.get("authorization", ""))
    if not m:
        return False, "Authorization header shape"
    kid, date, reg, svc, signed, sig = m.groups()
    if (kid, reg, svc) != (key_id, region, service):
        return False, f"credential scope {kid}/{reg}/{svc}"
    amzdate = req.headers.get("x-amz-date", "")
    if not re.fullmatch(r"[0-9]{8}T[0-9]{6}Z", amzdate) or not amzdate.startswith(date):
        return False, "x-amz-date"
    if abs(calendar.timegm(time.strptime(amzdate, "%Y%m%dT%H%M%SZ")) - time.time()) > 300:
        return False, "x-amz-date too far from now"
    names = signed.split(";")
    if names != sorted(set(names)):
        return False, "SignedHeaders not sorted or with a name twice"
    if "host" not in names or "x-amz-date" not in names:
        return False, "host and x-amz-date must be signed"
    for h in names:
        if h not in req.headers:
            return False, f"'{h}' is named as a SignedHeader, but it does not exist"
    token = req.headers.get("x-amz-security-token")
    if session_token is not None or token is not None:
        if token != session_token:
            return False, "X-Amz-Security-Token missing or not the session token"
        if "x-amz-security-token" not in names:
            return False, "X-Amz-Security-Token is not signed"
    canon_headers = "".join(f"{h}:{' '.join(req.headers[h].split())}\n" for h in names)
    query = "&".join(sorted(req.query.split("&"))) if req.query else ""
    creq = "\n".join([req.method, req.path, query, canon_headers, signed,
                      hashlib.sha256(req.body).hexdigest()])
    scope = f"{date}/{region}/{service}/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    k = _hmac(("AWS4" + secret).encode(), date)
    for part in (region, service, "aws4_request"):
        k = _hmac(k, part)
    want = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    return (True, "ok") if hmac.compare_digest(want, sig) else (False, "signature mismatch")


ATTR = "MessageAttributes.entry.%d."
ATTR_FIELDS = {ATTR % i + k for i in (1, 2, 3)
               for k in ("Name", "Value.DataType", "Value.StringValue")}
SMS_ATTRS = {"AWS.SNS.SMS.SMSType": {"Transactional", "Promotional"},
             "AWS.SNS.SMS.SenderID": None, "AWS.SNS.SMS.MaxPrice": None}


def sms_attributes(req, f):
    """MessageAttributes.entry.N.* as SNS reads them: numbered from 1 without gaps, each
    with Name, Value.DataType and Value.StringValue; returns {name: value}."""
    out, i = {}, 1
    while ATTR % i + "Name" in f:
        name, dtype = f[ATTR % i + "Name"], f.get(ATTR % i + "Value.DataType")
        value = f.get(ATTR % i + "Value.StringValue")
        req.need(name in SMS_ATTRS and name not in out, "attribute name " + name)
        req.need(dtype == "String" and value, "attribute value " + name)
        allowed = SMS_ATTRS.get(name)
        req.need(allowed is None or value in allowed, "attribute value " + name)
        out[name] = value
        i += 1
    req.need(not any(k.startswith(ATTR % i) for k in f), "attribute numbering")
    return out


class Sns:
    name, ok_status, ctype = "sns", 200, "text/xml"
    invalid_status, auth_status = 400, 403

    def validate(self, req, m):
        c = req.creds
        f = req.parse_form({"Action", "Version", "PhoneNumber", "Message", *ATTR_FIELDS})
        req.need(f.get("Action") == "Publish", "Action")
        req.need(f.get("Version") == "2010-03-31", "Version")
        req.need(E164.fullmatch(f.get("PhoneNumber", "")), "PhoneNumber not E.164")
        req.need(f.get("Message"), "Message")
        req.notes["sms_attributes"] = sms_attributes(req, f)
        ok, why = check_sigv4(req, c["aws_key"], c["aws_secret"], c["region"], "sns",
                              c.get("aws_session_token"))
        req.notes["sigv4"] = why
        if not ok:
            req.auth_failed = True
            req.errors.append("sigv4: " + why)

    def success(self, req, m):
        return 200, (f'<PublishResponse xmlns="{SNS_NS}">\n  <PublishResult>\n'
                     f'    <MessageId>{uuid.uuid4()}</MessageId>\n  </PublishResult>\n'
                     f'  <ResponseMetadata>\n    <RequestId>{uuid.uuid4()}</RequestId>\n'
                     '  </ResponseMetadata>\n</PublishResponse>\n').encode()

    def error(self, req, kind, status):
        typ, code, msg = {
            "invalid": ("Sender", "InvalidParameter",
                        "Invalid parameter: PhoneNumber Reason: not a valid phone number"),
            "auth": ("Sender", "SignatureDoesNotMatch", "The request signature we calculated "
                     "does not match the signature you provided."),
            "rate": ("Sender", "ThrottledException", "Rate exceeded"),
            "bad": ("Sender", "InvalidParameter", "Invalid parameter: Message"),
        }.get(kind, ("Receiver", "InternalError", "Internal failure"))
        return status, (f'<ErrorResponse xmlns="{SNS_NS}">\n  <Error>\n    <Type>{typ}</Type>\n'
                        f'    <Code>{code}</Code>\n    <Message>{msg}</Message>\n  </Error>\n'
                        f'  <RequestId>{uuid.uuid4()}</RequestId>\n</ErrorResponse>\n').encode()


def webhook_signature(req, secret):
    """None when unsigned, else whether one v1 signature matches (and is fresh)."""
    wid, ts = req.headers.get("webhook-id"), req.headers.get("webhook-timestamp")
    sigs = req.headers.get("webhook-signature")
    if sigs is None:
        return None
    if not (wid and ts and sigs and ts.isdigit()) or abs(int(ts) - time.time()) > 300:
        return False
    key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
    mac = hmac.new(key, f"{wid}.{ts}.".encode() + req.body, hashlib.sha256).digest()
    want = "v1," + base64.b64encode(mac).decode()
    return any(hmac.compare_digest(want, s) for s in sigs.split(" "))


class Webhook:
    name, ok_status, ctype = "webhook", 200, "application/json"
    invalid_status, auth_status = 400, 401

    def validate(self, req, m):
        j = req.parse_json({"to", "code", "message", "user", "host"})
        req.need(E164.fullmatch(j.get("to", "")), "to not E.164")
        req.need(re.fullmatch(r"[0-9]{4,10}", j.get("code", "")), "code")
        req.need(j.get("message"), "message")
        req.notes["authorization"] = req.headers.get("authorization")
        valid = webhook_signature(req, req.creds["webhook_secret"])
        req.notes["signature_valid"] = valid
        auth = req.headers.get("authorization")
        if valid is False or (auth and auth != "Bearer " + req.creds["webhook_token"]):
            req.auth_failed = True
            req.errors.append("webhook signature or token")

    def success(self, req, m):
        return 200, {"ok": True}

    def error(self, req, kind, status):
        return status, {"error": {"invalid": "invalid number", "auth": "unauthorized",
                                  "rate": "slow down", "bad": "bad request"}.get(kind, "oops")}
