#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Host key rotation: --host-rekey --dry-run reports and changes nothing; --host-rekey moves
the key to KEY.old, makes a new one and re-seals every enrolled file under the user's lock;
logins work before, during (old key still present) and after (old key removed); a second
run before the old key is removed only resumes re-sealing, never rotates twice. Needs root
(the key lives in a root-owned directory, the module's rule)."""
import os
import shutil

import enrolltest as t

t.need_tools('pamtester', 'setpriv')
if os.geteuid() != 0:
    t.skip('--host-rekey is for root')

keydir = t.host_keydir('rekey')
e = t.Env('rekey')
try:
    key = os.path.join(keydir, 'pam_otp.key')
    with open(e.conf, 'w') as f:
        f.write('window = 1\nseal = optional\nseal_key = %s\n' % key)
    t.check(e.enroll('--host-keygen', as_user=False).returncode == 0, 'host key made')
    r = e.enroll('--no-confirm', '--qr=none')
    p = t.parse_uri(t.uri_of(r.stdout))
    before = e.otp_fields()['sealed'][0]
    keyid_before = before.split()[0]

    r = e.enroll('--host-rekey', '--dry-run')
    t.check(r.returncode == 2, 'as a user: refused with exit 2')
    r = e.enroll('--host-rekey', '--dry-run', as_user=False)
    t.check(r.returncode == 0 and 'would be re-sealed' in r.stdout and
            'dry run: 1 to re-seal' in r.stdout, 'dry run lists the file (%s)' % r.stdout.strip())
    t.check(e.otp_fields()['sealed'][0] == before and not os.path.exists(key + '.old'),
            'dry run changed nothing')

    r = e.enroll('--host-rekey', as_user=False)
    t.check(r.returncode == 0 and 'rekey: 1 re-sealed' in r.stdout,
            'rekey re-seals the enrolled file (%s %s)' % (r.stdout.strip(), r.stderr.strip()))
    after = e.otp_fields()['sealed'][0]
    t.check(after.split()[0] != keyid_before, 'the file is sealed to a new key id')
    t.check(os.path.exists(key + '.old') and os.path.exists(key), 'old key kept as KEY.old')
    st = os.stat(e.otp)
    t.check(st.st_uid == e.uid and (st.st_mode & 0o777) == 0o600, 'owner and mode kept')
    t.wait_step_margin(p)
    t.check(e.login(t.current_code(p)), 'login works with both keys present')

    r = e.enroll('--host-rekey', as_user=False)
    t.check(r.returncode == 0 and 'not finished' in r.stdout and 'rekey: 0 re-sealed' in r.stdout
            and e.otp_fields()['sealed'][0] == after,
            'with KEY.old present a second run resumes, never rotates twice (%s)' % r.stdout.strip())
    r = e.enroll('--host-rekey', '--dry-run', as_user=False)
    t.check('already current' in r.stdout and '0 to re-seal' in r.stdout,
            'dry run now shows nothing needs the old key')
    os.unlink(key + '.old')
    os.unlink(os.path.join(keydir, 'pam_otp.pub.old'))
    t.wait_step_margin(p, margin=31)  # a fresh step: the last code was used
    t.check(e.login(t.current_code(p)), 'login works with the old key removed')
finally:
    e.cleanup()
    shutil.rmtree(keydir, ignore_errors=True)

t.finish()
