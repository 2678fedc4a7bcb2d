// SPDX-License-Identifier: GPL-2.0-only
/*
 * The generic netlink family and GET_INFO: the answer is right, and every
 * kind of bad request is refused with the right errno and a message,
 * without harming the module (each test ends with a good request).
 */

#include <errno.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/fathom.h>
#include <linux/fathom_isa.h>

#include "kselftest_harness.h"
#include "api.h"
#include "common.h"

FIXTURE(genl)
{
	struct fathom_nl nl;
};

FIXTURE_SETUP(genl)
{
	ASSERT_EQ(0, fathom_nl_open(&self->nl))
	TH_LOG("is fathom.ko loaded?");
}

FIXTURE_TEARDOWN(genl)
{
	struct fathom_info info;

	/* Whatever the test sent, the module must still answer. */
	EXPECT_EQ(0, fathom_get_info(&self->nl, &info));
	fathom_nl_close(&self->nl);
}

TEST_F(genl, get_info_answers)
{
	struct fathom_info info;
	struct utsname u;

	ASSERT_EQ(0, fathom_get_info(&self->nl, &info));
	ASSERT_EQ(0, uname(&u));
	EXPECT_EQ(FATHOM_ABI_VERSION, info.abi_version);
	EXPECT_STREQ(u.release, info.kernel_release);
	EXPECT_NE(0, strlen(info.module_version));
	if (getenv("FATHOM_EXPECT_VERSION"))
		EXPECT_STREQ(getenv("FATHOM_EXPECT_VERSION"),
			     info.module_version);
	EXPECT_EQ(FATHOM_MAX_INSNS, info.limits.max_insns);
	EXPECT_EQ(FATHOM_STACK_SIZE, info.limits.stack_size);
	/* module defaults (kmod/limits.c) */
	EXPECT_EQ(64, info.limits.max_sessions);
	EXPECT_EQ(10240, info.limits.max_map_entries);
	EXPECT_EQ(127, info.limits.max_stack_depth);
	/* Debian's kernels have all of these */
	EXPECT_TRUE(info.kernel_features & FATHOM_KFEAT_KPROBES);
	EXPECT_TRUE(info.kernel_features & FATHOM_KFEAT_UPROBES);
	EXPECT_TRUE(info.kernel_features & FATHOM_KFEAT_RELAY);
	EXPECT_TRUE(info.kernel_features & FATHOM_KFEAT_FTRACE_ARGS);
}

