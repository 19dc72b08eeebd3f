// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat export --prometheus: the per-cgroup totals, or the table, in the
 * Prometheus text format, for node_exporter's textfile collector.  Every
 * per-cgroup, per-comm and per-task figure is a counter.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cowstat.h"

#define DEFAULT_MAX_SERIES	100

static const struct {
	const char	*col;
	const char	*metric;
	const char	*help;
} metrics[] = {
	{ "faults", "cowstat_faults_total",
	  "Write-protect faults taken (entries into do_wp_page)." },
	{ "copies", "cowstat_copies_total",
	  "Faults that copied a page (copy-on-write breaks)." },
	{ "reuses", "cowstat_reuses_total",
	  "Faults that made a private page writable in place, without a copy." },
	{ "shared", "cowstat_shared_total",
	  "Write faults on shared mappings (write-notify, no copy)." },
	{ "unshare", "cowstat_unshare_total",
	  "Unshare requests from pinning (FAULT_FLAG_UNSHARE)." },
	{ "other", "cowstat_other_total",
	  "Faults that ended otherwise: userfaultfd, retry, OOM." },
	{ "zero", "cowstat_zero_copies_total",
	  "Copies of the shared zero page." },
	{ "ksm", "cowstat_ksm_copies_total",
	  "Copies of KSM-merged pages." },
	{ "thp", "cowstat_thp_faults_total",
	  "Huge-PMD write-protect faults completed without a split." },
	{ "hugetlb", "cowstat_hugetlb_copies_total",
	  "hugetlb pages copied." },
	{ "remote", "cowstat_remote_faults_total",
	  "Faults taken in another process's memory (ptrace, process_vm_writev)." },
	{ "bytes", "cowstat_copied_bytes_total",
	  "Bytes copied by copy-on-write: base pages and hugetlb pages." },
	{ "tasks", "cowstat_cgroup_tasks_total",
	  "Task rows counted in the cgroup; a task that moved counts in each of its cgroups." },
};

/*
 * A comm as a label value, into @out: backslash, double quote and newline
 * escaped as the text format wants; other control bytes and bytes that are
 * not UTF-8 (a comm is any 15 bytes) replaced by U+FFFD, so that one task
 * cannot make the whole textfile unparsable.
 */
void prometheus_label_value(const char *s, char *out, size_t size)
{
	static const char replacement[] = "\xef\xbf\xbd";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	int len;

	for (; *p && n + 4 < size; p += len) {
		len = utf8_len(p);
		if (*p == '\\' || *p == '"' || *p == '\n') {
			out[n++] = '\\';
			out[n++] = *p == '\n' ? 'n' : *p;
		} else if (!len || *p < 0x20 || *p == 0x7f) {
			memcpy(out + n, replacement, 3);
			n += 3;
			len = len ? len : 1;
		} else {
			memcpy(out + n, p, len);
			n += len;
		}
	}
	out[n] = '\0';
}

void prometheus_label(FILE *f, const char *s)
{
	char buf[PROM_LABEL_MAX];

	prometheus_label_value(s, buf, sizeof(buf));
	fputs(buf, f);
}

