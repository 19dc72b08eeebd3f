/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cowstat(8): shared declarations of the subcommands.  The files they
 * share are layered: each uses only those listed before it, never one
 * that uses it (scripts/checks/layer-check, in make lint, checks):
 *   util.c                    errors, memory, option arguments   util.h
 *   cgroup.c                  cgroup ids as paths                cgroup.h
 *   snapshot.c, json-read.c   tables read and checked            snapshot.h
 *   tally.c                   rows selected, summed and ordered  tally.h
 *   print.c                   table, TSV and JSON                print.h
 * run-cgroup.c uses cgroup.c, snapshot.c and tally.c; only run.c uses it.
 * run-events.c (the trace events, added up or handed on) uses util.c and
 * print.c; run.c and trace.c use it.
 * interval.c (deadlines, stamps) and rates.c (show -i's reports) come
 * after print.c; show and top use them.
 */
#ifndef COWSTAT_TOOL_H
#define COWSTAT_TOOL_H

#include <time.h>

#include "print.h"

/* run-cgroup.c: the cgroup of run's own, a child of the caller's */

struct run_cgroup {
	char		*dir;		/* its directory in the cgroup2 mount */
	char		*path;		/* from the cgroup2 root, as /proc/PID/cgroup shows it */
	uint64_t	id;		/* @dir's inode number: its id in /proc/cowstat */
	int		procs_fd;	/* its cgroup.procs, for the command to move itself in */
};

bool run_cgroup_make(struct run_cgroup *cg, char *why, size_t size);
int run_cgroup_enter(const struct run_cgroup *cg);
bool run_cgroup_wait_empty(const struct run_cgroup *cg, int timeout_ms);
int run_cgroup_processes(const struct run_cgroup *cg, pid_t *pids, int max);
int run_cgroup_ids(const struct run_cgroup *cg, uint64_t **ids);
bool run_cgroup_remove(struct run_cgroup *cg, char *why, size_t size);
void run_cgroup_free(struct run_cgroup *cg);
int run_cgroup_totals(const struct snapshot *tasks, const struct snapshot *cgroups,
		      const uint64_t *ids, int n, struct tally *total);

/* run-events.c: the run's trace events, per mapping and as latency histograms */

#define RUN_HIST_BUCKETS	40	/* log2 of ns: up to 2^40 ns, some 18 minutes */
#define RUN_NAME_LEN		64

struct run_histogram {
	uint64_t	count;
	uint64_t	total_ns;
	uint64_t	buckets[RUN_HIST_BUCKETS];	/* [2^i, 2^(i+1)) ns; [0] from 0 */
};

/* What the run copied and reused in one mapping, as /proc/PID/maps names it. */
struct run_mapping {
	pid_t		tgid;		/* with -P; 0 without */
	int		mapping;	/* the event's: 1 file, 2 heap, 3 stack, 4 anon */
	uint64_t	dev, ino;	/* a file's */
	uint64_t	vm_start;	/* an unnamed anonymous mapping's */
	char		name[RUN_NAME_LEN];	/* the event's name field */
	char		*label;		/* the path, [heap], [anon:NAME], ... */
	uint64_t	copies, reuses, bytes;
};

struct run_process {
	pid_t			tgid;
	struct run_histogram	copy, reuse;
};

/* One event, for cowstat trace: as read, valid during the call it is handed to. */
struct cow_event {
	const char	*comm;		/* the task that wrote it, as tracefs names it */
	const char	*time;		/* the trace clock's seconds, as trace_pipe shows them */
	pid_t		pid, tgid;
	uint64_t	cgroup, address, bytes, latency_ns;
	const char	*outcome, *kind;	/* as the event prints them; kind "" if none */
	const char	*mapping;	/* as run --by-mapping names it */
};

struct run_events {
	bool			per_process;	/* -P: mappings and histograms per process */
	/* trace: each event as it is read, not added up; and each exec */
	void			(*on_event)(const struct cow_event *e, void *arg);
	void			(*on_exec)(pid_t pid, void *arg);
	void			*arg;
	pid_t			command;	/* its files' paths are looked up there too */
	char			*instance;	/* its tracefs instance; NULL: none */
	int			pipe_fd;	/* the instance's trace_pipe */
	char			buf[65536];	/* a line not read to its end yet */
	size_t			len;
	struct run_mapping	*mappings;
	int			nmappings;
	int			*index;		/* of mappings by their hash; -1 empty */
	size_t			index_size;	/* a power of two, over twice nmappings */
	struct run_process	*processes;
	int			nprocesses;
	struct run_histogram	copy, reuse;	/* the copies and reuses columns' */
	uint64_t		events;		/* all the run's, every outcome */
	uint64_t		lost;		/* overwritten before they were read */
};

bool events_start(struct run_events *ev, const char *who, const char *filter, char *why,
		  size_t size);
bool run_events_start(struct run_events *ev, uint64_t cgroup, char *why, size_t size);
int run_events_fd(const struct run_events *ev);
void run_events_read(struct run_events *ev);
void run_events_stop(struct run_events *ev);
void run_events_sort(struct run_events *ev);
void run_events_print(FILE *f, const struct run_events *ev, bool by_mapping, bool latency,
		      bool human);
void run_events_json(FILE *f, const struct run_events *ev, bool by_mapping, bool latency);
void run_events_free(struct run_events *ev);

/* interval.c: reads on absolute deadlines, their times, rates */

/* When a read began: the wall clock, and CLOCK_MONOTONIC (start's clock). */
struct stamp {
	struct timespec	wall;
	uint64_t	mono;		/* ns */
};

void stamp_now(struct stamp *s);
void stamp_utc(const struct stamp *s, char *buf, size_t size);		/* ISO 8601 */
void stamp_local(const struct stamp *s, char *buf, size_t size);	/* 12:00:03 */

/* A table read, and when its reading began. */
struct reading {
	struct snapshot	s;
	struct stamp	at;
};

/* Deadline k is start + k * period: reading never makes the next one late. */
struct ticker {
	uint64_t	start;		/* CLOCK_MONOTONIC ns: deadline 0, the first read */
	uint64_t	period;		/* ns */
	long		k;		/* the deadline of the next read */
};

uint64_t seconds_ns(double seconds);
uint64_t deadline_at(uint64_t start, uint64_t period, long k);
void ticker_start(struct ticker *t, uint64_t start, double seconds);
long ticker_advance(struct ticker *t, uint64_t now);	/* deadlines skipped */
int ticker_wait(const struct ticker *t);
int ticker_ms_left(const struct ticker *t, uint64_t now);
double per_second(uint64_t increase, uint64_t elapsed);
long long figure_rise(const struct snapshot *s, const struct snapshot *prev, const char *key);

/* rates.c: show -i's reports */

/* What each row did from one read to another, and when. */
struct rate_report {
	const struct snapshot	*s;		/* the later read */
	const struct tally	*rows;		/* each row's increase */
	int			n;
	const struct stamp	*at;		/* when the later read began */
	uint64_t		elapsed;	/* ns from the earlier read's beginning */
	double			interval;	/* seconds, as asked */
	long			skipped;	/* deadlines passed with no read */
	long long		dropped;	/* the rise of dropped; -1: unknown */
	bool			average;	/* the whole run, the table's "Average:" */
	bool			first;		/* the first report: TSV's header */
};

void print_rates(FILE *f, const struct rate_report *r, const struct print_opts *o);

#include <time.h>

/* top.c, exposed for the unit tests */
struct rate {
	struct tally	t;
	double		copies_s, bytes_s, faults_s;
};

int top_rates(const struct snapshot *cur, const struct snapshot *prev, uint64_t elapsed,
	      bool all, struct rate *rates);

/* ---- subcommands ---- */

int cmd_show(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_workload(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_reset(int argc, char **argv);

#endif /* COWSTAT_TOOL_H */
