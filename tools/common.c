// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat(8): what every subcommand shares -- errors, reading
 * /proc/cowstat into a snapshot, and printing rows as a table, TSV or JSON.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cowstat.h"

const char *cowstat_proc_path = COWSTAT_PROC;

/* ---- Errors and memory ---- */

void fatal(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("cowstat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

void *xmalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p)
		fatal(EXIT_ERROR, "out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		fatal(EXIT_ERROR, "out of memory");
	return p;
}

/* A whole decimal number from @min to @max for option @opt, or exit 2. */
long parse_count(const char *opt, const char *arg, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (!*arg || *end || arg[0] == '-' || arg[0] == '+' || arg[0] == ' ' || errno ||
	    v < min || v > max)
		fatal(EXIT_USAGE, "%s %s: expected a whole number from %ld to %ld", opt, arg,
		      min, max);
	return v;
}

/* Length of the valid UTF-8 sequence at @s (1 to 4 bytes), 0 if none. */
int utf8_len(const unsigned char *s)
{
	unsigned int cp, min;
	int len, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;	/* overlong, beyond Unicode, or a surrogate */
	return len;
}

/* -h, -V and unknown options, alike in every subcommand: the exit code. */
int common_option(int opt, void (*usage)(FILE *f))
{
	if (opt == 'h') {
		usage(stdout);
		return EXIT_OK;
	}
	if (opt == 'V') {
		printf("cowstat %s\n", COWSTAT_VERSION);
		return EXIT_OK;
	}
	usage(stderr);
	return EXIT_USAGE;
}

/* ---- Snapshots ---- */

static const char *const fixed_cols[] = {
	"pid", "tgid", "ppid", "uid", "start", "state", "comm",
};

bool is_counter_col(const struct snapshot *s, int c)
{
	unsigned int i;

	for (i = 0; i < sizeof(fixed_cols) / sizeof(fixed_cols[0]); i++)
		if (!strcmp(s->t.cols[c], fixed_cols[i]))
			return false;
	return true;
}

/* 0, or -errno: -ENOENT (no module), -EPROTO (not a cowstat table), ... */
int snapshot_read(struct snapshot *s, const char *path)
{
	long long ps;
	int ret;

	memset(s, 0, sizeof(*s));
	s->text = cowstat_slurp(path, NULL);
	if (!s->text)
		return -errno;
	ret = cowstat_table_parse(&s->t, s->text);
	if (ret) {
		free(s->text);
		s->text = NULL;
		return ret;
	}
	ps = cowstat_version_field(&s->t, "page_size");
	s->page_size = ps > 0 ? ps : sysconf(_SC_PAGESIZE);
	s->comm = cowstat_col(&s->t, "comm");
	return 0;
}

void snapshot_load(struct snapshot *s)
{
	int ret = snapshot_read(s, cowstat_proc_path);

	if (ret == -ENOENT && !strcmp(cowstat_proc_path, COWSTAT_PROC))
		fatal(EXIT_NOMODULE, "%s not found: load the module first (sudo insmod cowstat.ko, or sudo modprobe cowstat)",
		      COWSTAT_PROC);
	if (ret == -EPROTO)
		fatal(EXIT_ERROR, "%s is not a cowstat table", cowstat_proc_path);
	if (ret)
		fatal(ret == -EACCES || ret == -ENOENT ? EXIT_NOMODULE : EXIT_ERROR,
		      "%s: %s", cowstat_proc_path, strerror(-ret));
	if (s->t.version != 1)
		fprintf(stderr, "cowstat: note: %s has format %d; this cowstat knows format 1 and shows its columns as they are\n",
			cowstat_proc_path, s->t.version);
}

void snapshot_free(struct snapshot *s)
{
	cowstat_table_free(&s->t);
	free(s->text);
	s->text = NULL;
}

uint64_t row_u64(const struct snapshot *s, int r, const char *col)
{
	return cowstat_get(&s->t, r, col);
}

/* Row of the task (@pid, @start), or -1. */
int find_row(const struct snapshot *s, pid_t pid, uint64_t start)
{
	int r;

	for (r = 0; r < s->t.nrows; r++)
		if (row_u64(s, r, "pid") == (uint64_t)pid && row_u64(s, r, "start") == start)
			return r;
	return -1;
}

void tally_row(const struct snapshot *s, int r, struct tally *out)
{
	const char *state;
	int c;

	memset(out, 0, sizeof(*out));
	out->pid = row_u64(s, r, "pid");
	out->tgid = row_u64(s, r, "tgid");
	out->ppid = row_u64(s, r, "ppid");
	out->start = row_u64(s, r, "start");
	c = cowstat_col(&s->t, "state");
	state = c >= 0 ? cowstat_field(&s->t, r, c) : "?";
	out->state = state[0];
	if (s->comm >= 0) {
		snprintf(out->comm_raw, sizeof(out->comm_raw), "%s",
			 cowstat_field(&s->t, r, s->comm));
		cowstat_unescape(out->comm_raw, out->comm, sizeof(out->comm));
	}
	out->threads = 1;
	for (c = 0; c < s->t.ncols; c++)
		if (is_counter_col(s, c))
			out->v[c] = cowstat_u64(&s->t, r, c);
}

void tally_add(const struct snapshot *s, struct tally *sum, const struct tally *t)
{
	int c;

	for (c = 0; c < s->t.ncols; c++)
		sum->v[c] += t->v[c];
	sum->threads += t->threads;
	if (t->state == 'R')
		sum->state = 'R';
}

/* ---- Selecting and ordering ---- */

bool tally_matches(const struct tally *t, const struct row_filter *f)
{
	return (!f->pid || t->pid == f->pid) && (!f->tgid || t->tgid == f->tgid) &&
	       (!f->comm || !strcmp(t->comm, f->comm));
}

/* Sum the rows of each thread group into its first row; returns the count. */
int merge_by_process(const struct snapshot *s, struct tally *rows, int n)
{
	int i, j, out = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < out; j++)
			if (rows[j].tgid == rows[i].tgid)
				break;
		if (j < out) {
			tally_add(s, &rows[j], &rows[i]);
			if (rows[i].pid == rows[i].tgid) {
				memcpy(rows[j].comm, rows[i].comm, sizeof(rows[j].comm));
				memcpy(rows[j].comm_raw, rows[i].comm_raw,
				       sizeof(rows[j].comm_raw));
			}
		} else {
			rows[out++] = rows[i];
		}
	}
	return out;
}

