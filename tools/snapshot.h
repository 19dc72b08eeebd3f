/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cowstat(8), snapshot.c: /proc/cowstat or /proc/cowstat_cgroups, or a
 * saved table, read and checked; json-read.c: a table saved with show -j
 * read back as that text.  They use util.h only.
 */
#ifndef COWSTAT_SNAPSHOT_H
#define COWSTAT_SNAPSHOT_H

#include "util.h"

extern const char *cowstat_proc_path;	/* --file, for recorded tables */
extern const char *cowstat_cgroups_path;	/* --cgroups-file */

/* A parsed /proc/cowstat or /proc/cowstat_cgroups, and derived facts. */
struct snapshot {
	struct cowstat_table	t;
	char			*text;
	bool			cgroups;	/* /proc/cowstat_cgroups: a row per cgroup */
	long			page_size;
	int			first_counter;	/* first column after "state" */
	int			comm;		/* the "comm" column */
	int			col_pid, col_tgid, col_ppid, col_uid, col_start, col_state;
	int			col_cgroup;	/* -1 before format 2 */
	uint64_t		*num;		/* every number, parsed once: nrows * ncols */
	char			**text_fields;	/* comm and unknown columns: nrows * ntext */
	int			ntext;
	int			text_slot[COWSTAT_MAX_COLS];	/* in text_fields; -1: none */
	struct room_chunk	**room;		/* rows of numbers to sum into: snapshot_room() */
	bool			counter[COWSTAT_MAX_COLS];	/* summed, sorted largest first */
	char			error[160];	/* why snapshot_parse() failed */
};

int snapshot_parse(struct snapshot *s, char *text, size_t len);
int snapshot_read(struct snapshot *s, const char *path);
void snapshot_load(struct snapshot *s);	/* exits with a clear message */
void cgroups_load(struct snapshot *s);	/* the same for /proc/cowstat_cgroups */
int snapshot_read_saved(struct snapshot *s, const char *path);	/* text or show -j */
void snapshot_free(struct snapshot *s);
bool is_counter_col(const struct snapshot *s, int c);
bool is_shown_col(const struct snapshot *s, int c);
uint64_t snap_u64(const struct snapshot *s, int r, int c);
uint64_t row_u64(const struct snapshot *s, int r, const char *col);
const char *snap_text(const struct snapshot *s, int r, int c);
uint64_t *snapshot_room(const struct snapshot *s);

/* json-read.c: a table saved with show -j as its text, for --since */
char *json_table_text(const char *json, size_t *len, char *error);

#endif /* COWSTAT_SNAPSHOT_H */
