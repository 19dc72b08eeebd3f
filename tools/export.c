// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat export --prometheus: the table in the Prometheus text format,
 * for node_exporter's textfile collector.
 *
 * A counter only goes up for one set of labels, until the module's load
 * or reset (cowstat_reset_time_seconds), and a set of labels always means
 * the same thing.  So per cgroup, series are keyed by the cgroup's id,
 * which no other cgroup gets, with its path in cowstat_cgroup_info; per
 * task, by pid, start and cgroup id, and a series ends when its row is
 * evicted; per comm, the rows present are summed into gauges, since
 * evicted rows leave them.  Nothing is summed into a series whose members
 * change: a bound on the number of series refuses instead.  --state keeps
 * what the module can still lose between exports (export-state.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "export.h"

/* ---- Label values ---- */

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

/* ,NAME="VALUE" for a value of any length, such as a cgroup's path. */
static void long_label(FILE *f, const char *name, const char *value)
{
	size_t size = strlen(value) * 3 + 5;	/* each byte as U+FFFD at worst, and room to stop */
	char *escaped = xmalloc(size);

	prometheus_label_value(value, escaped, size);
	fprintf(f, ",%s=\"%s\"", name, escaped);
	free(escaped);
}

/* ---- What the columns and figures are ---- */

/* A counter column of the module (Documentation/ABI/testing/procfs-cowstat). */
struct column_metric {
	const char	*col;
	const char	*name;		/* the family's, between the view's prefix and suffix */
	const char	*help;
	bool		wraps32;	/* 32 bits in the module: it wraps */
};

static const struct column_metric column_metrics[] = {
	{ "faults", "faults", "Write-protect faults taken (entries into do_wp_page).", false },
	{ "copies", "copies",
	  "Faults that copied the page into a new one (copy-on-write breaks).", false },
	{ "reuses", "reuses",
	  "Private faults that made the page writable in place, without a copy.", false },
	{ "shared", "shared", "Write faults on shared mappings (write-notify), never a copy.",
	  false },
	{ "unshare", "unshare",
	  "FAULT_FLAG_UNSHARE faults (a pinned page made exclusive), copied or not.", true },
	{ "other", "other",
	  "Faults that ended otherwise: userfaultfd write-protect, retry, OOM.", true },
	{ "zero", "zero_copies", "Copies of the zero page (part of copies).", true },
	{ "ksm", "ksm_copies", "Copies of KSM-merged pages (part of copies).", true },
	{ "thp", "thp_faults",
	  "Huge-PMD write faults completed at PMD level: the THP reused in place, or the huge zero page replaced by a new THP (not part of faults).",
	  true },
	{ "hugetlb", "hugetlb_copies", "hugetlb pages copied (not part of faults or copies).",
	  true },
	{ "remote", "remote_faults",
	  "Faults taken in another process's memory: ptrace, /proc/PID/mem, process_vm_writev (part of faults).",
	  true },
	{ "bytes", "copied_bytes",
	  "Bytes copied: copies times the page size, plus hugetlb pages at their size, plus 2 MiB for each thp_zero.",
	  false },
	{ "large", "large_reuses",
	  "Reuses of a page of a large folio mapped by PTEs (part of reuses; kernels since 6.15).",
	  true },
	{ "thp_zero", "thp_zero_fills",
	  "Writes to the huge zero page that allocated a whole THP instead of splitting the PMD (part of thp; 2 MiB each in bytes).",
	  true },
	{ "tasks", "tasks",
	  "Task rows counted in the cgroup: a task counts once in each cgroup it faulted in.",
	  false },
};

/* A view: the families of one kind of series. */
struct view {
	unsigned int	flag;
	const char	*prefix, *suffix, *type;
	const char	*help;		/* after each column's own */
	const char	*each;		/* what a series is, for --max-series */
};

static const struct view views[] = {
	{ VIEW_CGROUP, "cowstat_cgroup_", "_total", "counter",
	  " Per cgroup v2 id, exited tasks included; the path is in cowstat_cgroup_info.",
	  "cgroup" },
	{ VIEW_TASK, "cowstat_task_", "_total", "counter",
	  " Per task (pid and start) and cgroup v2 id; a series ends when its row is evicted.",
	  "task and cgroup" },
	{ VIEW_COMM, "cowstat_comm_", "", "gauge",
	  " A gauge: the rows in the table summed per comm, which evicted rows leave (cowstat_cgroup_* keeps them).",
	  "comm" },
};

/* A figure of a version line, each a family of one sample. */
static const struct {
	const char	*key, *name, *type, *help;
	bool		cgroups;	/* of /proc/cowstat_cgroups, not /proc/cowstat */
} figures[] = {
	{ "tasks", "cowstat_tasks", "gauge", "Rows in use in the task table (/proc/cowstat).",
	  false },
	{ "capacity", "cowstat_capacity", "gauge", "Rows the task table holds (max_tasks).",
	  false },
	{ "evicted", "cowstat_evicted_total", "counter",
	  "Rows of exited or moved tasks evicted to make room; their counts go on in the per-cgroup totals.",
	  false },
	{ "cgroups", "cowstat_cgroups", "gauge",
	  "Entries in use in the per-cgroup table of evicted rows' totals.", true },
	{ "capacity", "cowstat_cgroups_capacity", "gauge",
	  "Entries the per-cgroup table holds (max_cgroups).", true },
	{ "evicted", "cowstat_cgroups_evicted_total", "counter",
	  "Per-cgroup entries forgotten to make room (max_cgroups full), with their totals.",
	  true },
};

#define DROPPED_HELP "Faults and probe hits not counted: no row for the task (the table full of live tasks), or a probe that missed."

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Figure @key of the version line of @s into @v: 1, 0 if it has none, -1
 * if it is not a whole number from 0 to 2^64 - 1.
 */
static int figure(const struct snapshot *s, const char *key, uint64_t *v)
{
	const char *p = s->t.version_line, *value;
	size_t len = strlen(key), n;
	char num[24];

	for (p = strchr(p, ' '); p; p = strchr(p + 1, ' ')) {
		if (strncmp(p + 1, key, len) || p[1 + len] != '=')
			continue;
		value = p + 2 + len;
		n = strcspn(value, " ");
		if (n >= sizeof(num))
			return -1;
		memcpy(num, value, n);
		num[n] = '\0';
		return parse_u64(num, UINT64_MAX, v) ? 1 : -1;
	}
	return 0;
}

/* The probes of the version line of @s into @out, "" if it names none. */
static void probes(const struct snapshot *s, char *out, size_t size)
{
	const char *p = strstr(s->t.version_line, " probes=");

	snprintf(out, size, "%.*s", p ? (int)strcspn(p + 8, " ") : 0, p ? p + 8 : "");
}

/* The load or last reset of @s (its loaded= and reset=, CLOCK_MONOTONIC ns); false: none. */
static bool reset_ns(const struct snapshot *s, uint64_t *ns)
{
	uint64_t loaded = 0, reset = 0;
	bool have_loaded = figure(s, "loaded", &loaded) > 0;
	bool have_reset = figure(s, "reset", &reset) > 0;

	*ns = have_reset && reset > loaded ? reset : loaded;
	return have_loaded || have_reset;
}

/* The column metric of column @c of @s, or NULL where its name is no metric name. */
static const struct column_metric *column_metric(const struct snapshot *s, int c,
						 struct column_metric *unknown)
{
	static const char name_chars[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	const char *col = s->t.cols[c];
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(column_metrics); i++)
		if (!strcmp(column_metrics[i].col, col))
			return &column_metrics[i];
	if (!*col || col[strspn(col, name_chars)])
		return NULL;
	*unknown = (struct column_metric){ col, col,
		"A counter column this version of cowstat does not know (Documentation/ABI/testing/procfs-cowstat).",
		false };
	return unknown;
}

/*
 * The counter columns of @s that are exported, in @cols, with their metrics
 * in @metrics: their count.  A column whose name makes no metric name, or
 * the name of another's, is left out, with a note.
 */
static int exported_columns(const struct snapshot *s, int *cols, struct column_metric *metrics)
{
	struct column_metric unknown;
	const struct column_metric *m;
	int c, i, n = 0;

	for (c = 0; c < s->t.ncols; c++) {
		if (!is_counter_col(s, c))
			continue;
		m = column_metric(s, c, &unknown);
		for (i = 0; m && i < n; i++)
			if (!strcmp(metrics[i].name, m->name))
				m = NULL;
		if (!m) {
			fprintf(stderr, "cowstat: note: column '%s' makes no metric name of its own: left out\n",
				s->t.cols[c]);
			continue;
		}
		cols[n] = c;
		metrics[n++] = *m;
	}
	return n;
}

/* ---- Series ---- */

/*
 * A series: the rows of one cgroup, task in a cgroup, or comm, summed.
 * Its key is its tally's: a cgroup's id (its pid and start 0), or a task's
 * pid, start and cgroup id.
 */
struct series {
	struct tally	t;		/* a task's comm and tgid: its live row's */
	char		*comm;		/* per comm: the label value */
	int		rows;
	bool		guarded;	/* its counters go through the state */
};

static int by_key(const void *pa, const void *pb)
{
	const struct series *a = pa, *b = pb;

	if (a->t.pid != b->t.pid)
		return a->t.pid < b->t.pid ? -1 : 1;
	if (a->t.start != b->t.start)
		return a->t.start < b->t.start ? -1 : 1;
	return a->t.cgroup < b->t.cgroup ? -1 : a->t.cgroup > b->t.cgroup;
}

static int by_comm(const void *pa, const void *pb)
{
	const struct series *a = pa, *b = pb;

	return strcmp(a->comm, b->comm);
}

static int by_comm_raw(const void *pa, const void *pb)
{
	const struct series *a = pa, *b = pb;

	return strcmp(a->t.comm_raw, b->t.comm_raw);
}

/* @x, @n series sorted by @order, with those equal by it summed: their count. */
static int merge_series(const struct snapshot *s, struct series *x, int n,
			int (*order)(const void *, const void *))
{
	int r, out = 0;

	for (r = 0; r < n; r++) {
		struct series *sum = out ? &x[out - 1] : NULL;

		if (!sum || order(sum, &x[r])) {
			x[out++] = x[r];
			continue;
		}
		if (x[r].t.state == 'R') {	/* a task's name and process are its live row's */
			free(sum->comm);
			sum->comm = x[r].comm;
			sum->t.comm_raw = x[r].t.comm_raw;
			sum->t.tgid = x[r].t.tgid;
		} else {
			free(x[r].comm);
		}
		tally_add(s, &sum->t, &x[r].t);
		sum->rows += x[r].rows;
	}
	return out;
}

/* The comm of @t as a label value, into @out (PROM_LABEL_MAX bytes). */
static void comm_label(const struct tally *t, char *out)
{
	char comm[COMM_MAX];

	tally_comm(t, comm);
	prometheus_label_value(comm, out, PROM_LABEL_MAX);
}

/*
 * The rows of @s as the series of @view, sorted, into @out: their count.
 * Per comm, the rows of each comm are summed first, so that each comm is
 * made a label value once, not once a row.
 */
static int build_series(const struct snapshot *s, unsigned int view, struct series *out)
{
	char comm[PROM_LABEL_MAX];
	int r, n = s->t.nrows;

	for (r = 0; r < n; r++) {
		memset(&out[r], 0, sizeof(out[r]));
		tally_row(s, r, &out[r].t);
		out[r].rows = 1;
	}
	if (view != VIEW_COMM) {
		qsort(out, n, sizeof(*out), by_key);
		return merge_series(s, out, n, by_key);
	}
	qsort(out, n, sizeof(*out), by_comm_raw);
	n = merge_series(s, out, n, by_comm_raw);
	for (r = 0; r < n; r++) {
		comm_label(&out[r].t, comm);
		out[r].comm = xstrdup(comm);
	}
	qsort(out, n, sizeof(*out), by_comm);
	return merge_series(s, out, n, by_comm);
}

/* The state's key of series @x of @view. */
static void series_key(unsigned int view, const struct series *x, char *key, size_t size)
{
	if (view == VIEW_CGROUP)
		snprintf(key, size, "cgroup=%llu", (unsigned long long)x->t.cgroup);
	else
		snprintf(key, size, "task=%llu,%llu,%llu", (unsigned long long)x->t.pid,
			 (unsigned long long)x->t.start, (unsigned long long)x->t.cgroup);
}

/* What to export for column @col of series @x of @view, from the state. */
static uint64_t kept_counter(struct export_state *state, unsigned int view,
			     const struct series *x, const char *col, uint64_t raw, bool wraps32)
{
	char key[80];

	series_key(view, x, key, sizeof(key));
	return export_state_counter(state, key, col, raw, wraps32);
}

/*
 * Which series keep their counters in @state.  Every cgroup.  A task only
 * if it has several rows now (moved, or exec'd from a thread), or had: one
 * of them can be evicted before the others.
 */
static void guard(struct export_state *state, unsigned int view, struct series *x, int n)
{
	char prefix[64];
	int i, j, k, rows;

	for (i = 0; state && view == VIEW_CGROUP && i < n; i++)
		x[i].guarded = true;
	for (i = 0; state && view == VIEW_TASK && i < n; i = j) {
		for (j = i, rows = 0; j < n && x[j].t.pid == x[i].t.pid &&
		     x[j].t.start == x[i].t.start; j++)
			rows += x[j].rows;
		snprintf(prefix, sizeof(prefix), "task=%llu,%llu,", (unsigned long long)x[i].t.pid,
			 (unsigned long long)x[i].t.start);
		for (k = i; k < j && (rows > 1 || export_state_knows(state, prefix)); k++)
			x[k].guarded = true;
	}
}

/* What to keep of series not exported: see export_state_keep(). */
struct keep_ctx {
	unsigned int		views;
	const struct series	*tasks;		/* VIEW_TASK's, by key */
	int			nr_tasks;
};

static bool keep_series(const char *key, void *arg)
{
	const struct keep_ctx *ctx = arg;
	unsigned long long id, pid, start;
	int i;

	if (sscanf(key, "cgroup=%llu", &id) == 1)	/* while its directory is there */
		return !(ctx->views & VIEW_CGROUP) || cgroup_known_path(id);
	if (sscanf(key, "task=%llu,%llu,", &pid, &start) != 2)
		return false;
	if (!(ctx->views & VIEW_TASK))
		return true;
	for (i = 0; i < ctx->nr_tasks; i++)	/* while the task has a row */
		if ((unsigned long long)ctx->tasks[i].t.pid == pid &&
		    ctx->tasks[i].t.start == start)
			return true;
	return false;
}

/* ---- Writing ---- */

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * The labels of series @x of @view, from the opening brace to the last
 * label's closing quote, at @p (LABELS_MAX bytes): the end of them.
 */
#define LABELS_MAX	(PROM_LABEL_MAX + 3 * U64_TEXT + 48)

static char *labels(char *p, const struct snapshot *s, unsigned int view, const struct series *x)
{
	if (view == VIEW_CGROUP) {
		p = APPEND_LITERAL(p, "{cgroup_id=\"");
		p = append_u64(p, x->t.cgroup);
	} else if (view == VIEW_COMM) {
		p = APPEND_LITERAL(p, "{comm=\"");
		p = append(p, x->comm, strlen(x->comm));
	} else {
		p = APPEND_LITERAL(p, "{pid=\"");
		p = append_u64(p, x->t.pid);
		p = APPEND_LITERAL(p, "\",start=\"");
		p = append_u64(p, x->t.start);
	}
	*p++ = '"';
	if (view == VIEW_TASK && s->col_cgroup >= 0) {
		p = APPEND_LITERAL(p, ",cgroup_id=\"");
		p = append_u64(p, x->t.cgroup);
		*p++ = '"';
	}
	return p;
}

/* cowstat_cgroup_info or cowstat_task_info: what a series' ids stand for. */
static void info(FILE *f, const struct export_in *in, const struct snapshot *s,
		 unsigned int view, const struct series *x, int n)
{
	char comm[PROM_LABEL_MAX], line[LABELS_MAX];
	const char *path;
	int i;

	if (view == VIEW_CGROUP)
		family(f, "cowstat_cgroup_info", "gauge",
		       "A cgroup's path by its id, to join on cgroup_id; a removed cgroup keeps the path it had (with --state), or \"\" if it had none.");
	else
		family(f, "cowstat_task_info", "gauge",
		       "A task's process (tgid) and name, to join on pid, start and cgroup_id.");
	for (i = 0; i < n; i++) {
		fputs(view == VIEW_CGROUP ? "cowstat_cgroup_info" : "cowstat_task_info", f);
		fwrite_unlocked(line, 1, labels(line, s, view, &x[i]) - line, f);
		if (view == VIEW_CGROUP) {
			path = cgroup_known_path(x[i].t.cgroup);
			if (in->state)
				path = export_state_path(in->state, x[i].t.cgroup, path);
			long_label(f, "cgroup", path ? path : "");
		} else {
			comm_label(&x[i].t, comm);
			fputs(",tgid=\"", f);
			put_u64(f, x[i].t.tgid);
			fputs("\",comm=\"", f);
			fputs(comm, f);
			fputc('"', f);
		}
		fputs("} 1\n", f);
	}
}

/*
 * The families of @view: an info, then one per counter column.  Their
 * lines are built in a chunk of EXPORT_CHUNK bytes and written a chunk at
 * a time: one stdio call a line was a third of export -t's time.
 */
#define EXPORT_CHUNK	(1 << 16)

static void write_view(FILE *f, const struct export_in *in, const struct snapshot *s,
		       const struct view *v, struct series *x, int n)
{
	struct column_metric metrics[COWSTAT_MAX_COLS];
	int cols[COWSTAT_MAX_COLS], ncols = exported_columns(s, cols, metrics), j, i;
	char name[160], help[512], *out = xmalloc(EXPORT_CHUNK), *p;
	size_t name_len, line_max;
	uint64_t value;

	if (v->flag != VIEW_COMM)
		info(f, in, s, v->flag, x, n);
	for (j = 0; j < ncols; j++) {
		snprintf(name, sizeof(name), "%s%s%s", v->prefix, metrics[j].name, v->suffix);
		snprintf(help, sizeof(help), "%s%s", metrics[j].help, v->help);
		family(f, name, v->type, help);
		name_len = strlen(name);
		line_max = name_len + LABELS_MAX + U64_TEXT + 2;
		for (i = 0, p = out; i < n; i++) {
			value = x[i].t.v[cols[j]];
			if (x[i].guarded)
				value = kept_counter(in->state, v->flag, &x[i], s->t.cols[cols[j]],
						     value, metrics[j].wraps32);
			if ((size_t)(out + EXPORT_CHUNK - p) < line_max) {
				/* unlocked: the tool has one thread */
				fwrite_unlocked(out, 1, p - out, f);
				p = out;
			}
			p = append(p, name, name_len);
			p = labels(p, s, v->flag, &x[i]);
			p = APPEND_LITERAL(p, "} ");
			p = append_u64(p, value);
			*p++ = '\n';
		}
		fwrite_unlocked(out, 1, p - out, f);
	}
	free(out);
}

/* A figure of the version line of @s as a family, if it has it. */
static void write_figure(FILE *f, const struct export_in *in, const struct snapshot *s,
			 const char *key, const char *name, const char *type, const char *help)
{
	uint64_t v;

	if (figure(s, key, &v) <= 0)
		return;		/* a figure this module does not give */
	if (in->state && !strcmp(type, "counter"))
		v = export_state_counter(in->state, "module", name, v, false);
	family(f, name, type, help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

/* cowstat_info, cowstat_reset_time_seconds, and the figures of each table read. */
static void write_module(FILE *f, const struct export_in *in, const struct snapshot *first,
			 bool have_reset, uint64_t reset)
{
	const struct snapshot *tables[2] = { in->tasks, in->cgroups }, *s;
	uint64_t dropped;
	char list[1024];
	unsigned int i, t;

	probes(first, list, sizeof(list));
	family(f, "cowstat_info", "gauge",
	       "The cowstat tool's version, the format of /proc/cowstat, and the probes attached.");
	fprintf(f, "cowstat_info{version=\"%s\",format=\"%d\",probes=\"", COWSTAT_VERSION,
		first->t.version);
	prometheus_label(f, list);
	fputs("\"} 1\n", f);
	if (have_reset) {
		family(f, "cowstat_reset_time_seconds", "gauge",
		       "When the counters last started from zero, the module's load or its last reset, in seconds since the epoch.");
		fprintf(f, "cowstat_reset_time_seconds %.3f\n", reset / 1e9 + in->clock_offset);
	}
	/* The same figure in both tables: once, from the first that has it. */
	t = tables[0] && figure(tables[0], "dropped", &dropped) > 0 ? 0 : 1;
	if (tables[t])
		write_figure(f, in, tables[t], "dropped", "cowstat_dropped_total", "counter",
			     DROPPED_HELP);
	for (i = 0; i < ARRAY_LEN(figures); i++) {
		s = figures[i].cgroups ? in->cgroups : in->tasks;
		if (s)
			write_figure(f, in, s, figures[i].key, figures[i].name, figures[i].type,
				     figures[i].help);
	}
}

/*
 * @in's views of its tables in the text format, to @f: 0, or -E2BIG, with
 * nothing written, when a view has more than @in->max_series series, and
 * the reason in @error.
 */
int prometheus_write(FILE *f, const struct export_in *in, char *error, size_t size)
{
	const struct snapshot *first = in->tasks ? in->tasks : in->cgroups, *s;
	struct series *x[ARRAY_LEN(views)] = { NULL };
	int n[ARRAY_LEN(views)] = { 0 }, ret = 0;
	bool have_reset = false, have;
	struct keep_ctx keep = { .views = in->views };
	unsigned int v;
	uint64_t reset = 0, ns;

	for (v = 0; v < 2; v++) {	/* the later of the two, if a reset came between */
		s = v ? in->cgroups : in->tasks;
		have = s && reset_ns(s, &ns);
		reset = have && (!have_reset || ns > reset) ? ns : reset;
		have_reset = have_reset || have;
	}
	for (v = 0; v < ARRAY_LEN(views); v++) {
		if (!(in->views & views[v].flag))
			continue;
		s = views[v].flag == VIEW_CGROUP ? in->cgroups : in->tasks;
		x[v] = xmalloc((s->t.nrows + 1) * sizeof(*x[v]));
		n[v] = build_series(s, views[v].flag, x[v]);
		if (in->max_series && n[v] > in->max_series && !ret) {
			snprintf(error, size, "%d series per family, one per %s, more than --max-series %ld",
				 n[v], views[v].each, in->max_series);
			ret = -E2BIG;
		}
	}
	if (!ret) {
		if (in->state)
			export_state_begin(in->state, have_reset, reset);
		write_module(f, in, first, have_reset, reset);
		for (v = 0; v < ARRAY_LEN(views); v++) {
			if (!x[v])
				continue;
			s = views[v].flag == VIEW_CGROUP ? in->cgroups : in->tasks;
			guard(in->state, views[v].flag, x[v], n[v]);
			write_view(f, in, s, &views[v], x[v], n[v]);
			if (views[v].flag == VIEW_TASK) {
				keep.tasks = x[v];
				keep.nr_tasks = n[v];
			}
		}
		if (in->state)
			export_state_keep(in->state, keep_series, &keep);
	}
	for (v = 0; v < ARRAY_LEN(views); v++) {
		while (x[v] && n[v]--)
			free(x[v][n[v]].comm);
		free(x[v]);
	}
	return ret;
}

/* ---- The command ---- */

/*
 * A file to write in place of @path, whole or not at all: a file beside
 * it, which replace_file() renames over it.  Its name, in @tmp, does not
 * end in .prom, so that the textfile collector never reads it.
 */
static FILE *open_beside(const char *path, mode_t mode, const char *opt, char **tmp)
{
	FILE *f;
	int fd, err;

	if (asprintf(tmp, "%s.XXXXXX", path) < 0)
		fatal(EXIT_ERROR, "out of memory");
	fd = mkstemp(*tmp);
	if (fd < 0)
		fatal(EXIT_ERROR, "%s %s: cannot create a file beside it: %s", opt, path,
		      strerror(errno));
	f = fchmod(fd, mode) ? NULL : fdopen(fd, "w");
	if (!f) {
		err = errno;
		close(fd);
		unlink(*tmp);
		fatal(EXIT_ERROR, "%s %s: %s", opt, path, strerror(err));
	}
	return f;
}

/* @f, from open_beside(), written whole and renamed over @path; or removed, and exit. */
static void replace_file(FILE *f, char *tmp, const char *path, const char *opt)
{
	int err = 0;

	if (fflush(f) || ferror(f))
		err = errno ? errno : EIO;
	if (!err && fsync(fileno(f)))
		err = errno;
	if (fclose(f) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err) {
		unlink(tmp);
		fatal(EXIT_ERROR, "%s %s: %s", opt, path, strerror(err));
	}
	free(tmp);
}

/* The state @path holds; an empty one if there is no such file yet. */
static struct export_state *read_state(const char *path)
{
	struct export_state *st = export_state_new();
	char *text = cowstat_slurp(path, NULL), error[160];

	if (!text && errno != ENOENT)
		fatal(EXIT_ERROR, "--state %s: %s", path, strerror(errno));
	if (text && export_state_parse(st, text, error, sizeof(error)))
		fatal(EXIT_ERROR, "--state %s: %s: not a state that cowstat export wrote; move it away to start again (its counters may then go down once)",
		      path, error);
	free(text);
	return st;
}

/* A figure of @s that is there but no count: the table is not one to export. */
static void check_figures(const struct snapshot *s, const char *path)
{
	static const char *const keys[] = {
		"tasks", "cgroups", "capacity", "dropped", "evicted", "loaded", "reset",
	};
	unsigned int i;
	uint64_t v;

	for (i = 0; s && i < ARRAY_LEN(keys); i++)
		if (figure(s, keys[i], &v) < 0)
			fatal(EXIT_ERROR, "%s is not a valid cowstat table: line 1: %s= is not a whole number from 0 to 2^64 - 1",
			      path, keys[i]);
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC now, in seconds: the module's times as dates. */
static double clock_offset(void)
{
	struct timespec real, mono;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return (double)(real.tv_sec - mono.tv_sec) + (real.tv_nsec - mono.tv_nsec) / 1e9;
}

/* Long options without a short one. */
enum { OPT_CGROUPS_FILE = 256, OPT_STATE, OPT_PROMETHEUS, OPT_OUTPUT };

static void usage(FILE *f)
{
	fprintf(f,
"usage: cowstat export --prometheus [options]\n"
"\n"
"Print the table in the Prometheus text format, for node_exporter's\n"
"textfile collector: counters that only go up until the module's load or\n"
"reset (cowstat_reset_time_seconds).\n"
"\n"
"      --prometheus     the Prometheus text format (the only format so far)\n"
"  -G, --by-cgroup      counters per cgroup, labelled cgroup_id, from\n"
"                       %s, exited tasks included, and\n"
"                       cowstat_cgroup_info{cgroup_id,cgroup} with the path\n"
"                       (the default)\n"
"  -t, --threads        counters per task and cgroup, labelled pid, start\n"
"                       and cgroup_id, and cowstat_task_info with tgid and\n"
"                       comm (--per-task, as before, is the same)\n"
"  -C, --by-comm        gauges per comm of the rows in %s\n"
"                       (the default with -f alone, or an older module)\n"
"                       Give several of -G, -t and -C for several views.\n"
"  -m, --max-series N   refuse, writing nothing, if a view has more than N\n"
"                       series per family (default: no bound)\n"
"      --output FILE    write FILE whole or not at all (a file beside it,\n"
"                       renamed), readable by all, instead of standard output\n"
"      --state FILE     keep in FILE what the next export needs: counters\n"
"                       never go down then, and a removed cgroup keeps its path\n"
"  -f, --file FILE      read a saved table instead of %s\n"
"      --cgroups-file FILE\n"
"                       read a saved table instead of %s\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n", COWSTAT_CGROUPS_PROC, COWSTAT_PROC,
		COWSTAT_PROC, COWSTAT_CGROUPS_PROC);
}

/*
 * By cgroup unless asked otherwise, or unless only -f FILE names a table
 * (a saved /proc/cowstat, as before there were cgroups), or the module is
 * one without /proc/cowstat_cgroups: then by comm, as cowstat 1.0 did.
 */
static unsigned int default_view(bool file_given, bool cgroups_file_given)
{
	if (file_given && !cgroups_file_given)
		return VIEW_COMM;
	if (!cgroups_file_given && access(COWSTAT_CGROUPS_PROC, F_OK) &&
	    !access(COWSTAT_PROC, F_OK)) {
		fprintf(stderr, "cowstat: note: no %s (a module older than format 2): gauges per comm\n",
			COWSTAT_CGROUPS_PROC);
		return VIEW_COMM;
	}
	return VIEW_CGROUP;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prometheus",	no_argument,		NULL, OPT_PROMETHEUS },
		{ "by-cgroup",	no_argument,		NULL, 'G' },
		{ "by-comm",	no_argument,		NULL, 'C' },
		{ "threads",	no_argument,		NULL, 't' },
		{ "per-task",	no_argument,		NULL, 't' },
		{ "max-series",	required_argument,	NULL, 'm' },
		{ "output",	required_argument,	NULL, OPT_OUTPUT },
		{ "state",	required_argument,	NULL, OPT_STATE },
		{ "file",	required_argument,	NULL, 'f' },
		{ "cgroups-file", required_argument,	NULL, OPT_CGROUPS_FILE },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 },
	};
	bool prometheus = false, file = false, cgroups_file = false;
	const char *output = NULL, *state_path = NULL;
	struct snapshot tasks, cgroups;
	struct export_in in = { 0 };
	char error[160], *tmp = NULL;
	FILE *f;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "pGCtm:f:hV", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_PROMETHEUS:
			prometheus = true;
			break;
		case 'p':	/* once --prometheus; now -p means one thing in every command */
			fatal(EXIT_USAGE, "export: -p selects processes, in show, top and run; the format is --prometheus");
		case 'G':
			in.views |= VIEW_CGROUP;
			break;
		case 'C':
			in.views |= VIEW_COMM;
			break;
		case 't':
			in.views |= VIEW_TASK;
			break;
		case 'm':
			in.max_series = parse_count("--max-series", optarg, 1, 100000000);
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		case OPT_STATE:
			state_path = optarg;
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
		fatal(EXIT_USAGE, "export: which format? --prometheus is the only one so far");
	if (!in.views)
		in.views = default_view(file, cgroups_file);
	if (in.views & VIEW_CGROUP) {
		cgroups_load(&cgroups);
		check_figures(&cgroups, cowstat_cgroups_path);
		in.cgroups = &cgroups;
	}
	if (in.views & (VIEW_TASK | VIEW_COMM)) {
		snapshot_load(&tasks);
		check_figures(&tasks, cowstat_proc_path);
		in.tasks = &tasks;
	}
	in.clock_offset = clock_offset();
	in.state = state_path ? read_state(state_path) : NULL;
	/*
	 * Written as it is made, not held: per task, a 1M-row table makes
	 * a gigabyte of text.  prometheus_write() refuses before it writes.
	 */
	f = output ? open_beside(output, 0644, "--output", &tmp) : stdout;
	if (prometheus_write(f, &in, error, sizeof(error))) {
		if (output)
			unlink(tmp);
		fatal(EXIT_ERROR, "export: %s: nothing written", error);
	}
	if (output)
		replace_file(f, tmp, output, "--output");
	else if (fflush(stdout) || ferror(stdout))
		fatal(EXIT_ERROR, "standard output: %s", strerror(errno));
	if (in.state) {
		f = open_beside(state_path, 0600, "--state", &tmp);
		export_state_format(in.state, f);
		replace_file(f, tmp, state_path, "--state");
		export_state_free(in.state);
	}
	if (in.cgroups)
		snapshot_free(&cgroups);
	if (in.tasks)
		snapshot_free(&tasks);
	return EXIT_OK;
}
