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

# ---- uprobes on a shared library ----

# malloc(12345) exactly 7 times, by the library's path and by its name;
# the process's other malloc() calls have other sizes
libc=$(readlink -f /lib/x86_64-linux-gnu/libc.so.6)
for target in /lib/x86_64-linux-gnu/libc.so.6 libc; do
	prints "uprobe.libc_malloc_count.${target//\//_}" "@: 7" \
		-q -e "uprobe:$target:malloc /pid == cpid && arg0 == 12345/ { @ = count(); }" \
		-c "$prog malloc 7 12345"
done

# the probe is named by the library's real path
prints uprobe.libc_by_name_probe "@[uprobe:$libc:malloc]: 3" \
	-q -e 'uprobe:libc:malloc /pid == cpid && arg0 == 12345/ { @[probe] = count(); }' \
	-c "$prog malloc 3 12345"

# ---- tracepoint arguments by name ----

# exactly the files the program opened, in order (a static program: no
# dynamic loader opens anything before it); args.f and args->f alike
want="/etc/hostname
/nonexistent/file
$prog"
for f in 'args.filename' 'args->filename'; do
	prints "tracepoint.openat_filenames.${f//[^a-z]/_}" "$want" \
		-q -e "tracepoint:syscalls:sys_enter_openat /pid == cpid/ { printf(\"%s\\n\", str($f)); }" \
		-c "$bin/vis_prog_static open /etc/hostname /nonexistent/file $prog"
done

# an integer field with its type: flags as the program gave them
# (O_RDONLY | O_CLOEXEC = 0x80000)
prints tracepoint.openat_flags "@[524288]: 2" \
	-q -e 'tracepoint:syscalls:sys_enter_openat /pid == cpid/ { @[args->flags] = count(); }' \
	-c "$bin/vis_prog_static open /etc/hostname /etc/hostname"

# ---- bad probe targets: exact messages, exit status 1, nothing loaded ----

refused bad.uprobe_unknown_symbol \
	"<expr>:1:1: error: uprobe:$prog:tak: no function matches 'tak' in $prog
<expr>:1:1: note: did you mean 'take'?" \
	-e "uprobe:$prog:tak { @ = count(); }"

# take() is in vis_prog's .symtab, which strip removed
stripped=$bin/vis_prog_stripped
if nm "$prog" | grep -q ' T take$'; then
	refused bad.uprobe_stripped_binary \
		"<expr>:1:1: error: uprobe:$stripped:take: no function matches 'take' in $stripped
<expr>:1:1: note: $stripped is stripped (it has no .symtab): only the functions it exports (.dynsym) can be probed by name" \
		-e "uprobe:$stripped:take { @ = count(); }"
else
	tap 1 bad.uprobe_stripped_binary "take() is not in $prog's .symtab"
fi

notelf=$top/selftests/e2e/vis_prog.c
refused bad.uprobe_not_elf \
	"<expr>:1:1: error: uprobe:$notelf:main: $notelf is not an ELF file" \
	-e "uprobe:$notelf:main { @ = count(); }"

refused bad.uprobe_no_file \
	"<expr>:1:1: error: uprobe:/nonexistent/prog:main: cannot find '/nonexistent/prog': No such file or directory" \
	-e "uprobe:/nonexistent/prog:main { @ = count(); }"

refused bad.uprobe_no_library \
	"<expr>:1:1: error: uprobe:libnonexistentfathom:main: cannot find 'libnonexistentfathom': No such file or directory" \
	-e "uprobe:libnonexistentfathom:main { @ = count(); }"

# ---- symbols ----

# usym(): take(target, i) called 5 times, arg0 is &target, named from the
# process's mappings (it lingers after the calls)
prints usym.map_key_names_the_function "@[target]: 5" \
	-q -e "uprobe:$prog:take { @[usym(arg0)] = count(); }" -c "$prog fnptr 5"

# (an address in no mapping prints as hex)
prints usym.printf "target|0x0
target|0x0" \
	-q -e "uprobe:$prog:take { printf(\"%s|%s\\n\", usym(arg0), usym(0)); }" \
	-c "$prog fnptr 2"

# kaddr(): the address /proc/kallsyms gives, data symbols too
want=$(awk '$3 == "jiffies" { print $1; exit }' /proc/kallsyms)
want2=$(awk '$3 == "vfs_read" { print $1; exit }' /proc/kallsyms)
out=$("$fathom" -q -e 'BEGIN { printf("%016lx %016lx\n", kaddr("jiffies"), kaddr("vfs_read")); exit(); }' 2>&1)
[ -n "$want" ] && [ "$(grep -v '^$' <<<"$out")" = "$want $want2" ]
tap $? kaddr.matches_kallsyms "$out"

refused kaddr.unknown_symbol \
	"<expr>:1:25: error: kaddr(\"no_such_symbol_fathom\"): the kernel has no symbol 'no_such_symbol_fathom'" \
	-e 'BEGIN { printf("%lx\n", kaddr("no_such_symbol_fathom")); }'

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
refused uaddr.pie_uretprobe_refused \
	"<expr>:1:$((${#pre} + 1)): error: uaddr(\"counter\"): $bin/usdt_global is position-independent: the address is found from the probe's site, which needs a uprobe on one function (not a uretprobe, a wildcard or several probes)" \
	-e "${pre}uaddr(\"counter\"); }"

echo "1..$n"
[ $failed = 0 ]
