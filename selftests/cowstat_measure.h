/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exact self-measurement against /proc/cowstat, shared by the selftests and
 * the cowstat tool's workloads.
 *
 * A task reads its own row, does the faults under test, and reads its row
 * again.  The reads go through buffers written all over beforehand and a
 * first, throw-away read, and the page the kernel writes on preemption (rseq)
 * is made writable first, so they fault on nothing themselves: the
 * difference is exactly the faults under test, free of the stack and libc
 * faults that follow any fork.
 */
#ifndef COWSTAT_MEASURE_H
#define COWSTAT_MEASURE_H

#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 35)
#include <sys/rseq.h>		/* __rseq_offset, __rseq_size: glibc 2.35 */
#endif

#include "cowstat_table.h"

enum cowstat_counter {
	CS_FAULTS, CS_COPIES, CS_REUSES, CS_SHARED, CS_UNSHARE, CS_OTHER,
	CS_ZERO, CS_KSM, CS_THP, CS_HUGETLB, CS_REMOTE, CS_BYTES,
	CS_LARGE, CS_THP_ZERO,
	CS_NR_COUNTERS
};

static const char *const cowstat_counter_name[CS_NR_COUNTERS] = {
	"faults", "copies", "reuses", "shared", "unshare", "other",
	"zero", "ksm", "thp", "hugetlb", "remote", "bytes",
	"large", "thp_zero",
};

struct cowstat_counts {
	uint64_t	v[CS_NR_COUNTERS];
};

static char cowstat_measure_text[1 << 20];
static char *cowstat_measure_fields[1 << 16];

/* Counters of the newest row of task @tid (0 if none); 1 found, 0 not, -1 error. */
static inline int cowstat_read_counts(pid_t tid, struct cowstat_counts *c)
{
	struct cowstat_table t = {
		.fields		= cowstat_measure_fields,
		.fields_cap	= sizeof(cowstat_measure_fields) / sizeof(char *),
	};
	int r, i, ret = -1;

	memset(c, 0, sizeof(*c));
	if (cowstat_table_load(&t, COWSTAT_PROC, cowstat_measure_text,
			       sizeof(cowstat_measure_text)) == 0) {
		r = cowstat_find(&t, tid);
		for (i = 0; r >= 0 && i < CS_NR_COUNTERS; i++)
			c->v[i] = cowstat_get(&t, r, cowstat_counter_name[i]);
		ret = r >= 0;
		cowstat_table_free(&t);
	}
	return ret;
}

/*
 * The kernel rewrites this thread's rseq area (cpu_id, in TLS) whenever it
 * preempts or migrates the thread.  If that page is write-protected --
 * shared after fork, or by clear_refs -- the rewrite is a write fault of
 * ours, wherever the scheduler happens to strike.  Write the page first:
 * rseq_cs is userspace's own field, and 0 outside a critical section.
 */
static inline void cowstat_touch_rseq(void)
{
#ifdef RSEQ_SIG
	if (__rseq_size)
		((volatile struct rseq *)((char *)__builtin_thread_pointer() +
					  __rseq_offset))->rseq_cs = 0;
#endif
}

/*
 * Freshly faulted pages sit in a per-CPU LRU batch, and that reference
 * keeps a page from being reused in place unless the faulting CPU is the
 * one that drains it: stay on the CPU we are on (not CPU 0, which a
 * container's cpuset may not allow).
 */
static inline void cowstat_pin_to_this_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* @delta = what @step(@arg) did to the calling task's row; -1 if unreadable. */
static inline int cowstat_measure(struct cowstat_counts *delta,
				  void (*step)(void *), void *arg)
{
	struct cowstat_counts before, after;
	pid_t tid = gettid();
	int i;

	cowstat_touch_rseq();
	memset(cowstat_measure_text, 0, sizeof(cowstat_measure_text));
	memset(cowstat_measure_fields, 0, sizeof(cowstat_measure_fields));
	/*
	 * The last read writes @after, before it reads the row.  Inlined
	 * into a caller, @after may be the only thing on its stack page that
	 * this task writes after a fork (the stack's offset in its page is
	 * random): write it now, or that page's copy (or reuse) is counted
	 * as the step's.  The barrier keeps the compiler from dropping this
	 * store as dead.
	 */
	memset(&after, 0, sizeof(after));
	__asm__ __volatile__("" : : "r"(&after) : "memory");
	cowstat_read_counts(tid, &before);
	if (cowstat_read_counts(tid, &before) < 0)
		return -1;
	step(arg);
	cowstat_read_counts(tid, &after);
	for (i = 0; i < CS_NR_COUNTERS; i++)
		delta->v[i] = after.v[i] - before.v[i];
	return 0;
}

