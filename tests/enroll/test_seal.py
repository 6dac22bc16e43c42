#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Sealed secrets: root makes the host key (--host-keygen), enrollments are then sealed to
it (no plain secret in ~/.otp), and pam_otp.so opens them to log in. seal=required without
a key refuses to enroll.

Needs root: the key goes in a fresh directory under /run, root-owned all the way up (the
module's rule for its private key).
"""
import os
import shutil
import stat

import enrolltest as t

t.need_tools('pamtester', 'setpriv')
if os.geteuid() != 0:
    t.skip('needs root (the host key lives in a root-owned directory)')
keydir = t.host_keydir('seal')
e = t.Env('seal')
try:
    key = os.path.join(keydir, 'pam_otp.key')
    with open(e.conf, 'w') as f:
        f.write('window = 1\nseal = optional\nseal_key = %s\n' % key)
    r = e.enroll('--host-keygen')
    t.check(r.returncode == 2, '--host-keygen as a user: exit 2')
    r = e.enroll('--host-keygen', as_user=False)
    t.check(r.returncode == 0, '--host-keygen as root: exit 0 (%s)' % r.stderr.strip())
    pub = os.path.join(keydir, 'pam_otp.pub')
    t.check(stat.S_IMODE(os.stat(key).st_mode) == 0o600 and os.path.exists(pub),
            'private key 0600 and public key written')
    r = e.enroll('--host-keygen', as_user=False)
    t.check(r.returncode == 1 and 'never replaced' in r.stderr, 'an existing host key is kept')

    r = e.enroll('--no-confirm', '--qr=none')
    uri = t.uri_of(r.stdout)
    t.check(r.returncode == 0 and uri, 'enrollment with a host key: exit 0 (%s)' % r.stderr.strip())
    p = t.parse_uri(uri)
    f = e.otp_fields()
    t.check('sealed' in f and 'secret' not in f and p['secret'] not in e.read_otp(),
            '~/.otp holds the sealed secret, not the plain one')
    t.check('sealed to the host key' in e.enroll('--status').stdout, '--status says sealed')
    t.wait_step_margin(p)
    t.check(e.login(t.current_code(p)), 'pam_otp opens the sealed secret: login works')
    r = e.enroll('--backup-codes=2')
    t.check(r.returncode == 0 and e.otp_fields().get('sealed') == f['sealed'],
            'a locked update keeps the sealed secret as it was')
    t.check(e.login(t.backup_codes(r.stdout)[0]), 'a new backup code logs in')

    with open(e.conf, 'w') as f:
        f.write('seal = required\nseal_key = %s\n' % os.path.join(keydir, 'none.key'))
    r = e.enroll('--no-confirm', '--qr=none', '--force')
    t.check(r.returncode == 1 and 'seal=required' in r.stderr and
            e.otp_fields().get('sealed') is not None,
            'seal=required without a host key: exit 1, the enrollment is left as it was')
finally:
    e.cleanup()
    shutil.rmtree(keydir, ignore_errors=True)

t.finish()
