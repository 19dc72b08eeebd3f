// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat(8): rows printed as an aligned table for people, as TSV or as
 * JSON, with the columns of their view or those --columns picks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "print.h"

void human_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char units[] = "KMGTPE";
	double v = bytes;
	int u = -1;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%llu", (unsigned long long)bytes);
	else
		snprintf(buf, size, v < 10 ? "%.1f%ci" : "%.0f%ci", v, units[u]);
	/* "1.5Ki" reads oddly: use the kernel's K/M/G for KiB/MiB/GiB. */
	if (u >= 0)
		buf[strlen(buf) - 1] = '\0';
}

/*
 * @s as a JSON string: valid UTF-8 as it is, control bytes as \u00XX, and
 * each byte that is not UTF-8 as U+FFFD, so the output is always JSON.
 */
void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int len;

	fputc_unlocked('"', f);
	for (len = 0; p[len] >= 0x20 && p[len] < 0x7f && p[len] != '"' && p[len] != '\\'; len++)
		;
	fwrite_unlocked(p, 1, len, f);	/* the printable ASCII it starts with, at once */
	for (p += len; *p; p += len) {
		len = utf8_len(p);
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else if (len)
			fwrite_unlocked(p, 1, len, f);
		else
			fputs_unlocked("\\ufffd", f);
		len = len ? len : 1;
	}
	fputc_unlocked('"', f);
}

/* "key":number, or "key":null for a figure the version line lacks. */
static void json_version_field(FILE *f, const struct snapshot *s, const char *key)
{
	long long v = cowstat_version_field(&s->t, key);

	if (v < 0)
		fprintf(f, ",\"%s\":null", key);
	else
		fprintf(f, ",\"%s\":%lld", key, v);
}

/* The probes=a,b,c of the version line as a JSON array. */
static void json_probes(FILE *f, const struct snapshot *s)
{
	const char *p = strstr(s->t.version_line, " probes=");
	char name[128];
	size_t len;

	fputs(",\"probes\":[", f);
	for (p = p ? p + 8 : ""; *p && *p != ' '; p += len + (p[len] == ',')) {
		len = strcspn(p, ", ");
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		if (name[0])
			json_string(f, name);
		if (p[len] == ',' && p[len + 1] && p[len + 1] != ' ')
			fputc(',', f);
	}
	fputc(']', f);
}

/*
 * The ,"column": keys of the shown columns of @s, made once for all the
 * rows: is_shown_col() and json_string() for every field of a million
 * rows were a fifth of show -j's time.
 */
struct json_keys {
	int	n;
	int	col[COWSTAT_MAX_COLS];
	char	*key[COWSTAT_MAX_COLS];
	size_t	len[COWSTAT_MAX_COLS];
};

static void json_keys_make(const struct snapshot *s, struct json_keys *k)
{
	FILE *f;
	int c;

	for (c = 0, k->n = 0; c < s->t.ncols; c++) {
		if (!is_shown_col(s, c))
			continue;
		f = open_memstream(&k->key[k->n], &k->len[k->n]);
		if (!f)
			fatal(EXIT_ERROR, "out of memory");
		fputc(',', f);
		json_string(f, s->t.cols[c]);
		fputc(':', f);
		if (fclose(f))
			fatal(EXIT_ERROR, "out of memory");
		k->col[k->n++] = c;
	}
}

static void json_keys_free(struct json_keys *k)
{
	while (k->n)
		free(k->key[--k->n]);
}

/* The shown columns of @t as ,"column":value pairs: numbers, or text (null: of several rows). */
static void json_counters(FILE *f, const struct snapshot *s, const struct json_keys *k,
			  const struct tally *t)
{
	int i, c;

	for (i = 0; i < k->n; i++) {
		c = k->col[i];
		fwrite_unlocked(k->key[i], 1, k->len[i], f);
		if (is_counter_col(s, c))
			put_u64(f, t->v[c]);
		else if (t->row >= 0)
			json_string(f, snap_text(s, t->row, c));
		else
			fputs_unlocked("null", f);
	}
}

/*
 * "cgroup_id":N,"cgroup":"path","removed":false.  The path is null for a
 * cgroup with no directory, where "removed" is true, and where there is no
 * cgroup2 mount to tell, where it is null too; rows of several cgroups
 * (--by-comm) have id 0, and a null path.
 */
