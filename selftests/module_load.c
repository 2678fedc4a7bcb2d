// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading and unloading fathom.ko: a hundred cycles, each checking that
 * the netlink family appears with the module and is gone after it; and bad
 * module parameters refused without leaving anything behind.
 *
 * Needs the module file in $FATHOM_KO and the module not loaded (run
 * under scripts/vm --no-module).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <signal.h>
#include <sys/wait.h>
#include <linux/fathom.h>

#include "kselftest_harness.h"
#include "api.h"
#include "common.h"
#include "prog.h"

static int load(const char *params)
{
	const char *ko = getenv("FATHOM_KO");
	int fd, ret;

	if (!ko || !*ko)
		return -ENOENT;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0);
	ret = ret < 0 ? -errno : 0;
	close(fd);
	return ret;
}

static int unload(void)
{
	return syscall(SYS_delete_module, "fathom", O_NONBLOCK) < 0 ? -errno
								    : 0;
}

FIXTURE(mod)
{
	int unused;
};

FIXTURE_SETUP(mod)
{
	if (!getenv("FATHOM_KO") || !*getenv("FATHOM_KO"))
		SKIP(return, "FATHOM_KO is not set");
	if (module_loaded())
		ASSERT_EQ(0, unload());
}

FIXTURE_TEARDOWN(mod)
{
	if (module_loaded())
		unload();
}

TEST_F_TIMEOUT(mod, load_unload_100_times, 600)
{
	struct fathom_info info;
	struct fathom_nl nl;
	int i;

	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, load("")) TH_LOG("load %d", i);
		ASSERT_EQ(0, fathom_nl_open(&nl)) TH_LOG("open %d", i);
		ASSERT_EQ(0, fathom_get_info(&nl, &info)) TH_LOG("info %d", i);
		fathom_nl_close(&nl);
		ASSERT_EQ(0, unload()) TH_LOG("unload %d", i);
		ASSERT_FALSE(module_loaded());
		ASSERT_EQ(-ENOENT, fathom_nl_open(&nl)) TH_LOG("family %d", i);
	}
}

TEST_F(mod, unload_with_socket_open)
{
	struct fathom_nl nl;

	ASSERT_EQ(0, load(""));
	ASSERT_EQ(0, fathom_nl_open(&nl));
	/* An idle socket holds no reference: the module can go. */
	EXPECT_EQ(0, unload());
	fathom_nl_close(&nl);
}

/* rmmod while a session runs: the session and its probes go first. */
TEST_F(mod, unload_with_running_session)
{
	int ready[2];
	pid_t child;
	char c;

	ASSERT_EQ(0, load(""));
	ASSERT_EQ(0, pipe(ready));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		static const struct fathom_map_spec map = {
			.kind = FATHOM_MAP_COUNT,
			.key_size = 8,
			.max_entries = 8,
		};
		struct fathom_create_result res;
		struct fathom_prog_spec ps;
		struct fathom_probe_spec pr = {
			.kind = FATHOM_PROBE_KPROBE,
			.symbol = "__x64_sys_getppid",
		};
		struct fathom_session_spec spec = { 0 };
		struct fathom_nl nl;
		struct prog p;

		memset(&p, 0, sizeof(p));
		prog_count_key0(&p, 1);
		prog_finish(&p);
		ps = (struct fathom_prog_spec){ .insns = p.insn, .len = p.len };
		spec.progs = &ps;
		spec.nr_progs = 1;
		spec.maps = &map;
		spec.nr_maps = 1;
		spec.probes = &pr;
		spec.nr_probes = 1;
		if (fathom_nl_open(&nl) ||
		    fathom_session_create(&nl, &spec, &res) ||
		    fathom_session_cmd(&nl, FATHOM_CMD_SESSION_START,
				       res.session_id) ||
		    write(ready[1], "r", 1) != 1)
			_exit(1);
		/*
		 * Not calling getppid meanwhile: unregistering patches the
		 * probed function, and under QEMU's software emulation a vCPU
		 * running a site another vCPU patches can execute a stale
		 * breakpoint (see session.c, stress_start_stop_under_load).
		 */
		for (;;)
			pause();
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	EXPECT_EQ(1, getppid_probed());
	syscall(SYS_getppid); /* the session is live */
	EXPECT_EQ(0, unload());
	EXPECT_FALSE(module_loaded());
	EXPECT_EQ(0, getppid_probed());
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

TEST_F(mod, params_are_reported)
{
	struct fathom_info info;
	struct fathom_nl nl;

	ASSERT_EQ(0, load("max_sessions=7 max_map_entries=4096"));
	ASSERT_EQ(0, fathom_nl_open(&nl));
	ASSERT_EQ(0, fathom_get_info(&nl, &info));
	EXPECT_EQ(7, info.limits.max_sessions);
	EXPECT_EQ(4096, info.limits.max_map_entries);
	fathom_nl_close(&nl);
	EXPECT_EQ(0, unload());
}

TEST_F(mod, bad_params_refused)
{
	struct fathom_nl nl;

	EXPECT_EQ(-EINVAL, load("max_sessions=0"));
	EXPECT_FALSE(module_loaded());
	EXPECT_EQ(-EINVAL, load("relay_subbuf_size=1"));
	EXPECT_EQ(-EINVAL, load("max_map_entries=999999999"));
	EXPECT_EQ(-ENOENT, fathom_nl_open(&nl));
	/* and a good load still works afterwards */
	EXPECT_EQ(0, load(""));
	EXPECT_EQ(0, unload());
}

TEST_HARNESS_MAIN
