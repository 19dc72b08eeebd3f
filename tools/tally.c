// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat(8): the rows of a snapshot as tallies, numbers to sum: selected
 * as procps selects, summed per task, process, name or cgroup, and ordered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

/* ---- Rows as numbers ---- */

/* Row @r of @s as a tally: its numbers are the snapshot's, until summed. */
void tally_row(const struct snapshot *s, int r, struct tally *out)
{
	out->pid = snap_u64(s, r, s->col_pid);
	out->tgid = snap_u64(s, r, s->col_tgid);
	out->ppid = snap_u64(s, r, s->col_ppid);
	out->uid = snap_u64(s, r, s->col_uid);
	out->start = snap_u64(s, r, s->col_start);
	out->cgroup = snap_u64(s, r, s->col_cgroup);
	out->state = s->col_state >= 0 ? (char)snap_u64(s, r, s->col_state) : '?';
	out->comm_raw = s->comm >= 0 ? snap_text(s, r, s->comm) : "";
	out->threads = 1;
	out->row = r;
	out->v = s->num + (size_t)r * s->t.ncols;
	out->own = false;
}

/* A tally of no rows, to sum into: the total of none. */
void tally_zero(const struct snapshot *s, struct tally *t)
{
	memset(t, 0, sizeof(*t));
	t->row = -1;
	t->comm_raw = "";
	t->v = snapshot_room(s);
	t->own = true;
}

/* @t's counters copied into room of its own: changing them changes no other tally. */
void tally_own(const struct snapshot *s, struct tally *t)
{
	uint64_t *room = snapshot_room(s);
	int c;

	for (c = 0; c < s->t.ncols; c++)	/* the counters; 0 for the other columns */
		room[c] = is_counter_col(s, c) ? t->v[c] : 0;
	t->v = room;
	t->own = true;
}

/* @t, to change: its counters its own, if they are still the snapshot's. */
static void writable(const struct snapshot *s, struct tally *t)
{
	if (!t->own)
		tally_own(s, t);
}

void tally_add(const struct snapshot *s, struct tally *sum, const struct tally *t)
{
	int c;

	writable(s, sum);
	for (c = 0; c < s->t.ncols; c++)
		sum->v[c] += is_counter_col(s, c) ? t->v[c] : 0;
	sum->threads += t->threads;
	if (t->state == 'R' || sum->state == 'M')	/* M: a task's cgroup left behind */
		sum->state = t->state;
}

/*
 * @t's comm unescaped into @comm (COMM_MAX bytes), from the first 79
 * bytes of its text, as the tool has always read a comm.
 */
void tally_comm(const struct tally *t, char *comm)
{
	char raw[80];

	snprintf(raw, sizeof(raw), "%s", t->comm_raw);
	cowstat_unescape(raw, comm, COMM_MAX);
}

/* ---- Selecting, as procps does ---- */

/* Whether @f leaves any row out. */
bool row_filter_selects(const struct row_filter *f)
{
	return f->pids.n || f->tgids.n || f->uids.n || f->comms.n || f->cgroups;
}

void row_filter_free(struct row_filter *f)
{
	free(f->pids.ids);
	free(f->tgids.ids);
	free(f->uids.ids);
	free(f->comms.names);
	free((void *)f->cgroups);
}

static bool in_ids(const struct id_list *l, uint64_t id)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->ids[i] == id)
			return true;
	return !l->n;
}

/* @comm_raw, a comm as /proc/cowstat writes it, is one of @l, as shown or decoded. */
static bool in_names(const struct name_list *l, const char *comm_raw)
{
	char comm[64];
	int i;

	cowstat_unescape(comm_raw, comm, sizeof(comm));
	for (i = 0; i < l->n; i++)
		if (!strcmp(comm_raw, l->names[i]) || !strcmp(comm, l->names[i]))
			return true;
	return !l->n;
}

/*
 * Whether @f selects task @pid of process @tgid, whose name is
 * @process_comm (as /proc/cowstat writes a comm), in @cgroup; -u aside.
 */
