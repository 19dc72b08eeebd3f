// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat export --state FILE: what one export remembers for the next.
 *
 * A Prometheus counter must only go up until its process restarts; the
 * module's counters start again from 0 only at a load or a reset, which
 * cowstat_reset_time_seconds tells.  Between those, a figure can still go
 * down: a cgroup's entry forgotten when max_cgroups is full, the older row
 * of a task that moved and came back (or exec'd from a thread) evicted, a
 * 32-bit column wrapping.  So each series keeps the table's figure and the
 * one exported; the next export adds what the table's figure rose by, or,
 * where it went down, nothing (the loss cannot be told from the table),
 * or, for a 32-bit column that wrapped, what it rose by past 2^32.  Paths
 * are kept too, by cgroup id, so that a removed cgroup keeps its path.
 *
 * The file is text, one record a line:
 *
 *   cowstat export state 1
 *   reset NS          CLOCK_MONOTONIC ns of the load or last reset, or "-"
 *   path ID PATH      escaped as the table's comm is (\ooo)
 *   counter KEY COLUMN RAW EXPORTED
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

#define STATE_MAGIC	"cowstat export state 1"

struct memo {
	char		*key;		/* "cgroup=ID", "task=PID,START,CGROUP", "module" */
	char		*col;
	uint64_t	raw;		/* the table's figure at that export */
	uint64_t	exported;	/* and what it printed */
	bool		used;		/* looked up, or kept, in this run */
};

struct path_memo {
	uint64_t	id;
	char		*path;
	bool		used;
};

struct export_state {
	bool			have_reset;
	uint64_t		reset_ns;
	struct memo		*old, *next;
	size_t			nr_old, nr_next;
	struct path_memo	*old_paths, *next_paths;
	size_t			nr_old_paths, nr_next_paths;
};

struct export_state *export_state_new(void)
{
	return xmalloc(sizeof(struct export_state));
}

static void add_memo(struct memo **v, size_t *n, const char *key, const char *col,
		     uint64_t raw, uint64_t exported)
{
	grow(v, *n, sizeof(**v));
	(*v)[(*n)++] = (struct memo){ .key = xstrdup(key), .col = xstrdup(col), .raw = raw,
				      .exported = exported };
}

static void add_path(struct path_memo **v, size_t *n, uint64_t id, const char *path)
{
	grow(v, *n, sizeof(**v));
	(*v)[(*n)++] = (struct path_memo){ .id = id, .path = xstrdup(path) };
}

static int memo_order(const void *pa, const void *pb)
{
	const struct memo *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);

	return c ? c : strcmp(a->col, b->col);
}

static int path_order(const void *pa, const void *pb)
{
	const struct path_memo *a = pa, *b = pb;

	return a->id < b->id ? -1 : a->id > b->id;
}

static struct memo *find_memo(const struct export_state *st, const char *key, const char *col)
{
	struct memo want = { .key = (char *)key, .col = (char *)col };

	return st->nr_old ? bsearch(&want, st->old, st->nr_old, sizeof(want), memo_order) : NULL;
}

static struct path_memo *find_path(const struct export_state *st, uint64_t id)
{
	struct path_memo want = { .id = id };

	return st->nr_old_paths ? bsearch(&want, st->old_paths, st->nr_old_paths, sizeof(want),
					  path_order) : NULL;
}

/* ---- Reading ---- */

/* One line after the first into @st: NULL, or why it is not one of the format. */
static const char *parse_line(struct export_state *st, char *line)
{
	char *f[5], *save = NULL, *rest;
	uint64_t id, raw, exported;
	int n = 0;

	if (!strncmp(line, "path ", 5)) {
		rest = strchr(line + 5, ' ');
		if (!rest)
			return "a path line without a path";
		*rest++ = '\0';
		if (!parse_u64(line + 5, UINT64_MAX, &id) || !*rest)
			return "a path line that is not 'path ID PATH'";
		cowstat_unescape(rest, rest, strlen(rest) + 1);
		add_path(&st->old_paths, &st->nr_old_paths, id, rest);
		return NULL;
	}
	for (rest = strtok_r(line, " ", &save); rest && n < 5; rest = strtok_r(NULL, " ", &save))
		f[n++] = rest;
	if (!n)
		return "an empty line";
	if (!strcmp(f[0], "reset") && n == 2 && !rest) {
		st->have_reset = strcmp(f[1], "-");
		if (st->have_reset && !parse_u64(f[1], UINT64_MAX, &st->reset_ns))
			return "a reset line that is not 'reset NS' or 'reset -'";
		return NULL;
	}
	if (strcmp(f[0], "counter") || n != 5 || rest || !parse_u64(f[3], UINT64_MAX, &raw) ||
	    !parse_u64(f[4], UINT64_MAX, &exported))
		return "not a line of this format: 'counter KEY COLUMN RAW EXPORTED'";
	add_memo(&st->old, &st->nr_old, f[1], f[2], raw, exported);
	return NULL;
}

/*
 * The state in @text, written by export_state_format(), into @st: 0, or -1
 * and which line is wrong, and how, in @error.
 */
int export_state_parse(struct export_state *st, const char *text, char *error, size_t size)
{
	char *copy = xstrdup(text), *line, *next;
	const char *why = NULL;
	int nr = 1;

	line = copy;
	next = strchr(line, '\n');
	if (!next || (size_t)(next - line) != strlen(STATE_MAGIC) ||
	    strncmp(line, STATE_MAGIC, next - line))
		why = "not '" STATE_MAGIC "'";
	for (line = next ? next + 1 : NULL; !why && line && *line; line = next + 1) {
		nr++;
		next = strchr(line, '\n');
		if (!next) {
			why = "no newline at its end: the file was cut short";
			break;
		}
		*next = '\0';
		why = parse_line(st, line);
	}
	free(copy);
	if (why) {
		snprintf(error, size, "line %d: %s", nr, why);
		return -1;
	}
	if (st->nr_old)
		qsort(st->old, st->nr_old, sizeof(*st->old), memo_order);
	if (st->nr_old_paths)
		qsort(st->old_paths, st->nr_old_paths, sizeof(*st->old_paths), path_order);
	return 0;
}

