#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""A google-authenticator scratch code, imported, logs in through pam_otp exactly once.

Skipped (77) while the pam_otp core does not accept eight-digit codes as backup codes:
otp-enroll then says so and issues new backup codes instead (test_gauth_import covers that).
"""
import os

import enrolltest as t

t.need_tools('pamtester', 'setpriv')

e = t.Env('ga-scratch')
try:
    for kind, opts in (('TOTP', ['TOTP_AUTH', 'WINDOW_SIZE 3']), ('HOTP', ['HOTP_COUNTER 1'])):
        if os.path.exists(e.otp):
            os.unlink(e.otp)
        ga = os.path.join(e.home, '.google_authenticator')
        if os.path.exists(ga):
            os.unlink(ga)
        scratch = t.scratch_codes(4)
        t.write_gauth(e, opts, scratch)
        r = e.enroll('--import-google-authenticator')
        t.check(r.returncode == 0, '%s import: exit 0 (%s)' % (kind, r.stderr.strip()))
        if 'does not accept eight-digit scratch codes' in r.stdout:
            t.skip('this pam_otp core does not accept eight-digit scratch codes as backup '
                   'codes (common/backup.c otp_backup_normalize); otp-enroll issued new ones')
        t.check(len(e.otp_fields().get('backup', [])) == 4, '%s: 4 scratch codes stored' % kind)
        t.check(not any(s in e.read_otp() for s in scratch), '%s: stored only as hashes' % kind)
        t.check(e.login(scratch[2]), '%s: a scratch code logs in' % kind)
        t.check(not e.login(scratch[2]), '%s: ... but only once' % kind)
        t.check(len(e.otp_fields().get('backup', [])) == 3, '%s: 3 scratch codes left' % kind)
finally:
    e.cleanup()

t.finish()
