# SPDX-License-Identifier: BSD-2-Clause
"""A real OpenLDAP slapd for the LDAP store tests (python3 stdlib only).

    ca = TestCA(dir)                 openssl CLI: ca_file, cert, key (CN=localhost, SAN
                                     DNS:localhost, IP:127.0.0.1), wrong_ca_file (unrelated CA)
    with Slapd(workdir, ca, self_write=False, anon_search=False, gssapi=None) as s:
                                     gssapi: a kdc.LdapService (tests/ldap/kdc.py): SASL
                                     GSSAPI binds, uid=U@REALM -> uid=U,ou=people
        s.start()                    foreground slapd (Popen), waits until it answers (20 s)
        s.uri_ldap / uri_ldaps / uri_ldapi, s.port, s.ldaps_port
        s.rootdn, s.service_dn, s.service_pw, s.password_file(dn_or_pw)
        s.add_user("alice", 10001, password="pw", aux=True) -> DN
        s.get_record("alice") -> bytes | None       (as rootdn, binary-safe)
        s.set_record("alice", b"...") / set_record("alice", None)
        s.cas("alice", old, new, bind=(dn, pw)) -> ldapmodify exit code (0, 16, 50, ...)
        s.ldap("ldapwhoami", "-ZZ", uri=..., bind=..., ca=...) -> CompletedProcess
        s.stop() (SIGTERM) / s.kill() (SIGKILL) / s.restart() (same ports, same data)
    MirrorPair(workdir, ca): .a (serverID 1), .b (serverID 2), multi-provider syncrepl;
        wait_replicated(uid, expected, timeout, on=None) -> seconds until `on` has it

Every slapd is killed when its owner is done: context manager, atexit, kill when start()
fails, and PR_SET_PDEATHSIG so that even a SIGKILLed test takes its servers with it.
Passwords reach the ldap tools through -y files (mode 0600), never argv.

CLI: python3 tests/ldap/slapd.py serve DIR  (one server with alice and bob, until Ctrl-C)
"""
import base64
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon import Daemon, free_port, write_private  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.normpath(os.path.join(HERE, "..", "..", "conf", "ldap", "pam_otp.schema"))
SLAPD = (os.environ.get("SLAPD")  # meson passes the one it found
         or shutil.which("slapd", path=os.environ.get("PATH", "") + ":/usr/sbin")
         or "/usr/sbin/slapd")
SUFFIX = "dc=example,dc=org"
PEOPLE = "ou=people," + SUFFIX
SERVICES = "ou=services," + SUFFIX
ROOTDN = "cn=admin," + SUFFIX
SERVICE_DN = "cn=pam_otp," + SERVICES
START_TIMEOUT = 20.0
TOOL_TIMEOUT = 15  # every ldap tool call has a limit, so a hung server fails the test

def _run(args, cwd=None):
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, timeout=60)


EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


class TestCA:
    """A test CA, a server certificate for localhost/127.0.0.1 from it, and an unrelated CA."""

    def __init__(self, d):
        os.makedirs(d, exist_ok=True)
        self.dir = d
        for name in ("ca", "wrong-ca"):
            _run(["openssl", "req", "-x509", *EC, "-keyout", name + ".key", "-out",
                  name + ".pem", "-days", "2", "-subj", "/CN=pam_otp LDAP test " + name,
                  "-addext", "basicConstraints=critical,CA:TRUE",
                  "-addext", "keyUsage=critical,keyCertSign,cRLSign"], cwd=d)
        # libldap checks ldap[s]://localhost against the machine's hostname, not "localhost"
        # (OpenLDAP tls_*.c): name both, so either URI works.
        self._issue("server", "/CN=localhost",
                    f"subjectAltName=DNS:localhost,DNS:{socket.gethostname()},IP:127.0.0.1\n"
                    "keyUsage=critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n")
        # A client certificate for SASL EXTERNAL over TLS (mapped to the service entry).
        self._issue("client", "/CN=pam_otp client",
                    "keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n")
        self.ca_file = os.path.join(d, "ca.pem")
        self.wrong_ca_file = os.path.join(d, "wrong-ca.pem")
        self.cert = os.path.join(d, "server.pem")
        self.key = os.path.join(d, "server.key")
        self.client_cert = os.path.join(d, "client.pem")
        self.client_key = os.path.join(d, "client.key")

    def _issue(self, name, subject, extensions):
        """NAME.key and NAME.pem, signed by the CA, with these X.509v3 extensions."""
        d = self.dir
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\n" + extensions)
        _run(["openssl", "req", *EC, "-keyout", name + ".key", "-out", name + ".csr",
              "-subj", subject], cwd=d)
        _run(["openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey",
              "ca.key", "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", "2",
              "-extfile", name + ".ext", "-out", name + ".pem"], cwd=d)


