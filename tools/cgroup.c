// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat(8): cgroup ids as paths.  /proc/cowstat (format 2) and
 * /proc/cowstat_cgroups give a cgroup v2 id, which is the inode number of
 * the cgroup's directory in a cgroup2 mount: walking the mount maps ids to
 * paths relative to its root.  In a cgroup namespace that root is the
 * namespace's, so the paths are the reader's own.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"

/* ---- The map, built once, at the first id asked for ---- */

struct cgroup_entry {
	uint64_t	id;
	char		*path;		/* "/" for the root */
};

static struct cgroup_entry *entries;
static size_t nr_entries, cap_entries;
static bool map_loaded;
static bool have_root;		/* a cgroup2 mount, or COWSTAT_CGROUP_ROOT */
static char *walk_root;		/* that directory, walked */
static size_t root_len;		/* of the walk's root, cut off every path */
static size_t known;		/* cgroup_learn: the entries of the walks before */

static void add_entry(uint64_t id, char *path)
{
	if (nr_entries == cap_entries) {
		cap_entries = cap_entries ? cap_entries * 2 : 256;
		entries = realloc(entries, cap_entries * sizeof(*entries));
		if (!entries)
			fatal(EXIT_ERROR, "out of memory");
	}
	entries[nr_entries++] = (struct cgroup_entry){ .id = id, .path = path };
}

static int by_id(const void *pa, const void *pb)
{
	const struct cgroup_entry *a = pa, *b = pb;

	return a->id < b->id ? -1 : a->id > b->id;
}

static int visit(const char *fpath, const struct stat *st, int type, struct FTW *ftw)
{
	struct cgroup_entry key = { .id = st->st_ino };

	(void)ftw;
	if ((type == FTW_D || type == FTW_DNR) &&
	    !(known && bsearch(&key, entries, known, sizeof(*entries), by_id)))
		add_entry(st->st_ino, xstrdup(fpath[root_len] ? fpath + root_len : "/"));
	return 0;
}

/* The mount point of the first cgroup2 mount in /proc/self/mountinfo (to free), or NULL. */
char *cgroup2_mount(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *sep, *found = NULL, point[4096];
	size_t size = 0;

	while (f && !found && getline(&line, &size, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - TYPE SOURCE ... */
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8) ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1)
			continue;
		found = xmalloc(strlen(point) + 1);
		cowstat_unescape(point, found, strlen(point) + 1);	/* \040 for a blank */
	}
	free(line);
	if (f)
		fclose(f);
	return found;
}

static void load_map(void)
{
	const char *env = getenv(CGROUP_ROOT_ENV);
	char *root = env && *env ? xstrdup(env) : cgroup2_mount();

	map_loaded = true;
	if (!root) {
		fputs("cowstat: note: no cgroup2 mount in /proc/self/mountinfo: cgroups are shown as ids\n",
		      stderr);
		return;
	}
	root_len = strlen(root);
	while (root_len > 1 && root[root_len - 1] == '/')
		root[--root_len] = '\0';
	if (root_len == 1)		/* "/": paths keep their leading slash */
		root_len = 0;
	if (nftw(root, visit, 16, FTW_PHYS | FTW_MOUNT))
		fprintf(stderr, "cowstat: note: %s: %s: cgroups are shown as ids\n", root,
			strerror(errno));
	else
		have_root = true;
	if (nr_entries)
		qsort(entries, nr_entries, sizeof(*entries), by_id);
	walk_root = root;
}

static struct cgroup_entry *lookup(uint64_t id)
{
	struct cgroup_entry key = { .id = id };

	if (!map_loaded)
		load_map();
	return nr_entries ? bsearch(&key, entries, nr_entries, sizeof(*entries), by_id) : NULL;
}

/*
 * Walk the tree again, for the cgroups made since: whether cgroup @id has
 * a path now.  The paths given out before stay valid.  For cowstat trace,
 * whose events name cgroups made after it started.
 */
bool cgroup_learn(uint64_t id)
{
	if (!map_loaded)
		load_map();
	if (!have_root)
		return false;
	known = nr_entries;
	nftw(walk_root, visit, 16, FTW_PHYS | FTW_MOUNT);
	known = 0;
	qsort(entries, nr_entries, sizeof(*entries), by_id);
	return lookup(id);
}

/* ---- Paths ---- */

/* The path of cgroup @id relative to the cgroup2 root, or NULL: no such directory. */
const char *cgroup_known_path(uint64_t id)
{
	struct cgroup_entry *e = lookup(id);

	return e ? e->path : NULL;
}

/* Whether the cgroup2 mount was read, so that an id without a path was removed. */
bool cgroup_tree_read(void)
{
	if (!map_loaded)
		load_map();
	return have_root;
}

/*
 * The path of cgroup @id relative to the cgroup2 root, "<id> (deleted)"
 * for an id that no directory has (a removed cgroup, or one outside the
 * reader's cgroup namespace), or "<id>" without a cgroup2 mount.  A path
 * lives as long as the program; the text for an id without one until the
 * fourth call after (a sort compares two), as ids are not cached: a table
 * of removed cgroups would grow the map without bound.
 */
const char *cgroup_path(uint64_t id)
{
	static char unknown[4][48];
	static unsigned int next;
	struct cgroup_entry *e = lookup(id);
	char *text = unknown[next++ % 4];

	if (e)
		return e->path;
	snprintf(text, sizeof(unknown[0]), have_root ? "%llu (deleted)" : "%llu",
		 (unsigned long long)id);
	return text;
}

