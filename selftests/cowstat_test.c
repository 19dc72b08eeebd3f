// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat selftests: every /proc/cowstat column checked against what the
 * kernel must do, with exact numbers.
 *
 * A task measures itself: it reads its own row, does the faults under test,
 * and reads its row again.  The first read already touched every page the
 * second one touches, so the difference is exactly the faults under test,
 * free of the stack and libc faults that follow any fork.
 *
 * Run by cowstat.sh, which loads the module; without it every test skips.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <linux/userfaultfd.h>
#include <sys/socket.h>

#include "cowstat_harness.h"
#include "cowstat_cases.h"

#define NPAGES		32

static size_t page_size;

/* ---- Measuring ---- */

/*
 * Like cowstat_measure_in_child(@res, @fn, NULL, @arg), for a child that
 * also reads how far a system-wide /proc/vmstat counter moved (res->aux).
 * Other tasks can only add to that counter, so keep the quietest of a few
 * runs: the one it moved least in.
 */
static void in_child_quietest(struct cowstat_result *res,
			      void (*fn)(struct cowstat_result *r, void *arg), void *arg)
{
	struct cowstat_result run;
	int attempt;

	cowstat_measure_in_child(res, fn, NULL, arg);
	for (attempt = 1; attempt < 3 && res->aux && !res->error && !res->skip; attempt++) {
		cowstat_measure_in_child(&run, fn, NULL, arg);
		if (run.error || run.skip || run.aux < res->aux)
			*res = run;
	}
}

/* Every counter must move by exactly @want; unnamed ones by zero. */
static void check_delta(struct __test_metadata *_metadata,
			const struct cowstat_result *res, const struct cowstat_counts *want)
{
	int i;

	for (i = 0; i < CS_NR_COUNTERS; i++) {
		EXPECT_EQ(want->v[i], res->delta.v[i]) {
			TH_LOG("column %s of pid %d moved by %llu, expected %llu",
			       cowstat_counter_name[i], res->pid,
			       (unsigned long long)res->delta.v[i],
			       (unsigned long long)want->v[i]);
		}
	}
}

#define RESULT_OR_SKIP(res) do {					\
	if ((res)->skip)						\
		SKIP(return, "%s", (res)->msg);				\
	ASSERT_EQ(0, (res)->error) TH_LOG("%s", (res)->msg);		\
} while (0)

#define WANT(...) ((struct cowstat_counts){ .v = { __VA_ARGS__ } })

/* ---- Memory helpers ---- */

struct region {
	char	*p;
	size_t	n;
	int	value;
};

static void write_region(void *arg)
{
	struct region *r = arg;
	size_t i;

	for (i = 0; i < r->n; i++)
		((volatile char *)r->p)[i * page_size] = r->value;
}

static void read_region(const struct region *r)
{
	size_t i;
	char sum = 0;

	for (i = 0; i < r->n; i++)
		sum += ((volatile char *)r->p)[i * page_size];
	(void)sum;
}

/* @size bytes of private anonymous memory aligned to @size; NULL on failure. */
/* CLOCK_MONOTONIC in ns, the clock of the version line's loaded= and reset=. */
static long long monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static char *map_aligned(size_t size)
{
	char *p = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	return (char *)(((unsigned long)p + size - 1) & ~(size - 1));
}

/* Every fixture's setup: root and the module, or a skip; then one CPU. */
#define FIXTURE_PREAMBLE() do {						\
	page_size = sysconf(_SC_PAGESIZE);				\
	if (geteuid() != 0)						\
		SETUP_SKIP("must run as root");				\
	if (access(COWSTAT_PROC, R_OK))					\
		SETUP_SKIP("%s missing: load cowstat.ko first (cowstat.sh does)", \
			   COWSTAT_PROC);				\
	cowstat_pin_to_this_cpu();					\
} while (0)

FIXTURE(cowstat) {
	bool setup_skipped;
	struct region r;
};

FIXTURE_SETUP(cowstat)
{
	FIXTURE_PREAMBLE();
	self->r.n = NPAGES;
	self->r.p = cowstat_map_pages(NPAGES);
	ASSERT_NE(NULL, self->r.p) TH_LOG("mmap: %m");
	memset(self->r.p, 1, NPAGES * page_size);
}

FIXTURE_TEARDOWN(cowstat)
{
	if (self->r.p)
		munmap(self->r.p, self->r.n * page_size);
}

/* ---- Format ---- */

/* Is one of @names ("a|b") in @version_line's probes= list? */
static bool probe_listed(const char *version_line, const char *names)
{
	const char *probes = strstr(version_line, " probes=");
	size_t len;

	for (; probes && *names; names += len + !!names[len]) {
		len = strcspn(names, "|");
		if (memmem(probes, strlen(probes), names, len))
			return true;
	}
	return false;
}

COWSTAT_TEST_F(cowstat, format)
{
	static const char *const always[] = {
		"pid", "tgid", "ppid", "uid", "start", "cgroup", "state", "faults",
		"shared", "unshare", "remote", "comm",
	};
	/*
	 * A column is shown exactly when the probes it needs are attached.
	 * arm64 inlines pmdp_set_access_flags around __ptep_set_access_flags
	 * (_anysz since 7.x), whose probe serves both: "a|b" is either.
	 */
	static const struct { const char *col, *probes[3]; } optional[] = {
		{ "copies", { "ptep_clear_flush" } },
		{ "reuses", { "ptep_set_access_flags" } },
		{ "other", { "ptep_set_access_flags", "ptep_clear_flush" } },
		{ "zero", { "ptep_clear_flush" } },
		{ "ksm", { "ptep_clear_flush" } },
		{ "thp", { "do_huge_pmd_wp_page", "pmdp_set_access_flags|__ptep_set_access_flags",
			   "pmdp_huge_clear_flush" } },
		{ "hugetlb", { "hugetlb_fault", "ptep_clear_flush" } },
		{ "bytes", { "ptep_clear_flush", "hugetlb_fault" } },
		{ "large", { "ptep_set_access_flags" } },
		{ "thp_zero", { "do_huge_pmd_wp_page", "pmdp_huge_clear_flush" } },
	};
	struct cowstat_table t = { 0 };
	char *text = cowstat_slurp(COWSTAT_PROC, NULL);
	unsigned int i, j;
	bool attached;

	ASSERT_NE(NULL, text) TH_LOG("read %s: %m", COWSTAT_PROC);
	ASSERT_EQ(0, cowstat_table_parse(&t, text)) TH_LOG("not a cowstat table:\n%.200s", text);
	EXPECT_EQ(2, t.version);
	EXPECT_LE(0, cowstat_version_field(&t, "tasks"));
	EXPECT_LT(0, cowstat_version_field(&t, "capacity"));
	EXPECT_LE(0, cowstat_version_field(&t, "dropped"));
	EXPECT_EQ((long long)page_size, cowstat_version_field(&t, "page_size"));
	/* Both CLOCK_MONOTONIC ns: the load, and the last reset (or the load). */
	EXPECT_LT(0, cowstat_version_field(&t, "loaded"));
	EXPECT_LE(cowstat_version_field(&t, "loaded"), cowstat_version_field(&t, "reset"));
	EXPECT_GE(monotonic_ns(), cowstat_version_field(&t, "reset"));
	EXPECT_NE(NULL, strstr(t.version_line, " probes=do_wp_page"));
	EXPECT_STREQ("comm", t.cols[t.ncols - 1]);
	for (i = 0; i < ARRAY_SIZE(always); i++) {
		EXPECT_LE(0, cowstat_col(&t, always[i]))
			TH_LOG("no column %s", always[i]);
	}
	for (i = 0; i < ARRAY_SIZE(optional); i++) {
		attached = true;
		for (j = 0; j < 3 && optional[i].probes[j]; j++)
			attached &= probe_listed(t.version_line, optional[i].probes[j]);
		EXPECT_EQ(attached, cowstat_col(&t, optional[i].col) >= 0)
			TH_LOG("column %s with its probes %sattached", optional[i].col,
			       attached ? "" : "not ");
	}
	EXPECT_EQ(cowstat_version_field(&t, "tasks"), t.nrows);
	cowstat_table_free(&t);
	free(text);
}

/*
 * Every exited row: faults = copies + reuses + shared + unshare + other,
 * and bytes = copies * page_size + thp_zero * 2 MiB (+ hugetlb pages).
 */
COWSTAT_TEST_F(cowstat, invariant_every_row)
{
	static const char *const outcomes[] = { "copies", "reuses", "other" };
	struct cowstat_table t = { 0 };
	char *text = cowstat_slurp(COWSTAT_PROC, NULL);
	uint64_t sum;
	int r;

	ASSERT_NE(NULL, text);
	ASSERT_EQ(0, cowstat_table_parse(&t, text));
	for (r = 0; r < (int)ARRAY_SIZE(outcomes); r++) {
		if (cowstat_col(&t, outcomes[r]) < 0) {
			cowstat_table_free(&t);
			free(text);
			SKIP(return, "no %s column: its probe is not attached", outcomes[r]);
		}
	}
	for (r = 0; r < t.nrows; r++) {
		if (strcmp(cowstat_field(&t, r, cowstat_col(&t, "state")), "X"))
			continue;	/* a live task may be inside a fault */
		sum = cowstat_get(&t, r, "copies") + cowstat_get(&t, r, "reuses") +
		      cowstat_get(&t, r, "shared") + cowstat_get(&t, r, "unshare") +
		      cowstat_get(&t, r, "other");
		EXPECT_EQ(cowstat_get(&t, r, "faults"), sum)
			TH_LOG("row of pid %s", cowstat_field(&t, r, 0));
		/* hugetlb pages come in several sizes; zero THPs in one. */
		if (cowstat_get(&t, r, "hugetlb") == 0)
			EXPECT_EQ(cowstat_get(&t, r, "copies") * page_size +
				  cowstat_get(&t, r, "thp_zero") * COWSTAT_HPAGE,
				  cowstat_get(&t, r, "bytes"))
				TH_LOG("row of pid %s", cowstat_field(&t, r, 0));
	}
	cowstat_table_free(&t);
	free(text);
}

/* ---- The table of cases (cowstat_cases.h), one result line each ---- */

FIXTURE(cow) {
	bool setup_skipped;
};

FIXTURE_VARIANT(cow) {
	enum cowstat_case_id	id;
};

