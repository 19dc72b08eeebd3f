// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat export --prometheus: the table in the Prometheus text format, for
 * node_exporter's textfile collector.  Every per-task figure is a counter.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	char		labels[PROM_LABEL_MAX + 96];
	struct tally	t;
};

#define OTHER	"comm=\"[other]\""

static int by_labels(const void *pa, const void *pb)
{
	const struct series *a = pa, *b = pb;

	return strcmp(a->labels, b->labels);
}

static int faults_col;

/* Most faults first; a task really named "[other]" goes with the rest. */
static int by_faults(const void *pa, const void *pb)
{
	const struct series *a = pa, *b = pb;
	int ao = !strcmp(a->labels, OTHER), bo = !strcmp(b->labels, OTHER);

	if (ao != bo)
		return ao - bo;
	if (a->t.v[faults_col] != b->t.v[faults_col])
		return a->t.v[faults_col] < b->t.v[faults_col] ? 1 : -1;
	return strcmp(a->labels, b->labels);
}

/*
 * The rows as series: one per task (labelled pid, start, tgid and comm; pid
 * and start identify a task, pids being recycled, and a task's rows are
 * summed), or one per comm, at most @max_series of them, the rest summed
 * into comm="[other]".  Returns the count; the series are sorted by their
 * labels.
 */
static int build_series(const struct snapshot *s, struct series *out, bool per_task,
			int max_series)
{
	struct tally *rows = xmalloc((s->t.nrows + 1) * sizeof(*rows));
	char label[PROM_LABEL_MAX];
	int r, i, n = select_tallies(s, NULL, rows), kept;

	for (r = 0; r < n; r++) {
		struct series *x = &out[r];

		x->t = rows[r];
		prometheus_label_value(x->t.comm, label, sizeof(label));
		if (per_task)
			snprintf(x->labels, sizeof(x->labels),
				 "pid=\"%d\",start=\"%llu\",tgid=\"%d\",comm=\"%s\"",
				 x->t.pid, (unsigned long long)x->t.start, x->t.tgid, label);
		else
			snprintf(x->labels, sizeof(x->labels), "comm=\"%s\"", label);
	}
	free(rows);
	qsort(out, n, sizeof(*out), by_labels);
	if (per_task)
		return n;
	for (r = 0, i = 0; r < n; r++) {	/* sum the rows of each comm */
		if (i && !strcmp(out[i - 1].labels, out[r].labels))
			tally_add(s, &out[i - 1].t, &out[r].t);
		else
			out[i++] = out[r];
	}
	n = i;
	if (n <= max_series)
		return n;
	faults_col = cowstat_col(&s->t, "faults");
	qsort(out, n, sizeof(*out), by_faults);
	kept = max_series - 1;
	for (r = max_series; r < n; r++)
		tally_add(s, &out[kept].t, &out[r].t);
	snprintf(out[kept].labels, sizeof(out[kept].labels), OTHER);
	qsort(out, max_series, sizeof(*out), by_labels);
	return max_series;
}

void prometheus_write(const struct snapshot *s, bool per_task, int max_series)
{
	struct series *series = xmalloc((s->t.nrows + 1) * sizeof(*series));
	int c, i, n = build_series(s, series, per_task, max_series);
	unsigned int m;
	char name[96];

	family("cowstat_tasks", "gauge", "Rows in the cowstat table.");
	printf("cowstat_tasks %lld\n", cowstat_version_field(&s->t, "tasks"));
	family("cowstat_capacity", "gauge", "Rows the cowstat table can hold (max_tasks).");
	printf("cowstat_capacity %lld\n", cowstat_version_field(&s->t, "capacity"));
	family("cowstat_dropped_total", "counter", "Faults not recorded because the table was full.");
	printf("cowstat_dropped_total %lld\n", cowstat_version_field(&s->t, "dropped"));
	family("cowstat_evicted_total", "counter", "Rows of exited tasks evicted to make room.");
	printf("cowstat_evicted_total %lld\n", cowstat_version_field(&s->t, "evicted"));

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
	free(series);
}

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
"  -m, --max-series N   at most N series per family, one per comm, the\n"
"                       tasks of the rest summed as comm=\"[other]\" (default: %d)\n"
"  -t, --per-task       one series per task instead, labelled pid, start,\n"
"                       tgid and comm: as many series as tasks\n"
"  -f, --file FILE      read a saved table instead of %s\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n", DEFAULT_MAX_SERIES, COWSTAT_PROC);
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prometheus",	no_argument,		NULL, 'p' },
		{ "max-series",	required_argument,	NULL, 'm' },
		{ "per-task",	no_argument,		NULL, 't' },
		{ "file",	required_argument,	NULL, 'f' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 },
	};
	bool prometheus = false, per_task = false;
	int opt, max_series = DEFAULT_MAX_SERIES;
	struct snapshot s;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "pm:tf:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			prometheus = true;
			break;
		case 'm':
			max_series = parse_count("--max-series", optarg, 1, 100000);
			break;
		case 't':
			per_task = true;
			break;
		case 'f':
			cowstat_proc_path = optarg;
			break;
		default:
			return common_option(opt, usage);
		}
	}
	if (optind < argc)
		fatal(EXIT_USAGE, "export: unexpected argument '%s'", argv[optind]);
	if (!prometheus)
		fatal(EXIT_USAGE, "export: which format? --prometheus (-p) is the only one so far");
	snapshot_load(&s);
	prometheus_write(&s, per_task, max_series);
	snapshot_free(&s);
	return EXIT_OK;
}
