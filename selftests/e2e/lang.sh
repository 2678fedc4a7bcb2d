#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The bpftrace language through the fathom command, end to end against the
# real module: known workloads, exact expected output. TAP out. Runs in the
# guest with fathom.ko loaded ($FATHOM_KO names the module file).
#
# Expected map output is bpftrace's (checked against Debian's bpftrace
# 0.17 on 6.1); empty lines are left out of the comparison, everything
# else must match exactly.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
fathom=$top/user/fathom
wl=$top/build/selftests/e2e_workload
tmp=$(mktemp -d /tmp/lang.XXXXXX)

. "$top/selftests/e2e/tap.sh"

run() { # run ARGS... -> $out (empty lines dropped) $err $rc
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(grep -v '^$' "$tmp/out")
	err=$(cat "$tmp/err")
}

# differences between $1 (expected) and $2 (got), for the diagnostics
differ() {
	echo "$1" >"$tmp/expect"
	echo "$2" >"$tmp/got"
	diff "$tmp/expect" "$tmp/got"
}

# no session may outlive the command that made it
no_sessions() {
	[ -z "$(ls /sys/kernel/debug/fathom 2>/dev/null)" ]
}

# wait (up to 60 s) until file $1 has a line matching $2
wait_for() {
	local i
	for i in $(seq 600); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

echo "TAP version 13"
echo "1..26"

# --- output and ordering --------------------------------------------------

run "$fathom" -e 'BEGIN { printf("a\n"); exit(); } END { printf("b\n"); }'
[ $rc = 0 ] && [ "$out" = $'Attaching 2 probes...\na\nb' ]
tap $? "lang.begin_end_order" "rc=$rc out='$out' err='$err'"

run "$fathom" -q -e 'BEGIN { printf("a %d %s %x|%5d|%-5d|%u %c%%\n", 42, "str", 255, 7, 7, 3, 65); exit(); }'
[ $rc = 0 ] && [ "$out" = 'a 42 str ff|    7|7    |3 A%' ]
tap $? "lang.printf_conversions" "rc=$rc out='$out' err='$err'"

run "$fathom" -q -e 'BEGIN { @a = @a + 1; @a = @a + 2; exit(); }'
[ $rc = 0 ] && [ "$out" = '@a: 3' ]
tap $? "lang.map_reads_zero_before_assignment" "rc=$rc out='$out' err='$err'"

run "$fathom" -q -o "$tmp/file" -e 'BEGIN { printf("to a file\n"); exit(); }'
[ $rc = 0 ] && [ -z "$out" ] && [ "$(cat "$tmp/file")" = 'to a file' ]
tap $? "lang.output_file" "rc=$rc out='$out' err='$err'"

# --- every aggregation, text and JSON -------------------------------------

agg='BEGIN { $i = 1; unroll(20) { @h = hist($i); @l = lhist($i, 0, 20, 5);
	@s = stats($i); @a = avg($i); @mn = min($i); @mx = max($i);
	@sm = sum($i); @c = count(); @k[$i % 3] = count(); $i++; } exit(); }'

run "$fathom" -q -e "$agg"
expect='@a: 10
@c: 20
@h: 
[1]                    1 |@@@@@@                                              |
[2, 4)                 2 |@@@@@@@@@@@@@                                       |
[4, 8)                 4 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[8, 16)                8 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[16, 32)               5 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                    |
@k[0]: 6
@k[1]: 7
@k[2]: 7
@l: 
[0, 5)                 4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@           |
[5, 10)                5 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[10, 15)               5 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[15, 20)               5 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[20, ...)              1 |@@@@@@@@@@                                          |
@mn: 1
@mx: 20
@s: count 20, average 10, total 210
@sm: 210'
[ $rc = 0 ] && [ "$out" = "$expect" ]
tap $? "lang.aggregations_text" "rc=$rc err='$err'
$(differ "$expect" "$out")"

# lhist values of 1002 buckets (8 KiB each, more than a page): every one
# must come through the map dump, one per message at worst (keyless maps:
# a map of 8 KiB values per key and CPU soon exceeds the session budget)
run timeout 120 "$fathom" -q -e 'BEGIN { @big1 = lhist(5, 0, 1000, 1);
	@big2 = lhist(999, 0, 1000, 1); @big3 = lhist(2000, 0, 1000, 1);
	exit(); }'
expect='@big1: 
[5, 6)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
@big2: 
[999, 1000)            1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
@big3: 
[1000, ...)            1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|'
[ $rc = 0 ] && [ "$out" = "$expect" ]
tap $? "lang.lhist_of_1002_buckets" "rc=$rc err='$err'
$(differ "$expect" "$out")"

