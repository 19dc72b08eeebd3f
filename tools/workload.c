// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat workload NAME: copy-on-write experiments that fork real children,
 * read their counts back from /proc/cowstat and set them next to what the
 * kernel must do.  With --check, a disagreement is exit status 1.
 *
 * Each measured task reads its own row before and after the step under
 * test (cowstat_measure.h), so the figures are exact, not estimates.
 */
#include <errno.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cowstat.h"
#include "../selftests/cowstat_cases.h"

#define MiB		(1UL << 20)
#define TMPFS_MAGIC	0x01021994
#define RAMFS_MAGIC	0x858458f6

extern char **environ;

struct options {
	bool		check;
	size_t		size;		/* bytes, for rss, fork-exec */
	size_t		sizes[8];	/* bytes, for fork-cost */
	int		nsizes;
	int		iterations;
	int		repeat;		/* runs of each workload named */
	size_t		pages;		/* for reuse, zero, shared */
	const char	*dir;		/* for shared */
};

static size_t page_size;

/* ---- Helpers ---- */

/* One line of "what the kernel must do" against "what cowstat counted". */
struct expect {
	char		what[64];
	uint64_t	expected;
	uint64_t	counted;
	bool		at_most;	/* counted <= expected is right */
};

static int failures;

static void expect_row(const struct expect *e)
{
	bool ok = e->at_most ? e->counted <= e->expected : e->counted == e->expected;

	printf("  %-44s %s%10llu %10llu  %s\n", e->what, e->at_most ? "<=" : "  ",
	       (unsigned long long)e->expected, (unsigned long long)e->counted,
	       ok ? "ok" : "MISMATCH");
	if (!ok)
		failures++;
}

#define EXPECT(at_most_, exp, cnt, ...) do {				\
	struct expect e_ = { .expected = (exp), .counted = (cnt),	\
			     .at_most = (at_most_) };			\
	snprintf(e_.what, sizeof(e_.what), __VA_ARGS__);		\
	expect_row(&e_);						\
} while (0)

static void expect_header(void)
{
	printf("  %-44s   %10s %10s\n", "", "expected", "counted");
}

static char *map_anon(size_t size)
{
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		fatal(EXIT_ERROR, "mmap %zu bytes: %s", size, strerror(errno));
	/* 4 KiB pages, so that one write is one fault; THP has its own case. */
	madvise(p, size, MADV_NOHUGEPAGE);
	return p;
}

struct region {
	char	*p;
	size_t	size;
	int	value;
};

static void write_pages(void *arg)
{
	struct region *r = arg;
	size_t off;

	for (off = 0; off < r->size; off += page_size)
		((volatile char *)r->p)[off] = r->value;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Whole-row counters of exited task @pid, read after it was reaped. */
static struct cowstat_counts task_total(pid_t pid)
{
	struct cowstat_counts c;

	cowstat_read_counts(pid, &c);
	return c;
}

static pid_t fork_or_die(void)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fatal(EXIT_ERROR, "fork: %s", strerror(errno));
	return pid;
}

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* @step(@arg)'s counts, measured in a child; a child that cannot is fatal. */
static struct cowstat_counts in_measured_child(void (*step)(void *), void *arg)
{
	struct cowstat_result res;

	cowstat_measure_in_child(&res, NULL, step, arg);
	if (res.error)
		fatal(EXIT_ERROR, "the measured child: %s", res.msg);
	return res.delta;
}

static long status_kb(const char *file, const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long kb = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			kb = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return kb;
}

/* ---- The tutorial's experiments ---- */

