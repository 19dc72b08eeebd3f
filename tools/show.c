// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat show: /proc/cowstat as a table for people, TSV for scripts, or
 * JSON, sorted, filtered, and optionally summed per process.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cowstat.h"

/* Long options without a short one. */
enum { OPT_NO_HEADER = 256, OPT_NO_TOTAL };

static void usage(FILE *f)
{
	fprintf(f,
"usage: cowstat show [options]\n"
"\n"
"Print the per-task copy-on-write counts of /proc/cowstat.\n"
"\n"
"  -s, --sort COL       order by a column: counters largest first,\n"
"                       pid, tgid, ppid, uid, start, state, comm ascending\n"
"                       (default: bytes, or faults without bytes)\n"
"  -n, --top N          only the first N rows\n"
"  -p, --pid PID        only task PID\n"
"  -t, --tgid TGID      only the threads of process TGID\n"
"  -c, --comm NAME      only tasks named NAME, as shown (my\\040job) or not\n"
"  -P, --by-process     one row per process, threads summed\n"
"  -j, --json           JSON, for scripts\n"
"  -T, --tsv            tab-separated with a header, even on a terminal\n"
"  -H, --table          the aligned table with sizes, even when piped\n"
"      --no-header      no header row\n"
"      --no-total       no total row\n"
"  -f, --file FILE      read a saved table instead of %s\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n"
"\n"
"On a terminal, sizes are shown in K/M/G; piped, every number is raw.\n",
		COWSTAT_PROC);
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sort",	required_argument,	NULL, 's' },
		{ "top",	required_argument,	NULL, 'n' },
		{ "pid",	required_argument,	NULL, 'p' },
		{ "tgid",	required_argument,	NULL, 't' },
		{ "comm",	required_argument,	NULL, 'c' },
		{ "by-process",	no_argument,		NULL, 'P' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "tsv",	no_argument,		NULL, 'T' },
		{ "table",	no_argument,		NULL, 'H' },
		{ "no-header",	no_argument,		NULL, OPT_NO_HEADER },
		{ "no-total",	no_argument,		NULL, OPT_NO_TOTAL },
		{ "file",	required_argument,	NULL, 'f' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 },
	};
	struct row_filter filter = { 0 };
	const char *sort = NULL;	/* bytes, or faults in mode=faults */
	struct print_opts print = {
		.tsv = !isatty(STDOUT_FILENO), .human = true, .header = true, .total = true,
	};
	struct snapshot s;
	struct tally *rows;
	long top = 0;
	int opt, r, n = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:n:p:t:c:PjTHf:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sort = optarg;
			break;
		case 'n':
			top = parse_count("--top", optarg, 1, INT_MAX);
			break;
		case 'p':
			filter.pid = parse_count("--pid", optarg, 1, INT_MAX);
			break;
		case 't':
			filter.tgid = parse_count("--tgid", optarg, 1, INT_MAX);
			break;
		case 'c':
			filter.comm = optarg;
			break;
		case 'P':
			print.by = BY_PROCESS;
			break;
		case 'j':
			print.json = true;
			break;
		case 'T':
			print.tsv = true;
			break;
		case 'H':
			print.tsv = false;
			break;
		case OPT_NO_HEADER:
			print.header = false;
			break;
		case OPT_NO_TOTAL:
			print.total = false;
			break;
		case 'f':
			cowstat_proc_path = optarg;
			break;
		default:
			return common_option(opt, usage);
		}
	}
	if (optind < argc)
		fatal(EXIT_USAGE, "show: unexpected argument '%s'", argv[optind]);

	snapshot_load(&s);
	rows = xmalloc((s.t.nrows + 1) * sizeof(*rows));
	for (r = 0; r < s.t.nrows; r++) {
		tally_row(&s, r, &rows[n]);
		if (tally_matches(&rows[n], &filter))
			n++;
	}
	if (print.by == BY_PROCESS)
		n = merge_by_process(&s, rows, n);
	sort_tallies(rows, n, sort_column(&s, sort));
	if (top && n > top)
		n = top;
	print_tallies(stdout, &s, rows, n, &print);
	free(rows);
	snapshot_free(&s);
	return EXIT_OK;
}
