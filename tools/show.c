// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat show: /proc/cowstat as a table for people, TSV for scripts, or
 * JSON, sorted, filtered, and optionally summed per process; or the
 * per-cgroup totals of /proc/cowstat_cgroups.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cowstat.h"

/* Long options without a short one. */
enum {
	OPT_NO_HEADER = 256, OPT_TOTAL, OPT_NO_TOTAL, OPT_COLOR, OPT_CGROUPS_FILE, OPT_COLUMNS,
	OPT_RAW,
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: cowstat show [options] [-i SECONDS [COUNT]]\n"
"\n"
"Print the per-task copy-on-write counts of /proc/cowstat, or per cgroup.\n"
"\n"
"  -s, --sort COL       order by a column: counters largest first,\n"
"                       pid, tgid, ppid, uid, start, state, comm, cgroup\n"
"                       ascending     (default: bytes, or faults without bytes)\n"
"  -n, --top N          only the first N rows\n"
"  -p, --pid PID,...    only tasks PID\n"
"  -t, --tgid TGID,...  only the threads of processes TGID\n"
"  -u, --user USER,...  only tasks of USER, a name or a uid\n"
"  -c, --comm NAME,...  only the threads of processes named NAME, as ps -C:\n"
"                       the main thread's comm, as shown (my\\040job) or not\n"
"  -g, --cgroup PATH,...\n"
"                       only what was charged to cgroup PATH and below it\n"
"                       (PATH as shown: /system.slice/x.service)\n"

"  -P, --by-process     one row per process, threads summed\n"
"  -C, --by-comm        one row per task name, its tasks summed\n"
"  -G, --by-cgroup      one row per cgroup, from %s:\n"
"                       its tasks, exited and evicted ones included\n"
"      --columns COL,...\n"
"                       these columns, in this order, as ps -o: pid, tgid,\n"
"                       ppid, uid, start, age, state, threads, tasks,\n"
"                       cgroup_id, cgroup, comm and the counters\n"
"      --raw            exact numbers in the table: no K/M/G, age in ns\n"
"  -j, --json           JSON, for scripts\n"
"  -T, --tsv            tab-separated with a header, even on a terminal\n"
"  -H, --table          the aligned table with sizes, even when piped\n"
"      --no-header      no header row\n"
"      --total          a total row, even in TSV, JSON or piped\n"
"      --no-total       no total row, even on a terminal\n"
"      --color[=WHEN]   colour the table: auto (on a terminal, without\n"
"                       NO_COLOR), always or never          (default: auto)\n"
"  -i, --interval SEC   what each task did in each interval of SEC seconds,\n"
"                       COUNT times or until interrupted (like pidstat);\n"
"                       idle tasks are left out; JSON is one line each\n"
"  -f, --file FILE      read a saved table instead of %s;\n"
"                       with -G alone, its tasks summed per cgroup\n"
"      --cgroups-file FILE\n"
"                       read a saved table instead of %s\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n"
"\n"
"As in ps, -p, -t, -u, -c and -g take comma lists: a row matches any value\n"
"of each list, and every kind of selector given.\n"
"On a terminal, sizes are shown in K/M/G and a total row ends the table;\n"
"piped, every number is raw and there is no total row.  A total sums the\n"
"rows shown: labelled total(shown) when a filter or --top left rows out.\n"
"The table leaves out counters that are 0 in every row shown, unless\n"
"--columns names them; TSV and JSON keep every column.\n"
"Cgroups are paths below the cgroup2 mount, as cgroupfs names them but for\n"
"tabs, newlines and control bytes (\\ooo); one that is gone shows as its\n"
"id and (deleted).\n",
		COWSTAT_CGROUPS_PROC, COWSTAT_PROC, COWSTAT_CGROUPS_PROC);
}

/* What show prints: the options that select, order and format rows. */
struct view {
	struct row_filter	filter;
	struct print_opts	print;
	const char		*sort;	/* NULL: the default */
	long			top;	/* 0: all */
	char			*columns;	/* --columns; NULL: the view's own */
};

/*
 * The rows of @s, one per task or cgroup, or with @prev what each did since
 * @prev (those that did nothing left out), filtered, merged, sorted and
 * printed.
 */