/* Each case of the table, under a name for its result line. */
FIXTURE_VARIANT_ADD(cow, child_copies_inherited_pages) { .id = COWSTAT_CHILD_COPIES };
FIXTURE_VARIANT_ADD(cow, parent_reuses_after_child_exit) { .id = COWSTAT_REUSE };
FIXTURE_VARIANT_ADD(cow, zero_page_copies) { .id = COWSTAT_ZERO_COPIES };
FIXTURE_VARIANT_ADD(cow, soft_dirty_reuses) { .id = COWSTAT_SOFT_DIRTY };
FIXTURE_VARIANT_ADD(cow, shared_write_notify) { .id = COWSTAT_SHARED_NOTIFY };
FIXTURE_VARIANT_ADD(cow, process_vm_readv_unshares) { .id = COWSTAT_REMOTE_READ };
FIXTURE_VARIANT_ADD(cow, process_vm_writev_copies) { .id = COWSTAT_REMOTE_WRITE };
FIXTURE_VARIANT_ADD(cow, thp_parent_reuses_pmd) { .id = COWSTAT_THP_REUSE };
FIXTURE_VARIANT_ADD(cow, thp_unshare_is_not_a_write) { .id = COWSTAT_THP_UNSHARE };
FIXTURE_VARIANT_ADD(cow, thp_child_write_falls_back) { .id = COWSTAT_THP_CHILD };
FIXTURE_VARIANT_ADD(cow, hugetlb_child_copies) { .id = COWSTAT_HUGETLB_CHILD };
FIXTURE_VARIANT_ADD(cow, ksm_copies) { .id = COWSTAT_KSM_COPIES };

FIXTURE_SETUP(cow)
{
	FIXTURE_PREAMBLE();
}

FIXTURE_TEARDOWN(cow)
{
}

/* Every counter moves by exactly what the case says. */
COWSTAT_TEST_F(cow, exact)
{
	const struct cowstat_case *c = &cowstat_cases[variant->id];
	/* cowstat.sh mounts ext4 there: shared_write_notify needs writeback. */
	struct cowstat_ctx ctx = { .pages = NPAGES, .dir = getenv("COWSTAT_EXT4") };
	struct cowstat_counts want;
	struct cowstat_result res;

	cowstat_run_case(&res, c, &ctx, &want);
	RESULT_OR_SKIP(&res);
	check_delta(_metadata, &res, &want);
	if (c->vmstat)
		EXPECT_EQ(c->want_aux * ctx.n, res.aux)
			TH_LOG("/proc/vmstat %s moved by %llu", c->vmstat,
			       (unsigned long long)res.aux);
}

/* ---- Huge pages ---- */

#define HPAGE	COWSTAT_HPAGE

static void thp_zero_then_write(struct cowstat_result *res, void *arg)
{
	struct region r = { .n = 1, .value = 1, .p = map_aligned(HPAGE) };
	long before;

	if (!r.p)
		COWSTAT_FAIL(res, "mmap: %m");
	if (madvise(r.p, HPAGE, MADV_HUGEPAGE))
		COWSTAT_SKIP(res, "no transparent huge pages (madvise: %m)");
	read_region(&r);	/* maps the huge zero page, where THP allows it */
	before = cowstat_vmstat("thp_fault_alloc");
	cowstat_measure_step(res, write_region, &r);
	res->aux = cowstat_vmstat("thp_fault_alloc") - before;
}

/*
 * A write to the huge zero page: newer kernels (7.x) allocate a whole THP
 * for it, at PMD level (thp and thp_zero, 2 MiB of bytes), older ones split
 * the PMD and copy one 4 KiB zero page.  Which one happened is the
 * kernel's own thp_fault_alloc; cowstat must agree with it exactly.
 */
COWSTAT_TEST_F(cowstat, thp_zero_page_write)
{
	struct cowstat_result res;

	in_child_quietest(&res, thp_zero_then_write, NULL);
	RESULT_OR_SKIP(&res);
	ksft_print_msg("the huge zero page write %s\n", res.aux == 1 ?
		       "allocated a THP" : "split the PMD and copied a 4 KiB zero page");
	if (res.aux == 1)
		check_delta(_metadata, &res, &WANT([CS_THP] = 1, [CS_THP_ZERO] = 1,
						   [CS_BYTES] = HPAGE));
	else
		check_delta(_metadata, &res, &WANT([CS_FAULTS] = 1, [CS_COPIES] = 1,
						   [CS_ZERO] = 1, [CS_BYTES] = page_size));
	EXPECT_GE(1, res.aux) TH_LOG("thp_fault_alloc moved by %llu", (unsigned long long)res.aux);
}

#define MTHP_SIZE	(64 << 10)
#define MTHP_ENABLED	"/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled"

static void mthp_parent_after_child(struct cowstat_result *res, void *arg)
{
	struct region r = { .n = MTHP_SIZE / page_size, .value = 3,
			    .p = map_aligned(MTHP_SIZE) };
	pid_t pid;

	if (!r.p)
		COWSTAT_FAIL(res, "mmap: %m");
	cowstat_pin_to_this_cpu();
	memset(r.p, 1, MTHP_SIZE);	/* one 64 KiB folio */
	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	cowstat_measure_step(res, write_region, &r);
}

/*
 * The last user of a 64 KiB folio, PTE-mapped, writes each of its pages.
 * Since 6.15 the kernel reuses them in place (reuses, and large); before,
 * it copied each one.  Either way, all 16 the same way, and exact.
 */
COWSTAT_TEST_F(cowstat, mthp_parent_reuses_large)
{
	const uint64_t n = MTHP_SIZE / page_size;
	char old[64] = "";
	struct cowstat_result res;
	int fd = open(MTHP_ENABLED, O_RDWR);

	if (fd < 0)
		SKIP(return, "no multi-size THP (%s: %m)", MTHP_ENABLED);
	if (read(fd, old, sizeof(old) - 1) <= 0 || !strchr(old, '[')) {
		close(fd);
		SKIP(return, "cannot read %s", MTHP_ENABLED);
	}
	/* "always [madvise] never" -> "madvise" */
	*strchr(strchr(old, '['), ']') = '\0';
	memmove(old, strchr(old, '[') + 1, strlen(strchr(old, '[')));
	ASSERT_EQ(0, cowstat_write_str(MTHP_ENABLED, "always"));
	cowstat_measure_in_child(&res, mthp_parent_after_child, NULL, NULL);
	cowstat_write_str(MTHP_ENABLED, old);
	close(fd);
	RESULT_OR_SKIP(&res);
	ksft_print_msg("the last user's writes to a 64 KiB folio were %s\n",
		       res.delta.v[CS_REUSES] ? "reused in place" : "copied");
	if (res.delta.v[CS_REUSES])
		check_delta(_metadata, &res, &WANT([CS_FAULTS] = n, [CS_REUSES] = n,
						   [CS_LARGE] = n));
	else
		check_delta(_metadata, &res, &WANT([CS_FAULTS] = n, [CS_COPIES] = n,
						   [CS_BYTES] = n * page_size));
}

/* ---- Threads ---- */

struct thread_arg {
	pthread_barrier_t	*barrier;
	pthread_mutex_t		*read_lock;	/* cowstat_read_counts()'s buffers */
	struct region		r;
	pid_t			tid;
	struct cowstat_counts	delta;
};

static void read_own_row(struct thread_arg *ta, struct cowstat_counts *c)
{
	pthread_mutex_lock(ta->read_lock);
	cowstat_read_counts(ta->tid, c);
	pthread_mutex_unlock(ta->read_lock);
}

/*
 * Between its two reads, each thread writes its half and waits for the
 * other to write the other half: one row per process would show both.
 * Only that window counts: whatever glibc writes to start and end a
 * thread is no part of the test.
 */
static void *thread_writes(void *p)
{
	struct thread_arg *ta = p;
	struct cowstat_counts before, after;
	int i;

	ta->tid = gettid();
	read_own_row(ta, &before);
	pthread_barrier_wait(ta->barrier);
	write_region(&ta->r);
	pthread_barrier_wait(ta->barrier);
	read_own_row(ta, &after);
	for (i = 0; i < CS_NR_COUNTERS; i++)
		ta->delta.v[i] = after.v[i] - before.v[i];
	return NULL;
}

/* Two threads write their own halves of inherited memory at the same time. */
COWSTAT_TEST_F(cowstat, threads_have_exact_rows)
{
	static pthread_barrier_t barrier;
	static pthread_mutex_t read_lock;
	struct thread_arg ta[2];
	int fds[2], i;
	pid_t pid;

	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pthread_t th[2];

		/*
		 * Everything the threads share is written here first: the
		 * synchronisation objects, ta[] and the read buffers.
		 */
		memset(ta, 0, sizeof(ta));
		pthread_barrier_init(&barrier, NULL, 2);
		pthread_mutex_init(&read_lock, NULL);
		memset(cowstat_measure_text, 0, sizeof(cowstat_measure_text));
		memset(cowstat_measure_fields, 0, sizeof(cowstat_measure_fields));
		for (i = 0; i < 2; i++) {
			ta[i].barrier = &barrier;
			ta[i].read_lock = &read_lock;
			ta[i].r.p = self->r.p + i * (NPAGES / 2) * page_size;
			ta[i].r.n = NPAGES / 2;
			ta[i].r.value = 10 + i;
			pthread_create(&th[i], NULL, thread_writes, &ta[i]);
		}
		for (i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		if (write(fds[1], ta, sizeof(ta)) != sizeof(ta))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	ASSERT_EQ(sizeof(ta), read(fds[0], ta, sizeof(ta)));
	waitpid(pid, NULL, 0);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(NPAGES / 2, ta[i].delta.v[CS_FAULTS]) TH_LOG("thread %d", ta[i].tid);
		EXPECT_EQ(NPAGES / 2, ta[i].delta.v[CS_COPIES]) TH_LOG("thread %d", ta[i].tid);
		EXPECT_EQ(0, ta[i].delta.v[CS_REUSES] + ta[i].delta.v[CS_OTHER])
			TH_LOG("thread %d", ta[i].tid);
	}
}

/* ---- exec from a thread ---- */

/*
 * Not a test: cowstat_test started with COWSTAT_EXEC_FROM_THREAD=N[,W,R]
 * execs itself from a second thread N times over, each program copying a
 * zero page first in both threads so that both have rows.  The last
 * program copies NPAGES zero pages; given pipe ends W and R, it measures
 * that, writes the result to W and waits for R to close.  Before each exec
 * the thread writes its tid to W.  cowstat_module.sh churns with it too.
 */
static void copy_zero_pages(size_t n)
{
	struct region r = { .n = n, .value = 1 };

	r.p = cowstat_map_pages(n);
	if (!r.p)
		_exit(1);
	read_region(&r);
	write_region(&r);
}

static int exec_left, exec_wfd = -1, exec_rfd = -1;
#define EXEC_THREAD_COMM	"exec_thread"

static void *exec_thread(void *arg)
{
	char env[64];
	pid_t tid = gettid();

	copy_zero_pages(1);
	/* The name this tid's row must end with: not the leader's, not the new program's. */
	prctl(PR_SET_NAME, EXEC_THREAD_COMM);
	if (exec_wfd >= 0 && write(exec_wfd, &tid, sizeof(tid)) != sizeof(tid))
		_exit(1);
	snprintf(env, sizeof(env), "COWSTAT_EXEC_FROM_THREAD=%d,%d,%d", exec_left - 1,
		 exec_wfd, exec_rfd);
	putenv(env);
	execl("/proc/self/exe", "cowstat_test", (char *)NULL);
	_exit(1);
}

