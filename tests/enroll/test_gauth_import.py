#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""--import-google-authenticator: TOTP and HOTP files with window, rate limit, used steps
and scratch codes become ~/.otp, and the same authenticator app logs in through pam_otp."""
import os
import time

import enrolltest as t

t.need_tools('pamtester', 'setpriv')

IMPORT = '--import-google-authenticator'

# TOTP, as google-authenticator writes it with rate limiting and a wide window.
e = t.Env('ga-totp')
try:
    step = int(time.time()) // 30
    scratch = t.scratch_codes(5)
    secret = t.write_gauth(e, ['RATE_LIMIT 3 30 %d' % int(time.time()), 'WINDOW_SIZE 17',
                               'DISALLOW_REUSE %d' % (step - 5), 'TOTP_AUTH'], scratch)
    ga_before = open(os.path.join(e.home, '.google_authenticator')).read()
    r = e.enroll(IMPORT)
    t.check(r.returncode == 0, 'TOTP import: exit 0 (%s)' % r.stderr.strip())
    f = e.otp_fields()
    t.check(f.get('type') == ['totp'] and f.get('secret') == [secret] and
            f.get('period') == ['30'] and f.get('algorithm') == ['SHA1'] and
            f.get('digits') == ['6'], 'TOTP import: type, secret, period, algorithm, digits')
    t.check(f.get('window') == ['8'], 'TOTP import: WINDOW_SIZE 17 becomes window 8 (±8 steps)')
    t.check(f.get('last_step') == [str(step - 5)], 'TOTP import: DISALLOW_REUSE becomes last_step')
    t.check('RATE_LIMIT' in r.stdout, 'TOTP import: says RATE_LIMIT has no equivalent')
    t.check(os.stat(e.otp).st_mode & 0o777 == 0o600 and os.stat(e.otp).st_uid == e.uid,
            'TOTP import: ~/.otp is 0600 and the user\'s')
    t.check(open(os.path.join(e.home, '.google_authenticator')).read() == ga_before,
            'TOTP import: the google-authenticator file is left alone')
    n_backup = len(f.get('backup', []))
    fresh = t.backup_codes(r.stdout)
    t.check(n_backup == (len(fresh) or len(scratch)),
            'TOTP import: scratch codes kept, or new backup codes issued in their place')
    p = {'type': 'totp', 'secret': secret, 'algorithm': 'SHA1', 'digits': 6, 'period': 30}
    t.wait_step_margin(p)
    t.check(e.login(t.current_code(p)), 'TOTP import: the app\'s current code logs in')
    if fresh:
        t.check(e.login(fresh[0]) and not e.login(fresh[0]),
                'TOTP import: a new backup code logs in once')
    r = e.enroll(IMPORT)
    t.check(r.returncode == 1 and '--force' in r.stderr, 'import over ~/.otp refused without --force')
    r = e.enroll(IMPORT, '--force', '--backup-codes=3')
    t.check(r.returncode == 0 and len(t.backup_codes(r.stdout)) == 3 and
            len(e.otp_fields().get('backup', [])) == 3,
            'import --force --backup-codes=3: three new backup codes instead of the scratch codes')
finally:
    e.cleanup()

# HOTP, from a file given by name.
e = t.Env('ga-hotp')
try:
    path = os.path.join(e.home, 'ga-hotp')
    secret = t.write_gauth(e, ['HOTP_COUNTER 7', 'WINDOW_SIZE 3'], t.scratch_codes(3), path=path)
    r = e.enroll(IMPORT + '=' + path)
    t.check(r.returncode == 0, 'HOTP import from FILE: exit 0 (%s)' % r.stderr.strip())
    f = e.otp_fields()
    t.check(f.get('type') == ['hotp'] and f.get('secret') == [secret] and
            f.get('counter') == ['7'] and f.get('window') == ['3'],
            'HOTP import: type, secret, counter 7, window 3')
    p = {'type': 'hotp', 'secret': secret, 'algorithm': 'SHA1', 'digits': 6, 'counter': 7}
    t.check(t.oathtool_code(p) == t.current_code(p), 'HOTP import: oathtool and pyotp agree')
    t.check(e.login(t.current_code(p)), 'HOTP import: the app\'s next code logs in')
    t.check(e.otp_fields().get('counter') == ['8'], 'HOTP import: the counter moved on')
finally:
    e.cleanup()

# Files that must not be imported.
e = t.Env('ga-bad')
try:
    ga = os.path.join(e.home, '.google_authenticator')
    r = e.enroll(IMPORT)
    t.check(r.returncode == 1 and 'google_authenticator' in r.stderr and not os.path.exists(e.otp),
            'missing file: exit 1, nothing written')
    cases = [
        (['TOTP_AUTH'], ['1234'], 0o400, 'scratch code', 'a malformed scratch code'),
        ([], ['12345678'], 0o400, 'neither TOTP_AUTH nor HOTP_COUNTER', 'no TOTP_AUTH/HOTP_COUNTER'),
        (['TOTP_AUTH', 'HOTP_COUNTER 1'], [], 0o400, 'both', 'both TOTP and HOTP'),
        (['TOTP_AUTH'], [], 0o440, 'group/other permissions', 'a group-readable file'),
        (['HOTP_COUNTER x'], [], 0o400, 'HOTP_COUNTER', 'a bad counter'),
    ]
    for opts, scr, mode, words, what in cases:
        if os.path.exists(ga):
            os.unlink(ga)
        t.write_gauth(e, opts, scr, mode=mode)
        r = e.enroll(IMPORT)
        t.check(r.returncode == 1 and words in r.stderr and not os.path.exists(e.otp),
                'refuses %s: exit 1, says why, nothing written (%s)' % (what, r.stderr.strip()))
    os.unlink(ga)
    t.write_gauth(e, ['TOTP_AUTH'], [], secret='JBSWY3DP')
    r = e.enroll(IMPORT)
    t.check(r.returncode == 1 and '80 bits' in r.stderr, 'refuses a secret under 80 bits')
finally:
    e.cleanup()

t.finish()
