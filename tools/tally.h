/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cowstat(8), tally.c: the rows of a snapshot selected, summed and
 * ordered, as show, run and top list them.  It uses cgroup.h, snapshot.h
 * and util.h.
 */
#ifndef COWSTAT_TALLY_H
#define COWSTAT_TALLY_H

#include "cgroup.h"
#include "snapshot.h"

/*
 * A row, or rows summed, as numbers.  The counters, indexed like the
 * header, are the snapshot's own row until they are summed or changed,
 * then a row of snapshot_room(): a copy of a tally shares them, so give
 * it its own (tally_own()) before changing one of two copies.
 */
struct tally {
	pid_t		pid, tgid, ppid;
	uint32_t	uid;
	uint64_t	start;
	uint64_t	cgroup;		/* its id; 0: none or several */
	const char	*comm_raw;	/* as in /proc/cowstat: escaped, for TSV; "": none */
	uint64_t	*v;		/* by column; its own: the counters only */
	int		threads;
	int		row;		/* of the snapshot, for columns of text; -1: several */
	char		state;
	bool		own;		/* @v is room of its own, not the snapshot's row */
};

#define COMM_MAX	64	/* a comm unescaped, for people and JSON, with its NUL */

void tally_row(const struct snapshot *s, int r, struct tally *out);
void tally_zero(const struct snapshot *s, struct tally *t);
void tally_own(const struct snapshot *s, struct tally *t);
void tally_add(const struct snapshot *s, struct tally *sum, const struct tally *t);
void tally_comm(const struct tally *t, char *comm);	/* COMM_MAX bytes */

/*
 * Selecting, merging and ordering rows; show, run and top share these.  As
 * procps selects: a row matches every kind of selector given, and any one
 * value of each kind's list.
 */
struct row_filter {
	struct id_list		pids, tgids, uids;
	struct name_list	comms;		/* process names, as shown or decoded */
	const struct cgroup_set	*cgroups;	/* NULL: any */
};

bool row_filter_selects(const struct row_filter *f);
bool row_filter_matches_task(const struct row_filter *f, pid_t pid, pid_t tgid,
			     const char *process_comm, uint64_t cgroup);
void row_filter_free(struct row_filter *f);
int select_tallies(const struct snapshot *s, const struct row_filter *f, struct tally *rows);

/* The same task, or cgroup, in two snapshots: an index by key, and the change. */
struct tally_index;
struct tally_index *tally_index(const struct snapshot *s, const struct row_filter *f);
const struct tally *tally_find(const struct tally_index *x, const struct tally *key);
void tally_index_free(struct tally_index *x);
int tally_since(const struct snapshot *s, struct tally *t, const struct snapshot *prev,
		const struct tally *then);

/* Sort keys other than counters (which are column indexes). */
enum {
	SORT_PID = -1, SORT_TGID = -2, SORT_PPID = -3, SORT_UID = -4, SORT_START = -5,
	SORT_STATE = -6, SORT_COMM = -7, SORT_TGID_START = -8, SORT_COMM_RAW = -9,
	SORT_CGROUP = -10, SORT_CGROUP_ID = -11,
};

int sort_column(const struct snapshot *s, const char *name);
void sort_tallies(struct tally *rows, int n, int key);
int merge_by_process(const struct snapshot *s, struct tally *rows, int n);
int merge_by_comm(const struct snapshot *s, struct tally *rows, int n);
int merge_by_cgroup(const struct snapshot *s, struct tally *rows, int n);

/* -G -f: a table of cgroups summed from the task table; they exit with a clear message. */
void cgroups_of_tasks(struct snapshot *s);
void cgroups_from_tasks(struct snapshot *s, struct snapshot *tasks, const char *path);

#endif /* COWSTAT_TALLY_H */
