// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat(8): /proc/cowstat or /proc/cowstat_cgroups, or a table saved
 * from them, read into a snapshot and checked, strictly.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot.h"

const char *cowstat_proc_path = COWSTAT_PROC;
const char *cowstat_cgroups_path = COWSTAT_CGROUPS_PROC;

/* ---- Snapshots ---- */

static const char *const fixed_cols[] = {
	"pid", "tgid", "ppid", "uid", "start", "cgroup", "state", "comm",
};

bool is_counter_col(const struct snapshot *s, int c)
{
	return s->counter[c];
}

/* ---- Parsing, strictly ---- */

/*
 * The shared parser (cowstat_table.h) trusts the module; a table given with
 * -f can hold anything.  These checks run around it, so that every number
 * the tool prints is one the table holds, or the tool says why not.
 */

static int bad_table(struct snapshot *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad_table(struct snapshot *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return -EPROTO;
}

static const char *const known_counters[] = {
	"faults", "copies", "reuses", "shared", "unshare", "other", "zero", "ksm", "thp",
	"hugetlb", "remote", "bytes", "large", "thp_zero",
	"tasks",	/* /proc/cowstat_cgroups: task rows counted in the cgroup */
};

static bool in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(name, list[i]))
			return true;
	return false;
}

/*
 * The columns a view shows after its leading ones: the counters, and the
 * columns of text this tool does not know (a newer format's), as they are.
 */
bool is_shown_col(const struct snapshot *s, int c)
{
	return s->counter[c] ||
	       !in_list(s->t.cols[c], fixed_cols, sizeof(fixed_cols) / sizeof(fixed_cols[0]));
}

/* The largest value column @name may hold; 0 for a column of text. */
static uint64_t column_max(const char *name)
{
	if (!strcmp(name, "pid") || !strcmp(name, "tgid") || !strcmp(name, "ppid"))
		return INT32_MAX;	/* pid_t */
	if (!strcmp(name, "uid"))
		return UINT32_MAX;
	if (in_list(name, fixed_cols, sizeof(fixed_cols) / sizeof(fixed_cols[0])) &&
	    strcmp(name, "start") && strcmp(name, "cgroup"))
		return 0;
	return UINT64_MAX;
}

/* Numbers that identify rather than count: never summed. */
static bool is_id_col(const char *name)
{
	return !strcmp(name, "start") || !strcmp(name, "cgroup");
}

/*
 * Lines: no NUL, no control bytes but tab, CRLF read as LF, N fields each.
 * The rows after the header into @rows.
 */
static int check_lines(struct snapshot *s, char *text, size_t len, int *rows)
{
	char *p, *q, *nl, *cr = memchr(text, '\r', len);
	int line = 1, fields = 0, ncols = 0;

	/* drop the CR of each CRLF, from the first CR on */
	for (p = q = cr ? cr : text + len; p < text + len; p++) {
		if (*p == '\r' && p + 1 < text + len && p[1] == '\n')
			continue;
		*q++ = *p;
	}
	*q = '\0';
	len = q - text;
	for (p = text; p < text + len; p = nl + 1, line++) {
		nl = memchr(p, '\n', text + len - p);
		if (!nl && line > 2 && !memchr(p, '\0', text + len - p))
			return bad_table(s, "line %d: no newline at its end: the table was cut short",
					 line);
		if (!nl)
			break;		/* the version line or header: see snapshot_parse() */
		for (fields = 1, q = p; q < nl; q++) {
			if (*q == '\t')
				fields++;
			else if ((unsigned char)*q < 0x20)
				return bad_table(s, "line %d: a %s byte", line,
						 *q ? "control" : "NUL");
		}
		if (line == 2)
			ncols = fields;
		if (line == 2 && ncols > COWSTAT_MAX_COLS)
			return bad_table(s, "line 2: %d columns, more than %d", ncols,
					 COWSTAT_MAX_COLS);
		if (line > 2 && fields != ncols)
			return bad_table(s, "line %d: %d fields, the header has %d%s", line,
					 fields, ncols, nl + 1 == text + len && fields < ncols ?
					 " (a table cut short?)" : "");
	}
	if (memchr(p, '\0', text + len - p))
		return bad_table(s, "line %d: a NUL byte", line);
	*rows = line > 3 ? line - 3 : 0;
	return 0;
}