bool row_filter_matches_task(const struct row_filter *f, pid_t pid, pid_t tgid,
			     const char *process_comm, uint64_t cgroup)
{
	/* -p as top's and ps's: a process, so its threads, or one task */
	return (in_ids(&f->pids, pid) || (f->pids.n && in_ids(&f->pids, tgid))) &&
	       in_ids(&f->tgids, tgid) && in_names(&f->comms, process_comm) &&
	       (!f->cgroups || cgroup_set_has(f->cgroups, cgroup));
}

static bool tally_matches(const struct tally *t, const char *process_comm,
			  const struct row_filter *f)
{
	return row_filter_matches_task(f, t->pid, t->tgid, process_comm, t->cgroup) &&
	       in_ids(&f->uids, t->uid);
}

/* ---- One row per task, or per cgroup ---- */

/* Where a row of a snapshot goes: its task (pid, start), or its cgroup. */
struct row_key {
	pid_t		pid;		/* 0 in a table of cgroups */
	uint64_t	start;
	uint64_t	cgroup;		/* only in a table of cgroups */
	int		row;
};

#define CMP(a, b)	((a) < (b) ? -1 : (a) > (b))

static int by_key(const void *pa, const void *pb)
{
	const struct row_key *a = pa, *b = pb;

	if (a->pid != b->pid)
		return CMP(a->pid, b->pid);
	if (a->start != b->start)
		return CMP(a->start, b->start);
	return CMP(a->cgroup, b->cgroup);
}

static void tally_key(const struct tally *t, struct row_key *k)
{
	k->pid = t->pid;
	k->start = t->start;
	k->cgroup = t->pid ? 0 : t->cgroup;
}

/* A row's state, the most current first: R, X, then M (its cgroup left behind). */
static int state_rank(char state)
{
	return state == 'R' ? 2 : state != 'M';
}

/* A main thread's row, by tgid, start, then most current last: whose name a process has. */
struct leader {
	pid_t		tgid;
	uint64_t	start;
	int		rank;		/* state_rank() */
	int		row;
};

static int by_tgid_start_rank(const void *pa, const void *pb)
{
	const struct leader *a = pa, *b = pb;

	if (a->tgid != b->tgid)
		return CMP(a->tgid, b->tgid);
	return a->start != b->start ? CMP(a->start, b->start) : CMP(a->rank, b->rank);
}

struct leaders {
	int		n;
	struct leader	l[];
};

static struct leaders *leaders_of(const struct snapshot *s)
{
	struct leaders *x = xmalloc(sizeof(*x) + (s->t.nrows + 1) * sizeof(x->l[0]));
	struct tally t;
	int r;

	for (r = 0; r < s->t.nrows && s->comm >= 0; r++) {
		tally_row(s, r, &t);
		if (t.pid == t.tgid)
			x->l[x->n++] = (struct leader){ .tgid = t.tgid, .start = t.start,
							.rank = state_rank(t.state), .row = r };
	}
	qsort(x->l, x->n, sizeof(x->l[0]), by_tgid_start_rank);
	return x;
}

/*
 * The comm of @t's process, which ps -C matches: its main thread's, the
 * most current row of the last one to start no later than @t (a tgid can
 * be recycled); @t's own if the table no longer holds it.  O(log n).
 */
static const char *process_comm(const struct snapshot *s, const struct leaders *x,
				const struct tally *t)
{
	int lo = 0, hi = x ? x->n : 0, mid;

	while (lo < hi) {	/* the first main thread after @t's tgid and start */
		mid = (lo + hi) / 2;
		if (x->l[mid].tgid < t->tgid ||
		    (x->l[mid].tgid == t->tgid && x->l[mid].start <= t->start))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && x->l[lo - 1].tgid == t->tgid)
		return snap_text(s, x->l[lo - 1].row, s->comm);
	return t->comm_raw;
}

/*
 * The rows of @s that @f selects (NULL: all) into @rows, summed by key and
 * sorted by it: one per task, its rows (one per cgroup it was in, or the old
 * leader's after an exec from a thread) summed, with the pid, comm and
 * cgroup of its most current row; or one per cgroup.  Returns the count.
 */
