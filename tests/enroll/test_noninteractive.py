#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Non-interactive enrollment into a temp home, URI checked against the Key Uri Format,
codes from oathtool and pyotp, then logins through the real pam_otp.so."""
import os
import time

import enrolltest as t

t.need_tools('oathtool', 'pamtester', 'setpriv')

COMBOS = [
    ('totp', 'SHA1', 6, 30),
    ('totp', 'SHA256', 8, 60),
    ('totp', 'SHA512', 7, 30),
    ('hotp', 'SHA1', 6, None),
    ('hotp', 'SHA512', 8, None),
]
KEY_BITS = {'SHA1': 160, 'SHA256': 256, 'SHA512': 512}

for typ, alg, digits, period in COMBOS:
    name = '%s/%s/%d/%s' % (typ, alg, digits, period)
    e = t.Env('nonint')
    try:
        args = ['--no-confirm', '--qr=none', '--type=' + typ, '--algorithm=' + alg,
                '--digits=%d' % digits, '--issuer=Acme Co/Zürich', '--label=ana maría@example']
        if period:
            args.append('--period=%d' % period)
        r = e.enroll(*args)
        t.check(r.returncode == 0, '%s: exit 0 (stderr: %s)' % (name, r.stderr.strip()))
        uri = t.uri_of(r.stdout)
        if not t.check(uri is not None, '%s: the URI is on a line of its own' % name):
            continue
        try:
            p = t.parse_uri(uri)
            t.check(True, '%s: URI follows the Key Uri Format' % name)
        except AssertionError as ex:
            t.check(False, '%s: URI follows the Key Uri Format (%s): %s' % (name, ex, uri))
            continue
        t.check(p['type'] == typ and p['algorithm'] == alg and p['digits'] == digits and
                (p['period'] == period if typ == 'totp' else p['counter'] == 0),
                '%s: URI parameters are the ones asked for' % name)
        t.check(p['issuer'] == 'Acme Co/Zürich' and p['account'] == 'ana maría@example',
                '%s: issuer and account survive percent-encoding' % name)
        t.check(len(p['key']) * 8 == KEY_BITS[alg], '%s: %d-bit secret' % (name, KEY_BITS[alg]))
        st = os.stat(e.otp)
        t.check(st.st_mode & 0o777 == 0o600 and st.st_uid == e.uid,
                '%s: ~/.otp is mode 0600 and owned by the user' % name)
        f = e.otp_fields()
        t.check(f.get('secret') == [p['secret']] and f.get('type') == [typ],
                '%s: ~/.otp holds the secret of the URI' % name)
        t.check(p['secret'] not in r.stderr, '%s: no secret on stderr' % name)

        now = int(time.time())
        oc = t.oathtool_code(p, at=now)
        pc = t.pyotp_code(uri, p, at=now)
        if oc is not None:
            t.check(oc == pc, '%s: oathtool and pyotp agree (%s / %s)' % (name, oc, pc))
        t.wait_step_margin(p)
        code = t.current_code(p)
        t.check(not e.login(t.wrong_code(p, code)), '%s: pam_otp refuses a wrong code' % name)
        t.check(e.login(code), '%s: pam_otp accepts the code' % name)
        t.check(not e.login(code), '%s: the same code does not work twice' % name)
        if typ == 'hotp':
            p['counter'] += 1
            t.check(e.login(t.current_code(p)), '%s: the next HOTP code works' % name)
        codes = t.backup_codes(r.stdout)
        t.check(len(codes) == 10 and len(f.get('backup', [])) == 10,
                '%s: 10 backup codes shown, 10 hashes stored' % name)
        t.check(not any(c.replace('-', '') in e.read_otp() for c in codes),
                '%s: backup codes are not stored in clear' % name)
        if codes:
            t.check(e.login(codes[3]), '%s: a backup code logs in' % name)
            t.check(not e.login(codes[3]), '%s: ... only once' % name)
    finally:
        e.cleanup()

# Characters that mean something in a URI must come out percent-encoded. (Not through
# pyotp: its parse_uri unquotes the whole URI before splitting it, so '&' breaks it.)
NASTY_ISSUER = 'A&B=C?D#E%F+G H/I'
NASTY_LABEL = 'x@y;z,[1]\u00e9'
e = t.Env('nasty')
try:
    r = e.enroll('--no-confirm', '--qr=none', '--issuer=' + NASTY_ISSUER, '--label=' + NASTY_LABEL)
    uri = t.uri_of(r.stdout)
    try:
        p = t.parse_uri(uri or '')
        t.check(p['issuer'] == NASTY_ISSUER and p['account'] == NASTY_LABEL,
                'reserved characters in issuer and label are percent-encoded: ' + str(uri))
    except AssertionError as ex:
        t.check(False, 'reserved characters percent-encoded (%s): %s' % (ex, uri))
    t.check(' ' not in uri and '+' not in uri.split('?')[0] and '%20' in uri,
            'spaces become %20, never + or a raw space')
    r = e.enroll('--no-confirm', '--qr=none', '--force', '--issuer=a:b')
    t.check(r.returncode == 2 and 'cannot be an issuer' in r.stderr,
            'an issuer with a colon is refused (exit 2)')
finally:
    e.cleanup()

t.finish()
