#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""otp-enroll --check, the doctor: a FAIL for each mistake it finds (file mode, owner, links,
a PAM stack without pam_otp.so, sshd without keyboard-interactive, an unsynchronised clock,
a conf with an unknown key or open credentials), an all-ok run on a good setup, --json with
the same verdicts, and the dry run of a code: the record stays byte-equal with the same
mtime, no failure is counted, it refuses during a lockout and allows 3 runs in 5 minutes.

Runs otp-enroll-test (built with -DOTP_TEST_CLOCK, never installed), whose clock check
takes OTP_ENROLL_TEST_ADJTIMEX="STATUS_HEX MAXERROR_US" instead of the kernel's answer."""
import json
import os
import shutil
import subprocess
import time

import enrolltest as t

ENROLL_TEST = os.environ.get('OTP_ENROLL_TEST', '')
SYNCED = {'OTP_ENROLL_TEST_ADJTIMEX': '0 2000'}
UNSYNC = {'OTP_ENROLL_TEST_ADJTIMEX': '40 16000000'}  # STA_UNSYNC
STATUSES = ('ok', 'warn', 'FAIL')

t.need_tools('pamtester', 'setpriv', 'oathtool')
if os.geteuid() != 0:
    t.skip('needs root: files owned by another user, setpriv, sshd -T')
if not ENROLL_TEST or not os.path.exists(ENROLL_TEST):
    t.skip('OTP_ENROLL_TEST not set to the otp-enroll-test binary')


def run(e, *args, as_user=True, env=None, code=None, conf=None):
    cmd = [ENROLL_TEST, '--check', '--conf=' + (conf or e.conf)] + list(args)
    if as_user:
        cmd = ['setpriv', '--reuid=%d' % e.uid, '--regid=%d' % e.gid, '--clear-groups'] + cmd
    extra = dict(SYNCED)
    extra.update(env or {})
    if code is None and '--no-code' not in args:
        cmd.append('--no-code')
    return subprocess.run(cmd, input=(code or '') + '\n', capture_output=True, text=True,
                          env=e.nss_env(extra), start_new_session=True, timeout=120)


def verdicts(out):
    """[(status, check, detail)] of the text output (fix lines skipped)."""
    res = []
    for line in out.splitlines():
        parts = line.split(None, 2)
        if len(parts) >= 2 and parts[0] in STATUSES:
            res.append((parts[0], parts[1], parts[2] if len(parts) > 2 else ''))
    return res


def verdict(r, check):
    """status and detail+fix text of one check in a run's output."""
    lines = r.stdout.splitlines()
    for i, line in enumerate(lines):
        parts = line.split(None, 2)
        if len(parts) >= 2 and parts[0] in STATUSES and parts[1] == check:
            fix = lines[i + 1].strip() if i + 1 < len(lines) and \
                lines[i + 1].strip().startswith('fix:') else ''
            return parts[0], (parts[2] if len(parts) > 2 else '') + ' ' + fix
    return None, ''


def snapshot(path):
    st = os.stat(path)
    with open(path, 'rb') as f:
        return f.read(), st.st_mtime_ns, st.st_ino


def write(path, text, mode=0o644):
    with open(path, 'w') as f:
        f.write(text)
    os.chmod(path, mode)


COMMON_AUTH = ('auth [success=1 default=ignore] pam_unix.so nullok\n'
               'auth requisite pam_deny.so\nauth required pam_permit.so\n')


def pam_dir(root, name, services):
    """A private /etc/pam.d: common-auth as Debian's, and the given service files."""
    d = os.path.join(root, name)
    os.mkdir(d)
    write(os.path.join(d, 'common-auth'), COMMON_AUTH)
    for svc, text in services.items():
        write(os.path.join(d, svc), text)
    return d


GOOD_SVC = '@include common-auth\nauth required pam_otp.so\n'


def sshd_config(root, name, body):
    """A private sshd_config (with a host key of its own) for sshd -T -f."""
    key = os.path.join(root, 'ssh_host_ed25519_key')
    if not os.path.exists(key):
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key], check=True)
    path = os.path.join(root, name)
    write(path, 'HostKey %s\n%s' % (key, body))
    return path


have_sshd = shutil.which('sshd') or os.path.exists('/usr/sbin/sshd')
if have_sshd and not os.path.isdir('/run/sshd'):
    os.makedirs('/run/sshd', 0o755)  # sshd -T insists on its privilege separation directory

