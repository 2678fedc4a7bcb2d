// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ksyms.h"

int fathom_ksym_addr(const char *name, uint64_t *addr)
{
	char line[512], sym[256], type;
	uint64_t a;
	int ret = -ENOENT;
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 " %c %255s", &a, &type, sym) != 3)
			continue;
		if ((type != 't' && type != 'T') || strcmp(sym, name))
			continue;
		if (!a) {
			ret = -EPERM;
			break;
		}
		*addr = a;
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}
