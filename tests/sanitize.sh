#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Memory-safety runs, each in its own build directory, ending with the skipped tests' names
# ("skipped: STEP: TEST", one a line) and then "N passed, N failed, N skipped":
#   asan      gcc, -Db_sanitize=address,undefined: the unit, pam and fuzz
#             (corpus replay) suites; any ASan/UBSan report or leak fails the test.
#   valgrind  plain gcc build: the pam suite (libpam loading pam_otp.so) and the directory
#             store's logins (tests/ldap: failures, fleet) under memcheck; memory errors or
#             definitely lost bytes in any process fail the test.
#   fuzz      clang -Dfuzzing=true with ASan+UBSan: every libFuzzer target (the parsers, and
#             fuzz_auth: pam_sm_authenticate itself, tests/fuzz/fuzz_auth.c) for FUZZ_SECONDS
#             (two at a time); a crash or failed property fails it and leaves the input in
#             build-fuzz/tests/fuzz/<target>-crash-*. Its corpus grows across runs.
# Each test counts as one step, and a build that fails counts as one failed step. A test
# that skips itself (exit 77) counts as skipped, neither passed nor failed.
#
# Environment: FUZZ_SECONDS (default 60), SANITIZE_STEPS (default "asan valgrind fuzz"),
# SANITIZE_BUILD_PREFIX (default "build-": build-asan, build-valgrind, build-fuzz).
# Quick local check: FUZZ_SECONDS=5 tests/sanitize.sh
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

fuzz_seconds=${FUZZ_SECONDS:-60}
steps=${SANITIZE_STEPS:-asan valgrind fuzz}
prefix=${SANITIZE_BUILD_PREFIX:-build-}
passed=0
failed=0
skipped=0
skipped_names=()

asan_env=(
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:verify_asan_link_order=0:allocator_may_return_null=1
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	NSS_WRAPPER_DISABLE_DEEPBIND=1
)
# allocator_may_return_null: malloc fails the way libc's does (test_limits sets RLIMIT_AS so
# that scrypt's allocation fails; by default ASan would abort the process instead).
# pam_otp_test.so & co. are dlopen'ed by the ASan-linked test programs themselves, so no
# preload is needed; verify_asan_link_order=0 because the pam tests preload nss_wrapper,
# whose default dlopen(libc, RTLD_DEEPBIND) the ASan runtime refuses.

# One log per process (forked workers too); tests/sanitize_report.py reads them.
valgrind_cmd="valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite"
valgrind_cmd+=" --track-fds=no --suppressions=$PWD/tests/valgrind-libldap.supp"
# Under memcheck, brute_force (10,000 logins down one path that test_module also takes)
# would take minutes; the remaining cases keep every module path.
valgrind_skip=brute_force
# Cases valgrind itself cannot pass: wall-clock bounds a 20-50 times slower run cannot meet,
# and the sender's RLIMIT_NOFILE, which valgrind does not let a program change (the sender
# sets it best effort). Their failure is reported as a note if memcheck is clean (tests/run
# runs them natively and under ASan). Any other failing case fails the step.
valgrind_timing=hanging_sender_is_killed,kill9_during_updates,sender_starts_clean

say() { printf '== %s\n' "$*"; }
fail_step() { failed=$((failed + 1)); say "FAIL: $*"; }

# Add one step's results (tests/sanitize_report.py prints them) to the counts.
count_tests() {
	local out
	out=$(/usr/bin/python3 tests/sanitize_report.py "$@") ||
		{ fail_step "$1: cannot read $2"; return; }
	printf '%s\n' "$out" | grep -v -e '^COUNT ' -e '^SKIPPED '
	local name
	while IFS= read -r name; do
		skipped_names+=("$name")
	done < <(printf '%s\n' "$out" | sed -n 's/^SKIPPED //p')
	# shellcheck disable=SC2046
	set -- $(printf '%s\n' "$out" | sed -n 's/^COUNT //p')
	passed=$((passed + ${1:-0}))
	failed=$((failed + ${2:-0}))
	skipped=$((skipped + ${3:-0}))
}

run_asan() {
	local b=${prefix}asan
	say "asan: gcc ASan+UBSan build in $b"
	rm -rf "$b"
	# No -Werror here: gcc 12's instrumentation yields false -Wstringop-overread and
	# -Wnonnull warnings (its manual advises against -Werror with sanitizers); tests/run's
	# own build keeps warnings fatal.
	if ! CC=gcc meson setup "$b" -Dtests=true -Dsms=enabled -Db_sanitize=address,undefined \
		-Db_lundef=false \
		>"$b.setup.log" 2>&1; then
		cat "$b.setup.log"; fail_step "asan: meson setup"; return
	fi
	rm -f "$b.setup.log"
	if ! ninja -C "$b" >/dev/null; then
		ninja -C "$b" | tail -30; fail_step "asan: build"; return
	fi
	env "${asan_env[@]}" meson test -C "$b" --no-rebuild --num-processes 2 --logbase asan \
		--suite unit --suite pam --suite fuzz >/dev/null
	count_tests asan "$b/meson-logs/asan.json"
}

