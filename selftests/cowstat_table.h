/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parser for /proc/cowstat, shared by the selftests and the cowstat tool.
 *
 * It keys on the header line, never on column positions, so a newer module
 * with more columns still parses; columns this code does not know are kept
 * as strings.  Parsing is in place: the text buffer must outlive the table.
 * /proc/cowstat_cgroups (format 2) has the same layout, keyed by "cgroup".
 */
#ifndef COWSTAT_TABLE_H
#define COWSTAT_TABLE_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COWSTAT_PROC		"/proc/cowstat"
#define COWSTAT_CGROUPS_PROC	"/proc/cowstat_cgroups"
#define COWSTAT_MAX_COLS	64

struct cowstat_table {
	char		*version_line;	/* "cowstat 2 tasks=... probes=..." */
	int		version;
	int		ncols;
	char		*cols[COWSTAT_MAX_COLS];
	int		nrows;
	char		**fields;	/* nrows * ncols field texts */
	size_t		fields_cap;	/* set with @fields to parse without malloc */
	int		fields_owned;
};

/* Field @c of row @r. */
#define cowstat_field(t, r, c)	((t)->fields[(size_t)(r) * (t)->ncols + (c)])

/*
 * The value of field @key in @line, a line of the trace event
 * cowstat:cow_fault as tracefs prints it ("... key=value ..."): up to the
 * next blank, into @val.  False if absent, or longer than @len allows.
 */
static inline bool cowstat_event_field(const char *line, const char *key, char *val,
				       size_t len)
{
	char pat[32];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	if (!p)
		return false;
	p += strlen(pat);
	n = strcspn(p, "\n ");
	if (n >= len)
		return false;
	memcpy(val, p, n);
	val[n] = '\0';
	return true;
}

/* Events the tracefs instance at @instance overwrote before they were read, on all CPUs. */
static inline uint64_t cowstat_trace_overruns(const char *instance)
{
	char path[4096], line[128];
	uint64_t lost = 0;
	FILE *f;
	int cpu;

	for (cpu = 0; ; cpu++) {
		snprintf(path, sizeof(path), "%s/per_cpu/cpu%d/stats", instance, cpu);
		f = fopen(path, "re");
		if (!f)
			break;
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "overrun: ", 9))
				lost += strtoull(line + 9, NULL, 10);
		fclose(f);
	}
	return lost;
}

