// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat show -i: a report per interval, as pidstat prints one, of what
 * each row did in it as per-second rates.  The table stamps each line with
 * the time of day and ends with the "Average:" of the whole run; TSV stamps
 * each row in ISO 8601 UTC under one header; JSON is one line per interval,
 * with the increases as counted and the rates beside them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cowstat.h"

#define COLOR_BOLD	"\033[1m"
#define COLOR_LIVE	"\033[33m"	/* a live task that copied, as show colours it */
#define COLOR_OFF	"\033[0m"

/* ---- Columns ---- */

/* Whether column @c of @s follows the leading ones, as show prints it. */
static bool is_view_col(const struct snapshot *s, int c)
{
	return s->counter[c] || (c != s->col_pid && c != s->col_tgid && c != s->col_ppid &&
				 c != s->col_uid && c != s->col_start && c != s->col_state &&
				 c != s->col_cgroup && c != s->comm);
}

/* The names of the --columns columns that are no column of the table. */
static const struct {
	int		col;
	const char	*name;
} label_names[] = {
	{ COL_PID, "pid" }, { COL_TGID, "tgid" }, { COL_PPID, "ppid" }, { COL_UID, "uid" },
	{ COL_START, "start" }, { COL_AGE, "age" }, { COL_STATE, "state" },
	{ COL_THREADS, "threads" }, { COL_COMM, "comm" }, { COL_CGROUP, "cgroup" },
	{ COL_CGROUP_ID, "cgroup_id" },
};

static const char *label_name(int col, const struct print_opts *o)
{
	size_t i;

	if (col == COL_THREADS && o->by == BY_COMM)
		return "tasks";
	for (i = 0; i < sizeof(label_names) / sizeof(label_names[0]); i++)
		if (label_names[i].col == col)
			return label_names[i].name;
	return "?";
}

/*
 * The columns of a report: --columns as given, or the view's own, as show
 * has them (pid, tgid, ppid, uid, state per task...), the table leaving out
 * the counters that are 0 in every row of this report (all of them in a
 * report of no rows: an idle interval is a short line).  Returns the count.
 */
static int report_columns(const struct snapshot *s, const struct tally *total,
			  const struct print_opts *o, int *cols)
{
	static const int task[] = { COL_PID, COL_TGID, COL_PPID, COL_UID, COL_STATE };
	static const int process[] = { COL_TGID, COL_THREADS, COL_UID, COL_STATE };
	static const int comm[] = { COL_THREADS, COL_STATE };
	const int *lead = o->by == BY_PROCESS ? process : o->by == BY_COMM ? comm : task;
	int nlead = o->by == BY_PROCESS ? 4 : o->by == BY_COMM ? 2 : 5;
	int c, ncols = 0;

	if (o->ncols) {
		memcpy(cols, o->cols, o->ncols * sizeof(*cols));
		return o->ncols;
	}
	if (o->by == BY_CGROUP)
		cols[ncols++] = COL_CGROUP_ID;
	else
		for (c = 0; c < nlead; c++)
			cols[ncols++] = lead[c];
	for (c = 0; c < s->t.ncols; c++)
		if (is_view_col(s, c) && !(o->format == FORMAT_TABLE && o->drop_zero &&
					   s->counter[c] && !total->v[c]))
			cols[ncols++] = c;
	cols[ncols++] = o->by == BY_CGROUP ? COL_CGROUP : COL_COMM;
	return ncols;
}

/* The header of column @col: a counter as a rate, "copies/s". */
static const char *column_head(const struct snapshot *s, int col, const struct print_opts *o,
			       char *buf, size_t size)
{
	if (col < 0)
		return label_name(col, o);
	if (!s->counter[col])
		return s->t.cols[col];
	snprintf(buf, size, "%s/s", s->t.cols[col]);
	return buf;
}

/*
 * Column @col of @t as text in @buf (CGROUP_PATH_ESCAPED_MAX bytes): a
 * counter as its rate per second over @elapsed ns, with two decimals as
 * pidstat prints them, bytes/s in K/M/G for people; any other column as
 * show prints it.
 */
static const char *rate_cell(const struct snapshot *s, const struct tally *t, int col,
			     bool total, uint64_t elapsed, const struct print_opts *o, char *buf)
{
	bool human = o->format == FORMAT_TABLE && o->human;
	double rate;

	if (col < 0 || !s->counter[col])
		return column_cell(s, t, col, total, o, buf, CGROUP_PATH_ESCAPED_MAX);
	rate = per_second(t->v[col], elapsed);
	if (human && !strcmp(s->t.cols[col], "bytes"))
		human_bytes((uint64_t)(rate + 0.5), buf, CGROUP_PATH_ESCAPED_MAX);
	else
		snprintf(buf, CGROUP_PATH_ESCAPED_MAX, "%.2f", rate);
	return buf;
}

/* Cell (@i, @j) of a report: @i -1 the header, @n the total. */
static const char *report_cell(const struct rate_report *r, const struct tally *total,
			       const int *cols, int i, int j, const struct print_opts *o,
			       char *buf)
{
	if (i < 0)
		return column_head(r->s, cols[j], o, buf, CGROUP_PATH_ESCAPED_MAX);
	if (i == r->n && !j && cols[j] < 0)
		return total_label(o);
	return rate_cell(r->s, i < r->n ? &r->rows[i] : total, cols[j], i == r->n,
			   r->elapsed, o, buf);
}

