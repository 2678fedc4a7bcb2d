# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by the selftests/e2e/ scripts: TAP lines. Sets n (tests so far)
# and failed; end a script with `[ $failed = 0 ]`.

n=0
failed=0

tap() { # tap RESULT NAME [DIAG]: RESULT is an exit status, 0 = ok
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		failed=$((failed + 1))
		echo "not ok $n $2"
		[ -n "${3:-}" ] && echo "$3" | sed 's/^/# /'
	fi
}
