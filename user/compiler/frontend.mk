# SPDX-License-Identifier: GPL-2.0-only
#
# The bpftrace-language front end, for Makefiles that build it: paths are
# relative to user/. Needs -I<user>/compiler.

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
