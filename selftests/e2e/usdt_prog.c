// SPDX-License-Identifier: GPL-2.0-only
/*
 * The USDT test program (selftests/e2e/usdt_btf.sh): usdt_prog N fires
 * the probe fathom:hit N times, from two sites (even and odd rounds, so
 * the two usually have different argument strings), each guarded by the
 * probe's semaphore, then prints how many rounds saw the semaphore set.
 *
 *	fathom:hit(uint8 i % 3, int32 -(i + 1), char *name, int64 -i * 2^33)
 *
 * name is "even" or "odd". Built at -O0 (memory operands) and -O2
 * (registers and constants). Before the rounds it waits up to 5 s for
 * the semaphore when given a second argument "wait".
 */
#define _SDT_HAS_SEMAPHORES 1
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <unistd.h>

unsigned short fathom_hit_semaphore __attribute__((unused))
__attribute__((section(".probes")));

static volatile const char *names[2] = { "even", "odd" };

static __attribute__((noinline)) int round_(long i)
{
	uint8_t small = (uint8_t)(i % 3);
	int32_t neg = (int32_t) - (i + 1);
	int64_t big = -i * ((int64_t)1 << 33);

	if (!fathom_hit_semaphore)
		return 0;
	if (i % 2 == 0)
		STAP_PROBE4(fathom, hit, small, neg, names[0], big);
	else
		STAP_PROBE4(fathom, hit, small, (int64_t)neg, names[1], big);
	return 1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 5, i, seen = 0;
	int t;

	if (argc > 2 && !strcmp(argv[2], "wait"))
		for (t = 0; t < 500 && !fathom_hit_semaphore; t++)
			usleep(10000);
	for (i = 0; i < n; i++)
		seen += round_(i);
	printf("semaphore seen %ld of %ld\n", seen, n);
	return 0;
}
