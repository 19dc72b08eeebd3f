/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cowstat(8): shared declarations of the subcommands.
 */
#ifndef COWSTAT_TOOL_H
#define COWSTAT_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../selftests/cowstat_table.h"

#define COWSTAT_VERSION	"1.0"
#define COWSTAT_FORMAT	2	/* the newest /proc/cowstat format this tool knows */

/* Exit codes, documented in cowstat(8). */
#define EXIT_OK		0
#define EXIT_CHECK	1	/* workload --check: counted differs from expected */
#define EXIT_USAGE	2	/* bad command line */
#define EXIT_NOMODULE	3	/* /proc/cowstat missing or unreadable */
#define EXIT_ERROR	4	/* anything else */

/* ---- common.c ---- */

struct cgroup_set;

extern const char *cowstat_proc_path;	/* --file, for recorded tables */
extern const char *cowstat_cgroups_path;	/* --cgroups-file */

void fatal(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
void *xmalloc(size_t size);
int common_option(int opt, void (*usage)(FILE *f));
char *xstrdup(const char *s);
void print_version(void);
__attribute__((noreturn)) void fatal_no_module(void);
double parse_seconds(const char *opt, const char *arg, double min, double max);
long parse_count(const char *opt, const char *arg, long min, long max);
int utf8_len(const unsigned char *s);

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
	bool			counter[COWSTAT_MAX_COLS];	/* summed, sorted largest first */
	char			error[160];	/* why snapshot_parse() failed */
};

bool parse_u64(const char *s, uint64_t max, uint64_t *v);
int snapshot_parse(struct snapshot *s, char *text, size_t len);
int snapshot_read(struct snapshot *s, const char *path);
void snapshot_load(struct snapshot *s);	/* exits with a clear message */
void cgroups_load(struct snapshot *s);	/* the same for /proc/cowstat_cgroups */
void cgroups_of_tasks(struct snapshot *s);	/* the same, summed from the task table */
void cgroups_from_tasks(struct snapshot *s, struct snapshot *tasks, const char *path);
int snapshot_read_saved(struct snapshot *s, const char *path);	/* text or show -j */
void snapshot_free(struct snapshot *s);
bool is_counter_col(const struct snapshot *s, int c);
uint64_t snap_u64(const struct snapshot *s, int r, int c);
uint64_t row_u64(const struct snapshot *s, int r, const char *col);

/* A row, or rows summed, as numbers; counters indexed like the header. */
struct tally {
	pid_t		pid, tgid, ppid;
	uint32_t	uid;
	uint64_t	start;
	uint64_t	cgroup;		/* its id; 0: none or several */
	char		state;
	char		comm[64];	/* unescaped, for people and JSON */
	char		comm_raw[80];	/* as in /proc/cowstat: escaped, for TSV */
	int		threads;
	int		row;		/* of the snapshot, for columns of text; -1: several */
	uint64_t	v[COWSTAT_MAX_COLS];
};

void tally_row(const struct snapshot *s, int r, struct tally *out);
void tally_add(const struct snapshot *s, struct tally *sum, const struct tally *t);

/*
 * Selecting, merging and ordering rows; show, run and top share these.  As
 * procps selects: a row matches every kind of selector given, and any one
 * value of each kind's list.
 */
struct id_list {
	int		n;		/* 0: any */
	uint64_t	*ids;
};

struct name_list {
	int		n;		/* 0: any */
	char		**names;
};

struct row_filter {
	struct id_list		pids, tgids, uids;
	struct name_list	comms;		/* process names, as shown or decoded */
	const struct cgroup_set	*cgroups;	/* NULL: any */
};

void add_ids(struct id_list *l, const char *opt, char *arg);
void add_users(struct id_list *l, char *arg);
void add_names(struct name_list *l, char *arg);
bool row_filter_selects(const struct row_filter *f);
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

/* Output helpers. */
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

bool use_color(const char *when, int fd);
void print_tallies(FILE *f, const struct snapshot *s, const struct tally *rows, int n,
		   const struct print_opts *o);

/* ---- cgroup.c: cgroup ids as paths under the cgroup2 root the reader sees ---- */

#define CGROUP_ROOT_ENV	"COWSTAT_CGROUP_ROOT"	/* a directory to read instead */
#define CGROUP_PATH_ESCAPED_MAX	(4 * 4096 + 32)	/* PATH_MAX bytes, each as \ooo */
const char *cgroup_path(uint64_t id);
const char *cgroup_known_path(uint64_t id);
bool cgroup_tree_read(void);
void path_escape(const char *path, char *out, size_t size);
void cgroup_path_escaped(uint64_t id, char *out, size_t size);
struct cgroup_set *cgroup_subtree(const char *path);
struct cgroup_set *cgroup_subtrees(const struct name_list *paths);
bool cgroup_set_has(const struct cgroup_set *set, uint64_t id);
bool cgroup_of_pid(pid_t pid, char *out, size_t size);

/* json-read.c: a table saved with show -j as its text, for --since */
char *json_table_text(const char *json, size_t *len, char *error);

/* top.c, exposed for the unit tests */
struct rate {
	struct tally	t;
	double		copies_s, bytes_s, faults_s;
};

int top_rates(const struct snapshot *cur, const struct snapshot *prev, double dt, bool all,
	      struct rate *rates);

/* ---- subcommands ---- */

int cmd_show(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_workload(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_reset(int argc, char **argv);

#endif /* COWSTAT_TOOL_H */
