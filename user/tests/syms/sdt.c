// SPDX-License-Identifier: GPL-2.0-only
/*
 * USDT test program: fathom_test:tick (two arguments, with a semaphore)
 * and fathom_test:tock (three arguments of different sizes and signs,
 * unguarded), as <sys/sdt.h> emits them. With _SDT_HAS_SEMAPHORES every
 * probe of the unit gets one.
 */
#define _SDT_HAS_SEMAPHORES 1
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>

__extension__ unsigned short fathom_test_tick_semaphore __attribute__((unused))
__attribute__((section(".probes")));
__extension__ unsigned short fathom_test_tock_semaphore __attribute__((unused))
__attribute__((section(".probes")));

static volatile long counter = 7;

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	signed char small = -5;
	unsigned short mid = 600;
	int i;

	(void)argv;
	for (i = 0; i < n; i++) {
		if (fathom_test_tick_semaphore)
			STAP_PROBE2(fathom_test, tick, i, (long)counter + i);
		STAP_PROBE3(fathom_test, tock, small, mid, (int)-i);
	}
	printf("%d\n", i);
	return 0;
}
