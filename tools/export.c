// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat export --prometheus: the table in the Prometheus text format, for
 * node_exporter's textfile collector.  Every per-task figure is a counter.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cowstat.h"

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

/* Label values escape backslash, double quote and newline. */
void prometheus_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void family(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void prometheus_write(const struct snapshot *s)
{
	unsigned int m;
	char name[96];
	int c, r;

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
		for (r = 0; r < s->t.nrows; r++) {
			struct tally t;

			tally_row(s, r, &t);
			printf("%s{pid=\"%d\",tgid=\"%d\",comm=\"", name, t.pid, t.tgid);
			prometheus_label(stdout, t.comm);
			printf("\"} %llu\n", (unsigned long long)t.v[c]);
		}
	}
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: cowstat export --prometheus [-f FILE]\n"
"\n"
"Print the table in the Prometheus text format.  For node_exporter:\n"
"  cowstat export --prometheus > DIR/cowstat.prom.$$ && mv DIR/cowstat.prom.$$ DIR/cowstat.prom\n"
"\n"
"  -p, --prometheus     the Prometheus text format (the only format so far)\n"
"  -f, --file FILE      read a saved table instead of %s\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n", COWSTAT_PROC);
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prometheus",	no_argument,		NULL, 'p' },
		{ "file",	required_argument,	NULL, 'f' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 },
	};
	bool prometheus = false;
	struct snapshot s;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "pf:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			prometheus = true;
			break;
		case 'f':
			cowstat_proc_path = optarg;
			break;
		default:
			return common_option(opt, usage);
		}
	}
	if (!prometheus || optind < argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	snapshot_load(&s);
	prometheus_write(&s);
	snapshot_free(&s);
	return EXIT_OK;
}