/* Read all of @path into a NUL-terminated malloc'd buffer; NULL and errno on error. */
static inline char *cowstat_slurp(const char *path, size_t *lenp)
{
	size_t len = 0, size = 1 << 16;
	char *buf = malloc(size), *bigger;
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	for (;;) {
		if (size - len < 4096) {
			bigger = realloc(buf, size * 2);
			if (!bigger)
				goto fail;
			buf = bigger;
			size *= 2;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
fail:
	n = errno;
	close(fd);
	free(buf);
	errno = n;
	return NULL;
}

static inline int cowstat_table_parse(struct cowstat_table *t, char *text);

/*
 * Read @path into @buf (at most @size - 1 bytes) and parse it into @t.  With
 * @t->fields preset this allocates nothing, so a task can read its own row
 * without faulting on memory it has not touched before.
 */
static inline int cowstat_table_load(struct cowstat_table *t, const char *path,
				     char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	if (n < 0)
		return -EIO;
	buf[len] = '\0';
	return cowstat_table_parse(t, buf);
}

/* Split @line at tabs into @fields, at most @max; returns the count. */
static inline int cowstat_split(char *line, char **fields, int max)
{
	int n = 0;

	while (n < max) {
		fields[n++] = line;
		line = strchr(line, '\t');
		if (!line)
			break;
		*line++ = '\0';
	}
	return n;
}

static inline void cowstat_table_free(struct cowstat_table *t)
{
	if (t->fields_owned)
		free(t->fields);
	t->fields = NULL;
	t->fields_owned = 0;
	t->nrows = 0;
}

/*
 * The version line and the header of @text, split in place into @t, which
 * has no rows yet; *@rows is the text after the header.  0, or -EPROTO when
 * the text is not a cowstat table (no version line, or no header starting
 * with @first_col).
 */
static inline int cowstat_table_header(struct cowstat_table *t, char *text,
				       const char *first_col, char **rows)
{
	char *line, *next;

	memset(t, 0, sizeof(*t));
	line = text;
	next = strchr(line, '\n');
	if (!next || strncmp(line, "cowstat ", 8))
		return -EPROTO;
	*next = '\0';
	t->version_line = line;
	t->version = atoi(line + 8);

	line = next + 1;
	next = strchr(line, '\n');
	if (!next)
		return -EPROTO;
	*next = '\0';
	t->ncols = cowstat_split(line, t->cols, COWSTAT_MAX_COLS);
	if (strcmp(t->cols[0], first_col))
		return -EPROTO;
	*rows = next + 1;
	return 0;
}

/*
 * The next row at *@pos split in place into @fields, @ncols of them, and
 * *@pos past it: 1, or 0 at the end.  A row of another width is skipped,
 * and a torn last line is not a row.
 */
static inline int cowstat_next_row(char **pos, char **fields, int ncols)
{
	char *line, *next;

	while (*(line = *pos)) {
		next = strchr(line, '\n');
		if (!next)
			return 0;
		*next = '\0';
		*pos = next + 1;
		if (cowstat_split(line, fields, ncols) == ncols)
			return 1;
	}
	return 0;
}

/*
 * Parse @text in place.  Returns 0, -EPROTO when the text is not a cowstat
 * table (see cowstat_table_header()), or -ENOMEM.  With @t->fields and
 * @t->fields_cap set beforehand it allocates nothing.
 */
static inline int cowstat_table_parse_as(struct cowstat_table *t, char *text,
					 const char *first_col)
{
	char *line, *rows, **fields = t->fields;
	size_t cap = fields ? t->fields_cap : 0, lines = 0;
	int ret = cowstat_table_header(t, text, first_col, &rows);

	if (ret)
		return ret;
	for (line = rows; (line = strchr(line, '\n')); line++)
		lines++;
	if (lines * t->ncols > cap) {
		fields = malloc(lines * t->ncols * sizeof(*fields) + 1);
		if (!fields)
			return -ENOMEM;
		t->fields_owned = 1;
	}
	t->fields = fields;
	while (cowstat_next_row(&rows, &cowstat_field(t, t->nrows, 0), t->ncols))
		t->nrows++;
	return 0;
}

/* /proc/cowstat: the header starts with "pid". */
static inline int cowstat_table_parse(struct cowstat_table *t, char *text)
{
	return cowstat_table_parse_as(t, text, "pid");
}

/* Index of column @name, or -1 if this module does not report it. */
static inline int cowstat_col(const struct cowstat_table *t, const char *name)
{
	int c;

	for (c = 0; c < t->ncols; c++)
		if (!strcmp(t->cols[c], name))
			return c;
	return -1;
}

/* Numeric value of column @c in row @r; 0 for a missing column. */
static inline uint64_t cowstat_u64(const struct cowstat_table *t, int r, int c)
{
	if (c < 0 || c >= t->ncols)
		return 0;
	return strtoull(cowstat_field(t, r, c), NULL, 10);
}

static inline uint64_t cowstat_get(const struct cowstat_table *t, int r,
				   const char *name)
{
	return cowstat_u64(t, r, cowstat_col(t, name));
}

/* A "key=value" number from the version line, or -1 if absent. */
static inline long long cowstat_version_field(const struct cowstat_table *t,
					      const char *key)
{
	size_t klen = strlen(key);
	const char *p = t->version_line;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == t->version_line || p[-1] == ' ') && p[klen] == '=')
			return strtoll(p + klen + 1, NULL, 10);
		p += klen;
	}
	return -1;
}

/*
 * How current a row of a task is: its live row, then its exited one, then
 * the rows it left behind by moving to another cgroup (state M, format 2).
 */
static inline int cowstat_state_rank(const char *state)
{
	return !strcmp(state, "R") ? 2 : strcmp(state, "M") ? 1 : 0;
}

/*
 * The newest row of task @pid (largest start), or -1.  Rows with the same
 * start are the same task: after an exec from a thread, the old leader's
 * exited row; after a move to another cgroup, its M rows.  Of those, the
 * most current.
 */
static inline int cowstat_find(const struct cowstat_table *t, int pid)
{
	int r, best = -1, cpid = cowstat_col(t, "pid"), cstart = cowstat_col(t, "start");
	int cstate = cowstat_col(t, "state");
	uint64_t start;

	for (r = 0; r < t->nrows; r++) {
		if (atoi(cowstat_field(t, r, cpid)) != pid)
			continue;
		start = cowstat_u64(t, r, cstart);
		if (best < 0 || start > cowstat_u64(t, best, cstart) ||
		    (start == cowstat_u64(t, best, cstart) &&
		     cowstat_state_rank(cowstat_field(t, r, cstate)) >
		     cowstat_state_rank(cowstat_field(t, best, cstate))))
			best = r;
	}
	return best;
}

/* Decode a comm escaped as \ooo back into @out (at least 16 bytes). */
static inline void cowstat_unescape(const char *in, char *out, size_t size)
{
	size_t n = 0;

	while (*in && n + 1 < size) {
		if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' &&
		    in[2] >= '0' && in[2] <= '7' && in[3] >= '0' && in[3] <= '7') {
			out[n++] = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
			in += 4;
		} else {
			out[n++] = *in++;
		}
	}
	out[n] = '\0';
}

#endif /* COWSTAT_TABLE_H */
