#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Demo: enroll a test user in a temporary directory with otp-enroll, then log in through the
# real pam_otp.so with a code from oathtool (right code, replayed code, wrong code, a backup
# code). Nothing outside the temporary directory changes: the user comes from nss_wrapper.
# Usage: tests/demo.sh [BUILDDIR]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
module=$build/pam_module/pam_otp.so
enroll=$build/enroll/otp-enroll
for f in "$module" "$enroll"; do
	[ -e "$f" ] || { echo "demo: $f is missing: build first (meson setup build && ninja -C build)"; exit 1; }
done
for p in oathtool pamtester; do
	command -v $p >/dev/null || { echo "demo: $p is missing (apt-get install $p)"; exit 1; }
done

t=$(mktemp -d /tmp/pam_otp_demo.XXXXXX)
trap 'rm -rf "$t"' EXIT
chmod 755 "$t"
if [ "$(id -u)" = 0 ]; then uid=2468; gid=2468; else uid=$(id -u); gid=$(id -g); fi
mkdir -p "$t/home/demo" "$t/pam.d"
chmod 700 "$t/home/demo"
[ "$(id -u)" = 0 ] && chown "$uid:$gid" "$t/home/demo"
printf 'root:x:0:0:root:/root:/bin/sh\ndemo:x:%s:%s:Demo User:%s:/bin/sh\n' "$uid" "$gid" "$t/home/demo" >"$t/passwd"
printf 'root:x:0:\ndemo:x:%s:\n' "$gid" >"$t/group"
echo "auth required $module" >"$t/pam.d/demo"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$t/pam.d/other"
export NSS_WRAPPER_PASSWD=$t/passwd NSS_WRAPPER_GROUP=$t/group

as_user() {
	if [ "$(id -u)" = 0 ]; then
		LD_PRELOAD=libnss_wrapper.so setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"
	else
		LD_PRELOAD=libnss_wrapper.so "$@"
	fi
}
login() { # answer -> exit status of pamtester
	echo "$1" | LD_PRELOAD="libpam_wrapper.so libnss_wrapper.so" PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$t/pam.d" pamtester demo demo authenticate 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[1]}"
}

echo "== 1. The user enrolls (otp-enroll, as the user, with the user's own rights)"
as_user "$enroll" --no-confirm --qr=ascii --issuer=pam_otp-demo >"$t/enroll.out"
sed -n '1,200p' "$t/enroll.out" | grep -v '^ *$' | sed 's/^/    /' 
uri=$(grep -m1 '^otpauth://' "$t/enroll.out")
secret=$(sed -E 's/.*[?&]secret=([A-Z2-7]+).*/\1/' <<<"$uri")
backup=$(grep -Eom1 '\b[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}\b' "$t/enroll.out")
ls -l "$t/home/demo/.otp" | sed 's/^/    /'

echo "== 2. Log in with the code the app (here oathtool) shows: expect success"
code=$(oathtool --totp -b "$secret")
login "$code"
echo "== 3. The same code again (replay): expect failure"
if login "$code"; then echo "demo: a replayed code was accepted"; exit 1; fi
echo "== 4. A wrong code: expect failure"
if login 000000; then echo "demo: a wrong code was accepted"; exit 1; fi
echo "== 5. A backup code ($backup): expect success, once"
login "$backup"
if login "$backup"; then echo "demo: a backup code worked twice"; exit 1; fi
echo "== 6. The state the module keeps:"
as_user "$enroll" --status | sed 's/^/    /'
echo "demo: all steps behaved as expected"
