#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The Debian package, as CI checks it: build libpam-otp with dpkg-buildpackage in a clean
# copy of the source tree (tracked and new files, never build directories), lintian it,
# install it with apt, run its autopkgtests (debian/tests) against the installed package
# with autopkgtest's null runner, purge it, and check that no file it installed is left.
# Prints "deb: PASS" or "deb: FAIL: <why>"; exit 0, 1, or 77 (skip) when it cannot run here:
# not root, no dpkg-buildpackage/apt-get/autopkgtest, or libpam-otp already installed (it
# is never replaced or purged behind an admin's back).
# Usage: tests/deb/run.sh   (tests/meson.build runs it in the suite "deb")
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
pkg=libpam-otp
start=$SECONDS

skip() { echo "deb: SKIP: $*"; exit 77; }
fail() { echo "deb: FAIL: $*"; exit 1; }
step() { echo "== $* ($((SECONDS - start)) s)"; }

[ "$(id -u)" = 0 ] || skip "installs and purges a package: run as root (sudo .ci/run)"
for t in dpkg-buildpackage apt-get lintian autopkgtest; do
	command -v $t >/dev/null || skip "$t is missing (it is in .ci/packages)"
done
if dpkg-query -W -f='${Status}' $pkg 2>/dev/null | grep -qv '^unknown ok not-installed$'; then
	skip "$pkg is installed (or its conffiles are) on this machine: not touching it"
fi

