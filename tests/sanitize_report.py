#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Summarise one step of tests/sanitize.sh from a meson test log (JSON lines).

    sanitize_report.py LABEL TESTLOG.json [--fuzz] [--valgrind[-all] LOGDIR [--timing CASES]]

Prints one line per test, "LABEL: <test> <verdict> [detail]", a line "SKIPPED LABEL: <test>"
for each test meson reports as skipped (exit 77), then "COUNT <passed> <failed> <skipped>".
  default     a test passes when meson says OK; SKIP is counted apart, never as passed.
  --fuzz      also shows libFuzzer's executions and any crashing input it wrote.
  --valgrind  a test passes when memcheck found no error and no definitely lost bytes in
              any of its processes (LOGDIR holds one memcheck log per process, forks
              included), and the test itself passed. Only the cmocka cases named in
              --timing (comma-separated; they assert wall-clock bounds that a run 20-50
              times slower breaks) may fail, shown as a note; tests/run runs them natively
              and under ASan.
  --valgrind-all  the same, for a log of one test whose every memcheck log in LOGDIR is its
              own (the python tests that run pam_converse under memcheck themselves).
"""
import glob
import json
import os
import re
import sys


def fuzz_detail(r):
    text = (r.get("stdout") or "") + (r.get("stderr") or "")
    runs = re.findall(r"stat::number_of_executed_units: (\d+)", text) or \
        re.findall(r"Done (\d+) runs in", text)
    secs = re.findall(r"Done \d+ runs in (\d+) second", text)
    crash = re.findall(r"Test unit written to (\S+)", text)
    detail = f"{int(runs[-1]):,} executions" if runs else "no executions reported"
    if secs:
        detail += f" in {secs[-1]} s"
    if crash:
        detail += f"; input: {crash[-1]}"
    return detail


ERROR_START = re.compile(r"^==\d+== (Invalid (read|write|free)|Conditional jump|Use of uninit"
                         r"|Syscall param|Mismatched free|Source and destination overlap"
                         r"|Argument '.*' of function)", re.M)


def memcheck_logs(logdir):
    """{command line: [(log path, errors, definitely lost bytes)]} from memcheck logs."""
    found = {}
    for path in sorted(glob.glob(os.path.join(logdir, "*.log"))):
        text = open(path, errors="replace").read()
        cmd = re.search(r"^==\d+== Command: (.*)$", text, re.M)
        errs = re.findall(r"ERROR SUMMARY: ([\d,]+) errors", text)
        lost = re.findall(r"definitely lost: ([\d,]+) bytes", text)
        if not cmd:
            continue
        # No summary: the process exec'd another program or was killed; count the error
        # reports memcheck printed before that.
        n = int(errs[-1].replace(",", "")) if errs else len(ERROR_START.findall(text))
        found.setdefault(cmd.group(1).strip(), []).append((
            path, n, int(lost[-1].replace(",", "")) if lost else 0))
    return found


def tested_command(r):
    """The test's own command line, without the valgrind wrapper in front."""
    cmd = r.get("command") or []
    if cmd and os.path.basename(cmd[0]) == "memcheck-wrap.sh":
        return " ".join(cmd[1:])  # tests/sanitize.sh's wrapper: the test follows it
    if cmd and os.path.basename(cmd[0]) == "env":
        cmd = cmd[1:]
        while cmd and "=" in cmd[0]:
            cmd = cmd[1:]
    if cmd and os.path.basename(cmd[0]) == "valgrind":
        cmd = cmd[1:]
        while cmd and cmd[0].startswith("-"):
            cmd = cmd[1:]
    return " ".join(cmd)


def failed_cases(r):
    """The cmocka cases a test reported as failed, or None if it did not finish its run."""
    out = r.get("stdout") or ""
    if "test(s) run." not in out:
        return None
    return set(re.findall(r"^\[  FAILED  \] (\w+)$", out + (r.get("stderr") or ""), re.M))


def main():
    label, path = sys.argv[1], sys.argv[2]
    fuzz = "--fuzz" in sys.argv
    vg_all = "--valgrind-all" in sys.argv
    vg_opt = "--valgrind-all" if vg_all else "--valgrind"
    vg_dir = sys.argv[sys.argv.index(vg_opt) + 1] if vg_opt in sys.argv else None
    timing = set(sys.argv[sys.argv.index("--timing") + 1].split(",")) \
        if "--timing" in sys.argv else set()
    logs = memcheck_logs(vg_dir) if vg_dir else {}
    passed = failed = skipped = 0
    for line in open(path):
        r = json.loads(line)
        name, res = r["name"].split(":", 1)[-1].strip(), r["result"]
        if res == "SKIP":
            skipped += 1
            print(f"{label}: {name} SKIP")
            print(f"SKIPPED {label}: {name}")
            continue
        ok = res in ("OK", "EXPECTEDFAIL")
        detail = ""
        if fuzz:
            detail = fuzz_detail(r)
        elif vg_dir:
            procs = [p for ps in logs.values() for p in ps] if vg_all else \
                logs.get(tested_command(r), [])
            bad = [p for p in procs if p[1] != 0 or p[2] > 0]
            if not procs:
                ok, detail = False, "no memcheck log found"
            elif bad:
                ok = False
                detail = "; ".join(f"{p[1]} errors, {p[2]} bytes definitely lost in {p[0]}"
                                   for p in bad[:3])
            else:
                detail = f"memcheck clean ({len(procs)} process{'es' if len(procs) > 1 else ''})"
                cases = None if ok else failed_cases(r)
                if cases and cases <= timing:
                    ok = True
                    detail += f"; note: timing case(s) {', '.join(sorted(cases))} failed"
                elif cases:
                    detail += f"; failed: {', '.join(sorted(cases))}"
                elif not ok:
                    detail += f"; the test said {res}"
            res = "OK" if ok else "FAIL"
        elif not ok:
            detail = f"(see {os.path.dirname(path)}/{os.path.basename(path)[:-5]}.txt)"
        passed += ok
        failed += not ok
        print(f"{label}: {name} {res} {detail}".rstrip())
    print(f"COUNT {passed} {failed} {skipped}")


main()