static void family(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A series: its labels, already escaped, and the rows summed into it. */
struct series {
	char		*labels;
	struct tally	t;
};

static int by_labels(const void *pa, const void *pb)
{
	const struct series *a = pa, *b = pb;

	return strcmp(a->labels, b->labels);
}

static int faults_col;
static const char *other;	/* the labels of the rest: comm="[other]", cgroup="[other]" */

/* Most faults first; a comm or cgroup really named "[other]" goes with the rest. */
static int by_faults(const void *pa, const void *pb)
{
	const struct series *a = pa, *b = pb;
	int ao = !strcmp(a->labels, other), bo = !strcmp(b->labels, other);

	if (ao != bo)
		return ao - bo;
	if (a->t.v[faults_col] != b->t.v[faults_col])
		return a->t.v[faults_col] < b->t.v[faults_col] ? 1 : -1;
	return strcmp(a->labels, b->labels);
}

/* NAME="VALUE", the value escaped, in a string of its own. */
static char *label(const char *name, const char *value)
{
	size_t size = strlen(value) * 3 + 5;	/* each byte as U+FFFD at worst, and room to stop */
	char *escaped = xmalloc(size), *text;

	prometheus_label_value(value, escaped, size);
	if (asprintf(&text, "%s=\"%s\"", name, escaped) < 0)
		fatal(EXIT_ERROR, "out of memory");
	free(escaped);
	return text;
}

/*
 * The rows as series: one per cgroup (labelled with its path), per comm,
 * or per task (labelled pid, start, tgid and comm; pid and start identify
 * a task, pids being recycled, and a task's rows are summed).  Per cgroup
 * or comm, at most @max_series of them, the rest summed into "[other]".
 * Returns the count; the series are sorted by their labels.
 */
static int build_series(const struct snapshot *s, struct series *out, enum series_by by,
			int max_series)
{
	struct tally *rows = xmalloc((s->t.nrows + 1) * sizeof(*rows));
	int r, i, n = select_tallies(s, NULL, rows), kept;
	char *comm;

	for (r = 0; r < n; r++) {
		out[r].t = rows[r];
		if (by == SERIES_BY_CGROUP) {
			out[r].labels = label("cgroup", cgroup_path(rows[r].cgroup));
			continue;
		}
		comm = label("comm", rows[r].comm);
		if (by == SERIES_BY_COMM) {
			out[r].labels = comm;
			continue;
		}
		if (asprintf(&out[r].labels, "pid=\"%d\",start=\"%llu\",tgid=\"%d\",%s",
			     rows[r].pid, (unsigned long long)rows[r].start, rows[r].tgid,
			     comm) < 0)
			fatal(EXIT_ERROR, "out of memory");
		free(comm);
	}
	free(rows);
	qsort(out, n, sizeof(*out), by_labels);
	if (by == SERIES_BY_TASK)
		return n;
	for (r = 0, i = 0; r < n; r++) {	/* sum the rows of each comm (or path) */
		if (i && !strcmp(out[i - 1].labels, out[r].labels)) {
			tally_add(s, &out[i - 1].t, &out[r].t);
			free(out[r].labels);
		} else {
			out[i++] = out[r];
		}
	}
	n = i;
	if (n <= max_series)
		return n;
	other = by == SERIES_BY_CGROUP ? "cgroup=\"[other]\"" : "comm=\"[other]\"";
	faults_col = cowstat_col(&s->t, "faults");
	qsort(out, n, sizeof(*out), by_faults);
	kept = max_series - 1;
	for (r = max_series; r < n; r++) {
		tally_add(s, &out[kept].t, &out[r].t);
		free(out[r].labels);
	}
	free(out[kept].labels);
	out[kept].labels = xstrdup(other);
	qsort(out, max_series, sizeof(*out), by_labels);
	return max_series;
}

/* The version line's figures, each a family of one sample. */
static void table_figures(const struct snapshot *s)
{
	static const struct {
		const char	*key, *metric, *type, *help;
		bool		cgroups;	/* of /proc/cowstat_cgroups, not /proc/cowstat */
	} figures[] = {
		{ "tasks", "cowstat_tasks", "gauge", "Rows in the cowstat table.", false },
		{ "capacity", "cowstat_capacity", "gauge",
		  "Rows the cowstat table can hold (max_tasks).", false },
		{ "cgroups", "cowstat_cgroups", "gauge",
		  "Cgroups in the per-cgroup table.", true },
		{ "capacity", "cowstat_cgroups_capacity", "gauge",
		  "Cgroups the per-cgroup table can hold (max_cgroups).", true },
		{ "dropped", "cowstat_dropped_total", "counter",
		  "Faults not recorded because the table was full.", false },
		{ "dropped", "cowstat_dropped_total", "counter",
		  "Faults not recorded because the table was full.", true },
		{ "evicted", "cowstat_evicted_total", "counter",
		  "Rows of exited tasks evicted to make room.", false },
		{ "evicted", "cowstat_cgroups_evicted_total", "counter",
		  "Per-cgroup entries evicted to make room.", true },
	};
	unsigned int i;

	for (i = 0; i < sizeof(figures) / sizeof(figures[0]); i++) {
		if (figures[i].cgroups != s->cgroups)
			continue;
		family(figures[i].metric, figures[i].type, figures[i].help);
		printf("%s %lld\n", figures[i].metric,
		       cowstat_version_field(&s->t, figures[i].key));
	}
}

/* @s: /proc/cowstat for SERIES_BY_COMM and SERIES_BY_TASK, else /proc/cowstat_cgroups. */
void prometheus_write(const struct snapshot *s, enum series_by by, int max_series)
{
	struct series *series = xmalloc((s->t.nrows + 1) * sizeof(*series));
	int c, i, n = build_series(s, series, by, max_series);
	unsigned int m;
	char name[96];

	table_figures(s);
	for (c = 0; c < s->t.ncols; c++) {
		const char *help = "A cowstat column this version of the tool does not know.";

		if (!is_counter_col(s, c))
			continue;
		snprintf(name, sizeof(name), "cowstat_%s_total", s->t.cols[c]);
		for (m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
			if (!strcmp(metrics[m].col, s->t.cols[c])) {
				snprintf(name, sizeof(name), "%s", metrics[m].metric);
				help = metrics[m].help;
			}
		}
		family(name, "counter", help);
		for (i = 0; i < n; i++)
			printf("%s{%s} %llu\n", name, series[i].labels,
			       (unsigned long long)series[i].t.v[c]);
	}
	for (i = 0; i < n; i++)
		free(series[i].labels);
	free(series);
}

enum { OPT_CGROUPS_FILE = 256 };	/* a long option without a short one */

static void usage(FILE *f)
{
	fprintf(f,
"usage: cowstat export --prometheus [options]\n"
"\n"
"Print the table in the Prometheus text format, one counter family per\n"
"column, for node_exporter's textfile collector.  Write it atomically:\n"
"  cowstat export -p > DIR/cowstat.prom.$$ && mv DIR/cowstat.prom.$$ DIR/cowstat.prom\n"
"\n"
"  -p, --prometheus     the Prometheus text format (the only format so far)\n"
"  -G, --by-cgroup      one series per cgroup, labelled cgroup=\"/PATH\", from\n"
"                       %s: exited tasks included (the default)\n"
"  -C, --by-comm        one series per comm, from %s\n"
"                       (the default with -f alone, or an older module)\n"
"  -t, --per-task       one series per task instead, labelled pid, start,\n"
"                       tgid and comm: as many series as tasks\n"
"  -m, --max-series N   at most N series per family per cgroup or comm, those\n"
"                       with the fewest faults summed as \"[other]\" (default: %d)\n"
"  -f, --file FILE      read a saved table instead of %s\n"
"      --cgroups-file FILE\n"
"                       read a saved table instead of %s\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n", COWSTAT_CGROUPS_PROC, COWSTAT_PROC,
		DEFAULT_MAX_SERIES, COWSTAT_PROC, COWSTAT_CGROUPS_PROC);
}

/*
 * By cgroup unless asked otherwise, or unless only -f FILE names a table
 * (a saved /proc/cowstat, as before there were cgroups), or the module is
 * one without /proc/cowstat_cgroups: then by comm, as cowstat 1.0 did.
 */
static enum series_by default_series(bool file_given, bool cgroups_file_given)
{
	if (file_given && !cgroups_file_given)
		return SERIES_BY_COMM;
	if (!cgroups_file_given && access(COWSTAT_CGROUPS_PROC, F_OK) &&
	    !access(COWSTAT_PROC, F_OK)) {
		fprintf(stderr, "cowstat: note: no %s (a module older than format 2): one series per comm\n",
			COWSTAT_CGROUPS_PROC);
		return SERIES_BY_COMM;
	}
	return SERIES_BY_CGROUP;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prometheus",	no_argument,		NULL, 'p' },
		{ "by-cgroup",	no_argument,		NULL, 'G' },
		{ "by-comm",	no_argument,		NULL, 'C' },
		{ "per-task",	no_argument,		NULL, 't' },
		{ "max-series",	required_argument,	NULL, 'm' },
		{ "file",	required_argument,	NULL, 'f' },
		{ "cgroups-file", required_argument,	NULL, OPT_CGROUPS_FILE },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 },
	};
	bool prometheus = false, by_given = false, file = false, cgroups_file = false;
	int opt, max_series = DEFAULT_MAX_SERIES;
	enum series_by by = SERIES_BY_CGROUP;
	struct snapshot s;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "pGCtm:f:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			prometheus = true;
			break;
		case 'G':
			by = SERIES_BY_CGROUP;
			by_given = true;
			break;
		case 'C':
			by = SERIES_BY_COMM;
			by_given = true;
			break;
		case 't':
			by = SERIES_BY_TASK;
			by_given = true;
			break;
		case 'm':
			max_series = parse_count("--max-series", optarg, 1, 100000);
			break;
		case 'f':
			cowstat_proc_path = optarg;
			file = true;
			break;
		case OPT_CGROUPS_FILE:
			cowstat_cgroups_path = optarg;
			cgroups_file = true;
			break;
		default:
			return common_option(opt, usage);
		}
	}
	if (optind < argc)
		fatal(EXIT_USAGE, "export: unexpected argument '%s'", argv[optind]);
	if (!prometheus)
		fatal(EXIT_USAGE, "export: which format? --prometheus (-p) is the only one so far");
	if (!by_given)
		by = default_series(file, cgroups_file);
	if (by == SERIES_BY_CGROUP)
		cgroups_load(&s);
	else
		snapshot_load(&s);
	prometheus_write(&s, by, max_series);
	snapshot_free(&s);
	return EXIT_OK;
}
