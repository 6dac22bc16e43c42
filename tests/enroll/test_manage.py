#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Managing an enrollment: --status (never the secret), --phone, --backup-codes, --remove,
the locked read-modify-write (a concurrent module update is kept), and --user as root."""
import fcntl
import os
import re
import subprocess
import time

import enrolltest as t

t.need_tools('pamtester', 'setpriv')


def status(e):
    return e.enroll('--status')


e = t.Env('manage')
try:
    r = e.enroll('--no-confirm', '--qr=none', '--digits=8', '--algorithm=SHA256')
    uri = t.uri_of(r.stdout)
    p = t.parse_uri(uri)
    codes = t.backup_codes(r.stdout)
    s = status(e)
    t.check(s.returncode == 0, '--status: exit 0')
    for want in ('Type:          totp', 'Algorithm:     SHA256', 'Digits:        8',
                 'Period:        30 seconds', 'Phone:         none', 'Backup codes:  10 left',
                 'Lockout:       not locked'):
        t.check(want in s.stdout, '--status shows "%s"' % want)
    t.check(p['secret'] not in s.stdout + s.stderr and not any(c in s.stdout for c in codes),
            '--status never shows the secret or a backup code')

    r = e.enroll('--phone=+15551234567')
    t.check(r.returncode == 0 and e.otp_fields().get('phone') == ['+15551234567'],
            '--phone sets the number on an enrollment')
    t.check(e.otp_fields().get('secret') == [p['secret']], '--phone keeps the secret')
    s = status(e)
    t.check('+1' + '\u2022' * 6 + '4567' in s.stdout and '5551234567' not in s.stdout,
            '--status masks the phone number')
    r = e.enroll('--phone=none')
    t.check(r.returncode == 0 and 'phone' not in e.otp_fields(), '--phone none removes it')

    r = e.enroll('--backup-codes=5')
    new = t.backup_codes(r.stdout)
    t.check(r.returncode == 0 and len(new) == 5 and not set(new) & set(codes),
            '--backup-codes=5 shows five new codes')
    t.check(len(e.otp_fields().get('backup', [])) == 5 and
            e.otp_fields().get('secret') == [p['secret']], '... stores five, secret unchanged')
    t.check(not e.login(codes[0]), 'an old backup code no longer works')
    t.check(e.login(new[1]), 'a new backup code works')
    t.check('Backup codes:  4 left' in status(e).stdout, '--status counts what is left')
    r = e.enroll('--backup-codes', '--digits=6')
    t.check(r.returncode == 2 and '--rotate' in r.stderr,
            'enrollment settings on an existing enrollment need --rotate (exit 2)')

    for _ in range(3):
        e.login(t.wrong_code(p, t.current_code(p)))
    s = status(e)
    t.check(re.search(r'Lockout: +locked for \d+ more seconds after 3 failed', s.stdout),
            '--status shows the lockout after three failures')

    # Locked read-modify-write: hold the lock, "the module" replaces the file meanwhile.
    # Read first: closing any other descriptor of the file would drop a POSIX lock.
    current = e.read_otp()
    fd = os.open(e.otp, os.O_RDWR)
    fcntl.lockf(fd, fcntl.LOCK_EX)  # POSIX locks and pam_otp's OFD locks exclude each other
    pr = e.popen('--phone=+441234567890')
    time.sleep(1.0)
    t.check(pr.poll() is None, '--phone waits for the lock the module holds')
    tmp = e.otp + '.module-tmp'
    with open(tmp, 'w') as f:
        f.write(current + 'x-test-marker 1\n')
    os.chown(tmp, e.uid, e.gid)
    os.chmod(tmp, 0o600)
    os.rename(tmp, e.otp)
    os.close(fd)  # releases the lock on the old inode
    out, err = pr.communicate(timeout=60)
    f = e.otp_fields()
    t.check(pr.returncode == 0 and f.get('phone') == ['+441234567890'],
            '--phone completes once the lock is free (%s)' % err.strip())
    t.check(f.get('x-test-marker') == ['1'] and f.get('failures') == ['3'],
            'the update made meanwhile under the lock is kept, and the failure count too')

    r = e.enroll('--remove')
    t.check(r.returncode == 0 and not os.path.exists(e.otp), '--remove deletes the file')
    t.check('nullok' in r.stdout, '--remove warns what happens without nullok')
    s = status(e)
    t.check(s.returncode == 1 and 'not enrolled' in s.stderr, '--status after --remove: not enrolled')
finally:
    e.cleanup()

# Root enrolling a user: the file is the user's, the image root's, no symlink is followed.
e = t.Env('asroot')
try:
    if not e.is_root:
        print('note: not root, --user checks skipped')
    else:
        private = os.path.join(e.root, 'rootonly')
        os.mkdir(private, 0o700)
        png = os.path.join(private, 'qr.png')
        r = e.enroll('--user=' + t.USER, '--no-confirm', '--qr=none', '--qr-png=' + png,
                     as_user=False)
        t.check(r.returncode == 0, '--user as root: exit 0 (%s)' % r.stderr.strip())
        st = os.stat(e.otp)
        t.check(st.st_uid == e.uid and st.st_gid == e.gid and st.st_mode & 0o777 == 0o600,
                '--user: ~/.otp owned by the user, mode 0600')
        t.check(os.stat(png).st_uid == 0 and t.zbar(png) == t.uri_of(r.stdout),
                '--user: the image is written as root where the user could not')
        p = t.parse_uri(t.uri_of(r.stdout))
        t.wait_step_margin(p)
        t.check(e.login(t.current_code(p)), '--user: the user logs in with it')
        s = e.enroll('--user=' + t.USER, '--status', as_user=False)
        t.check(s.returncode == 0 and 'Backup codes:  10 left' in s.stdout, '--user --status')
        r = e.enroll('--user=nosuchuser', '--status', as_user=False)
        t.check(r.returncode == 2 and 'no such user' in r.stderr, '--user=unknown: exit 2')
        # A planted symlink to a root file: never written, with or without --force.
        target = os.path.join(private, 'target')
        with open(target, 'w') as f:
            f.write('root data\n')
        os.unlink(e.otp)
        os.symlink(target, e.otp)
        r = e.enroll('--user=' + t.USER, '--no-confirm', '--qr=none', '--force', as_user=False)
        t.check(r.returncode == 1 and open(target).read() == 'root data\n',
                '--user --force over a symlink to a root file: refused, target untouched')
finally:
    e.cleanup()

t.finish()