static void show_rows(const struct snapshot *s, const struct snapshot *prev,
		      const struct view *v)
{
	struct tally_index *index = prev ? tally_index(prev, &v->filter) : NULL;
	struct tally *rows = xmalloc((s->t.nrows + 1) * sizeof(*rows));
	int r, c, n = 0, all = select_tallies(s, &v->filter, rows);
	struct print_opts print = v->print;
	struct timespec now;
	bool busy;

	for (r = 0; r < all; r++) {
		rows[n] = rows[r];
		if (prev)
			tally_since(s, &rows[n], prev, tally_find(index, &rows[n]));
		for (c = 0, busy = !prev; c < s->t.ncols && !busy; c++)
			busy = rows[n].v[c] > 0;
		n += busy;
	}
	if (v->print.by == BY_PROCESS)
		n = merge_by_process(s, rows, n);
	else if (v->print.by == BY_COMM)
		n = merge_by_comm(s, rows, n);
	sort_tallies(rows, n, sort_column(s, v->sort));
	print.total_of_part = row_filter_selects(&v->filter) || (v->top && n > v->top);
	if (v->top && n > v->top)
		n = v->top;
	if (!strcmp(cowstat_proc_path, COWSTAT_PROC) && !clock_gettime(CLOCK_MONOTONIC, &now))
		print.now = now.tv_sec * 1000000000ull + now.tv_nsec;	/* start's clock */
	print_tallies(stdout, s, rows, n, &print);
	free(rows);
	tally_index_free(index);
}

/* Whether --columns named @col. */
static bool has_column(const struct print_opts *o, int col)
{
	int i;

	for (i = 0; i < o->ncols; i++)
		if (o->cols[i] == col)
			return true;
	return false;
}

/*
 * The table the view reads: /proc/cowstat, or /proc/cowstat_cgroups for -G;
 * for -G with only a saved task table (-f), that table summed per cgroup.
 */