/* ---- This export ---- */

/*
 * The table's load or last reset (@have_reset false: a module that does
 * not say).  Another one than the state's: the counters started again, and
 * what the state held of them is dropped.  Paths stay true.
 */
void export_state_begin(struct export_state *st, bool have_reset, uint64_t reset_ns)
{
	size_t i;

	if (st->have_reset && have_reset && st->reset_ns != reset_ns) {
		for (i = 0; i < st->nr_old; i++) {
			free(st->old[i].key);
			free(st->old[i].col);
		}
		st->nr_old = 0;
	}
	st->have_reset = have_reset;
	st->reset_ns = reset_ns;
}

/*
 * What to export for column @col of series @key, whose figure in the
 * table is @raw (@wraps32: a 32-bit column of the module): the last
 * export's figure plus what @raw rose by since, so never less than it.
 */
uint64_t export_state_counter(struct export_state *st, const char *key, const char *col,
			      uint64_t raw, bool wraps32)
{
	struct memo *m = find_memo(st, key, col);
	uint64_t exported = raw, rise;

	if (m && !m->used) {
		m->used = true;
		if (raw >= m->raw)
			rise = raw - m->raw;
		else if (wraps32 && m->raw <= UINT32_MAX && (uint32_t)(raw - m->raw) < 1u << 31)
			rise = (uint32_t)(raw - m->raw);	/* past 2^32, serial-number order */
		else
			rise = 0;	/* lost in the module: the series stays where it was */
		exported = m->exported + rise < m->exported ? UINT64_MAX : m->exported + rise;
	}
	add_memo(&st->next, &st->nr_next, key, col, raw, exported);
	return exported;
}

/*
 * The path of cgroup @cgroup_id: @live, its directory's now, or the one
 * the state kept; NULL when neither is known.  Kept for the next export.
 */
const char *export_state_path(struct export_state *st, uint64_t cgroup_id, const char *live)
{
	struct path_memo *old = find_path(st, cgroup_id);
	const char *path = live ? live : old ? old->path : NULL;

	if (old)
		old->used = true;
	if (!path)
		return NULL;
	add_path(&st->next_paths, &st->nr_next_paths, cgroup_id, path);
	return st->next_paths[st->nr_next_paths - 1].path;
}

/* Whether the state has a series whose key starts with @key_prefix. */
bool export_state_knows(const struct export_state *st, const char *key_prefix)
{
	size_t lo = 0, hi = st->nr_old, mid, len = strlen(key_prefix);

	while (lo < hi) {	/* the first key not before the prefix */
		mid = (lo + hi) / 2;
		if (strcmp(st->old[mid].key, key_prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < st->nr_old && !strncmp(st->old[lo].key, key_prefix, len);
}

/*
 * Series not in this export that @keep wants remembered still (a cgroup
 * whose directory is there, a task with other rows): carried as they were,
 * with their paths.
 */
void export_state_keep(struct export_state *st, bool (*keep)(const char *key, void *ctx),
		       void *ctx)
{
	char key[32];
	size_t i;

	for (i = 0; i < st->nr_old; i++) {
		struct memo *m = &st->old[i];

		if (m->used || !keep(m->key, ctx))
			continue;
		m->used = true;
		add_memo(&st->next, &st->nr_next, m->key, m->col, m->raw, m->exported);
	}
	for (i = 0; i < st->nr_old_paths; i++) {
		struct path_memo *p = &st->old_paths[i];

		snprintf(key, sizeof(key), "cgroup=%llu", (unsigned long long)p->id);
		if (p->used || !keep(key, ctx))
			continue;
		p->used = true;
		add_path(&st->next_paths, &st->nr_next_paths, p->id, p->path);
	}
}

/* The state for the next export, as export_state_parse() reads it. */
void export_state_format(struct export_state *st, FILE *f)
{
	size_t i, size;
	char *escaped;

	if (st->nr_next)
		qsort(st->next, st->nr_next, sizeof(*st->next), memo_order);
	if (st->nr_next_paths)
		qsort(st->next_paths, st->nr_next_paths, sizeof(*st->next_paths), path_order);
	fprintf(f, STATE_MAGIC "\n");
	if (st->have_reset)
		fprintf(f, "reset %llu\n", (unsigned long long)st->reset_ns);
	else
		fprintf(f, "reset -\n");
	for (i = 0; i < st->nr_next_paths; i++) {
		size = strlen(st->next_paths[i].path) * 4 + 6;	/* each byte as \ooo, and more */
		escaped = xmalloc(size);
		path_escape(st->next_paths[i].path, escaped, size);
		fprintf(f, "path %llu %s\n", (unsigned long long)st->next_paths[i].id, escaped);
		free(escaped);
	}
	for (i = 0; i < st->nr_next; i++)
		fprintf(f, "counter %s %s %llu %llu\n", st->next[i].key, st->next[i].col,
			(unsigned long long)st->next[i].raw,
			(unsigned long long)st->next[i].exported);
}

static void free_memos(struct memo *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].col);
	}
	free(v);
}

static void free_paths(struct path_memo *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

void export_state_free(struct export_state *st)
{
	if (!st)
		return;
	free_memos(st->old, st->nr_old);
	free_memos(st->next, st->nr_next);
	free_paths(st->old_paths, st->nr_old_paths);
	free_paths(st->next_paths, st->nr_next_paths);
	free(st);
}
