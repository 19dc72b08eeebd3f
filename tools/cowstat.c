// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat(8): read the copy-on-write counts that cowstat.ko keeps in
 * /proc/cowstat, run commands and experiments against them, and export them.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "cowstat.h"

static const struct {
	const char	*name;
	int		(*fn)(int argc, char **argv);
	const char	*what;
} commands[] = {
	{ "show",	cmd_show,	"print the table, sorted and filtered" },
	{ "run",	cmd_run,	"run a command: its copy-on-write, descendants included" },
	{ "workload",	cmd_workload,	"run a copy-on-write experiment and check the counts" },
	{ "top",	cmd_top,	"live view of the tasks copying the most" },
	{ "trace",	cmd_trace,	"print each fault as it is classified, live" },
	{ "export",	cmd_export,	"print the table for Prometheus's node_exporter" },
	{ "reset",	cmd_reset,	"forget every row of the table (CAP_SYS_ADMIN)" },
};

#define NR_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "usage: cowstat COMMAND [options]\n\n"
		   "How much copy-on-write did that fork cost, and who paid for it?\n\n");
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\n"
		   "  -h, --help     this text; COMMAND --help for a command's options\n"
		   "  -V, --version  print the version\n\n"
		   "Needs the cowstat module: sudo insmod cowstat.ko (or modprobe cowstat).\n"
		   "A short option means the same in every command (cowstat(8), OPTIONS).\n"
		   "Exit codes, as pgrep's: 0 ok, 1 no row selected or a --check failed,\n"
		   "2 usage, 3 an error (no module, a bad table); run: the command's, or 125-127.\n");
}

int main(int argc, char **argv)
{
	char name[32];
	unsigned int i;

	/*
	 * top and show -i read the table again and again: keep one read's
	 * memory for the next.  glibc hands blocks over 128 KiB back to the
	 * kernel when freed, and faulting them in again was most of a top
	 * refresh of 32,768 rows.  32 MiB is the most glibc takes.
	 */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		print_version();
		return EXIT_OK;
	}
	for (i = 0; i < NR_COMMANDS; i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		/* getopt's own messages start with argv[0]: "cowstat: show: ..." */
		snprintf(name, sizeof(name), "cowstat: %s", commands[i].name);
		argv[1] = name;
		return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "cowstat: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
