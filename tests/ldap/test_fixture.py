# SPDX-License-Identifier: BSD-2-Clause
"""The shipped LDAP schema (conf/ldap/) and the slapd fixture (tests/ldap/slapd.py), against a
real slapd: schema files agree, TLS, the compare-and-swap the store relies on, SINGLE-VALUE,
the ACLs, restart/kill, no server left behind, multi-provider replication, and the cn=config
files loaded into a Debian-default cn=config server."""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
import daemon  # noqa: E402
import slapd  # noqa: E402
from checks import check, finish, log, require, skip  # noqa: E402

CONF = os.path.normpath(os.path.join(HERE, "..", "..", "conf", "ldap"))
ARC = "2.25.307572004571355272321030275395909810780"
# A realistic record: several lines, a few KB.
RECORD = ("pam_otp 1\nsecret JBSWY3DPEHPK3PXP\ncounter 17\nfail 0\nlast 123456\n"
          + "# padding\n" * 200).encode()


# ---- schema files agree ------------------------------------------------------------------
def _definition(text, i):
    """The balanced '( ... )' starting at text[i] (quotes may hold parentheses)."""
    depth, quoted = 0, False
    for j in range(i, len(text)):
        c = text[j]
        if c == "'":
            quoted = not quoted
        elif not quoted and c == "(":
            depth += 1
        elif not quoted and c == ")":
            depth -= 1
            if depth == 0:
                return text[i:j + 1]
    raise ValueError("unbalanced definition")


def _norm(d):
    return re.sub(r"\s+", " ", d).strip()


def defs_schema(path):
    text = "\n".join(line for line in open(path).read().splitlines()
                     if not line.lstrip().startswith("#"))
    out = {"attr": [], "class": []}
    for m in re.finditer(r"(?i)\b(attributetype|objectclass)\s+\(", text):
        kind = "attr" if m.group(1).lower() == "attributetype" else "class"
        out[kind].append(_norm(_definition(text, m.end() - 1)))
    return out


def defs_ldif(path, attr_name, class_name):
    out = {"attr": [], "class": []}
    for _, attrs in slapd.parse_ldif(open(path).read()):
        for name, kind in ((attr_name, "attr"), (class_name, "class")):
            for v in attrs.get(name.lower(), []):
                out[kind].append(_norm(re.sub(r"^\{\d+\}", "", v.decode())))
    return out


def test_schema_files():
    log("== schema: pam_otp.schema, pam_otp.ldif and pam_otp-389ds.ldif agree")
    classic = defs_schema(os.path.join(CONF, "pam_otp.schema"))
    config = defs_ldif(os.path.join(CONF, "pam_otp.ldif"), "olcAttributeTypes", "olcObjectClasses")
    ds = defs_ldif(os.path.join(CONF, "pam_otp-389ds.ldif"), "attributeTypes", "objectClasses")
    require(len(classic["attr"]) == 1 and len(classic["class"]) == 1,
            "pam_otp.schema: one attribute type, one object class")
    attr, oc = classic["attr"][0], classic["class"][0]
    for part in (f"( {ARC}.1.1 NAME 'pamOtpRecord'", "EQUALITY octetStringMatch",
                 "SYNTAX 1.3.6.1.4.1.1466.115.121.1.40", "SINGLE-VALUE", "DESC '"):
        check(part in attr, f"pamOtpRecord has {part}")
    for part in (f"( {ARC}.2.1 NAME 'pamOtpUser'", "AUXILIARY", "MAY pamOtpRecord"):
        check(part in oc, f"pamOtpUser has {part}")
    check(config == classic, "cn=config LDIF defines exactly what pam_otp.schema does")
    if config != classic:
        log(f"   schema:    {classic}\n   cn=config: {config}")
    origin = " X-ORIGIN 'pam_otp' )"
    check(all(d.endswith(origin) for d in ds["attr"] + ds["class"]),
          "389-ds definitions carry X-ORIGIN 'pam_otp'")
    stripped = {k: [d.replace(origin, " )") for d in v] for k, v in ds.items()}
    check(stripped == classic, "389-ds LDIF defines exactly what pam_otp.schema does")
    if stripped != classic:
        log(f"   schema: {classic}\n   389-ds: {stripped}")