void json_cgroup(FILE *f, const struct tally *t)
{
	const char *path = t->cgroup ? cgroup_known_path(t->cgroup) : NULL;

	fputs_unlocked("\"cgroup_id\":", f);
	put_u64(f, t->cgroup);
	fputs_unlocked(",\"cgroup\":", f);
	if (path)
		json_string(f, path);
	else
		fputs_unlocked("null", f);
	fputs_unlocked(",\"removed\":", f);
	fputs_unlocked(!t->cgroup || path ? "false" : cgroup_tree_read() ? "true" : "null", f);
}

/* "pid":N,...,"comm":"...", then the cgroup fields if the table has them. */
void json_task_fields(FILE *f, const struct snapshot *s, const struct tally *t)
{
	char state[2] = { t->state, '\0' }, comm[COMM_MAX], ids[128], *p = ids;

	/* by hand, not fprintf: a third of show -j's time was printf's */
	p = APPEND_LITERAL(p, "\"pid\":");
	p = append_i64(p, t->pid);
	p = APPEND_LITERAL(p, ",\"tgid\":");
	p = append_i64(p, t->tgid);
	p = APPEND_LITERAL(p, ",\"ppid\":");
	p = append_i64(p, t->ppid);
	p = APPEND_LITERAL(p, ",\"uid\":");
	p = append_u64(p, t->uid);
	p = APPEND_LITERAL(p, ",\"start\":");
	p = append_u64(p, t->start);
	p = APPEND_LITERAL(p, ",\"threads\":");
	p = append_i64(p, t->threads);
	p = APPEND_LITERAL(p, ",\"state\":");
	fwrite_unlocked(ids, 1, p - ids, f);
	json_string(f, state);
	fputs_unlocked(",\"comm\":", f);
	tally_comm(t, comm);
	json_string(f, comm);
	if (s->col_cgroup >= 0) {
		fputc_unlocked(',', f);
		json_cgroup(f, t);
	}
}

/*
 * One object: the table's figures, then rows with the same keys whether
 * per task or per process (a process's pid, ppid, uid, start and cgroup are
 * its main thread's), or per cgroup, then the totals.
 */
static void print_json(FILE *f, const struct snapshot *s, const struct tally *rows, int n,
		       const struct tally *total, const struct print_opts *o)
{
	struct json_keys keys;
	int i;

	json_keys_make(s, &keys);
	fprintf(f, "{\"version\":%d,\"page_size\":%ld", s->t.version, s->page_size);
	json_version_field(f, s, s->cgroups ? "cgroups" : "tasks");
	json_version_field(f, s, "capacity");
	json_version_field(f, s, "dropped");
	json_version_field(f, s, "evicted");
	json_version_field(f, s, "loaded");
	json_version_field(f, s, "reset");
	json_probes(f, s);
	if (o->cgroup) {
		fputs(",\"cgroup\":", f);
		json_string(f, o->cgroup);
	}
	if (o->json_run)
		fputs(o->json_run, f);
	fputs(",\"rows\":[", f);
	for (i = 0; i < n; i++) {
		const struct tally *t = &rows[i];

		fputs_unlocked(i ? ",{" : "{", f);
		if (s->cgroups) {
			json_cgroup(f, t);
			json_counters(f, s, &keys, t);
			fputc_unlocked('}', f);
			continue;
		}
		json_task_fields(f, s, t);
		json_counters(f, s, &keys, t);
		fputc_unlocked('}', f);
	}
	fputc(']', f);
	if (o->total) {
		fprintf(f, ",\"totals\":{\"of\":\"%s\",\"rows\":%d",
			o->total_of_part ? "shown" : "all", n);
		if (!s->cgroups)
			fprintf(f, ",\"threads\":%d", total->threads);
		json_counters(f, s, &keys, total);
		fputc('}', f);
	}
	fputs("}\n", f);
	json_keys_free(&keys);
}

/*
 * The total row's first field: "total" when it sums every row of the
 * table, "total(shown)" when a filter or --top left rows out of it.
 */
const char *total_label(const struct print_opts *o)
{
	return o->total_of_part ? "total(shown)" : "total";
}

/*
 * @sep (if not 0), then @text right-aligned in @width: printf's "%c%*s",
 * for every cell of a table, by hand and unlocked (the tool has one thread).
 */
