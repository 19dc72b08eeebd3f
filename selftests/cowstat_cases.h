/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The copy-on-write cases with exact expected counts, as one table shared
 * by the selftests (one result line per case) and `cowstat workload`.
 *
 * As in the kernel's mm/cow selftest, a case is a scenario crossed with a
 * kind of page: the kind maps and fills the memory, the scenario's setup
 * brings it into the state under test, and the step -- measured, in the
 * set-up task or in a child of it -- does the faults.  Expected counts are
 * per page the step touches, bytes in units of what the kind copies, so
 * that one table serves the selftests' 32 pages and the tool's --pages.
 */
#ifndef COWSTAT_CASES_H
#define COWSTAT_CASES_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cowstat_measure.h"

/* Kinds of page, as mm/cow's: how a case maps and fills its memory. */
enum cowstat_kind {
	COWSTAT_SMALL, COWSTAT_ZERO, COWSTAT_KSM_PAGES, COWSTAT_FILE, COWSTAT_THP,
	COWSTAT_HUGETLB,
};

/* What setup, step and the checks share, in the child running a case. */
struct cowstat_ctx {
	const struct cowstat_case *c;
	size_t		pages;		/* small pages a case writes: set by the caller */
	const char	*dir;		/* a disk filesystem, for COWSTAT_FILE; NULL skips */
	size_t		page_size;
	enum cowstat_kind kind;
	char		*p;		/* the memory under test */
	size_t		n;		/* pages of it the step touches */
	int		value;		/* what the step writes */
	char		*buf;		/* our side of a process_vm_*v() */
	size_t		len;		/* and its length */
	pid_t		target;		/* the task process_vm_*v() reaches into */
	const char	*failed;	/* the step's call that failed */
	int		err;		/* and its errno */
};

static inline int cowstat_write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static inline long cowstat_read_long(const char *path)
{
	char buf[64];
	long v = -1;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		v = strtol(buf, NULL, 10);
	close(fd);
	return v;
}

/* Counter @name of /proc/vmstat, or -1. */
static inline long cowstat_vmstat(const char *name)
{
	char line[128];
	size_t len = strlen(name);
	long v = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ' ')
			v = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return v;
}

/* @n small pages of private anonymous memory, never THP; NULL on failure. */
static inline char *cowstat_map_pages(size_t n)
{
	size_t size = n * sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* THP would turn these faults into huge ones: those are cases of their own. */
	madvise(p, size, MADV_NOHUGEPAGE);
	return p;
}

/* Bit 55 of a pagemap entry: the page is soft-dirty. */
#define COWSTAT_PAGEMAP_SOFT_DIRTY	(1ULL << 55)

/* Does this kernel track soft-dirty (CONFIG_MEM_SOFT_DIRTY)? @p was just written. */
static inline bool cowstat_soft_dirty_tracked(const void *p)
{
	size_t page_size = sysconf(_SC_PAGESIZE);
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return false;
	if (pread(fd, &entry, sizeof(entry), (uintptr_t)p / page_size * sizeof(entry)) !=
	    sizeof(entry))
		entry = 0;
	close(fd);
	return entry & COWSTAT_PAGEMAP_SOFT_DIRTY;
}

static inline void cowstat_fill(struct cowstat_ctx *ctx, int value)
{
	memset(ctx->p, value, ctx->n * ctx->page_size);
}

/* ---- Kinds of page ---- */

/* Small private anonymous pages, written: ours alone. */
static void cowstat_map_small(struct cowstat_result *res, struct cowstat_ctx *ctx)
{
	ctx->p = cowstat_map_pages(ctx->n);
	if (!ctx->p)
		COWSTAT_FAIL(res, "mmap: %m");
	cowstat_fill(ctx, 1);
}

/* Small pages only read: each maps the shared zero page. */
static void cowstat_map_zero(struct cowstat_result *res, struct cowstat_ctx *ctx)
{
	size_t i;
	char sum = 0;

	ctx->p = cowstat_map_pages(ctx->n);
	if (!ctx->p)
		COWSTAT_FAIL(res, "mmap: %m");
	for (i = 0; i < ctx->n; i++)
		sum += ((volatile char *)ctx->p)[i * ctx->page_size];
	(void)sum;
}

#define COWSTAT_KSM	"/sys/kernel/mm/ksm/"