run "$fathom" -f json -e "$agg"
expect='{"type": "attached_probes", "data": {"probes": 1}}
{"type": "stats", "data": {"@a": 10}}
{"type": "map", "data": {"@c": 20}}
{"type": "hist", "data": {"@h": [{"min": 1, "max": 1, "count": 1}, {"min": 2, "max": 3, "count": 2}, {"min": 4, "max": 7, "count": 4}, {"min": 8, "max": 15, "count": 8}, {"min": 16, "max": 31, "count": 5}]}}
{"type": "map", "data": {"@k": {"0": 6, "1": 7, "2": 7}}}
{"type": "hist", "data": {"@l": [{"min": 0, "max": 4, "count": 4}, {"min": 5, "max": 9, "count": 5}, {"min": 10, "max": 14, "count": 5}, {"min": 15, "max": 19, "count": 5}, {"min": 20, "count": 1}]}}
{"type": "map", "data": {"@mn": 1}}
{"type": "map", "data": {"@mx": 20}}
{"type": "stats", "data": {"@s": {"count": 20, "average": 10, "total": 210}}}
{"type": "map", "data": {"@sm": 210}}'
[ $rc = 0 ] && [ "$out" = "$expect" ]
tap $? "lang.aggregations_json" "rc=$rc err='$err'
$(differ "$expect" "$out")"

run "$fathom" -q -e 'BEGIN { @x["b"] = 2; @x["a"] = 1; @y = 5; exit(); }'
[ $rc = 0 ] && [ "$out" = $'@x[a]: 1\n@x[b]: 2\n@y: 5' ]
tap $? "lang.string_keys_sorted_by_value" "rc=$rc out='$out' err='$err'"

# --- kprobes and -c ---------------------------------------------------------

run "$fathom" -e 'kprobe:__x64_sys_getppid /pid == cpid/ { @ = count(); }' \
	-c "$wl getppid 1000"
[ $rc = 0 ] && [ "$out" = $'Attaching 1 probe...\n@: 1000' ]
tap $? "lang.cpid_exact_count" "rc=$rc out='$out' err='$err'"

run "$fathom" -q -e 'kprobe:__x64_sys_getppid /pid == cpid/ { @[comm] = count(); }' \
	-c "$wl getppid 100"
[ $rc = 0 ] && [ "$out" = '@[e2e_workload]: 100' ]
tap $? "lang.comm_key" "rc=$rc out='$out' err='$err'"

# FATHOM_MAP_KEYS_MAX, as bpftrace's BPFTRACE_MAP_KEYS_MAX: 4500 distinct
# keys, more than the default 4096; a bad value is a user error
FATHOM_MAP_KEYS_MAX=5000 run "$fathom" -q -e 'kprobe:__x64_sys_getppid /pid == cpid/ { @[nsecs] = count(); }' \
	-c "$wl getppid 4500"
keys=$(grep -c '^@\[' <<<"$out")
[ $rc = 0 ] && [ "$keys" = 4500 ]
tap $? "lang.map_keys_max_env" "rc=$rc keys=$keys err='$err'"
FATHOM_MAP_KEYS_MAX=lots run "$fathom" -e 'BEGIN { @[1] = count(); }'
[ $rc = 1 ] && [ "$err" = "fathom: FATHOM_MAP_KEYS_MAX='lots': want a number of map entries, 1 or more" ]
tap $? "lang.map_keys_max_bad" "rc=$rc err='$err'"

# getppid() returns the workload's parent: fathom itself (-c runs it directly)
"$fathom" -q -e 'kretprobe:__x64_sys_getppid /pid == cpid/ { @r[retval] = count(); }' \
	-c "$wl getppid 3" >"$tmp/out" 2>"$tmp/err" &
fpid=$!
wait $fpid
rc=$?
out=$(grep -v '^$' "$tmp/out")
[ $rc = 0 ] && [ "$out" = "@r[$fpid]: 3" ]
tap $? "lang.kretprobe_retval" "rc=$rc fpid=$fpid out='$out' err='$(cat "$tmp/err")'"

# wildcards match available_filter_functions; vfs_writ? is vfs_write alone
run "$fathom" -e 'kprobe:vfs_writ? /pid == cpid/ { @[probe] = count(); }' \
	-c "$wl write 10"
[ $rc = 0 ] && [ "$out" = $'Attaching 1 probe...\n@[kprobe:vfs_write]: 10' ]
tap $? "lang.kprobe_wildcard_and_probe" "rc=$rc out='$out' err='$err'"

# --- other probe kinds --------------------------------------------------

# ticks of a 100 ms timer seen by a 1 s timer started at the same time
# (the tool's own stop latency does not count)
run "$fathom" -q -e 'interval:ms:100 { @c = @c + 1; }
	interval:s:1 { @at = @c; exit(); }'
cnt=$(sed -n 's/^@at: //p' <<<"$out")
[ $rc = 0 ] && [ -n "$cnt" ] && [ "$cnt" -ge 8 ] && [ "$cnt" -le 11 ]
tap $? "lang.interval_count" "rc=$rc out='$out' err='$err'"

run "$fathom" -q -e 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @ = count(); }' \
	-c "$wl getppid 100"
[ $rc = 0 ] && [ "$out" = '@: 100' ]
tap $? "lang.tracepoint_count" "rc=$rc out='$out' err='$err'"

