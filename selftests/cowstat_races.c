// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat timed races: what no single interleaving shows, tried for
 * COWSTAT_RACE_SECONDS (default 20) each, on two CPUs, in a 16-row table
 * (cowstat_races.sh loads the module so).  Each asserts a rule that must
 * hold in every read, and that the read happened often enough to mean it:
 *
 * - a reader never shows an "other" that a later read takes back, for a
 *   task that copies and reuses;
 * - every ended row adds up, while threads end through the kernel's own
 *   writes at exit (clear_child_tid) and a full table evicts;
 * - under resets, exec churn and a SCHED_FIFO hog that preempts the
 *   writers, every live row shows its task's current comm.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cowstat_harness.h"
#include "cowstat_table.h"

#define REGION_PAGES	64
#define CGROUP2_ROOT	"/sys/fs/cgroup"

static size_t page_size;

/*
 * How long each race runs.  The harness's own limit (RACE_TIMEOUT) only
 * stops a race that hangs: a debug kernel runs a 30 s race, and its
 * set-up and teardown, well past the harness's default 30 s.
 */
#define RACE_TIMEOUT	600

static int race_seconds(void)
{
	const char *s = getenv("COWSTAT_RACE_SECONDS");

	return s && atoi(s) > 0 ? atoi(s) : 20;
}

