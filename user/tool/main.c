// SPDX-License-Identifier: GPL-2.0-only
/*
 * fathom: the command. Option names follow bpftrace's where they mean the
 * same thing.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fathom.h>

#include "tool.h"

const char *progname = "fathom";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [options]\n"
		"\n"
		"options:\n"
		"  --info        show the loaded module's version, the kernel's\n"
		"                tracing features and the module's limits\n"
		"  --version     show this tool's version and ABI\n"
		"  -h, --help    show this help\n",
		progname);
}

int tool_open(struct fathom_nl *nl)
{
	int ret = fathom_nl_open(nl);

	if (ret == -ENOENT) {
		fprintf(stderr,
			"%s: the fathom kernel module is not loaded; load it with 'modprobe fathom' (DKMS install) or 'insmod kmod/fathom.ko' (source tree)\n",
			progname);
		return EXIT_SYSTEM;
	}
	if (ret < 0) {
		fprintf(stderr,
			"%s: cannot open a generic netlink socket: %s\n",
			progname, strerror(-ret));
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

int tool_kernel_error(const struct fathom_nl *nl, const char *what)
{
	int err = nl->err < 0 ? -nl->err : EIO;

	if (err == EPERM) {
		fprintf(stderr,
			"%s: permission denied: %s (run as root, or grant CAP_PERFMON)\n",
			progname,
			nl->errmsg[0]
				? nl->errmsg
				: "fathom needs CAP_SYS_ADMIN or CAP_PERFMON");
		return EXIT_USER;
	}
	fprintf(stderr, "%s: %s failed: %s%s%s\n", progname, what,
		strerror(err), nl->errmsg[0] ? ": " : "", nl->errmsg);
	return EXIT_SYSTEM;
}

int main(int argc, char **argv)
{
	enum { OPT_INFO = 256, OPT_VERSION };
	static const struct option longopts[] = {
		{ "info", no_argument, NULL, OPT_INFO },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_INFO:
			return cmd_info();
		case OPT_VERSION:
			printf("fathom %s (ABI %u)\n", FATHOM_VERSION,
			       FATHOM_ABI_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USER;
		}
	}
	if (optind < argc)
		fprintf(stderr,
			"%s: running scripts is not implemented yet; only --info and --version work\n",
			progname);
	else
		usage(stderr);
	return EXIT_USER;
}
