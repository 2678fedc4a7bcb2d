// SPDX-License-Identifier: GPL-2.0-only
/*
 * The workload of the visibility tests (selftests/e2e/visibility.sh):
 *
 *	vis_prog malloc N SIZE	calls malloc(SIZE) (and free()) N times
 *	vis_prog open FILE...	opens each FILE read-only, in order, with
 *				openat(2); built static too, so that the
 *				dynamic loader opens nothing before it
 *	vis_prog fnptr N	calls take(target) N times: take()'s first
 *				argument is a pointer to the function
 *				target(), for usym(arg0)
 *
 * fnptr then lingers 1.5 s, so the tracer can read its mappings.
 * Frame pointers on, take() and target() not inlined.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* called through a volatile pointer: the compiler keeps every call */
static void *(*volatile do_malloc)(size_t) = malloc;

__attribute__((noinline)) int target(int x)
{
	return x * 3 + 1;
}

__attribute__((noinline)) int take(int (*fn)(int), int x)
{
	return fn(x);
}

int main(int argc, char **argv)
{
	long i, n, s = 0;
	int fd;

	if (argc < 2) {
		fprintf(stderr,
			"usage: %s malloc N SIZE | open FILE... | fnptr N\n",
			argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "malloc") && argc == 4) {
		size_t size = strtoul(argv[3], NULL, 0);

		n = atol(argv[2]);
		for (i = 0; i < n; i++) {
			char *p = do_malloc(size);

			if (!p)
				return 1;
			p[0] = (char)i;
			s += p[0];
			free(p);
		}
		return s == 12345678;
	} else if (!strcmp(argv[1], "open")) {
		for (i = 2; i < argc; i++) {
			fd = open(argv[i], O_RDONLY | O_CLOEXEC);
			if (fd >= 0)
				close(fd);
		}
		return 0;
	} else if (!strcmp(argv[1], "fnptr") && argc == 3) {
		n = atol(argv[2]);
		for (i = 0; i < n; i++)
			s += take(target, (int)i);
	} else {
		fprintf(stderr, "%s: bad arguments\n", argv[0]);
		return 2;
	}
	usleep(1500000); /* let the tracer see our mappings */
	return s == 12345678;
}