/* Small pages of equal content, merged by ksmd into one KSM page. */
static void cowstat_map_ksm(struct cowstat_result *res, struct cowstat_ctx *ctx)
{
	int i;

	if (cowstat_write_str(COWSTAT_KSM "pages_to_scan", "1000") ||
	    cowstat_write_str(COWSTAT_KSM "sleep_millisecs", "10") ||
	    cowstat_write_str(COWSTAT_KSM "run", "1"))
		COWSTAT_SKIP(res, "KSM unavailable (CONFIG_KSM, root): %m");
	ctx->p = cowstat_map_pages(ctx->n);
	if (!ctx->p)
		COWSTAT_FAIL(res, "mmap: %m");
	cowstat_fill(ctx, 0x5a);
	if (madvise(ctx->p, ctx->n * ctx->page_size, MADV_MERGEABLE))
		COWSTAT_SKIP(res, "madvise(MADV_MERGEABLE): %m");
	for (i = 0; cowstat_read_long("/proc/self/ksm_merging_pages") < (long)ctx->n; i++) {
		if (i == 600)
			COWSTAT_SKIP(res, "ksmd merged %ld of %zu pages in 60 s",
				     cowstat_read_long("/proc/self/ksm_merging_pages"), ctx->n);
		usleep(100000);
	}
	cowstat_write_str(COWSTAT_KSM "run", "0");	/* no more merging while we measure */
}

/*
 * MAP_SHARED pages of a file on a disk filesystem, written, then written
 * back: writeback write-protects them again, so the next writes notify.
 * tmpfs never write-protects, hence @ctx->dir.
 */