static void fork_cost(const struct options *o)
{
	struct cowstat_counts quiet, busy, measured[8];
	double t_quiet, t_busy, t0;
	struct region r;
	pid_t pid = 0;
	int s, i;

	printf("fork-cost: fork time against size, with the child writing nothing or every page\n\n");
	printf("  %8s %14s %14s %14s %14s\n", "size", "fork+exit ms", "fork+write ms",
	       "copies (quiet)", "copies (write)");
	for (s = 0; s < o->nsizes; s++) {
		r.size = o->sizes[s];
		r.p = map_anon(r.size);
		r.value = 'A';
		write_pages(&r);
		r.value = 'B';

		t0 = now_ms();
		for (i = 0; i < o->iterations; i++) {
			pid = fork_or_die();
			if (pid == 0)
				_exit(0);
			reap(pid);
		}
		t_quiet = (now_ms() - t0) / o->iterations;
		quiet = task_total(pid);

		t0 = now_ms();
		for (i = 0; i < o->iterations; i++) {
			pid = fork_or_die();
			if (pid == 0) {
				write_pages(&r);
				_exit(0);
			}
			reap(pid);
		}
		t_busy = (now_ms() - t0) / o->iterations;
		busy = task_total(pid);

		printf("  %7zuM %14.3f %14.3f %14llu %14llu\n", r.size / MiB, t_quiet, t_busy,
		       (unsigned long long)quiet.v[CS_COPIES],
		       (unsigned long long)busy.v[CS_COPIES]);
		measured[s] = in_measured_child(write_pages, &r);
		munmap(r.p, r.size);
	}
	printf("\n");
	expect_header();
	for (s = 0; s < o->nsizes; s++)
		EXPECT(false, o->sizes[s] / page_size, measured[s].v[CS_COPIES],
		       "pages copied by a child writing %zu MiB", o->sizes[s] / MiB);
	printf("\nfork itself copies no data, whatever the size: a quiet child copies only\n"
	       "the few stack and libc pages it writes.  A writing child pays for one\n"
	       "page copy per page it writes, and that is where its extra time goes.\n\n");
}

static void rss(const struct options *o)
{
	struct region r = { .size = o->size, .value = 'Y' };
	struct {
		long			rss_fork, rss_write, private_fork, private_write;
		struct cowstat_counts	d;
	} child;
	long rss_before, rss_after;
	int fds[2];
	pid_t pid;

	printf("rss: resident memory around a child's copy-on-write of %zu MiB\n\n", r.size / MiB);
	r.p = map_anon(r.size);
	memset(r.p, 'X', r.size);
	rss_before = status_kb("/proc/self/status", "VmRSS");
	if (pipe(fds))
		fatal(EXIT_ERROR, "pipe: %s", strerror(errno));
	pid = fork_or_die();
	if (pid == 0) {
		child.rss_fork = status_kb("/proc/self/status", "VmRSS");
		child.private_fork = status_kb("/proc/self/smaps_rollup", "Private_Dirty");
		cowstat_measure(&child.d, write_pages, &r);
		child.rss_write = status_kb("/proc/self/status", "VmRSS");
		child.private_write = status_kb("/proc/self/smaps_rollup", "Private_Dirty");
		_exit(write(fds[1], &child, sizeof(child)) != sizeof(child));
	}
	if (read(fds[0], &child, sizeof(child)) != sizeof(child))
		fatal(EXIT_ERROR, "the rss child reported nothing");
	reap(pid);
	rss_after = status_kb("/proc/self/status", "VmRSS");
	close(fds[0]);
	close(fds[1]);

	printf("  %-34s %10s %14s\n", "", "VmRSS kB", "Private_Dirty");
	printf("  %-34s %10ld\n", "parent before fork", rss_before);
	printf("  %-34s %10ld %14ld\n", "child after fork, before writing", child.rss_fork,
	       child.private_fork);
	printf("  %-34s %10ld %14ld\n", "child after writing every page", child.rss_write,
	       child.private_write);
	printf("  %-34s %10ld\n\n", "parent after the child exited", rss_after);
	expect_header();
	EXPECT(false, r.size / page_size, child.d.v[CS_COPIES], "pages the child copied");
	EXPECT(false, 0, child.d.v[CS_REUSES], "pages the child reused");
	EXPECT(false, 1, child.private_write - child.private_fork >= (long)(r.size / 1024),
	       "child's private memory grew by %zu MiB", r.size / MiB);
	printf("\nVmRSS counts mapped pages, shared or not, so it barely moves: the copy\n"
	       "replaces the shared page in the child's page table.  What grows is the\n"
	       "child's private memory, and the machine's: that is what copy-on-write costs.\n\n");
	munmap(r.p, r.size);
}