def ldif_value(attr, data):
    """One LDIF attribute line, base64 (attr:: ...) so any bytes survive."""
    return f"{attr}:: {base64.b64encode(data).decode()}\n"


def parse_ldif(text):
    """ldapsearch -LLL output -> list of (dn, {attr_lower: [bytes, ...]})."""
    entries = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = []
        for line in block.split("\n"):
            if line.startswith(" ") and lines:
                lines[-1] += line[1:]  # unfold
            elif line and not line.startswith("#"):
                lines.append(line)
        if not lines:
            continue
        dn, attrs = None, {}
        for line in lines:
            name, sep, rest = line.partition(":")
            if not sep:
                raise ValueError("bad LDIF line: " + line)
            if rest.startswith(":"):
                value = base64.b64decode(rest[1:].strip())
            else:
                value = rest[1:].encode() if rest.startswith(" ") else rest.encode()
            if name.lower() == "dn":
                dn = value.decode()
            else:
                attrs.setdefault(name.lower(), []).append(value)
        entries.append((dn, attrs))
    return entries


class Slapd(Daemon):
    """One private slapd: slapd.conf, mdb and sockets in workdir, TLS from a TestCA."""

    def __init__(self, workdir, ca, server_id=None, self_write=False, anon_search=False,
                 peer_uri=None, gssapi=None):
        self.workdir = os.path.abspath(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.ca = ca
        self.server_id = server_id
        self.self_write = self_write
        self.anon_search = anon_search
        self.peer_uri = peer_uri  # a MirrorPair sets the other provider's ldap:// URI
        # SASL GSSAPI (Kerberos) binds: a kdc.LdapService (krb5_conf, keytab, realm, host).
        self.gssapi = gssapi
        self.rootdn = ROOTDN
        self.rootpw = secrets.token_hex(16)
        self.service_dn = SERVICE_DN
        self.service_pw = secrets.token_hex(16)
        self.suffix = SUFFIX
        self.port = free_port()
        self.ldaps_port = free_port()
        while self.ldaps_port == self.port:
            self.ldaps_port = free_port()
        sock = os.path.join(self.workdir, "ldapi")
        if len(sock) > 100:  # sun_path is 108 bytes
            import tempfile
            sock = os.path.join(tempfile.mkdtemp(prefix="slapd-"), "ldapi")
        self.ldapi_path = sock
        self.uri_ldap = f"ldap://127.0.0.1:{self.port}"
        self.uri_ldaps = f"ldaps://127.0.0.1:{self.ldaps_port}"
        self.uri_ldapi = "ldapi://" + urllib.parse.quote(sock, safe="")
        self.db_dir = os.path.join(self.workdir, "db")
        self.conf = os.path.join(self.workdir, "slapd.conf")
        self.log = os.path.join(self.workdir, "slapd.log")
        self.pidfile = os.path.join(self.workdir, "slapd.pid")
        self.proc = None
        self._pwfiles = {}
        self._populated = False
        # Clients read no system ldap.conf (its TLS_CACERT would mask ours) and no ~/.ldaprc.
        self._ldapconf = write_private(os.path.join(self.workdir, "ldap.conf"), "")

    # ---- configuration -------------------------------------------------------------------
    def _acl(self):
        svc = f'dn.exact="{SERVICE_DN}"'
        rules = [
            # Passwords: changed by their owner, used for binding, seen by nobody.
            "access to attrs=userPassword\n  by self write\n  by anonymous auth\n  by * none",
            # The OTP record: the service identity only (as conf/ldap/acl-openldap.ldif),
            # optionally the user too (the trade-off is in conf/ldap/acl-openldap.ldif).
            "access to attrs=pamOtpRecord\n  by %s write\n%s  by * none"
            % (svc, "  by self write\n" if self.self_write else ""),
        ]
        if self.anon_search or self.gssapi:
            # otp-enroll as a user: find the own DN by uid, before binding (password) or
            # once bound (GSSAPI: the search needs "search" on the base entry too).
            rules.append(f'access to dn.subtree="{PEOPLE}" attrs=entry,uid,objectClass\n'
                         + ("  by anonymous read\n" if self.anon_search else "")
                         + ("  by users read\n" if self.gssapi else "") + "  by * break")
        rules.append(f"access to *\n  by {svc} read\n  by self read\n  by * none")
        return "\n".join(rules) + "\n"

    def _write_conf(self):
        os.makedirs(self.db_dir, exist_ok=True)
        g = ["# written by tests/ldap/slapd.py",
             *[f"include /etc/ldap/schema/{n}.schema"
               for n in ("core", "cosine", "inetorgperson", "nis")],
             f"include {SCHEMA}",
             "modulepath /usr/lib/ldap",
             "moduleload back_mdb"]
        if self.peer_uri:
            g.append("moduleload syncprov")
        if self.server_id is not None:
            g.append(f"serverID {self.server_id}")
        g += [f"pidfile {self.pidfile}",
              f"TLSCACertificateFile {self.ca.ca_file}",
              f"TLSCertificateFile {self.ca.cert}",
              f"TLSCertificateKeyFile {self.ca.key}",
              # SASL EXTERNAL: root over ldapi://, or the client certificate, is the service.
              "TLSVerifyClient try",
              'authz-regexp "^gidNumber=0[+]uidNumber=0,cn=peercred,cn=external,cn=auth$" '
              f'"{SERVICE_DN}"',
              f'authz-regexp "^cn=pam_otp client$" "{SERVICE_DN}"']
        if self.gssapi:
            # A Kerberos user (no instance: no "/") is the people entry of that uid. slapd
            # makes uid=alice,cn=EXAMPLE.ORG,cn=GSSAPI,cn=auth and normalises it (lower
            # case) before the regexp sees it (its "-d args,trace" log). sasl-host: the
            # service principal is ldap/<host>; the keytab has that key (KRB5_KTNAME).
            k = self.gssapi
            g += [f"sasl-realm {k.realm}",
                  f"sasl-host {k.host}",
                  f'authz-regexp "^uid=([^,/]+),cn={k.realm.lower()},cn=gssapi,cn=auth$" '
                  f'"uid=$1,{PEOPLE}"']
        g += ["",
              "database mdb",
              f"suffix {SUFFIX}",
              f"rootdn {ROOTDN}",
              f"rootpw {self.rootpw}",
              f"directory {self.db_dir}",
              "maxsize 104857600",
              "index objectClass,uid eq",
              "index entryCSN,entryUUID eq"]
        if self.peer_uri:
            # Multi-provider: pull everything from the other provider, as its rootdn over
            # loopback (test only); retry every second for ever so start order does not matter.
            g += [f"syncrepl rid={self.server_id:03d} provider={self.peer_uri}",
                  f"  bindmethod=simple binddn=\"{ROOTDN}\" credentials={self.rootpw}",
                  f"  searchbase=\"{SUFFIX}\" type=refreshAndPersist retry=\"1 +\"",
                  "  timeout=5 network-timeout=5",
                  "multiprovider on",
                  "overlay syncprov",
                  "syncprov-checkpoint 100 10"]
        write_private(self.conf, "\n".join(g) + "\n" + self._acl())

    # ---- process control -----------------------------------------------------------------
    def start(self):
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError("slapd already running")
        self._write_conf()
        if os.path.exists(self.ldapi_path):
            os.unlink(self.ldapi_path)
        env = None
        if self.gssapi:  # the service key and the realm's configuration, for slapd only
            env = dict(os.environ, KRB5_KTNAME="FILE:" + self.gssapi.keytab,
                       KRB5_CONFIG=self.gssapi.krb5_conf)
        # -d stats keeps slapd in the foreground (a Popen child we can always kill) and sends
        # its connection/operation log to slapd.log. No -u: it runs as we do, so it can read
        # the key (Debian's slapd would drop to "openldap", who cannot read our workdir).
        self.spawn([SLAPD, "-d", "stats", "-f", self.conf, "-h",
                    f"{self.uri_ldap}/ {self.uri_ldaps}/ {self.uri_ldapi}"], env=env)
        try:
            if not self._populated:
                self._populate()
        except BaseException:
            self.kill()
            raise
        return self

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"slapd exited with {self.proc.returncode} at start\n"
                                   + self.log_tail())
            r = self.ldap("ldapsearch", "-b", "", "-s", "base", "namingContexts",
                          bind=None, timeout=5)
            if r.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"slapd did not answer on {self.uri_ldapi} within "
                                   f"{START_TIMEOUT:.0f} s\n" + self.log_tail())
            time.sleep(0.05)

    def log_tail(self, n=40):
        try:
            with open(self.log, "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
        except OSError as e:
            return f"(no slapd log: {e})"
        return "---- slapd.log (last lines) ----\n" + "\n".join(lines[-n:])

    def restart(self):
        self.stop()
        return self.start()

    # ---- clients -------------------------------------------------------------------------
    def password_file(self, pw):
        """A 0600 file holding pw (for ldap* -y): secrets never go through argv."""
        if pw not in self._pwfiles:
            path = os.path.join(self.workdir, f"pw.{len(self._pwfiles)}")
            self._pwfiles[pw] = write_private(path, pw)
        return self._pwfiles[pw]

    def client_env(self, ca=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith("LDAP")}
        env["LDAPCONF"] = self._ldapconf
        env["LDAPRC"] = os.path.join(self.workdir, "no-ldaprc")
        env["LDAPTLS_CACERT"] = ca or self.ca.ca_file
        env["LDAPTLS_REQCERT"] = "demand"
        return env

    def ldap(self, tool, *args, uri=None, bind="root", ca=None, input=None, timeout=TOOL_TIMEOUT):
        """Run an ldap-utils tool. bind: "root", None (anonymous) or (dn, password)."""
        cmd = [tool, "-H", uri or self.uri_ldapi, "-x", "-o", f"nettimeout={timeout}"]
        if tool == "ldapsearch":
            cmd += ["-LLL", "-o", "ldif-wrap=no", "-l", str(timeout)]
        if bind == "root":
            bind = (ROOTDN, self.rootpw)
        if bind is not None:
            cmd += ["-D", bind[0], "-y", self.password_file(bind[1])]
        cmd += list(args)
        try:
            return subprocess.run(cmd, input=input.encode() if isinstance(input, str) else input,
                                  capture_output=True, env=self.client_env(ca),
                                  timeout=timeout + 5)
        except subprocess.TimeoutExpired as e:
            return subprocess.CompletedProcess(cmd, 124, e.stdout or b"", b"timed out")

    def _must(self, r, what):
        if r.returncode != 0:
            raise RuntimeError(f"{what}: exit {r.returncode}: "
                               f"{r.stderr.decode(errors='replace').strip()}")
        return r

    def modify(self, ldif, bind="root", uri=None):
        """ldapmodify; returns the CompletedProcess (returncode = LDAP result code)."""
        return self.ldap("ldapmodify", uri=uri, bind=bind, input=ldif)

    def add(self, ldif):
        return self._must(self.ldap("ldapadd", input=ldif), "ldapadd")

    def _populate(self):
        """Base, ou=people, ou=services and the service entry (skipped when present)."""
        r = self.ldap("ldapsearch", "-b", SUFFIX, "-s", "base", "1.1")
        if r.returncode == 0:
            self._populated = True
            return
        self.add(f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\n"
                 "dc: example\no: pam_otp test\n\n"
                 f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n\n"
                 f"dn: {SERVICES}\nobjectClass: organizationalUnit\nou: services\n\n"
                 f"dn: {SERVICE_DN}\nobjectClass: applicationProcess\n"
                 "objectClass: simpleSecurityObject\ncn: pam_otp\n"
                 + ldif_value("userPassword", self.service_pw.encode()))
        self._populated = True

    @staticmethod
    def user_dn(uid):
        return f"uid={uid},{PEOPLE}"

    def add_user(self, uid, uid_number, password=None, aux=True):
        dn = self.user_dn(uid)
        ldif = (f"dn: {dn}\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\n"
                + ("objectClass: pamOtpUser\n" if aux else "")
                + f"uid: {uid}\ncn: {uid}\nsn: {uid}\nuidNumber: {uid_number}\n"
                f"gidNumber: {uid_number}\nhomeDirectory: /home/{uid}\n")
        if password is not None:
            ldif += ldif_value("userPassword", password.encode())
        self.add(ldif)
        return dn

    def delete_user(self, uid):
        self._must(self.ldap("ldapdelete", self.user_dn(uid)), "ldapdelete")

    def get_record(self, uid, bind="root", uri=None):
        """The pamOtpRecord value (bytes), None when the entry has none."""
        r = self._must(self.ldap("ldapsearch", "-b", self.user_dn(uid), "-s", "base",
                                 "pamOtpRecord", bind=bind, uri=uri), "ldapsearch")
        entries = parse_ldif(r.stdout.decode())
        values = entries[0][1].get("pamotprecord", []) if entries else []
        if len(values) > 1:
            raise RuntimeError(f"{uid}: {len(values)} pamOtpRecord values (SINGLE-VALUE?)")
        return values[0] if values else None

    def set_record(self, uid, data):
        """Replace (or with None remove) the record, as rootdn."""
        ldif = f"dn: {self.user_dn(uid)}\nchangetype: modify\n"
        if data is None:
            r = self.modify(ldif + "delete: pamOtpRecord\n")
            if r.returncode == 16:  # had none
                return
        else:
            r = self.modify(ldif + "replace: pamOtpRecord\n" + ldif_value("pamOtpRecord", data))
        self._must(r, "ldapmodify")

    def cas(self, uid, old, new, bind="root", uri=None):
        """The store's compare-and-swap: one modify deleting exactly `old`, adding `new`.
        Returns ldapmodify's exit code: 0, 16 (noSuchAttribute: stale old), 50 (ACL), ..."""
        ldif = (f"dn: {self.user_dn(uid)}\nchangetype: modify\n"
                "delete: pamOtpRecord\n" + ldif_value("pamOtpRecord", old) + "-\n"
                "add: pamOtpRecord\n" + ldif_value("pamOtpRecord", new) + "-\n")
        return self.modify(ldif, bind=bind, uri=uri).returncode


class MirrorPair:
    """Two providers (serverID 1 and 2) replicating to each other (syncprov + syncrepl)."""

    def __init__(self, workdir, ca, **kw):
        self.workdir = os.path.abspath(workdir)
        self.a = Slapd(os.path.join(self.workdir, "a"), ca, server_id=1, **kw)
        self.b = Slapd(os.path.join(self.workdir, "b"), ca, server_id=2, **kw)
        # Same rootdn password on both: each binds to the other as its rootdn.
        self.b.rootpw = self.a.rootpw
        self.b.service_pw = self.a.service_pw
        self.a.peer_uri, self.b.peer_uri = self.b.uri_ldap, self.a.uri_ldap

    def start(self, timeout=20):
        try:
            self.a.start()  # adds the base entries
            self.b._populated = True  # b gets them by replication
            self.b.start()
            self._wait_entry(self.b, SERVICE_DN, timeout)
            # a's syncrepl may still be in its 1 s retry (b was not up when a started): one
            # change on b seen on a means both directions are connected.
            probe = secrets.token_hex(8)
            self.b.modify(f"dn: {SERVICES}\nchangetype: modify\nreplace: description\n"
                          f"description: probe {probe}\n")
            deadline = time.monotonic() + timeout
            while probe.encode() not in self.a.ldap("ldapsearch", "-b", SERVICES, "-s", "base",
                                                     "description").stdout:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"b -> a replication not up within {timeout} s\n"
                                       + self.a.log_tail())
                time.sleep(0.05)
        except BaseException:
            self.kill()
            raise
        return self

    def _wait_entry(self, s, dn, timeout):
        deadline = time.monotonic() + timeout
        while s.ldap("ldapsearch", "-b", dn, "-s", "base", "1.1").returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{dn} did not replicate within {timeout} s\n"
                                   + s.log_tail())
            time.sleep(0.05)

    def other(self, s):
        return self.b if s is self.a else self.a

    def wait_replicated(self, uid, expected, timeout=10, on=None):
        """Poll `on` (default b) until uid's record equals expected; returns the seconds it
        took from this call (call it right after the write on the other server)."""
        on = on or self.b
        t0 = time.monotonic()
        while True:
            try:
                got = on.get_record(uid)
            except RuntimeError:  # the entry itself may not be there yet
                got = object()
            if got == expected:
                return time.monotonic() - t0
            if time.monotonic() - t0 > timeout:
                raise RuntimeError(f"{uid}: record not replicated to serverID {on.server_id} "
                                   f"within {timeout} s\n" + on.log_tail())
            time.sleep(0.01)

    def stop(self):
        self.a.stop()
        self.b.stop()

    def kill(self):
        self.a.kill()
        self.b.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill() if exc[0] else self.stop()
        return False


