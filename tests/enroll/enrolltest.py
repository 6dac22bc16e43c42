# SPDX-License-Identifier: BSD-2-Clause
"""Shared helpers for the otp-enroll tests.

Each test gets a private directory with a fake user (nss_wrapper), a home owned by that
user, a PAM service that stacks the real pam_otp.so (pam_wrapper), and runs otp-enroll
with that user's own uid (setpriv) when the tests run as root.

Environment (set by tests/enroll/meson.build): OTP_ENROLL, PAM_OTP_SO. Checks (t.check: record
and go on, t.finish: the verdict), log lines and skips come from tests/pylib/checks.py.
"""
import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

# The shared check framework (tests/pylib/checks.py); meson puts it on PYTHONPATH too.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'pylib'))
from checks import check, finish, log, require, skip  # noqa: E402,F401  (used by the tests as t.check...)

ENROLL = os.environ.get('OTP_ENROLL', '')
PAM_OTP = os.environ.get('PAM_OTP_SO', '')
USER = 'otpuser'
TEST_UID = 4242
UNRESERVED = re.compile(r'^(?:[A-Za-z0-9._~-]|%[0-9A-F]{2})*$')
BACKUP_RE = re.compile(r'^\s*([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})\s*$')



def need_tools(*names):
    for n in names:
        if not shutil.which(n):
            skip('%s not installed' % n)
    for mod in ('pyotp', 'PIL'):
        try:
            __import__(mod)
        except ImportError:
            skip('python module %s missing (run with /usr/bin/python3)' % mod)
    if not ENROLL or not os.path.exists(ENROLL):
        skip('OTP_ENROLL not set to the otp-enroll binary')



def host_keydir(name):
    """A fresh directory for a host key, under /run: root-owned and closed to group/other
    writes all the way up, as the module requires of its key's path."""
    d = tempfile.mkdtemp(prefix='pam_otp_%s.' % name, dir='/run')
    os.chmod(d, 0o755)
    return d

