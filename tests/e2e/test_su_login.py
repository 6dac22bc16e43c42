#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""End to end: util-linux `su` (run by an unprivileged user) and shadow's `login` (the
console login program, run by root as getty would), each on a pseudo-terminal, with the
shipped conf/pam.d/login snippet in place of "@include common-auth" in Debian's own
/etc/pam.d/su and /etc/pam.d/login: password, then the code.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
import e2e_tools as tools  # noqa: E402
from e2e import CALLER, CALLER_UID, PASSWORD, UID, USER, require, log  # noqa: E402

PROMPT = r"Verification code: "


def su(env, password, code):
    argv = ["setpriv", f"--reuid={CALLER_UID}", f"--regid={CALLER_UID}", "--clear-groups",
            "--reset-env", "/bin/su", "-c", "id -un", USER]
    return tools.pty_run(env, argv, [(r"Password: ", password), (PROMPT, code)],
                         timeout=60)


def login(env, password, code):
    steps = [(r"Password: ", password), (PROMPT, code),
             (r"\$ $", "echo LOGGED-IN-AS=$(id -un); exit")]
    return tools.pty_run(env, ["/bin/login", USER], steps, timeout=60,
                       stop=r"Login incorrect")


def expect(env, what, result, ok, marker, log_pattern, mark, needs_steps=2):
    rc, out, steps = result
    log(f"{what}: exit {rc}, steps {steps}, output {out.strip()!r}")
    require(steps >= needs_steps, f"{what}: the password and code prompts did not both appear")
    if ok:
        require(marker in [l.strip() for l in out.splitlines()],
              f"{what}: no line {marker!r} in the output")
        require(rc == 0, f"{what}: exit status {rc}")
    else:
        require(marker not in [l.strip() for l in out.splitlines()],
              f"{what}: logged in but must be refused")
    line = env.wait_log(mark, log_pattern)
    require(line, f"{what}: no syslog line matching {log_pattern!r}: {env.log_since(mark)}")
    log(f"  syslog: {line}")


def cases(env, what, run, ok_marker):
    secret = tools.new_secret()
    env.write_otp(USER, secret)
    code = tools.fresh_code(secret)
    m = env.log_mark()
    r = run(env, PASSWORD, code)
    expect(env, f"{what}: right code", r, True, ok_marker, r"accepted TOTP code", m)
    m = env.log_mark()
    r = run(env, PASSWORD, tools.wrong_code(secret))
    expect(env, f"{what}: wrong code", r, False, ok_marker, r"wrong code", m)
    require(r[0] != 0, f"{what}: exit status 0 after a wrong code")
    m = env.log_mark()
    r = run(env, PASSWORD, code)
    expect(env, f"{what}: replayed code", r, False, ok_marker, r"already used", m)
    # A wrong password stops at common-auth: pam_otp is never asked.
    m = env.log_mark()
    rc, out, steps = run(env, "not-" + PASSWORD, code)
    log(f"{what}: wrong password: exit {rc}, steps {steps}, output {out.strip()!r}")
    require(steps == 1 and ok_marker not in [l.strip() for l in out.splitlines()],
          f"{what}: wrong password not refused first")
    require(not [l for l in env.log_since(m) if "pam_otp" in l],
          f"{what}: pam_otp ran although the password was wrong")


def main(env):
    log(f"su: {e2e.run(['/bin/su', '--version']).stdout.strip()}; "
        f"login: package login {e2e.pkg_version('login')}")
    env.add_users([(USER, UID, PASSWORD), (CALLER, CALLER_UID, None)])

    log("== su (util-linux) with the shipped login snippet ==")
    env.pam_service("su", tools.stack_from_host("su", "pam.d/login"))
    cases(env, "su", su, USER)

    log("== login (shadow) with the shipped conf/pam.d/login snippet ==")
    env.pam_service("login", tools.stack_from_host("login", "pam.d/login"))
    cases(env, "login", login, f"LOGGED-IN-AS={USER}")


if __name__ == "__main__":
    e2e.main(["util-linux", "login", "oathtool", "openssl"], main)
