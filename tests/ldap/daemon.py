# SPDX-License-Identifier: BSD-2-Clause
"""A server the LDAP tests start (slapd, krb5kdc): run in the foreground as a Popen child
that dies with the test (PR_SET_PDEATHSIG), is killed at exit, and is stopped or killed on
request. Subclasses set self.log and define _wait_ready()."""
import atexit
import ctypes
import os
import signal
import socket
import subprocess

_live = set()  # running daemons, killed at exit


def _kill_all():
    for d in list(_live):
        d.kill()


atexit.register(_kill_all)


def die_with_parent():
    """Child side of Popen: SIGKILL when the python that started us dies (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sk:
        sk.bind(("127.0.0.1", 0))
        return sk.getsockname()[1]


def write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    return path


class Daemon:
    proc = None
    log = None

    def spawn(self, argv, env=None):
        """Start argv with its output in self.log, and wait until it is ready."""
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, env=env,
                                         preexec_fn=die_with_parent, close_fds=True)
        _live.add(self)
        try:
            self._wait_ready()
        except BaseException:
            self.kill()
            raise

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10):
        """SIGTERM, then wait for the process to go (SIGKILL after timeout)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        _live.discard(self)

    def kill(self):
        """SIGKILL (a server dying in the middle of a login)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        _live.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill() if exc[0] else self.stop()
        return False
