// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat show: /proc/cowstat as a table for people, TSV for scripts, or
 * JSON, sorted, filtered, and optionally summed per process; or the
 * per-cgroup totals of /proc/cowstat_cgroups; with -i, what each row did
 * in each interval, as pidstat reports it (rates.c prints the reports).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cowstat.h"

/* Long options without a short one. */
enum {
	OPT_NO_HEADER = 256, OPT_TOTAL, OPT_NO_TOTAL, OPT_COLOR, OPT_CGROUPS_FILE, OPT_RAW,
	OPT_SINCE, OPT_TOP, OPT_TGID,
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: cowstat show [options] [-i SECONDS [-n COUNT | COUNT]]\n"
"\n"
"Print the per-task copy-on-write counts of /proc/cowstat, or per cgroup.\n"
"\n"
"  -s, --sort COL       order by a column: counters largest first,\n"
"                       pid, tgid, ppid, uid, start, state, comm, cgroup\n"
"                       ascending     (default: bytes, or faults without bytes)\n"
"      --top N          only the first N rows\n"
"  -p, --pid PID,...    only processes PID (their threads) or tasks PID\n"
"      --tgid TGID,...  only the threads of processes TGID\n"
"  -u, --user USER,...  only tasks of USER, a name or a uid\n"
"  -c, --comm NAME,...  only the threads of processes named NAME, as ps -C:\n"
"                       the main thread's comm, as shown (my\\040job) or not\n"
"  -g, --cgroup PATH,...\n"
"                       only what was charged to cgroup PATH and below it\n"
"                       (PATH as shown: /system.slice/x.service)\n"

"  -t, --threads        one row per task (the default)\n"
"  -P, --by-process     one row per process, threads summed\n"
"  -C, --by-comm        one row per task name, its tasks summed\n"
"  -G, --by-cgroup      one row per cgroup, from %s:\n"
"                       its tasks, exited and evicted ones included\n"
"  -o, --columns COL,...\n"
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
"      --since FILE     what each task did since FILE was saved (cat of\n"
"                       %s, or show -j): its counters less FILE's;\n"
"                       per cgroup with -G.  No reset needed\n"
"  -i, --interval SEC   as pidstat: every SEC seconds, what each row did\n"
"                       since the read before, per second, COUNT times or\n"
"                       until interrupted; rows that did nothing left out,\n"
"                       each line stamped, the table ending with Average:;\n"
"                       JSON: a line per interval, increases and rates\n"
"  -n, --count COUNT    with -i: COUNT reports, then the average\n"
"  -f, --file FILE      read a saved table instead of %s;\n"
"                       with -G alone, its tasks summed per cgroup\n"
"      --cgroups-file FILE\n"
"                       read a saved table instead of %s\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n"
"\n"
"As in ps, -p, --tgid, -u, -c and -g take comma lists: a row matches any\n"
"value of each list, and every kind of selector given; as pgrep, show exits\n"
"with 1 when they select no row.\n"
"On a terminal, sizes are shown in K/M/G and a total row ends the table;\n"
"piped, every number is raw and there is no total row.  A total sums the\n"
"rows shown: labelled total(shown) when a filter or --top left rows out.\n"
"The table leaves out counters that are 0 in every row shown, unless\n"
"--columns names them; TSV and JSON keep every column.\n"
"Cgroups are paths below the cgroup2 mount, as cgroupfs names them but for\n"
"tabs, newlines and control bytes (\\ooo); one that is gone shows as its\n"
"id and (deleted).\n",
		COWSTAT_CGROUPS_PROC, COWSTAT_PROC, COWSTAT_PROC, COWSTAT_CGROUPS_PROC);
}

/* What show prints: the options that select, order and format rows. */
struct view {
	struct row_filter	filter;
	struct print_opts	print;
	const char		*sort;	/* NULL: the default */
	long			top;	/* 0: all */
	char			*columns;	/* --columns; NULL: the view's own */
	const char		*since;		/* --since FILE; NULL: none */
};

/*
 * --since: counter @c of @t went down since the file was saved, so the
 * table was reset in between, and a difference would mean nothing.
 */
