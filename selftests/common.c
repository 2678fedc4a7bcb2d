// SPDX-License-Identifier: GPL-2.0-only

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "common.h"

int become_nobody(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		return -errno;

	/* The uid change cleared the effective set; keep only @cap. */
	memset(data, 0, sizeof(data));
	if (cap >= 0) {
		data[cap / 32].effective = 1U << (cap % 32);
		data[cap / 32].permitted = 1U << (cap % 32);
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

bool module_loaded(void)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/modules", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strncmp(line, "fathom ", 7) == 0;
	fclose(f);
	return found;
}

#define KPROBES_LIST "/sys/kernel/debug/kprobes/list"
#define FTRACE_LIST "/sys/kernel/tracing/enabled_functions"

static int file_has(const char *path, const char *what)
{
	char line[512];
	int found = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, what) != NULL;
	fclose(f);
	return found;
}

/*
 * Is anything probing getppid (a kprobe, or an ftrace_ops)? The lists
 * name the function by its alias __do_sys_getppid, so match the common
 * part. -1 when the lists cannot be read: a test must not pass then.
 */
int getppid_probed(void)
{
	int k = file_has(KPROBES_LIST, "getppid+0x");
	int f = file_has(FTRACE_LIST, "getppid");

	if (k < 0 || f < 0)
		return -1;
	return k || f;
}

static void count_owned(const struct fathom_session_info *info, void *arg)
{
	pid_t *pid = arg;

	if (info->owner_pid == (uint32_t)pid[0])
		pid[1]++;
}

unsigned int sessions_of(struct fathom_nl *nl, pid_t pid)
{
	pid_t found[2] = { pid, 0 };

	if (fathom_session_list(nl, count_owned, found))
		return ~0U;
	return found[1];
}

static void add_first_u64(uint32_t cpu, const void *key, uint32_t key_size,
			  const void *value, uint32_t value_size, void *arg)
{
	uint64_t v = 0;

	memcpy(&v, value, value_size < 8 ? value_size : 8);
	*(uint64_t *)arg += v;
}

uint64_t map_sum(struct fathom_nl *nl, uint32_t sid, uint32_t map)
{
	uint64_t n = 0;

	if (fathom_map_dump(nl, sid, map, add_first_u64, &n))
		return ~0ULL;
	return n;
}

int relay_drain(const char *rel, fathom_relay_cb cb, void *arg, uint64_t *lost)
{
	struct fathom_relay_reader *rd;
	char dir[512];
	int ret;

	if (fathom_relay_debugfs_path(rel, dir, sizeof(dir)))
		return -ENAMETOOLONG;
	rd = fathom_relay_reader_open(dir);
	if (!rd)
		return -errno;
	ret = fathom_relay_reader_drain(rd, cb, arg);
	if (lost)
		*lost = fathom_relay_reader_lost(rd);
	fathom_relay_reader_close(rd);
	return ret;
}