static void load(struct snapshot *s, const struct view *v, const struct name_list *cgroups)
{
	if (v->print.by != BY_CGROUP)
		snapshot_load(s);
	else if (strcmp(cowstat_proc_path, COWSTAT_PROC) &&
		 !strcmp(cowstat_cgroups_path, COWSTAT_CGROUPS_PROC))
		cgroups_of_tasks(s);
	else
		cgroups_load(s);
	if (cgroups->n && s->col_cgroup < 0)
		fatal(EXIT_ERROR, "--cgroup %s: %s has no cgroup column (format %d): the module predates cgroups",
		      cgroups->names[0], cowstat_proc_path, s->t.version);
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sort",	required_argument,	NULL, 's' },
		{ "top",	required_argument,	NULL, 'n' },
		{ "pid",	required_argument,	NULL, 'p' },
		{ "tgid",	required_argument,	NULL, 't' },
		{ "user",	required_argument,	NULL, 'u' },
		{ "comm",	required_argument,	NULL, 'c' },
		{ "cgroup",	required_argument,	NULL, 'g' },
		{ "by-process",	no_argument,		NULL, 'P' },
		{ "by-comm",	no_argument,		NULL, 'C' },
		{ "by-cgroup",	no_argument,		NULL, 'G' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "tsv",	no_argument,		NULL, 'T' },
		{ "table",	no_argument,		NULL, 'H' },
		{ "no-header",	no_argument,		NULL, OPT_NO_HEADER },
		{ "total",	no_argument,		NULL, OPT_TOTAL },
		{ "no-total",	no_argument,		NULL, OPT_NO_TOTAL },
		{ "color",	optional_argument,	NULL, OPT_COLOR },
		{ "columns",	required_argument,	NULL, OPT_COLUMNS },
		{ "raw",	no_argument,		NULL, OPT_RAW },
		{ "interval",	required_argument,	NULL, 'i' },
		{ "file",	required_argument,	NULL, 'f' },
		{ "cgroups-file", required_argument,	NULL, OPT_CGROUPS_FILE },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 },
	};
	struct view v = {
		.print = {
			.format = isatty(STDOUT_FILENO) ? FORMAT_TABLE : FORMAT_TSV,
			.human = true, .header = true, .drop_zero = true,
		},
	};
	int total = -1;		/* --total 1, --no-total 0; -1: on a terminal */
	const char *color = NULL;	/* auto */
	struct name_list cgroups = { 0 };
	struct snapshot s, next;
	double interval = 0;
	long count = 0, i;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:n:p:t:u:c:g:PCGjTHi:f:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			v.sort = optarg;
			break;
		case 'n':
			v.top = parse_count("--top", optarg, 1, INT_MAX);
			break;
		case 'p':
			add_ids(&v.filter.pids, "--pid", optarg);
			break;
		case 't':
			add_ids(&v.filter.tgids, "--tgid", optarg);
			break;
		case 'u':
			add_users(&v.filter.uids, optarg);
			break;
		case 'c':
			add_names(&v.filter.comms, optarg);
			break;
		case 'g':
			add_names(&cgroups, optarg);
			break;
		case 'P':
			v.print.by = BY_PROCESS;
			break;
		case 'C':
			v.print.by = BY_COMM;
			break;
		case 'G':
			v.print.by = BY_CGROUP;
			break;
		case 'j':
			v.print.format = FORMAT_JSON;
			break;
		case 'T':
			v.print.format = FORMAT_TSV;
			break;
		case 'H':
			v.print.format = FORMAT_TABLE;
			break;
		case OPT_NO_HEADER:
			v.print.header = false;
			break;
		case OPT_TOTAL:
		case OPT_NO_TOTAL:
			total = opt == OPT_TOTAL;
			break;
		case OPT_COLOR:
			color = optarg ? optarg : "always";
			break;
		case OPT_COLUMNS:
			v.columns = optarg;
			break;
		case OPT_RAW:
			v.print.human = false;
			break;
		case 'i':
			interval = parse_seconds("--interval", optarg, 0.1, 86400);
			break;
		case 'f':
			cowstat_proc_path = optarg;
			break;
		case OPT_CGROUPS_FILE:
			cowstat_cgroups_path = optarg;
			break;
		default:
			return common_option(opt, usage);
		}
	}
	v.print.color = v.print.format == FORMAT_TABLE && use_color(color, STDOUT_FILENO);
	/* a total only where a person reads, as ps and pidstat: data stays data */
	v.print.total = total >= 0 ? total :
			v.print.format == FORMAT_TABLE && isatty(STDOUT_FILENO);
	if (interval > 0 && optind < argc)
		count = parse_count("show: COUNT", argv[optind++], 1, INT_MAX);
	if (optind < argc)
		fatal(EXIT_USAGE, "show: unexpected argument '%s'", argv[optind]);
	if (v.print.by == BY_CGROUP && row_filter_selects(&v.filter))
		fatal(EXIT_USAGE, "show: --by-cgroup has no tasks to select with --pid, --tgid, --user or --comm");

	if (v.columns && v.print.format == FORMAT_JSON)
		fatal(EXIT_USAGE, "show: --columns is for the table and TSV: JSON has every column");

	load(&s, &v, &cgroups);
	if (v.columns)
		parse_columns(&s, v.columns, &v.print);
	if (has_column(&v.print, COL_AGE) && strcmp(cowstat_proc_path, COWSTAT_PROC))
		fatal(EXIT_USAGE, "--columns age: %s is a saved table, with no now to age its tasks from; use start",
		      cowstat_proc_path);
	if (cgroups.n)
		v.filter.cgroups = cgroup_subtrees(&cgroups);
	/* pidstat's way: what happened in each interval, COUNT times or until killed */
	for (i = 0; interval > 0 && (!count || i < count); i++) {
		struct timespec ts = {
			.tv_sec = (time_t)interval,
			.tv_nsec = (long)((interval - (time_t)interval) * 1e9),
		};

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		load(&next, &v, &cgroups);
		if (i && v.print.format != FORMAT_JSON)
			putchar('\n');
		show_rows(&next, &s, &v);
		fflush(stdout);
		snapshot_free(&s);
		s = next;
	}
	if (interval <= 0)
		show_rows(&s, NULL, &v);
	snapshot_free(&s);
	row_filter_free(&v.filter);
	free(cgroups.names);
	return EXIT_OK;
}
