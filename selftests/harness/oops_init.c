// SPDX-License-Identifier: GPL-2.0-only
/*
 * A deliberately broken module for testing the guest harness: its init
 * dereferences NULL. scripts/vm must report the oops and fail the run.
 */
#include <linux/module.h>

static int *nowhere;

static int __init oops_init(void)
{
	pr_info("%s: dereferencing NULL on purpose\n", __func__);
	return READ_ONCE(*nowhere);
}
module_init(oops_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("fathom harness self-test: oops in init");
