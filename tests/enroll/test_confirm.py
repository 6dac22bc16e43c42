#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Confirmation before activation: a wrong code leaves no file, the right one activates
(and cannot be replayed); --rotate is confirmed the same way and keeps the rest."""
import os
import time

import enrolltest as t

t.need_tools('pamtester', 'setpriv')


def run_confirmed(e, args, answer):
    """Start otp-enroll, wait for the URI, then type answer(uri) (None: close stdin)."""
    pr = e.popen(*args)
    seen, uri = [], None
    for line in pr.stdout:
        seen.append(line)
        if line.startswith('otpauth://'):
            uri = line.strip()
            break
    text = answer(uri) if uri else ''
    out, err = pr.communicate(text, timeout=120)
    return pr.returncode, ''.join(seen) + out, err, uri


typed = []


def right(uri):
    p = t.parse_uri(uri)
    t.wait_step_margin(p)
    typed.append(t.current_code(p))
    return typed[-1] + '\n'


def wrong(uri):
    p = t.parse_uri(uri)
    return t.wrong_code(p, t.current_code(p)) + '\n'


base = ['--qr=none']
e = t.Env('confirm')
try:
    rc, out, err, uri = run_confirmed(e, base, wrong)
    t.check(rc == 1 and 'not the right code' in err, 'wrong code: exit 1 and says so')
    t.check(not os.path.exists(e.otp), 'wrong code: no file written')
    t.check(not [n for n in os.listdir(e.home) if n.startswith('.otp')],
            'wrong code: no temp file left behind')
    rc, out, err, uri = run_confirmed(e, base, lambda u: wrong(u) * 3)
    t.check(rc == 1 and 'could not be confirmed' in err and not os.path.exists(e.otp),
            'three wrong codes: exit 1, no file, a hint')
    rc, out, err, uri = run_confirmed(e, base, lambda u: '')
    t.check(rc == 1 and not os.path.exists(e.otp), 'no answer (end of input): exit 1, no file')
    t.check(not t.backup_codes(out), 'no backup codes are shown before confirmation')

    rc, out, err, uri = run_confirmed(e, base + ['--phone=+15551234567'], lambda u: wrong(u) + right(u))
    t.check(rc == 0 and 'Code confirmed' in out, 'right code (after one typo): exit 0')
    t.check(os.path.exists(e.otp), 'right code: the file is written')
    p = t.parse_uri(uri)
    f = e.otp_fields()
    t.check(f.get('secret') == [p['secret']] and f.get('phone') == ['+15551234567'],
            'the file holds the confirmed secret and the phone')
    t.check('failures' not in f, 'the typo is not counted against the user')
    t.check(f.get('last_step') is not None, 'the confirmation code is recorded as used')
    t.check(not e.login(typed[-1]), 'the confirmation code cannot log in again')
    later = t.pyotp_code(uri, p, at=time.time() + p['period'])
    t.check(e.login(later), 'the next code logs in through pam_otp')

    # --rotate: a new secret, confirmed like a first enrollment; phone and codes stay.
    before = e.read_otp()
    codes_before = len(e.otp_fields().get('backup', []))
    rc, out, err, ruri = run_confirmed(e, base + ['--rotate'], wrong)
    t.check(rc == 1 and e.read_otp() == before, 'rotate, wrong code: file unchanged')
    rc, out, err, ruri = run_confirmed(e, base + ['--rotate', '--algorithm=SHA256'], right)
    t.check(rc == 0, 'rotate, right code: exit 0 (%s)' % err.strip())
    rp = t.parse_uri(ruri)
    f = e.otp_fields()
    t.check(f.get('secret') == [rp['secret']] and rp['secret'] != p['secret'] and
            f.get('algorithm') == ['SHA256'], 'rotate: the new secret and algorithm are in the file')
    t.check(f.get('phone') == ['+15551234567'] and len(f.get('backup', [])) == codes_before,
            'rotate: phone and backup codes kept')
    t.check(not e.login(t.current_code(p)), 'rotate: a code of the old secret fails')
    t.check(e.login(t.pyotp_code(ruri, rp, at=time.time() + rp['period'])),
            'rotate: a code of the new secret logs in')
finally:
    e.cleanup()

# HOTP: confirming uses the first code, so the counter moves past it.
e = t.Env('confirm-hotp')
try:
    rc, out, err, uri = run_confirmed(e, ['--qr=none', '--type=hotp'], right)
    p = t.parse_uri(uri)
    t.check(rc == 0 and e.otp_fields().get('counter') == ['1'],
            'HOTP: confirmed with the first code, counter now 1')
    t.check(not e.login(typed[-1]), 'HOTP: the confirmation code is used up')
    p['counter'] = 1
    t.check(e.login(t.current_code(p)), 'HOTP: the next code logs in')
finally:
    e.cleanup()

t.finish()
