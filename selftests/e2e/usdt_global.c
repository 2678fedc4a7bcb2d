// SPDX-License-Identifier: GPL-2.0-only
/*
 * USDT arguments that are globals (selftests/e2e/usdt_btf.sh and
 * visibility.sh): at -O2 gcc passes them as %rip-relative memory
 * operands, "-8@counter(%rip) -4@8+table(%rip) -2@level(%rip)". Built as
 * a PIE (read at the load bias) and as a fixed-address executable.
 *
 *	usdt_global N	calls step(i) for i = 0..N-1, each firing
 *			fathom:global(counter, table[2], level) with
 *			counter = 3 (i + 1), table[2] = 100 i, level = -8 - i,
 *			then prints "counter at ADDR" (&counter)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>

long counter;
int table[4] = { 10, 20, 30, 40 };
static short level = -7;

__attribute__((noinline)) void step(long i)
{
	counter += 3;
	table[2] = (int)i * 100;
	level--;
	__asm__ volatile("" ::: "memory");
	STAP_PROBE3(fathom, global, counter, table[2], level);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 3, i;

	for (i = 0; i < n; i++)
		step(i);
	printf("counter at %p\n", (void *)&counter);
	return 0;
}