/*
 * The path for a table or TSV, as cgroupfs names it (systemd's
 * "system-systemd\x2dfsck.slice" too), but for what would break a row or
 * read as an escape: tabs, newlines and other control bytes as \ooo, as
 * /proc/cowstat writes a comm, and a backslash as \134 only before three
 * octal digits.  cowstat_unescape() undoes it, so a path printed pastes
 * back into --cgroup.  A cgroup's name can hold any byte but '/' and NUL.
 */
void path_escape(const char *path, char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)path;
	size_t n = 0;

	for (; *p && n + 5 < size; p++) {
		if (*p < 0x20 || *p == 0x7f || (*p == '\\' && p[1] >= '0' && p[1] <= '3' &&
		    p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7'))
			n += snprintf(out + n, size - n, "\\%03o", *p);
		else
			out[n++] = *p;
	}
	out[n] = '\0';
}

void cgroup_path_escaped(uint64_t id, char *out, size_t size)
{
	path_escape(cgroup_path(id), out, size);
}

/* ---- Subtrees, for --cgroup PATH ---- */

struct cgroup_set {
	bool		all;		/* "/": every cgroup, removed ones too */
	size_t		n;
	uint64_t	ids[];		/* ascending */
};

/* Is @path @top or below it? */
static bool in_subtree(const char *path, const char *top)
{
	size_t len = strlen(top);

	if (!strcmp(top, "/"))
		return true;
	return !strncmp(path, top, len) && (path[len] == '\0' || path[len] == '/');
}

static int by_u64(const void *pa, const void *pb)
{
	const uint64_t *a = pa, *b = pb;

	return *a < *b ? -1 : *a > *b;
}

/* --cgroup @arg as a path from the root: "/a/b" for "a/b/", escapes decoded unless @plain. */
static char *subtree_top(const char *arg, bool plain)
{
	size_t size = strlen(arg) + 2, len;
	char *top = xmalloc(size);

	top[0] = '/';
	if (plain)
		memcpy(top + 1, arg, strlen(arg) + 1);
	else
		cowstat_unescape(arg, top + 1, size - 1);
	if (top[1] == '/')
		memmove(top, top + 1, size - 1);
	for (len = strlen(top); len > 1 && top[len - 1] == '/'; )
		top[--len] = '\0';
	return top;
}

/*
 * The ids of the cgroups @paths name and of every cgroup below each, or
 * exit saying which has none.  A path is as cowstat prints it, escapes and
 * all, or as cgroupfs names it: "/system.slice", or "system.slice/".
 * Removed cgroups have no path, so they are in no subtree but the root's.
 */
struct cgroup_set *cgroup_subtrees(const struct name_list *paths)
{
	struct cgroup_set *set;
	size_t i, before;
	int p, plain;
	bool root;
	char *top;

	if (!map_loaded)
		load_map();
	if (!have_root)
		fatal(EXIT_ERROR, "--cgroup %s: no cgroup2 mount to find it in", paths->names[0]);
	set = xmalloc(sizeof(*set) + (nr_entries * paths->n + 1) * sizeof(set->ids[0]));
	for (p = 0; p < paths->n; p++) {
		/* as printed, escapes decoded; else as typed, backslashes and all */
		for (plain = 0, before = set->n, root = false;
		     plain < 2 && set->n == before && !root; plain++) {
			top = subtree_top(paths->names[p], plain);
			root = !strcmp(top, "/");
			set->all = set->all || root;
			for (i = 0; i < nr_entries; i++)
				if (in_subtree(entries[i].path, top))
					set->ids[set->n++] = entries[i].id;
			free(top);
		}
		if (set->n == before && !root)
			fatal(EXIT_ERROR, "--cgroup %s: no such cgroup", paths->names[p]);
	}
	qsort(set->ids, set->n, sizeof(set->ids[0]), by_u64);
	return set;
}

/* The set of the cgroups @ids, @n of them, to free. */
struct cgroup_set *cgroup_set_of(const uint64_t *ids, size_t n)
{
	struct cgroup_set *set = xmalloc(sizeof(*set) + (n + 1) * sizeof(set->ids[0]));

	memcpy(set->ids, ids, n * sizeof(ids[0]));
	set->n = n;
	qsort(set->ids, set->n, sizeof(set->ids[0]), by_u64);
	return set;
}

struct cgroup_set *cgroup_subtree(const char *path)
{
	char *name = (char *)path;
	struct name_list one = { .n = 1, .names = &name };

	return cgroup_subtrees(&one);
}

bool cgroup_set_has(const struct cgroup_set *set, uint64_t id)
{
	return set->all || (set->n && bsearch(&id, set->ids, set->n, sizeof(id), by_u64));
}

/* The cgroup v2 path of process @pid ("0::/path" in /proc/PID/cgroup) into @out. */
bool cgroup_of_pid(pid_t pid, char *out, size_t size)
{
	char name[64], *line = NULL;
	size_t len = 0;
	bool found = false;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/cgroup", pid);
	f = fopen(name, "re");
	while (f && !found && getline(&line, &len, f) > 0) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(out, size, "%s", line + 3);
		found = true;
	}
	free(line);
	if (f)
		fclose(f);
	return found;
}
