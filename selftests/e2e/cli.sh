#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The fathom command against the real module, as a user runs it. TAP out.
# Runs in the guest with fathom.ko loaded; $FATHOM_KO names the module file.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
fathom=$top/user/fathom

. "$top/selftests/e2e/tap.sh"

run() { # run ARGS... -> $out $err $rc
	out=$("$@" 2>/tmp/cli.err)
	rc=$?
	err=$(cat /tmp/cli.err)
}

echo "TAP version 13"
echo "1..7"

tool_version=$("$fathom" --version | sed -n 's/^fathom \([^ ]*\) (ABI [0-9]*)$/\1/p')

run "$fathom" --version
[ $rc = 0 ] && [[ "$out" =~ ^fathom\ [^\ ]+\ \(ABI\ [0-9]+\)$ ]]
tap $? "cli.version" "rc=$rc out='$out'"

run "$fathom" --info
[ $rc = 0 ] && grep -qx "module:   fathom $tool_version (ABI [0-9]*)" <<<"$out" &&
	grep -qx "kernel:   $(uname -r)" <<<"$out" &&
	grep -q '^  max_insns  *[1-9][0-9]*$' <<<"$out"
tap $? "cli.info_reports_module" "rc=$rc out='$out' err='$err'"

run setpriv --reuid=65534 --regid=65534 --clear-groups "$fathom" --info
[ $rc = 1 ] && [ -z "$out" ] &&
	grep -q 'permission denied: fathom needs CAP_SYS_ADMIN or CAP_PERFMON' <<<"$err"
tap $? "cli.info_unprivileged_refused" "rc=$rc err='$err'"

run setpriv --reuid=65534 --regid=65534 --clear-groups "$fathom" --version
[ $rc = 0 ]
tap $? "cli.version_unprivileged_works" "rc=$rc err='$err'"

run "$fathom" --bogus
[ $rc = 1 ] && grep -q '^usage: fathom' <<<"$err"
tap $? "cli.bad_option_is_user_error" "rc=$rc err='$err'"

rmmod fathom
run "$fathom" --info
[ $rc = 2 ] && [ "$(wc -l <<<"$err")" = 1 ] &&
	grep -q 'fathom kernel module is not loaded; load it with' <<<"$err"
tap $? "cli.info_without_module" "rc=$rc err='$err'"

run "$fathom" --version
[ $rc = 0 ]
tap $? "cli.version_without_module" "rc=$rc err='$err'"
insmod "$FATHOM_KO"

[ $failed = 0 ]