static void put_cell(FILE *f, char sep, int width, const char *text)
{
	static const char spaces[] = "                                ";
	int pad = width - (int)strlen(text), part;

	if (sep)
		fputc_unlocked(sep, f);
	for (; pad > 0; pad -= part) {
		part = pad < (int)sizeof(spaces) - 1 ? pad : (int)sizeof(spaces) - 1;
		fwrite_unlocked(spaces, 1, part, f);
	}
	fputs_unlocked(text, f);
}

/* put_cell() of a number: "%c%*lld". */
static void put_number_cell(FILE *f, char sep, int width, int64_t v)
{
	char text[U64_TEXT + 1];

	*append_i64(text, v) = '\0';
	put_cell(f, sep, width, text);
}

/* A task's leading columns: "%*d %7d %7d %5u %5c", or in TSV "%d\t%d\t%d\t%u\t%c". */
static void task_label(FILE *f, const struct tally *t, int lead, bool tsv)
{
	char sep = tsv ? '\t' : ' ';

	put_number_cell(f, 0, lead, t->pid);
	put_number_cell(f, sep, tsv ? 0 : 7, t->tgid);
	put_number_cell(f, sep, tsv ? 0 : 7, t->ppid);
	put_number_cell(f, sep, tsv ? 0 : 5, t->uid);
	put_cell(f, sep, tsv ? 0 : 4, "");
	fputc_unlocked(t->state, f);
}

/*
 * The leading columns of each view: their names (@t NULL), a row's, or the
 * total's.  @lead is the first column's width: 0 in TSV, and in the table
 * wide enough for the total's label.
 */
static void print_label(FILE *f, const struct tally *t, bool total, int lead,
			const struct print_opts *o)
{
	bool tsv = o->format == FORMAT_TSV;
	const char *label = total ? total_label(o) : NULL;

	switch (o->by) {
	case BY_PROCESS:
		if (!t)
			fprintf(f, tsv ? "%*s\tthreads\tuid\tstate" : "%*s %7s %5s %5s", lead,
				"tgid", "threads", "uid", "state");
		else if (total)
			fprintf(f, tsv ? "%*s\t%d\t-\t-" : "%*s %7d %5s %5s", lead, label,
				t->threads, "-", "-");
		else
			fprintf(f, tsv ? "%*d\t%d\t%u\t%c" : "%*d %7d %5u %5c", lead, t->tgid,
				t->threads, t->uid, t->state);
		break;
	case BY_COMM:
		if (!t)
			fprintf(f, tsv ? "%*s\tstate" : "%*s %5s", lead, "tasks", "state");
		else if (total)
			fprintf(f, tsv ? "%*s\t-" : "%*s %5s", lead, label, "-");
		else
			fprintf(f, tsv ? "%*d\t%c" : "%*d %5c", lead, t->threads, t->state);
		break;
	case BY_CGROUP:
		if (!t)
			fprintf(f, "%*s", lead, "cgroup_id");
		else if (total)
			fprintf(f, "%*s", lead, label);
		else
			fprintf(f, "%*llu", lead, (unsigned long long)t->cgroup);
		break;
	default:
		if (!t)
			fprintf(f, tsv ? "%*s\ttgid\tppid\tuid\tstate" : "%*s %7s %7s %5s %5s",
				lead, "pid", "tgid", "ppid", "uid", "state");
		else if (total)
			fprintf(f, tsv ? "%*s\t-\t-\t-\t-" : "%*s %7s %7s %5s %5s", lead, label,
				"-", "-", "-", "-");
		else		/* a million rows: by hand, not printf */
			task_label(f, t, lead, tsv);
	}
}

/* --color: the header and the total bold, live tasks that copied in yellow. */
#define COLOR_HEADER	"\033[1m"
#define COLOR_TOTAL	"\033[1m"
#define COLOR_LIVE	"\033[33m"
#define COLOR_OFF	"\033[0m"

/* Whether to colour for --color=@when (NULL: auto) on stream @fd. */
bool use_color(const char *when, int fd)
{
	if (!when || !strcmp(when, "auto"))
		return isatty(fd) && !getenv("NO_COLOR") &&
		       strcmp(getenv("TERM") ? getenv("TERM") : "dumb", "dumb");
	if (!strcmp(when, "always"))
		return true;
	if (!strcmp(when, "never"))
		return false;
	fatal(EXIT_USAGE, "--color=%s: expected auto, always or never", when);
}