/* A GET_INFO carrying one attribute of the caller's choosing. */
static int get_info_with(struct fathom_nl *nl, int type, const void *data,
			 int len)
{
	struct nl_msg *msg = fathom_nl_msg(nl, FATHOM_CMD_GET_INFO, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put(msg, type, len, data) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return fathom_nl_request(nl, msg, NULL, NULL);
}

TEST_F(genl, current_abi_accepted)
{
	__u32 abi = FATHOM_ABI_VERSION;

	EXPECT_EQ(0, get_info_with(&self->nl, FATHOM_A_INFO_ABI_VERSION, &abi,
				   sizeof(abi)));
}

TEST_F(genl, newer_abi_refused)
{
	__u32 abi = FATHOM_ABI_VERSION + 1;

	EXPECT_EQ(-EPROTONOSUPPORT,
		  get_info_with(&self->nl, FATHOM_A_INFO_ABI_VERSION, &abi,
				sizeof(abi)));
	EXPECT_NE(NULL, strstr(self->nl.errmsg, "newer than the loaded module"))
	TH_LOG("extack: '%s'", self->nl.errmsg);
}

TEST_F(genl, unknown_attribute_rejected)
{
	__u32 v = 1;

	EXPECT_EQ(-EINVAL,
		  get_info_with(&self->nl, FATHOM_A_MAX + 1, &v, sizeof(v)));
	EXPECT_NE(0, strlen(self->nl.errmsg));
	EXPECT_EQ(-EINVAL, get_info_with(&self->nl, 1000, &v, sizeof(v)));
}

TEST_F(genl, attribute_of_other_command_rejected)
{
	__u32 v = 1;

	/* a real attribute number that GET_INFO does not take */
	EXPECT_EQ(-EINVAL, get_info_with(&self->nl, FATHOM_A_INFO_LIMITS, &v,
					 sizeof(v)));
	EXPECT_NE(0, strlen(self->nl.errmsg));
}

TEST_F(genl, wrong_type_rejected)
{
	__u8 small = 1;
	__u64 big = FATHOM_ABI_VERSION;

	EXPECT_EQ(-EINVAL, get_info_with(&self->nl, FATHOM_A_INFO_ABI_VERSION,
					 &small, sizeof(small)));
	EXPECT_NE(0, strlen(self->nl.errmsg));
	EXPECT_EQ(-EINVAL, get_info_with(&self->nl, FATHOM_A_INFO_ABI_VERSION,
					 &big, sizeof(big)));
}

TEST_F(genl, reserved_header_field_rejected)
{
	struct nl_msg *msg = fathom_nl_msg(&self->nl, FATHOM_CMD_GET_INFO, 0);
	struct genlmsghdr *g;

	ASSERT_NE(NULL, msg);
	g = nlmsg_data(nlmsg_hdr(msg));
	g->reserved = 1;
	EXPECT_EQ(-EINVAL, fathom_nl_request(&self->nl, msg, NULL, NULL));
}

TEST_F(genl, unknown_command_rejected)
{
	struct nl_msg *msg = fathom_nl_msg(&self->nl, 200, 0);

	ASSERT_NE(NULL, msg);
	EXPECT_EQ(-EOPNOTSUPP, fathom_nl_request(&self->nl, msg, NULL, NULL));
}

/* Run GET_INFO as nobody keeping only @cap; return its result. */
static int get_info_as_nobody(int cap, char *errmsg, size_t len)
{
	int pfd[2];
	pid_t pid;
	int status, ret = -ECHILD;

	if (pipe(pfd) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		struct fathom_nl nl;
		struct fathom_info info;
		int r;

		close(pfd[0]);
		r = become_nobody(cap);
		if (!r)
			r = fathom_nl_open(&nl);
		if (!r)
			r = fathom_get_info(&nl, &info);
		if (write(pfd[1], &r, sizeof(r)) != sizeof(r) ||
		    write(pfd[1], nl.errmsg, sizeof(nl.errmsg)) < 0)
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	if (pid > 0) {
		if (read(pfd[0], &ret, sizeof(ret)) != sizeof(ret))
			ret = -EIO;
		else if (read(pfd[0], errmsg, len) < 0)
			errmsg[0] = '\0';
		waitpid(pid, &status, 0);
	}
	close(pfd[0]);
	errmsg[len - 1] = '\0';
	return ret;
}

TEST(unprivileged_refused)
{
	char msg[256] = "";

	EXPECT_EQ(-EPERM, get_info_as_nobody(-1, msg, sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "CAP_SYS_ADMIN or CAP_PERFMON"))
	TH_LOG("extack: '%s'", msg);
}

TEST(cap_net_admin_is_not_enough)
{
	char msg[256] = "";

	/* GENL_ADMIN_PERM would have let this through */
	EXPECT_EQ(-EPERM, get_info_as_nobody(CAP_NET_ADMIN, msg, sizeof(msg)));
}

TEST(cap_perfmon_is_enough)
{
	char msg[256] = "";

	EXPECT_EQ(0, get_info_as_nobody(CAP_PERFMON, msg, sizeof(msg)));
}

TEST(cap_sys_admin_is_enough)
{
	char msg[256] = "";

	EXPECT_EQ(0, get_info_as_nobody(CAP_SYS_ADMIN, msg, sizeof(msg)));
}

TEST_HARNESS_MAIN
