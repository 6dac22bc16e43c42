# SPDX-License-Identifier: BSD-2-Clause
"""The module side of the SMS tests: a test user from nss_wrapper with its ~/.otp, a PAM
service running pam_otp_test.so (clock set by PAM_OTP_TEST_NOW) with a conf file, and
pam_converse to drive one login whose prompts are answered as they come."""
import base64
import hashlib
import hmac
import os
import shutil
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "pylib"))
from converse import Login, converse  # noqa: E402,F401  (Login: for the tests)

CONVERSE = os.environ.get("PAM_CONVERSE", "")
TEST_MODULE = os.environ.get("PAM_OTP_TEST_MODULE", "")
NSS_WRAPPER = os.environ.get("NSS_WRAPPER_LIB", "libnss_wrapper.so")
USER, UID = "alice", 1234
SERVICE = "otpsms"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PHONE = "+15551234567"
MASKED = "+1" + "\u2022" * 6 + "4567"  # first two and last four characters shown

OFFER = 'Verification code (or "sms" to get one by text message): '
OFFER_VOICE = 'Verification code (or "sms" for a text message, "call" for a call): '
PLAIN = "Verification code: "
SENT = f"Code sent to {MASKED}. SMS code: "
CALLING = f"Calling {MASKED}. Call code: "
ALREADY = f"A code was already sent to {MASKED}. SMS code: "
SEND_FAILED = "Could not send a text message; use your authenticator app or a backup code."
CALL_FAILED = "Could not place the call; use your authenticator app or a backup code."
SEND_FAILED_SMS_ONLY = "Could not send a text message; try again later or use a backup code."


def totp(t):
    key = base64.b32decode(SECRET)
    mac = hmac.new(key, struct.pack(">Q", t // 30), hashlib.sha1).digest()
    off = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7fffffff) % 10**6)


class PamUser:
    """alice (uid 1234, from nss_wrapper files under root) with a home and a service dir."""

    def __init__(self, root):
        self.root = root
        os.chmod(root, 0o755)  # the module reads ~/.otp as the user
        self.home = os.path.join(root, "home")
        self.otp = os.path.join(self.home, ".otp")
        self.confdir = os.path.join(root, "pam.d")
        self.passwd = os.path.join(root, "passwd")
        self.group = os.path.join(root, "group")
        with open(self.passwd, "w") as f:
            f.write(f"root:x:0:0:root:/root:/bin/sh\n"
                    f"{USER}:x:{UID}:{UID}:Test User:{self.home}:/bin/sh\n")
        with open(self.group, "w") as f:
            f.write(f"root:x:0:\n{USER}:x:{UID}:\n")

    def reset(self):
        for d in (self.home, self.confdir):
            shutil.rmtree(d, ignore_errors=True)
        os.mkdir(self.home, 0o700)
        os.chown(self.home, UID, UID)
        os.mkdir(self.confdir, 0o755)

    def write_otp(self, secret=True):
        text = "version 1\n" + (f"type totp\nsecret {SECRET}\n" if secret else "")
        fd = os.open(self.otp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text + f"phone {PHONE}\n")
        os.chown(self.otp, UID, UID)

    def otp_fields(self):
        """~/.otp as {key: value}; the module's own parse is checked by logging in."""
        with open(self.otp) as f:
            return dict((line.split(" ", 1) + [""])[:2] for line in f.read().splitlines())

    def service(self, conf, sender):
        with open(os.path.join(self.confdir, SERVICE), "w") as f:
            f.write(f"auth required {TEST_MODULE} conf={conf} sms_helper={sender}\n")

    def login(self, answers, now, timeout=30):
        """Run one authentication at test time `now`. answers: one per prompt, each a string
        or a function of the Login so far (called when its prompt arrives)."""
        env = {"LD_PRELOAD": NSS_WRAPPER, "NSS_WRAPPER_PASSWD": self.passwd,
               "NSS_WRAPPER_GROUP": self.group, "PAM_OTP_TEST_NOW": str(now),
               "PATH": "/usr/bin:/bin"}
        return converse([CONVERSE, self.confdir, SERVICE, USER], env, answers, timeout)
