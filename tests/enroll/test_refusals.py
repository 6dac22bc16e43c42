#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Refusals, each with a clear message and its documented exit code (1 runtime, 2 usage):
an existing enrollment without --force, --user when not root, bad E.164 numbers, bad
digits and other bad values, no home directory, an unwritable directory."""
import hashlib
import os

import enrolltest as t

t.need_tools('setpriv')

e = t.Env('refuse')
try:
    r = e.enroll('--no-confirm', '--qr=none')
    t.check(r.returncode == 0, 'first enrollment works')
    digest = hashlib.sha256(open(e.otp, 'rb').read()).hexdigest()
    r = e.enroll('--no-confirm', '--qr=none')
    t.check(r.returncode == 1 and 'already exists' in r.stderr and '--force' in r.stderr,
            'existing enrollment without --force: exit 1, says why and what to do')
    t.check(hashlib.sha256(open(e.otp, 'rb').read()).hexdigest() == digest,
            '... and the file is untouched')
    t.check(not t.uri_of(r.stdout), '... and no new secret is shown')
    r = e.enroll('--no-confirm', '--qr=none', '--force')
    t.check(r.returncode == 0 and e.otp_fields()['secret'][0] in r.stdout,
            '--force replaces the enrollment')

    # --user is root's. Run as the test user (or as ourselves when not root).
    r = e.enroll('--user=root', '--status')
    t.check(r.returncode == 2 and 'only root' in r.stderr, '--user when not root: exit 2')

    bad = [
        (['--phone=5551234567'], 'E.164', 'phone without +'),
        (['--phone=+0123456789'], 'E.164', 'phone with country code 0'),
        (['--phone=+123456'], 'E.164', 'phone too short'),
        (['--phone=+1234567890123456'], 'E.164', 'phone too long'),
        (['--phone=+1555 123 4567'], 'E.164', 'phone with spaces'),
        (['--phone=+1555abc4567'], 'E.164', 'phone with letters'),
        (['--digits=5'], '--digits', 'digits 5'),
        (['--digits=9'], '--digits', 'digits 9'),
        (['--digits=six'], '--digits', 'digits not a number'),
        (['--digits='], '--digits', 'digits empty'),
        (['--algorithm=MD5'], '--algorithm', 'algorithm MD5'),
        (['--type=motp'], '--type', 'type motp'),
        (['--period=0'], '--period', 'period 0'),
        (['--period=301'], '--period', 'period 301'),
        (['--type=hotp', '--period=60'], 'period', 'period with HOTP'),
        (['--qr=sixel'], '--qr', 'qr mode'),
        (['--backup-codes=33'], '--backup-codes', '33 backup codes'),
        (['--label=a:b'], 'issuer or label', 'label with a colon'),
        (['--issuer=tab\there'], 'issuer or label', 'issuer with a control character'),
        (['--status', '--remove'], 'cannot be combined', 'two actions'),
        (['--status', '--phone=+15551234567'], 'no settings', 'status with a setting'),
        (['--frobnicate'], '--frobnicate: unknown option', 'an unknown option'),
        (['extra'], 'unexpected argument', 'a stray argument'),
        (['--file=relative/path', '--status'], 'absolute path', 'a relative --file'),
    ]
    for args, words, what in bad:
        r = e.enroll('--force', '--no-confirm', '--qr=none', *args)
        t.check(r.returncode == 2 and words in r.stderr,
                'bad value (%s): exit 2, names the problem (%s)' % (what, r.stderr.strip()[:90]))
    t.check(hashlib.sha256(open(e.otp, 'rb').read()).hexdigest() !=
            digest and os.path.exists(e.otp), 'none of the bad calls removed the file')

    r = e.enroll('--help')
    t.check(r.returncode == 0 and 'Exit status' in r.stdout and '--import-google-authenticator'
            in r.stdout, '--help documents options and exit codes')
finally:
    e.cleanup()

# The runtime failures: exit 1.
e = t.Env('nohome', home_exists=False)
try:
    r = e.enroll('--no-confirm', '--qr=none')
    t.check(r.returncode == 1 and 'home directory' in r.stderr and 'does not exist' in r.stderr,
            'no home directory: exit 1 (%s)' % r.stderr.strip())
finally:
    e.cleanup()

e = t.Env('rohome')
try:
    if e.is_root:
        os.chmod(e.home, 0o500)
        r = e.enroll('--no-confirm', '--qr=none')
        t.check(r.returncode == 1 and 'cannot write' in r.stderr and not t.uri_of(r.stdout),
                'unwritable home: exit 1 before any secret is shown (%s)' % r.stderr.strip())
        t.check(not os.path.exists(e.otp), '... and nothing written')
    r = e.enroll('--status')
    t.check(r.returncode == 1 and 'not enrolled' in r.stderr, '--status when not enrolled: exit 1')
    r = e.enroll('--remove')
    t.check(r.returncode == 1 and 'not enrolled' in r.stderr, '--remove when not enrolled: exit 1')
    r = e.enroll('--rotate', '--qr=none')
    t.check(r.returncode == 1 and 'not enrolled' in r.stderr, '--rotate when not enrolled: exit 1')
    conf = os.path.join(e.root, 'missing.conf')
    r = e.enroll('--status', '--conf=' + conf)
    t.check(r.returncode == 2 and 'does not exist' in r.stderr, 'a missing --conf: exit 2')
finally:
    e.cleanup()

t.finish()
