# SPDX-License-Identifier: BSD-2-Clause
"""The one check/log/skip framework of the python tests (tests/e2e, tests/enroll).

    check(cond, what)    record one check, print "ok   what" or "FAIL what", go on; returns
                         cond (a run reports every broken thing; finish() sets the status)
    require(cond, what)  record one check that the rest depends on: on failure print
                         "FAIL what" and raise AssertionError(what)
    log(msg)             one line to stdout, flushed (meson keeps it in the test log)
    skip(reason)         print "SKIP: reason" and exit 77 (meson's "skipped")
    finish()             print "N passed, N failed" and exit 1 if any check failed, else 0
    summary()            the same line, without exiting

The SMS tests (tests/sms) are unittest cases and do not use this.
"""
import sys

SKIP = 77

passed = 0
failed = 0


def log(msg):
    print(msg, flush=True)


def skip(reason):
    log(f"SKIP: {reason}")
    sys.exit(SKIP)


def _record(ok, what, quiet_ok):
    global passed, failed
    if ok:
        passed += 1
        if not quiet_ok:
            log("ok   " + what)
    else:
        failed += 1
        log("FAIL " + what)


def check(cond, what):
    """Record one check and keep going."""
    _record(bool(cond), what, quiet_ok=False)
    return cond


def require(cond, what):
    """Record one check; stop (AssertionError) when it fails. Quiet when it holds."""
    _record(bool(cond), what, quiet_ok=True)
    if not cond:
        raise AssertionError(what)


def summary():
    line = f"{passed} passed, {failed} failed"
    log(line)
    return line


def finish():
    summary()
    sys.exit(1 if failed else 0)
