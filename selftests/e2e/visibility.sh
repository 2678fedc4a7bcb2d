#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Visibility through the fathom command, against the real module: uprobes
# on a shared library's functions by path and by library name, tracepoint
# arguments by name (str(args.filename) of openat), bad probe targets with
# their exact messages, usym() of a function pointer, kaddr() against
# /proc/kallsyms and uaddr() of a global. The workload is
# selftests/e2e/vis_prog.c. TAP out; runs in the guest.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
fathom=$top/user/fathom
bin=$top/build/selftests
prog=$bin/vis_prog
. "$top/selftests/e2e/tap.sh"

# sessions: the relay directories the module has now (none when idle)
sessions() { ls -d /sys/kernel/debug/fathom/session-* 2>/dev/null | wc -l; }

# ---- uprobes on a shared library ----

# malloc(12345) exactly 7 times, by the library's path and by its name;
# the process's other malloc() calls have other sizes
libc=$(readlink -f /lib/x86_64-linux-gnu/libc.so.6)
for target in /lib/x86_64-linux-gnu/libc.so.6 libc; do
	out=$("$fathom" -q -e "uprobe:$target:malloc /pid == cpid && arg0 == 12345/ { @ = count(); }" \
		-c "$prog malloc 7 12345" 2>&1)
	[ "$(grep -v '^$' <<<"$out")" = "@: 7" ]
	tap $? "uprobe.libc_malloc_count.${target//\//_}" "$out"
done

# the probe is named by the library's real path
out=$("$fathom" -q -e 'uprobe:libc:malloc /pid == cpid && arg0 == 12345/ { @[probe] = count(); }' \
	-c "$prog malloc 3 12345" 2>&1)
[ "$(grep -v '^$' <<<"$out")" = "@[uprobe:$libc:malloc]: 3" ]
tap $? uprobe.libc_by_name_probe "$out"

# ---- tracepoint arguments by name ----

# exactly the files the program opened, in order (a static program: no
# dynamic loader opens anything before it); args.f and args->f alike
want="/etc/hostname
/nonexistent/file
$prog"
for f in 'args.filename' 'args->filename'; do
	out=$("$fathom" -q -e "tracepoint:syscalls:sys_enter_openat /pid == cpid/ { printf(\"%s\\n\", str($f)); }" \
		-c "$bin/vis_prog_static open /etc/hostname /nonexistent/file $prog" 2>&1)
	[ "$(grep -v '^$' <<<"$out")" = "$want" ]
	tap $? "tracepoint.openat_filenames.${f//[^a-z]/_}" "$out"
done

# an integer field with its type: flags as the program gave them
# (O_RDONLY | O_CLOEXEC = 0x80000)
out=$("$fathom" -q -e 'tracepoint:syscalls:sys_enter_openat /pid == cpid/ { @[args->flags] = count(); }' \
	-c "$bin/vis_prog_static open /etc/hostname /etc/hostname" 2>&1)
[ "$(grep -v '^$' <<<"$out")" = "@[524288]: 2" ]
tap $? tracepoint.openat_flags "$out"

# ---- bad probe targets: exact messages, exit status 1, nothing loaded ----

# fails CMD EXPECTED...: exit status 1, each EXPECTED line in the output,
# no session left
fails() {
	local script=$1 line
	shift
	out=$("$fathom" -e "$script" 2>&1)
	r=$?
	[ $r = 1 ] || return 1
	for line in "$@"; do
		grep -qxF -- "$line" <<<"$out" || return 1
	done
	[ "$(sessions)" = 0 ]
}

s="uprobe:$prog:tak { @ = count(); }"
fails "$s" "<expr>:1:1: error: uprobe:$prog:tak: no function matches 'tak' in $prog" \
	"<expr>:1:1: note: did you mean 'take'?"
tap $? bad.uprobe_unknown_symbol "$out"

# take() is in vis_prog's .symtab, which strip removed
nm "$prog" | grep -q ' T take$'
r1=$?
s="uprobe:$bin/vis_prog_stripped:take { @ = count(); }"
fails "$s" "<expr>:1:1: error: uprobe:$bin/vis_prog_stripped:take: no function matches 'take' in $bin/vis_prog_stripped" \
	"<expr>:1:1: note: $bin/vis_prog_stripped is stripped (it has no .symtab): only the functions it exports (.dynsym) can be probed by name"
