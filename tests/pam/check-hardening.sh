#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The programs (pam_otp_sms runs as root and parses provider replies; otp-enroll) are built
# hardened like the module: PIE, full RELRO (BIND_NOW), no executable stack, no text
# relocations, stack protector and FORTIFY in use.
set -eu
for exe in "$@"; do
	fail() { echo "$exe: $1"; exit 1; }
	readelf -dW "$exe" | grep -Eq 'FLAGS_1.*PIE' || fail "not PIE"
	readelf -lW "$exe" | grep -q GNU_RELRO || fail "no RELRO"
	readelf -dW "$exe" | grep -Eq 'BIND_NOW|FLAGS.*NOW' || fail "no BIND_NOW"
	readelf -dW "$exe" | grep -q TEXTREL && fail "text relocations"
	readelf -lW "$exe" | grep GNU_STACK | grep -q RWE && fail "executable stack"
	nm -D "$exe" | grep -q __stack_chk_fail || fail "no stack protector"
	nm -D "$exe" | grep -q '_chk@' || fail "no FORTIFY_SOURCE"
	echo "ok: $exe"
done
