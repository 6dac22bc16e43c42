#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Install test: a separate build of the source tree with --prefix=/usr (as README.md says),
`meson install --destdir`, and checks that each file lands where Debian looks for it: the
module in libpam's module directory, otp-enroll in /usr/bin, the man pages, the examples
(byte-identical to conf/), and nothing in /etc.
"""
import filecmp
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import SRC, require, log, run  # noqa: E402

EXAMPLES = ["pam_otp.conf", "pam.d/sshd", "pam.d/sudo", "pam.d/login",
            "sshd_config.d/pam_otp.conf"]


def must(argv, what, timeout=600):
    r = run(argv, timeout=timeout)
    if r.returncode != 0:
        log(r.stdout[-3000:] + r.stderr[-3000:])
        raise AssertionError(f"{what} failed (exit {r.returncode})")
    return r.stdout


def system_module_dir():
    """Where this system's libpam loads modules from: the directory holding pam_unix.so,
    under the libdir pam.pc gives."""
    libdir = must(["pkg-config", "--variable=libdir", "pam"], "pkg-config pam").strip()
    d = os.path.join(libdir, "security")
    require(os.path.exists(os.path.join(d, "pam_unix.so")), f"no pam_unix.so in {d}")
    return d


def check_module(path):
    dyn = must(["readelf", "-d", "-W", path], "readelf -d")
    require("RPATH" not in dyn and "RUNPATH" not in dyn,
          "the installed module still has an RPATH/RUNPATH")
    syms = must(["nm", "-D", "--defined-only", path], "nm -D").split("\n")
    funcs = sorted(l.split()[-1] for l in syms if l.split()[1:2] in (["T"], ["W"]))
    require(funcs and all(f.startswith("pam_sm_") for f in funcs),
          f"the installed module exports {funcs}")
    # It loads with only libpam (and its declared dependencies) present.
    code = ("import ctypes,os,sys; ctypes.CDLL('libpam.so.0', mode=ctypes.RTLD_GLOBAL); "
            "m=ctypes.CDLL(sys.argv[1], mode=os.RTLD_NOW); "
            "print(bool(m.pam_sm_authenticate))")
    out = must([sys.executable, "-c", code, path], "loading the installed module")
    require(out.strip() == "True", "pam_sm_authenticate not found after dlopen")
    log(f"module: exports {funcs}, no RPATH, loads with RTLD_NOW")


def main():
    meson = shutil.which("meson")
    require(meson, "meson is not on PATH")
    log(f"meson {must([meson, '--version'], 'meson --version').strip()}")
    tmp = tempfile.mkdtemp(prefix="pam_otp_install.")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still remove tmp on timeout
    failed = False
    try:
        build, dest = os.path.join(tmp, "build"), os.path.join(tmp, "dest")
        must([meson, "setup", build, SRC, "--prefix=/usr", "-Dtests=false"], "meson setup")
        must([meson, "compile", "-C", build], "meson compile", timeout=900)
        must([meson, "install", "-C", build, "--destdir", dest, "--quiet"], "meson install")
        files = sorted(os.path.relpath(os.path.join(d, f), dest)
                       for d, _, fs in os.walk(dest) for f in fs)
        log("installed:\n  " + "\n  ".join(files))

        moddir = system_module_dir()
        rel = os.path.join(moddir.lstrip("/"), "pam_otp.so")
        require(rel in files, f"pam_otp.so is not in {moddir} (libpam's module directory)")
        multiarch = run(["gcc", "-print-multiarch"]).stdout.strip() or "x86_64-linux-gnu"
        require(rel in (f"lib/{multiarch}/security/pam_otp.so",
                      f"usr/lib/{multiarch}/security/pam_otp.so"),
              f"unexpected module path {rel}")
        check_module(os.path.join(dest, rel))
        log(f"module: {rel}")

        if os.path.exists(os.path.join(SRC, "enroll", "otp-enroll.c")):
            enroll = os.path.join(dest, "usr/bin/otp-enroll")
            require(os.access(enroll, os.X_OK), "usr/bin/otp-enroll is not installed")
            r = run([enroll, "--help"])
            require(r.returncode == 0 and "otp-enroll" in r.stdout + r.stderr,
                  f"installed otp-enroll --help: exit {r.returncode}")
            log("otp-enroll: usr/bin/otp-enroll runs")

        if os.path.exists(os.path.join(SRC, "common", "sms", "meson.build")):
            helper = "usr/libexec/pam_otp/pam_otp_sms"
            require(helper in files and os.access(os.path.join(dest, helper), os.X_OK),
                  f"{helper} is not installed")
            # The module's built-in sms_helper default is where the sender was installed.
            blob = open(os.path.join(dest, rel), "rb").read()
            require(b"/" + helper.encode() + b"\0" in blob,
                  f"the installed module does not default to /{helper}")
            log(f"SMS sender: {helper}, the module's default sms_helper")

        pages = [f for f in os.listdir(os.path.join(SRC, "man"))
                 if f.rsplit(".", 1)[-1] in ("1", "5", "8")]
        require(pages, "no man pages in man/")
        for page in pages:
            p = f"usr/share/man/man{page.rsplit('.', 1)[1]}/{page}"
            require(p in files, f"{p} is not installed")
        log(f"man pages: {sorted(pages)}")

        ex = "usr/share/doc/pam_otp/examples"
        for f in EXAMPLES:
            got = os.path.join(dest, ex, f)
            require(os.path.isfile(got), f"{ex}/{f} is not installed")
            require(filecmp.cmp(got, os.path.join(SRC, "conf", f), shallow=False),
                  f"{ex}/{f} differs from conf/{f}")
            require(not os.stat(got).st_mode & 0o022, f"{ex}/{f} is group/other-writable")
        log(f"examples: {ex}/{{{', '.join(EXAMPLES)}}}")

        require(not [f for f in files if f.startswith("etc/")],
              "something was installed into /etc")
        # Everything meson says it installs is there (and nothing else is).
        intro = subprocess.run([meson, "introspect", "--installed", build],
                               capture_output=True, text=True, check=True).stdout
        import json
        wanted = sorted(os.path.relpath(v, "/") for v in json.loads(intro).values())
        require(sorted(files) == wanted,
              f"installed files differ from meson's list: {set(files) ^ set(wanted)}")
        log(f"{len(files)} files installed, as listed by meson introspect --installed")
    except BaseException:
        failed = True
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log("PASS" if not failed else "FAIL")


if __name__ == "__main__":
    main()