/* How a column is read, and the first row that fails its checks. */
struct column_check {
	uint64_t	max;		/* column_max() */
	uint64_t	sum;		/* of a counter, so far */
	bool		known;		/* a column this tool knows */
	bool		number;		/* read as numbers */
	bool		nonzero;	/* pid, tgid */
	bool		state;
	int		bad_row;	/* -1: none yet */
	const char	*bad_field;
	enum { BAD_NUMBER, BAD_ZERO, BAD_TOTAL, BAD_STATE } bad;
};

/* What each column of @s is: a counter, a number, text; which text is kept. */
static void plan_columns(struct snapshot *s, struct column_check *ck)
{
	const struct cowstat_table *t = &s->t;
	const char *name;
	int c;

	for (c = 0; c < t->ncols; c++) {
		name = t->cols[c];
		ck[c].max = column_max(name);
		ck[c].known = ck[c].max != UINT64_MAX || is_id_col(name) ||
			      in_list(name, known_counters,
				      sizeof(known_counters) / sizeof(known_counters[0]));
		/*
		 * A column this tool does not know is a counter if it holds
		 * numbers only, but only in the formats it knows: the format
		 * goes up when a column that is not a counter is added.
		 */
		s->counter[c] = ck[c].max == UINT64_MAX && !is_id_col(name) &&
				(ck[c].known || t->version <= COWSTAT_FORMAT);
		ck[c].number = ck[c].max && (ck[c].known || s->counter[c]);
		ck[c].nonzero = !strcmp(name, "pid") || !strcmp(name, "tgid");
		ck[c].state = !strcmp(name, "state");
		ck[c].bad_row = -1;
		ck[c].sum = 0;
		/* comm, and what may turn out to be text: kept as text */
		s->text_slot[c] = !strcmp(name, "comm") || !ck[c].known ? s->ntext++ : -1;
	}
}

static void column_fails(struct column_check *ck, int r, const char *f, int how)
{
	ck->bad_row = r;
	ck->bad_field = f;
	ck->bad = how;
}

/* Field @f of row @r in column @ck (@c of @s), checked, into @num. */
static void read_field(struct snapshot *s, struct column_check *ck, int c, int r,
		       const char *f, uint64_t *num)
{
	uint64_t v;

	if (ck->state) {
		if (!f[0] || f[1])
			column_fails(ck, r, f, BAD_STATE);
		*num = (unsigned char)f[0];
		return;
	}
	if (!ck->number || ck->bad_row >= 0)
		return;
	if (!parse_u64(f, ck->max, &v)) {
		if (ck->known) {
			column_fails(ck, r, f, BAD_NUMBER);
			return;
		}
		s->counter[c] = false;	/* a column of text after all */
		ck->number = false;
		return;
	}
	if (!v && ck->nonzero)
		column_fails(ck, r, f, BAD_ZERO);
	else if (s->counter[c] && __builtin_add_overflow(ck->sum, v, &ck->sum))
		column_fails(ck, r, f, BAD_TOTAL);
	else
		*num = v;
}

/*
 * The first failure, in the order of the columns, then of the rows: a
 * column named twice, or the first field of a column that fails.
 */
static int first_failure(struct snapshot *s, const struct column_check *ck)
{
	const struct cowstat_table *t = &s->t;
	unsigned long long max;
	int c, d, r;

	for (c = 0; c < t->ncols; c++) {
		for (d = 0; d < c; d++)
			if (!strcmp(t->cols[c], t->cols[d]))
				return bad_table(s, "line 2: column '%s' twice", t->cols[c]);
		r = ck[c].bad_row;
		max = ck[c].max;
		if (r < 0)
			continue;
		if (ck[c].bad == BAD_STATE)
			return bad_table(s, "line %d: state '%s' is not one character", r + 3,
					 ck[c].bad_field);
		if (ck[c].bad == BAD_NUMBER)
			return bad_table(s, "line %d: %s '%s' is not a number from 0 to %llu",
					 r + 3, t->cols[c], ck[c].bad_field, max);
		if (ck[c].bad == BAD_ZERO)
			return bad_table(s, "line %d: %s 0", r + 3, t->cols[c]);
		return bad_table(s, "column %s: its total exceeds 2^64 - 1", t->cols[c]);
	}
	return 0;
}

