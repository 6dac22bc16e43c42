# SPDX-License-Identifier: BSD-2-Clause
"""Helpers the end-to-end tests share besides the namespace (e2e.py): TOTP codes computed
with oathtool (independently of our C code), PAM stacks built from the shipped conf/
snippets, and a driver for programs that want a terminal (su, login).
"""
import base64
import os
import re
import time

import e2e
import terminal  # tests/pylib (on sys.path through e2e)
from e2e import MODULE, SRC, require, run


# --- TOTP, computed independently of our C code (oathtool) ------------------------------
def new_secret():
    return base64.b32encode(os.urandom(20)).decode().rstrip("=")


def totp(secret, t=None):
    t = int(time.time() if t is None else t)
    r = run(["oathtool", "--totp", "-b", "-N", f"@{t}", secret])
    require(r.returncode == 0 and re.fullmatch(r"\d{6}", r.stdout.strip()),
          f"oathtool failed: {r.stderr}")
    return r.stdout.strip()


def fresh_code(secret, margin=12):
    """The current code, waiting for the next 30 s step if this one ends within margin s,
    so that the right/wrong/replay attempts that follow fall in the same step."""
    left = 30 - time.time() % 30
    if left < margin:
        time.sleep(left + 0.2)
    return totp(secret)


def wrong_code(secret):
    """A six-digit code valid for none of the steps around now."""
    now = time.time()
    valid = {totp(secret, now + 30 * k) for k in range(-3, 4)}
    code = int(totp(secret, now))
    while f"{code:06d}" in valid:
        code = (code + 1) % 1000000
    return f"{code:06d}"


# --- PAM stacks from the shipped snippets -----------------------------------------------
def snippet_lines(rel):
    """The active (non-comment) lines of a shipped conf/ file."""
    text = open(os.path.join(SRC, "conf", rel)).read()
    return [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#")]


def with_module(line, args=()):
    """Point a pam_otp.so line at the module under test, adding test-only arguments."""
    require("pam_otp.so" in line, f"not a pam_otp line: {line}")
    return line.replace("pam_otp.so", " ".join([MODULE, *args]))


def stack_from_host(service, snippet, args=()):
    """The host's /etc/pam.d/<service> with its "@include common-auth" line replaced by the
    active lines of the shipped snippet conf/<snippet>, as the snippet tells admins to do."""
    f = f"/etc/pam.d/{service}"
    host = (e2e.ORIGINAL[f] if f in e2e.ORIGINAL else open(f).read()).splitlines()
    require("@include common-auth" in host, f"/etc/pam.d/{service} has no @include common-auth")
    ours = [with_module(l, args) if "pam_otp.so" in l else l for l in snippet_lines(snippet)]
    require(any(MODULE in l for l in ours), f"conf/{snippet} has no pam_otp.so line")
    out = []
    for l in host:
        out.extend(ours if l.strip() == "@include common-auth" else [l])
    return "\n".join(out) + "\n"


# --- driving programs on a terminal ------------------------------------------------------
def pty_run(env, argv, steps, timeout=30, stop=None):
    """terminal.pty_run for a program of the private environment (killed with it)."""
    return terminal.pty_run(argv, steps, timeout, stop, spawn=env.spawn)