static void exec_last(void *arg)
{
	copy_zero_pages(NPAGES);
}

__attribute__((constructor)) static void exec_from_thread(void)
{
	const char *env = getenv("COWSTAT_EXEC_FROM_THREAD");
	struct cowstat_result res = { 0 };
	pthread_t th;
	char c;

	if (!env || sscanf(env, "%d,%d,%d", &exec_left, &exec_wfd, &exec_rfd) < 1)
		return;
	page_size = sysconf(_SC_PAGESIZE);
	if (exec_left > 0) {
		copy_zero_pages(1);
		if (pthread_create(&th, NULL, exec_thread, NULL))
			_exit(1);
		pause();	/* de_thread() ends this thread */
		_exit(1);
	}
	if (exec_wfd < 0) {
		copy_zero_pages(NPAGES);
		_exit(0);
	}
	copy_zero_pages(1);	/* a row of its own before measuring */
	res.pid = getpid();
	if (cowstat_measure(&res.delta, exec_last, NULL))
		res.error = 1;
	if (write(exec_wfd, &res, sizeof(res)) != sizeof(res))
		_exit(1);
	while (read(exec_rfd, &c, 1) > 0)
		;
	_exit(0);
}

/* States of the rows of @pid: how many are live (R) and exited (X); -1 on error. */
static int row_states(pid_t pid, int *live, int *exited)
{
	struct cowstat_table t = { 0 };
	char *text = cowstat_slurp(COWSTAT_PROC, NULL);
	const char *state;
	int r;

	*live = *exited = 0;
	if (!text || cowstat_table_parse(&t, text)) {
		free(text);
		return -1;
	}
	for (r = 0; r < t.nrows; r++) {
		if (atoi(cowstat_field(&t, r, 0)) != pid)
			continue;
		state = cowstat_field(&t, r, cowstat_col(&t, "state"));
		*live += !strcmp(state, "R");
		*exited += !strcmp(state, "X");
	}
	cowstat_table_free(&t);
	free(text);
	return 0;
}

/* Is @fn in the header's probes= list? */
static bool probe_attached(const char *fn)
{
	char *text = cowstat_slurp(COWSTAT_PROC, NULL);
	char *eol = text ? strchr(text, '\n') : NULL;
	bool found;

	if (eol)
		*eol = '\0';
	found = text && strstr(text, fn);
	free(text);
	return found;
}

/* The comm of @pid's newest row into @comm (16 bytes); -1 if none. */
static int row_comm(pid_t pid, char *comm)
{
	struct cowstat_table t = { 0 };
	char *text = cowstat_slurp(COWSTAT_PROC, NULL);
	int r = -1;

	if (text && !cowstat_table_parse(&t, text)) {
		r = cowstat_find(&t, pid);
		if (r >= 0)
			cowstat_unescape(cowstat_field(&t, r, cowstat_col(&t, "comm")), comm, 16);
		cowstat_table_free(&t);
	}
	free(text);
	return r < 0 ? -1 : 0;
}

/*
 * A thread execs: de_thread() gives it the leader's pid and start time.
 * The thread's old tid has ended (X), and the new program's faults go to
 * a live row of its own, not to the exited leader's.
 */
COWSTAT_TEST_F(cowstat, exec_from_thread)
{
	int to_test[2], to_prog[2], live, exited;
	char env[64], comm[16], old_comm[16] = "";
	struct cowstat_result res;
	pid_t pid, tid;

	ASSERT_EQ(0, prctl(PR_GET_NAME, old_comm));
	ASSERT_EQ(0, pipe(to_test));
	ASSERT_EQ(0, pipe(to_prog));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(to_test[0]);
		close(to_prog[1]);
		snprintf(env, sizeof(env), "COWSTAT_EXEC_FROM_THREAD=1,%d,%d", to_test[1],
			 to_prog[0]);
		putenv(env);
		exec_from_thread();
		_exit(1);
	}
	close(to_test[1]);
	close(to_prog[0]);
	ASSERT_EQ(sizeof(tid), read(to_test[0], &tid, sizeof(tid)));
	ASSERT_EQ(sizeof(res), read(to_test[0], &res, sizeof(res)));
	ASSERT_EQ(0, res.error) TH_LOG("the new program could not measure itself");
	ASSERT_NE(pid, tid);
	check_delta(_metadata, &res, &WANT([CS_FAULTS] = NPAGES, [CS_COPIES] = NPAGES,
					   [CS_ZERO] = NPAGES,
					   [CS_BYTES] = NPAGES * page_size));
	ASSERT_EQ(0, row_states(pid, &live, &exited));
	EXPECT_EQ(1, live) TH_LOG("pid %d runs the new program", pid);
	EXPECT_EQ(1, exited) TH_LOG("pid %d: the old leader's row", pid);
	ASSERT_EQ(0, row_states(tid, &live, &exited));
	EXPECT_EQ(0, live) TH_LOG("tid %d has exec'd: its old row is still live", tid);
	EXPECT_EQ(1, exited) TH_LOG("tid %d", tid);
	/*
	 * That row counted the old program's faults, and keeps the name the
	 * thread had when its tid ended, at exchange_tids(); without that
	 * probe, the name the row was taken under.
	 */
	ASSERT_EQ(0, row_comm(tid, comm)) TH_LOG("no row for tid %d", tid);
	EXPECT_STREQ(probe_attached("exchange_tids") ? EXEC_THREAD_COMM : old_comm, comm);
	close(to_prog[1]);
	waitpid(pid, NULL, 0);
	ASSERT_EQ(0, row_states(pid, &live, &exited));
	EXPECT_EQ(0, live) TH_LOG("pid %d has exited", pid);
	EXPECT_EQ(2, exited);
}

/* A task that execs keeps its row, under its new comm ("exe"), not its old one. */
COWSTAT_TEST_F(cowstat, exec_renames_row)
{
	int to_test[2], to_prog[2];
	struct cowstat_result res;
	char env[64], comm[16];
	pid_t pid;

	ASSERT_EQ(0, pipe(to_test));
	ASSERT_EQ(0, pipe(to_prog));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(to_test[0]);
		close(to_prog[1]);
		copy_zero_pages(1);	/* a row under the old comm */
		snprintf(env, sizeof(env), "COWSTAT_EXEC_FROM_THREAD=0,%d,%d", to_test[1],
			 to_prog[0]);
		putenv(env);
		execl("/proc/self/exe", "cowstat_test", (char *)NULL);
		_exit(1);
	}
	close(to_test[1]);
	close(to_prog[0]);
	ASSERT_EQ(sizeof(res), read(to_test[0], &res, sizeof(res)));
	ASSERT_EQ(0, res.error);
	ASSERT_EQ(0, row_comm(pid, comm)) TH_LOG("no row for pid %d", pid);
	EXPECT_STREQ("exe", comm);
	close(to_prog[1]);
	waitpid(pid, NULL, 0);
}

/*
 * An executable that fails only after exec's point of no return: its one
 * segment is at a kernel address, which loading it cannot map.  Written
 * to @path; 0 on success.
 */
static int write_failing_elf(const char *path)
{
	struct {
		Elf64_Ehdr	ehdr;
		Elf64_Phdr	phdr;
	} elf = {
		.ehdr = {
			.e_ident	= { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
					    ELFDATA2LSB, EV_CURRENT },
			.e_type		= ET_EXEC,
#if defined(__x86_64__)
			.e_machine	= EM_X86_64,
#elif defined(__aarch64__)
			.e_machine	= EM_AARCH64,
#endif
			.e_version	= EV_CURRENT,
			.e_entry	= 0xffff800000000000UL,
			.e_phoff	= sizeof(Elf64_Ehdr),
			.e_ehsize	= sizeof(Elf64_Ehdr),
			.e_phentsize	= sizeof(Elf64_Phdr),
			.e_phnum	= 1,
		},
		.phdr = {
			.p_type		= PT_LOAD,
			.p_flags	= PF_R | PF_X,
			.p_vaddr	= 0xffff800000000000UL,
			.p_filesz	= sizeof(elf),
			.p_memsz	= sizeof(elf),
			.p_align	= 0x1000,
		},
	};
	int fd = open(path, O_WRONLY | O_TRUNC);
	bool ok = fd >= 0 && write(fd, &elf, sizeof(elf)) == sizeof(elf);

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static const char *failing_elf;
static int failing_exec_fd = -1;

/* A thread with a row of its own execs failing_elf; it returns only if exec failed early. */
static void *exec_failing_thread(void *arg)
{
	pid_t tid = gettid();
	int err;

	copy_zero_pages(1);
	if (write(failing_exec_fd, &tid, sizeof(tid)) != sizeof(tid))
		_exit(1);
	execl(failing_elf, "cowstat_fails", (char *)NULL);
	err = errno;
	if (write(failing_exec_fd, &err, sizeof(err)) != sizeof(err))
		_exit(1);
	_exit(2);
}

/*
 * A thread execs, and the exec fails after de_thread() gave it its
 * leader's tid: the process dies of SIGSEGV and sched_process_exec never
 * fires.  The thread's old tid has still ended, like an exit: no row of
 * it stays live.
 */
COWSTAT_TEST_F(cowstat, failed_exec_from_thread_ends_its_tid)
{
	char path[] = "/tmp/cowstat-fails.XXXXXX";
	int fd, fds[2], status, err, live, exited;
	pthread_t th;
	pid_t pid, tid;

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	close(fd);	/* exec refuses a file open for writing */
	ASSERT_EQ(0, write_failing_elf(path));
	ASSERT_EQ(0, chmod(path, 0700));
	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(fds[0]);
		failing_elf = path;
		failing_exec_fd = fds[1];
		copy_zero_pages(1);
		if (pthread_create(&th, NULL, exec_failing_thread, NULL))
			_exit(1);
		pause();	/* de_thread() ends this thread */
		_exit(1);
	}
	close(fds[1]);
	ASSERT_EQ(sizeof(tid), read(fds[0], &tid, sizeof(tid)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	unlink(path);
	if (read(fds[0], &err, sizeof(err)) == sizeof(err))
		SKIP(return, "exec of %s failed before de_thread(): %s", path, strerror(err));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
		TH_LOG("the failed exec ended the process with status %#x", status);
	ASSERT_NE(pid, tid);
	ASSERT_EQ(0, row_states(tid, &live, &exited));
	EXPECT_EQ(0, live) TH_LOG("tid %d: its row is live, with no task left", tid);
	EXPECT_EQ(1, exited) TH_LOG("tid %d", tid);
	ASSERT_EQ(0, row_states(pid, &live, &exited));
	EXPECT_EQ(0, live) TH_LOG("pid %d: a row is live, with no task left", pid);
}

/* ---- userfaultfd ---- */

struct uffd_writer {
	char		*p;
	struct cowstat_result	res;
	long		pgreuse;	/* /proc/vmstat pgreuse moved by this much */
};

static void write_one_page(void *arg)
{
	*(volatile char *)arg = 2;
}

static void *uffd_thread(void *arg)
{
	struct uffd_writer *w = arg;
	long before = cowstat_vmstat("pgreuse");

	cowstat_measure_step(&w->res, write_one_page, w->p);
	w->pgreuse = cowstat_vmstat("pgreuse") - before;
	return NULL;
}

/*
 * A private page of ours alone, present and write-protected by a new
 * userfaultfd, returned in @uffd; NULL (and @res says why) if it cannot be.
 */
static char *uffd_wp_page(struct cowstat_result *res, int *uffd)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_WP };
	struct uffdio_writeprotect wp = { .mode = UFFDIO_WRITEPROTECT_MODE_WP };
	char *p = cowstat_map_pages(1);

	if (!p) {
		res->error = 1;
		snprintf(res->msg, sizeof(res->msg), "mmap: %m");
		return NULL;
	}
	p[0] = 1;
	*uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (*uffd < 0) {
		res->skip = 1;
		snprintf(res->msg, sizeof(res->msg), "userfaultfd: %m (CONFIG_USERFAULTFD)");
		return NULL;
	}
	reg.range.start = (unsigned long)p;
	reg.range.len = page_size;
	wp.range = reg.range;
	if (ioctl(*uffd, UFFDIO_API, &api) || ioctl(*uffd, UFFDIO_REGISTER, &reg)) {
		res->skip = 1;
		snprintf(res->msg, sizeof(res->msg), "UFFDIO_REGISTER_MODE_WP: %m");
		return NULL;
	}
	if (ioctl(*uffd, UFFDIO_WRITEPROTECT, &wp)) {
		res->error = 1;
		snprintf(res->msg, sizeof(res->msg), "UFFDIO_WRITEPROTECT: %m");
		return NULL;
	}
	return p;
}

