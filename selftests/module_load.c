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

#include "kselftest_harness.h"
#include "api.h"
#include "common.h"

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
