#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The module exports exactly pam_sm_authenticate and pam_sm_setcred, and is built hardened:
# full RELRO (BIND_NOW), stack protector and FORTIFY in use, no executable stack.
set -eu
so=$1
syms=$(nm -D --defined-only "$so" | awk '{print $3}' | sort | tr '\n' ' ')
[ "$syms" = "pam_sm_authenticate pam_sm_setcred " ] || { echo "exports: $syms"; exit 1; }
readelf -lW "$so" | grep -q GNU_RELRO || { echo "no RELRO"; exit 1; }
readelf -dW "$so" | grep -Eq 'BIND_NOW|FLAGS.*NOW' || { echo "no BIND_NOW"; exit 1; }
readelf -lW "$so" | grep GNU_STACK | grep -q RWE && { echo "executable stack"; exit 1; }
nm -D "$so" | grep -q __stack_chk_fail || { echo "no stack protector"; exit 1; }
nm -D "$so" | grep -q '_chk@' || { echo "no FORTIFY_SOURCE"; exit 1; }
echo "ok: $syms"