class Env:
    """A fake user with a home, a PAM service stacking pam_otp.so, and helpers."""

    def __init__(self, name, home_exists=True):
        self.root = tempfile.mkdtemp(prefix='otp-enroll-%s-' % name)
        os.chmod(self.root, 0o711)  # the user must reach their home inside it
        self.is_root = os.geteuid() == 0
        self.uid = TEST_UID if self.is_root else os.getuid()
        self.gid = TEST_UID if self.is_root else os.getgid()
        self.home = os.path.join(self.root, 'home')
        self.otp = os.path.join(self.home, '.otp')
        if home_exists:
            os.mkdir(self.home, 0o700)
            os.chown(self.home, self.uid, self.gid)
        self.passwd = os.path.join(self.root, 'passwd')
        self.group = os.path.join(self.root, 'group')
        with open(self.passwd, 'w') as f:
            f.write('root:x:0:0:root:/root:/bin/sh\n')
            f.write('%s:x:%d:%d:OTP test:%s:/bin/sh\n' % (USER, self.uid, self.gid, self.home))
        with open(self.group, 'w') as f:
            f.write('root:x:0:\n%s:x:%d:\n' % (USER, self.gid))
        self.conf = os.path.join(self.root, 'pam_otp.conf')
        with open(self.conf, 'w') as f:
            f.write('window = 1\n')
        os.chmod(self.conf, 0o644)
        self.svc = os.path.join(self.root, 'pam.d')
        os.mkdir(self.svc)
        with open(os.path.join(self.svc, 'otptest'), 'w') as f:
            f.write('auth required %s conf=%s\n' % (PAM_OTP, self.conf))
            f.write('account required pam_permit.so\n')
        with open(os.path.join(self.svc, 'other'), 'w') as f:
            f.write('auth required pam_deny.so\naccount required pam_deny.so\n'
                    'password required pam_deny.so\nsession required pam_deny.so\n')

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def nss_env(self, extra=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith(('PAM_WRAPPER', 'LC_'))}
        env.update({'LD_PRELOAD': 'libnss_wrapper.so', 'NSS_WRAPPER_PASSWD': self.passwd,
                    'NSS_WRAPPER_GROUP': self.group, 'LANG': 'C.UTF-8', 'HOME': '/nonexistent'})
        env.pop('NO_COLOR', None)
        if extra:
            env.update(extra)
        return env

    def cmd(self, args, as_user=True):
        cmd = [ENROLL, '--conf=' + self.conf] + list(args)
        if self.is_root and as_user:
            cmd = ['setpriv', '--reuid=%d' % self.uid, '--regid=%d' % self.gid,
                   '--clear-groups'] + cmd
        return cmd

    def enroll(self, *args, stdin='', as_user=True, env=None):
        """Run otp-enroll without a controlling terminal (codes come from stdin)."""
        return subprocess.run(self.cmd(args, as_user), input=stdin, capture_output=True,
                              text=True, env=self.nss_env(env), start_new_session=True,
                              timeout=120)

    def popen(self, *args, as_user=True, env=None):
        return subprocess.Popen(self.cmd(args, as_user), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self.nss_env(env), start_new_session=True)

    def login(self, code):
        """Authenticate USER through the real pam_otp.so; True on success."""
        env = self.nss_env({'LD_PRELOAD': 'libpam_wrapper.so libnss_wrapper.so',
                            'PAM_WRAPPER': '1', 'PAM_WRAPPER_SERVICE_DIR': self.svc})
        r = subprocess.run(['pamtester', 'otptest', USER, 'authenticate'], input=code + '\n',
                           capture_output=True, text=True, env=env, timeout=60,
                           start_new_session=True)
        return r.returncode == 0

    def read_otp(self, path=None):
        with open(path or self.otp) as f:
            return f.read()

    def otp_fields(self, path=None):
        fields = {}
        for line in self.read_otp(path).splitlines():
            if line and not line.startswith('#'):
                key, _, val = line.partition(' ')
                fields.setdefault(key, []).append(val)
        return fields


def uri_of(stdout):
    lines = [l for l in stdout.splitlines() if l.startswith('otpauth://')]
    return lines[0] if len(lines) == 1 else None


def backup_codes(stdout):
    return [m.group(1) for m in map(BACKUP_RE.match, stdout.splitlines()) if m]


def parse_uri(uri):
    """Check uri against the Key Uri Format; return its parts (raises AssertionError)."""
    u = urllib.parse.urlsplit(uri)
    assert u.scheme == 'otpauth', 'scheme'
    assert u.netloc in ('totp', 'hotp'), 'type'
    raw_label = u.path[1:]
    assert raw_label.count(':') == 1, 'one literal colon between issuer and account'
    raw_issuer, raw_account = raw_label.split(':')
    pairs = u.query.split('&')
    params = {}
    for p in pairs:
        k, _, v = p.partition('=')
        assert k not in params, 'duplicate ' + k
        assert UNRESERVED.match(v), 'value of %s is not percent-encoded right: %r' % (k, v)
        params[k] = urllib.parse.unquote(v, errors='strict')
    for part in (raw_issuer, raw_account):
        assert UNRESERVED.match(part), 'label part not percent-encoded right: %r' % part
    want = {'secret', 'issuer', 'algorithm', 'digits'}
    want.add('period' if u.netloc == 'totp' else 'counter')
    assert set(params) == want, 'parameters %s' % sorted(params)
    issuer = urllib.parse.unquote(raw_issuer, errors='strict')
    assert params['issuer'] == issuer, 'issuer parameter equals the label prefix'
    secret = params['secret']
    assert re.fullmatch(r'[A-Z2-7]+', secret), 'secret is unpadded upper-case base32'
    key = base64.b32decode(secret + '=' * (-len(secret) % 8))
    return {'type': u.netloc, 'issuer': issuer,
            'account': urllib.parse.unquote(raw_account, errors='strict'),
            'secret': secret, 'key': key, 'algorithm': params['algorithm'],
            'digits': int(params['digits']), 'period': int(params.get('period', 0)),
            'counter': int(params.get('counter', 0))}