#define BIG_INTS	(1024 * 1024)	/* 4 MiB */

/* Page-aligned, so that its first page holds nothing else. */
static int big_array[BIG_INTS] __attribute__((aligned(4096)));

static void change_ten_ints(void *arg)
{
	int i;

	for (i = 0; i < 10; i++)
		((volatile int *)big_array)[i] = -1;
	(void)arg;
}

static void partial_write(const struct options *o)
{
	struct {
		struct cowstat_counts	d;
		int			first, thousandth;
	} child;
	int fds[2], i, unchanged = 1;
	pid_t pid;

	(void)o;
	printf("partial-write: a child changes 10 ints of a 4 MiB global array\n\n");
	for (i = 0; i < BIG_INTS; i++)
		big_array[i] = i;
	if (pipe(fds))
		fatal(EXIT_ERROR, "pipe: %s", strerror(errno));
	pid = fork_or_die();
	if (pid == 0) {
		cowstat_measure(&child.d, change_ten_ints, NULL);
		child.first = big_array[0];
		child.thousandth = big_array[1000];
		_exit(write(fds[1], &child, sizeof(child)) != sizeof(child));
	}
	if (read(fds[0], &child, sizeof(child)) != sizeof(child))
		fatal(EXIT_ERROR, "the partial-write child reported nothing");
	reap(pid);
	close(fds[0]);
	close(fds[1]);
	for (i = 0; i < 10; i++)
		unchanged &= big_array[i] == i;

	printf("  child sees big_array[0] = %d (changed), big_array[1000] = %d (still shared)\n",
	       child.first, child.thousandth);
	printf("  parent sees big_array[0] = %d\n\n", big_array[0]);
	expect_header();
	EXPECT(false, 1, child.d.v[CS_COPIES], "pages the child copied (of %d)",
	       (int)(sizeof(big_array) / page_size));
	EXPECT(false, page_size, child.d.v[CS_BYTES], "bytes the child copied");
	EXPECT(false, 1, unchanged, "parent's ints unchanged (1 = yes)");
	printf("\n");
}

static void fork_exec(const struct options *o)
{
	char *const argv[] = { "true", NULL };
	struct cowstat_counts forked, spawned;
	struct region r = { .size = o->size, .value = 'E' };
	pid_t pid;

	printf("fork-exec: a child that runs another program at once copies almost nothing\n\n");
	r.p = map_anon(r.size);
	write_pages(&r);
	pid = fork_or_die();
	if (pid == 0) {
		execlp("true", "true", (char *)NULL);
		_exit(127);
	}
	reap(pid);
	forked = task_total(pid);
	/* posix_spawn shares our memory until exec: it copies none of it. */
	if (posix_spawnp(&pid, "true", NULL, NULL, argv, environ))
		fatal(EXIT_ERROR, "posix_spawn true: %s", strerror(errno));
	reap(pid);
	spawned = task_total(pid);
	printf("  %-44s   %10llu\n", "pages copied by fork + exec true",
	       (unsigned long long)forked.v[CS_COPIES]);
	printf("  %-44s   %10llu\n\n", "pages copied by posix_spawn true",
	       (unsigned long long)spawned.v[CS_COPIES]);
	expect_header();
	EXPECT(true, 16, forked.v[CS_COPIES] - spawned.v[CS_COPIES],
	       "copied between fork and exec (of %zu)", r.size / page_size);
	printf("\nexec throws the inherited address space away.  What fork + exec copies\n"
	       "before the exec is a few stack and libc pages; what both copy after it is\n"
	       "the new program's own: private file pages its loader writes (relocations).\n\n");
	munmap(r.p, r.size);
}

/* ---- Cases the tutorial only talks about ---- */

/*
 * Run case @id of the selftests' table (cowstat_cases.h) and set every
 * column next to what it must be.  Columns both expect and count as 0 are
 * checked, not shown, but for copies: what copy-on-write is about.
 */