/*
 * The next row at *@pos split in place into @fields, and *@pos past it.
 * check_lines() has made sure that each line has @ncols fields, so this
 * is one pass over the bytes, where cowstat_next_row()'s strchr() call a
 * field, on fields of a few bytes, took a tenth of show's time.
 */
static void split_row(char **pos, char **fields, int ncols)
{
	char *p = *pos;
	int c = 0;

	fields[c++] = p;
	for (;; p++) {
		if (*p == '\t') {
			*p = '\0';
			if (c < ncols)
				fields[c++] = p + 1;
		} else if (*p == '\n') {
			*p = '\0';
			break;
		}
	}
	*pos = p + 1;
}

/*
 * The @nrows rows at @rows, read straight into numbers, checked: numbers
 * in range, a one-letter state, totals within 64 bits.  Only the columns
 * of text keep a pointer to theirs.
 */
static int read_rows(struct snapshot *s, char *rows, int nrows)
{
	struct cowstat_table *t = &s->t;
	struct column_check ck[COWSTAT_MAX_COLS];
	char *f[COWSTAT_MAX_COLS], **text;
	uint64_t *num;
	int r, c;

	if (t->version < 1)
		return bad_table(s, "line 1: no format version after 'cowstat'");
	plan_columns(s, ck);
	s->num = calloc((size_t)nrows * t->ncols + 1, sizeof(*s->num));
	s->text_fields = malloc(((size_t)nrows * s->ntext + 1) * sizeof(*s->text_fields));
	if (!s->num || !s->text_fields)
		return -ENOMEM;
	advise_huge(s->num, ((size_t)nrows * t->ncols + 1) * sizeof(*s->num));
	advise_huge(s->text_fields, ((size_t)nrows * s->ntext + 1) * sizeof(*s->text_fields));
	for (r = 0; r < nrows; r++) {
		split_row(&rows, f, t->ncols);
		num = s->num + (size_t)r * t->ncols;
		text = s->text_fields + (size_t)r * s->ntext;
		for (c = 0; c < t->ncols; c++) {
			if (s->text_slot[c] >= 0)
				text[s->text_slot[c]] = f[c];
			read_field(s, &ck[c], c, r, f[c], &num[c]);
		}
	}
	t->nrows = r;
	return first_failure(s, ck);
}

/* The first field of line 2, the header: "pid", or "cgroup" for /proc/cowstat_cgroups. */
static bool header_starts_with(const char *text, const char *name)
{
	const char *header = strchr(text, '\n');
	size_t len = strlen(name);

	return header && !strncmp(header + 1, name, len) &&
	       (header[1 + len] == '\t' || header[1 + len] == '\n');
}

/* 0 if @text starts as a cowstat table does, or -EPROTO and which line does not, and how. */
static int check_start(struct snapshot *s, const char *text)
{
	const char *header = strchr(text, '\n');
	int len = strcspn(text, "\n");

	if (strncmp(text, "cowstat ", 8))
		return bad_table(s, "line 1: '%.*s' is not a version line such as 'cowstat 2 tasks=...'",
				 len > 40 ? 40 : len, text);
	if (!header || !strchr(header + 1, '\n'))
		return bad_table(s, "line 2: no complete header line: the table was cut short");
	len = strcspn(header + 1, "\t\n");
	if (!header_starts_with(text, "pid") && !header_starts_with(text, "cgroup"))
		return bad_table(s, "line 2: a header that starts with '%.*s', not 'pid' or 'cgroup'",
				 len > 40 ? 40 : len, header + 1);
	return 0;
}