int select_tallies(const struct snapshot *s, const struct row_filter *f, struct tally *rows)
{
	struct row_key *keys = xmalloc((s->t.nrows + 1) * sizeof(*keys));
	struct leaders *leaders = f && f->comms.n ? leaders_of(s) : NULL;
	struct tally t, sum;
	int r, n = 0, out = 0;

	for (r = 0; r < s->t.nrows; r++) {
		tally_row(s, r, &t);
		if (f && !tally_matches(&t, process_comm(s, leaders, &t), f))
			continue;
		tally_key(&t, &keys[n]);
		keys[n++].row = r;
	}
	qsort(keys, n, sizeof(*keys), by_key);
	for (r = 0; r < n; r++) {
		tally_row(s, keys[r].row, &t);
		if (!out || by_key(&keys[r - 1], &keys[r])) {
			rows[out++] = t;
			continue;
		}
		sum = rows[out - 1];
		tally_add(s, &sum, &t);
		if (state_rank(t.state) > state_rank(rows[out - 1].state))
			rows[out - 1] = t;	/* the task as it is now */
		rows[out - 1].v = sum.v;
		rows[out - 1].own = sum.own;
		rows[out - 1].state = sum.state;
	}
	free(keys);
	free(leaders);
	return out;
}

/* A snapshot's rows by key, for what each task or cgroup did since. */
struct tally_index {
	int		n;
	struct tally	*rows;
};

/*
 * An index of the rows of @s (NULL: an empty one) that @f selects (NULL:
 * all), for tally_find(): the same rows as the other snapshot's, or a task
 * that moved into a --cgroup subtree would have its time outside deducted.
 */
struct tally_index *tally_index(const struct snapshot *s, const struct row_filter *f)
{
	struct tally_index *x = xmalloc(sizeof(*x));

	x->rows = xmalloc(((s ? s->t.nrows : 0) + 1) * sizeof(*x->rows));
	x->n = s ? select_tallies(s, f, x->rows) : 0;
	return x;
}

static int by_tally_key(const void *pa, const void *pb)
{
	struct row_key a, b;

	tally_key(pa, &a);
	tally_key(pb, &b);
	return by_key(&a, &b);
}

/* The task or cgroup of @key in the index, or NULL: O(log n). */
const struct tally *tally_find(const struct tally_index *x, const struct tally *key)
{
	return bsearch(key, x->rows, x->n, sizeof(x->rows[0]), by_tally_key);
}

void tally_index_free(struct tally_index *x)
{
	if (x)
		free(x->rows);
	free(x);
}

/*
 * @t's counters less those of @then, its task or cgroup in @prev (NULL:
 * none, all are new): what it did since.  A counter that went down was
 * reset and counts from 0; returns the first such column, or -1.
 */
int tally_since(const struct snapshot *s, struct tally *t, const struct snapshot *prev,
		const struct tally *then)
{
	int c, pc, reset = -1;
	uint64_t was;

	if (then)
		writable(s, t);
	for (c = 0; c < s->t.ncols && then; c++) {
		pc = c < prev->t.ncols && !strcmp(prev->t.cols[c], s->t.cols[c]) ? c :
		     cowstat_col(&prev->t, s->t.cols[c]);	/* the same column, mostly */
		was = pc >= 0 && is_counter_col(prev, pc) ? then->v[pc] : 0;
		if (is_counter_col(s, c) && t->v[c] >= was)
			t->v[c] -= was;
		else if (is_counter_col(s, c) && reset < 0)
			reset = c;
	}
	return reset;
}

/* ---- Merging and ordering ---- */

/*
 * Sum the threads of each process into one row, which takes the main
 * thread's pid, ppid, uid, start and comm; returns the count.  A tgid can be
 * recycled: rows ordered by tgid and start, each main thread begins a new
 * process and the threads after it are its own.  O(n log n).
 */