static void run_case(const struct options *o, enum cowstat_case_id id)
{
	const struct cowstat_case *c = &cowstat_cases[id];
	struct cowstat_ctx ctx = { .pages = o->pages, .dir = o->dir };
	struct cowstat_counts want;
	struct cowstat_result res;
	int i;

	cowstat_run_case(&res, c, &ctx, &want);
	printf("  %s:\n", c->what);
	if (res.skip) {
		printf("  skipped: %s\n\n", res.msg);
		return;
	}
	if (res.error)
		fatal(EXIT_ERROR, "%s: %s", c->what, res.msg);
	expect_header();
	for (i = 0; i < CS_NR_COUNTERS; i++)
		if (want.v[i] || res.delta.v[i] || i == CS_COPIES)
			EXPECT(false, want.v[i], res.delta.v[i], "%s", cowstat_counter_name[i]);
	printf("\n");
}

static void reuse(const struct options *o)
{
	printf("reuse: after its only child exits, the parent writes %zu shared pages\n\n",
	       o->pages);
	run_case(o, COWSTAT_REUSE);
	printf("The last sharer gets the page back writable: no copy at all.\n\n");
}

static void zero(const struct options *o)
{
	printf("zero: %zu pages read first (the shared zero page), then written\n\n", o->pages);
	run_case(o, COWSTAT_ZERO_COPIES);
}

static void thp(const struct options *o)
{
	printf("thp: a fork-shared transparent huge page, written by the child, then the parent\n\n");
	run_case(o, COWSTAT_THP_CHILD);
	run_case(o, COWSTAT_THP_REUSE);
	printf("A shared THP is never copied whole: the writer's PMD is split and one\n"
	       "4 KiB page is copied.  The last user reuses the huge page in place.\n\n");
}

static void shared(const struct options *o)
{
	struct statfs sf;

	printf("shared: MAP_SHARED file pages written again after msync (write-notify, not CoW)\n\n");
	if (statfs(o->dir, &sf))
		fatal(EXIT_USAGE, "--dir %s: %s", o->dir, strerror(errno));
	if (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC) {
		printf("  skipped: %s is tmpfs/ramfs, which never write-protects; use --dir on a disk filesystem\n\n",
		       o->dir);
		return;
	}
	run_case(o, COWSTAT_SHARED_NOTIFY);
}

/*
 * mappings: a child writes 1, 2, 3, 4 and 5 times --pages pages of its
 * heap, its stack, a private file mapping (which it reads first: fork
 * copies no PTE of a file mapping with no anonymous page yet) and two
 * anonymous mappings, the second named where the kernel has
 * CONFIG_ANON_VMA_NAME.  A baseline child does the same but writes none:
 * the pages fork itself makes either child write are the same in both, so
 * the writer takes 15 x --pages faults more (which of parent and child
 * copies a page both write, and which reuses it, is the scheduler's
 * choice).  For cowstat run --by-mapping -P, which gives each mapping of
 * each process its own faults.
 */
#define MAPPINGS_MAX_PAGES	256	/* the stack's share is 2 x this */

struct mappings {
	char	*heap, *stack, *file, *anon, *named;
	size_t	pages;
	bool	write;
};

/* @pages pages of anonymous memory between two PROT_NONE pages: its own VMA. */
static char *map_guarded(size_t pages)
{
	char *p = map_anon((pages + 2) * page_size);

	if (mprotect(p, page_size, PROT_NONE) ||
	    mprotect(p + (pages + 1) * page_size, page_size, PROT_NONE))
		fatal(EXIT_ERROR, "mprotect: %s", strerror(errno));
	return p + page_size;
}

static void touch(char *p, size_t pages, bool write)
{
	size_t i;

	for (i = 0; i < pages; i++) {
		if (write)
			((volatile char *)p)[i * page_size] = 2;
		else
			(void)((volatile char *)p)[i * page_size];
	}
}

/* The child: reads the file's pages, then writes, or (baseline) not. */
static void __attribute__((noreturn)) mappings_child(const struct mappings *m)
{
	touch(m->file, 3 * m->pages, false);
	touch(m->heap, m->pages, m->write);
	touch(m->stack, 2 * m->pages, m->write);
	touch(m->file, 3 * m->pages, m->write);
	touch(m->anon, 4 * m->pages, m->write);
	touch(m->named, 5 * m->pages, m->write);
	_exit(0);
}

