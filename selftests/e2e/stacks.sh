#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Stacks through the fathom command, against the real module: user stacks
# symbolised from the process's mappings and ELF symbols, kernel stacks
# from /proc/kallsyms, starting at the probed code (fathom's own frames
# and the probe mechanism's are not shown). TAP out; runs in the guest.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
fathom=$top/user/fathom
chain=$top/build/selftests/stack_chain

. "$top/selftests/e2e/tap.sh"

# frames NAME...: the output's frame names (offsets cut), one per line
frames() { sed -n 's/^ *\([A-Za-z_][A-Za-z0-9_.]*\)+[0-9]*$/\1/p'; }

# main -> a -> b -> c, at a uprobe on c's entry: c, b, a, main, counted 7
out=$("$fathom" -q -e "uprobe:$chain:c { @[ustack] = count(); }" -c "$chain 7" 2>&1)
got=$(frames <<<"$out" | head -n 4 | tr '\n' ' ')
[ "$got" = "c b a main " ] && grep -q '^\]: 7$' <<<"$out"
tap $? stacks.ustack_chain_by_name "$out"

# the same chain seen from the kernel (getppid's kprobe), 3 frames deep:
# libc's syscall() keeps no frame pointer, so its caller c is not seen
out=$("$fathom" -q -e 'kprobe:__x64_sys_getppid /comm == "stack_chain"/ { @[ustack(3)] = count(); }' \
	-c "$chain 4" 2>&1)
got=$(frames <<<"$out" | tr '\n' ' ')
[ "$got" = "syscall b a " ] && grep -q '^\]: 4$' <<<"$out"
tap $? stacks.ustack_from_a_kprobe "$out"

# kernel stacks start at the probed function and reach the syscall entry;
# fathom's, ftrace's and kprobes' frames are not in them
out=$("$fathom" -q -e 'kprobe:__x64_sys_getppid /comm == "stack_chain"/ { @[kstack] = count(); }' \
	-c "$chain 5" 2>&1)
first=$(frames <<<"$out" | head -n 1)
case "$first" in __x64_sys_getppid | __do_sys_getppid) r=0 ;; *) r=1 ;; esac
[ $r = 0 ] && grep -q '^ *do_syscall_64+' <<<"$out" &&
	grep -q '^ *entry_SYSCALL_64' <<<"$out" &&
	! grep -qE 'fathom|ftrace_hit|ftrace_trampoline|kprobe' <<<"$out" &&
	grep -q '^\]: 5$' <<<"$out"
tap $? stacks.kstack_from_the_probed_function "$out"

# profile samples of a busy user loop: kernel stacks of user-mode samples
# are empty, user stacks name the loop
out=$("$fathom" -q -e 'profile:hz:97 /comm == "stack_chain"/ { @k[kstack] = count(); @u[ustack(1)] = count(); } interval:ms:1500 { exit(); }' \
	-c "$chain 3000000" 2>&1)
grep -qE '^ *(a|b|c|main|syscall)\+[0-9]+$' <<<"$out"
tap $? stacks.profile_user_frames "$out"

echo "1..$n"
[ $failed = 0 ]
