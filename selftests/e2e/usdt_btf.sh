#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# USDT probes and kernel structs (BTF) through the fathom command, against
# the real module. USDT: the sites of selftests/e2e/usdt_prog.c
# (<sys/sdt.h>, a semaphore, two sites with different argument strings),
# at -O0 (memory operands) and -O2 (registers), fire exactly as often as
# the program ran them, with the exact argument values; the semaphore is
# set only while traced; globals passed as %rip-relative operands
# (selftests/e2e/usdt_global.c) are read at their run-time addresses.
# BTF: curtask and casts to struct task_struct read the traced process's
# pid, tgid, comm (and its characters, as array elements) and parent;
# unknown members get a suggestion. TAP out; runs in the guest.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
fathom=$top/user/fathom
bin=$top/build/selftests
. "$top/selftests/e2e/tap.sh"

# 6 rounds i = 0..5: arg0 = i % 3, arg1 = -(i + 1), arg2 = "even"/"odd",
# arg3 = -i * 2^33
script='usdt:PROG:fathom:hit { @[arg0] = count(); @s = sum(arg1); @t = sum(arg3); printf("%s\n", str(arg2)); }'
expect='even
odd
even
odd
even
odd
semaphore seen 6 of 6

@[0]: 2
@[1]: 2
@[2]: 2

@s: -21

@t: -128849018880'
for o in O0 O2; do
	prog=$bin/usdt_prog_$o
	out=$("$fathom" -q -e "${script//PROG/$prog}" -c "$prog 6 wait" 2>&1)
	got=$(grep -v '^$' <<<"$out" | sort)
	want=$(grep -v '^$' <<<"$expect" | sort)
	[ "$got" = "$want" ]
	tap $? "usdt.args_and_counts_$o" "$out"
done

# untraced, the semaphore stays clear and the probes are skipped
out=$("$bin/usdt_prog_O2" 4)
[ "$out" = "semaphore seen 0 of 4" ]
tap $? usdt.semaphore_clear_untraced "$out"

# the probe name alone, unambiguous, and a wildcard
out=$("$fathom" -q -e "usdt:$bin/usdt_prog_O2:hi* { @ = count(); }" \
	-c "$bin/usdt_prog_O2 3 wait" 2>&1)
grep -q '^@: 3$' <<<"$out"
tap $? usdt.name_only_wildcard "$out"

# -l lists the probe once (two sites)
out=$("$fathom" -l "usdt:$bin/usdt_prog_O2:*" 2>&1)
[ "$out" = "usdt:$bin/usdt_prog_O2:fathom:hit" ]
tap $? usdt.list "$out"

# an unknown probe: the error names it, with a suggestion
s="usdt:$bin/usdt_prog_O2:fathom:hti"
refused usdt.unknown_probe \
	"<expr>:1:1: error: $s: no USDT probe matches 'fathom:hti' in $bin/usdt_prog_O2
<expr>:1:1: note: did you mean 'fathom:hit'?" \
	-e "$s { @ = count(); }"

# an argument the probe does not have
s="usdt:$bin/usdt_prog_O2:fathom:hit { @ = sum("
refused usdt.no_such_arg \
	"<expr>:1:$((${#s} + 1)): error: 'arg4': the USDT probe fathom:hit has 4 arguments" \
	-e "${s}arg4); }"

# globals as arguments ("-8@counter(%rip) -4@8+table(%rip) -2@level(%rip)"
# at -O2), in a PIE (read at the load bias) and a fixed-address program:
# 4 rounds, counter = 3 (i + 1), table[2] = 100 i, level = -8 - i
want='3 0 -8
6 100 -9
9 200 -10
12 300 -11
@c: 30
@l: -11
@t: 600'
for g in usdt_global usdt_global_nopie; do
	out=$("$fathom" -q -e "usdt:$bin/$g:fathom:global { @c = sum(arg0); @t = sum(arg1); @l = min(arg2); printf(\"%d %d %d\\n\", arg0, arg1, arg2); }" \
		-c "$bin/$g 4" 2>&1)
	got=$(grep -v '^$' <<<"$out" | grep -v '^counter at ')
	[ "$got" = "$want" ]
	tap $? "usdt.rip_relative_globals.$g" "$out"
done

# ---- BTF ----
chain=$bin/stack_chain

# curtask's pid is the thread id, tgid the process id (4 getppid calls)
prints btf.curtask_pid_tgid_comm "@[1, 1, stack_chain]: 4" \
	-q -e 'kprobe:__x64_sys_getppid /pid == cpid/ { @[curtask->pid == tid, ((struct task_struct *)curtask)->tgid == pid, curtask->comm] = count(); }' \
	-c "$chain 4"

# a pointer member followed: the parent is this shell's child, fathom
out=$("$fathom" -q -e 'kprobe:__x64_sys_getppid /pid == cpid/ { printf("%d %d\n", curtask->real_parent->tgid, curtask->tgid); exit(); }' \
	-c "$chain 1" 2>&1)
read -r ppid tgid <<<"$out"
[ -n "$ppid" ] && [ "$ppid" -gt 1 ] && [ "$tgid" -gt "$ppid" ] 2>/dev/null
tap $? btf.pointer_chain "$out"

# an array member's elements, by a constant and by a computed index:
# "stack_chain" starts with 's' (115) and 't' (116)
prints btf.array_elements "@[115, 116]: 4" \
	-q -e 'kprobe:__x64_sys_getppid /pid == cpid/ { $i = 1; @[curtask->comm[0], curtask->comm[$i]] = count(); }' \
	-c "$chain 4"

# a member that does not exist, and a struct that does not
refused btf.unknown_member \
	"<expr>:1:41: error: struct task_struct has no member 'pidd'
<expr>:1:41: note: did you mean 'pid'?" \
	-e 'kprobe:__x64_sys_getppid { @ = curtask->pidd; }'
refused btf.unknown_struct \
	"<expr>:1:41: error: unknown struct 'task_strct': struct task_strct is not in BTF
<expr>:1:41: note: did you mean 'struct task_struct'?" \
	-e 'kprobe:__x64_sys_getppid { @ = ((struct task_strct *)curtask)->pid; }'

# no BTF: the error says so
FATHOM_BTF=/nonexistent refused btf.missing \
	"<expr>:1:32: error: '->pid' needs the kernel's BTF type information: no BTF: /nonexistent does not exist (the kernel needs CONFIG_DEBUG_INFO_BTF for struct member access)" \
	-e 'kprobe:__x64_sys_getppid { @ = curtask->pid; }'

echo "1..$n"
[ $failed = 0 ]