int merge_by_process(const struct snapshot *s, struct tally *rows, int n)
{
	struct tally sum;
	int i, out = 0;

	sort_tallies(rows, n, SORT_TGID_START);
	for (i = 0; i < n; i++) {
		struct tally *p = &rows[out - 1];

		if (!out || p->tgid != rows[i].tgid ||
		    (rows[i].pid == rows[i].tgid && p->pid == p->tgid)) {
			rows[out++] = rows[i];
			continue;
		}
		tally_add(s, p, &rows[i]);
		if (rows[i].pid == rows[i].tgid) {	/* the main thread, after its threads */
			sum = *p;
			*p = rows[i];
			p->v = sum.v;
			p->own = sum.own;
			p->threads = sum.threads;
			p->state = sum.state;
		}
	}
	return out;
}

/*
 * Sum the tasks of each name (the comm as /proc/cowstat shows it) into one
 * row: threads counts them, the state is R if one lives, and pid, tgid,
 * ppid, uid and start, which differ, are 0.  Returns the count.
 */
int merge_by_comm(const struct snapshot *s, struct tally *rows, int n)
{
	int i, out = 0;

	sort_tallies(rows, n, SORT_COMM_RAW);
	for (i = 0; i < n; i++) {
		if (out && !strcmp(rows[out - 1].comm_raw, rows[i].comm_raw)) {
			tally_add(s, &rows[out - 1], &rows[i]);
			continue;
		}
		rows[out] = rows[i];
		rows[out].row = -1;
		rows[out].pid = 0;
		rows[out].tgid = 0;
		rows[out].ppid = 0;
		rows[out].uid = 0;
		rows[out].start = 0;
		rows[out].cgroup = 0;
		out++;
	}
	return out;
}

/* Sum the rows (one per task and cgroup) of each cgroup into one; threads counts them. */
int merge_by_cgroup(const struct snapshot *s, struct tally *rows, int n)
{
	int i, out = 0;

	sort_tallies(rows, n, SORT_CGROUP_ID);
	for (i = 0; i < n; i++) {
		if (out && rows[out - 1].cgroup == rows[i].cgroup)
			tally_add(s, &rows[out - 1], &rows[i]);
		else
			rows[out++] = rows[i];
	}
	return out;
}

static const struct {
	const char	*name;
	int		key;
} fixed_keys[] = {
	{ "pid", SORT_PID }, { "tgid", SORT_TGID }, { "ppid", SORT_PPID }, { "uid", SORT_UID },
	{ "start", SORT_START }, { "state", SORT_STATE }, { "comm", SORT_COMM },
	{ "cgroup", SORT_CGROUP },
};

/*
 * The sort key for --sort @name: a counter's column index, or a SORT_* key
 * for the columns that identify a task.  @name NULL is the default: bytes,
 * or faults where the module has no bytes column (mode=faults).
 */
int sort_column(const struct snapshot *s, const char *name)
{
	unsigned int i;
	int c;

	if (!name)
		name = cowstat_col(&s->t, "bytes") >= 0 ? "bytes" : "faults";
	c = cowstat_col(&s->t, name);
	if (c >= 0 && is_counter_col(s, c))
		return c;
	for (i = 0; c >= 0 && i < sizeof(fixed_keys) / sizeof(fixed_keys[0]); i++)
		if (!strcmp(name, fixed_keys[i].name))
			return fixed_keys[i].key;
	fatal(EXIT_USAGE, "--sort %s: no such column (see the header of %s)", name,
	      s->cgroups ? cowstat_cgroups_path : cowstat_proc_path);
}

static int sort_key;

