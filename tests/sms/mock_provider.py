#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Mock SMS provider for pam_otp_sms tests: every provider endpoint on one HTTPS port.

  mock_provider.py --cert C --key K --port-file F --record R --control-dir D
                   [--plain] [--daemon --pid-file P]

Listens on 127.0.0.1 on a free port (written to --port-file once listening). Every request is
checked like the real provider would (method, path, auth, content type, fields) and recorded as
one JSON line in --record. The control dir steers the replies:
  D/queue    JSON list of scenarios, one taken per request; empty: D/default or "ok"
  D/default  a scenario for when the queue is empty
  D/creds.json  credentials to expect (defaults: mock_common.CREDS)
Scenarios: ok 500 502 503 429 429-long invalid auth garbage hang big throttle geo echo,
processed-502 processed-503 (Twilio Verify: the check is processed, then a gateway error),
part-fail (Vonage: the last part of a long text refused).
Stdlib only, so C tests can start it too (--daemon).
"""
import argparse
import json
import os
import re
import signal
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mock_common  # noqa: E402
import mock_routes  # noqa: E402
import mock_sns_webhook  # noqa: E402

HANG_SECONDS = 15
GARBAGE = b"<html><body>502 Bad Gateway (not the API)</body></html>\n"

ROUTES = [
    (r"/2010-04-01/Accounts/([^/]+)/(Messages|Calls)\.json", mock_routes.Twilio),
    (r"/v2/Services/([^/]+)/(Verifications|VerificationCheck)", mock_routes.TwilioVerify),
    (r"/v2/messages", mock_routes.Telnyx),
    (r"/v1/Account/([^/]+)/(Message|Call)/", mock_routes.Plivo),
    (r"/sms/json", mock_routes.Vonage),
    (r"/", mock_sns_webhook.Sns),
    (r"/hook(/.*)?", mock_sns_webhook.Webhook),
    (r"/plivo-answer", mock_routes.PlivoAnswer),
]


def reply_for(p, req, m):
    """(status, body) for the request under its scenario; body a dict (JSON) or bytes."""
    s = req.scenario
    if req.errors:  # checked like the provider would: a bad request never "succeeds"
        if req.auth_failed:
            return p.error(req, "auth", p.auth_status)
        return p.error(req, "bad", 200 if p.name == "vonage" else 400)
    if s == "ok":
        return p.success(req, m)
    if s in ("500", "502", "503"):
        return p.error(req, "server", int(s))
    if s in ("429", "429-long"):
        return p.error(req, "rate", 429)
    if s == "invalid":
        return p.error(req, "invalid", p.invalid_status)
    if s == "auth":
        return p.error(req, "auth", p.auth_status)
    if s == "throttle":  # Vonage: status "1" inside an HTTP 200
        return p.error(req, "throttle", 429)
    if s == "geo":
        return p.error(req, "geo", 403)
    if s in ("processed-502", "processed-503"):
        return p.processed_then(req, m, int(s[-3:]))
    if s == "part-fail":
        return p.last_part_fails(req, m)
    if s == "echo":
        return p.error(req, "echo", 400)
    if s == "garbage":
        return p.ok_status, GARBAGE
    if s == "big":
        return p.ok_status, b"x" * 100000
    raise ValueError("unknown scenario " + s)


def dispatch(req):
    for pattern, cls in ROUTES:
        m = re.fullmatch(pattern, req.path)
        if m:
            break
    else:
        return 404, "application/json", b'{"error":"no such endpoint"}', {}
    p = cls()
    req.provider = p.name
    if req.method != "POST":
        return 405, "application/json", b'{"error":"method not allowed"}', {}
    p.validate(req, m)
    status, body = reply_for(p, req, m)
    extra = {}
    if status == 429:
        extra["Retry-After"] = "60" if req.scenario == "429-long" else "1"
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    return status, p.ctype, body, extra


class Control:
    """Scenario queue and request log shared by the handler threads."""

    def __init__(self, control_dir, record):
        self.dir = control_dir
        self.record_path = record
        self.lock = threading.Lock()

    def creds(self):
        path = os.path.join(self.dir, "creds.json")
        creds = dict(mock_common.CREDS)
        if os.path.exists(path):
            with open(path) as f:
                creds.update(json.load(f))
        return creds

    def next_scenario(self):
        with self.lock:
            qpath = os.path.join(self.dir, "queue")
            queue = []
            if os.path.exists(qpath):
                with open(qpath) as f:
                    queue = json.load(f)
            if queue:
                scenario = queue.pop(0)
                tmp = qpath + ".tmp"
                with open(tmp, "w") as f:
                    json.dump(queue, f)
                os.replace(tmp, qpath)
                return scenario
            dpath = os.path.join(self.dir, "default")
            if os.path.exists(dpath):
                with open(dpath) as f:
                    return f.read().strip() or "ok"
            return "ok"

    def record(self, entry):
        with self.lock, open(self.record_path, "a") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")
            f.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: libcurl may reuse the connection on retries
    server_version = "mock-provider/1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def handle_any(self):
        control = self.server.control
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        scenario = control.next_scenario()
        req = mock_common.Request(self.command, self.path, dict(self.headers.items()), body,
                                  control.creds(), scenario)
        entry = {"time": time.time(), "method": self.command, "path": self.path,
                 "headers": dict(self.headers.items()),
                 "body": body.decode("utf-8", "replace"), "scenario": scenario}
        if scenario == "hang":
            entry["hung"] = True
            control.record(dict(entry, provider="?", status=None))
            time.sleep(HANG_SECONDS)
            return self.reply(200, "text/plain", b"too late\n", {})
        status, ctype, out, extra = dispatch(req)
        entry.update(req.notes)
        entry.update(provider=req.provider, status=status, errors=req.errors,
                     form=req.form, json=req.json)
        control.record(entry)
        self.reply(status, ctype, out, extra)

    def reply(self, status, ctype, out, extra):
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(out)))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(out)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, tls_ctx, control):
        self.tls_ctx = tls_ctx
        self.control = control
        super().__init__(addr, Handler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, in the request's own thread, so a client that
        # stalls or rejects the certificate never blocks the accept loop.
        if self.tls_ctx is not None:
            try:
                request.settimeout(30)
                request = self.tls_ctx.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                request.close()
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass


def daemonize(pid_file):
    if os.fork() > 0:
        os._exit(0)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    with open(pid_file + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.replace(pid_file + ".tmp", pid_file)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--plain", action="store_true", help="plain HTTP (allow_insecure_http)")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--control-dir", required=True)
    ap.add_argument("--daemon", action="store_true")
    ap.add_argument("--pid-file")
    args = ap.parse_args()

    ctx = None
    if not args.plain:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
    os.makedirs(args.control_dir, exist_ok=True)
    if args.daemon:
        if not args.pid_file:
            ap.error("--daemon needs --pid-file")
        daemonize(args.pid_file)
    server = Server(("127.0.0.1", 0), ctx, Control(args.control_dir, args.record))
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