/* Wait until a write to @p is handed to us; 0, or -1 if none comes. */
static int uffd_wait_wp(int uffd)
{
	struct uffd_msg msg;
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };

	if (poll(&pfd, 1, 30000) != 1 || read(uffd, &msg, sizeof(msg)) != sizeof(msg))
		return -1;
	if (msg.event != UFFD_EVENT_PAGEFAULT ||
	    !(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP))
		return -1;
	return 0;
}

/* Unprotect @p, which wakes its writer. */
static int uffd_release(int uffd, char *p)
{
	struct uffdio_writeprotect wp = {
		.range = { (unsigned long)p, page_size },
	};

	return ioctl(uffd, UFFDIO_WRITEPROTECT, &wp);
}

static void uffd_wp_handoff(struct cowstat_result *res, void *arg)
{
	struct uffd_writer *w = arg;
	pthread_t th;
	int uffd;

	w->p = uffd_wp_page(res, &uffd);
	if (!w->p)
		return;
	if (pthread_create(&th, NULL, uffd_thread, w))
		COWSTAT_FAIL(res, "pthread_create");
	if (uffd_wait_wp(uffd) || uffd_release(uffd, w->p))
		COWSTAT_FAIL(res, "no userfaultfd write-protect fault to release: %m");
	pthread_join(th, NULL);
	*res = w->res;
	res->aux = w->pgreuse;
	if (res->error)
		COWSTAT_FAIL(res, "read %s: %m", COWSTAT_PROC);
}

/*
 * A write to a uffd-wp page is handed to the monitor (other) and retried.
 * 6.1 retries into a second fault that reuses the page; 6.12 unprotects
 * the page writable, and the retry only marks it young: no reuse there,
 * whatever the retry calls.  pgreuse says which, in the quietest run.
 */
COWSTAT_TEST_F(cowstat, uffd_wp_handoff_is_other)
{
	struct uffd_writer w = { 0 };
	struct cowstat_result res;

	in_child_quietest(&res, uffd_wp_handoff, &w);
	RESULT_OR_SKIP(&res);
	ASSERT_GE(1, res.aux) TH_LOG("pgreuse moved by %llu", (unsigned long long)res.aux);
	check_delta(_metadata, &res, &WANT([CS_FAULTS] = 1 + res.aux, [CS_OTHER] = 1,
					   [CS_REUSES] = res.aux));
}

static volatile pid_t writer_tid;

static void *write_page_thread(void *arg)
{
	writer_tid = gettid();
	*(volatile char *)arg = 3;
	return NULL;
}

static void pending_in_pid_ns(struct cowstat_result *res, void *arg)
{
	struct cowstat_counts c;
	pthread_t th;
	char *p;
	int uffd;

	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("proc", "/proc", "proc", 0, NULL))
		COWSTAT_SKIP(res, "mount proc in a new mount namespace: %m");
	p = uffd_wp_page(res, &uffd);
	if (!p)
		return;
	writer_tid = 0;		/* its page is ours before the thread writes it */
	if (pthread_create(&th, NULL, write_page_thread, p))
		COWSTAT_FAIL(res, "pthread_create");
	if (uffd_wait_wp(uffd))
		COWSTAT_FAIL(res, "no userfaultfd write-protect fault: %m");
	/* The thread is inside its fault, handed to us: nothing has ended yet. */
	res->pid = writer_tid;
	if (cowstat_read_counts(res->pid, &c) != 1)
		res->error = 1;
	res->delta = c;
	uffd_release(uffd, p);
	pthread_join(th, NULL);
	if (res->error)
		COWSTAT_FAIL(res, "no row for tid %d in the pid namespace", res->pid);
}

static void in_new_pid_ns(struct cowstat_result *res, void *arg)
{
	if (unshare(CLONE_NEWPID | CLONE_NEWNS))
		COWSTAT_SKIP(res, "unshare(CLONE_NEWPID | CLONE_NEWNS): %m");
	cowstat_measure_in_child(res, pending_in_pid_ns, NULL, arg);
}

/*
 * In a container, a live task's fault in progress is not "other" yet: the
 * reader looks the task up by its global pid, not its pid in there.
 */
COWSTAT_TEST_F(cowstat, pending_fault_in_pid_namespace)
{
	struct cowstat_result res;

	cowstat_measure_in_child(&res, in_new_pid_ns, NULL, NULL);
	RESULT_OR_SKIP(&res);
	/* Every fault has ended one way or another, but the one in progress. */
	EXPECT_EQ(res.delta.v[CS_FAULTS] - 1,
		  res.delta.v[CS_COPIES] + res.delta.v[CS_REUSES] + res.delta.v[CS_SHARED] +
		  res.delta.v[CS_UNSHARE] + res.delta.v[CS_OTHER])
		TH_LOG("tid %d in the namespace", res.pid);
	EXPECT_EQ(0, res.delta.v[CS_OTHER]) TH_LOG("tid %d: its fault has not ended", res.pid);
}

/* ---- Cross-checks against the kernel's own counts ---- */

static const char *tracefs(void)
{
	if (!access("/sys/kernel/tracing/kprobe_events", W_OK))
		return "/sys/kernel/tracing";
	if (!access("/sys/kernel/debug/tracing/kprobe_events", W_OK))
		return "/sys/kernel/debug/tracing";
	return NULL;
}

static int tracefs_write(const char *dir, const char *file, const char *val, int flags)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | flags);
	if (fd < 0)
		return -1;
	ret = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
	close(fd);
	return ret;
}

/* Count the trace lines of each pid in @pids (the "comm-PID [cpu]" prefix). */
static void count_trace_lines(const char *dir, const pid_t *pids, int n, long *hits)
{
	char path[256], line[512], *cpu, *dash;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/trace", dir);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		cpu = strstr(line, " [");
		if (line[0] == '#' || !cpu)
			continue;
		*cpu = '\0';
		dash = strrchr(line, '-');
		for (i = 0; dash && i < n; i++)
			if (atoi(dash + 1) == pids[i])
				hits[i]++;
	}
	fclose(f);
}

/* faults equals what a tracefs kprobe event on do_wp_page saw, pid by pid. */
COWSTAT_TEST_F(cowstat, faults_match_tracefs_kprobe_event)
{
	const char *dir = tracefs();
	pid_t pids[4];
	long hits[4] = { 0 };
	struct cowstat_counts c;
	int i;

	if (!dir)
		SKIP(return, "no writable tracefs kprobe_events (mount tracefs)");
	if (tracefs_write(dir, "kprobe_events", "p:cowstat_selftest/wp do_wp_page\n", O_APPEND))
		SKIP(return, "cannot create a kprobe event on do_wp_page: %m");
	ASSERT_EQ(0, tracefs_write(dir, "trace", "", O_TRUNC));
	ASSERT_EQ(0, tracefs_write(dir, "events/cowstat_selftest/wp/enable", "1", 0));
	for (i = 0; i < 4; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			self->r.n = 1 + 5 * i;
			self->r.value = 20;
			write_region(&self->r);
			_exit(0);
		}
		waitpid(pids[i], NULL, 0);
	}
	tracefs_write(dir, "events/cowstat_selftest/wp/enable", "0", 0);
	count_trace_lines(dir, pids, 4, hits);
	tracefs_write(dir, "kprobe_events", "-:cowstat_selftest/wp\n", O_APPEND);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(1, cowstat_read_counts(pids[i], &c)) TH_LOG("no row for pid %d", pids[i]);
		EXPECT_EQ(hits[i], c.v[CS_FAULTS]) TH_LOG("pid %d", pids[i]);
		EXPECT_LE(1 + 5 * i, c.v[CS_COPIES]) TH_LOG("pid %d", pids[i]);
	}
}

/* Sum of reuses over all rows moves with /proc/vmstat pgreuse (quiet system). */
COWSTAT_TEST_F(cowstat, reuses_match_vmstat_pgreuse)
{
	struct cowstat_ctx ctx = { .pages = NPAGES };
	struct cowstat_counts want;
	struct cowstat_result res;
	long before = cowstat_vmstat("pgreuse");

	if (before < 0)
		SKIP(return, "no pgreuse in /proc/vmstat");
	cowstat_run_case(&res, &cowstat_cases[COWSTAT_REUSE], &ctx, &want);
	RESULT_OR_SKIP(&res);
	/*
	 * pgreuse also counts whatever else ran meanwhile: the kernel's figure
	 * must be at least the test's own exact one.
	 */
	EXPECT_EQ(NPAGES, res.delta.v[CS_REUSES]);
	EXPECT_LE(NPAGES, cowstat_vmstat("pgreuse") - before);
}

/* ---- The trace event, cowstat:cow_fault ---- */

