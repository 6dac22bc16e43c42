# SPDX-License-Identifier: BSD-2-Clause
"""The benchmark's private /dev (in bench/run.sh's mount namespace) with a /dev/log sink of
its own, so that every module's logging costs the same and never reaches the console."""
import os
import signal
import socket
import subprocess
import sys


def sh(*args):
    subprocess.run(args, check=True)


def private_dev(t):
    outer = os.environ.get("BENCH_OUTER_NS")
    if not outer or os.readlink("/proc/self/ns/mnt") == outer:
        sys.exit("bench: not in a private mount namespace: run bench/run.sh")
    new = os.path.join(t, "dev")
    os.mkdir(new)
    sh("mount", "-t", "tmpfs", "-o", "mode=755,nosuid", "tmpfs", new)
    for name in ("null", "zero", "full", "random", "urandom", "tty", "ptmx"):
        open(f"{new}/{name}", "w").close()
        sh("mount", "--bind", f"/dev/{name}", f"{new}/{name}")
    for name in ("pts", "shm"):
        os.mkdir(f"{new}/{name}")
        sh("mount", "--rbind", f"/dev/{name}", f"{new}/{name}")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{new}/{name}")
    sh("mount", "--move", new, "/dev")


def start_syslog(t):
    """A child that reads /dev/log and appends each datagram to t/syslog (no console)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("/dev/log")
    os.chmod("/dev/log", 0o666)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
        with open(os.path.join(t, "syslog"), "ab", buffering=0) as f:
            while True:
                f.write(sock.recv(65536).rstrip(b"\n") + b"\n")
    sock.close()
    return pid


def syslog_counts(t):
    with open(os.path.join(t, "syslog"), "rb") as f:
        text = f.read().decode(errors="replace")
    lines = text.splitlines()
    return {m: sum(1 for line in lines if pat in line) for m, pat in
            (("otp", "pam_otp("), ("ga", "(pam_google_authenticator)"),
             ("oath", "pam_oath"))}, len(lines)
