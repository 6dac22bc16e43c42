#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""End to end: Debian's OpenSSH sshd on a loopback port, with the shipped
conf/sshd_config.d/pam_otp.conf and conf/pam.d/sshd, and python3-paramiko as the client.

Scenarios: "AuthenticationMethods keyboard-interactive" (the code alone) and the shipped
"publickey,keyboard-interactive": right TOTP code, wrong code, replay, a backup code once
(then refused); then the SMS fallback through the mock provider (sms_e2e.py).
"""
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
import e2e_tools as tools  # noqa: E402
from e2e import USER, require, log  # noqa: E402

PROMPT = "Verification code: "
SSHD = "/usr/sbin/sshd"


class Sshd:
    """sshd -D -e on 127.0.0.1 and a free port; the PAM service "sshd" stacks pam_otp.so
    with module_args; overrides go before the Include of the shipped drop-in (sshd keeps
    the first value it reads for each keyword). Another service name (a second "host" next
    to the first one) runs sshd through a symlink of that name: OpenSSH 9.2 takes its PAM
    service name from its program name."""

    def __init__(self, env, module_args=(), overrides=(), service="sshd"):
        self.env, self.module_args, self.overrides = env, list(module_args), list(overrides)
        self.service = service

    def __enter__(self):
        env = self.env
        env.pam_service(self.service,
                        tools.stack_from_host("sshd", "pam.d/sshd", self.module_args))
        argv0 = SSHD
        if self.service != "sshd":
            argv0 = env.path("bin", self.service)  # absolute: sshd re-executes itself
            if not os.path.lexists(argv0):
                os.makedirs(os.path.dirname(argv0), exist_ok=True)
                os.symlink(SSHD, argv0)
        for attempt in range(5):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                self.port = s.getsockname()[1]
            cfg = "\n".join([
                "# test overrides (first value wins)", *self.overrides,
                f"Include {e2e.SRC}/conf/sshd_config.d/pam_otp.conf",
                f"Port {self.port}", "ListenAddress 127.0.0.1",
                f"HostKey {env.path('hostkey')}", f"PidFile {env.path(f'sshd-{self.port}.pid')}",
                f"AuthorizedKeysFile {env.path('ak')}/%u", "StrictModes no",
                "PasswordAuthentication no", "PubkeyAuthentication yes",
                "PermitRootLogin no", "UseDNS no", "LogLevel VERBOSE", "MaxAuthTries 10",
                "MaxStartups 50", ""])
            self.cfg = env.write(f"sshd_config-{self.port}", cfg)
            self.log = env.path(f"sshd-{self.port}.log")
            t = e2e.run([SSHD, "-T", "-f", self.cfg])
            require(t.returncode == 0, f"sshd -T: {t.stderr}")
            self.effective = {k: v for k, _, v in
                              (l.partition(" ") for l in t.stdout.splitlines())}
            self.proc = env.spawn([argv0, "-D", "-e", "-f", self.cfg],
                                  stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
            end = time.time() + 15
            while time.time() < end and self.proc.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    log(f"sshd listening on 127.0.0.1:{self.port} (pid {self.proc.pid})")
                    return self
                except OSError:
                    time.sleep(0.1)
            self.stop()
            if "Address already in use" not in open(self.log).read():
                break
        env.dump_logs(self.log)
        raise AssertionError("sshd did not start")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __exit__(self, *exc):
        if exc[0] is not None:
            self.env.dump_logs(self.log)
        self.stop()


def login(server, answer, key=None, command="id -un", user=USER):
    """Log in as user with paramiko: optionally the public key first, then
    keyboard-interactive where answer(prompt_text, echo) gives the answer to each prompt.
    Returns a dict: ok, output, prompts (text, echo), after_key (methods left after the key)."""
    import paramiko
    res = {"ok": False, "output": None, "prompts": [], "after_key": None, "error": None}

    def handler(title, instructions, prompts):
        out = []
        for text, echo in prompts:  # an empty list (a final info request) gets no answers
            res["prompts"].append((text, echo))
            try:
                out.append(answer(text, echo))
            except Exception as e:  # paramiko's thread would hide it: report it below
                res["handler_error"] = repr(e)
                out.append("")
        return out

    sock = socket.create_connection(("127.0.0.1", server.port), timeout=15)
    t = paramiko.Transport(sock)
    try:
        t.start_client(timeout=15)
        hk = t.get_remote_server_key()
        require(f"{hk.get_name()} {hk.get_base64()}" == server.env.hostkey_pub,
              "the server's host key is not the one we generated")
        if key is not None:
            res["after_key"] = t.auth_publickey(user, key)
            require(not t.is_authenticated(), "the public key alone logged in")
        try:
            t.auth_interactive(user, handler)
        except paramiko.AuthenticationException as e:
            res["error"] = f"{type(e).__name__}: {e}"
        if t.is_authenticated():
            chan = t.open_session(timeout=15)
            chan.settimeout(30)
            chan.exec_command(command)
            out = b""
            while True:
                data = chan.recv(4096)
                if not data:
                    break
                out += data
            status = chan.recv_exit_status()
            res.update(ok=True, output=out.decode().strip(), status=status)
    finally:
        t.close()
        sock.close()
    require("handler_error" not in res, f"answering the prompts: {res.get('handler_error')}")
    return res


def answers(*seq):
    """An answer callback giving seq in order, checking each prompt is the module's."""
    it = iter(seq)

    def answer(text, echo):
        require(text == PROMPT and not echo, f"unexpected prompt {text!r} (echo={echo})")
        return next(it)
    return answer