/*
 * Column @c of @t as text: a counter raw, or in K/M/G, in @buf; a column of
 * text as it is, "-" for a row of several.  snprintf, as a decimal
 * formatter of our own saved only 120 -> 89 ms of a 32,768-row show.
 */
static const char *cell(const struct snapshot *s, const struct tally *t, int c, bool human,
			char *buf, size_t size)
{
	if (!is_counter_col(s, c))
		return t->row >= 0 ? snap_text(s, t->row, c) : "-";
	if (!human && size >= U64_TEXT)
		return u64_text(t->v[c], buf);
	if (human)
		human_bytes(t->v[c], buf, size);
	else
		snprintf(buf, size, "%llu", (unsigned long long)t->v[c]);
	return buf;
}

/* ---- --columns: the columns a person picks, in the order given ---- */

#define VIEW(by)	(1u << (by))
#define TASKS		(VIEW(BY_TASK) | VIEW(BY_PROCESS))

static const struct {
	const char	*name;
	int		col;
	unsigned int	views;		/* VIEW(BY_*): where the column has a meaning */
} named_cols[] = {
	{ "pid",	COL_PID,	VIEW(BY_TASK) },
	{ "tgid",	COL_TGID,	TASKS },
	{ "ppid",	COL_PPID,	TASKS },
	{ "uid",	COL_UID,	TASKS },
	{ "start",	COL_START,	TASKS },
	{ "age",	COL_AGE,	TASKS },
	{ "state",	COL_STATE,	TASKS | VIEW(BY_COMM) },
	{ "threads",	COL_THREADS,	VIEW(BY_PROCESS) },
	{ "tasks",	COL_THREADS,	VIEW(BY_COMM) },
	{ "cgroup_id",	COL_CGROUP_ID,	TASKS | VIEW(BY_CGROUP) },
	{ "cgroup",	COL_CGROUP,	TASKS | VIEW(BY_CGROUP) },
	{ "comm",	COL_COMM,	TASKS | VIEW(BY_COMM) },
};

#define NAMED_COLS	((int)(sizeof(named_cols) / sizeof(named_cols[0])))

/* The name of --columns column @col, as its header shows it. */
static const char *column_name(const struct snapshot *s, int col, const struct print_opts *o)
{
	int i;

	if (col >= 0)
		return s->t.cols[col];
	for (i = 0; i < NAMED_COLS; i++)
		if (named_cols[i].col == col && named_cols[i].views & VIEW(o->by))
			return named_cols[i].name;
	return "?";
}

/* Whether named_cols[@i] is a column of view @o->by of @s: cgroups since format 2. */
static bool named_col_in(const struct snapshot *s, int i, const struct print_opts *o)
{
	bool cgroup = named_cols[i].col == COL_CGROUP || named_cols[i].col == COL_CGROUP_ID;

	return named_cols[i].views & VIEW(o->by) && (!cgroup || s->col_cgroup >= 0 || s->cgroups);
}

/* The column @name in view @o->by: a COL_* key, a column index, or 0 (none). */
static int column_of(const struct snapshot *s, const char *name, const struct print_opts *o)
{
	int i, c = cowstat_col(&s->t, name);

	for (i = 0; i < NAMED_COLS; i++)
		if (!strcmp(name, named_cols[i].name) && named_col_in(s, i, o))
			return named_cols[i].col;
	return c >= 0 && is_shown_col(s, c) ? c : 0;
}

/*
 * --columns @list (a comma list, as ps -o takes) into @o; a name that is no
 * column of this view is an error that lists the valid ones.
 */
