// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat run's cgroup: a child of the caller's cgroup v2, made before the
 * command starts, entered by the command itself before it execs, and read
 * in /proc/cowstat_cgroups once the command is done, then removed.
 *
 * The module keeps each cgroup's totals when it evicts rows from a full
 * table, so totals read this way are exact however many of the run's rows
 * were evicted meanwhile; the rows still present give the detail.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "cowstat.h"

/* Names tried for the cgroup: cowstat-run.PID, then .PID.1 and on. */
#define NAME_TRIES	100

static char *path_join(const char *dir, const char *name)
{
	size_t size = strlen(dir) + strlen(name) + 2;
	char *path = xmalloc(size);

	snprintf(path, size, "%s%s%s", dir, name[0] == '/' ? "" : "/", name);
	return path;
}

/* Does @dir's cgroup.procs list process @pid? */
static bool lists_process(const char *dir, pid_t pid)
{
	char *procs = path_join(dir, "cgroup.procs");
	FILE *f = fopen(procs, "re");
	bool found = false;
	long p;

	while (f && !found && fscanf(f, "%ld", &p) == 1)
		found = p == pid;
	if (f)
		fclose(f);
	free(procs);
	return found;
}

/* The directory of our own cgroup in the mount at @root, or NULL and why. */
static char *own_cgroup_dir(const char *root, char *why, size_t size)
{
	char own[4096], *dir;

	if (!cgroup_of_pid(getpid(), own, sizeof(own))) {
		snprintf(why, size, "no cgroup v2 line in /proc/self/cgroup");
		return NULL;
	}
	dir = strcmp(own, "/") ? path_join(root, own) : xstrdup(root);
	/* A cgroup namespace whose root is not the mount's names another place. */
	if (!lists_process(dir, getpid())) {
		snprintf(why, size, "%s does not list this process: its cgroup, %s as /proc/self/cgroup names it, is elsewhere (a cgroup namespace whose root is not the mount's?)",
			 dir, own);
		free(dir);
		return NULL;
	}
	return dir;
}

/*
 * Make a cgroup for the run below the caller's: true, or false and why
 * (no cgroup2, not permitted, a limit on descendants).  The caller stays
 * where it is and only the command moves (run_cgroup_enter()), into a leaf
 * that enables no controllers for children.  So the rule that a cgroup
 * with controllers enabled for its children holds no processes is kept:
 * the caller's cgroup cannot have such controllers with the caller in it,
 * unless it is the root, which the rule exempts.  Where the move fails
 * anyway (a threaded cgroup, no permission on the caller's cgroup.procs),
 * the command says so and runs where it is.  COWSTAT_CGROUP_ROOT, if set,
 * is the mount to make it in.
 */
bool run_cgroup_make(struct run_cgroup *cg, char *why, size_t size)
{
	const char *env = getenv(CGROUP_ROOT_ENV);
	char *root = env && *env ? xstrdup(env) : cgroup2_mount(), *parent = NULL, *procs = NULL;
	char name[64];
	struct statfs sf;
	struct stat st;
	size_t len;
	int n, err;

	memset(cg, 0, sizeof(*cg));
	cg->procs_fd = -1;
	if (!root) {
		snprintf(why, size, "no cgroup2 mount in /proc/self/mountinfo");
		return false;
	}
	for (len = strlen(root); len > 1 && root[len - 1] == '/'; )
		root[--len] = '\0';
	if (statfs(root, &sf) || sf.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(why, size, "%s%s is not a cgroup2 mount",
			 env && *env ? CGROUP_ROOT_ENV "=" : "", root);
		goto out;
	}
	parent = own_cgroup_dir(root, why, size);
	if (!parent)
		goto out;
	for (n = 0; n < NAME_TRIES && !cg->dir; n++) {
		if (n)
			snprintf(name, sizeof(name), "cowstat-run.%d.%d", getpid(), n);
		else
			snprintf(name, sizeof(name), "cowstat-run.%d", getpid());
		cg->dir = path_join(parent, name);
		if (!mkdir(cg->dir, 0755))
			break;
		err = errno;
		snprintf(why, size, "mkdir %s: %s", cg->dir, strerror(err));
		free(cg->dir);
		cg->dir = NULL;
		if (err != EEXIST)
			goto out;
	}
	if (!cg->dir)
		goto out;
	cg->path = path_join(parent + strlen(root), name);
	procs = path_join(cg->dir, "cgroup.procs");
	cg->procs_fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (cg->procs_fd < 0 || stat(cg->dir, &st)) {
		snprintf(why, size, "%s: %s", procs, strerror(errno));
		run_cgroup_remove(cg, NULL, 0);
		goto out;
	}
	cg->id = st.st_ino;
out:
	free(procs);
	free(parent);
	free(root);
	return cg->procs_fd >= 0;
}

