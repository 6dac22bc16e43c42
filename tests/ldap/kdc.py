# SPDX-License-Identifier: BSD-2-Clause
"""A private MIT Kerberos KDC for the LDAP tests (python3 stdlib only; Debian's krb5-kdc and
krb5-user).

    with Kdc(workdir, realm="EXAMPLE.ORG") as k:
        k.start()                        krb5kdc -n (foreground) on a free loopback TCP port,
                                         waits until it answers (20 s)
        k.krb5_conf, k.env()             the client configuration (KRB5_CONFIG): nothing in
                                         /etc is read or changed
        k.add_principal("alice", pw)     kadmin.local (password on stdin, never argv)
        k.keytab_for("ldap/localhost") -> path of a keytab holding that service key
        k.ldap_service() -> LdapService      ldap/<ldap_host()> and its keytab, for
                                         tests/ldap/slapd.py Slapd(gssapi=...)
        k.kinit("alice", pw, ccache, uid=None, lifetime=None)
                                         a ticket into ccache (then owned by uid)
        k.kdestroy(ccache)
        k.log_text()                     the KDC log (which principals were asked for)
        k.stop() / k.kill()

The database lives in workdir, made by `kdb5_util create -s` with a random master password
(KRB5_CONFIG and KRB5_KDC_PROFILE point at our files). The KDC is killed when its owner is
done: context manager, atexit, and PR_SET_PDEATHSIG (a SIGKILLed test takes it with it).
"""
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from daemon import Daemon, free_port, write_private  # noqa: E402

SBIN = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
START_TIMEOUT = 20.0
TOOL_TIMEOUT = 30



def tool(name):
    """Path of a krb5 program, None when the packages are missing."""
    return shutil.which(name, path=SBIN)


def ldap_host():
    """The host name libldap puts in the service principal for ldap://127.0.0.1 (or
    ldap://localhost): for a loopback peer, ldap_host_connected_to() (OpenLDAP os-ip.c) gives
    this machine's canonical name, gethostname() looked up (ldap_pvt_get_fqdn), not
    "localhost". The KDC log of the first run showed it asking for ldap/<that name>."""
    name = socket.gethostname()
    try:
        name = socket.gethostbyname_ex(name)[0] or name
    except OSError:
        pass
    return name.lower()


class LdapService:
    """What slapd needs for GSSAPI: the realm, its host name, keytab and krb5.conf."""

    def __init__(self, realm, host, keytab, krb5_conf):
        self.realm, self.host, self.keytab, self.krb5_conf = realm, host, keytab, krb5_conf
        self.principal = f"ldap/{host}@{realm}"


