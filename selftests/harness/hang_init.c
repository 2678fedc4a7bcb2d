// SPDX-License-Identifier: GPL-2.0-only
/*
 * A deliberately broken module for testing the guest harness: its init
 * never returns. scripts/vm must time out and fail, not wait forever.
 */
#include <linux/delay.h>
#include <linux/module.h>

static int __init hang_init(void)
{
	pr_info("%s: sleeping forever on purpose\n", __func__);
	for (;;)
		msleep(1000);
	return 0;
}
module_init(hang_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("fathom harness self-test: init never returns");
