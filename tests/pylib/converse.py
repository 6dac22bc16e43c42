# SPDX-License-Identifier: BSD-2-Clause
"""One PAM login through tests/common/pam_converse (libpam only), its prompts answered as
they come: the transcript is a Login. Used by the SMS and the directory (LDAP) tests."""
import os
import shlex
import subprocess
import threading
import time

# tests/sanitize.sh runs pam_converse (and so the module) under memcheck with this prefix.
WRAPPER = shlex.split(os.environ.get("PAM_CONVERSE_WRAPPER", ""))


class Login:
    """The transcript of one pam_converse run: (tag, text, monotonic time) per line."""

    def __init__(self):
        self.lines, self.answered, self.result, self.stderr = [], [], None, ""

    def texts(self, tag):
        return [text for t, text, _ in self.lines if t == tag]

    @property
    def prompts(self):
        return self.texts("PROMPT")

    @property
    def errors(self):
        return self.texts("ERROR")

    def seconds_after_answer(self, i):
        """From writing answer i to the RESULT line."""
        return self.lines[-1][2] - self.answered[i]

    def timeline(self):
        """Each line's tag and its time after the first answer, for failure messages."""
        t0 = self.answered[0] if self.answered else 0
        return " ".join(f"{t}@{x - t0:.2f}" for t, _, x in self.lines)

    def __repr__(self):
        return "<Login " + " | ".join(f"{t} {x}" for t, x, _ in self.lines) + ">"



def converse(argv, env, answers, timeout=30):
    """Run pam_converse (argv: the program, its confdir, service and user) with env. answers:
    one per prompt, each a string or a function of the Login so far (called when its prompt
    arrives); more prompts than answers fail the conversation. Killed after timeout s."""
    proc = subprocess.Popen(WRAPPER + list(argv), env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    killer = threading.Timer(timeout, proc.kill)
    killer.start()
    login, answers = Login(), list(answers)
    try:
        for raw in proc.stdout:
            tag, _, text = raw.decode().rstrip("\n").partition(" ")
            login.lines.append((tag, text, time.monotonic()))
            if tag == "RESULT":
                login.result = text
            elif tag.startswith("PROMPT") and answers:
                a = answers.pop(0)
                proc.stdin.write(((a(login) if callable(a) else a) + "\n").encode())
                proc.stdin.flush()
                login.answered.append(time.monotonic())
            elif tag.startswith("PROMPT"):
                proc.stdin.close()  # more prompts than answers: the conversation fails
        login.stderr = proc.stderr.read().decode()
    except BaseException:
        proc.kill()  # an answer function failed: do not wait for the timeout
        raise
    finally:
        killer.cancel()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            pipe.close()
    return login