/* What a measured task reports back. */
struct cowstat_result {
	int			skip;		/* non-zero: @msg says why */
	int			error;		/* non-zero: @msg says what failed */
	char			msg[200];
	pid_t			pid;		/* the measured task */
	struct cowstat_counts	delta;
	uint64_t		aux;		/* a case's extra figure */
};

#define COWSTAT_FAIL(res, ...) do {					\
	(res)->error = 1;						\
	snprintf((res)->msg, sizeof((res)->msg), __VA_ARGS__);		\
	return;								\
} while (0)

#define COWSTAT_SKIP(res, ...) do {					\
	(res)->skip = 1;						\
	snprintf((res)->msg, sizeof((res)->msg), __VA_ARGS__);		\
	return;								\
} while (0)

/* @res = what @step(@arg) did to the calling thread's row. */
static inline void cowstat_measure_step(struct cowstat_result *res,
					void (*step)(void *arg), void *arg)
{
	res->pid = gettid();
	if (cowstat_measure(&res->delta, step, arg))
		COWSTAT_FAIL(res, "read %s: %m", COWSTAT_PROC);
}

/*
 * In a child process, with a fresh @res: @setup(@res, @arg) if given, then,
 * unless it failed or skipped, @step(@arg) if given, measured.  @res comes
 * back to the caller; a child that dies without reporting is an error.  A
 * child of its own keeps what a case maps and forks out of the caller.
 */
static inline void cowstat_measure_in_child(struct cowstat_result *res,
					    void (*setup)(struct cowstat_result *res,
							  void *arg),
					    void (*step)(void *arg), void *arg)
{
	int fds[2];
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (pipe(fds))
		COWSTAT_FAIL(res, "pipe: %m");
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		COWSTAT_FAIL(res, "fork: %m");
	}
	if (pid == 0) {
		close(fds[0]);
		if (setup)
			setup(res, arg);
		if (step && !res->skip && !res->error)
			cowstat_measure_step(res, step, arg);
		_exit(write(fds[1], res, sizeof(*res)) == (ssize_t)sizeof(*res) ? 0 : 1);
	}
	close(fds[1]);
	if (read(fds[0], res, sizeof(*res)) != (ssize_t)sizeof(*res)) {
		memset(res, 0, sizeof(*res));
		res->error = 1;
		snprintf(res->msg, sizeof(res->msg), "the measured child reported nothing");
	}
	close(fds[0]);
	waitpid(pid, NULL, 0);
}

#define COWSTAT_HPAGE	(2UL << 20)

/* Does smaps say the VMA starting at @p maps a whole 2 MiB THP? */
static inline bool cowstat_thp_mapped(const char *p)
{
	char line[256], range[64];
	bool in_vma = false;
	unsigned long kb;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return false;
	snprintf(range, sizeof(range), "%lx-", (unsigned long)p);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') > strchr(line, '-'))
			in_vma = !strncmp(line, range, strlen(range));
		if (in_vma && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1) {
			fclose(f);
			return kb >= COWSTAT_HPAGE / 1024;
		}
	}
	fclose(f);
	return false;
}

/* 2 MiB of private memory, written, backed by one THP; NULL if none. */
static inline char *cowstat_map_thp(void)
{
	char *p = mmap(NULL, 2 * COWSTAT_HPAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *aligned;

	if (p == MAP_FAILED)
		return NULL;
	aligned = (char *)(((unsigned long)p + COWSTAT_HPAGE - 1) & ~(COWSTAT_HPAGE - 1));
	munmap(p, aligned - p);
	munmap(aligned + COWSTAT_HPAGE, p + COWSTAT_HPAGE - aligned);
	if (madvise(aligned, COWSTAT_HPAGE, MADV_HUGEPAGE))
		return NULL;
	memset(aligned, 1, COWSTAT_HPAGE);
	return cowstat_thp_mapped(aligned) ? aligned : NULL;
}

#endif /* COWSTAT_MEASURE_H */