tmp=$(mktemp -d /tmp/pam_otp_deb.XXXXXX)
installed=no
svc=  # a PAM service file this script made, removed at exit
cleanup() {
	if [ "$installed" = yes ]; then
		apt-get purge -y -qq $pkg >/dev/null 2>&1 || dpkg --purge $pkg >/dev/null 2>&1
	fi
	rm -rf "$tmp"
	[ -z "$svc" ] || rm -f "$svc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
chmod 755 "$tmp"
export DEBIAN_FRONTEND=noninteractive

step "clean copy of $src"
mkdir "$tmp/src"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# What meson would build: tracked and new (not ignored) files, as they are on disk.
	git -C "$src" ls-files -z --cached --others --exclude-standard |
		(cd "$src" && while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done) |
		tar -C "$src" --null -T - -cf - | tar -C "$tmp/src" -xf - || fail "copying the tree"
else
	tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$tmp/src" -xf - ||
		fail "copying the tree"
fi
[ -f "$tmp/src/debian/control" ] || fail "no debian/control in the tree"
find "$tmp/src" -maxdepth 1 -name 'build*' | grep -q . && fail "a build directory was copied"

step "dpkg-buildpackage -b -us -uc"
t0=$SECONDS
(cd "$tmp/src" && dpkg-buildpackage -b -us -uc) >"$tmp/build.log" 2>&1 ||
	{ tail -n 60 "$tmp/build.log"; fail "dpkg-buildpackage failed"; }
echo "built in $((SECONDS - t0)) s: $(cd "$tmp" && ls ./*.deb ./*.changes ./*.buildinfo | tr '\n' ' ')"
grep -E '(^|: )(warning|WARNING)' "$tmp/build.log" | grep -v 'running with root' | sed 's/^/  build: /'
deb=$(ls "$tmp"/${pkg}_*.deb) && [ -f "$deb" ] || fail "no ${pkg}_*.deb was built"
changes=$(ls "$tmp"/*.changes) || fail "no .changes was built"

step "lintian (as nobody) on the .changes: the .debs and .buildinfo"
# Every tag at every level is printed; errors and warnings fail (justified overrides are
# in debian/libpam-otp.lintian-overrides).
setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$tmp" \
	lintian --pedantic --display-info --fail-on error,warning "$changes" >"$tmp/lintian.log" 2>&1
lrc=$?
sed 's/^/  lintian: /' "$tmp/lintian.log"
[ $lrc -eq 0 ] && ! grep -q '^[EW]: ' "$tmp/lintian.log" || fail "lintian: errors or warnings (exit $lrc)"
echo "lintian: no errors or warnings"

step "before install: none of the package's files exists"
dpkg -L $pkg >/dev/null 2>&1 && fail "dpkg -L $pkg works before the install"
# Paths in the .deb (./usr/bin/otp-enroll -> /usr/bin/otp-enroll), and which exist now.
dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -e 's|^\./|/|' -e 's|/$||' | grep -v '^/\?$' | sort >"$tmp/paths"
while read -r p; do [ -e "$p" ] || [ -L "$p" ] && echo "$p"; done <"$tmp/paths" >"$tmp/existing-before"
while read -r p; do [ -d "$p" ] || fail "$p exists before the install"; done <"$tmp/existing-before"
echo "$(wc -l <"$tmp/paths") paths in the package, $(wc -l <"$tmp/existing-before") directories of them exist already"

# And a snapshot of the system directories, to find anything else a maintainer script or
# the tests might leave (dpkg's and apt's own state and caches are not ours).
snapshot() {
	find /etc /usr /lib /opt /srv /var/lib /var/mail -xdev \( -path /var/lib/dpkg \
		-o -path /var/lib/apt -o -path /var/lib/ucf -o -path /var/lib/systemd \
		-o -path /var/lib/man-db \) -prune -o -print 2>/dev/null | sort
}
snapshot >"$tmp/system-before"
echo "$(wc -l <"$tmp/system-before") paths under /etc /usr /lib /opt /srv /var/lib /var/mail recorded"

step "apt-get install $deb"
installed=yes
apt-get install -y -qq --no-install-recommends "$deb" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "apt-get install failed"; }
dpkg -L $pkg | grep -vx '/\.' | sort >"$tmp/installed" || fail "dpkg -L $pkg fails after the install"
sort -u "$tmp/paths" | comm -13 "$tmp/installed" - | grep . && fail "paths of the .deb that dpkg -L does not list"
echo "installed: $(grep -vxFf "$tmp/existing-before" "$tmp/installed" | wc -l) new paths, e.g.:"
grep -E '/(pam_otp\.so|otp-enroll|pam_otp_sms|pam_otp_ldap\.so)$' "$tmp/installed" | sed 's/^/  /'
# The directory store is part of the package, where the module looks for it.
grep -qE '^/usr/lib/[^/]+/pam_otp/pam_otp_ldap\.so$' "$tmp/installed" ||
	fail "the package does not ship pam_otp_ldap.so in <libdir>/pam_otp/"

step "autopkgtest (null runner) against the installed package"
# --no-built-binaries: test what apt just installed, do not build the tree again.
autopkgtest --no-built-binaries --summary-file="$tmp/summary" "$tmp/src" -- null >"$tmp/autopkgtest.log" 2>&1
arc=$?
sed 's/^/  /' "$tmp/summary" 2>/dev/null
if [ $arc -ne 0 ]; then
	tail -n 80 "$tmp/autopkgtest.log"
	fail "autopkgtest exit $arc"
fi
grep -q . "$tmp/summary" && ! grep -qv ' PASS$' "$tmp/summary" || fail "autopkgtest: not every test passed"

step "apt-get purge $pkg, with a PAM service still naming the module"
# prerm warns about it (debian/libpam-otp.prerm); the service file is ours, removed below.
[ ! -e /etc/pam.d/pam-otp-deb-check ] || fail "/etc/pam.d/pam-otp-deb-check exists already"
svc=/etc/pam.d/pam-otp-deb-check
echo 'auth required pam_otp.so' >"$svc"
apt-get purge -y -qq $pkg >"$tmp/purge.log" 2>&1
prc=$?
rm -f "$svc"
[ $prc -eq 0 ] || { cat "$tmp/purge.log"; fail "apt-get purge failed"; }
installed=no
tr -d '\r' <"$tmp/purge.log" | grep -F 'libpam-otp:' | tee "$tmp/prerm.log" | sed 's/^/  /'  # apt ends lines with \r\n
grep -qxF "libpam-otp:   $svc" "$tmp/prerm.log" || fail "prerm did not name $svc, which still uses pam_otp.so"
dpkg -L $pkg >/dev/null 2>&1 && fail "dpkg -L $pkg still works after the purge"
dpkg-query -W -f='${Status}' $pkg 2>/dev/null | grep -qv '^unknown ok not-installed$' &&
	fail "dpkg still knows $pkg: $(dpkg-query -W -f='${Status}' $pkg)"
# Everything the package added (what did not exist before) is gone again.
left=$(grep -vxFf "$tmp/existing-before" "$tmp/installed" |
	while read -r p; do [ -e "$p" ] || [ -L "$p" ] && echo "$p"; done)
[ -z "$left" ] || fail "left behind after the purge: $left"
snapshot | comm -13 "$tmp/system-before" - >"$tmp/system-new"
[ ! -s "$tmp/system-new" ] || fail "new files after the purge: $(head -n 20 "$tmp/system-new")"
echo "purged: none of the $(grep -vxFf "$tmp/existing-before" "$tmp/installed" | wc -l) paths it added is left"

echo "deb: PASS ($((SECONDS - start)) s)"
