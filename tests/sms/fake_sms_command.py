#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Stand-in for provider=command: records what it got into OUTDIR (argv[1]) and obeys
OUTDIR/exit (its exit status), OUTDIR/sleep (seconds to hang, with a grandchild) and
OUTDIR/linger (seconds a detached grandchild waits before writing OUTDIR/late, while the
command itself exits at once)."""
import json
import os
import subprocess
import sys
import time

out = sys.argv[1]


def ctl(name):
    path = os.path.join(out, name)
    return open(path).read().strip() if os.path.exists(path) else None


with open("/proc/self/environ", "rb") as f:  # as execve gave it, before Python's own changes
    env = dict(e.decode().split("=", 1) for e in f.read().split(b"\0") if e)
record = {
    "argv": sys.argv, "env": env, "stdin": sys.stdin.buffer.read().decode(),
    "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
    "stdout": os.readlink("/proc/self/fd/1"), "stderr": os.readlink("/proc/self/fd/2"),
    "pgid_is_own": os.getpgid(0) == os.getpid(),
}
with open(os.path.join(out, "record.json"), "w") as f:
    json.dump(record, f)
if ctl("linger"):
    late = subprocess.Popen(["sh", "-c", f"sleep {ctl('linger')}; touch {out}/late"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    with open(os.path.join(out, "lingerer"), "w") as f:
        f.write(str(late.pid))
if ctl("sleep"):
    child = subprocess.Popen(["sleep", ctl("sleep")])
    with open(os.path.join(out, "grandchild"), "w") as f:
        f.write(str(child.pid))
    time.sleep(float(ctl("sleep")))
    open(os.path.join(out, "woke"), "w").close()
sys.exit(int(ctl("exit") or 0))
