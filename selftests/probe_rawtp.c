// SPDX-License-Identifier: GPL-2.0-only
/*
 * Raw tracepoints: the program reads the tracepoint's TP_PROTO arguments
 * as u64 words through READ_CTX. raw_syscalls' sys_enter gets
 * (struct pt_regs *regs, long id): the test counts its own getppid calls
 * by id, exactly, and checks regs->orig_ax through the regs pointer.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <asm/ptrace.h>
#include <linux/fathom.h>

#include "kselftest_harness.h"
#include "api.h"
#include "common.h"
#include "prog.h"

static const struct fathom_map_spec maps[] = {
	{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 4 },
	{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 4 },
};

/* R0 = ctx word @i (stored at fp - 24 first) */
static void read_arg(struct prog *p, unsigned int i)
{
	prog_add(p, FATHOM_MOV64_REG(1, FATHOM_REG_FP));
	prog_add(p, FATHOM_ALU64_IMM(FATHOM_ADD, 1, -24));
	prog_add(p, FATHOM_MOV64_IMM(2, 8));
	prog_add(p, FATHOM_MOV64_IMM(3, 8 * i));
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_READ_CTX));
	prog_add(p, FATHOM_LDX_MEM(FATHOM_DW, 0, FATHOM_REG_FP, -24));
}

/*
 * For this process's getppid: count into map 1; and into map 2 when
 * regs->orig_ax (read through arg0) is getppid's number too.
 */
static void build(struct prog *p)
{
	memset(p, 0, sizeof(*p));
	prog_filter_pid(p, getpid());
	read_arg(p, 1);
	prog_exit_if(p, FATHOM_JNE, 0, SYS_getppid);
	prog_count_key0(p, 1);
	read_arg(p, 0);
	prog_add(p, FATHOM_MOV64_REG(3, 0));
	prog_add(p, FATHOM_ALU64_IMM(FATHOM_ADD, 3,
				     offsetof(struct pt_regs, orig_rax)));
	prog_add(p, FATHOM_MOV64_REG(1, FATHOM_REG_FP));
	prog_add(p, FATHOM_ALU64_IMM(FATHOM_ADD, 1, -32));
	prog_add(p, FATHOM_MOV64_IMM(2, 8));
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_PROBE_READ_KERNEL));
	prog_add(p, FATHOM_LDX_MEM(FATHOM_DW, 0, FATHOM_REG_FP, -32));
	prog_exit_if(p, FATHOM_JNE, 0, SYS_getppid);
	prog_count_key0(p, 2);
	prog_finish(p);
}

FIXTURE(rawtp)
{
	struct fathom_nl nl;
	uint32_t sid;
	struct prog p;
	struct fathom_prog_spec ps;
	struct fathom_probe_spec pr;
	struct fathom_session_spec spec;
};

FIXTURE_SETUP(rawtp)
{
	ASSERT_EQ(0, fathom_nl_open(&self->nl)) TH_LOG("is fathom.ko loaded?");
	self->sid = 0;
	build(&self->p);
	self->ps = (struct fathom_prog_spec){ .insns = self->p.insn,
					      .len = self->p.len };
	self->pr = (struct fathom_probe_spec){
		.kind = FATHOM_PROBE_RAW_TRACEPOINT,
		.tp_name = "sys_enter",
	};
	self->spec = (struct fathom_session_spec){
		.progs = &self->ps,
		.nr_progs = 1,
		.maps = maps,
		.nr_maps = 2,
		.probes = &self->pr,
		.nr_probes = 1,
	};
}

FIXTURE_TEARDOWN(rawtp)
{
	if (self->sid)
		EXPECT_EQ(0, fathom_session_cmd(&self->nl,
						FATHOM_CMD_SESSION_DESTROY,
						self->sid));
	fathom_nl_close(&self->nl);
}

TEST_F(rawtp, sys_enter_arguments_exact)
{
	struct fathom_create_result res;
	struct fathom_session_info info;
	unsigned int i;

	ASSERT_EQ(0, fathom_session_create(&self->nl, &self->spec, &res))
	TH_LOG("%s", self->nl.errmsg);
	self->sid = res.session_id;
	for (i = 0; i < 10; i++) /* not started: not counted */
		syscall(SYS_getppid);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	for (i = 0; i < 321; i++)
		syscall(SYS_getppid);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	EXPECT_EQ(321, map_sum(&self->nl, self->sid, 1));
	EXPECT_EQ(321, map_sum(&self->nl, self->sid, 2));
	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	EXPECT_EQ(FATHOM_PROBE_PATH_TRACEPOINT, info.probes[0].path);
	/* every syscall of the guest while started, ours included */
	EXPECT_LE(321, info.probes[0].hits);
	EXPECT_EQ(0, info.stats.prog_errors);
	fathom_session_info_free(&info);
}

TEST_F(rawtp, sched_switch_fires)
{
	struct fathom_create_result res;
	struct fathom_session_info info;

	memset(&self->p, 0, sizeof(self->p));
	prog_count_key0(&self->p, 1);
	prog_finish(&self->p);
	self->ps.len = self->p.len;
	self->pr.tp_name = "sched_switch";
	ASSERT_EQ(0, fathom_session_create(&self->nl, &self->spec, &res))
	TH_LOG("%s", self->nl.errmsg);
	self->sid = res.session_id;
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	usleep(50000); /* sleeping switches at least twice */
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	EXPECT_LE(2, map_sum(&self->nl, self->sid, 1));
	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	EXPECT_EQ(map_sum(&self->nl, self->sid, 1), info.probes[0].hits);
	fathom_session_info_free(&info);
}

TEST_F(rawtp, unknown_or_missing_name_refused)
{
	struct fathom_create_result res;

	self->pr.tp_name = "no_such_tracepoint_xyz";
	EXPECT_EQ(-ENOENT, fathom_session_create(&self->nl, &self->spec, &res));
	EXPECT_NE(NULL, strstr(self->nl.errmsg, "raw tracepoint not found"))
	TH_LOG("%s", self->nl.errmsg);
	self->pr.tp_name = NULL;
	EXPECT_EQ(-EINVAL, fathom_session_create(&self->nl, &self->spec, &res));
	EXPECT_NE(NULL, strstr(self->nl.errmsg, "needs a tracepoint name"))
	TH_LOG("%s", self->nl.errmsg);
}

TEST_HARNESS_MAIN
