/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cowstat export: the Prometheus text format (export.c) and the state one
 * export keeps for the next (export-state.c), exposed for the unit tests.
 */
#ifndef COWSTAT_EXPORT_H
#define COWSTAT_EXPORT_H

#include "cowstat.h"

#define PROM_LABEL_MAX	256	/* a comm of 80 bytes, each as 3 */
void prometheus_label_value(const char *s, char *out, size_t size);
void prometheus_label(FILE *f, const char *s);

/* The views: several can go in one export, each its own families. */
enum {
	VIEW_CGROUP	= 1,	/* counters per cgroup id, from /proc/cowstat_cgroups */
	VIEW_TASK	= 2,	/* counters per task and cgroup, from /proc/cowstat */
	VIEW_COMM	= 4,	/* gauges per comm, from /proc/cowstat */
};

struct export_state;

struct export_in {
	const struct snapshot	*tasks;		/* for VIEW_TASK and VIEW_COMM */
	const struct snapshot	*cgroups;	/* for VIEW_CGROUP */
	unsigned int		views;
	long			max_series;	/* per family; 0: any number */
	double			clock_offset;	/* CLOCK_REALTIME - CLOCK_MONOTONIC, s */
	struct export_state	*state;		/* NULL: nothing kept between exports */
};

int prometheus_write(FILE *f, const struct export_in *in, char *error, size_t size);

/* ---- export-state.c ---- */

struct export_state *export_state_new(void);
int export_state_parse(struct export_state *st, const char *text, char *error, size_t size);
void export_state_begin(struct export_state *st, bool have_reset, uint64_t reset_ns);
uint64_t export_state_counter(struct export_state *st, const char *key, const char *col,
			      uint64_t raw, bool wraps32);
const char *export_state_path(struct export_state *st, uint64_t cgroup_id, const char *live);
bool export_state_knows(const struct export_state *st, const char *key_prefix);
void export_state_keep(struct export_state *st, bool (*keep)(const char *key, void *ctx),
		       void *ctx);
void export_state_format(struct export_state *st, FILE *f);
void export_state_free(struct export_state *st);

#endif /* COWSTAT_EXPORT_H */
