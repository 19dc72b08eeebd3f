/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cowstat(8), print.c: rows as an aligned table, TSV or JSON.  It uses
 * tally.h and the layers below it.
 */
#ifndef COWSTAT_PRINT_H
#define COWSTAT_PRINT_H

#include "tally.h"

void human_bytes(uint64_t bytes, char *buf, size_t size);
void json_string(FILE *f, const char *s);
struct print_opts {
	enum {
		FORMAT_TABLE,		/* aligned, for people */
		FORMAT_TSV,		/* tab-separated, raw numbers */
		FORMAT_JSON,
	} format;
	bool		human;		/* the table's bytes in K/M/G */
	bool		header;		/* a header row (--no-header: false) */
	bool		total;		/* a total row: on a terminal, or --total */
	bool		total_of_part;	/* it sums only the rows shown: "total(shown)" */
	bool		color;		/* the table in colour (not TSV, not JSON) */
	bool		drop_zero;	/* the table leaves out counters 0 in every row */
	enum { BY_TASK, BY_PROCESS, BY_COMM, BY_CGROUP } by;	/* what a row is */
	const char	*cgroup;	/* run: the command's cgroup, for JSON; NULL: none */
	const char	*json_run;	/* run: ,"run":{...} after it, for JSON; NULL: none */
	const struct tally *total_of;	/* run: the total row's figures; NULL: the rows' sum */
	int		ncols;		/* --columns: how many; 0: the view's own */
	int		cols[COWSTAT_MAX_COLS];	/* column indexes, or COL_* */
	uint64_t	now;		/* CLOCK_MONOTONIC ns, for age; 0: none (-f) */
};

/* --columns that are no column of the table, or not one as it stands. */
enum {
	COL_PID = -1, COL_TGID = -2, COL_PPID = -3, COL_UID = -4, COL_START = -5,
	COL_AGE = -6, COL_STATE = -7, COL_THREADS = -8, COL_COMM = -9, COL_CGROUP = -10,
	COL_CGROUP_ID = -11,
};

void parse_columns(const struct snapshot *s, char *list, struct print_opts *o);
void format_age(uint64_t ns, char *buf, size_t size);
/* "cgroup_id":N,"cgroup":"path","removed":false, as show -j writes them */
void json_cgroup(FILE *f, const struct tally *t);
void json_task_fields(FILE *f, const struct snapshot *s, const struct tally *t);
const char *total_label(const struct print_opts *o);	/* "total" or "total(shown)" */
const char *column_cell(const struct snapshot *s, const struct tally *t, int col, bool total,
			const struct print_opts *o, char *buf, size_t size);

bool use_color(const char *when, int fd);
void print_tallies(FILE *f, const struct snapshot *s, const struct tally *rows, int n,
		   const struct print_opts *o);

#endif /* COWSTAT_PRINT_H */
