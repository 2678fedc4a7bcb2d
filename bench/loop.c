// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/loop: the workload of the per-event benchmarks. Calls a cheap
 * syscall (getppid) in a tight loop and prints nanoseconds per call:
 * the median, minimum and maximum of R rounds of N calls each.
 *
 *	loop [-n CALLS] [-r ROUNDS] [-j JOBS] [-s]
 *
 * -j 2 runs two copies, pinned to CPUs 0 and 1, at the same time and
 * reports the mean of their medians (the scaling figure); -s uses the
 * openat syscall on a missing path instead (not used by default).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void run(long n, int rounds, double *med, double *min, double *max)
{
	double *r = calloc(rounds, sizeof(*r));
	int i;
	long k;

	for (i = 0; i < rounds; i++) {
		double t0 = now_ns();

		for (k = 0; k < n; k++)
			syscall(SYS_getppid);
		r[i] = (now_ns() - t0) / n;
	}
	qsort(r, rounds, sizeof(*r), cmp);
	*med = r[rounds / 2];
	*min = r[0];
	*max = r[rounds - 1];
	free(r);
}

int main(int argc, char **argv)
{
	long n = 100000;
	int rounds = 5, jobs = 1, c, i;
	double med, min, max;

	while ((c = getopt(argc, argv, "n:r:j:")) != -1) {
		switch (c) {
		case 'n':
			n = atol(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'j':
			jobs = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: loop [-n CALLS] [-r ROUNDS] [-j JOBS]\n");
			return 1;
		}
	}
	if (n < 1 || rounds < 1 || jobs < 1 || jobs > 64)
		return 1;
	if (jobs == 1) {
		run(n, rounds, &med, &min, &max);
		printf("%.1f %.1f %.1f\n", med, min, max);
		return 0;
	}
	/* each child writes its median to a pipe; the parent averages */
	int fd[2];

	if (pipe(fd))
		return 1;
	for (i = 0; i < jobs; i++) {
		if (fork() == 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(i, &set);
			sched_setaffinity(0, sizeof(set), &set);
			run(n, rounds, &med, &min, &max);
			if (write(fd[1], &med, sizeof(med)) != sizeof(med))
				_exit(1);
			_exit(0);
		}
	}
	close(fd[1]);
	double sum = 0, lo = 1e18, hi = 0;

	for (i = 0; i < jobs; i++) {
		if (read(fd[0], &med, sizeof(med)) != sizeof(med))
			return 1;
		sum += med;
		lo = med < lo ? med : lo;
		hi = med > hi ? med : hi;
	}
	while (wait(NULL) > 0)
		;
	printf("%.1f %.1f %.1f\n", sum / jobs, lo, hi);
	return 0;
}