run "$fathom" -q -e "uprobe:$wl:workload_ufunc { @ = count(); @s = sum(arg0); }" \
	-c "$wl ufunc 100"
[ $rc = 0 ] && [ "$out" = $'@: 100\n@s: 5050' ]
tap $? "lang.uprobe_count_and_args" "rc=$rc out='$out' err='$err'"

# a probe spec and a map name longer than the kernel's 63-byte name labels
# (CI's checkout path made the uprobe spec above exceed it once)
long=$tmp/a_directory_name_long_enough_to_push_the_probe_spec_past_the_label
mkdir -p "$long" && cp "$wl" "$long/e2e_workload"
run "$fathom" -q -e "uprobe:$long/e2e_workload:workload_ufunc {
	@a_map_name_that_is_longer_than_the_sixty_three_bytes_of_a_label = count(); }" \
	-c "$long/e2e_workload ufunc 7"
[ $rc = 0 ] && [ "$out" = '@a_map_name_that_is_longer_than_the_sixty_three_bytes_of_a_label: 7' ]
tap $? "lang.long_probe_and_map_names" "rc=$rc out='$out' err='$err'"

# --- signals, flight recorder -------------------------------------------

"$fathom" -e 'kprobe:__x64_sys_getppid /comm == "e2e_workload"/ { @ = count(); }' \
	>"$tmp/sig" 2>"$tmp/sigerr" &
fpid=$!
wait_for "$tmp/sig" '^Attaching' && "$wl" getppid 50
kill -INT $fpid
wait $fpid
rc=$?
out=$(grep -v '^$' "$tmp/sig")
[ $rc = 0 ] && [ "$out" = $'Attaching 1 probe...\n@: 50' ] && no_sessions
tap $? "lang.sigint_prints_maps_and_cleans_up" "rc=$rc out='$out' err='$(cat "$tmp/sigerr")' sessions='$(ls /sys/kernel/debug/fathom 2>&1)'"

"$fathom" -q --flight-recorder 1M \
	-e 'kprobe:__x64_sys_getppid /comm == "e2e_workload"/ { printf("hit %d\n", arg0 != 0); }' \
	>"$tmp/fr" 2>"$tmp/frerr" &
fpid=$!
wait_for "$tmp/frerr" 'flight recorder: session' && "$wl" getppid 20
sid=$(sed -n 's/.*flight recorder: session \([0-9]*\);.*/\1/p' "$tmp/frerr")
run "$fathom" --snapshot "$sid"
src=$rc
wait $fpid
rc=$?
hits=$(grep -c '^hit 1$' "$tmp/fr")
[ $src = 0 ] && [ $rc = 0 ] && [ "$hits" = 20 ] && no_sessions
tap $? "lang.flight_recorder_snapshot" "snapshot rc=$src sid='$sid' rc=$rc hits=$hits err='$(cat "$tmp/frerr")'"

# --- listing --------------------------------------------------------------

run "$fathom" -l 'kprobe:vfs_read'
[ $rc = 0 ] && [ "$out" = 'kprobe:vfs_read' ]
tap $? "lang.list_kprobe" "rc=$rc out='$out' err='$err'"

run "$fathom" -l 'tracepoint:sched:sched_switch'
[ $rc = 0 ] && [ "$out" = 'tracepoint:sched:sched_switch' ]
tap $? "lang.list_tracepoint" "rc=$rc out='$out' err='$err'"

run "$fathom" -l "uprobe:$wl:workload_*"
[ $rc = 0 ] && [ "$out" = "uprobe:$wl:workload_ufunc" ]
tap $? "lang.list_uprobe" "rc=$rc out='$out' err='$err'"

# --- without the module: errors never reach it, -d needs none -------------

rmmod fathom
run "$fathom" -e 'kprobe:vfs_read {
  @x = foo;
}'
[ $rc = 1 ] && [ -z "$out" ] && [ "$err" = "<expr>:2:8: error: unknown identifier 'foo'
  @x = foo;
       ^~~" ]
tap $? "lang.script_error_never_reaches_kernel" "rc=$rc out='$out' err='$err'"

run "$fathom" -e 'kprobe:vfs_raed { @ = count(); }'
[ $rc = 1 ] && grep -q "^<expr>:1:1: error: .*'vfs_raed'" <<<"$err" &&
	grep -q "note: did you mean 'vfs_read'?" <<<"$err"
tap $? "lang.unknown_probe_suggests" "rc=$rc err='$err'"

run "$fathom" -d -e 'kprobe:vfs_read /pid == 1/ { @[comm] = count(); }'
[ $rc = 0 ] && grep -q 'call get_comm' <<<"$out" &&
	grep -q 'call map_aggregate' <<<"$out" && grep -q 'exit$' <<<"$out"
tap $? "lang.dump_without_module" "rc=$rc err='$err'"
insmod "$FATHOM_KO"

rm -rf "$tmp"
[ $failed = 0 ]
