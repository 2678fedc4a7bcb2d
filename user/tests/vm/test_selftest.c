// SPDX-License-Identifier: GPL-2.0-only
/* Run the in-module self-check (kmod/selftest/vm.c) on the host. */
#include "kselftest_harness.h"
#include "vm_test.h"

TEST(in_module_selftest)
{
	EXPECT_EQ(0, fathom_vm_selftest());
}

TEST_HARNESS_MAIN
