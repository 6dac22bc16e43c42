#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""--qr-png / --qr-svg: the image decodes (zbarimg) to exactly the printed URI, for every
algorithm / digits / period combination and for HOTP."""
import itertools
import os
import shutil
import subprocess

import enrolltest as t

t.need_tools('zbarimg', 'setpriv')

combos = [('totp', a, d, p) for a, d, p in
          itertools.product(('SHA1', 'SHA256', 'SHA512'), (6, 7, 8), (30, 60))]
combos += [('hotp', a, 8, None) for a in ('SHA1', 'SHA256', 'SHA512')]

e = t.Env('qrimg')
try:
    out = os.path.join(e.root, 'img')
    os.mkdir(out, 0o700)
    os.chown(out, e.uid, e.gid)
    for typ, alg, digits, period in combos:
        name = '%s/%s/%d/%s' % (typ, alg, digits, period)
        png, svg = os.path.join(out, 'qr.png'), os.path.join(out, 'qr.svg')
        args = ['--no-confirm', '--qr=none', '--force', '--backup-codes=0', '--type=' + typ,
                '--algorithm=' + alg, '--digits=%d' % digits, '--qr-png=' + png,
                '--qr-svg=' + svg]
        if period:
            args.append('--period=%d' % period)
        r = e.enroll(*args)
        uri = t.uri_of(r.stdout)
        if not t.check(r.returncode == 0 and uri, '%s: enrolled (%s)' % (name, r.stderr.strip())):
            continue
        p = t.parse_uri(uri)
        t.check(p['algorithm'] == alg and p['digits'] == digits and
                (typ == 'hotp' or p['period'] == period), '%s: URI has the settings' % name)
        st = os.stat(png)
        t.check(st.st_mode & 0o777 == 0o600 and st.st_uid == e.uid,
                '%s: PNG is private to the user' % name)
        got = t.zbar(png)
        t.check(got == uri, '%s: PNG decodes to exactly the URI' % name)
        if shutil.which('rsvg-convert'):
            ras = os.path.join(e.root, 'svg.png')
            subprocess.run(['rsvg-convert', '-o', ras, svg], check=True)
        else:
            ras = t.modules_to_png(t.rows_from_svg(svg), os.path.join(e.root, 'svg.png'), quiet=0)
        t.check(t.zbar(ras) == uri, '%s: SVG decodes to exactly the URI' % name)
    # An image file is never silently replaced.
    r = e.enroll('--no-confirm', '--qr=none', '--force', '--backup-codes=0',
                 '--qr-png=' + os.path.join(out, 'qr.png'))
    t.check(r.returncode == 0, '--force replaces an existing image')
    os.symlink('/etc/passwd', os.path.join(out, 'link.png'))
    r = e.enroll('--no-confirm', '--qr=none', '--force', '--backup-codes=0',
                 '--qr-png=' + os.path.join(out, 'link.png'))
    t.check(r.returncode == 0 and os.path.islink(os.path.join(out, 'link.png')) is False
            and open('/etc/passwd').read().startswith('root'),
            '--force replaces a symlink, never writes through it')
    os.unlink(os.path.join(out, 'qr.png'))
    open(os.path.join(out, 'qr.png'), 'w').close()
    r = e.enroll('--no-confirm', '--qr=none', '--backup-codes=0', '--file=' +
                 os.path.join(e.home, 'other.otp'), '--qr-png=' + os.path.join(out, 'qr.png'))
    t.check(r.returncode == 1 and 'already exists' in r.stderr,
            'an existing image is refused without --force (exit 1)')
    t.check(not os.path.exists(os.path.join(e.home, 'other.otp')),
            '... and nothing is enrolled then')
finally:
    e.cleanup()

t.finish()