static int cmp_tally(const void *pa, const void *pb)
{
	const struct tally *a = pa, *b = pb;
	char comm_a[COMM_MAX], comm_b[COMM_MAX];
	int d;

	switch (sort_key) {
	case SORT_PID:
		d = 0;
		break;
	case SORT_TGID:
		d = CMP(a->tgid, b->tgid);
		break;
	case SORT_PPID:
		d = CMP(a->ppid, b->ppid);
		break;
	case SORT_UID:
		d = CMP(a->uid, b->uid);
		break;
	case SORT_START:
		d = CMP(a->start, b->start);
		break;
	case SORT_TGID_START:
		d = CMP(a->tgid, b->tgid) ? CMP(a->tgid, b->tgid) : CMP(a->start, b->start);
		break;
	case SORT_STATE:
		d = CMP(a->state, b->state);
		break;
	case SORT_COMM:
		tally_comm(a, comm_a);
		tally_comm(b, comm_b);
		d = strcmp(comm_a, comm_b);
		break;
	case SORT_COMM_RAW:
		d = strcmp(a->comm_raw, b->comm_raw);
		break;
	case SORT_CGROUP:
		d = strcmp(cgroup_path(a->cgroup), cgroup_path(b->cgroup));
		break;
	case SORT_CGROUP_ID:
		d = CMP(a->cgroup, b->cgroup);
		break;
	default:			/* a counter, largest first */
		d = CMP(b->v[sort_key], a->v[sort_key]);
	}
	if (!d)
		d = CMP(a->pid, b->pid);
	if (!d)
		d = CMP(a->start, b->start);
	if (!d)
		d = CMP(a->cgroup, b->cgroup);			/* --by-cgroup rows */
	return d ? d : strcmp(a->comm_raw, b->comm_raw);	/* --by-comm rows */
}

/* Counters sort largest first, the SORT_* keys ascending; ties by pid, start, cgroup, comm. */
void sort_tallies(struct tally *rows, int n, int key)
{
	sort_key = key;
	qsort(rows, n, sizeof(*rows), cmp_tally);
}

/* ---- A table of cgroups summed from a table of tasks ---- */

/*
 * -G with a saved task table (-f): the per-cgroup table built from its
 * rows, as /proc/cowstat_cgroups would show them but for the tasks the
 * table no longer held (exited and evicted), which the module's own
 * per-cgroup totals keep.  Exits with a clear message.
 */
void cgroups_of_tasks(struct snapshot *s)
{
	struct snapshot tasks;

	snapshot_load(&tasks);
	cgroups_from_tasks(s, &tasks, cowstat_proc_path);
}

/* The same from @tasks, read from @path, which it frees. */
void cgroups_from_tasks(struct snapshot *s, struct snapshot *tasks, const char *path)
{
	static bool said;	/* the note, once for every interval */
	const char *probes;
	long long lost;
	struct tally *rows;
	size_t size;
	char *text;
	FILE *f;
	int n, i, c;

	if (tasks->col_cgroup < 0)
		fatal(EXIT_ERROR, "--by-cgroup: %s has no cgroup column (format %d): its tasks have no cgroups",
		      path, tasks->t.version);
	lost = cowstat_version_field(&tasks->t, "evicted");
	if (lost > 0 && !said)
		fprintf(stderr, "cowstat: note: %s: %lld task rows were evicted before it was saved; the per-cgroup totals built from it leave them out\n",
			path, lost);
	said = true;
	rows = xmalloc((tasks->t.nrows + 1) * sizeof(*rows));
	for (n = 0; n < tasks->t.nrows; n++)
		tally_row(tasks, n, &rows[n]);
	n = merge_by_cgroup(tasks, rows, n);
	f = open_memstream(&text, &size);
	if (!f)
		fatal(EXIT_ERROR, "out of memory");
	probes = strstr(tasks->t.version_line, " probes=");
	fprintf(f, "cowstat %d cgroups=%d page_size=%ld%.*s\ncgroup\ttasks", tasks->t.version, n,
		tasks->page_size, probes ? (int)strcspn(probes + 1, " ") + 1 : 0, probes ? probes : "");
	for (c = 0; c < tasks->t.ncols; c++)
		if (is_counter_col(tasks, c))
			fprintf(f, "\t%s", tasks->t.cols[c]);
	for (i = 0; i < n; i++) {
		fprintf(f, "\n%llu\t%d", (unsigned long long)rows[i].cgroup, rows[i].threads);
		for (c = 0; c < tasks->t.ncols; c++)
			if (is_counter_col(tasks, c))
				fprintf(f, "\t%llu", (unsigned long long)rows[i].v[c]);
	}
	fputc('\n', f);
	if (fclose(f) || snapshot_parse(s, text, size))
		fatal(EXIT_ERROR, "--by-cgroup: the totals of %s: %s", path, s->error);
	free(rows);
	snapshot_free(tasks);
}