#define EVENTS_INSTANCE	"instances/cowstat_selftest"
#define EVENTS_MAX_TASKS	1024

/* What the events of one task (in one cgroup) add up to, as columns. */
struct event_task {
	int			pid;
	uint64_t		cgroup;
	struct cowstat_counts	c;
};

static struct event_task *event_task(struct event_task *tasks, int *n, int pid, uint64_t cgroup)
{
	int i;

	for (i = 0; i < *n; i++)
		if (tasks[i].pid == pid && tasks[i].cgroup == cgroup)
			return &tasks[i];
	if (*n == EVENTS_MAX_TASKS)
		return NULL;
	memset(&tasks[*n], 0, sizeof(tasks[*n]));
	tasks[*n].pid = pid;
	tasks[*n].cgroup = cgroup;
	return &tasks[(*n)++];
}

/*
 * Add one event line to its task's columns: a THP or hugetlb event to thp
 * or hugetlb, any other to faults and its outcome's column.  Returns
 * false for a line that is not one, or whose latency is not what its
 * outcome has (measured for copy and reuse, none for the rest).
 */
static bool tally_event(struct event_task *tasks, int *n, const char *line)
{
	char pid[16], cgroup[24], outcome[16], kind[64], bytes[24], latency[24];
	struct event_task *t;
	bool timed;
	uint64_t *v;

	if (!cowstat_event_field(line, "pid", pid, sizeof(pid)) ||
	    !cowstat_event_field(line, "cgroup", cgroup, sizeof(cgroup)) ||
	    !cowstat_event_field(line, "outcome", outcome, sizeof(outcome)) ||
	    !cowstat_event_field(line, "bytes", bytes, sizeof(bytes)) ||
	    !cowstat_event_field(line, "latency_ns", latency, sizeof(latency)))
		return false;
	if (!cowstat_event_field(line, "kind", kind, sizeof(kind)))
		kind[0] = '\0';
	t = event_task(tasks, n, atoi(pid), strtoull(cgroup, NULL, 10));
	if (!t)
		return false;
	v = t->c.v;
	v[CS_BYTES] += strtoull(bytes, NULL, 10);
	timed = !strcmp(outcome, "copy") || !strcmp(outcome, "reuse");
	if (timed != (strtoull(latency, NULL, 10) > 0))
		return false;
	if (strstr(kind, "thp")) {
		v[CS_THP]++;
		v[CS_THP_ZERO] += !!strstr(kind, "zero");
		return true;
	}
	if (strstr(kind, "hugetlb")) {
		v[CS_HUGETLB]++;
		return true;
	}
	v[CS_FAULTS]++;
	if (!strcmp(outcome, "copy")) {
		v[CS_COPIES]++;
		v[CS_ZERO] += !!strstr(kind, "zero");
		v[CS_KSM] += !!strstr(kind, "ksm");
	} else if (!strcmp(outcome, "reuse")) {
		v[CS_REUSES]++;
		v[CS_LARGE] += !!strstr(kind, "large");
	} else if (!strcmp(outcome, "shared")) {
		v[CS_SHARED]++;
	} else if (!strcmp(outcome, "unshare")) {
		v[CS_UNSHARE]++;
	} else if (!strcmp(outcome, "other")) {
		v[CS_OTHER]++;
	} else {
		return false;
	}
	return true;
}

/*
 * With the event on, every case of the table runs, and a uffd-wp hand-off
 * (other).  Then, for every task that began after the event went on and
 * ended before its rows are read, its events add up, column by column, to
 * its row: faults + thp + hugetlb events in all, outcome by outcome.
 */
COWSTAT_TEST_F(cowstat, event_counts_equal_rows)
{
	static struct event_task tasks[EVENTS_MAX_TASKS];
	const char *dir = tracefs();
	const int cols[] = { CS_FAULTS, CS_COPIES, CS_REUSES, CS_SHARED, CS_UNSHARE, CS_OTHER,
			     CS_ZERO, CS_KSM, CS_THP, CS_HUGETLB, CS_BYTES, CS_LARGE, CS_THP_ZERO };
	struct cowstat_counts sum = { 0 };
	struct cowstat_table t = { 0 };
	char instance[256], path[320], *text, *line = NULL;
	int ntasks = 0, bad_lines = 0, compared = 0, i, r, k;
	struct uffd_writer w = { 0 };
	struct cowstat_result res;
	struct timespec ts;
	bool uffd_ran;
	uint64_t since;
	size_t cap = 0;
	FILE *f;

	if (!dir)
		SKIP(return, "no writable tracefs (mount tracefs)");
	snprintf(path, sizeof(path), "%s/events/cowstat/cow_fault", dir);
	if (access(path, F_OK))
		SKIP(return, "this module has no trace event cowstat:cow_fault");
	snprintf(instance, sizeof(instance), "%s/%s", dir, EVENTS_INSTANCE);
	rmdir(instance);
	ASSERT_EQ(0, mkdir(instance, 0755)) TH_LOG("mkdir %s: %m", instance);
	ASSERT_EQ(0, tracefs_write(instance, "buffer_size_kb", "8192", 0));
	ASSERT_EQ(0, tracefs_write(instance, "events/cowstat/cow_fault/enable", "1", 0));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	since = ts.tv_sec * 1000000000ULL + ts.tv_nsec;

	for (i = 0; i < COWSTAT_NR_CASES; i++) {
		struct cowstat_ctx ctx = { .pages = NPAGES, .dir = getenv("COWSTAT_EXT4") };
		struct cowstat_counts want;

		cowstat_run_case(&res, &cowstat_cases[i], &ctx, &want);
	}
	cowstat_measure_in_child(&res, uffd_wp_handoff, NULL, &w);
	uffd_ran = !res.skip && !res.error;

	/* The rows first: a task that ends after this has no row compared. */
	text = cowstat_slurp(COWSTAT_PROC, NULL);
	tracefs_write(instance, "events/cowstat/cow_fault/enable", "0", 0);
	ASSERT_NE(NULL, text);
	ASSERT_EQ(0, cowstat_table_parse(&t, text));
	EXPECT_EQ(0, cowstat_trace_overruns(instance)) TH_LOG("the ring buffer lost events");

	snprintf(path, sizeof(path), "%s/trace", instance);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f) TH_LOG("%s: %m", path);
	while (getline(&line, &cap, f) > 0)
		if (line[0] != '#' && !tally_event(tasks, &ntasks, line) && bad_lines++ < 3)
			TH_LOG("not an event, or a wrong latency: %s", line);
	fclose(f);
	free(line);
	tracefs_write(instance, "trace", "", O_TRUNC);
	rmdir(instance);
	EXPECT_EQ(0, bad_lines);
	ASSERT_GT(EVENTS_MAX_TASKS, ntasks) TH_LOG("more tasks than the test keeps");

	for (r = 0; r < t.nrows; r++) {
		struct event_task none = { 0 }, *ev = &none;

		if (strcmp(cowstat_field(&t, r, cowstat_col(&t, "state")), "X") ||
		    cowstat_get(&t, r, "start") < since)
			continue;
		for (i = 0; i < ntasks; i++)
			if (tasks[i].pid == (int)cowstat_get(&t, r, "pid") &&
			    tasks[i].cgroup == cowstat_get(&t, r, "cgroup"))
				ev = &tasks[i];
		compared++;
		for (k = 0; k < (int)ARRAY_SIZE(cols); k++) {
			uint64_t row = cowstat_get(&t, r, cowstat_counter_name[cols[k]]);

			sum.v[cols[k]] += row;
			EXPECT_EQ(row, ev->c.v[cols[k]])
				TH_LOG("pid %s: %s %llu, its events say %llu",
				       cowstat_field(&t, r, cowstat_col(&t, "pid")),
				       cowstat_counter_name[cols[k]], (unsigned long long)row,
				       (unsigned long long)ev->c.v[cols[k]]);
		}
	}
	/*
	 * What the cases must have done, so that the comparison means
	 * something: shared needs cowstat.sh's ext4, other the uffd hand-off.
	 */
	TH_LOG("%d ended tasks: faults %llu, copies %llu, reuses %llu, shared %llu, other %llu, thp %llu, hugetlb %llu",
	       compared, (unsigned long long)sum.v[CS_FAULTS], (unsigned long long)sum.v[CS_COPIES],
	       (unsigned long long)sum.v[CS_REUSES], (unsigned long long)sum.v[CS_SHARED],
	       (unsigned long long)sum.v[CS_OTHER], (unsigned long long)sum.v[CS_THP],
	       (unsigned long long)sum.v[CS_HUGETLB]);
	EXPECT_LE(COWSTAT_NR_CASES, compared);
	EXPECT_LT(0, sum.v[CS_COPIES]);
	EXPECT_LT(0, sum.v[CS_REUSES]);
	if (getenv("COWSTAT_EXT4"))
		EXPECT_LT(0, sum.v[CS_SHARED]);
	if (uffd_ran)
		EXPECT_LT(0, sum.v[CS_OTHER]);
	cowstat_table_free(&t);
	free(text);
}

/* ---- Row lifetime ---- */