/* Run on every CPU: the point is to race with the reader. */
static void unpin(void)
{
	cpu_set_t set;
	int cpu;

	CPU_ZERO(&set);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static char *map_region(void)
{
	char *p = mmap(NULL, REGION_PAGES * page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, REGION_PAGES * page_size, MADV_NOHUGEPAGE);
	memset(p, 1, REGION_PAGES * page_size);
	return p;
}

/* Fork a child that only waits to be killed; -1 on error. */
static pid_t fork_holder(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static void end_child(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

FIXTURE(races) {
	bool	setup_skipped;
	char	*region;
	time_t	end;
};

FIXTURE_SETUP(races)
{
	page_size = sysconf(_SC_PAGESIZE);
	if (geteuid() != 0)
		SETUP_SKIP("must run as root");
	if (access(COWSTAT_PROC, R_OK))
		SETUP_SKIP("%s missing: load cowstat.ko first (cowstat_races.sh does)",
			   COWSTAT_PROC);
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SETUP_SKIP("a race needs two CPUs");
	unpin();
	self->region = map_region();
	ASSERT_NE(NULL, self->region);
	self->end = time(NULL) + race_seconds();
}

FIXTURE_TEARDOWN(races)
{
	if (self->region)
		munmap(self->region, REGION_PAGES * page_size);
}

/* ---- A reader never mislabels a fault that is completing ---- */

/*
 * Until @end: share the region with a fresh child, write every page of it
 * (copies), and let the previous child go (later writes may reuse).  Its
 * faults end in a copy or a reuse, but for the rare one that the kernel
 * retries because the PTE changed under it (compaction migrating the page,
 * say): a real "other", which then stays counted.
 */
static void copy_and_reuse(char *region, time_t end)
{
	pid_t holder = -1, next;
	size_t i;

	while (time(NULL) < end) {
		next = fork_holder();
		if (next < 0)
			_exit(1);
		end_child(holder);
		holder = next;
		for (i = 0; i < REGION_PAGES; i++)
			region[i * page_size]++;
	}
	end_child(holder);
	_exit(0);
}

/* The cgroup v2 id (directory inode) of @dir, which @pid is moved into; 0 on error. */
static uint64_t move_into_cgroup(const char *dir, pid_t pid)
{
	char path[PATH_MAX], buf[32];
	struct stat st;
	int fd, len, ok;

	if (mkdir(dir, 0755) || stat(dir, &st))
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return 0;
	len = snprintf(buf, sizeof(buf), "%d", pid);
	ok = write(fd, buf, len) == len;
	close(fd);
	return ok ? st.st_ino : 0;
}

/* Column @name of the row of @t whose first field is @key; -1 if none. */
static long long column_of(const struct cowstat_table *t, uint64_t key, const char *name)
{
	int r;

	for (r = 0; r < t->nrows; r++)
		if (cowstat_u64(t, r, 0) == key)
			return cowstat_get(t, r, name);
	return -1;
}

/* "other" in @path for @key (a pid, or a cgroup with @as "cgroup"); -1 if unread. */
static long long other_of(const char *path, const char *as, uint64_t key)
{
	struct cowstat_table t = { 0 };
	char *text = cowstat_slurp(path, NULL);
	long long v = -1;

	if (text && !cowstat_table_parse_as(&t, text, as)) {
		v = column_of(&t, key, "other");
		cowstat_table_free(&t);
	}
	free(text);
	return v;
}

/*
 * A reader that settled a completing fault as "other" shows an "other"
 * that the next read takes back.  So "other" must never go down between
 * two reads of the writer's row, nor of its cgroup; a real one, which
 * stays, is reported.
 */
static bool other_went_down(long long *last, long long now, const char *what, unsigned long read,
			    struct __test_metadata *_metadata)
{
	bool down = now >= 0 && now < *last;

	if (down)
		TH_LOG("read %lu: %s shows other %lld after %lld", read, what, now, *last);
	if (now >= 0)
		*last = now;
	return down;
}

COWSTAT_TEST_F_TIMEOUT(races, reader_never_sees_other, RACE_TIMEOUT)
{
	char cg[64] = "";
	long long row_other = 0, cgroup_other = 0;
	unsigned long reads = 0, cgroup_reads = 0, bad = 0;
	uint64_t cgroup = 0;
	struct statfs sf;
	int go[2];
	pid_t writer;
	char c;

	ASSERT_EQ(0, pipe(go));
	writer = fork();
	ASSERT_LE(0, writer);
	if (writer == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		copy_and_reuse(self->region, self->end);
	}
	close(go[0]);
	/* Its cgroup of its own, where /proc/cowstat_cgroups can show it. */
	if (!statfs(CGROUP2_ROOT, &sf) && sf.f_type == CGROUP2_SUPER_MAGIC &&
	    !access(COWSTAT_CGROUPS_PROC, R_OK)) {
		snprintf(cg, sizeof(cg), CGROUP2_ROOT "/cowstat-race.%d", getpid());
		cgroup = move_into_cgroup(cg, writer);
	}
	ASSERT_EQ(1, write(go[1], "g", 1));
	while (time(NULL) < self->end) {
		long long other = other_of(COWSTAT_PROC, "pid", writer);

		reads += other >= 0;
		if (other_went_down(&row_other, other, "the writer's row", reads, _metadata) &&
		    bad++ > 5)
			break;
		if (!cgroup)
			continue;
		other = other_of(COWSTAT_CGROUPS_PROC, "cgroup", cgroup);
		cgroup_reads += other >= 0;
		if (other_went_down(&cgroup_other, other, "its cgroup", reads, _metadata) &&
		    bad++ > 5)
			break;
	}
	waitpid(writer, NULL, 0);
	if (cgroup)
		rmdir(cg);
	TH_LOG("%lu reads of the writer's row, %lu of its cgroup, in %d s; it ended %lld faults otherwise",
	       reads, cgroup_reads, race_seconds(), row_other);
	EXPECT_EQ(0, bad);
	EXPECT_LE(100, reads) TH_LOG("too few reads to race");
}

/* ---- Every ended row adds up, whatever ends it ---- */

/*
 * A bare thread (no libc set-up, no TLS of its own): it writes @arg's page,
 * if given, and exits at once.
 */
static int write_and_exit(void *arg)
{
	if (arg)
		*(volatile char *)arg = 3;
	syscall(SYS_exit, 0);
	return 0;
}

/*
 * Until @end: threads whose clear_child_tid word lies on a page shared
 * with a child, so that the kernel's write at their exit copies it.  Every
 * other one copies a page first, so that it has a row before it exits.
 */
static void late_exit_writes(char *region, time_t end)
{
	const size_t stack_size = 64 << 10;
	char *stack = NULL;
	pid_t holder, tid;
	char path[64];
	size_t i = 0;
	char *first;

	while (time(NULL) < end) {
		holder = fork_holder();
		if (holder < 0)
			_exit(1);
		if (!stack) {	/* after the first fork: never shared */
			stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
			if (stack == MAP_FAILED)
				_exit(1);
		}
		first = i % 2 ? region + (i + 1) % REGION_PAGES * page_size : NULL;
		tid = clone(write_and_exit, stack + stack_size,
			    CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
			    CLONE_SYSVSEM | CLONE_CHILD_CLEARTID, first, NULL, NULL,
			    (pid_t *)(region + i % REGION_PAGES * page_size));
		i++;
		if (tid < 0)
			_exit(1);
		snprintf(path, sizeof(path), "/proc/self/task/%d", tid);
		while (access(path, F_OK) == 0)
			sched_yield();
		end_child(holder);
	}
	_exit(0);
}

/* Until @end: fork children that copy a page each, filling the table. */
static void fork_copiers(char *region, time_t end)
{
	pid_t pid;

	while (time(NULL) < end) {
		pid = fork();
		if (pid == 0) {
			region[0]++;
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	_exit(0);
}

/* In @path's rows that have ended (X, M), count those whose outcomes do not add up. */
static int ended_rows_not_adding_up(const char *text_path, unsigned long *ended)
{
	static const char *const outcomes[] = { "copies", "reuses", "shared", "unshare", "other" };
	struct cowstat_table t = { 0 };
	char *text = cowstat_slurp(text_path, NULL);
	int r, i, bad = 0, cstate;
	uint64_t sum;
	const char *state;

	if (!text || cowstat_table_parse(&t, text)) {
		free(text);
		return -1;
	}
	cstate = cowstat_col(&t, "state");
	for (r = 0; r < t.nrows; r++) {
		state = cowstat_field(&t, r, cstate);
		if (strcmp(state, "X") && strcmp(state, "M"))
			continue;
		(*ended)++;
		for (sum = 0, i = 0; i < 5; i++)
			sum += cowstat_get(&t, r, outcomes[i]);
		if (sum != cowstat_get(&t, r, "faults") && bad++ < 3)
			fprintf(stderr, "# row of pid %s: faults %llu, outcomes %llu\n",
				cowstat_field(&t, r, 0),
				(unsigned long long)cowstat_get(&t, r, "faults"),
				(unsigned long long)sum);
	}
	cowstat_table_free(&t);
	free(text);
	return bad;
}

COWSTAT_TEST_F_TIMEOUT(races, ended_rows_add_up_under_late_exits, RACE_TIMEOUT)
{
	unsigned long reads = 0, ended = 0;
	int bad = 0, n, k;
	pid_t kids[3];

	for (k = 0; k < 3; k++) {
		kids[k] = fork();
		ASSERT_LE(0, kids[k]);
		if (kids[k] == 0) {
			if (k < 2)
				late_exit_writes(self->region, self->end);
			fork_copiers(self->region, self->end);
		}
	}
	while (time(NULL) < self->end) {
		n = ended_rows_not_adding_up(COWSTAT_PROC, &ended);
		ASSERT_LE(0, n);
		bad += n;
		reads++;
	}
	for (k = 0; k < 3; k++)
		waitpid(kids[k], NULL, 0);
	TH_LOG("%lu reads, %lu ended rows checked", reads, ended);
	EXPECT_EQ(0, bad);
	EXPECT_LE(100, ended) TH_LOG("too few ended rows to race");
}

/* ---- Resets, exec churn and a preempting hog: live rows keep their comm ---- */

/* Until @end: write "reset", as fast as it goes. */
static void reset_loop(time_t end)
{
	int fd;

	while (time(NULL) < end) {
		fd = open(COWSTAT_PROC, O_WRONLY);
		if (fd < 0 || write(fd, "reset", 5) != 5)
			_exit(1);
		close(fd);
	}
	_exit(0);
}

/*
 * Until @end, at SCHED_FIFO: spin 2 ms, sleep 1 ms.  Whatever runs on its
 * CPU is preempted every few ms, a probe handler's writer included where
 * it can be (tracepoint probes on 7.x).
 */
static void fifo_hog(time_t end)
{
	struct sched_param sp = { .sched_priority = 10 };
	struct timespec t0, t, nap = { .tv_nsec = 1000000 };

	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		_exit(2);
	while (time(NULL) < end) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do
			clock_gettime(CLOCK_MONOTONIC, &t);
		while ((t.tv_sec - t0.tv_sec) * 1000000000L + t.tv_nsec - t0.tv_nsec < 2000000);
		nanosleep(&nap, NULL);
	}
	_exit(0);
}

/* Until @end: cowstat_test's exec churn (threads that exec), one after another. */
static void exec_churn(time_t end)
{
	char exe[PATH_MAX], prog[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	pid_t pid;

	if (n <= 0)
		_exit(1);
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(prog, sizeof(prog), "%s/cowstat_test", exe);
	while (time(NULL) < end) {
		pid = fork();
		if (pid == 0) {
			setenv("COWSTAT_EXEC_FROM_THREAD", "3", 1);
			execl(prog, "cowstat_test", (char *)NULL);
			_exit(1);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	_exit(0);
}

/* The comm of task @tid of @tgid now, into @comm (16 bytes); false if it is gone. */
static bool task_comm(const char *tgid, const char *tid, char *comm)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/task/%s/comm", tgid, tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, comm, 15);
	close(fd);
	if (n <= 0)
		return false;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return true;
}

/*
 * Each live row of one read whose task's comm, read before and after that
 * read, did not change: the row must show it.  Counts the rows checked
 * into @checked; returns the mismatches.
 */
static int live_comms_wrong(unsigned long *checked)
{
	struct cowstat_table t[2] = { 0 };
	char *text[2], before[16], after[16], row_comm[16];
	int r, bad = 0, cpid, ctgid, cstate, ccomm;

	text[0] = cowstat_slurp(COWSTAT_PROC, NULL);
	if (!text[0] || cowstat_table_parse(&t[0], text[0]))
		return -1;
	cpid = cowstat_col(&t[0], "pid");
	ctgid = cowstat_col(&t[0], "tgid");
	cstate = cowstat_col(&t[0], "state");
	ccomm = cowstat_col(&t[0], "comm");
	for (r = 0; r < t[0].nrows; r++) {
		const char *pid = cowstat_field(&t[0], r, cpid);
		const char *tgid = cowstat_field(&t[0], r, ctgid);
		int r2;

		if (strcmp(cowstat_field(&t[0], r, cstate), "R") ||
		    !task_comm(tgid, pid, before))
			continue;
		text[1] = cowstat_slurp(COWSTAT_PROC, NULL);
		if (!text[1] || cowstat_table_parse(&t[1], text[1])) {
			free(text[1]);
			continue;
		}
		r2 = cowstat_find(&t[1], atoi(pid));
		if (r2 >= 0 && !strcmp(cowstat_field(&t[1], r2, cstate), "R") &&
		    task_comm(tgid, pid, after) && !strcmp(before, after)) {
			cowstat_unescape(cowstat_field(&t[1], r2, ccomm), row_comm,
					 sizeof(row_comm));
			(*checked)++;
			if (strcmp(row_comm, before) && bad++ < 3)
				fprintf(stderr, "# pid %s: row comm '%s', task comm '%s'\n",
					pid, row_comm, before);
		}
		cowstat_table_free(&t[1]);
		free(text[1]);
	}
	cowstat_table_free(&t[0]);
	free(text[0]);
	return bad;
}

/*
 * Live rows under a reset storm and a preempting hog: the exec churn's,
 * whose names change, and a copier's, which faults without a pause and so
 * has a row again right after each reset, however slow the kernel (the
 * churn alone left 2 live rows to check in 30 s under KCSAN).
 */
COWSTAT_TEST_F_TIMEOUT(races, live_rows_keep_comm_under_preempted_resets, RACE_TIMEOUT)
{
	unsigned long checked = 0;
	int bad = 0, n, k, status;
	pid_t kids[5];

	for (k = 0; k < 5; k++) {
		kids[k] = fork();
		ASSERT_LE(0, kids[k]);
		if (kids[k] == 0) {
			switch (k) {
			case 0:
				fifo_hog(self->end);
			case 1:
			case 2:
				reset_loop(self->end);
			case 3:
				exec_churn(self->end);
			default:
				copy_and_reuse(self->region, self->end);
			}
		}
	}
	while (time(NULL) < self->end) {
		n = live_comms_wrong(&checked);
		if (n < 0) {
			bad++;
			break;
		}
		bad += n;
	}
	for (k = 0; k < 5; k++) {
		waitpid(kids[k], &status, 0);
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("helper %d ended with status %#x", k, status);
	}
	TH_LOG("%lu live rows checked", checked);
	EXPECT_EQ(0, bad);
	EXPECT_LE(25, checked) TH_LOG("too few live rows to race");
}

TEST_HARNESS_MAIN
