# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by the selftests/e2e/ scripts: TAP lines. Sets n (tests so far)
# and failed; end a script with `[ $failed = 0 ]`. prints and refused run
# the command in $fathom, which the script sets.

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

# sessions: the relay directories the module has now (none when idle)
sessions() { ls -d /sys/kernel/debug/fathom/session-* 2>/dev/null | wc -l; }

# prints NAME EXPECTED FATHOM-ARG...: one test, ok when fathom run with
# the arguments prints (stdout and stderr, empty lines left out) exactly
# EXPECTED; what it printed is the diagnostic
prints() {
	local name=$1 expected=$2 out
	shift 2
	out=$("$fathom" "$@" 2>&1)
	[ "$(grep -v '^$' <<<"$out")" = "$expected" ]
	tap $? "$name" "$out"
}

# refused NAME EXPECTED FATHOM-ARG...: one test of bad input, ok when
# fathom run with the arguments exits with status 1, prints each line of
# EXPECTED as a whole line and leaves no session loaded; what it printed
# is the diagnostic
refused() {
	local name=$1 expected=$2 out r line
	shift 2
	out=$("$fathom" "$@" 2>&1)
	r=$?
	if [ $r = 1 ]; then
		while IFS= read -r line; do
			grep -qxF -- "$line" <<<"$out" || r=2
		done <<<"$expected"
	fi
	[ $r = 1 ] && [ "$(sessions)" = 0 ]
	tap $? "$name" "$out"
}
