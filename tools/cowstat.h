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
 */
#ifndef COWSTAT_TOOL_H
#define COWSTAT_TOOL_H

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

/* export.c, exposed for the unit tests */
#define PROM_LABEL_MAX	256	/* a comm of 80 bytes, each as 3 */
void prometheus_label_value(const char *s, char *out, size_t size);
void prometheus_label(FILE *f, const char *s);
enum series_by { SERIES_BY_CGROUP, SERIES_BY_COMM, SERIES_BY_TASK };
void prometheus_write(const struct snapshot *s, enum series_by by, int max_series);

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
