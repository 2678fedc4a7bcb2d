// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test program for the user symbol tests: main -> lib_call (libshared.so)
 * -> a -> b -> c, frame pointers on. c() writes its own address and frame
 * pointer to fd 1 and waits to be killed, so the test can walk the frames
 * through /proc/PID/mem while the process lives.
 */
#include <stdint.h>
#include <unistd.h>

void lib_call(void (*fn)(int), int arg);

__attribute__((noinline)) void c(int fd)
{
	uint64_t info[2];
	void *pc;

	__asm__ volatile("lea 0(%%rip), %0" : "=r"(pc));
	info[0] = (uint64_t)(uintptr_t)pc;
	info[1] = (uint64_t)(uintptr_t)__builtin_frame_address(0);
	if (write(fd, info, sizeof(info)) != sizeof(info))
		_exit(1);
	for (;;)
		pause();
}

__attribute__((noinline)) void b(int fd)
{
	c(fd);
	__asm__ volatile("");
}

__attribute__((noinline)) void a(int fd)
{
	b(fd);
	__asm__ volatile("");
}

int main(void)
{
	lib_call(a, 1);
	return 0;
}