static pid_t mappings_fork(struct mappings *m, bool write)
{
	pid_t pid;

	m->write = write;
	pid = fork_or_die();
	if (!pid)
		mappings_child(m);
	reap(pid);
	return pid;
}

static void mappings(const struct options *o)
{
	size_t pages = o->pages < MAPPINGS_MAX_PAGES ? o->pages : MAPPINGS_MAX_PAGES;
	/* The stack's share, page-aligned: 2 MiB at most, far below its limit. */
	char path[4096], buf[(2 * pages + 1) * page_size], *stack = buf;
	struct mappings m = { .pages = pages };
	struct cowstat_counts base, wrote;
	struct expect e = { .expected = 15 * pages };
	cpu_set_t one;
	size_t i;
	pid_t pid;
	int fd;

	printf("mappings: a child writes %zu pages of its heap, %zu of its stack, %zu of a\n"
	       "private file mapping, %zu and %zu of two anonymous mappings\n\n",
	       pages, 2 * pages, 3 * pages, 4 * pages, 5 * pages);
	/* One CPU: parent and child then touch their stacks in the same order each time. */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
	sched_setaffinity(0, sizeof(one), &one);
	m.heap = sbrk(pages * page_size);
	if (m.heap == (void *)-1)
		fatal(EXIT_ERROR, "sbrk: %s", strerror(errno));
	m.stack = (char *)(((uintptr_t)stack + page_size - 1) & ~(page_size - 1));
	snprintf(path, sizeof(path), "%s/cowstat-mappings.XXXXXX", o->dir);
	fd = mkstemp(path);
	if (fd < 0)
		fatal(EXIT_ERROR, "%s: %s", path, strerror(errno));
	/* Data, not a hole: each page is the file's own in the page cache. */
	memset(stack, 'x', page_size);
	for (i = 0; i < 3 * pages; i++)
		if (pwrite(fd, stack, page_size, i * page_size) != (ssize_t)page_size)
			fatal(EXIT_ERROR, "%s: %s", path, strerror(errno));
	m.file = mmap(NULL, 3 * pages * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (m.file == MAP_FAILED)
		fatal(EXIT_ERROR, "mmap %s: %s", path, strerror(errno));
	m.anon = map_guarded(4 * pages);
	m.named = map_guarded(5 * pages);
	/* Debian's kernels have no CONFIG_ANON_VMA_NAME: it stays unnamed there. */
	prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, m.named, 5 * pages * page_size,
	      "cowstat-mappings");
	touch(m.heap, pages, true);
	touch(m.stack, 2 * pages, true);
	touch(m.anon, 4 * pages, true);
	touch(m.named, 5 * pages, true);
	printf("  [heap], [stack], %s,\n  [anon] %lx and [anon] %lx (or [anon:cowstat-mappings])\n\n",
	       path, (unsigned long)m.anon, (unsigned long)m.named);

	pid = mappings_fork(&m, false);
	base = task_total(pid);
	printf("  baseline child: pid %d\n", (int)pid);
	pid = mappings_fork(&m, true);
	wrote = task_total(pid);
	printf("  writer child: pid %d\n\n", (int)pid);
	expect_header();
	snprintf(e.what, sizeof(e.what), "faults of the writer over the baseline's");
	e.counted = wrote.v[CS_FAULTS] - base.v[CS_FAULTS];
	expect_row(&e);
	printf("\n");
	munmap(m.file, 3 * pages * page_size);
	close(fd);
	unlink(path);
}

/* ---- User interface ---- */

static const struct {
	const char	*name;
	void		(*fn)(const struct options *o);
	const char	*what;
} workloads[] = {
	{ "fork-cost",		fork_cost,	"fork time by size, with and without writes" },
	{ "rss",		rss,		"resident and private memory around CoW" },
	{ "partial-write",	partial_write,	"10 ints of a 4 MiB array: one page copied" },
	{ "fork-exec",		fork_exec,	"fork then exec copies almost nothing" },
	{ "reuse",		reuse,		"the last sharer reuses pages in place" },
	{ "zero",		zero,		"pages only read, then written: zero-page copies" },
	{ "thp",		thp,		"a fork-shared transparent huge page" },
	{ "shared",		shared,		"MAP_SHARED write-notify (--dir on disk)" },
	{ "mappings",		mappings,	"heap, stack, file, anonymous: by mapping" },
};

