#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""A pam_otp.conf that holds SMS credentials is root-only (mode 0600): a user's otp-enroll
cannot read it, says so, and enrolls with the defaults instead of failing; an explicit
--conf that cannot be read is still an error. Runs in a private mount namespace with a
tmpfs over /etc/security, so the host's files are never touched. Needs root."""
import os
import subprocess

import enrolltest as t

t.need_tools('setpriv', 'unshare')
if os.geteuid() != 0:
    t.skip('needs root (a mount namespace for /etc/security)')

# Inside the namespace: a root-only conf with a credential, then otp-enroll as the user.
SCRIPT = r'''
set -e
mount -t tmpfs -o mode=0755 tmpfs /etc/security
printf 'issuer = Private Conf Test\nprovider = twilio\nauth_token = not-a-real-token\n' \
	> /etc/security/pam_otp.conf
chmod 0600 /etc/security/pam_otp.conf
exec setpriv --reuid="$OTP_UID" --regid="$OTP_UID" --clear-groups "$@"
'''

e = t.Env('private-conf')
try:
    env = e.nss_env({'OTP_UID': str(e.uid)})

    def enroll(*args):
        return subprocess.run(['unshare', '-m', '--propagation', 'private', 'sh', '-c', SCRIPT,
                               'sh', t.ENROLL] + list(args), capture_output=True, text=True,
                              env=env, timeout=120)

    r = enroll('--no-confirm', '--qr=none')
    t.check(r.returncode == 0 and os.path.exists(e.otp),
            'enrolls with the defaults (%d: %s)' % (r.returncode, r.stderr.strip()))
    t.check('readable by root only' in r.stderr, 'and says why it used the defaults')
    t.check('Private%20Conf%20Test' not in r.stdout and 'not-a-real-token' not in
            r.stdout + r.stderr, 'nothing from the private conf was read')
    t.wait_step_margin(p := t.parse_uri(t.uri_of(r.stdout)))
    t.check(e.login(t.current_code(p)),
            'the module accepts the enrollment')

    r = enroll('--conf=/etc/security/pam_otp.conf', '--status')
    t.check(r.returncode != 0 and 'Permission denied' in r.stderr,
            'an explicit --conf that cannot be read is an error (%s)' % r.stderr.strip())
finally:
    e.cleanup()
t.finish()
