// SPDX-License-Identifier: GPL-2.0-only
/*
 * Known workloads for the fathom command's end-to-end tests:
 *
 *   workload getppid N       N getppid() system calls
 *   workload ufunc N         N calls of workload_ufunc(i), i = 1..N, a
 *                            function a uprobe can attach to
 *   workload write N         N one-byte write() calls to /dev/null
 *   workload sleep MS        sleep MS milliseconds
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) long workload_ufunc(long i)
{
	__asm__ volatile("" : : "r"(i) : "memory");
	return i * 2;
}

int main(int argc, char **argv)
{
	long i, n;
	long sum = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: workload getppid|ufunc|sleep N\n");
		return 2;
	}
	n = strtol(argv[2], NULL, 10);
	if (!strcmp(argv[1], "getppid")) {
		for (i = 0; i < n; i++)
			syscall(SYS_getppid);
	} else if (!strcmp(argv[1], "ufunc")) {
		for (i = 1; i <= n; i++)
			sum += workload_ufunc(i);
	} else if (!strcmp(argv[1], "write")) {
		int fd = open("/dev/null", O_WRONLY);

		for (i = 0; i < n; i++)
			sum += write(fd, "x", 1) != 1;
		close(fd);
	} else if (!strcmp(argv[1], "sleep")) {
		struct timespec ts = { n / 1000, (n % 1000) * 1000000 };

		nanosleep(&ts, NULL);
	} else {
		return 2;
	}
	return sum < 0;
}