#define NR_WORKLOADS	(sizeof(workloads) / sizeof(workloads[0]))

/*
 * Long options only: each short one means the same in every command, and
 * these are the experiments' own (cowstat(8), OPTIONS).
 */
enum { OPT_CHECK = 256, OPT_SIZE, OPT_SIZES, OPT_ITERATIONS, OPT_PAGES, OPT_DIR };

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "usage: cowstat workload [options] NAME|all\n\n"
		   "Fork copy-on-write experiments and check the counts in %s.\n\n", COWSTAT_PROC);
	for (i = 0; i < NR_WORKLOADS; i++)
		fprintf(f, "  %-14s %s\n", workloads[i].name, workloads[i].what);
	fprintf(f, "\n"
"      --check          exit 1 if a count differs from what must happen\n"
"      --size MiB       memory for rss and fork-exec             (default: 16)\n"
"      --sizes LIST     sizes in MiB for fork-cost               (default: 1,4,16)\n"
"      --iterations N   forks per size in fork-cost              (default: 5)\n"
"      --pages N        pages for reuse, zero, shared, mappings  (default: 64)\n"
"      --dir DIR        a directory on a disk filesystem, for shared (default: .)\n"
"  -r, --repeat N       run each workload N times                (default: 1)\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n");
}

static size_t parse_mib(const char *opt, const char *arg)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (!*arg || (*end && *end != ',') || !v || v > 65536)
		fatal(EXIT_USAGE, "%s %s: expected MiB from 1 to 65536", opt, arg);
	return v * MiB;
}

int cmd_workload(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check",	no_argument,		NULL, OPT_CHECK },
		{ "size",	required_argument,	NULL, OPT_SIZE },
		{ "sizes",	required_argument,	NULL, OPT_SIZES },
		{ "iterations",	required_argument,	NULL, OPT_ITERATIONS },
		{ "pages",	required_argument,	NULL, OPT_PAGES },
		{ "dir",	required_argument,	NULL, OPT_DIR },
		{ "repeat",	required_argument,	NULL, 'r' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 },
	};
	struct options o = {
		.size = 16 * MiB, .sizes = { 1 * MiB, 4 * MiB, 16 * MiB }, .nsizes = 3,
		.iterations = 5, .repeat = 1, .pages = 64, .dir = ".",
	};
	const char *p;
	unsigned int i;
	bool found = false;
	int opt, run;

	page_size = sysconf(_SC_PAGESIZE);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "r:hV", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_CHECK:
			o.check = true;
			break;
		case OPT_SIZE:
			o.size = parse_mib("--size", optarg);
			break;
		case OPT_SIZES:
			o.nsizes = 0;
			for (p = optarg; p && o.nsizes < 8; p = strchr(p, ','), p = p ? p + 1 : p)
				o.sizes[o.nsizes++] = parse_mib("--sizes", p);
			break;
		case OPT_ITERATIONS:
			o.iterations = parse_count("--iterations", optarg, 1, 100000);
			break;
		case OPT_PAGES:
			o.pages = parse_count("--pages", optarg, 1, 1000000);
			break;
		case OPT_DIR:
			o.dir = optarg;
			break;
		case 'r':
			o.repeat = parse_count("--repeat", optarg, 1, 100000);
			break;
		default:
			return common_option(opt, usage);
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (access(COWSTAT_PROC, R_OK))
		fatal_no_module();
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < NR_WORKLOADS; i++) {
		if (strcmp(argv[optind], "all") && strcmp(argv[optind], workloads[i].name))
			continue;
		found = true;
		for (run = 0; run < o.repeat; run++)
			workloads[i].fn(&o);
	}
	if (!found)
		fatal(EXIT_USAGE, "no workload '%s' (see cowstat workload --help)", argv[optind]);
	if (failures)
		printf("%d count(s) differ from what the kernel must do\n", failures);
	return failures && o.check ? EXIT_NO_MATCH : EXIT_OK;
}
