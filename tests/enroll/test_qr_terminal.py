#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Terminal QR codes, read back the way a phone would see them: the text is turned into
modules, drawn with Pillow and decoded with zbarimg. The UTF-8 code is also read off a
real terminal (tmux), where it is drawn in colour, and a code is confirmed there with echo
off, as a person would."""
import os
import subprocess
import shutil
import time

import enrolltest as t

t.need_tools('zbarimg', 'setpriv')


def decode(rows, e, name):
    if not rows:
        return None
    return t.zbar(t.modules_to_png(rows, os.path.join(e.root, name + '.png')))


e = t.Env('qrterm')
try:
    for alg, digits in (('SHA1', 6), ('SHA512', 8)):
        base = ['--no-confirm', '--force', '--backup-codes=0', '--algorithm=' + alg,
                '--digits=%d' % digits]
        # UTF-8 half blocks, piped (no colours), and the default in a UTF-8 locale.
        for args, env, what in ((['--qr=utf8'], None, 'utf8'),
                                ([], {'LANG': 'C.UTF-8'}, 'default in a UTF-8 locale')):
            r = e.enroll(*(base + args), env=env)
            uri = t.uri_of(r.stdout)
            t.check(r.returncode == 0 and uri, '%s %s: enrolled' % (alg, what))
            t.check('\x1b[' not in r.stdout, '%s %s: no colour codes when piped' % (alg, what))
            rows = t.rows_from_utf8(r.stdout)
            t.check(decode(rows, e, 'utf8') == uri, '%s %s: QR decodes to the URI' % (alg, what))
            t.check(len(rows) // 2 <= 40, '%s %s: compact (%d lines)' % (alg, what, len(rows) // 2))
        r = e.enroll(*(base + ['--qr=ansi']))
        uri = t.uri_of(r.stdout)
        t.check(decode(t.rows_from_ansi(r.stdout), e, 'ansi') == uri,
                '%s ansi: coloured QR decodes to the URI' % alg)
        for args, env, what in ((['--qr=ascii'], None, 'ascii'),
                                ([], {'LANG': 'C', 'LC_ALL': 'C'}, 'default in the C locale')):
            r = e.enroll(*(base + args), env=env)
            uri = t.uri_of(r.stdout)
            t.check('\u2580' not in r.stdout and r.stdout.isascii(),
                    '%s %s: plain ASCII output' % (alg, what))
            t.check(decode(t.rows_from_ascii(r.stdout), e, 'ascii') == uri,
                    '%s %s: QR decodes to the URI' % (alg, what))
        r = e.enroll(*(base + ['--qr=none']))
        t.check(r.returncode == 0 and not t.rows_from_utf8(r.stdout) and
                not t.rows_from_ascii(r.stdout), '%s none: no QR code' % alg)

    # On a real terminal: tmux, colours on, then the confirmation typed with echo off.
    if shutil.which('tmux'):
        sock = 'otp-enroll-test-%d' % os.getpid()
        env = e.nss_env({'TERM': 'xterm-256color'})
        env.pop('TMUX', None)
        tmux = ['tmux', '-L', sock, '-f', '/dev/null']
        cmd = ' '.join(e.cmd(['--force', '--backup-codes=2', '--algorithm=SHA256']))
        subprocess.run(tmux + ['new-session', '-d', '-x', '230', '-y', '80',
                               cmd + '; echo EXIT=$?; sleep 60'], env=env, check=True)
        try:
            def screen(colour=False):
                return subprocess.run(tmux + ['capture-pane', '-p', '-J'] +
                                      (['-e'] if colour else []), env=env,
                                      capture_output=True, text=True).stdout
            deadline = time.time() + 20
            while time.time() < deadline and 'to confirm' not in screen():
                time.sleep(0.2)
            text = screen()
            uri = t.uri_of(text)
            t.check(uri is not None and 'to confirm' in text, 'tmux: QR, URI and prompt shown')
            # tmux re-emits attributes one per sequence: black text (30), white cells (47).
            sgr = {c for m in t.SGR.finditer(screen(colour=True)) for c in m.group(1).split(';')}
            t.check({'30', '47'} <= sgr,
                    'tmux: drawn black on white whatever the terminal colours')
            rows = t.rows_from_utf8(text)
            t.check(decode(rows, e, 'tmux') == uri, 'tmux: the UTF-8 QR on screen decodes to the URI')
            p = t.parse_uri(uri)
            t.wait_step_margin(p)
            code = t.current_code(p)
            subprocess.run(tmux + ['send-keys', '-t', '0', code, 'Enter'], env=env, check=True)
            deadline = time.time() + 20
            while time.time() < deadline and 'EXIT=' not in screen():
                time.sleep(0.2)
            text = screen()
            t.check('EXIT=0' in text and 'Code confirmed' in text, 'tmux: typed code confirmed')
            t.check(code not in text, 'tmux: the typed code was not echoed')
            t.check(len(t.backup_codes(text)) == 2, 'tmux: backup codes shown after confirming')
        finally:
            subprocess.run(tmux + ['kill-server'], env=env, capture_output=True)
    else:
        print('note: tmux not installed, terminal checks skipped')
finally:
    e.cleanup()

t.finish()
