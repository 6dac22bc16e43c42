#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# One command for the whole benchmark:
#   bench/run.sh [BUILDDIR] [--quick] [--update-readme] [--no-ldap | --ldap-only]
# Installs what is missing (as root), builds BUILDDIR (default build-bench), and runs
# bench/bench.py in a private mount namespace, where /dev/log is our own sink.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=build-bench
case "${1:-}" in --*|'') ;; *) build=$1; shift ;; esac
case "$build" in /*) ;; *) build="$src/$build" ;; esac

[ "$(id -u)" = 0 ] || { echo "bench/run.sh: run as root (users, chown, mount namespace)" >&2; exit 1; }
pkgs="gcc meson ninja-build pkg-config libpam0g-dev libssl-dev libqrencode-dev libpng-dev
      libcurl4-openssl-dev libjson-c-dev libpam-google-authenticator libpam-oath valgrind
      libnss-wrapper openssl util-linux strace slapd ldap-utils libldap-dev"
missing=$(for p in $pkgs; do dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
# The driver without the test suite (-Dbench=true). --reconfigure: also a build dir made
# before that option existed gets it (and a new one is set up as usual).
reconf=
[ -f "$build/build.ninja" ] && reconf=--reconfigure # meson 1.0 refuses it for a new dir
meson setup $reconf "$build" "$src" -Dtests=false -Dbench=true >/dev/null
ninja -C "$build" >/dev/null
BENCH_OUTER_NS=$(readlink /proc/self/ns/mnt) exec unshare -m --propagation private /usr/bin/python3 "$here/bench.py" "$build" "$@"