def expect(env, what, res, ok, log_pattern=None, mark=None, user=USER):
    log(f"{what}: ok={res['ok']} output={res['output']!r} prompts={res['prompts']}"
        f"{' after_key=' + str(res['after_key']) if res['after_key'] is not None else ''}"
        f"{' (' + res['error'] + ')' if res['error'] else ''}")
    if ok:
        require(res["ok"], f"{what}: login refused")
        require(res["output"] == user and res["status"] == 0,
              f"{what}: the command printed {res['output']!r}, not {user!r}")
    else:
        require(not res["ok"], f"{what}: login ACCEPTED but must be refused")
    if log_pattern:
        line = env.wait_log(mark, log_pattern)
        require(line, f"{what}: no syslog line matching {log_pattern!r}; got "
                    f"{env.log_since(mark)}")
        log(f"  syslog: {line}")


def otp_cases(env, server, key):
    """Right code, wrong code, replay, backup code once: against a fresh ~/.otp."""
    secret = tools.new_secret()
    backups = env.write_otp(USER, secret, nbackup=2)
    require(len(backups) == 2, f"mkotp gave {backups}")
    code = tools.fresh_code(secret)
    m = env.log_mark()
    res = login(server, answers(code), key)
    expect(env, "right TOTP code", res, True, r"accepted TOTP code", m)
    if key is not None:
        require(res["after_key"] == ["keyboard-interactive"],
              f"after the key sshd offers {res['after_key']}, not keyboard-interactive")
    m = env.log_mark()
    expect(env, "wrong code", login(server, answers(tools.wrong_code(secret)), key), False,
           r"wrong code", m)
    m = env.log_mark()
    expect(env, "replayed code", login(server, answers(code), key), False,
           r"already used", m)
    m = env.log_mark()
    expect(env, "backup code", login(server, answers(backups[0]), key), True,
           r"accepted backup code", m)
    m = env.log_mark()
    expect(env, "same backup code again", login(server, answers(backups[0]), key), False,
           r"wrong code", m)
    expect(env, "second backup code", login(server, answers(backups[1].upper()), key), True)


def sms_case(env, key):
    """The SMS fallback: pam_otp_sms (PAM_OTP_SMS) and tests/sms's mock provider."""
    import sms_e2e
    sms_e2e.run(env, Sshd, login, expect, key)


def main(env):
    import paramiko
    log(f"sshd: {e2e.run([SSHD, '-V']).stderr.strip()}; paramiko {paramiko.__version__}")
    env.add_users([(USER, e2e.UID, None)])
    for name in ("hostkey", "client_key"):
        r = e2e.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "e2e",
                     "-f", env.path(name)])
        require(r.returncode == 0, f"ssh-keygen: {r.stderr}")
    env.hostkey_pub = " ".join(open(env.path("hostkey.pub")).read().split()[:2])
    env.write(f"ak/{USER}", open(env.path("client_key.pub")).read())
    key = paramiko.Ed25519Key.from_private_key_file(env.path("client_key"))

    log("== AuthenticationMethods keyboard-interactive (code alone) ==")
    with Sshd(env, overrides=["AuthenticationMethods keyboard-interactive"]) as server:
        eff = server.effective
        require(eff.get("usepam") == "yes" and eff.get("kbdinteractiveauthentication") == "yes",
              f"the shipped drop-in did not turn on UsePAM/KbdInteractive: {eff}")
        require(eff.get("authenticationmethods") == "keyboard-interactive", eff)
        otp_cases(env, server, None)

    log("== AuthenticationMethods publickey,keyboard-interactive (shipped drop-in) ==")
    with Sshd(env) as server:
        require(server.effective.get("authenticationmethods") ==
              "publickey,keyboard-interactive",
              f"shipped drop-in not in effect: {server.effective.get('authenticationmethods')}")
        secret = tools.new_secret()
        env.write_otp(USER, secret)
        res = login(server, answers(tools.fresh_code(secret)), None)
        expect(env, "right code without the key", res, False)
        require(not res["prompts"], "the code was asked for before the key")
        otp_cases(env, server, key)
        # pam_otp is what asks: the key alone plus an empty answer does not log in.
        expect(env, "key and empty answer", login(server, answers(""), key), False)

    log("== SMS fallback through the mock provider (publickey,keyboard-interactive) ==")
    sms_case(env, key)


if __name__ == "__main__":
    e2e.main(["openssh-server", "openssh-client", "python3-paramiko", "oathtool"], main)