/*
 * Parse @text (@len bytes, NUL-terminated) into @s, in place: /proc/cowstat
 * or /proc/cowstat_cgroups, which the header tells apart.  0, -ENOMEM, or
 * -EPROTO with the reason in @s->error.
 */
int snapshot_parse(struct snapshot *s, char *text, size_t len)
{
	char *rows = NULL;
	long long ps;
	int ret, nrows = 0;

	memset(s, 0, sizeof(*s));
	s->text = text;
	s->room = calloc(1, sizeof(*s->room));
	if (!s->room)
		return -ENOMEM;
	ret = check_lines(s, text, len, &nrows);
	if (!ret)
		ret = check_start(s, text);
	if (!ret) {
		s->cgroups = header_starts_with(text, "cgroup");
		ret = cowstat_table_header(&s->t, text, s->cgroups ? "cgroup" : "pid", &rows);
	}
	if (!ret)
		ret = read_rows(s, rows, nrows);
	if (ret)
		return ret;
	ps = cowstat_version_field(&s->t, "page_size");
	s->page_size = ps > 0 ? ps : sysconf(_SC_PAGESIZE);
	s->comm = cowstat_col(&s->t, "comm");
	s->col_pid = cowstat_col(&s->t, "pid");
	s->col_tgid = cowstat_col(&s->t, "tgid");
	s->col_ppid = cowstat_col(&s->t, "ppid");
	s->col_uid = cowstat_col(&s->t, "uid");
	s->col_start = cowstat_col(&s->t, "start");
	s->col_state = cowstat_col(&s->t, "state");
	s->col_cgroup = cowstat_col(&s->t, "cgroup");
	return 0;
}

/* 0, or -errno: -ENOENT (no module), -EPROTO (not a cowstat table), ... */
int snapshot_read(struct snapshot *s, const char *path)
{
	size_t len;
	char *text = cowstat_slurp(path, &len);
	int ret;

	memset(s, 0, sizeof(*s));
	if (!text)
		return -errno;
	ret = snapshot_parse(s, text, len);
	if (ret)
		snapshot_free(s);
	return ret;
}

/*
 * A table saved for --since: /proc/cowstat or /proc/cowstat_cgroups as
 * they are, or show -j's JSON, read back as that text.  0, or -errno.
 */
int snapshot_read_saved(struct snapshot *s, const char *path)
{
	size_t len;
	char *text = cowstat_slurp(path, &len), *table;

	memset(s, 0, sizeof(*s));
	if (!text)
		return -errno;
	if (text[strspn(text, " \t\r\n")] == '{') {
		table = json_table_text(text, &len, s->error);
		free(text);
		if (!table)
			return -EPROTO;
		text = table;
	} else if (!strncmp(text, "pid\t", 4) || !strncmp(text, "cgroup_id\t", 10)) {
		free(text);
		return bad_table(s, "line 1: a header, as show -T writes: it has no start to tell a task from an older one of the same pid; save %s itself, or show -j",
				 COWSTAT_PROC);
	}
	if (snapshot_parse(s, text, len)) {
		snapshot_free(s);	/* its error kept */
		return -EPROTO;
	}
	return 0;
}

/* Exit with why @path (/proc/... or a file given with an option) could not be read. */
static void fatal_unreadable(const struct snapshot *s, const char *path, int ret)
{
	if (ret == -EPROTO)
		fatal(EXIT_ERROR, "%s is not a valid cowstat table: %s", path, s->error);
	fatal(EXIT_ERROR, "%s: %s", path, strerror(-ret));
}

/* A table newer than this tool: say once that its new columns are shown as they are. */
static void note_newer_format(const struct snapshot *s, const char *path)
{
	static bool said;

	if (s->t.version > COWSTAT_FORMAT && !said)
		fprintf(stderr, "cowstat: note: %s: line 1: format %d, newer than this cowstat's %d: the columns it does not know are shown as they are, not summed\n",
			path, s->t.version, COWSTAT_FORMAT);
	said = said || s->t.version > COWSTAT_FORMAT;
}