/* In the command, between fork and exec: 0, or the errno of the move. */
int run_cgroup_enter(const struct run_cgroup *cg)
{
	return write(cg->procs_fd, "0", 1) == 1 ? 0 : errno;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/*
 * Wait up to @timeout_ms for the cgroup and those below it to hold no
 * process: "populated 0" in cgroup.events, which the kernel signals with
 * POLLPRI.  A task leaves it in do_exit() after its last fault (exit_mm()),
 * so once it is empty, the run's rows are final.  Zombies do not count.
 */
bool run_cgroup_wait_empty(const struct run_cgroup *cg, int timeout_ms)
{
	char *events = path_join(cg->dir, "cgroup.events"), buf[256], *line;
	struct pollfd pfd = { .events = POLLPRI };
	uint64_t end = now_ms() + timeout_ms, now;
	bool empty = false;
	ssize_t len;

	pfd.fd = open(events, O_RDONLY | O_CLOEXEC);
	free(events);
	while (pfd.fd >= 0) {
		len = pread(pfd.fd, buf, sizeof(buf) - 1, 0);
		if (len < 0)
			break;
		buf[len] = '\0';
		line = strstr(buf, "populated ");
		empty = line && line[10] == '0';
		now = now_ms();
		if (empty || now >= end)
			break;
		if (poll(&pfd, 1, end - now) < 0 && errno != EINTR)
			break;
	}
	if (pfd.fd >= 0)
		close(pfd.fd);
	return empty;
}

/* The walks below: nftw() takes no argument for its callback. */
static struct {
	pid_t		*pids;
	int		max_pids, nr_procs;
	uint64_t	*ids;
	int		nr_ids;
	int		err;
	const char	*failed;	/* the directory that rmdir refused */
} walk;

static int count_procs(const char *fpath, const struct stat *st, int type, struct FTW *ftw)
{
	char *procs;
	FILE *f;
	long p;

	(void)st;
	(void)ftw;
	if (type != FTW_D)
		return 0;
	procs = path_join(fpath, "cgroup.procs");
	f = fopen(procs, "re");
	while (f && fscanf(f, "%ld", &p) == 1)
		if (walk.nr_procs++ < walk.max_pids)
			walk.pids[walk.nr_procs - 1] = p;
	if (f)
		fclose(f);
	free(procs);
	return 0;
}

/* How many processes are in the cgroup and below it; the first @max into @pids. */
int run_cgroup_processes(const struct run_cgroup *cg, pid_t *pids, int max)
{
	walk.pids = pids;
	walk.max_pids = max;
	walk.nr_procs = 0;
	nftw(cg->dir, count_procs, 16, FTW_PHYS | FTW_MOUNT);
	return walk.nr_procs;
}

static int add_id(const char *fpath, const struct stat *st, int type, struct FTW *ftw)
{
	(void)fpath;
	(void)ftw;
	if (type != FTW_D)
		return 0;
	walk.ids = realloc(walk.ids, (walk.nr_ids + 1) * sizeof(*walk.ids));
	if (!walk.ids)
		fatal(EXIT_ERROR, "out of memory");
	walk.ids[walk.nr_ids++] = st->st_ino;
	return 0;
}

/*
 * The ids of the cgroup and of any the command made below it, into @ids
 * (to free): the module's totals are per cgroup, not per subtree.  A
 * cgroup below that the command made and removed is not found.
 */
int run_cgroup_ids(const struct run_cgroup *cg, uint64_t **ids)
{
	walk.ids = NULL;
	walk.nr_ids = 0;
	if (nftw(cg->dir, add_id, 16, FTW_PHYS | FTW_MOUNT) || !walk.nr_ids)
		add_id(cg->dir, &(struct stat){ .st_ino = cg->id }, FTW_D, NULL);
	*ids = walk.ids;
	return walk.nr_ids;
}

static int remove_dir(const char *fpath, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type != FTW_DP || !rmdir(fpath))
		return 0;
	walk.err = errno;
	walk.failed = fpath;
	return 1;		/* stop: its parent cannot go either */
}

/*
 * Remove the cgroup, and those the command left below it, deepest first:
 * true, or false and why.  They must hold no process.
 */
bool run_cgroup_remove(struct run_cgroup *cg, char *why, size_t size)
{
	if (cg->procs_fd >= 0)
		close(cg->procs_fd);
	cg->procs_fd = -1;
	walk.err = 0;
	if (!nftw(cg->dir, remove_dir, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT))
		return true;
	if (why)
		snprintf(why, size, "rmdir %s: %s", walk.err ? walk.failed : cg->dir,
			 strerror(walk.err ? walk.err : errno));
	return false;
}

void run_cgroup_free(struct run_cgroup *cg)
{
	if (cg->procs_fd >= 0)
		close(cg->procs_fd);
	free(cg->dir);
	free(cg->path);
	memset(cg, 0, sizeof(*cg));
	cg->procs_fd = -1;
}

static bool has_id(const uint64_t *ids, int n, uint64_t id)
{
	while (n--)
		if (ids[n] == id)
			return true;
	return false;
}

/*
 * The run's totals: the rows of cgroups @ids in @cgroups (a
 * /proc/cowstat_cgroups), summed into @total with the counter columns of
 * @tasks (a /proc/cowstat, which has the same names), and their task rows
 * in @total->threads.  Returns how many of @ids have a row: a cgroup where
 * no task faulted has none.
 */
int run_cgroup_totals(const struct snapshot *tasks, const struct snapshot *cgroups,
		      const uint64_t *ids, int n, struct tally *total)
{
	int id_col = cowstat_col(&cgroups->t, "cgroup"), tasks_col = cowstat_col(&cgroups->t, "tasks");
	int r, c, from, found = 0;
	const char *name;

	tally_zero(tasks, total);
	for (r = 0; r < cgroups->t.nrows && id_col >= 0; r++) {
		if (!has_id(ids, n, snap_u64(cgroups, r, id_col)))
			continue;
		found++;
		total->threads += tasks_col >= 0 ? snap_u64(cgroups, r, tasks_col) : 0;
		for (c = 0; c < tasks->t.ncols; c++) {
			name = tasks->t.cols[c];
			from = is_counter_col(tasks, c) ? cowstat_col(&cgroups->t, name) : -1;
			if (from >= 0)
				total->v[c] += snap_u64(cgroups, r, from);
		}
	}
	return found;
}