static pid_t fork_writer(struct region *r, int value)
{
	pid_t pid = fork();

	if (pid == 0) {
		r->value = value;
		write_region(r);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid;
}

COWSTAT_TEST_F(cowstat, row_survives_exit)
{
	struct cowstat_table t = { 0 };
	char *text;
	pid_t pid = fork_writer(&self->r, 30);
	int row;

	ASSERT_LT(0, pid);
	text = cowstat_slurp(COWSTAT_PROC, NULL);
	ASSERT_NE(NULL, text);
	ASSERT_EQ(0, cowstat_table_parse(&t, text));
	row = cowstat_find(&t, pid);
	ASSERT_LE(0, row) TH_LOG("no row for exited pid %d", pid);
	EXPECT_STREQ("X", cowstat_field(&t, row, cowstat_col(&t, "state")));
	EXPECT_LE(NPAGES, cowstat_get(&t, row, "copies"));
	EXPECT_EQ(getpid(), (pid_t)cowstat_get(&t, row, "ppid"));
	EXPECT_EQ(pid, (pid_t)cowstat_get(&t, row, "tgid"));
	cowstat_table_free(&t);
	free(text);
}

/* The header's @key=N, or -1. */
static long long header_field(const char *key)
{
	struct cowstat_table t = { 0 };
	char *text = cowstat_slurp(COWSTAT_PROC, NULL);
	long long v = -1;

	if (text && !cowstat_table_parse(&t, text)) {
		v = cowstat_version_field(&t, key);
		cowstat_table_free(&t);
	}
	free(text);
	return v;
}

/* ---- The end of a task's life ---- */

/*
 * A bare thread: no libc set-up and no TLS of its own, so that it writes
 * nothing but what it is told to.  It writes @arg's page, if given, and
 * exits at once.
 */
static int write_and_exit(void *arg)
{
	if (arg)
		*(volatile char *)arg = 3;
	syscall(SYS_exit, 0);
	return 0;
}

/*
 * Start a bare thread on @stack that runs write_and_exit(@first), with its
 * clear_child_tid word at @ctid, and wait until it is gone from /proc (its
 * end, which ends its row, is behind it).  Its tid, or -1.
 */
static pid_t bare_thread_exits(char *stack, size_t stack_size, pid_t *ctid, char *first)
{
	char path[64];
	pid_t tid;

	tid = clone(write_and_exit, stack + stack_size,
		    CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		    CLONE_SYSVSEM | CLONE_CHILD_CLEARTID, first, NULL, NULL, ctid);
	if (tid < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/task/%d", tid);
	while (access(path, F_OK) == 0)
		usleep(1000);
	return tid;
}

/* @tid's only row has ended (X), with exactly @want. */
static void check_ended_row(struct __test_metadata *_metadata, pid_t tid,
			    const struct cowstat_counts *want)
{
	struct cowstat_result res = { .pid = tid };
	int live, exited;

	ASSERT_EQ(1, cowstat_read_counts(tid, &res.delta)) TH_LOG("no row for tid %d", tid);
	check_delta(_metadata, &res, want);
	ASSERT_EQ(0, row_states(tid, &live, &exited));
	EXPECT_EQ(0, live) TH_LOG("tid %d has exited: its row must have ended", tid);
	EXPECT_EQ(1, exited) TH_LOG("tid %d", tid);
}

/*
 * The kernel's own writes at a thread's exit are the thread's faults: its
 * clear_child_tid word on a page shared copy-on-write with a child is
 * cleared by put_user() in mm_release(), with PF_EXITING set, and on 7.x
 * after the sched_process_exit tracepoint.  That copy is counted in the
 * exiting thread's row, which then ends, and never in "dropped".
 */
COWSTAT_TEST_F(cowstat, exit_writes_are_counted)
{
	const size_t stack_size = 64 << 10;
	long long dropped = header_field("dropped");
	char *pages = self->r.p, *stack, c;
	int hold[2];
	pid_t holder, first_only, copied_first;

	ASSERT_LE(0, dropped);
	ASSERT_EQ(0, pipe(hold));
	holder = fork();	/* shares every page of the region from here on */
	ASSERT_LE(0, holder);
	if (holder == 0) {
		close(hold[1]);
		_exit(read(hold[0], &c, 1) < 0);
	}
	close(hold[0]);
	/* Mapped after the fork: the threads' stack is never shared. */
	stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	ASSERT_NE(MAP_FAILED, stack);
	/* The exit write is the thread's first fault: it takes a row then. */
	first_only = bare_thread_exits(stack, stack_size, (pid_t *)pages, NULL);
	/* A row from an earlier copy, and the exit write after it. */
	copied_first = bare_thread_exits(stack, stack_size, (pid_t *)(pages + page_size),
					 pages + 2 * page_size);
	close(hold[1]);
	waitpid(holder, NULL, 0);
	munmap(stack, stack_size);
	ASSERT_LT(0, first_only);
	ASSERT_LT(0, copied_first);
	check_ended_row(_metadata, first_only,
			&WANT([CS_FAULTS] = 1, [CS_COPIES] = 1, [CS_BYTES] = page_size));
	check_ended_row(_metadata, copied_first,
			&WANT([CS_FAULTS] = 2, [CS_COPIES] = 2, [CS_BYTES] = 2 * page_size));
	EXPECT_EQ(dropped, header_field("dropped"));
}

/* Both rows of pid @pid, oldest first; returns how many there are. */
static int rows_of(pid_t pid, struct cowstat_counts *c, uint64_t *start, int max)
{
	struct cowstat_table t = { 0 };
	char *text = cowstat_slurp(COWSTAT_PROC, NULL);
	int r, i, n = 0;

	if (!text || cowstat_table_parse(&t, text)) {
		free(text);
		return -1;
	}
	for (r = 0; r < t.nrows && n < max; r++) {
		if (atoi(cowstat_field(&t, r, 0)) != pid)
			continue;
		for (i = 0; i < CS_NR_COUNTERS; i++)
			c[n].v[i] = cowstat_get(&t, r, cowstat_counter_name[i]);
		start[n++] = cowstat_get(&t, r, "start");
	}
	if (n == 2 && start[0] > start[1]) {
		struct cowstat_counts tc = c[0];
		uint64_t ts = start[0];

		c[0] = c[1];
		c[1] = tc;
		start[0] = start[1];
		start[1] = ts;
	}
	cowstat_table_free(&t);
	free(text);
	return n;
}

/* A recycled pid gets a fresh row; the old owner's row is left alone. */
COWSTAT_TEST_F(cowstat, recycled_pid_gets_fresh_row)
{
	struct cowstat_counts first[2], both[2];
	uint64_t start[2];
	char last[32];
	pid_t a, b;

	self->r.n = 8;
	a = fork_writer(&self->r, 40);
	ASSERT_LT(0, a);
	ASSERT_EQ(1, rows_of(a, first, start, 2));
	snprintf(last, sizeof(last), "%d", a - 1);
	if (cowstat_write_str("/proc/sys/kernel/ns_last_pid", last))
		SKIP(return, "cannot set ns_last_pid: %m");
	self->r.n = NPAGES;
	b = fork_writer(&self->r, 41);
	if (b != a)
		SKIP(return, "pid %d was taken meanwhile (got %d)", a, b);
	ASSERT_EQ(2, rows_of(a, both, start, 2));
	EXPECT_LT(start[0], start[1]);
	EXPECT_EQ(0, memcmp(&first[0], &both[0], sizeof(first[0])))
		TH_LOG("the first owner's row changed");
	EXPECT_LE(NPAGES, both[1].v[CS_COPIES]);
	/* Both ran the same code; only the pages written differ (8 vs NPAGES). */
	EXPECT_GT(first[0].v[CS_FAULTS] + NPAGES, both[1].v[CS_FAULTS])
		TH_LOG("the new owner's row carries the old counts");
}

/* ---- Writes to /proc/cowstat ---- */

static int write_proc(const char *buf, size_t len)
{
	int fd = open(COWSTAT_PROC, O_WRONLY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	err = errno;
	close(fd);
	return n < 0 ? -err : (int)n;
}

/* 58 bad writes: each EINVAL, none changes the table. */
COWSTAT_TEST_F(cowstat, garbage_writes_rejected)
{
	static const struct { const char *buf; size_t len; } bad[] = {
		{ "\n", 1 }, { "rese", 4 }, { "resett", 6 }, { "reset now", 9 },
		{ "RESET", 5 }, { "reset\n\n", 7 }, { "\0reset", 6 },
		{ "reset\0", 6 }, { " reset", 6 }, { "1", 1 }, { "-1", 2 },
		{ "\xff\xfe\x00\x01", 4 }, { "reset\r\n", 7 }, { "reset\t", 6 },
		{ "clear", 5 }, { "0", 1 }, { "4294967296", 10 },
	};
	static char huge[8192], junk[64];
	struct cowstat_counts before[2], after[2];
	uint64_t start[2], seed = 0x2545f4914f6cdd1dULL;
	unsigned int i, j, len;
	pid_t pid = fork_writer(&self->r, 50);
	int fd;

	ASSERT_EQ(1, rows_of(pid, before, start, 2));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, write_proc(bad[i].buf, bad[i].len)) TH_LOG("input %u", i);
	}
	memset(huge, 'r', sizeof(huge));
	EXPECT_EQ(-EINVAL, write_proc(huge, sizeof(huge)));
	/* 36 random binary writes, 1 to 64 bytes, from a fixed seed */
	for (i = 0; i < 36; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		len = 1 + seed % sizeof(junk);
		for (j = 0; j < len; j++)
			junk[j] = (char)(seed >> (j % 8 * 8)) ^ (char)(j * 131);
		EXPECT_EQ(-EINVAL, write_proc(junk, len)) TH_LOG("random input %u", i);
	}
	/* lseek games and a command split over two writes */
	fd = open(COWSTAT_PROC, O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, pwrite(fd, "reset", 5, 1));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(100, lseek(fd, 100, SEEK_SET));
	EXPECT_EQ(-1, write(fd, "reset", 5));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(-1, write(fd, "re", 2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(fd, "set", 3));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	ASSERT_EQ(1, rows_of(pid, after, start, 2)) TH_LOG("a bad write lost the row");
	EXPECT_EQ(0, memcmp(before, after, sizeof(before[0])));
}

static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[0].effective &= ~(1U << CAP_SYS_ADMIN);
	data[1].effective &= ~(1U << (CAP_PERFMON - 32));
	return syscall(SYS_capset, &hdr, data);
}

/* Without CAP_SYS_ADMIN nobody resets, and other users' rows are hidden. */
COWSTAT_TEST_F(cowstat, unprivileged_cannot_reset_or_see_others)
{
	int fds[2], status;
	struct cowstat_counts c[2];
	uint64_t start[2];
	pid_t marker = fork_writer(&self->r, 60), pid;

	ASSERT_EQ(1, rows_of(marker, c, start, 2));
	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	if (pid == 0) {
		int ret[4];

		/* a row of our own, taken while still root */
		self->r.p[0] = 61;
		/* root without CAP_SYS_ADMIN may open the file, not reset */
		ret[0] = drop_cap_sys_admin() ? -1000 : write_proc("reset\n", 6);
		/* an ordinary user may not even open it for writing */
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		ret[1] = write_proc("reset\n", 6);
		/* make a row of our own, then see only that */
		write_region(&self->r);
		ret[2] = rows_of(marker, c, start, 2);
		/* a live task's uid is read at read time, as hidepid does */
		ret[3] = rows_of(getpid(), c, start, 2);
		if (write(fds[1], ret, sizeof(ret)) != sizeof(ret))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	{
		int ret[4];

		ASSERT_EQ(sizeof(ret), read(fds[0], ret, sizeof(ret)));
		waitpid(pid, &status, 0);
		EXPECT_EQ(-EPERM, ret[0]);
		EXPECT_EQ(-EACCES, ret[1]);
		EXPECT_EQ(0, ret[2]) TH_LOG("uid 65534 sees root's rows");
		EXPECT_EQ(1, ret[3]) TH_LOG("uid 65534 does not see its own row");
	}
	EXPECT_EQ(1, rows_of(marker, c, start, 2)) TH_LOG("the table was reset");
}

/* A reset clears the rows and moves reset= to its own time; loaded= stays. */
COWSTAT_TEST_F(cowstat, reset_clears_table)
{
	long long loaded = header_field("loaded");
	struct cowstat_counts c[2];
	uint64_t start[2];
	pid_t pid = fork_writer(&self->r, 70);
	long long before;

	ASSERT_EQ(1, rows_of(pid, c, start, 2));
	before = monotonic_ns();
	ASSERT_EQ(6, write_proc("reset\n", 6));
	EXPECT_LE(before, header_field("reset"));
	EXPECT_GE(monotonic_ns(), header_field("reset"));
	EXPECT_EQ(loaded, header_field("loaded"));
	EXPECT_EQ(0, rows_of(pid, c, start, 2));
	ASSERT_EQ(5, write_proc("reset", 5));
}

/* More than the module's 256 kretprobe instances (COWSTAT_KRETPROBE_ACTIVE). */
#define MISS_THREADS	300

static void *write_hugetlb_page(void *p)
{
	*(volatile char *)p = 1;
	return NULL;
}

/*
 * In a child: MISS_THREADS threads, each stopped inside hugetlb_fault() by
 * a userfaultfd on a missing huge page, so that the kretprobe on it runs
 * out of instances.  Writes 0 to @ready (or 1 to skip, 2 on error, with
 * @res's msg) and waits to be killed.
 */
static void block_in_hugetlb_fault(struct cowstat_result *res, int ready)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffd_msg msg[64];
	struct pollfd pfd = { .events = POLLIN };
	size_t len = MISS_THREADS * HPAGE;
	pthread_attr_t attr;
	int i, n, seen = 0;
	char status = 2;
	pthread_t th;
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_HUGETLB | 21 << MAP_HUGE_SHIFT | MAP_NORESERVE, -1, 0);
	pfd.fd = syscall(__NR_userfaultfd, O_CLOEXEC);
	reg.range.start = (unsigned long)p;
	reg.range.len = len;
	if (p == MAP_FAILED || pfd.fd < 0 || ioctl(pfd.fd, UFFDIO_API, &api) ||
	    ioctl(pfd.fd, UFFDIO_REGISTER, &reg)) {
		snprintf(res->msg, sizeof(res->msg), "userfaultfd on 2 MiB hugetlb: %m");
		status = 1;
		goto out;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	for (i = 0; i < MISS_THREADS; i++) {
		if (pthread_create(&th, &attr, write_hugetlb_page, p + i * HPAGE)) {
			snprintf(res->msg, sizeof(res->msg), "pthread_create: %m");
			goto out;
		}
	}
	while (seen < MISS_THREADS && poll(&pfd, 1, 60000) == 1) {
		n = read(pfd.fd, msg, sizeof(msg));
		if (n <= 0)
			break;
		seen += n / sizeof(msg[0]);
	}
	snprintf(res->msg, sizeof(res->msg), "%d of %d faults reached userfaultfd",
		 seen, MISS_THREADS);
	if (seen == MISS_THREADS)
		status = 0;
out:
	if (write(ready, &status, 1) != 1 || write(ready, res->msg, sizeof(res->msg)) < 0)
		_exit(1);
	pause();
	_exit(0);
}

/*
 * The header's dropped counts the events the probes missed too, and a
 * reset clears it: the kprobes' own missed counts never go back.
 */
COWSTAT_TEST_F(cowstat, reset_clears_probe_misses)
{
	struct cowstat_result res = { 0 };
	long long dropped = -1;
	char status = 2;
	int fds[2];
	pid_t pid;

	if (!probe_attached("hugetlb_fault"))
		SKIP(return, "the hugetlb_fault probe is not attached");
	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(fds[0]);
		block_in_hugetlb_fault(&res, fds[1]);
	}
	close(fds[1]);
	if (read(fds[0], &status, 1) != 1 || read(fds[0], res.msg, sizeof(res.msg)) < 0)
		status = 2;
	close(fds[0]);
	if (status == 0)
		dropped = header_field("dropped");
	if (status == 0)
		ASSERT_EQ(6, write_proc("reset\n", 6));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (status == 1)
		SKIP(return, "%s", res.msg);
	ASSERT_EQ(0, status) TH_LOG("%s", res.msg);
	EXPECT_EQ(MISS_THREADS - 256, dropped) TH_LOG("faults that found no kretprobe instance");
	EXPECT_EQ(0, header_field("dropped")) TH_LOG("after a reset");
}

