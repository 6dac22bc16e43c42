#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Lint one manual page: groff must format it with every warning enabled and say nothing.
# Usage: check-man.sh PAGE   (GROFF may name the groff binary)
set -u
page=${1:?usage: check-man.sh PAGE}
out=$("${GROFF:-groff}" -ww -z -man "$page" 2>&1)
rc=$?
if [ -n "$out" ] || [ "$rc" -ne 0 ]; then
	printf '%s\n' "$out"
	echo "check-man.sh: $page: groff reported problems (exit status $rc)" >&2
	exit 1
fi
exit 0
