#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The differential test: the same bpftrace one-liner run under fathom and
# under Debian's bpftrace, against the same deterministic workload
# (build/selftests/diffload), must print the same map keys and counts.
# TAP out, one line per one-liner. Runs in the 6.1 guest, where bpftrace
# works, with fathom.ko loaded.
#
#   selftests/e2e/diff.sh [NAME...]     run only the named one-liners
#
# Each tool runs the workload with -c, so the probes are attached while
# the machine is quiet and the workload runs only while tracing; programs
# filter on 'pid == cpid' (or on comm) so nothing else counts. Outputs are
# compared after normalisation: empty lines dropped, the pids of the tool
# and of the -c command replaced by TOOLPID and CPID, and then, by mode:
#
#   exact   lines in order (BEGIN/END and printf order)
#   sorted  lines sorted (maps print in value order; ties may differ)
#   keys    map keys only: values, and hist/lhist bucket lines, dropped
#           (for latencies, which differ from run to run)
#
# A one-liner marked todo uses something fathom does not support yet: its
# TAP line carries "# TODO" and does not count as a failure.
# shellcheck disable=SC2016 # the programs are single-quoted on purpose
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
fathom=$top/user/fathom
W=$top/build/selftests/diffload
tmp=$(mktemp -d /tmp/diff.XXXXXX)
only=("$@")
n=0
failed=0

# normalise MODE FILE TOOLPID: the comparable form of a tool's output
normalise() {
	local cpid

	# a one-liner that needs the -c pid prints "cpid N" in BEGIN
	cpid=$(sed -n 's/^cpid \([0-9]*\)$/\1/p' "$2" | head -n 1)
	grep -v '^$' "$2" |
		sed -E "s/\\b$3\\b/TOOLPID/g${cpid:+; s/\\b$cpid\\b/CPID/g}" |
		case "$1" in
		exact) cat ;;
		sorted) LC_ALL=C sort ;;
		keys) grep -v '^\[' | sed -E 's/^(@[^:]*):.*/\1:/' | LC_ALL=C sort ;;
		esac
}

# runtool OUT TOOL ARGS...: run a tool, its pid in $toolpid, status in $?
runtool() {
	local out=$1

	shift
	"$@" >"$out" 2>"$out.err" &
	toolpid=$!
	wait $toolpid
}

