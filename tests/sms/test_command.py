#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""provider=command: fixed argv with {to}, no shell, PATH-only environment, code and message
on stdin, output to /dev/null, exit status mapping, killed with its children at the timeout."""
import json
import os
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from mocklib import CODE, MESSAGE, SENDER, TO, SenderTest, run_sender, write_conf  # noqa: E402

FAKE = os.path.join(HERE, "fake_sms_command.py")
FIELDS = {"to": TO, "code": CODE, "message": MESSAGE, "user": "alice", "host": "h"}


def alive(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return "\nState:\tZ" not in f.read()
    except FileNotFoundError:
        return False


class Command(SenderTest):
    @classmethod
    def setUpClass(cls):  # no mock provider needed
        if not SENDER or not os.access(SENDER, os.X_OK):
            raise unittest.SkipTest("PAM_OTP_SMS does not name the built pam_otp_sms")
        cls.tmp = tempfile.mkdtemp(prefix="sms-cmd-")

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.out = tempfile.mkdtemp(dir=self.tmp)

    def send(self, command=None, action="send", timeout=4, fields=FIELDS):
        conf = write_conf(os.path.join(self.out, "c.conf"), provider="command",
                          command=command or f"{FAKE} {self.out} --to={{to}} {{to}}",
                          timeout=timeout)
        return run_sender(conf, action, fields)

    def record(self):
        with open(os.path.join(self.out, "record.json")) as f:
            return json.load(f)

    def test_ok_argv_env_stdin(self):
        res = self.send()
        self.assertExit(res, 0)
        self.assertEqual(res.line, "ok provider=command status=0")
        r = self.record()
        self.assertEqual(r["argv"], [FAKE, self.out, "--to=" + TO, TO])
        self.assertEqual(r["env"], {"PATH": "/usr/bin:/bin"})
        self.assertEqual(r["stdin"], CODE + "\n" + MESSAGE + "\n")
        self.assertEqual((r["stdout"], r["stderr"]), ("/dev/null", "/dev/null"))
        self.assertLessEqual(set(r["fds"]), {0, 1, 2, 3})  # 3: the listing itself
        self.assertTrue(r["pgid_is_own"])
        self.assertNotIn(CODE, " ".join(r["argv"]))

    def test_failure_status(self):
        with open(os.path.join(self.out, "exit"), "w") as f:
            f.write("7")
        res = self.send()
        self.assertExit(res, 3, "unavailable")
        self.assertEqual(res.fields["status"], "7")

    def test_hang_killed_with_children(self):
        with open(os.path.join(self.out, "sleep"), "w") as f:
            f.write("30")
        res = self.send(timeout=2)
        self.assertExit(res, 4, "timeout")
        print(f"command: hang with timeout=2 ended after {res.elapsed:.3f} s", file=sys.stderr)
        self.assertGreaterEqual(res.elapsed, 1.9)
        self.assertLess(res.elapsed, 3.0)
        with open(os.path.join(self.out, "grandchild")) as f:
            pid = int(f.read())
        for _ in range(100):
            if not alive(pid):
                break
            time.sleep(0.02)
        self.assertFalse(alive(pid), "the command's child survived the timeout")
        self.assertFalse(os.path.exists(os.path.join(self.out, "woke")))

    def test_deadline_from_module_obeyed(self):
        # The module kills the sender at deadline_ms: the command is stopped, with its
        # children, 500 ms before, even when timeout= would allow more.
        with open(os.path.join(self.out, "sleep"), "w") as f:
            f.write("30")
        deadline = int(time.monotonic() * 1000) + 2400
        res = self.send(timeout=10, fields=dict(FIELDS, deadline_ms=str(deadline)))
        self.assertExit(res, 4, "timeout")
        left = deadline - time.monotonic() * 1000
        print(f"command: deadline 2.4 s ahead, ended {left:.0f} ms before it", file=sys.stderr)
        self.assertGreaterEqual(left, 0)
        self.assertGreaterEqual(res.elapsed, 0.9)  # but it had its whole seconds
        with open(os.path.join(self.out, "grandchild")) as f:
            self.assertFalse(alive(int(f.read())))

    def test_deadline_already_too_close(self):
        deadline = int(time.monotonic() * 1000) + 300
        res = self.send(fields=dict(FIELDS, deadline_ms=str(deadline)))
        self.assertExit(res, 4, "timeout")
        self.assertIn("no time left", res.line)
        self.assertFalse(os.path.exists(os.path.join(self.out, "record.json")))  # never ran

    def test_relative_path_refused(self):
        self.assertExit(self.send(command="fake_sms_command.py {to}"), 5, "config")

    def test_missing_program(self):
        res = self.send(command="/nonexistent/send-sms {to}")
        self.assertExit(res, 5, "config")
        self.assertIn("No such file", res.line)

    def test_call_not_supported(self):
        self.assertExit(self.send(action="call", fields={"to": TO, "code": CODE}), 5, "config")


if __name__ == "__main__":
    unittest.main(verbosity=2)
