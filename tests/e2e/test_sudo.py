#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""End to end: Debian's sudo with the shipped conf/pam.d/sudo (password from common-auth,
then the code from a root-owned /var/lib/pam_otp/%u), run by an unprivileged test user with
`sudo -S` answering the prompts from stdin. Then the shipped file's ~/.otp variant.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
import e2e_tools as tools  # noqa: E402
from e2e import PASSWORD, UID, USER, require, log  # noqa: E402

SUDO = "/usr/bin/sudo"
SUDOERS = ("Defaults !lecture, timestamp_timeout=0, passwd_tries=1\n"
           "Defaults env_reset\n"
           "root ALL=(ALL:ALL) ALL\n"
           f"{USER} ALL=(root) /usr/bin/id\n")


def sudo(env, *answers):
    """Run `sudo -S -u root id -un` as the test user; answers are typed one per line."""
    r = e2e.run(["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups",
                 "--reset-env", SUDO, "-S", "-u", "root", "/usr/bin/id", "-un"],
                input="".join(a + "\n" for a in answers), timeout=60)
    return r.returncode, r.stdout.strip(), r.stderr


def expect(env, what, result, ok, asked_code=True, log_pattern=None, mark=None):
    rc, out, err = result
    log(f"{what}: exit {rc}, stdout {out!r}, stderr {err.strip()!r}")
    if ok:
        require(rc == 0 and out == "root", f"{what}: sudo did not run id as root")
    else:
        require(rc != 0 and out != "root", f"{what}: sudo ran the command but must refuse")
    # sudo -S writes the PAM prompts to stderr: pam_otp's must appear only if it was asked.
    require(("Verification code: " in err) == asked_code,
          f"{what}: the code prompt {'was' if not asked_code else 'was not'} shown")
    if log_pattern:
        line = env.wait_log(mark, log_pattern)
        require(line, f"{what}: no syslog line matching {log_pattern!r}: {env.log_since(mark)}")
        log(f"  syslog: {line}")


def shipped_stack(home_variant=False):
    """conf/pam.d/sudo as shipped, pointing at the module under test; with home_variant,
    its commented-out ~/.otp line is used in place of the file=/var/lib/pam_otp/%u one."""
    lines = open(os.path.join(e2e.SRC, "conf", "pam.d", "sudo")).read().splitlines()
    out, admin, home = [], 0, 0
    for l in lines:
        s = l.strip()
        if s.startswith("auth") and "pam_otp.so" in s and "file=/var/lib/pam_otp/%u" in s:
            admin += 1
            l = "#" + l if home_variant else tools.with_module(l)
        elif s.startswith("#auth") and "pam_otp.so" in s and "file=" not in s:
            home += 1
            l = tools.with_module(s[1:]) if home_variant else l
        out.append(l)
    require(admin == 1 and home == 1,
          "conf/pam.d/sudo no longer has one file=/var/lib/pam_otp/%u line and one "
          "commented ~/.otp line: update this test")
    return "\n".join(out) + "\n"


def main(env):
    log(f"sudo: {e2e.run([SUDO, '-V']).stdout.splitlines()[0]}")
    env.add_users([(USER, UID, PASSWORD)])
    sudoers = env.bind_file("/etc/sudoers", SUDOERS, 0o440)
    r = e2e.run(["visudo", "-c", "-f", sudoers])
    require(r.returncode == 0, f"visudo -c: {r.stdout}{r.stderr}")
    # /var/lib/pam_otp as the shipped file says to prepare it, on a private /var/lib.
    e2e.mount("-t", "tmpfs", "-o", "mode=755,nosuid,nodev", "tmpfs", "/var/lib")
    os.mkdir("/var/lib/pam_otp", 0o700)

    log("== shipped conf/pam.d/sudo: password, then a code from /var/lib/pam_otp/%u ==")
    env.pam_service("sudo", shipped_stack())
    secret = tools.new_secret()
    env.write_otp(USER, secret, path=f"/var/lib/pam_otp/{USER}", owner=0)
    code = tools.fresh_code(secret)
    m = env.log_mark()
    expect(env, "right password, right code", sudo(env, PASSWORD, code), True,
           log_pattern=r"pam_otp\(sudo:auth\): accepted TOTP code", mark=m)
    m = env.log_mark()
    expect(env, "right password, replayed code", sudo(env, PASSWORD, code), False,
           log_pattern=r"already used", mark=m)
    m = env.log_mark()
    expect(env, "right password, wrong code", sudo(env, PASSWORD, tools.wrong_code(secret)),
           False, log_pattern=r"wrong code", mark=m)
    m = env.log_mark()
    expect(env, "wrong password, right code", sudo(env, "not-" + PASSWORD, code), False,
           asked_code=False)
    require(not [l for l in env.log_since(m) if "pam_otp" in l],
          "pam_otp ran although the password was wrong")
    # The user cannot get at or change the root-owned file.
    r = e2e.run(["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups",
                 "cat", f"/var/lib/pam_otp/{USER}"])
    require(r.returncode != 0, "the test user can read /var/lib/pam_otp/USER")

    log("== shipped conf/pam.d/sudo, ~/.otp variant ==")
    env.pam_service("sudo", shipped_stack(home_variant=True))
    secret = tools.new_secret()
    env.write_otp(USER, secret)
    code = tools.fresh_code(secret)
    m = env.log_mark()
    expect(env, "~/.otp: right code", sudo(env, PASSWORD, code), True,
           log_pattern=r"accepted TOTP code", mark=m)
    m = env.log_mark()
    expect(env, "~/.otp: wrong code", sudo(env, PASSWORD, tools.wrong_code(secret)), False,
           log_pattern=r"wrong code", mark=m)


if __name__ == "__main__":
    e2e.main(["sudo", "oathtool", "openssl"], main)
