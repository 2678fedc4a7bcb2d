// SPDX-License-Identifier: GPL-2.0-only
/* A shared library for the user symbol tests: exported and local functions. */

__attribute__((noinline)) static int lib_hidden(int x)
{
	return x * 3 + 1;
}

__attribute__((noinline)) int lib_one(int x)
{
	return lib_hidden(x) + 1;
}

__attribute__((noinline)) int lib_two(int x)
{
	return lib_one(x) * 2;
}

__attribute__((noinline)) void lib_call(void (*fn)(int), int arg)
{
	fn(arg);
	__asm__ volatile("");
}
