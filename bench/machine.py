# SPDX-License-Identifier: BSD-2-Clause
"""What the benchmark ran on: CPU, kernel, the temp dir's file system, load, versions."""
import os
import platform
import subprocess
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

LOAD0 = os.getloadavg()


def machine(t):
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    fs = subprocess.run(["findmnt", "-n", "-o", "FSTYPE,SOURCE,OPTIONS", "-T", t],
                        capture_output=True, text=True).stdout.strip()
    load = f"load average {LOAD0[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    return (f"{os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, temp dir on "
            f"{fs.split(',')[0] if fs else '?'}; {load}; {time.strftime('%Y-%m-%d')}")


def versions():
    out = []
    for pkg in ("libpam-google-authenticator", "libpam-oath", "libpam0g"):
        v = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg], capture_output=True,
                           text=True).stdout
        out.append(f"{pkg} {v}")
    rev = subprocess.run(["git", "-C", SRC, "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True).stdout.strip()
    return f"pam_otp {rev}, " + ", ".join(out)
