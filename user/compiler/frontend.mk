# SPDX-License-Identifier: GPL-2.0-only
#
# The bpftrace-language front end, for Makefiles that build it: paths are
# relative to user/. Needs -I<user>/compiler.
#
# COMPILER_FRONTEND_SRCS are the compiler's own files. The passes also
# read ELF files (USDT notes, symbols for uaddr()), kernel BTF and
# /proc/kallsyms through these library files, which every program that
# contains the front end links, with $(COMPILER_FRONTEND_LIBS) (libelf).
# (user/Makefile has them in libfathom.a already.)

COMPILER_FRONTEND_SRCS := \
	compiler/ast.c \
	compiler/diag.c \
	compiler/lexer.c \
	compiler/parser.c \
	compiler/passes/probe_specs.c \
	compiler/passes/semantic.c \
	compiler/passes/tp_format.c \
	compiler/passes/usdt_sites.c \
	compiler/passes/printf_format.c \
	compiler/passes/fold_consts.c \
	compiler/passes/pass_mgr.c

COMPILER_FRONTEND_LIB_SRCS := \
	lib/btf.c \
	lib/elfsyms.c \
	lib/ksyms.c \
	lib/usdt.c

COMPILER_FRONTEND_LIBS := $(shell pkg-config --libs libelf 2>/dev/null || \
			    echo -lelf)