void snapshot_load(struct snapshot *s)
{
	int ret = snapshot_read(s, cowstat_proc_path);

	if (ret == -ENOENT && !strcmp(cowstat_proc_path, COWSTAT_PROC))
		fatal_no_module();
	if (!ret && s->cgroups)
		ret = bad_table(s, "a table of cgroups (give it with --cgroups-file)");
	if (ret)
		fatal_unreadable(s, cowstat_proc_path, ret);
	note_newer_format(s, cowstat_proc_path);
}

/* /proc/cowstat_cgroups, or the --cgroups-file; exits with a clear message. */
void cgroups_load(struct snapshot *s)
{
	int ret = snapshot_read(s, cowstat_cgroups_path);
	bool proc = !strcmp(cowstat_cgroups_path, COWSTAT_CGROUPS_PROC);

	if (ret == -ENOENT && proc && access(COWSTAT_PROC, F_OK))
		fatal_no_module();
	if (ret == -ENOENT && proc)
		fatal(EXIT_ERROR, "%s not found: the loaded cowstat module predates per-cgroup totals (format 2); load a newer one",
		      COWSTAT_CGROUPS_PROC);
	if ((ret == -EPERM || ret == -EACCES) && proc)
		fatal(EXIT_ERROR, "%s: %s (it needs CAP_SYS_ADMIN or CAP_PERFMON)",
		      COWSTAT_CGROUPS_PROC, strerror(-ret));
	if (!ret && !s->cgroups)
		ret = bad_table(s, "a table of tasks, not of cgroups (give it with --file)");
	if (ret)
		fatal_unreadable(s, cowstat_cgroups_path, ret);
	note_newer_format(s, cowstat_cgroups_path);
}

/* Rows of numbers handed out by snapshot_room(), many at a time. */
struct room_chunk {
	struct room_chunk	*next;
	size_t			used, size;	/* numbers */
	uint64_t		v[];
};

/*
 * Room for a row of numbers (ncols of them), zeroed, as long as @s lives:
 * where the tallies of its rows are summed, so that a row no sum touches
 * costs no memory of its own.
 */
uint64_t *snapshot_room(const struct snapshot *s)
{
	size_t ncols = s->t.ncols > 0 ? s->t.ncols : 1, size = ncols * 4096;
	struct room_chunk *chunk = s->room ? *s->room : NULL;

	if (!s->room)
		fatal(EXIT_ERROR, "a snapshot that was never read has no room for sums");
	if (!chunk || chunk->size - chunk->used < ncols) {
		chunk = calloc(1, sizeof(*chunk) + size * sizeof(chunk->v[0]));
		if (!chunk)
			fatal(EXIT_ERROR, "out of memory");
		chunk->size = size;
		chunk->next = *s->room;
		*s->room = chunk;
	}
	chunk->used += ncols;
	return chunk->v + chunk->used - ncols;
}

void snapshot_free(struct snapshot *s)
{
	struct room_chunk *chunk, *next;

	for (chunk = s->room ? *s->room : NULL; chunk; chunk = next) {
		next = chunk->next;
		free(chunk);
	}
	free(s->room);
	s->room = NULL;
	cowstat_table_free(&s->t);
	free(s->text);
	free(s->num);
	free(s->text_fields);
	s->text = NULL;
	s->num = NULL;
	s->text_fields = NULL;
}

/* The number in column @c of row @r, parsed once; 0 for no such column. */
uint64_t snap_u64(const struct snapshot *s, int r, int c)
{
	return c >= 0 ? s->num[(size_t)r * s->t.ncols + c] : 0;
}

uint64_t row_u64(const struct snapshot *s, int r, const char *col)
{
	return snap_u64(s, r, cowstat_col(&s->t, col));
}

/*
 * The text of column @c in row @r: comm, or a column this tool does not
 * know; "" for a column read only as numbers.
 */
const char *snap_text(const struct snapshot *s, int r, int c)
{
	if (c < 0 || s->text_slot[c] < 0)
		return "";
	return s->text_fields[(size_t)r * s->ntext + s->text_slot[c]];
}