r2=$?
[ $r1 = 0 ] && [ $r2 = 0 ]
tap $? bad.uprobe_stripped_binary "$out"

notelf=$top/selftests/e2e/vis_prog.c
fails "uprobe:$notelf:main { @ = count(); }" \
	"<expr>:1:1: error: uprobe:$notelf:main: $notelf is not an ELF file"
tap $? bad.uprobe_not_elf "$out"

fails "uprobe:/nonexistent/prog:main { @ = count(); }" \
	"<expr>:1:1: error: uprobe:/nonexistent/prog:main: cannot find '/nonexistent/prog': No such file or directory"
tap $? bad.uprobe_no_file "$out"

fails "uprobe:libnonexistentfathom:main { @ = count(); }" \
	"<expr>:1:1: error: uprobe:libnonexistentfathom:main: cannot find 'libnonexistentfathom': No such file or directory"
tap $? bad.uprobe_no_library "$out"

# ---- symbols ----

# usym(): take(target, i) called 5 times, arg0 is &target, named from the
# process's mappings (it lingers after the calls)
out=$("$fathom" -q -e "uprobe:$prog:take { @[usym(arg0)] = count(); }" \
	-c "$prog fnptr 5" 2>&1)
[ "$(grep -v '^$' <<<"$out")" = "@[target]: 5" ]
tap $? usym.map_key_names_the_function "$out"

# (an address in no mapping prints as hex)
out=$("$fathom" -q -e "uprobe:$prog:take { printf(\"%s|%s\\n\", usym(arg0), usym(0)); }" \
	-c "$prog fnptr 2" 2>&1)
[ "$(grep -v '^$' <<<"$out")" = "target|0x0
target|0x0" ]
tap $? usym.printf "$out"

# kaddr(): the address /proc/kallsyms gives, data symbols too
want=$(awk '$3 == "jiffies" { print $1; exit }' /proc/kallsyms)
want2=$(awk '$3 == "vfs_read" { print $1; exit }' /proc/kallsyms)
out=$("$fathom" -q -e 'BEGIN { printf("%016lx %016lx\n", kaddr("jiffies"), kaddr("vfs_read")); exit(); }' 2>&1)
[ -n "$want" ] && [ "$(grep -v '^$' <<<"$out")" = "$want $want2" ]
tap $? kaddr.matches_kallsyms "$out"

fails 'BEGIN { printf("%lx\n", kaddr("no_such_symbol_fathom")); }' \
	"<expr>:1:25: error: kaddr(\"no_such_symbol_fathom\"): the kernel has no symbol 'no_such_symbol_fathom'"
tap $? kaddr.unknown_symbol "$out"

# uaddr(): &counter as the program itself prints it, from a uprobe and
# from a usdt probe, in a PIE (the load bias added at run time) and in a
# fixed-address executable (a constant)
for g in usdt_global usdt_global_nopie; do
	gp=$bin/$g
	out=$("$fathom" -q -e "uprobe:$gp:step /arg0 == 1/ { printf(\"uprobe %p\\n\", uaddr(\"counter\")); }
		usdt:$gp:fathom:global /arg2 == -8/ { printf(\"usdt %p\\n\", uaddr(\"counter\")); }" \
		-c "$gp 3" 2>&1)
	addr=$(sed -n 's/^counter at //p' <<<"$out")
	[ -n "$addr" ] && grep -qx "uprobe $addr" <<<"$out" &&
		grep -qx "usdt $addr" <<<"$out" &&
		[ "$(grep -v '^$' <<<"$out" | wc -l)" = 3 ]
	tap $? "uaddr.global_address.$g" "$out"
done

# a PIE's load address is not known at a uretprobe
pre="uretprobe:$bin/usdt_global:step { @ = "
fails "${pre}uaddr(\"counter\"); }" \
	"<expr>:1:$((${#pre} + 1)): error: uaddr(\"counter\"): $bin/usdt_global is position-independent: the address is found from the probe's site, which needs a uprobe on one function (not a uretprobe, a wildcard or several probes)"
tap $? uaddr.pie_uretprobe_refused "$out"

echo "1..$n"
[ $failed = 0 ]
