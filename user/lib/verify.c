// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fathom.h>

#include "vm/vm.h"
#include "api.h"
#include "verify.h"

/* Never called: the verifier only needs to know which helpers exist. */
static u64 helper_stub(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx)
{
	(void)r1;
	(void)r2;
	(void)r3;
	(void)r4;
	(void)r5;
	(void)ctx;
	return 0;
}

/* The module provides every helper the ISA declares. */
static void fill_helpers(fathom_helper_fn *table)
{
	unsigned int i;

	for (i = 1; i < __FATHOM_HELPER_MAX; i++)
		table[i] = fathom_helper_protos[i].name ? helper_stub : NULL;
}

int fathom_verify_local(const struct fathom_insn *insns, uint32_t len,
			const struct fathom_map_spec *maps, uint32_t nr_maps,
			char *log, size_t log_size, int *insn)
{
	fathom_helper_fn helpers[__FATHOM_HELPER_MAX] = { 0 };
	struct fathom_map_desc *descs = NULL;
	struct fathom_vlog vlog = { .buf = log, .size = (u32)log_size };
	struct fathom_prog prog;
	uint32_t i;
	int ret;

	if (nr_maps) {
		descs = calloc(nr_maps, sizeof(*descs));
		if (!descs)
			return -ENOMEM;
	}
	/* as the module describes them to its verifier (cmd_session.c) */
	for (i = 0; i < nr_maps; i++) {
		descs[i].key_size = maps[i].key_size;
		descs[i].value_size = maps[i].kind == FATHOM_MAP_HASH
					      ? maps[i].value_size
					      : 8;
	}
	fill_helpers(helpers);
	fathom_prog_init(&prog, insns, len);
	prog.maps = descs;
	prog.nr_maps = nr_maps;
	prog.helpers = helpers;
	vlog.insn = -1;
	if (log_size)
		log[0] = '\0';
	ret = fathom_verify(&prog, &vlog);
	*insn = vlog.insn;
	free(descs);
	return ret;
}