# ---- one server ----------------------------------------------------------------------------
def whoami(s, uri, ca=None, starttls=False, bind="root"):
    return s.ldap("ldapwhoami", *(["-ZZ"] if starttls else []), uri=uri, ca=ca, bind=bind)


def gone(pid):
    """The process no longer runs (absent, or a zombie nobody reaps)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def port_closed(port):
    with socket.socket() as sk:
        sk.settimeout(2)
        return sk.connect_ex(("127.0.0.1", port)) != 0


def test_server(tmp, ca):
    log("== one server: TLS, compare-and-swap, SINGLE-VALUE, ACLs, restart, kill")
    with slapd.Slapd(os.path.join(tmp, "one"), ca) as s:
        s.start()
        check(True, "slapd starts with conf/ldap/pam_otp.schema included")
        alice = s.add_user("alice", 10001, password="alice-pw")
        bob = s.add_user("bob", 10002, password="bob-pw")
        s.add_user("carol", 10003, password="carol-pw", aux=False)
        svc = (s.service_dn, s.service_pw)

        # TLS: the client demands a certificate from the CA it is given.
        r = whoami(s, s.uri_ldap, starttls=True, bind=svc)
        check(r.returncode == 0 and s.service_dn.encode() in r.stdout,
              "StartTLS (-ZZ) with the right CA, bound as the service")
        check(whoami(s, s.uri_ldaps, bind=svc).returncode == 0, "ldaps:// with the right CA")
        check(whoami(s, s.uri_ldaps.replace("127.0.0.1", "localhost"), bind=svc).returncode == 0,
              "ldaps://localhost (SAN DNS:localhost)")
        r = whoami(s, s.uri_ldap, ca=ca.wrong_ca_file, starttls=True, bind=svc)
        check(r.returncode != 0, "StartTLS with a wrong CA is refused "
              f"({r.stderr.decode().strip().splitlines()[0] if r.stderr else r.returncode})")
        check(whoami(s, s.uri_ldaps, ca=ca.wrong_ca_file, bind=svc).returncode != 0,
              "ldaps:// with a wrong CA is refused")

        # Compare-and-swap, as the service identity would do it.
        check(s.get_record("alice") is None, "a new user has no record")
        s.set_record("alice", RECORD)
        check(s.get_record("alice", bind=svc) == RECORD,
              f"a {len(RECORD)}-byte multi-line record round-trips (read as the service)")
        new = RECORD.replace(b"counter 17", b"counter 18")
        check(s.cas("alice", RECORD, new, bind=svc) == 0, "CAS with the current value succeeds")
        check(s.get_record("alice") == new, "CAS stored the new value")
        newer = new.replace(b"counter 18", b"counter 19")
        rc = s.cas("alice", RECORD, newer, bind=svc)
        check(rc == 16, f"CAS with a stale old value fails with noSuchAttribute (got {rc})")
        check(s.get_record("alice") == new, "the failed CAS left the value unchanged")
        rc = s.cas("alice", new.upper(), newer, bind=svc)
        check(rc == 16, f"octetStringMatch is exact: an old value differing in case fails ({rc})")
        r = s.modify(f"dn: {alice}\nchangetype: modify\nadd: pamOtpRecord\n"
                     + slapd.ldif_value("pamOtpRecord", b"second"))
        check(r.returncode != 0, f"SINGLE-VALUE: adding a second value fails ({r.returncode})")
        check(s.get_record("alice") == new, "the refused second value left the record alone")
        r = s.modify(f"dn: uid=carol,{slapd.PEOPLE}\nchangetype: modify\nadd: pamOtpRecord\n"
                     + slapd.ldif_value("pamOtpRecord", b"x"))
        check(r.returncode == 65, "no pamOtpRecord without objectClass pamOtpUser "
              f"(objectClassViolation 65, got {r.returncode})")

        # ACLs (self_write=False, anon_search=False).
        s.set_record("bob", b"bob record")
        user_a = (alice, "alice-pw")
        check(s.cas("bob", b"bob record", b"by alice", bind=user_a) == 50,
              "a user cannot write another user's record (insufficientAccess 50)")
        check(s.cas("alice", new, b"by alice", bind=user_a) == 50,
              "a user cannot write their own record without self_write")
        check(s.get_record("alice", bind=user_a) is None, "a user cannot read their own record")
        r = s.ldap("ldapsearch", "-b", alice, "-s", "base", "uid", bind=user_a)
        check(r.returncode == 0 and b"uid: alice" in r.stdout, "a user reads their own entry")
        r = s.ldap("ldapsearch", "-b", bob, "-s", "base", bind=user_a)
        check(b"bob" not in r.stdout, "a user does not see another user's entry")
        r = s.ldap("ldapsearch", "-b", slapd.SUFFIX, "(uid=alice)", "*", bind=None)
        check(b"alice" not in r.stdout and b"pamOtpRecord" not in r.stdout,
              "anonymous can neither search users nor read pamOtpRecord")
        r = s.ldap("ldapsearch", "-b", slapd.PEOPLE, "(uid=*)", "uid", bind=svc)
        check(r.stdout.count(b"uid: ") == 3, "the service searches the users")
        check(s.cas("bob", b"bob record", b"by service", bind=svc) == 0,
              "the service writes a user's record")

        # Restart keeps data and ports; kill leaves no process, the data survives.
        uri, pid = s.uri_ldaps, s.pid
        s.restart()
        check(s.pid != pid and gone(pid), "restart: the old slapd is gone")
        check(s.uri_ldaps == uri and whoami(s, s.uri_ldaps, bind=svc).returncode == 0,
              "restart: same ports, ldaps answers")
        check(s.get_record("alice") == new and s.get_record("bob") == b"by service",
              "restart keeps the records")
        pid = s.pid
        s.kill()
        check(gone(pid) and port_closed(s.port) and port_closed(s.ldaps_port),
              "kill (SIGKILL): no process, ports closed")
        s.start()
        check(s.get_record("alice") == new, "start after SIGKILL: the record is intact")
        s.delete_user("bob")
        check(s.ldap("ldapsearch", "-b", bob, "-s", "base").returncode == 32, "delete_user")


def test_options(tmp, ca):
    log("== fixture options self_write=True, anon_search=True")
    with slapd.Slapd(os.path.join(tmp, "opts"), ca, self_write=True, anon_search=True) as s:
        s.start()
        alice = s.add_user("alice", 10001, password="alice-pw")
        s.add_user("bob", 10002, password="bob-pw")
        s.set_record("alice", b"a1")
        s.set_record("bob", b"b1")
        user_a = (alice, "alice-pw")
        check(s.cas("alice", b"a1", b"a2", bind=user_a) == 0 and s.get_record("alice") == b"a2",
              "self_write: a user writes their own record")
        check(s.cas("bob", b"b1", b"by alice", bind=user_a) == 50,
              "self_write: still not another user's record")
        r = s.ldap("ldapsearch", "-b", slapd.PEOPLE, "(uid=alice)", "uid", "pamOtpRecord",
                   bind=None)
        check(r.returncode == 0 and f"dn: {alice}".encode() in r.stdout,
              "anon_search: anonymous finds a user's DN by uid")
        check(b"pamOtpRecord" not in r.stdout and b"a2" not in r.stdout,
              "anon_search: anonymous still cannot read pamOtpRecord")
        r = s.ldap("ldapsearch", "-b", slapd.PEOPLE, "(uid=alice)", "homeDirectory", bind=None)
        check(b"/home/alice" not in r.stdout, "anon_search: nothing beyond uid/objectClass")


# ---- nothing left running ------------------------------------------------------------------
CHILD = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {here!r})
    import slapd
    ca = slapd.TestCA({tmp!r} + "/ca")
    s = slapd.Slapd({tmp!r} + "/srv", ca)
    s.start()
    with open({tmp!r} + "/pid", "w") as f:
        f.write(f"{{s.pid}} {{s.port}}")
    if sys.argv[1] == "raise":
        raise RuntimeError("a failing test")
    time.sleep(60)  # until SIGKILLed
""")