def _serve(d):
    d = os.path.abspath(d)
    os.makedirs(d, exist_ok=True)
    ca = TestCA(os.path.join(d, "ca"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # kill PID: stop slapd cleanly too
    with Slapd(os.path.join(d, "slapd"), ca, anon_search=True) as s:
        s.start()
        for i, uid in enumerate(("alice", "bob")):
            pw = secrets.token_hex(8)
            s.add_user(uid, 10001 + i, password=pw)
            write_private(os.path.join(d, uid + ".pw"), pw)
        write_private(os.path.join(d, "service.pw"), s.service_pw)
        write_private(os.path.join(d, "root.pw"), s.rootpw)
        print(f"ldap   {s.uri_ldap}   (StartTLS)\nldaps  {s.uri_ldaps}\nldapi  {s.uri_ldapi}\n"
              f"CA     {ca.ca_file}\nroot   {s.rootdn}  (password in {d}/root.pw)\n"
              f"service {s.service_dn}  (password in {d}/service.pw)\n"
              f"users  {s.user_dn('alice')}, {s.user_dn('bob')}  (passwords in {d}/USER.pw)\n"
              f"log    {s.log}\nCtrl-C stops it.", flush=True)
        try:
            while s.running():
                time.sleep(1)
            print("slapd exited\n" + s.log_tail(), file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("stopping")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "serve":
        sys.exit("usage: slapd.py serve DIR")
    sys.exit(_serve(sys.argv[2]))