/* ---- The table and TSV ---- */

/*
 * A report as lines, each stamped: the table's header on every report,
 * TSV's on the first only, a total row if asked.
 */
static void print_lines(FILE *f, const struct rate_report *r, const struct tally *total,
			const struct print_opts *o)
{
	bool tsv = o->format == FORMAT_TSV, left, bold;
	int cols[COWSTAT_MAX_COLS + 8], width[COWSTAT_MAX_COLS + 8] = { 0 };
	int ncols = report_columns(r->s, total, o, cols);
	int bytes = cowstat_col(&r->s->t, "bytes");
	int first = o->header && (!tsv || r->first) ? -1 : 0, i, j, len;
	char *buf = xmalloc(CGROUP_PATH_ESCAPED_MAX), when[40];
	const char *on;

	if (r->average)
		snprintf(when, sizeof(when), "Average:");
	else if (tsv)
		stamp_utc(r->at, when, sizeof(when));
	else
		stamp_local(r->at, when, sizeof(when));
	for (i = first; i < r->n + o->total && !tsv; i++) {	/* the widest of all cells */
		for (j = 0; j < ncols; j++) {
			len = strlen(report_cell(r, total, cols, i, j, o, buf));
			if (len > width[j])
				width[j] = len;
		}
	}
	if (!tsv && !r->first)
		fputc('\n', f);		/* pidstat's blank line between reports */
	for (i = first; i < r->n + o->total; i++) {
		bold = o->color && (i < 0 || i == r->n);
		on = bold ? COLOR_BOLD : o->color && i < r->n && r->rows[i].state == 'R' &&
		     bytes >= 0 && r->rows[i].v[bytes] ? COLOR_LIVE : "";
		fprintf(f, "%s%s", on, i < 0 && tsv ? "time" : when);
		for (j = 0; j < ncols; j++) {
			left = cols[j] == COL_COMM || cols[j] == COL_CGROUP;
			fprintf(f, "%s%*s", tsv ? "\t" : " ",
				j + 1 == ncols && left ? 0 : left ? -width[j] : width[j],
				report_cell(r, total, cols, i, j, o, buf));
		}
		fprintf(f, "%s\n", *on ? COLOR_OFF : "");
	}
	free(buf);
}

/* ---- JSON ---- */

/*
 * ,"column":increase for each column after the leading ones (text as it
 * is), then ,"per_second":{"column":rate} for the counters.
 */
static void json_columns(FILE *f, const struct snapshot *s, const struct tally *t,
			 uint64_t elapsed)
{
	int c, n = 0;

	for (c = 0; c < s->t.ncols; c++) {
		if (!is_view_col(s, c))
			continue;
		fputc(',', f);
		json_string(f, s->t.cols[c]);
		fputc(':', f);
		if (s->counter[c])
			fprintf(f, "%llu", (unsigned long long)t->v[c]);
		else if (t->row >= 0)
			json_string(f, snap_text(s, t->row, c));
		else
			fputs("null", f);
	}
	fputs(",\"per_second\":{", f);
	for (c = 0; c < s->t.ncols; c++) {
		if (!s->counter[c])
			continue;
		fputs(n++ ? "," : "", f);
		json_string(f, s->t.cols[c]);
		fprintf(f, ":%.3f", per_second(t->v[c], elapsed));
	}
	fputc('}', f);
}

static void print_json_line(FILE *f, const struct rate_report *r, const struct tally *total,
			    const struct print_opts *o)
{
	const struct snapshot *s = r->s;
	char when[40];
	int i;

	stamp_utc(r->at, when, sizeof(when));
	fprintf(f, "{\"time\":\"%s\",\"monotonic_ns\":%llu,\"elapsed_ns\":%llu,\"interval\":%g,\"skipped\":%ld,\"dropped\":",
		when, (unsigned long long)r->at->mono, (unsigned long long)r->elapsed,
		r->interval, r->skipped);
	if (r->dropped < 0)
		fputs("null", f);
	else
		fprintf(f, "%lld", r->dropped);
	fprintf(f, ",\"version\":%d,\"page_size\":%ld,\"rows\":[", s->t.version, s->page_size);
	for (i = 0; i < r->n; i++) {
		const struct tally *t = &r->rows[i];

		fputs(i ? ",{" : "{", f);
		if (s->cgroups) {
			json_cgroup(f, t);
		} else {
			json_task_fields(f, s, t);
		}
		json_columns(f, s, t, r->elapsed);
		fputc('}', f);
	}
	fputc(']', f);
	if (o->total) {
		fprintf(f, ",\"totals\":{\"of\":\"%s\",\"rows\":%d",
			o->total_of_part ? "shown" : "all", r->n);
		if (!s->cgroups)
			fprintf(f, ",\"threads\":%d", total->threads);
		json_columns(f, s, total, r->elapsed);
		fputc('}', f);
	}
	fputs("}\n", f);
}

/* A report: the table, TSV or a JSON line, as @o asks. */
void print_rates(FILE *f, const struct rate_report *r, const struct print_opts *o)
{
	struct tally total;
	int i;

	tally_zero(r->s, &total);
	for (i = 0; i < r->n; i++)
		tally_add(r->s, &total, &r->rows[i]);
	if (o->format == FORMAT_JSON)
		print_json_line(f, r, &total, o);
	else
		print_lines(f, r, &total, o);
}
