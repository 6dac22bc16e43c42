#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Several authenticators per user through the real otp-enroll and pam_otp.so: --device adds
one (a code of each logs in), --list shows them without secrets, a hardware token's secret
comes in on stdin (--secret-stdin) and is confirmed with an oathtool code, at most 5,
--rotate and --remove act on one device alone, and root's --unlock lifts a lockout."""
import re
import subprocess

import enrolltest as t
import terminal  # tests/pylib

t.need_tools('pamtester', 'setpriv', 'oathtool')
TOKEN = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'  # a hardware token's secret, programmed elsewhere


CARD = 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U'  # a second token, typed at a terminal


def on_terminal(e, args, steps, timeout=30):
    """otp-enroll on a pseudo-terminal; steps: (text to wait for, line to type)."""
    rc, out, _ = terminal.pty_run(e.cmd(args), [(re.escape(w), line) for w, line in steps],
                                  timeout, env=e.nss_env())
    return out, rc


def hotp(secret, counter):
    return subprocess.run(['oathtool', '--hotp', '-b', '-c', str(counter), secret],
                          capture_output=True, text=True, check=True).stdout.strip()


e = t.Env('devices')
try:
    r = e.enroll('--no-confirm', '--qr=none')
    first = t.parse_uri(t.uri_of(r.stdout))
    t.check(r.returncode == 0, 'the first device (default) is enrolled')
    r = e.enroll('--device=phone2', '--type=hotp', '--no-confirm', '--qr=none')
    second = t.parse_uri(t.uri_of(r.stdout))
    t.check(r.returncode == 0 and second['secret'] != first['secret'],
            '--device=phone2 adds a second device with a secret of its own')
    t.check(e.otp_fields().get('secret') == [first['secret']], 'the first one is unchanged')
    t.check(e.login(hotp(second['secret'], 0)), 'a code of the second device logs in')
    t.check(not e.login(hotp(second['secret'], 0)), '... once (its replay guard)')
    t.check(e.login(t.current_code(first)), 'a code of the first device logs in too')

    # A hardware token: its secret on stdin, then the confirmation code from the token.
    r = e.enroll('--device=yubikey', '--type=hotp', '--secret-stdin', '--qr=none',
                 stdin=TOKEN.lower() + '\n' + hotp(TOKEN, 0) + '\n')
    t.check(r.returncode == 0 and 'Code confirmed' in r.stdout,
            '--secret-stdin: the token is added, confirmed with its own code: ' + r.stderr)
    t.check(TOKEN not in ' '.join(e.cmd([])), 'the secret was never an argument')
    t.check(TOKEN not in (r.stdout + r.stderr).upper().replace(' ', '') and
            'otpauth://' not in r.stdout, 'nor shown back (no URI, no QR code)')
    t.check(e.login(hotp(TOKEN, 1)), "the token's next code logs in (the confirmation used 0)")

    # At a terminal the secret is asked for with echo off, and never appears on it.
    out, rc = on_terminal(e, ['--device=card', '--type=hotp', '--secret-stdin', '--qr=none'],
                          [('secret (base32', CARD), ('confirm', hotp(CARD, 0))])
    t.check(rc == 0 and 'Code confirmed' in out, '--secret-stdin at a terminal: added')
    t.check(CARD not in out.upper().replace(' ', ''), '... and the secret never showed on it')
    t.check(e.enroll('--remove', '--device=card').returncode == 0, '(card removed again)')

    ls = e.enroll('--list')
    t.log(ls.stdout)
    t.check(ls.returncode == 0 and all(n in ls.stdout for n in ('default', 'phone2', 'yubikey'))
            and 'hotp' in ls.stdout, '--list shows the three devices and their types')
    t.check(not any(s in ls.stdout for s in (first['secret'], second['secret'], TOKEN)),
            '--list shows no secret')
    t.check(len([l for l in ls.stdout.splitlines() if 'UTC' in l]) >= 3,
            '--list says when each device was added (and last used)')

    t.check('Devices:       3' in e.enroll('--status').stdout, '--status counts the devices')
    for name in ('d4', 'd5'):
        t.check(e.enroll('--device=' + name, '--no-confirm', '--qr=none').returncode == 0,
                'device %s added' % name)
    r = e.enroll('--device=d6', '--no-confirm', '--qr=none')
    t.check(r.returncode == 1 and 'the most' in r.stderr, 'a sixth device is refused')
    r = e.enroll('--device=phone2', '--no-confirm', '--qr=none')
    t.check(r.returncode == 1 and 'already has a device called phone2' in r.stderr,
            'a device name is used once')

    r = e.enroll('--rotate', '--device=phone2', '--no-confirm', '--qr=none')
    rotated = t.parse_uri(t.uri_of(r.stdout))
    t.check(r.returncode == 0 and rotated['secret'] != second['secret'],
            '--rotate --device=phone2: a new secret for that device')
    t.check(not e.login(hotp(second['secret'], 1)), "the old secret's codes no longer work")
    t.check(e.login(hotp(rotated['secret'], 0)), "the new secret's do")
    t.check(e.login(hotp(TOKEN, 2)), 'the other devices are untouched')

    r = e.enroll('--remove', '--device=yubikey')
    t.check(r.returncode == 0, '--remove --device=yubikey')
    t.check(not e.login(hotp(TOKEN, 3)), "a removed device's code fails")
    t.check(e.login(hotp(rotated['secret'], 1)), 'the remaining devices work')
    t.check('yubikey' not in e.enroll('--list').stdout, '--list no longer shows it')

    # Root's --unlock: three wrong codes lock the user out; root lifts it.
    for _ in range(3):
        e.login('000000')
    t.check(not e.login(hotp(rotated['secret'], 2)), 'locked out after three failures')
    r = e.enroll('--unlock')
    t.check(r.returncode == 2, '--unlock is for root with --user (exit 2 for the user)')
    if e.is_root:
        r = e.enroll('--user=' + t.USER, '--unlock', as_user=False)
        t.check(r.returncode == 0 and 'Unlocked' in r.stdout, '--unlock as root: ' + r.stdout)
        t.check(e.login(hotp(rotated['secret'], 3)), 'the user can log in again')
        t.check(e.otp_fields().get('failures') is None, 'the failures are forgotten')
finally:
    e.cleanup()
t.finish()