e = t.Env('check')
try:
    r = e.enroll('--no-confirm', '--qr=none')
    uri = t.uri_of(r.stdout)
    t.require(r.returncode == 0 and uri, 'enrolled')
    p = t.parse_uri(uri)
    good_pam = pam_dir(e.root, 'pam-good', {s: GOOD_SVC for s in ('sshd', 'sudo', 'login', 'su')})
    good_sshd = sshd_config(e.root, 'sshd-good', 'UsePAM yes\nKbdInteractiveAuthentication yes\n'
                            'AuthenticationMethods publickey,keyboard-interactive\n')
    keydir = t.host_keydir('check')
    write(e.conf, 'window = 1\nseal_key = %s/pam_otp.key\n' % keydir)
    k = subprocess.run(t.ENROLL and [t.ENROLL, '--conf=' + e.conf, '--host-keygen'],
                       capture_output=True, text=True, env=e.nss_env())
    t.require(k.returncode == 0, 'host key made')
    state = e.otp + ':check'

    # --- a good setup: everything ok, exit 0; root's dry run of the right code ---
    t.wait_step_margin(p)
    root_args = ['--user=' + t.USER, '--pam-dir=' + good_pam]
    if have_sshd:
        root_args.append('--sshd-config=' + good_sshd)
    before = snapshot(e.otp)
    r = run(e, *root_args, as_user=False, code=t.current_code(p))
    v = verdicts(r.stdout)
    t.log(r.stdout + r.stderr)
    t.check(r.returncode == 0, 'good setup: exit 0')
    t.check(v and all(s == 'ok' for s, _, _ in v), 'good setup: every verdict is ok')
    for c in ('conf', 'hostkey', 'sms', 'pam-sshd', 'pam-sudo', 'pam-login', 'pam-su', 'file',
              'lockout', 'clock', 'code') + (('sshd',) if have_sshd else ()):
        t.check(verdict(r, c)[0] == 'ok', 'good setup: %s ok' % c)
    t.check('offset +0' in verdict(r, 'code')[1], 'the current code is at offset +0')
    t.check(snapshot(e.otp) == before, 'the dry run leaves ~/.otp byte-equal, same mtime')
    st = os.stat(state)
    t.check(st.st_uid == e.uid and st.st_mode & 0o777 == 0o600,
            'the dry-run state is next to the record, the user\'s, mode 0600')
    os.unlink(state)

    # --- the dry run as the user: offsets, nothing written, rate-limited ---
    t.wait_step_margin(p, margin=5)
    before = snapshot(e.otp)
    r = run(e, code=t.current_code(p))
    t.check(r.returncode == 0 and verdict(r, 'code')[0] == 'ok', 'user: current code ok')
    ahead = t.oathtool_code(p, at=int(time.time()) + 5 * p['period'])
    r = run(e, code=ahead)
    s, text = verdict(r, 'code')
    t.check(r.returncode == 1 and s == 'FAIL' and '5 steps ahead' in text,
            'a code 5 steps ahead: FAIL "5 steps ahead" (%s)' % text.strip())
    wrong = t.wrong_code(p, t.current_code(p))
    r = run(e, code=wrong)
    t.check(verdict(r, 'code')[0] == 'FAIL' and 'matches no step' in r.stdout,
            'a wrong code: FAIL, matches no step')
    r = run(e, code=t.current_code(p))
    s, text = verdict(r, 'code')
    t.check(s == 'warn' and 'try again in' in text and 'Type a current code' not in r.stderr,
            'a fourth dry run within 5 minutes is refused without asking (%s)' % text.strip())
    t.check(snapshot(e.otp) == before, 'four dry runs: ~/.otp byte-equal, same mtime')
    t.check('failures' not in e.otp_fields() and 'last_step' not in e.otp_fields(),
            'no failure counted, no replay guard set')
    t.check(e.login(t.current_code(p)), 'the code the dry run saw still logs in (no replay)')
    os.unlink(state)
    r = run(e, '--no-code')
    t.check('Type a current code' not in r.stderr and verdict(r, 'code')[0] is None,
            '--no-code asks for nothing')

    # --- lockout: no dry run while locked out ---
    for _ in range(3):
        e.login(t.wrong_code(p, t.current_code(p)))
    before = snapshot(e.otp)
    r = run(e, code=t.current_code(p))
    t.check(verdict(r, 'lockout')[0] == 'warn', 'locked out: lockout warn')
    t.check(verdict(r, 'code')[0] == 'warn' and 'locked out' in verdict(r, 'code')[1] and
            'Type a current code' not in r.stderr, 'locked out: the code is not asked for')
    t.check(snapshot(e.otp) == before, 'locked out: ~/.otp unchanged')
    fields = e.otp_fields()
    for key in ('failures', 'last_failure', 'locked_until'):
        fields.pop(key, None)
    with open(e.otp, 'w') as f:  # clear the lockout (root edits the test's file)
        f.write(''.join('%s %s\n' % (k2, v2) for k2, vs in fields.items() for v2 in vs))

    # --- several authenticators: every device is tried, the verdict names the one matched ---
    r = e.enroll('--device=spare', '--type=hotp', '--no-confirm', '--qr=none')
    if r.returncode == 0 and t.uri_of(r.stdout) and 'device' in e.otp_fields():
        ps = t.parse_uri(t.uri_of(r.stdout))
        os.path.exists(state) and os.unlink(state)
        before = snapshot(e.otp)
        # The host key exists by now, so the new device is sealed: root's dry run.
        r = run(e, '--user=' + t.USER, '--pam-dir=' + good_pam, as_user=False,
                code=t.oathtool_code(ps, counter=ps['counter'] + 2))
        s, text = verdict(r, 'code')
        t.check(s == 'ok' and 'device spare' in text and '2 ahead' in text,
                'second device (HOTP): matched, named, 2 ahead of its counter (%s)'
                % (text.strip() or r.stdout + r.stderr))
        t.check(snapshot(e.otp) == before, 'second device: ~/.otp byte-equal, same mtime')
        os.path.exists(state) and os.unlink(state)
    else:
        # main's --device does not store the device yet (its own test_devices fails there):
        # this part runs once it does.
        t.log('NOT RUN: --device=spare stored no device line (exit %d)' % r.returncode)

    # --- the record file: mode, owner, links, missing ---
    os.chmod(e.otp, 0o640)
    r = run(e)
    s, text = verdict(r, 'file')
    t.check(r.returncode == 1 and s == 'FAIL' and '0640' in text and
            'chmod 600 ' + e.otp in text, 'mode 0640: FAIL with "chmod 600" (%s)' % text.strip())
    os.chmod(e.otp, 0o600)
    os.chown(e.otp, 0, 0)
    r = run(e)
    s, text = verdict(r, 'file')
    t.check(r.returncode == 1 and s == 'FAIL' and 'chown %s %s' % (t.USER, e.otp) in text,
            'owned by root: FAIL with "chown otpuser" (%s)' % text.strip())
    r = run(e, '--user=' + t.USER, '--pam-dir=' + good_pam, as_user=False)
    t.check(verdict(r, 'file')[0] == 'FAIL',
            'owned by root: FAIL for root --user too (opened as the user)')
    os.chown(e.otp, e.uid, e.gid)
    link = os.path.join(e.home, 'otp-link')
    os.link(e.otp, link)
    r = run(e)
    s, text = verdict(r, 'file')
    t.check(s == 'FAIL' and 'hard links' in text, 'two hard links: FAIL (%s)' % text.strip())
    os.unlink(link)
    r = run(e)
    t.check(r.returncode == 0 and verdict(r, 'file')[0] == 'ok', 'fixed: file ok, exit 0')

    # --- the clock ---
    r = run(e, env=UNSYNC)
    s, text = verdict(r, 'clock')
    t.check(r.returncode == 1 and s == 'FAIL' and 'not synchronised' in text and 'NTP' in text,
            'unsynchronised clock: FAIL with the fix (%s)' % text.strip())

    # The installed otp-enroll never honours the test hook: the same verdict either way.
    installed = []
    for env in (SYNCED, UNSYNC):
        cmd = ['setpriv', '--reuid=%d' % e.uid, '--regid=%d' % e.gid, '--clear-groups',
               t.ENROLL, '--check', '--no-code', '--conf=' + e.conf]
        r = subprocess.run(cmd, capture_output=True, text=True, env=e.nss_env(env),
                           start_new_session=True, timeout=60)
        installed.append(verdict(r, 'clock')[0])
    t.check(installed[0] is not None and installed[0] == installed[1],
            'otp-enroll (installed build) ignores OTP_ENROLL_TEST_ADJTIMEX')

    # --- PAM stacks ---
    bad_pam = pam_dir(e.root, 'pam-bad', {
        'sshd': '@include common-auth\n',  # no pam_otp
        'sudo': '@include common-auth\nauth sufficient pam_otp.so\n',
        'login': 'auth substack common-otp\n',
        'su': 'auth sufficient pam_rootok.so\nauth sufficient pam_unix.so\n'
              'auth required pam_otp.so\n'})
    write(os.path.join(bad_pam, 'common-otp'), 'auth [success=ok default=bad] pam_otp.so\n')
    r = run(e, '--user=' + t.USER, '--pam-dir=' + bad_pam, as_user=False)
    t.check(r.returncode == 1, 'bad PAM stacks: exit 1')
    s, text = verdict(r, 'pam-sshd')
    t.check(s == 'FAIL' and 'never calls pam_otp.so' in text and 'auth required pam_otp.so'
            in text, 'sshd stack without pam_otp: FAIL with the line to add')
    t.check(verdict(r, 'pam-sudo')[0] == 'warn', 'sufficient pam_otp: warn')
    t.check(verdict(r, 'pam-login')[0] == 'ok', 'pam_otp in a substack, [default=bad]: ok')
    s, text = verdict(r, 'pam-su')
    t.check(s == 'warn' and 'pam_unix.so' in text,
            'a sufficient pam_unix before pam_otp: warn (pam_rootok is fine)')

    # --- sshd ---
    if have_sshd:
        no_kbd = sshd_config(e.root, 'sshd-nokbd', 'UsePAM yes\nKbdInteractiveAuthentication no\n'
                             'AuthenticationMethods publickey\n')
        r = run(e, '--pam-dir=' + good_pam, '--sshd-config=' + no_kbd, as_user=False)
        fails = [d for s2, c, d in verdicts(r.stdout) if c == 'sshd' and s2 == 'FAIL']
        t.check(r.returncode == 1 and any('kbdinteractiveauthentication no' in d for d in fails)
                and any('never reaches keyboard-interactive' in d for d in fails),
                'sshd without keyboard-interactive: FAIL (both settings)')
        anyk = sshd_config(e.root, 'sshd-any', 'UsePAM yes\nKbdInteractiveAuthentication yes\n')
        r = run(e, '--pam-dir=' + good_pam, '--sshd-config=' + anyk, as_user=False)
        t.check(verdict(r, 'sshd')[0] == 'warn', 'AuthenticationMethods any: warn')
    else:
        t.log('sshd not installed: sshd checks skipped')

    # --- the configuration ---
    bad_conf = os.path.join(e.root, 'bad.conf')
    write(bad_conf, 'window = 1\nbogus_key = 3\n')
    r = run(e, '--pam-dir=' + good_pam, as_user=False, conf=bad_conf)
    s, text = verdict(r, 'conf')
    t.check(r.returncode == 1 and s == 'FAIL' and 'bogus_key' in text,
            'unknown key: FAIL naming it (%s)' % text.strip())
    write(bad_conf, 'window = 99\n')
    r = run(e, '--pam-dir=' + good_pam, as_user=False, conf=bad_conf)
    t.check(verdict(r, 'conf')[0] == 'FAIL', 'a bad value: FAIL')
    write(bad_conf, 'provider = twilio\naccount_sid = AC123\nauth_token = secret\n', 0o644)
    r = run(e, '--pam-dir=' + good_pam, as_user=False, conf=bad_conf)
    s, text = verdict(r, 'conf')
    t.check(s == 'FAIL' and 'chmod 600' in text, 'credentials readable by all: FAIL')
    t.check('secret' not in r.stdout.replace('secrets', ''), 'the credential is never shown')
    os.chmod(bad_conf, 0o600)
    r = run(e, '--pam-dir=' + good_pam, as_user=False, conf=bad_conf)
    s, text = verdict(r, 'sms')
    t.check(verdict(r, 'conf')[0] == 'ok' and s == 'FAIL' and 'from' in text,
            'twilio without from=: sms FAIL (%s)' % text.strip())

    # A user cannot read a conf that holds credentials: ok, with the hint to run as root.
    r = run(e, conf=bad_conf)
    s, text = verdict(r, 'conf')
    t.check(s == 'ok' and 'root only' in text and verdict(r, 'file')[0] == 'ok',
            'a root-only conf: ok for the user, who is pointed to sudo; the file still checked')

    # --- --json: parses, same verdicts as the text ---
    args = ['--user=' + t.USER, '--pam-dir=' + bad_pam]
    text_run = run(e, *args, as_user=False, env=UNSYNC)
    json_run = run(e, *args, '--json', as_user=False, env=UNSYNC)
    try:
        doc = json.loads(json_run.stdout)
    except ValueError as ex:
        doc = None
        t.log('not JSON: %s\n%s' % (ex, json_run.stdout))
    t.check(isinstance(doc, list) and all(set(x) == {'check', 'status', 'detail', 'fix'}
                                          for x in doc), '--json: an array of 4-key objects')
    t.check(doc and [(x['status'], x['check']) for x in doc] ==
            [(s, c) for s, c, _ in verdicts(text_run.stdout)], '--json: the same verdicts')
    t.check(json_run.returncode == text_run.returncode == 1, '--json: the same exit status')
    t.check(doc and all(x['fix'] for x in doc if x['status'] == 'FAIL'),
            '--json: every FAIL has a fix')
    t.log('sample output (misconfigured):\n' + text_run.stdout)

    # --- a sealed secret: only root can try a code, and root's dry run opens it ---
    if os.path.exists(state):
        os.unlink(state)
    r = e.enroll('--rotate', '--no-confirm', '--qr=none')
    t.require(r.returncode == 0 and 'sealed' in e.otp_fields(), 'rotated to a sealed secret')
    p = t.parse_uri(t.uri_of(r.stdout))
    r = run(e, code='123456')
    t.check(verdict(r, 'secret')[0] == 'ok' and 'only root' in verdict(r, 'secret')[1] and
            'Type a current code' not in r.stderr, 'sealed: a user is not asked for a code')
    t.wait_step_margin(p)
    before = snapshot(e.otp)
    r = run(e, '--user=' + t.USER, '--pam-dir=' + good_pam, as_user=False,
            code=t.current_code(p))
    t.check(verdict(r, 'code')[0] == 'ok', 'sealed: root\'s dry run opens it and matches')
    t.check(snapshot(e.otp) == before, 'sealed: ~/.otp byte-equal, same mtime')

    # --- an administrator's directory (file=/DIR/%u): root's record, root's dry-run state ---
    admin_dir = t.host_keydir('check-admin')
    admin_conf = os.path.join(e.root, 'admin.conf')
    write(admin_conf, 'file = %s/%%u\nseal = off\n' % admin_dir)
    r = subprocess.run([t.ENROLL, '--conf=' + admin_conf, '--user=' + t.USER, '--no-confirm',
                        '--qr=none'], capture_output=True, text=True, env=e.nss_env(),
                       start_new_session=True, timeout=60)
    t.require(r.returncode == 0, 'enrolled into the admin directory')
    pa = t.parse_uri(t.uri_of(r.stdout))
    t.wait_step_margin(pa)
    r = run(e, '--user=' + t.USER, '--pam-dir=' + good_pam, as_user=False, conf=admin_conf,
            code=t.current_code(pa))
    st = os.stat(os.path.join(admin_dir, t.USER + ':check'))
    t.check(verdict(r, 'file')[0] == 'ok' and verdict(r, 'code')[0] == 'ok',
            'admin path: file ok, root\'s dry run matches')
    t.check(st.st_uid == 0 and st.st_mode & 0o777 == 0o600,
            'admin path: the dry-run state is root\'s, mode 0600 (its user cannot reset it)')
    r = run(e, conf=admin_conf)
    t.check(verdict(r, 'file')[0] == 'warn' and 'only root' in verdict(r, 'file')[1],
            'admin path as the user: warn, only root can check it')
    shutil.rmtree(admin_dir, ignore_errors=True)

    # --- a host with several mistakes at once (the sample in the closing note) ---
    os.chmod(e.otp, 0o640)
    r = run(e, '--user=' + t.USER, '--pam-dir=' + bad_pam, *(
        ['--sshd-config=' + no_kbd] if have_sshd else []), as_user=False, env=UNSYNC)
    t.check(r.returncode == 1, 'several mistakes: exit 1')
    t.log('sample output (several mistakes):\n' + r.stdout)
    os.chmod(e.otp, 0o600)

    # --- usage ---
    r = run(e, '--user=root')
    t.check(r.returncode == 2, '--check --user as a user: exit 2')
finally:
    e.cleanup()
t.finish()