__attribute__((noreturn))
static void went_down(const struct snapshot *s, const struct tally *t, const struct view *v,
		      int c)
{
	if (s->cgroups)
		fatal(EXIT_ERROR, "--since %s: cgroup %s: %s is less now than in it: the counters were reset (cowstat reset) after it was saved; save a new one",
		      v->since, cgroup_path(t->cgroup), s->t.cols[c]);
	fatal(EXIT_ERROR, "--since %s: pid %d (start %llu): %s is less now than in it: the counters were reset (cowstat reset) after it was saved; save a new one",
	      v->since, t->pid, (unsigned long long)t->start, s->t.cols[c]);
}

/*
 * The rows of @s, one per task or cgroup, or with @prev what each did since
 * @prev (those that did nothing left out), filtered, merged and sorted into
 * @rows (room for @s's rows and one more); how to print them into @print.
 * Returns the count.
 */
static int view_rows(const struct snapshot *s, const struct snapshot *prev,
		     const struct view *v, struct tally *rows, struct print_opts *print)
{
	struct tally_index *index = prev ? tally_index(prev, &v->filter) : NULL;
	int r, c, n = 0, all = select_tallies(s, &v->filter, rows);
	struct tally down;	/* --since: a row whose counter went down */
	int down_col = -1;
	struct timespec now;
	bool busy;

	for (r = 0; r < all; r++) {
		rows[n] = rows[r];
		c = prev ? tally_since(s, &rows[n], prev, tally_find(index, &rows[n])) : -1;
		if (c >= 0 && down_col < 0) {
			down = rows[n];
			down_col = c;
		}
		for (c = 0, busy = !prev; c < s->t.ncols && !busy; c++)
			busy = is_counter_col(s, c) && rows[n].v[c] > 0;
		n += busy;
	}
	tally_index_free(index);
	if (down_col >= 0 && v->since)
		went_down(s, &down, v, down_col);
	if (v->print.by == BY_PROCESS)
		n = merge_by_process(s, rows, n);
	else if (v->print.by == BY_COMM)
		n = merge_by_comm(s, rows, n);
	sort_tallies(rows, n, sort_column(s, v->sort));
	*print = v->print;
	print->total_of_part = row_filter_selects(&v->filter) || (v->top && n > v->top);
	if (v->top && n > v->top)
		n = v->top;
	if (!strcmp(cowstat_proc_path, COWSTAT_PROC) && !clock_gettime(CLOCK_MONOTONIC, &now))
		print->now = now.tv_sec * 1000000000ull + now.tv_nsec;	/* start's clock */
	return n;
}