/* ---- Delay accounting ---- */

struct nlmsg {
	struct nlmsghdr		n;
	struct genlmsghdr	g;
	char			buf[2048];
};

static int genl_send(int fd, __u16 type, __u8 cmd, __u16 attr, const void *data, int len)
{
	struct nlmsg msg = { 0 };
	struct nlattr *na = (struct nlattr *)msg.buf;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };

	msg.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + NLA_HDRLEN + len;
	msg.n.nlmsg_type = type;
	msg.n.nlmsg_flags = NLM_F_REQUEST;
	msg.n.nlmsg_pid = getpid();
	msg.g.cmd = cmd;
	msg.g.version = 1;
	na->nla_type = attr;
	na->nla_len = NLA_HDRLEN + len;
	memcpy((char *)na + NLA_HDRLEN, data, len);
	if (sendto(fd, &msg, msg.n.nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -1;
	return 0;
}

/* The first attribute of type @type in @msg, searching nested ones too. */
static struct nlattr *genl_find(char *p, int len, __u16 type)
{
	struct nlattr *na, *inner;

	while (len >= NLA_HDRLEN) {
		na = (struct nlattr *)p;
		if (na->nla_len < NLA_HDRLEN)
			return NULL;
		if ((na->nla_type & NLA_TYPE_MASK) == type)
			return na;
		if (na->nla_type & NLA_F_NESTED || type == TASKSTATS_TYPE_STATS) {
			inner = genl_find(p + NLA_HDRLEN, na->nla_len - NLA_HDRLEN, type);
			if (inner && inner != na)
				return inner;
		}
		p += NLA_ALIGN(na->nla_len);
		len -= NLA_ALIGN(na->nla_len);
	}
	return NULL;
}

/* Delay accounting's wpcopy_count of live task @pid, or -1 (as getdelays does). */
static long long wpcopy_count(pid_t pid)
{
	static __u16 family;
	struct nlmsg msg;
	struct nlattr *na;
	struct taskstats ts;
	int fd, len;
	long long ret = -1;

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	if (!family) {
		if (genl_send(fd, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME,
			      TASKSTATS_GENL_NAME, strlen(TASKSTATS_GENL_NAME) + 1))
			goto out;
		len = recv(fd, &msg, sizeof(msg), 0);
		na = NULL;
		if (len > 0)
			na = genl_find(msg.buf, len - NLMSG_LENGTH(GENL_HDRLEN),
				       CTRL_ATTR_FAMILY_ID);
		if (!na)
			goto out;
		family = *(__u16 *)((char *)na + NLA_HDRLEN);
	}
	if (genl_send(fd, family, TASKSTATS_CMD_GET, TASKSTATS_CMD_ATTR_PID, &pid, sizeof(pid)))
		goto out;
	len = recv(fd, &msg, sizeof(msg), 0);
	if (len <= 0 || msg.n.nlmsg_type == NLMSG_ERROR)
		goto out;
	na = genl_find(msg.buf, len - NLMSG_LENGTH(GENL_HDRLEN), TASKSTATS_TYPE_STATS);
	if (!na)
		goto out;
	memset(&ts, 0, sizeof(ts));
	memcpy(&ts, (char *)na + NLA_HDRLEN, na->nla_len - NLA_HDRLEN < (int)sizeof(ts) ?
	       na->nla_len - NLA_HDRLEN : (int)sizeof(ts));
	if (ts.version >= 13)
		ret = ts.wpcopy_count;
out:
	close(fd);
	return ret;
}

/*
 * Every wp_page_copy() a task makes is in delay accounting's wpcopy_count;
 * with no unshare and nothing ending otherwise, that is exactly copies.
 * taskstats answers for live tasks only: read both while the child waits.
 */
COWSTAT_TEST_F(cowstat, copies_match_delayacct_wpcopy_count)
{
	struct cowstat_counts c;
	int go[2], ready[2], prev = -1;
	long long wpcopy;
	char byte = 0;
	pid_t pid;
	FILE *f = fopen("/proc/sys/kernel/task_delayacct", "r");

	if (!f || fscanf(f, "%d", &prev) != 1)
		SKIP(return, "no kernel.task_delayacct (CONFIG_TASK_DELAY_ACCT)");
	fclose(f);
	if (cowstat_write_str("/proc/sys/kernel/task_delayacct", "1"))
		SKIP(return, "cannot enable kernel.task_delayacct: %m");
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	if (pid == 0) {
		self->r.value = 80;
		write_region(&self->r);
		if (write(ready[1], &byte, 1) != 1 || read(go[0], &byte, 1) != 1)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(1, read(ready[0], &byte, 1));
	wpcopy = wpcopy_count(pid);
	ASSERT_EQ(1, cowstat_read_counts(pid, &c));
	ASSERT_EQ(1, write(go[1], &byte, 1));
	waitpid(pid, NULL, 0);
	if (prev == 0)
		cowstat_write_str("/proc/sys/kernel/task_delayacct", "0");
	if (wpcopy < 0)
		SKIP(return, "taskstats over netlink unavailable");
	EXPECT_LE(NPAGES, c.v[CS_COPIES]);
	EXPECT_EQ(0, c.v[CS_UNSHARE] + c.v[CS_OTHER]);
	EXPECT_EQ((uint64_t)wpcopy, c.v[CS_COPIES])
		TH_LOG("wpcopy_count %lld, cowstat copies %llu", wpcopy,
		       (unsigned long long)c.v[CS_COPIES]);
}

/* ---- Cgroups ---- */

#define CGROUP2_ROOT	"/sys/fs/cgroup"

/*
 * A cgroup of our own under the cgroup2 root, for leaves made by the tests
 * (cgroup v2 puts tasks in leaves only), removed again at teardown.
 */
/* The test's own cgroup, and those made below it, to remove children first. */
struct test_cgroups {
	char	dir[64];
	char	made[6][80];
	int	nr_made;
};

FIXTURE(cgroups) {
	bool setup_skipped;
	struct region r;
	struct test_cgroups cg;
};

FIXTURE_SETUP(cgroups)
{
	struct statfs sf;

	FIXTURE_PREAMBLE();
	if (statfs(CGROUP2_ROOT, &sf) || sf.f_type != CGROUP2_SUPER_MAGIC)
		SETUP_SKIP("no cgroup2 at %s", CGROUP2_ROOT);
	if (access(COWSTAT_CGROUPS_PROC, R_OK))
		SETUP_SKIP("%s missing: a module without per-cgroup totals",
		     COWSTAT_CGROUPS_PROC);
	snprintf(self->cg.dir, sizeof(self->cg.dir), CGROUP2_ROOT "/cowstat-test.%d", getpid());
	ASSERT_EQ(0, mkdir(self->cg.dir, 0755)) TH_LOG("mkdir %s: %m", self->cg.dir);
	self->r.n = NPAGES;
	self->r.p = cowstat_map_pages(NPAGES);
	ASSERT_NE(NULL, self->r.p) TH_LOG("mmap: %m");
	memset(self->r.p, 1, NPAGES * page_size);
}

FIXTURE_TEARDOWN(cgroups)
{
	while (self->cg.nr_made > 0)
		rmdir(self->cg.made[--self->cg.nr_made]);
	rmdir(self->cg.dir);
	if (self->r.p)
		munmap(self->r.p, self->r.n * page_size);
}

/* Make cgroup @name under the test's own; its id (the directory's inode), 0 on error. */
static uint64_t make_cgroup(struct test_cgroups *cg, const char *name)
{
	char path[sizeof(cg->made[0])];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", cg->dir, name);
	if (mkdir(path, 0755) || stat(path, &st))
		return 0;
	memcpy(cg->made[cg->nr_made++], path, sizeof(path));
	return st.st_ino;
}

static int open_procs(struct test_cgroups *cg, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s/cgroup.procs", cg->dir, name);
	return open(path, O_WRONLY);
}

/* What cgroup @id totals in /proc/cowstat_cgroups; 1 found, 0 not, -1 error. */
static int cgroup_totals(uint64_t id, struct cowstat_counts *c, uint64_t *tasks)
{
	struct cowstat_table t = { 0 };
	char *text = cowstat_slurp(COWSTAT_CGROUPS_PROC, NULL);
	int r, i, found = 0;

	memset(c, 0, sizeof(*c));
	*tasks = 0;
	if (!text || cowstat_table_parse_as(&t, text, "cgroup")) {
		free(text);
		return -1;
	}
	for (r = 0; r < t.nrows && !found; r++) {
		if (cowstat_get(&t, r, "cgroup") != id)
			continue;
		for (i = 0; i < CS_NR_COUNTERS; i++)
			c->v[i] = cowstat_get(&t, r, cowstat_counter_name[i]);
		*tasks = cowstat_get(&t, r, "tasks");
		found = 1;
	}
	cowstat_table_free(&t);
	free(text);
	return found;
}

/* Fault in this much stack below us, so that a later call faults on none. */
static void __attribute__((noinline)) prefault_stack(void)
{
	volatile char pad[16384];
	size_t i;

	for (i = 0; i < sizeof(pad); i += 512)
		pad[i] = 0;
}

/*
 * A child that, after the faults any child takes where it was forked,
 * writes pages [0, n1) of @r in the cgroup behind @fd1, then pages
 * [n1, n1 + n2) in the one behind @fd2 (if n2), and exits.  Writing "0"
 * moves the writer; the fds are opened beforehand, so the child takes no
 * fault between the moves but its writes to @r, which it shares with us.
 */
static pid_t write_in_cgroups(const struct region *r, int fd1, size_t n1, int fd2, size_t n2)
{
	pid_t pid = fork();
	size_t i;

	if (pid)
		return pid;
	cowstat_touch_rseq();
	prefault_stack();
	if (write(fd1, "0", 1) != 1)
		_exit(1);
	for (i = 0; i < n1; i++)
		((volatile char *)r->p)[i * page_size] = 2;
	if (n2 && write(fd2, "0", 1) != 1)
		_exit(1);
	for (i = n1; i < n1 + n2; i++)
		((volatile char *)r->p)[i * page_size] = 2;
	_exit(0);
}

static int wait_ok(pid_t pid)
{
	int status;

	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/* Every column of @id's totals is exactly @want, with @tasks tasks. */
static void check_cgroup(struct __test_metadata *_metadata, uint64_t id, uint64_t tasks,
			 const struct cowstat_counts *want)
{
	struct cowstat_counts got;
	uint64_t got_tasks;
	int i;

	ASSERT_EQ(1, cgroup_totals(id, &got, &got_tasks)) TH_LOG("no totals for cgroup %llu",
								  (unsigned long long)id);
	EXPECT_EQ(tasks, got_tasks);
	for (i = 0; i < CS_NR_COUNTERS; i++) {
		EXPECT_EQ(want->v[i], got.v[i]) {
			TH_LOG("cgroup %llu: %s is %llu, expected %llu", (unsigned long long)id,
			       cowstat_counter_name[i], (unsigned long long)got.v[i],
			       (unsigned long long)want->v[i]);
		}
	}
}

/* n private pages copied: what a cgroup whose one task wrote them totals. */
#define COPIED(n) WANT([CS_FAULTS] = (n), [CS_COPIES] = (n), [CS_BYTES] = (n) * page_size)

/*
 * A task that writes pages it shares with its parent copies each of them,
 * and its cgroup totals exactly those faults; a second cgroup, the same.
 */
COWSTAT_TEST_F(cgroups, exact_per_cgroup)
{
	uint64_t a = make_cgroup(&self->cg, "a"), b = make_cgroup(&self->cg, "b");
	int fa = open_procs(&self->cg, "a"), fb = open_procs(&self->cg, "b");

	ASSERT_NE(0, a);
	ASSERT_NE(0, b);
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	ASSERT_TRUE(wait_ok(write_in_cgroups(&self->r, fa, 7, -1, 0)));
	ASSERT_TRUE(wait_ok(write_in_cgroups(&self->r, fb, 19, -1, 0)));
	check_cgroup(_metadata, a, 1, &COPIED(7));
	check_cgroup(_metadata, b, 1, &COPIED(19));
	close(fa);
	close(fb);
}

/* A task that moves mid-run: each cgroup gets the faults taken in it. */
COWSTAT_TEST_F(cgroups, migrated_task_splits)
{
	uint64_t a = make_cgroup(&self->cg, "a"), b = make_cgroup(&self->cg, "b");
	int fa = open_procs(&self->cg, "a"), fb = open_procs(&self->cg, "b");
	struct cowstat_table t = { 0 };
	const char *state;
	char *text;
	pid_t pid;
	int r, in_a = 0, in_b = 0;

	ASSERT_NE(0, a);
	ASSERT_NE(0, b);
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	pid = write_in_cgroups(&self->r, fa, 5, fb, 11);
	ASSERT_TRUE(wait_ok(pid));
	check_cgroup(_metadata, a, 1, &COPIED(5));
	check_cgroup(_metadata, b, 1, &COPIED(11));
	/*
	 * Rows of one key: the stints where it was forked and in a, both
	 * moved, then the one in b, where it exited.
	 */
	text = cowstat_slurp(COWSTAT_PROC, NULL);
	ASSERT_NE(NULL, text);
	ASSERT_EQ(0, cowstat_table_parse(&t, text));
	for (r = 0; r < t.nrows; r++) {
		if (cowstat_get(&t, r, "pid") != (uint64_t)pid)
			continue;
		state = cowstat_field(&t, r, cowstat_col(&t, "state"));
		in_a += cowstat_get(&t, r, "cgroup") == a;
		in_b += cowstat_get(&t, r, "cgroup") == b;
		EXPECT_STREQ(cowstat_get(&t, r, "cgroup") == b ? "X" : "M", state);
	}
	EXPECT_EQ(1, in_a);
	EXPECT_EQ(1, in_b);
	cowstat_table_free(&t);
	free(text);
	close(fa);
	close(fb);
}

/*
 * Nested cgroups: counts are per leaf, and a parent with no tasks of its
 * own has no totals (the tool sums a subtree).
 */
COWSTAT_TEST_F(cgroups, nested_counts_per_leaf)
{
	uint64_t n = make_cgroup(&self->cg, "n"), x = make_cgroup(&self->cg, "n/x");
	uint64_t y = make_cgroup(&self->cg, "n/y"), tasks;
	int fx = open_procs(&self->cg, "n/x"), fy = open_procs(&self->cg, "n/y");
	struct cowstat_counts none;

	ASSERT_NE(0, n);
	ASSERT_NE(0, x);
	ASSERT_NE(0, y);
	ASSERT_LE(0, fx);
	ASSERT_LE(0, fy);
	ASSERT_TRUE(wait_ok(write_in_cgroups(&self->r, fx, 3, -1, 0)));
	ASSERT_TRUE(wait_ok(write_in_cgroups(&self->r, fy, 13, -1, 0)));
	check_cgroup(_metadata, x, 1, &COPIED(3));
	check_cgroup(_metadata, y, 1, &COPIED(13));
	EXPECT_EQ(0, cgroup_totals(n, &none, &tasks));
	close(fx);
	close(fy);
}

/* Totals outlive the cgroup: rmdir after its tasks exit leaves them. */
COWSTAT_TEST_F(cgroups, removed_cgroup_kept)
{
	uint64_t a = make_cgroup(&self->cg, "a");
	int fa = open_procs(&self->cg, "a");

	ASSERT_NE(0, a);
	ASSERT_LE(0, fa);
	ASSERT_TRUE(wait_ok(write_in_cgroups(&self->r, fa, 9, -1, 0)));
	close(fa);
	ASSERT_EQ(0, rmdir(self->cg.made[--self->cg.nr_made])) TH_LOG("rmdir: %m");
	check_cgroup(_metadata, a, 1, &COPIED(9));
}

/*
 * A reader in a cgroup namespace rooted at cgroup a sees a's subtree, and
 * not cgroup b beside it.
 */
COWSTAT_TEST_F(cgroups, namespace_sees_own_subtree)
{
	uint64_t a = make_cgroup(&self->cg, "a"), x = make_cgroup(&self->cg, "a/x");
	uint64_t b = make_cgroup(&self->cg, "b");
	int fx = open_procs(&self->cg, "a/x"), fb = open_procs(&self->cg, "b");
	int fa = open_procs(&self->cg, "a/x");	/* the reader joins a leaf of a */
	struct cowstat_counts c;
	uint64_t tasks;
	pid_t pid;

	ASSERT_NE(0, a);
	ASSERT_NE(0, x);
	ASSERT_NE(0, b);
	ASSERT_LE(0, fx);
	ASSERT_LE(0, fb);
	ASSERT_LE(0, fa);
	ASSERT_TRUE(wait_ok(write_in_cgroups(&self->r, fx, 2, -1, 0)));
	ASSERT_TRUE(wait_ok(write_in_cgroups(&self->r, fb, 2, -1, 0)));
	pid = fork();
	if (pid == 0) {
		/* 1: x missing, 2: b visible, 3: setup failed. */
		if (write(fa, "0", 1) != 1 || unshare(CLONE_NEWCGROUP))
			_exit(3);
		if (cgroup_totals(x, &c, &tasks) != 1)
			_exit(1);
		_exit(cgroup_totals(b, &c, &tasks) != 0 ? 2 : 0);
	}
	ASSERT_LT(0, pid);
	/* Exit 1: its own subtree missing; 2: another cgroup visible; 3: setup. */
	ASSERT_TRUE(wait_ok(pid)) TH_LOG("the reader in the cgroup namespace failed");
	close(fx);
	close(fb);
	close(fa);
}

TEST_HARNESS_MAIN
