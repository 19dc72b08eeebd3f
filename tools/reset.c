// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat reset: forget every row of /proc/cowstat, as
 * "echo reset > /proc/cowstat" does, with the tool's messages and exit
 * codes.  Needs CAP_SYS_ADMIN.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cowstat.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: cowstat reset\n"
"\n"
"Forget every row of %s (needs CAP_SYS_ADMIN).  Counting goes on:\n"
"a task's next fault gives it a new row.\n"
"\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n", COWSTAT_PROC);
}

int cmd_reset(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 },
	};
	int opt, fd;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "hV", opts, NULL)) != -1)
		return common_option(opt, usage);
	if (optind < argc)
		fatal(EXIT_USAGE, "reset: unexpected argument '%s'", argv[optind]);
	fd = open(COWSTAT_PROC, O_WRONLY);
	if (fd < 0 && errno == ENOENT)
		fatal_no_module();
	if (fd < 0 || write(fd, "reset\n", 6) != 6)
		fatal(EXIT_ERROR, "%s: %s%s", COWSTAT_PROC, strerror(errno),
		      errno == EPERM || errno == EACCES ? " (reset needs CAP_SYS_ADMIN)" : "");
	close(fd);
	return EXIT_OK;
}
