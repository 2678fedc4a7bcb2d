// SPDX-License-Identifier: GPL-2.0-only
/*
 * The program the uprobe tests probe (built as PIE and as not PIE):
 *
 *   uprobe_target N [wait] [fork] [sem]
 *
 * calls target(i, 1000 + i), which returns 3 * i + 1000, and lib_target(i)
 * from libuprobe_test.so, for i = 0 .. N-1, then exits 0. With "wait" it
 * first writes one byte to standard output and reads one from standard
 * input, so that a test can attach while it runs; with "fork" the calls
 * happen in it and in a child of it (which inherits its breakpoints), N
 * each; with "sem" the exit status is the value of target_semaphore, the
 * USDT-style semaphore that the kernel counts uprobes with a
 * REF_CTR_OFFSET in.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int lib_target(int x);
int target(int a, int b);

/* in the file (not .bss), as USDT semaphores are */
__attribute__((section(".probes"), used)) unsigned short target_semaphore;

__attribute__((noinline)) int target(int a, int b)
{
	return 2 * a + b;
}

int main(int argc, char **argv)
{
	volatile int sink = 0;
	int i, n, status = 0, sem = 0;
	pid_t child = -1;
	char c;

	if (argc < 2)
		return 2;
	n = atoi(argv[1]);
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "wait") &&
		    (write(1, "r", 1) != 1 || read(0, &c, 1) != 1))
			return 3;
		if (!strcmp(argv[i], "fork") && (child = fork()) < 0)
			return 4;
		sem |= !strcmp(argv[i], "sem");
	}
	for (i = 0; i < n; i++) {
		sink += target(i, 1000 + i);
		sink += lib_target(i);
	}
	if (child > 0 && (waitpid(child, &status, 0) != child ||
			  !WIFEXITED(status) || WEXITSTATUS(status)))
		return 5;
	return sem ? *(volatile unsigned short *)&target_semaphore : 0;
}