# one NAME MODE TODO WORKLOAD PROGRAM [OPTION...]
#   WORKLOAD: diffload's arguments, run with -c; TODO: "" or the reason
one() {
	local name=$1 mode=$2 todo=$3 wl=$4 prog=$5 frc brc fpid bpid
	local f b
	shift 5

	if [ ${#only[@]} -gt 0 ] && ! [[ " ${only[*]} " == *" $name "* ]]; then
		return
	fi
	n=$((n + 1))
	runtool "$tmp/f" "$fathom" "$@" -e "$prog" -c "$W $wl"
	frc=$?
	fpid=$toolpid
	runtool "$tmp/b" bpftrace "$@" -e "$prog" -c "$W $wl"
	brc=$?
	bpid=$toolpid
	f=$(normalise "$mode" "$tmp/f" "$fpid")
	b=$(normalise "$mode" "$tmp/b" "$bpid")
	report "$name" "$todo" "$frc" "$brc" "$f" "$b"
}

# report NAME TODO FRC BRC FATHOM BPFTRACE: one TAP line
report() {
	local name=$1 todo=$2 frc=$3 brc=$4 f=$5 b=$6 mark=""

	[ -n "$todo" ] && mark=" # TODO $todo"
	if [ "$frc" = 0 ] && [ "$brc" = 0 ] && [ -n "$b" ] && [ "$f" = "$b" ]; then
		echo "ok $n diff.$name$mark"
		return
	fi
	[ -z "$todo" ] && failed=$((failed + 1))
	echo "not ok $n diff.$name$mark"
	{
		echo "fathom (exit $frc):"
		echo "$f"
		sed 's/^/stderr: /' "$tmp/f.err"
		echo "bpftrace (exit $brc):"
		echo "$b"
		sed 's/^/stderr: /' "$tmp/b.err"
	} | sed 's/^/#   /'
}

# wait (up to 60 s) until file $1 has a line matching $2
wait_for() {
	local _

	for _ in $(seq 600); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# interval NAME PROGRAM WORKLOAD: no -c; the program's BEGIN prints "go"
# once every probe is attached, then the workload runs, and an interval
# probe ends the trace.
interval() {
	local name=$1 prog=$2 tool rcs=() outs=() wl

	read -ra wl <<<"$3"

	if [ ${#only[@]} -gt 0 ] && ! [[ " ${only[*]} " == *" $name "* ]]; then
		return
	fi
	n=$((n + 1))
	for tool in "$fathom" bpftrace; do
		"$tool" -B none -e "$prog" >"$tmp/i" 2>"$tmp/i.err" &
		toolpid=$!
		wait_for "$tmp/i" '^go$' && "$W" "${wl[@]}"
		wait $toolpid
		rcs+=($?)
		outs+=("$(normalise exact "$tmp/i" "$toolpid")")
		cp "$tmp/i.err" "$tmp/$([ "$tool" = bpftrace ] && echo b || echo f).err"
	done
	report "$name" "" "${rcs[0]}" "${rcs[1]}" "${outs[0]}" "${outs[1]}"
}

echo "TAP version 13"
[ ${#only[@]} -gt 0 ] || echo "1..29"

# --- kprobes, kretprobes and the aggregations -----------------------------

one kprobe_count sorted "" "getppid 100" \
	'kprobe:__x64_sys_getppid /pid == cpid/ { @ = count(); }'
one kprobe_comm_key sorted "" "getppid 50" \
	'kprobe:__x64_sys_getppid /pid == cpid/ { @[comm] = count(); }'
one kprobe_pid_key sorted "" "getppid 30" \
	'BEGIN { printf("cpid %d\n", cpid); }
	 kprobe:__x64_sys_getppid /pid == cpid/ { @[pid] = count(); }'
one kretprobe_retval_key sorted "" "getppid 20" \
	'kretprobe:__x64_sys_getppid /pid == cpid/ { @[retval] = count(); }'
one multi_key sorted "" "write 8" \
	'kprobe:vfs_write /pid == cpid/ { @[comm, arg2] = count(); @u[uid, gid] = count(); }'
one sum sorted "" "write 20" \
	'kprobe:vfs_write /pid == cpid/ { @ = sum(arg2); }'
one min_max_avg sorted "" "write 20" \
	'kprobe:vfs_write /pid == cpid/ { @mn = min(arg2); @mx = max(arg2); @a = avg(arg2); }'
one stats_retval sorted "" "write 30" \
	'kretprobe:vfs_write /pid == cpid/ { @ = stats(retval); }'
one hist sorted "" "write 100" \
	'kprobe:vfs_write /pid == cpid/ { @ = hist(arg2); }'
one lhist sorted "" "write 60" \
	'kprobe:vfs_write /pid == cpid/ { @ = lhist(arg2, 0, 50, 10); }'
one kretprobe_predicate sorted "" "read 32" \
	'kretprobe:vfs_read /comm == "diffload" && retval <= 32/ { @r[retval % 4] = count(); }'
one predicate_logic sorted "" "write 20" \
	'kprobe:vfs_write /pid == cpid && (arg2 < 3 || arg2 > 18) && !(arg2 == 20)/ { @ = count(); }'
# bpftrace 0.17 gives a string ternary as a map key one key per hit
# (garbage after the NUL): string ternaries are compared in printf_lines.
one ternary_key sorted "" "write 9" \
	'kprobe:vfs_write /pid == cpid/ { @[arg2 % 3 == 0 ? 3 : arg2 % 2] = count(); @n[arg2 > 4 ? 1 : 0] = sum(arg2); }'
one comm_compare sorted "" "getppid 40" \
	'kprobe:__x64_sys_getppid /comm == "diffload"/ { @ = count(); }
	 kprobe:__x64_sys_getppid /pid == cpid && comm != "bash"/ { @ne = count(); }
	 kprobe:__x64_sys_getppid /pid == cpid && comm == "bash"/ { @eq[comm] = count(); }'
one unhit_scalar_map sorted "bpftrace prints a keyless map never updated" "getppid 5" \
	'kprobe:__x64_sys_getppid /pid == cpid && comm == "nomatch"/ { @ = count(); @s = sum(arg0); }
	 kprobe:__x64_sys_getppid /pid == cpid/ { @all = count(); }'
# bpftrace 0.17 reads a kprobe's str(arg1) as kernel memory (@[]: N for
# the user pointer of openat); fathom reads it as user memory: a uprobe on a
# function taking the name compares the two.
one uprobe_str_key sorted "" "open 4" \
	"uprobe:$W:diffload_open { @[str(arg0)] = count(); }
	 uretprobe:$W:diffload_open { @ret[retval > 2] = count(); }"
one if_else_scratch sorted "" "write 8" \
	'kprobe:vfs_write /pid == cpid/ { $s = arg2; if ($s > 4) { @big = sum($s); } else { @small = count(); } }'
one probe_key_two_probes sorted "" "mix" \
	'kprobe:vfs_read, kprobe:vfs_write /pid == cpid/ { @[probe] = count(); }'
one latency_keys keys "" "sleep 5" \
	'kprobe:__x64_sys_nanosleep /pid == cpid/ { @start[tid] = nsecs; }
	 kretprobe:__x64_sys_nanosleep /@start[tid]/ { @ns[comm] = hist(nsecs - @start[tid]); @us = stats((nsecs - @start[tid]) / 1000); delete(@start[tid]); }'
one printf_lines sorted "" "write 6" \
	'kprobe:vfs_write /pid == cpid/ { printf("%-10s|%5d|%x|%u|%s\n", comm, arg2, arg2 * 255, arg2 + 1, arg2 > 3 ? "big" : "small"); }'
one begin_end exact "" "getppid 10" \
	'BEGIN { printf("begin\n"); }
	 kprobe:__x64_sys_getppid /pid == cpid/ { @ = count(); }
	 END { printf("end\n"); }'
# '-c CMD' with a shell character: bpftrace splits CMD itself, fathom runs
# it through /bin/sh, which forks the command: cpid is then the shell's.
one cpid_shell_chars sorted "" "getppid 15 #x" \
	'kprobe:__x64_sys_getppid /pid == cpid/ { @ = count(); }'
one end_print_clear exact "" "getppid 12" \
	'kprobe:__x64_sys_getppid /pid == cpid/ { @c = count(); @k[comm] = count(); }
	 END { print(@c); clear(@k); }'
one json_maps sorted "" "write 10" \
	'kprobe:vfs_write /pid == cpid/ { @[comm] = count(); @h = hist(arg2); @s = stats(arg2); }' \
	-f json
interval interval_exit \
	'BEGIN { printf("go\n"); }
	 kprobe:__x64_sys_getppid /comm == "diffload"/ { @ = count(); }
	 interval:s:3 { printf("tick\n"); exit(); }' "getppid 25"

# --- tracepoints ----------------------------------------------------------

one tracepoint_count sorted "" "getppid 60" \
	'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @[comm] = count(); }'
one tracepoint_args_hist sorted "" "write 40" \
	'tracepoint:syscalls:sys_enter_write /pid == cpid/ { @ = hist(args->count); @fd[args->fd > 2] = count(); }'
one tracepoint_args_str sorted "" "open 3" \
	'tracepoint:syscalls:sys_enter_openat /pid == cpid/ { @[str(args->filename)] = count(); }'
one tracepoint_exit_ret sorted "" "read 24" \
	'tracepoint:syscalls:sys_exit_read /comm == "diffload" && args->ret <= 24/ { @ = lhist(args->ret, 0, 24, 8); }'

rm -rf "$tmp"
[ $failed = 0 ]
