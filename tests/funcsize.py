#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""The longest functions and the line counts of the product code (common/, pam_module/,
enroll/): `tests/funcsize.py [N]`. A function runs from its definition line (a line at
column 0 that opens a parameter list and is not a declaration) to the next `}` at column 0."""
import re
import subprocess
import sys

DIRS = ["common", "pam_module", "enroll"]


def sources():
    out = subprocess.run(["git", "ls-files", "--", *DIRS], capture_output=True, text=True,
                         check=True).stdout.split()
    return [f for f in out if f.endswith((".c", ".h"))]


def functions(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    start = name = None
    for i, line in enumerate(lines):
        if start is None:
            m = re.match(r"^[A-Za-z_][\w\s\*]*?\b(\w+)\(", line)
            if m and not line.rstrip().endswith(";") and not line.startswith(("typedef", "struct", "enum", "#")):
                start, name = i, m.group(1)
        elif line.startswith("}"):
            yield name, path, start + 1, i - start + 1
            start = None
        elif line.rstrip().endswith(";") and i == start + 1 and "{" not in line:
            start = None  # a prototype split over lines


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    files = sources()
    total = 0
    for d in DIRS:
        count = sum(sum(1 for _ in open(f, encoding="utf-8")) for f in files if f.startswith(d + "/"))
        total += count
        print(f"{d + '/':12} {count:6} lines")
    print(f"{'total':12} {total:6} lines in {len(files)} files")
    funcs = sorted((f for p in files if p.endswith(".c") for f in functions(p)),
                   key=lambda f: -f[3])
    print(f"\n{n} longest functions:")
    for name, path, line, length in funcs[:n]:
        print(f"{length:5}  {name}  ({path}:{line})")


if __name__ == "__main__":
    main()