static void cowstat_map_file(struct cowstat_result *res, struct cowstat_ctx *ctx)
{
	size_t size = ctx->n * ctx->page_size;
	char path[4096];
	int fd;

	if (!ctx->dir)
		COWSTAT_SKIP(res, "no directory on a disk filesystem: set COWSTAT_EXT4 (tmpfs never write-protects)");
	snprintf(path, sizeof(path), "%s/.cowstat-shared.%d", ctx->dir, getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		COWSTAT_FAIL(res, "%.150s: %m", path);
	unlink(path);		/* nothing is left behind when we exit */
	if (ftruncate(fd, size))
		COWSTAT_FAIL(res, "ftruncate %.150s: %m", path);
	ctx->p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (ctx->p == MAP_FAILED)
		COWSTAT_FAIL(res, "mmap %.150s: %m", path);
	cowstat_fill(ctx, 1);
	if (msync(ctx->p, size, MS_SYNC))
		COWSTAT_FAIL(res, "msync: %m");
}

/* One 2 MiB transparent huge page, written; a step touches one small page. */
static void cowstat_map_thp_kind(struct cowstat_result *res, struct cowstat_ctx *ctx)
{
	ctx->p = cowstat_map_thp();
	if (!ctx->p)
		COWSTAT_SKIP(res, "no transparent huge page (THP disabled or none free)");
}

/* One 2 MiB hugetlb page, written: a copy of it is the whole page. */
static void cowstat_map_hugetlb(struct cowstat_result *res, struct cowstat_ctx *ctx)
{
	ctx->p = mmap(NULL, COWSTAT_HPAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (ctx->p == MAP_FAILED)
		COWSTAT_SKIP(res, "no free 2 MiB hugetlb pages (set vm.nr_hugepages)");
	memset(ctx->p, 1, COWSTAT_HPAGE);
}

static const struct {
	void	(*map)(struct cowstat_result *res, struct cowstat_ctx *ctx);
	bool	huge;		/* one huge page: the step touches one small page of it */
	bool	hugetlb;	/* a copy is the whole huge page */
} cowstat_kinds[] = {
	[COWSTAT_SMALL]		= { .map = cowstat_map_small },
	[COWSTAT_ZERO]		= { .map = cowstat_map_zero },
	[COWSTAT_KSM_PAGES]	= { .map = cowstat_map_ksm },
	[COWSTAT_FILE]		= { .map = cowstat_map_file },
	[COWSTAT_THP]		= { .map = cowstat_map_thp_kind, .huge = true },
	[COWSTAT_HUGETLB]	= { .map = cowstat_map_hugetlb, .huge = true, .hugetlb = true },
};

/* ---- Scenarios ---- */

static void cowstat_fork_child(struct cowstat_result *res, struct cowstat_ctx *ctx,
			       bool write)
{
	pid_t pid = fork();

	if (pid < 0)
		COWSTAT_FAIL(res, "fork: %m");
	if (pid == 0) {
		if (write)
			ctx->p[0] = 3;	/* splits the child's PMD, not ours */
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	if (ctx->kind == COWSTAT_THP && !cowstat_thp_mapped(ctx->p))
		COWSTAT_FAIL(res, "our THP was split or went away meanwhile");
}

/* A child that exits at once: the memory was shared, and is ours alone again. */
static void cowstat_after_child_exit(struct cowstat_result *res, struct cowstat_ctx *ctx)
{
	cowstat_fork_child(res, ctx, false);
}

/* The same, but the child wrote our first page before it exited. */
static void cowstat_after_child_write(struct cowstat_result *res, struct cowstat_ctx *ctx)
{
	cowstat_fork_child(res, ctx, true);
}

/* Then the step reads all of our huge page into a buffer of ours alone. */
static void cowstat_after_child_exit_buf(struct cowstat_result *res, struct cowstat_ctx *ctx)
{
	cowstat_after_child_exit(res, ctx);
	if (res->error)
		return;
	ctx->target = getpid();
	ctx->len = COWSTAT_HPAGE;
	ctx->buf = cowstat_map_pages(ctx->len / ctx->page_size);
	if (!ctx->buf)
		COWSTAT_FAIL(res, "mmap: %m");
	memset(ctx->buf, 0, ctx->len);
}

/* Clearing soft-dirty write-protects the pages, though they stay ours alone. */
static void cowstat_clear_soft_dirty(struct cowstat_result *res, struct cowstat_ctx *ctx)
{
	int fd;

	/* Without it, clear_refs accepts "4" and write-protects nothing. */
	if (!cowstat_soft_dirty_tracked(ctx->p))
		COWSTAT_SKIP(res, "no soft-dirty tracking (CONFIG_MEM_SOFT_DIRTY)");
	fd = open("/proc/self/clear_refs", O_WRONLY);
	if (fd < 0)
		COWSTAT_SKIP(res, "no /proc/self/clear_refs: %m");
	if (write(fd, "4", 1) != 1)
		COWSTAT_FAIL(res, "clear_refs 4: %m");
	close(fd);
}

/*
 * A child keeps the memory shared until we exit, and a private buffer of
 * ours is the other side of the process_vm_*v() the step makes.
 */
static void cowstat_shared_with_child(struct cowstat_result *res, struct cowstat_ctx *ctx)
{
	int go[2];
	char c;

	if (pipe(go))
		COWSTAT_FAIL(res, "pipe: %m");
	ctx->target = fork();
	if (ctx->target < 0)
		COWSTAT_FAIL(res, "fork: %m");
	if (ctx->target == 0) {
		close(go[1]);
		_exit(read(go[0], &c, 1) < 0);	/* EOF: we have exited */
	}
	close(go[0]);
	ctx->len = ctx->n * ctx->page_size;
	ctx->buf = cowstat_map_pages(ctx->n);
	if (!ctx->buf)
		COWSTAT_FAIL(res, "mmap: %m");
	memset(ctx->buf, 7, ctx->len);
}

/* ---- Steps ---- */

static void cowstat_write(void *arg)
{
	struct cowstat_ctx *ctx = arg;
	size_t i;

	for (i = 0; i < ctx->n; i++)
		((volatile char *)ctx->p)[i * ctx->page_size] = ctx->value;
}

/* Read the target's pages: that pins them read-only (pin_user_pages_remote). */
static void cowstat_remote_read(void *arg)
{
	struct cowstat_ctx *ctx = arg;
	struct iovec local = { ctx->buf, ctx->len }, remote = { ctx->p, ctx->len };

	if (process_vm_readv(ctx->target, &local, 1, &remote, 1, 0) != (ssize_t)ctx->len) {
		ctx->failed = "process_vm_readv";
		ctx->err = errno;
	}
}

/* Write our private buffer into the target's pages. */
static void cowstat_remote_write(void *arg)
{
	struct cowstat_ctx *ctx = arg;
	struct iovec local = { ctx->buf, ctx->len }, remote = { ctx->p, ctx->len };

	if (process_vm_writev(ctx->target, &local, 1, &remote, 1, 0) != (ssize_t)ctx->len) {
		ctx->failed = "process_vm_writev";
		ctx->err = errno;
	}
}

/* ---- The table ---- */

enum cowstat_case_id {
	COWSTAT_CHILD_COPIES, COWSTAT_REUSE, COWSTAT_ZERO_COPIES, COWSTAT_SOFT_DIRTY,
	COWSTAT_SHARED_NOTIFY, COWSTAT_REMOTE_READ, COWSTAT_REMOTE_WRITE,
	COWSTAT_THP_REUSE, COWSTAT_THP_UNSHARE, COWSTAT_THP_CHILD, COWSTAT_HUGETLB_CHILD,
	COWSTAT_KSM_COPIES,
	COWSTAT_NR_CASES
};

struct cowstat_case {
	const char		*what;
	enum cowstat_kind	kind;
	void			(*setup)(struct cowstat_result *res, struct cowstat_ctx *ctx);
	void			(*step)(void *ctx);
	bool			in_child;	/* the step runs in a child: it inherited all */
	const char		*vmstat;	/* aux: how far this /proc/vmstat counter moved */
	/* Per page the step touches; bytes in the kind's units of copy. */
	uint64_t		want[CS_NR_COUNTERS];
	uint64_t		want_aux;
};

static const struct cowstat_case cowstat_cases[COWSTAT_NR_CASES] = {
	/* The tutorial's case: a child writes pages it shares with its parent. */
	[COWSTAT_CHILD_COPIES] = {
		.what = "a child writes the pages it shares with its parent",
		.kind = COWSTAT_SMALL, .step = cowstat_write, .in_child = true,
		.want = { [CS_FAULTS] = 1, [CS_COPIES] = 1, [CS_BYTES] = 1 },
	},
	/* The last sharer writes: each page is made writable in place, no copy. */
	[COWSTAT_REUSE] = {
		.what = "after its only child exits, the parent writes the pages it shared",
		.kind = COWSTAT_SMALL, .setup = cowstat_after_child_exit, .step = cowstat_write,
		.want = { [CS_FAULTS] = 1, [CS_REUSES] = 1 },
	},
	/* A page only read maps the shared zero page: the first write copies it. */
	[COWSTAT_ZERO_COPIES] = {
		.what = "pages read first (the shared zero page), then written",
		.kind = COWSTAT_ZERO, .step = cowstat_write,
		.want = { [CS_FAULTS] = 1, [CS_COPIES] = 1, [CS_ZERO] = 1, [CS_BYTES] = 1 },
	},
	/* Clearing soft-dirty write-protects exclusive pages: each write reuses. */
	[COWSTAT_SOFT_DIRTY] = {
		.what = "pages of ours alone written after clear_refs cleared soft-dirty",
		.kind = COWSTAT_SMALL, .setup = cowstat_clear_soft_dirty, .step = cowstat_write,
		.want = { [CS_FAULTS] = 1, [CS_REUSES] = 1 },
	},
	/* A shared mapping's write fault is a write-notify, not copy-on-write. */
	[COWSTAT_SHARED_NOTIFY] = {
		.what = "MAP_SHARED file pages written again after msync (write-notify, not CoW)",
		.kind = COWSTAT_FILE, .step = cowstat_write,
		.want = { [CS_FAULTS] = 1, [CS_SHARED] = 1 },
	},
	/* A R/O pin of shared anonymous pages unshares them, in the target's mm. */
	[COWSTAT_REMOTE_READ] = {
		.what = "process_vm_readv of pages a child shares with its parent",
		.kind = COWSTAT_SMALL, .setup = cowstat_shared_with_child,
		.step = cowstat_remote_read,
		.want = { [CS_FAULTS] = 1, [CS_UNSHARE] = 1, [CS_REMOTE] = 1 },
	},
	/* Writing into a child's inherited pages copies them, charged to the writer. */
	[COWSTAT_REMOTE_WRITE] = {
		.what = "process_vm_writev into pages a child shares with its parent",
		.kind = COWSTAT_SMALL, .setup = cowstat_shared_with_child,
		.step = cowstat_remote_write,
		.want = { [CS_FAULTS] = 1, [CS_COPIES] = 1, [CS_REMOTE] = 1, [CS_BYTES] = 1 },
	},
	/* The last user of a THP writes it: reused in place, at PMD level. */
	[COWSTAT_THP_REUSE] = {
		.what = "the parent, its child gone, writes the THP: THP reused at PMD level",
		.kind = COWSTAT_THP, .setup = cowstat_after_child_write, .step = cowstat_write,
		.want = { [CS_THP] = 1 },
	},
	/*
	 * Pinning a huge page read-only that is ours alone again but no longer
	 * marked exclusive unshares it at PMD level (FAULT_FLAG_UNSHARE): no
	 * write, so no thp, and nothing else either.
	 */
	[COWSTAT_THP_UNSHARE] = {
		.what = "the parent, its child gone, pins the THP read-only",
		.kind = COWSTAT_THP, .setup = cowstat_after_child_exit_buf,
		.step = cowstat_remote_read,
		.want = { 0 },
	},
	/*
	 * A child writes a fork-shared THP: the PMD fault splits it and falls
	 * back to do_wp_page, which copies one small page.  One fault, counted once.
	 */
	[COWSTAT_THP_CHILD] = {
		.what = "a child writes a THP it shares with its parent",
		.kind = COWSTAT_THP, .step = cowstat_write, .in_child = true,
		.want = { [CS_FAULTS] = 1, [CS_COPIES] = 1, [CS_BYTES] = 1 },
	},
	/* A hugetlb page is copied whole, by hugetlb_wp(), not do_wp_page(). */
	[COWSTAT_HUGETLB_CHILD] = {
		.what = "a child writes a hugetlb page it shares with its parent",
		.kind = COWSTAT_HUGETLB, .step = cowstat_write, .in_child = true,
		.want = { [CS_HUGETLB] = 1, [CS_BYTES] = 1 },
	},
	/* Writing merged KSM pages copies each; the kernel's cow_ksm agrees. */
	[COWSTAT_KSM_COPIES] = {
		.what = "pages merged by KSM, then written",
		.kind = COWSTAT_KSM_PAGES, .step = cowstat_write, .vmstat = "cow_ksm",
		.want = { [CS_FAULTS] = 1, [CS_COPIES] = 1, [CS_KSM] = 1, [CS_BYTES] = 1 },
		.want_aux = 1,
	},
};

/* In the child of cowstat_run_case(): map, set up, measure, check. */
static void cowstat_case_body(struct cowstat_result *res, void *arg)
{
	struct cowstat_ctx *ctx = arg;
	const struct cowstat_case *c = ctx->c;
	long before = 0;
	size_t i;

	cowstat_pin_to_this_cpu();
	cowstat_kinds[c->kind].map(res, ctx);
	if (!res->skip && !res->error && c->setup)
		c->setup(res, ctx);
	if (res->skip || res->error)
		return;
	if (c->vmstat)
		before = cowstat_vmstat(c->vmstat);
	if (c->in_child)
		cowstat_measure_in_child(res, NULL, c->step, ctx);
	else
		cowstat_measure_step(res, c->step, ctx);
	if (c->vmstat)
		res->aux = cowstat_vmstat(c->vmstat) - before;
	if (ctx->failed)
		COWSTAT_FAIL(res, "%s: %s", ctx->failed, strerror(ctx->err));
	/* A child's copy-on-write leaves its parent's pages as they were. */
	for (i = 0; c->in_child && !res->error && i < ctx->n; i++)
		if (ctx->p[i * ctx->page_size] != 1)
			COWSTAT_FAIL(res, "the parent's page %zu changed", i);
}

/*
 * Run case @c in a child, with @ctx->pages and @ctx->dir set by the caller:
 * @res is what it measured, @want what it must be.
 */
static inline void cowstat_run_case(struct cowstat_result *res, const struct cowstat_case *c,
				    struct cowstat_ctx *ctx, struct cowstat_counts *want)
{
	size_t unit;
	int i;

	ctx->c = c;
	ctx->page_size = sysconf(_SC_PAGESIZE);
	ctx->kind = c->kind;
	ctx->n = cowstat_kinds[c->kind].huge ? 1 : ctx->pages;
	ctx->value = 2;
	unit = cowstat_kinds[c->kind].hugetlb ? COWSTAT_HPAGE : ctx->page_size;
	for (i = 0; i < CS_NR_COUNTERS; i++)
		want->v[i] = c->want[i] * ctx->n * (i == CS_BYTES ? unit : 1);
	cowstat_measure_in_child(res, cowstat_case_body, NULL, ctx);
}

#endif /* COWSTAT_CASES_H */
