// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shared library of the uprobe tests: uprobe_target calls lib_target()
 * and the tests probe it in this file, wherever the loader maps it.
 */

int lib_target(int x);

__attribute__((noinline)) int lib_target(int x)
{
	return x + 7;
}
