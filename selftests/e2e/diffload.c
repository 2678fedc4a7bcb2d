// SPDX-License-Identifier: GPL-2.0-only
/*
 * The differential test's workload (selftests/e2e/diff.sh): a fixed,
 * known sequence of system calls, so that fathom and bpftrace tracing it
 * must report the same counts.
 *
 *   diffload getppid N     N getppid() calls
 *   diffload open N        openat() of /dev/null, /dev/zero and
 *                          /dev/full, N times each (then close()),
 *                          each through diffload_open(name)
 *   diffload write N       write() of sizes 1..N bytes to /dev/null,
 *                          one call each
 *   diffload read N        read() of sizes 1..N bytes from /dev/zero,
 *                          one call each
 *   diffload sleep N       N nanosleep()s of 1 ms
 *   diffload mix           getppid 10, open 2, write 8, read 5, sleep 3
 *
 * Arguments after N are ignored (a test passes a shell comment there).
 *
 * Every call is a direct system call (syscall(2)), so the C library adds
 * nothing; the program's own start-up does open and read other files, so
 * the tests filter by file descriptor, name or size as well as by pid.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static char buf[4096];

static int do_getppid(long n)
{
	long i;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	return 0;
}

/* a function for uprobes: its argument is a string in user memory */
__attribute__((noinline)) long diffload_open(const char *name)
{
	return syscall(SYS_openat, AT_FDCWD, name, O_RDONLY);
}

static int do_open(long n)
{
	static const char *const names[] = { "/dev/null", "/dev/zero",
					     "/dev/full" };
	long i, j, fd;

	for (i = 0; i < n; i++)
		for (j = 0; j < 3; j++) {
			fd = diffload_open(names[j]);
			if (fd < 0)
				return 1;
			syscall(SYS_close, fd);
		}
	return 0;
}

static int do_rw(const char *path, int write, long n)
{
	long fd, i, bad = 0;

	fd = syscall(SYS_openat, AT_FDCWD, path, write ? O_WRONLY : O_RDONLY);
	if (fd < 0)
		return 1;
	for (i = 1; i <= n && i <= (long)sizeof(buf); i++)
		bad += syscall(write ? SYS_write : SYS_read, fd, buf, i) != i;
	syscall(SYS_close, fd);
	return bad != 0;
}

static int do_sleep(long n)
{
	struct timespec ts = { 0, 1000000 };
	long i;

	for (i = 0; i < n; i++)
		syscall(SYS_nanosleep, &ts, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 0;

	if (argc == 2 && !strcmp(argv[1], "mix"))
		return do_getppid(10) | do_open(2) | do_rw("/dev/null", 1, 8) |
		       do_rw("/dev/zero", 0, 5) | do_sleep(3);
	if (argc < 3 || n < 0) {
		fprintf(stderr,
			"usage: diffload getppid|open|write|read|sleep N\n"
			"       diffload mix\n");
		return 2;
	}
	if (!strcmp(argv[1], "getppid"))
		return do_getppid(n);
	if (!strcmp(argv[1], "open"))
		return do_open(n);
	if (!strcmp(argv[1], "write"))
		return do_rw("/dev/null", 1, n);
	if (!strcmp(argv[1], "read"))
		return do_rw("/dev/zero", 0, n);
	if (!strcmp(argv[1], "sleep"))
		return do_sleep(n);
	fprintf(stderr, "diffload: unknown workload '%s'\n", argv[1]);
	return 2;
}
