# SPDX-License-Identifier: BSD-2-Clause
"""A program on a pseudo-terminal of its own, its prompts answered as they come (su, login,
otp-enroll asking with echo off). Used by tests/e2e and tests/enroll."""
import os
import re
import select
import subprocess
import time


def pty_run(argv, steps, timeout=30, stop=None, spawn=subprocess.Popen, env=None):
    """Run argv on a new pseudo-terminal as its controlling terminal. steps: list of
    (regex, answer): wait for regex in the output, then type answer and Enter. Output
    matching stop (after the last step done) ends the program. Returns (exit status, or None if
    it had to be killed, output, number of steps done). spawn starts it (a Popen), with env.
    """
    master, slave = os.openpty()
    p = spawn(["setsid", "-c", *argv], stdin=slave, stdout=slave, stderr=slave,
              close_fds=True, env=env)
    os.close(slave)
    out, pos, done = b"", 0, 0
    end = time.time() + timeout
    try:
        while time.time() < end:
            if done < len(steps):
                m = re.search(steps[done][0].encode(), out[pos:])
                if m:
                    pos += m.end()
                    os.write(master, steps[done][1].encode() + b"\n")
                    done += 1
                    continue
            if stop and re.search(stop.encode(), out[pos:]):
                break
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    data = b""
                if not data:
                    break
                out += data
            elif p.poll() is not None:
                break
    finally:
        os.close(master)
    try:
        rc = p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        rc = None
    return rc, out.decode(errors="replace"), done