/*
 * Column index for --sort: a counter, or -1 for pid, tgid, start and comm.
 * @name NULL is the default: bytes, or faults where the module has no
 * bytes column (mode=faults).
 */
int sort_column(const struct snapshot *s, const char *name)
{
	int c;

	if (!name)
		name = cowstat_col(&s->t, "bytes") >= 0 ? "bytes" : "faults";
	c = cowstat_col(&s->t, name);

	if (c >= 0 && is_counter_col(s, c))
		return c;
	if (!strcmp(name, "pid") || !strcmp(name, "tgid") || !strcmp(name, "start") ||
	    !strcmp(name, "comm"))
		return -1;
	fatal(EXIT_USAGE, "--sort %s: no such column (see the header of %s)", name,
	      cowstat_proc_path);
}

static int sort_col;
static const char *sort_name;

static int cmp_tally(const void *pa, const void *pb)
{
	const struct tally *a = pa, *b = pb;

	if (sort_col >= 0) {
		if (a->v[sort_col] != b->v[sort_col])
			return a->v[sort_col] < b->v[sort_col] ? 1 : -1;
	} else if (!strcmp(sort_name, "comm")) {
		int d = strcmp(a->comm, b->comm);

		if (d)
			return d;
	} else if (!strcmp(sort_name, "start") && a->start != b->start) {
		return a->start < b->start ? -1 : 1;
	} else if (!strcmp(sort_name, "tgid") && a->tgid != b->tgid) {
		return a->tgid < b->tgid ? -1 : 1;
	}
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

/* Counters sort largest first; pid, tgid, start and comm ascending. */
void sort_tallies(struct tally *rows, int n, int col, const char *name)
{
	sort_col = col;
	sort_name = name;
	qsort(rows, n, sizeof(*rows), cmp_tally);
}

/* ---- Output ---- */

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

void json_string(FILE *f, const char *s)
{
	unsigned char c;

	fputc('"', f);
	for (; (c = *s); s++) {
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void print_json(FILE *f, const struct snapshot *s, const struct tally *rows, int n,
		       const char *first_label)
{
	int i, c;

	fprintf(f, "{\"version\":%d,\"page_size\":%ld,\"rows\":[", s->t.version, s->page_size);
	for (i = 0; i < n; i++) {
		const struct tally *t = &rows[i];

		fprintf(f, "%s{\"%s\":%d", i ? "," : "", first_label,
		       !strcmp(first_label, "tgid") ? t->tgid : t->pid);
		if (strcmp(first_label, "tgid"))
			fprintf(f, ",\"tgid\":%d,\"ppid\":%d,\"start\":%llu", t->tgid, t->ppid,
			       (unsigned long long)t->start);
		else
			fprintf(f, ",\"threads\":%d", t->threads);
		fprintf(f, ",\"state\":\"%c\",\"comm\":", t->state);
		json_string(f, t->comm);
		for (c = 0; c < s->t.ncols; c++)
			if (is_counter_col(s, c))
				fprintf(f, ",\"%s\":%llu", s->t.cols[c], (unsigned long long)t->v[c]);
		fprintf(f, "}");
	}
	fprintf(f, "]}\n");
}

/* The leading columns: the header's names when @t is NULL. */
static void print_label(FILE *f, const struct tally *t, bool tsv, bool by_process)
{
	if (by_process && !t)
		fprintf(f, tsv ? "tgid\tthreads\tstate" : "%7s %7s %5s", "tgid", "threads", "state");
	else if (!t)
		fprintf(f, tsv ? "pid\ttgid\tppid\tstate" : "%7s %7s %7s %5s",
			"pid", "tgid", "ppid", "state");
	else if (by_process)
		fprintf(f, tsv ? "%d\t%d\t%c" : "%7d %7d %5c", t->tgid, t->threads, t->state);
	else
		fprintf(f, tsv ? "%d\t%d\t%d\t%c" : "%7d %7d %7d %5c",
		       t->pid, t->tgid, t->ppid, t->state);
}

static void print_total_label(FILE *f, const struct tally *total, bool tsv, bool by_process)
{
	if (by_process && tsv)
		fprintf(f, "total\t%d\t-", total->threads);
	else if (by_process)
		fprintf(f, "%7s %7d %5s", "total", total->threads, "-");
	else if (tsv)
		fprintf(f, "total\t-\t-\t-");
	else
		fprintf(f, "%7s %7s %7s %5s", "total", "-", "-", "-");
}

/*
 * Rows as a table for people (aligned, sizes in K/M/G) or as TSV for
 * scripts (a header, raw numbers, a total row), or as JSON.
 */
void print_tallies(FILE *f, const struct snapshot *s, const struct tally *rows, int n,
		   bool json, bool tsv, bool human, const char *first_label)
{
	bool by_process = !strcmp(first_label, "tgid");
	int bytes = cowstat_col(&s->t, "bytes");
	int width[COWSTAT_MAX_COLS] = { 0 };
	struct tally total;
	char num[32];
	int i, c;

	if (json) {
		print_json(f, s, rows, n, first_label);
		return;
	}
	memset(&total, 0, sizeof(total));
	for (i = 0; i < n; i++)
		tally_add(s, &total, &rows[i]);
	for (c = 0; c < s->t.ncols; c++) {
		if (!is_counter_col(s, c))
			continue;
		width[c] = tsv ? 0 : (int)strlen(s->t.cols[c]);
		snprintf(num, sizeof(num), "%llu", (unsigned long long)total.v[c]);
		if (!tsv && human && c == bytes)
			human_bytes(total.v[c], num, sizeof(num));
		if (!tsv && (int)strlen(num) > width[c])
			width[c] = strlen(num);
	}

	print_label(f, NULL, tsv, by_process);
	for (c = 0; c < s->t.ncols; c++)
		if (is_counter_col(s, c))
			fprintf(f, "%c%*s", tsv ? '\t' : ' ', width[c], s->t.cols[c]);
	fprintf(f, "%ccomm\n", tsv ? '\t' : ' ');

	for (i = 0; i <= n; i++) {
		const struct tally *t = i < n ? &rows[i] : &total;

		if (i < n)
			print_label(f, t, tsv, by_process);
		else
			print_total_label(f, &total, tsv, by_process);
		for (c = 0; c < s->t.ncols; c++) {
			if (!is_counter_col(s, c))
				continue;
			snprintf(num, sizeof(num), "%llu", (unsigned long long)t->v[c]);
			if (!tsv && human && c == bytes)
				human_bytes(t->v[c], num, sizeof(num));
			fprintf(f, "%c%*s", tsv ? '\t' : ' ', width[c], num);
		}
		fprintf(f, "%c%s\n", tsv ? '\t' : ' ', i < n ? t->comm_raw : "-");
	}
}