/* The rows of @s, or what each did since @prev, printed as the view asks. */
/* Print the rows of @v and return how many. */
static int show_rows(const struct snapshot *s, const struct snapshot *prev,
		     const struct view *v)
{
	struct tally *rows = xmalloc((s->t.nrows + 1) * sizeof(*rows));
	struct print_opts print;
	int n = view_rows(s, prev, v, rows, &print);

	print_tallies(stdout, s, rows, n, &print);
	free(rows);
	return n;
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

/* -G with -f alone: the per-cgroup rows are the saved task table's, summed. */
static bool cgroups_of_saved_tasks(void)
{
	return strcmp(cowstat_proc_path, COWSTAT_PROC) &&
	       !strcmp(cowstat_cgroups_path, COWSTAT_CGROUPS_PROC);
}

/*
 * The table the view reads: /proc/cowstat, or /proc/cowstat_cgroups for -G;
 * for -G with only a saved task table (-f), that table summed per cgroup.
 */
static void load(struct snapshot *s, const struct view *v, const struct name_list *cgroups)
{
	if (v->print.by != BY_CGROUP)
		snapshot_load(s);
	else if (cgroups_of_saved_tasks())
		cgroups_of_tasks(s);
	else
		cgroups_load(s);
	if (cgroups->n && s->col_cgroup < 0)
		fatal(EXIT_ERROR, "--cgroup %s: %s has no cgroup column (format %d): the module predates cgroups",
		      cgroups->names[0], cowstat_proc_path, s->t.version);
}

/*
 * The table saved in --since FILE, as the view reads it: per task, or per
 * cgroup; a saved task table summed per cgroup only to compare with another
 * (-G -f).  Exits with a clear message.
 */
static void load_since(struct snapshot *prev, const struct view *v)
{
	struct snapshot tasks;
	int ret = snapshot_read_saved(&tasks, v->since);

	if (ret)
		fatal(EXIT_ERROR, "--since %s: %s", v->since,
		      ret == -EPROTO ? tasks.error : strerror(-ret));
	if (tasks.cgroups && v->print.by != BY_CGROUP)
		fatal(EXIT_USAGE, "--since %s: a table of cgroups: use it with --by-cgroup",
		      v->since);
	if (v->print.by == BY_CGROUP && !tasks.cgroups && !cgroups_of_saved_tasks())
		fatal(EXIT_USAGE, "--since %s: a table of tasks, which has lost the rows of tasks gone since: with --by-cgroup, save %s or show -G -j",
		      v->since, COWSTAT_CGROUPS_PROC);
	if (v->print.by == BY_CGROUP && !tasks.cgroups)
		cgroups_from_tasks(prev, &tasks, v->since);
	else
		*prev = tasks;
	if (!prev->cgroups && prev->col_start < 0)
		fatal(EXIT_ERROR, "--since %s: no start column to tell a task from an older one of its pid",
		      v->since);
}

/* ---- -i: a report per interval, as pidstat prints them ---- */

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

/*
 * Print what each row did from @then to @now: a report of @r's kind (an
 * interval, or the run's average).
 */
static void report(const struct reading *now, const struct reading *then, const struct view *v,
		   struct rate_report *r)
{
	struct tally *rows = xmalloc((now->s.t.nrows + 1) * sizeof(*rows));
	struct print_opts print;

	r->n = view_rows(&now->s, &then->s, v, rows, &print);
	r->s = &now->s;
	r->rows = rows;
	r->at = &now->at;
	r->elapsed = now->at.mono - then->at.mono;
	r->dropped = figure_rise(&now->s, &then->s, "dropped");
	print_rates(stdout, r, &print);
	if (r->dropped > 0 && print.format != FORMAT_JSON)
		fprintf(stderr, "cowstat: show: %lld faults dropped %s (not recorded: the table was full of live tasks, or a probe missed them): the counts are short\n",
			r->dropped, r->average ? "in the whole run" : "in this interval");
	fflush(stdout);
	free(rows);
}

/* A deadline missed: why, and that the next report covers the time. */
static void note_skipped(const struct reading *last, uint64_t now, long skipped, double interval)
{
	char when[16];

	stamp_local(&last->at, when, sizeof(when));
	fprintf(stderr, "cowstat: show: the read at %s and its report took %.2f s, longer than the interval of %g s: %ld interval%s skipped, the next report covers %s\n",
		when, (now - last->at.mono) / 1e9, interval, skipped, skipped > 1 ? "s" : "",
		skipped > 1 ? "them" : "it");
}

/*
 * -i: read again at each deadline, @interval seconds apart from @first's
 * (taken over), and report what each row did since the read before, @count
 * times (0: until interrupted).  The table ends with the average of the
 * whole run, as pidstat's does, on an interrupt too.
 */
static void show_intervals(struct reading *first, const struct view *v,
			   const struct name_list *cgroups, double interval, long count)
{
	struct rate_report r = { .interval = interval, .first = true };
	bool average = v->print.format == FORMAT_TABLE;
	struct sigaction sa = { .sa_handler = on_interrupt, .sa_flags = SA_RESETHAND };
	struct reading prev = *first, next;
	struct ticker ticker;
	struct stamp now;
	long reports;

	ticker_start(&ticker, first->at.mono, interval);
	sigaction(SIGINT, &sa, NULL);		/* a second one kills, as it would */
	sigaction(SIGTERM, &sa, NULL);
	for (reports = 0; !interrupted && (!count || reports < count); reports++) {
		stamp_now(&now);
		r.skipped = ticker_advance(&ticker, now.mono);
		if (r.skipped)
			note_skipped(&prev, now.mono, r.skipped, interval);
		while (ticker_wait(&ticker) && !interrupted)
			;
		if (interrupted)
			break;
		stamp_now(&next.at);
		load(&next.s, v, cgroups);
		report(&next, &prev, v, &r);
		r.first = false;
		if (reports || !average)	/* the first read is kept for the average */
			snapshot_free(&prev.s);
		prev = next;
	}
	if (average && reports) {
		r.average = true;
		r.skipped = 0;
		report(&prev, first, v, &r);
	}
	if (reports)
		snapshot_free(&prev.s);
	if (!reports || average)
		snapshot_free(&first->s);
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sort",	required_argument,	NULL, 's' },
		{ "top",	required_argument,	NULL, OPT_TOP },
		{ "pid",	required_argument,	NULL, 'p' },
		{ "tgid",	required_argument,	NULL, OPT_TGID },
		{ "user",	required_argument,	NULL, 'u' },
		{ "comm",	required_argument,	NULL, 'c' },
		{ "cgroup",	required_argument,	NULL, 'g' },
		{ "threads",	no_argument,		NULL, 't' },
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
		{ "columns",	required_argument,	NULL, 'o' },
		{ "raw",	no_argument,		NULL, OPT_RAW },
		{ "since",	required_argument,	NULL, OPT_SINCE },
		{ "interval",	required_argument,	NULL, 'i' },
		{ "count",	required_argument,	NULL, 'n' },
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
	struct snapshot since;
	struct reading first;	/* the table; with -i, the first read */
	double interval = 0;
	long count = 0;
	int opt, shown = 0, code;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:p:u:c:g:tPCGo:jTHi:n:f:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			v.sort = optarg;
			break;
		case OPT_TOP:
			v.top = parse_count("--top", optarg, 1, INT_MAX);
			break;
		case 'p':
			add_ids(&v.filter.pids, "--pid", optarg);
			break;
		case OPT_TGID:
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
		case 't':
			v.print.by = BY_TASK;
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
		case 'o':
			v.columns = optarg;
			break;
		case OPT_RAW:
			v.print.human = false;
			break;
		case OPT_SINCE:
			v.since = optarg;
			break;
		case 'i':
			interval = parse_seconds("--interval", optarg, 0.1, 86400);
			break;
		case 'n':
			count = parse_count("--count", optarg, 1, INT_MAX);
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
	if (count && !interval)
		fatal(EXIT_USAGE, "show: --count counts the reports of --interval; --top N shows the first N rows");
	if (interval > 0 && optind < argc && !count)
		count = parse_count("show: COUNT", argv[optind++], 1, INT_MAX);
	if (optind < argc)
		fatal(EXIT_USAGE, "show: unexpected argument '%s'", argv[optind]);
	if (v.print.by == BY_CGROUP && row_filter_selects(&v.filter))
		fatal(EXIT_USAGE, "show: --by-cgroup has no tasks to select with --pid, --tgid, --user or --comm");

	if (v.since && interval > 0)
		fatal(EXIT_USAGE, "show: --since and --interval: each interval counts from the one before");
	if (v.columns && v.print.format == FORMAT_JSON)
		fatal(EXIT_USAGE, "show: --columns is for the table and TSV: JSON has every column");

	stamp_now(&first.at);
	load(&first.s, &v, &cgroups);
	if (v.columns)
		parse_columns(&first.s, v.columns, &v.print);
	if (has_column(&v.print, COL_AGE) && strcmp(cowstat_proc_path, COWSTAT_PROC))
		fatal(EXIT_USAGE, "--columns age: %s is a saved table, with no now to age its tasks from; use start",
		      cowstat_proc_path);
	if (cgroups.n)
		v.filter.cgroups = cgroup_subtrees(&cgroups);
	if (interval > 0) {
		show_intervals(&first, &v, &cgroups, interval, count);
	} else {
		if (v.since)
			load_since(&since, &v);
		shown = show_rows(&first.s, v.since ? &since : NULL, &v);
		if (v.since)
			snapshot_free(&since);
		snapshot_free(&first.s);
	}
	/* As pgrep: a selection that matched nothing is not a success. */
	code = interval > 0 || shown || !row_filter_selects(&v.filter) ? EXIT_OK : EXIT_NO_MATCH;
	row_filter_free(&v.filter);
	free(cgroups.names);
	return code;
}
