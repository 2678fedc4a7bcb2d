// SPDX-License-Identifier: GPL-2.0-only
/*
 * A known call chain for the stack tests (selftests/e2e/stacks.sh):
 * main -> a -> b -> c, c calling getppid; frame pointers on, no sibling
 * calls. "stack_chain N" goes down the chain N times, then lingers so the
 * tracer can read its mappings.
 */
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>

__attribute__((noinline)) int c(int x)
{
	return (int)syscall(SYS_getppid) + x;
}

__attribute__((noinline)) int b(int x)
{
	return c(x + 1) + 1;
}

__attribute__((noinline)) int a(int x)
{
	return b(x + 1) + 1;
}

int main(int argc, char **argv)
{
	int i, n = argc > 1 ? atoi(argv[1]) : 10, s = 0;

	for (i = 0; i < n; i++)
		s += a(i);
	usleep(1500000); /* let the tracer see our mappings */
	return s == 12345678;
}