void parse_columns(const struct snapshot *s, char *list, struct print_opts *o)
{
	char valid[1024] = "", *name, *save = NULL;
	int i, c, col;

	for (name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		col = column_of(s, name, o);
		if (col && o->ncols < COWSTAT_MAX_COLS) {
			o->cols[o->ncols++] = col;
			continue;
		}
		for (i = 0; i < NAMED_COLS; i++)
			if (named_col_in(s, i, o))
				snprintf(valid + strlen(valid), sizeof(valid) - strlen(valid),
					 "%s%s", *valid ? "," : "", named_cols[i].name);
		for (c = 0; c < s->t.ncols; c++)
			if (is_shown_col(s, c))
				snprintf(valid + strlen(valid), sizeof(valid) - strlen(valid),
					 ",%s", s->t.cols[c]);
		fatal(EXIT_USAGE, "--columns %s: %s; valid columns: %s", name,
		      col ? "more columns than 64" : "no such column in this view", valid);
	}
	if (!o->ncols)
		fatal(EXIT_USAGE, "--columns: no column named");
}

/* @ns as ps shows an elapsed time: [[DD-]HH:]MM:SS. */
void format_age(uint64_t ns, char *buf, size_t size)
{
	unsigned long long sec = ns / 1000000000ull;
	unsigned long long d = sec / 86400, h = sec / 3600 % 24, m = sec / 60 % 60;

	if (d)
		snprintf(buf, size, "%llu-%02llu:%02llu:%02llu", d, h, m, sec % 60);
	else if (h)
		snprintf(buf, size, "%02llu:%02llu:%02llu", h, m, sec % 60);
	else
		snprintf(buf, size, "%02llu:%02llu", m, sec % 60);
}

/*
 * Column @col of @t (@total: the total row) as text in @buf, of @size
 * bytes: CGROUP_PATH_ESCAPED_MAX for a cgroup.  Raw in TSV and --raw; an age
 * raw is in nanoseconds, as start is.
 */
const char *column_cell(const struct snapshot *s, const struct tally *t, int col, bool total,
			const struct print_opts *o, char *buf, size_t size)
{
	bool human = o->format == FORMAT_TABLE && o->human;
	uint64_t v;

	if (col >= 0)
		return cell(s, t, col, human && !strcmp(s->t.cols[col], "bytes"), buf, size);
	if (total && col != COL_THREADS)
		return "-";
	switch (col) {		/* the text, or a number into v */
	case COL_STATE:
		snprintf(buf, size, "%c", t->state);
		return buf;
	case COL_CGROUP:
		cgroup_path_escaped(t->cgroup, buf, size);
		return buf;
	case COL_COMM:
		return t->comm_raw;
	case COL_AGE:
		v = o->now > t->start ? o->now - t->start : 0;
		if (human) {
			format_age(v, buf, size);
			return buf;
		}
		break;
	case COL_PID:
		v = t->pid;
		break;
	case COL_TGID:
		v = t->tgid;
		break;
	case COL_PPID:
		v = t->ppid;
		break;
	case COL_UID:
		v = t->uid;
		break;
	case COL_START:
		v = t->start;
		break;
	case COL_THREADS:
		v = t->threads;
		break;
	default:
		v = t->cgroup;		/* COL_CGROUP_ID */
	}
	snprintf(buf, size, "%llu", (unsigned long long)v);
	return buf;
}

/* The --columns cell of row @i (-1: the header, @n: the total) and column @j. */
static const char *columns_text(const struct snapshot *s, const struct tally *rows, int n,
				const struct tally *total, int i, int j,
				const struct print_opts *o, char *buf)
{
	int col = o->cols[j];

	if (i < 0)
		return column_name(s, col, o);
	if (i == n && !j && col < 0)
		return total_label(o);
	return column_cell(s, i < n ? &rows[i] : total, col, i == n, o, buf,
			   CGROUP_PATH_ESCAPED_MAX);
}

/*
 * The --columns table or TSV: each column in the order given, numbers to
 * the right and names (comm, cgroup) to the left; the total row's label in
 * the first column, if that is not a counter.
 */
static void print_columns(FILE *f, const struct snapshot *s, const struct tally *rows, int n,
			  const struct tally *total, const struct print_opts *o)
{
	int width[COWSTAT_MAX_COLS] = { 0 }, first = o->header ? -1 : 0, i, j, len;
	bool tsv = o->format == FORMAT_TSV, left, bold;
	char *buf = xmalloc(CGROUP_PATH_ESCAPED_MAX);

	for (i = first; i < n + o->total && !tsv; i++) {	/* the widest of all cells */
		for (j = 0; j < o->ncols; j++) {
			len = strlen(columns_text(s, rows, n, total, i, j, o, buf));
			if (len > width[j])
				width[j] = len;
		}
	}
	for (i = first; i < n + o->total; i++) {
		bold = o->color && (i < 0 || i == n);
		fputs(bold ? COLOR_HEADER : "", f);
		for (j = 0; j < o->ncols; j++) {
			left = o->cols[j] == COL_COMM || o->cols[j] == COL_CGROUP;
			fprintf(f, "%s%*s", j ? tsv ? "\t" : " " : "",
				j + 1 == o->ncols && left ? 0 : left ? -width[j] : width[j],
				columns_text(s, rows, n, total, i, j, o, buf));
		}
		fprintf(f, "%s\n", bold ? COLOR_OFF : "");
	}
	free(buf);
}

