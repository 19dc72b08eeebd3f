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
 */
#ifndef COWSTAT_TOOL_H
#define COWSTAT_TOOL_H

#include "print.h"

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
