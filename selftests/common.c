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