def test_no_leftovers(tmp, _ca):
    log("== no slapd survives a test that raises, or a test that is SIGKILLed")
    for mode in ("raise", "sigkill"):
        d = os.path.join(tmp, "child-" + mode)
        os.makedirs(d)
        p = subprocess.Popen([sys.executable, "-c", CHILD.format(here=HERE, tmp=d), mode],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while not os.path.exists(os.path.join(d, "pid")) and p.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        require(os.path.exists(os.path.join(d, "pid")), f"{mode}: the child started a slapd")
        pid, port = map(int, open(os.path.join(d, "pid")).read().split())
        if mode == "sigkill":
            time.sleep(0.2)
            p.kill()
        p.wait(30)
        deadline = time.monotonic() + 5
        # A killed multi-threaded process shows as a zombie before its last thread has
        # closed the files: wait for both.
        while not (gone(pid) and port_closed(port)) and time.monotonic() < deadline:
            time.sleep(0.05)
        check(gone(pid) and port_closed(port),
              f"{mode}: child exited {p.returncode}, its slapd {pid} is gone, port closed")


# ---- replication ---------------------------------------------------------------------------
def test_mirror(tmp, ca):
    log("== multi-provider pair: replication both ways")
    with slapd.MirrorPair(os.path.join(tmp, "pair"), ca) as m:
        t0 = time.monotonic()
        m.start()
        log(f"   pair up and replicating both ways in {time.monotonic() - t0:.2f} s")
        m.a.add_user("alice", 10001, password="alice-pw")
        lags = {"a->b": [], "b->a": []}
        value = None
        for i in range(10):
            src, dst, key = (m.a, m.b, "a->b") if i % 2 == 0 else (m.b, m.a, "b->a")
            new = RECORD + f"round {i}\n".encode()
            rc = src.cas("alice", value, new) if value is not None else None
            if rc is None:
                src.set_record("alice", new)
            else:
                require(rc == 0, f"CAS on serverID {src.server_id} round {i} (got {rc})")
            lags[key].append(m.wait_replicated("alice", new, timeout=10, on=dst))
            value = new
        for k, v in lags.items():
            log(f"   lag {k}: max {max(v) * 1000:.0f} ms, mean {sum(v) / len(v) * 1000:.0f} ms"
                f" over {len(v)} writes")
        check(True, "replicates a->b and b->a (each change seen on the other provider)")
        svc = (m.a.service_dn, m.a.service_pw)
        check(whoami(m.b, m.b.uri_ldaps, bind=svc).returncode == 0,
              "the service entry (and its password) replicated to b")

        # What the store must know: CAS is atomic per server only. Two logins on different
        # providers with the same old value both succeed; replication then keeps one of them.
        a_new, b_new = value + b"A", value + b"B"
        rcs = {}
        writers = [threading.Thread(target=lambda s, v: rcs.update({s.server_id: s.cas(
            "alice", value, v)}), args=a) for a in ((m.a, a_new), (m.b, b_new))]
        for w in writers:
            w.start()
        for w in writers:
            w.join()
        log(f"   concurrent CAS with the same old value: serverID 1 -> {rcs[1]}, "
            f"serverID 2 -> {rcs[2]} (0 and 0: both logins would have succeeded)")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            va, vb = m.a.get_record("alice"), m.b.get_record("alice")
            if va == vb:
                break
            time.sleep(0.05)
        # Not asserted: whether two conflicting modifies converge is up to slapd's conflict
        # handling (seen both ways here). What the store needs is that the next write on
        # one provider puts both back in step.
        log(f"   after the conflict: {'converged' if va == vb else 'DIVERGED'} "
            f"(a has {'A' if va == a_new else 'B' if va == b_new else repr(va)}, "
            f"b has {'A' if vb == a_new else 'B' if vb == b_new else repr(vb)})")
        m.a.set_record("alice", value)
        m.wait_replicated("alice", value, on=m.b)
        check(m.b.get_record("alice") == value == m.a.get_record("alice"),
              "the next write on one provider brings both back in step")


# ---- the cn=config files on a Debian-default cn=config server ------------------------------
def test_cn_config(tmp, ca):
    log("== cn=config: pam_otp.ldif and acl-openldap.ldif load into Debian's default config")
    d = os.path.join(tmp, "cnconfig")
    cfg, db = os.path.join(d, "slapd.d"), os.path.join(d, "db")
    os.makedirs(cfg)
    os.makedirs(db)
    rootpw = "cnconfig-root"
    init = open("/usr/share/slapd/slapd.init.ldif").read()
    init = (init.replace("@SUFFIX@", slapd.SUFFIX).replace("@PASSWORD@", rootpw)
            .replace("/var/lib/ldap", db).replace("/var/run/slapd", d)
            .replace("olcDbMaxSize: 1073741824", "olcDbMaxSize: 104857600"))
    open(os.path.join(d, "init.ldif"), "w").write(init)
    r = subprocess.run(["slapadd", "-n0", "-F", cfg, "-l", os.path.join(d, "init.ldif")],
                       capture_output=True, env=dict(os.environ, PATH=os.environ["PATH"]
                                                     + ":/usr/sbin"))
    require(r.returncode == 0, "slapadd of Debian's slapd.init.ldif: "
            + r.stderr.decode(errors="replace")[-300:])
    sock = os.path.join(tempfile.mkdtemp(prefix="slapd-"), "ldapi")
    uri = "ldapi://" + slapd.urllib.parse.quote(sock, safe="")
    logf = open(os.path.join(d, "slapd.log"), "wb")
    p = subprocess.Popen([slapd.SLAPD, "-d", "stats", "-F", cfg, "-h", uri + "/"],
                         stdout=logf, stderr=subprocess.STDOUT, preexec_fn=daemon.die_with_parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LDAP")}
    env["LDAPCONF"] = os.path.join(d, "no-ldap.conf")

    def tool(*args, input=None):
        return subprocess.run([*args[:1], "-H", uri, *args[1:]], input=input, env=env,
                              capture_output=True, timeout=20)
    try:
        deadline = time.monotonic() + 20
        while tool("ldapsearch", "-Y", "EXTERNAL", "-b", "", "-s", "base").returncode != 0:
            require(p.poll() is None and time.monotonic() < deadline,
                    "the cn=config slapd starts")
            time.sleep(0.05)
        r = tool("ldapadd", "-Y", "EXTERNAL", "-f", os.path.join(CONF, "pam_otp.ldif"))
        check(r.returncode == 0, "ldapadd -Y EXTERNAL -H ldapi:/// -f conf/ldap/pam_otp.ldif "
              + r.stderr.decode(errors="replace").strip().splitlines()[-1])
        r = tool("ldapmodify", "-Y", "EXTERNAL", "-f", os.path.join(CONF, "acl-openldap.ldif"))
        check(r.returncode == 0, "ldapmodify -Y EXTERNAL -f conf/ldap/acl-openldap.ldif "
              + r.stderr.decode(errors="replace").strip().splitlines()[-1])
        r = tool("ldapsearch", "-Y", "EXTERNAL", "-LLL", "-o", "ldif-wrap=no", "-b",
                 "olcDatabase={1}mdb,cn=config", "-s", "base", "olcAccess")
        check(b"olcAccess: {0}to attrs=pamOtpRecord" in r.stdout,
              "the pamOtpRecord rule is the first of the database")
        # Data, then the ACL at work over Debian's generic "to * by * read".
        svc_pw, user_pw = "svc-pw", "user-pw"

        def pwfile(name, pw):  # ldap tools read passwords from -y files, never argv
            return daemon.write_private(os.path.join(d, name + ".pw"), pw)
        root = ("-x", "-D", slapd.ROOTDN, "-y", pwfile("root", rootpw))
        svc = ("-x", "-D", slapd.SERVICE_DN, "-y", pwfile("svc", svc_pw))
        user = ("-x", "-D", f"uid=u,{slapd.PEOPLE}", "-y", pwfile("user", user_pw))
        ldif = (f"dn: {slapd.SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\n"
                f"dc: example\no: x\n\ndn: {slapd.PEOPLE}\nobjectClass: organizationalUnit\n"
                f"ou: people\n\ndn: {slapd.SERVICES}\nobjectClass: organizationalUnit\n"
                f"ou: services\n\ndn: {slapd.SERVICE_DN}\nobjectClass: applicationProcess\n"
                f"objectClass: simpleSecurityObject\ncn: pam_otp\nuserPassword: {svc_pw}\n\n"
                f"dn: uid=u,{slapd.PEOPLE}\nobjectClass: account\n"
                "objectClass: simpleSecurityObject\nobjectClass: pamOtpUser\n"
                f"uid: u\nuserPassword: {user_pw}\n"
                + slapd.ldif_value("pamOtpRecord", b"rec1"))
        r = tool("ldapadd", *root, input=ldif.encode())
        require(r.returncode == 0, "add a user with objectClass pamOtpUser "
                + r.stderr.decode(errors="replace").strip())
        udn = f"uid=u,{slapd.PEOPLE}"
        cas = (f"dn: {udn}\nchangetype: modify\ndelete: pamOtpRecord\n"
               + slapd.ldif_value("pamOtpRecord", b"rec1") + "-\nadd: pamOtpRecord\n"
               + slapd.ldif_value("pamOtpRecord", b"rec2") + "-\n").encode()
        r = tool("ldapmodify", *user, input=cas)
        check(r.returncode == 50, f"the user cannot write their record ({r.returncode})")
        r = tool("ldapsearch", *user, "-LLL", "-b", udn, "-s", "base",
                 "*", "pamOtpRecord")
        check(r.returncode == 0 and b"uid: u" in r.stdout and b"pamOtpRecord" not in r.stdout,
              "the user reads their entry (Debian's to * by * read) but not pamOtpRecord")
        r = tool("ldapmodify", *svc, input=cas)
        check(r.returncode == 0, f"the service identity writes the record ({r.returncode})")
        r = tool("ldapsearch", *svc, "-LLL", "-b", udn,
                 "-s", "base", "pamOtpRecord")
        check(b"pamOtpRecord: rec2" in r.stdout, "the service reads the record")
    finally:
        p.kill()
        p.wait()
        logf.close()
        shutil.rmtree(os.path.dirname(sock), ignore_errors=True)


def main():
    if not os.path.exists(slapd.SLAPD) or not shutil.which("ldapsearch"):
        skip("slapd or ldap-utils not installed")
    t0 = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="pam_otp-ldap-")
    try:
        test_schema_files()
        ca = slapd.TestCA(os.path.join(tmp, "ca"))
        for t in (test_server, test_options, test_mirror, test_cn_config, test_no_leftovers):
            try:
                t(tmp, ca)
            except (AssertionError, RuntimeError) as e:
                check(False, f"{t.__name__} stopped: {e}")
    finally:
        log(f"   ({time.monotonic() - t0:.1f} s)")
        if os.environ.get("KEEP_LDAP_TMP"):
            log("   kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