def oathtool_code(p, at=None, counter=None):
    """The code oathtool computes; the key goes in on stdin, never on a command line."""
    args = ['oathtool', '-b', '-d', str(p['digits'])]
    if p['type'] == 'totp':
        args += ['--totp=' + p['algorithm'], '-s', '%ds' % p['period']]
        if at is not None:
            args += ['-N', '@%d' % at]
    else:
        if p['algorithm'] != 'SHA1':
            return None  # oathtool's HOTP is HMAC-SHA1 only
        args += ['--hotp', '-c', str(p['counter'] if counter is None else counter)]
    r = subprocess.run(args + ['-'], input=p['secret'] + '\n', capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else 'oathtool failed: ' + r.stderr


def pyotp_code(uri, p, at=None, counter=None):
    import pyotp
    otp = pyotp.parse_uri(uri)
    if p['type'] == 'totp':
        return otp.at(int(time.time() if at is None else at))
    return otp.at(0 if counter is None else counter - p['counter'])


def current_code(p, uri=None):
    """A code valid now, from pyotp (checked against oathtool elsewhere)."""
    import pyotp
    digest = {'SHA1': hashlib.sha1, 'SHA256': hashlib.sha256, 'SHA512': hashlib.sha512}
    d = digest[p['algorithm']]
    if p['type'] == 'totp':
        return pyotp.TOTP(p['secret'], digits=p['digits'], digest=d, interval=p['period']).now()
    return pyotp.HOTP(p['secret'], digits=p['digits'], digest=d).at(p['counter'])


def wrong_code(p, right):
    """A code of the right shape that is not valid anywhere near now."""
    import pyotp
    digest = {'SHA1': hashlib.sha1, 'SHA256': hashlib.sha256, 'SHA512': hashlib.sha512}
    d = digest[p['algorithm']]
    if p['type'] == 'totp':
        t = pyotp.TOTP(p['secret'], digits=p['digits'], digest=d, interval=p['period'])
        near = {t.at(time.time() + k * p['period']) for k in range(-3, 4)}
    else:
        h = pyotp.HOTP(p['secret'], digits=p['digits'], digest=d)
        near = {h.at(p['counter'] + k) for k in range(0, 110)}
    n = int(right)
    while True:
        n = (n + 1) % 10 ** p['digits']
        c = '%0*d' % (p['digits'], n)
        if c not in near:
            return c


def wait_step_margin(p, margin=3):
    """Avoid asking for a TOTP code in the last seconds of its step."""
    if p['type'] == 'totp':
        left = p['period'] - time.time() % p['period']
        if left < margin:
            time.sleep(left + 0.2)


# --- QR codes: turn what the user would see back into an image and decode it ---

SGR = re.compile(r'\x1b\[([0-9;]*)m')
HALF = {' ': (False, False), '\u2588': (True, True), '\u2580': (True, False),
        '\u2584': (False, True)}


def zbar(path):
    """zbarimg's reading of an image: the decoded text, or None."""
    r = subprocess.run(['zbarimg', '--raw', '-q', path], capture_output=True)
    if r.returncode != 0:
        return None
    return r.stdout.decode('utf-8', 'replace').rstrip('\n')


def modules_to_png(rows, path, scale=6, quiet=4):
    """Draw a grid of dark (True) / light modules as a PNG with a quiet zone."""
    from PIL import Image
    width = max(len(r) for r in rows)
    size_x, size_y = (width + 2 * quiet) * scale, (len(rows) + 2 * quiet) * scale
    img = Image.new('L', (size_x, size_y), 255)
    px = img.load()
    for y, row in enumerate(rows):
        for x, d in enumerate(row):
            if d:
                for dy in range(scale):
                    for dx in range(scale):
                        px[(x + quiet) * scale + dx, (y + quiet) * scale + dy] = 0
    img.save(path)
    return path


def rows_from_utf8(text):
    """Half-block text (colour codes allowed) -> module rows, two per text line."""
    lines = [SGR.sub('', l) for l in text.splitlines()]
    qr = [i for i, l in enumerate(lines) if l and set(l) <= set(HALF) and set(l) - {' '}]
    if not qr:
        return []
    block = lines[qr[0]:qr[-1] + 1]
    width = max(len(l) for l in block)
    rows = []
    for l in block:
        cells = [HALF.get(ch, (False, False)) for ch in l.ljust(width)]
        rows.append([c[0] for c in cells])
        rows.append([c[1] for c in cells])
    return rows


def rows_from_ansi(text):
    """Coloured spaces: SGR 40 = dark, 47 = light, two spaces a module."""
    rows = []
    for line in text.splitlines():
        if '\x1b[' not in line:
            continue
        dark, row, pending = False, [], 0
        pos = 0
        for m in SGR.finditer(line + '\x1b[m'):
            for ch in line[pos:m.start()]:
                if ch != ' ':
                    return []
                pending += 1
                if pending == 2:
                    row.append(dark)
                    pending = 0
            codes = m.group(1).split(';')
            if '40' in codes:
                dark = True
            elif '47' in codes or codes in (['0'], ['']):
                dark = False
            pos = m.end()
        if row:
            rows.append(row)
    return rows


def rows_from_ascii(text):
    lines = text.splitlines()
    qr = [i for i, l in enumerate(lines) if '#' in l and set(l) <= {'#', ' '}]
    if not qr:
        return []
    block = lines[qr[0]:qr[-1] + 1]
    width = max(len(l) for l in block)
    return [[l.ljust(width)[x:x + 2] == '##' for x in range(0, width, 2)] for l in block]


def rows_from_svg(path):
    """Rasterise our SVG (a rect and one path of 'Mx yhNv1h-Nz' runs) into module rows."""
    import xml.etree.ElementTree as ET
    ns = '{http://www.w3.org/2000/svg}'
    root = ET.parse(path).getroot()
    vb = [int(v) for v in root.get('viewBox').split()]
    size = vb[2]
    rows = [[False] * size for _ in range(size)]
    paths = root.findall(ns + 'path')
    assert len(paths) == 1 and paths[0].get('fill') == '#000000'
    # XML turns the newlines inside the attribute into spaces: drop those before each M.
    data = re.sub(r'\s+M', 'M', paths[0].get('d').strip())
    pos = 0
    for m in re.finditer(r'M(\d+) (\d+)h(\d+)v1h-(\d+)z', data):
        x, y, n, n2 = map(int, m.groups())
        assert n == n2 and m.start() == pos
        pos = m.end()
        for i in range(n):
            rows[y][x + i] = True
    assert pos == len(data), 'unparsed path data'
    return rows


# --- google-authenticator files ---

def write_gauth(e, options, scratch, path=None, mode=0o400, secret=None):
    """Write a ~/.google_authenticator like its enrollment tool does; return the secret."""
    import secrets
    secret = secret or base64.b32encode(secrets.token_bytes(10)).decode()
    path = path or os.path.join(e.home, '.google_authenticator')
    with open(path, 'w') as f:
        f.write(secret + '\n')
        for o in options:
            f.write('" %s\n' % o)
        for s in scratch:
            f.write('%s\n' % s)
    os.chown(path, e.uid, e.gid)
    os.chmod(path, mode)
    return secret


def scratch_codes(n):
    import secrets
    return ['%08d' % (10000000 + secrets.randbelow(90000000)) for _ in range(n)]
