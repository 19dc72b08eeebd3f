/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cowstat(8), cgroup.c: cgroup ids as paths under the cgroup2 root the
 * reader sees.  It uses util.h only.
 */
#ifndef COWSTAT_CGROUP_H
#define COWSTAT_CGROUP_H

#include "util.h"

#define CGROUP_ROOT_ENV	"COWSTAT_CGROUP_ROOT"	/* a directory to read instead */
#define CGROUP_PATH_ESCAPED_MAX	(4 * 4096 + 32)	/* PATH_MAX bytes, each as \ooo */

struct cgroup_set;

const char *cgroup_path(uint64_t id);
const char *cgroup_known_path(uint64_t id);
bool cgroup_tree_read(void);
bool cgroup_learn(uint64_t id);
void path_escape(const char *path, char *out, size_t size);
void cgroup_path_escaped(uint64_t id, char *out, size_t size);
struct cgroup_set *cgroup_subtree(const char *path);
struct cgroup_set *cgroup_subtrees(const struct name_list *paths);
bool cgroup_set_has(const struct cgroup_set *set, uint64_t id);
struct cgroup_set *cgroup_set_of(const uint64_t *ids, size_t n);
bool cgroup_of_pid(pid_t pid, char *out, size_t size);
char *cgroup2_mount(void);

#endif /* COWSTAT_CGROUP_H */