run_valgrind() {
	local b=${prefix}valgrind mc
	say "valgrind: plain gcc build in $b, pam suite under memcheck"
	command -v valgrind >/dev/null || { fail_step "valgrind: not installed"; return; }
	rm -rf "$b"
	if ! CC=gcc meson setup "$b" -Dtests=true -Dsms=enabled -Dldap=enabled -Dwerror=true \
		>"$b.setup.log" 2>&1; then
		cat "$b.setup.log"; fail_step "valgrind: meson setup"; return
	fi
	rm -f "$b.setup.log"
	if ! ninja -C "$b" >/dev/null; then
		ninja -C "$b" | tail -30; fail_step "valgrind: build"; return
	fi
	# Logs go to a world-writable directory under /tmp first: the module forks its SMS
	# sender while it acts as the user, and valgrind opens the child's log right then
	# (without one the child exits before its exec). The checkout may not be searchable.
	if ! mc=$(mktemp -d /tmp/pam_otp_memcheck.XXXXXX) || ! chmod 1777 "$mc"; then
		fail_step "valgrind: mktemp"; return
	fi
	# The wrapper runs inside the test's environment: it adds the case filter to the test's
	# own LD_PRELOAD (nss_wrapper, and for some tests an NSS shim before it) instead of
	# replacing it.
	cat >"$b/memcheck-wrap.sh" <<-EOF
		#!/bin/sh
		export CMOCKA_SKIP_FILTER=$valgrind_skip
		export LD_PRELOAD="\${LD_PRELOAD:-libnss_wrapper.so}:$(realpath "$b/tests/pam/cmocka_filter.so")"
		exec $valgrind_cmd --log-file=$mc/%p.log "\$@"
	EOF
	chmod +x "$b/memcheck-wrap.sh"
	meson test -C "$b" --no-rebuild --num-processes 2 --suite pam --logbase valgrind \
		--timeout-multiplier 10 --wrapper "$(realpath "$b/memcheck-wrap.sh")" >/dev/null
	rm -rf "$b/memcheck" && mv "$mc" "$b/memcheck" && mc=$b/memcheck
	# meson names the log after the wrapper too: valgrind-memcheck-wrap.sh.json.
	local logs=("$b"/meson-logs/valgrind*.json)
	count_tests valgrind "${logs[0]}" --valgrind "$mc" --timing "$valgrind_timing"
	run_valgrind_ldap "$b"
}

# The directory store (pam_otp_ldap.so, libldap, GnuTLS) under memcheck: the fleet tests'
# logins through pam_converse, against the real slapd; every process of a test logs to a
# directory of that test's own. Fewer racing logins, and time limits with slack for memcheck.
run_valgrind_ldap() {
	local b=$1 t name mcl
	for t in "ldap failures" "ldap fleet"; do
		name=valgrind-${t// /-}
		mcl=$(mktemp -d /tmp/pam_otp_memcheck.XXXXXX) && chmod 1777 "$mcl" ||
			{ fail_step "valgrind: mktemp"; return; }
		PAM_CONVERSE_WRAPPER="$valgrind_cmd --log-file=$mcl/%p.log" FLEET_WORKERS=8 \
			FLEET_TIME_SLACK=15 meson test -C "$b" --no-rebuild --logbase "$name" \
			--timeout-multiplier 5 "$t" >/dev/null
		rm -rf "$b/$name" && mv "$mcl" "$b/$name"
		count_tests valgrind "$b/meson-logs/$name.json" --valgrind-all "$b/$name"
	done
}

run_fuzz() {
	local b=${prefix}fuzz targets
	say "fuzz: clang libFuzzer+ASan+UBSan build in $b, $fuzz_seconds s per target"
	command -v clang >/dev/null || { fail_step "fuzz: clang not installed"; return; }
	if [ -f "$b/build.ninja" ]; then
		# Kept between runs, so that the corpus in $b/tests/fuzz/*-corpus keeps growing.
		meson configure "$b" -Dfuzz_seconds="$fuzz_seconds" >/dev/null ||
			{ fail_step "fuzz: meson configure"; return; }
	else
		rm -rf "$b"
		if ! CC=clang meson setup "$b" -Dtests=true -Dsms=enabled -Dfuzzing=true \
			-Db_sanitize=address,undefined \
			-Db_lundef=false -Dfuzz_seconds="$fuzz_seconds" >"$b.setup.log" 2>&1; then
			cat "$b.setup.log"; fail_step "fuzz: meson setup"; return
		fi
		rm -f "$b.setup.log"
	fi
	rm -f "$b"/tests/fuzz/*-crash-* "$b"/tests/fuzz/*-leak-* "$b"/tests/fuzz/*-timeout-*
	ninja -C "$b" build.ninja >/dev/null || { fail_step "fuzz: reconfigure"; return; }
	# Only the fuzzers: the rest of a clang ASan build is not needed here.
	targets=$(meson introspect "$b" --tests | /usr/bin/python3 -c '
import json, os, sys
b = sys.argv[1]
for t in json.load(sys.stdin):
    if any(s.split(":")[-1] == "fuzz-long" for s in t["suite"]):
        print(os.path.relpath(t["cmd"][0], b))' "$b")
	if [ -z "$targets" ]; then
		fail_step "fuzz: no fuzz-long tests (is -Dfuzzing=true set?)"; return
	fi
	# shellcheck disable=SC2086
	if ! ninja -C "$b" $targets >/dev/null; then
		ninja -C "$b" $targets | tail -30; fail_step "fuzz: build"; return
	fi
	meson test -C "$b" --no-rebuild --num-processes 2 --suite fuzz-long --logbase fuzz >/dev/null
	count_tests fuzz "$b/meson-logs/fuzz.json" --fuzz
}

start=$SECONDS
for s in $steps; do
	case $s in
	asan) run_asan ;;
	valgrind) run_valgrind ;;
	fuzz) run_fuzz ;;
	*) fail_step "unknown step '$s' in SANITIZE_STEPS" ;;
	esac
done
say "sanitize.sh took $((SECONDS - start)) s"
for name in "${skipped_names[@]}"; do
	echo "skipped: $name"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