class Kdc(Daemon):
    def __init__(self, workdir, realm="EXAMPLE.ORG"):
        self.workdir = os.path.abspath(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        os.chmod(self.workdir, 0o755)  # users read krb5.conf (their ccache is elsewhere)
        self.realm = realm
        self.port = free_port()
        self.krb5_conf = os.path.join(self.workdir, "krb5.conf")
        self.kdc_conf = os.path.join(self.workdir, "kdc.conf")
        self.db = os.path.join(self.workdir, "principal")
        self.stash = os.path.join(self.workdir, "stash")
        self.log = os.path.join(self.workdir, "kdc.log")
        self.proc = None
        self._write_conf()

    def _write_conf(self):
        # TCP only (udp_preference_limit = 1 on the client, no UDP listener): one free port
        # to find. No DNS: the realm and the KDC are given, names are not canonicalised
        # (the service principal is exactly ldap/<the name libldap gives>).
        with open(self.krb5_conf, "w") as f:
            f.write(f"""[libdefaults]
    default_realm = {self.realm}
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    udp_preference_limit = 1
    ticket_lifetime = 1h
    forwardable = false
[realms]
    {self.realm} = {{
        kdc = 127.0.0.1:{self.port}
    }}
[domain_realm]
    {ldap_host()} = {self.realm}
""")
        os.chmod(self.krb5_conf, 0o644)
        write_private(self.kdc_conf, f"""[kdcdefaults]
    kdc_listen = ""
    kdc_tcp_listen = 127.0.0.1:{self.port}
[realms]
    {self.realm} = {{
        database_name = {self.db}
        key_stash_file = {self.stash}
        acl_file = {os.path.join(self.workdir, "kadm5.acl")}
        kdc_listen = ""
        kdc_tcp_listen = 127.0.0.1:{self.port}
        max_life = 1h
        default_principal_flags = +preauth
    }}
[logging]
    kdc = FILE:{self.log}
    default = FILE:{self.log}
""")

    def env(self, **extra):
        """The environment every krb5 tool (and slapd, and a client) needs: our config only."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("KRB5")}
        env.update(KRB5_CONFIG=self.krb5_conf, KRB5_KDC_PROFILE=self.kdc_conf, **extra)
        return env

    def _run(self, argv, input=None, env=None, check=True):
        r = subprocess.run(argv, input=input, capture_output=True, text=True,
                           env=env or self.env(), timeout=TOOL_TIMEOUT)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[:3])}: exit {r.returncode}: "
                               f"{(r.stdout + r.stderr).strip()[-500:]}")
        return r

    def start(self):
        if not os.path.exists(self.db):
            # -s: a stash file, so krb5kdc starts without asking; -P: the master password
            # (random, used nowhere else; kdb5_util takes it only on the command line).
            self._run([tool("kdb5_util") or "kdb5_util", "-r", self.realm, "create", "-s",
                       "-P", secrets.token_hex(16)])
        self.spawn([tool("krb5kdc") or "krb5kdc", "-n", "-r", self.realm], env=self.env())
        return self

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"krb5kdc exited with {self.proc.returncode} at start\n"
                                   + self.log_text()[-2000:])
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"krb5kdc did not listen on 127.0.0.1:{self.port} within "
                                   f"{START_TIMEOUT:.0f} s\n" + self.log_text()[-2000:])
            time.sleep(0.05)

    def log_text(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError as e:
            return f"(no KDC log: {e})"

    # ---- principals and tickets ----------------------------------------------------------
    def principal(self, name):
        return name if "@" in name else f"{name}@{self.realm}"

    def kadmin(self, query, input=None):
        return self._run([tool("kadmin.local") or "kadmin.local", "-r", self.realm, "-q",
                          query], input=input)

    def add_principal(self, name, password=None):
        """A user (password given twice on stdin) or, without one, a random-key service."""
        if password is None:
            self.kadmin(f"addprinc -randkey {self.principal(name)}")
        else:
            self.kadmin(f"addprinc {self.principal(name)}", input=f"{password}\n{password}\n")
        return self.principal(name)

    def keytab_for(self, name, path=None):
        """A new keytab (mode 0600) with the current key of service principal name."""
        path = path or os.path.join(self.workdir, name.replace("/", "_") + ".keytab")
        if os.path.exists(path):
            os.unlink(path)
        # -norandkey: export the existing key (a second export does not invalidate the first).
        self.kadmin(f"ktadd -k {path} -norandkey {self.principal(name)}")
        os.chmod(path, 0o600)
        return path

    def ldap_service(self, host=None):
        """The LDAP server's principal ldap/<host> with a keytab, as Slapd(gssapi=...) wants
        it (default host: the name libldap derives from ldap://127.0.0.1)."""
        host = host or ldap_host()
        name = self.add_principal(f"ldap/{host}")
        return LdapService(self.realm, host, self.keytab_for(name), self.krb5_conf)

    def kinit(self, name, password, ccache, uid=None, lifetime=None):
        """A ticket for name into ccache (a FILE: path), password on stdin; then owned by
        uid (mode 0600), as kinit run by that user would leave it. lifetime: e.g. "2s"."""
        path = ccache[5:] if ccache.startswith("FILE:") else ccache
        life = ["-l", lifetime] if lifetime else []
        self._run([tool("kinit") or "kinit", *life, "-c", f"FILE:{path}",
                   self.principal(name)], input=password + "\n")
        if uid is not None:
            os.chown(path, uid, uid)
            os.chmod(path, 0o600)
        return f"FILE:{path}"

    def kdestroy(self, ccache):
        self._run([tool("kdestroy") or "kdestroy", "-c", ccache])

    def klist(self, ccache):
        return self._run([tool("klist") or "klist", "-c", ccache], check=False)