/*
 * Rows as a table for people (aligned, sizes in K/M/G) or as TSV for
 * scripts (a header, raw numbers), or as JSON; the total row as @o asks.
 */
void print_tallies(FILE *f, const struct snapshot *s, const struct tally *rows, int n,
		   const struct print_opts *o)
{
	int bytes = cowstat_col(&s->t, "bytes");
	int width[COWSTAT_MAX_COLS] = { 0 };
	bool shown[COWSTAT_MAX_COLS], tsv = o->format == FORMAT_TSV;
	char num[32], sep = tsv ? '\t' : ' ';
	const char *name_col = o->by == BY_CGROUP ? "cgroup" : "comm";
	char *name = xmalloc(CGROUP_PATH_ESCAPED_MAX);
	struct tally total;
	int i, c, len, lead = tsv ? 0 : o->by == BY_CGROUP ? 9 : 7;

	if (!tsv && o->total && (int)strlen(total_label(o)) > lead)
		lead = strlen(total_label(o));
	tally_zero(s, &total);
	for (i = 0; i < n && !o->total_of; i++)
		tally_add(s, &total, &rows[i]);
	if (o->total_of)
		total = *o->total_of;
	if (o->format == FORMAT_JSON) {
		print_json(f, s, rows, n, &total, o);
		free(name);
		return;
	}
	if (o->ncols) {
		print_columns(f, s, rows, n, &total, o);
		free(name);
		return;
	}
	for (c = 0; c < s->t.ncols; c++)
		shown[c] = is_shown_col(s, c) && !(o->format == FORMAT_TABLE && o->drop_zero &&
						   n && is_counter_col(s, c) && !total.v[c]);
	for (c = 0; c < s->t.ncols && !tsv; c++) {	/* the widest of all cells */
		if (!shown[c])
			continue;
		width[c] = o->header ? strlen(s->t.cols[c]) : 0;
		for (i = 0; i < n + o->total; i++) {
			len = strlen(cell(s, i < n ? &rows[i] : &total, c, o->human && c == bytes,
					  num, sizeof(num)));
			if (len > width[c])
				width[c] = len;
		}
	}

	if (o->header) {
		fputs(o->color ? COLOR_HEADER : "", f);
		print_label(f, NULL, false, lead, o);
		for (c = 0; c < s->t.ncols; c++)
			if (shown[c])
				fprintf(f, "%c%*s", sep, width[c], s->t.cols[c]);
		fprintf(f, "%c%s%s\n", sep, name_col, o->color ? COLOR_OFF : "");
	}
	for (i = 0; i < n + o->total; i++) {
		const struct tally *t = i < n ? &rows[i] : &total;
		bool live_copier = i < n && t->state == 'R' && bytes >= 0 && t->v[bytes];
		const char *on = !o->color ? "" : i == n ? COLOR_TOTAL :
				 live_copier ? COLOR_LIVE : "";

		fputs(on, f);
		print_label(f, t, i == n, lead, o);
		for (c = 0; c < s->t.ncols; c++)
			if (shown[c])
				put_cell(f, sep, width[c],
					 cell(s, t, c, !tsv && o->human && c == bytes,
					      num, sizeof(num)));
		if (i < n && o->by == BY_CGROUP)
			cgroup_path_escaped(t->cgroup, name, CGROUP_PATH_ESCAPED_MAX);
		fputc_unlocked(sep, f);
		fputs_unlocked(i < n && o->by == BY_CGROUP ? name : i < n ? t->comm_raw : "-", f);
		fputs_unlocked(*on ? COLOR_OFF : "", f);
		fputc_unlocked('\n', f);
	}
	free(name);
}
