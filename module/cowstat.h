/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cowstat: per-task accounting of write-protect (copy-on-write) faults.
 *
 * The probes in probes.c classify each fault and charge it to the faulting
 * task's row in the table (table.c); procfs.c prints the table as
 * /proc/cowstat.  Documentation/cowstat.rst describes the columns.
 */
#ifndef _COWSTAT_H
#define _COWSTAT_H

#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/hash.h>
#include <linux/sched.h>
#include <linux/uidgid.h>
#include <linux/seqlock.h>
#include <linux/cgroup.h>
#include <linux/tracepoint-defs.h>

/*
 * What the faults of a row, or of a cgroup, did: the columns of /proc/cowstat
 * and /proc/cowstat_cgroups between the ids and the comm.
 */
struct cowstat_counts {
	/* Frequent events: 64-bit. */
	u64		faults;
	u64		copies;
	u64		reuses;
	u64		shared;
	u64		bytes;
	/* Rare events: 32-bit, wrapping. */
	u32		unshare;
	u32		zero;
	u32		other;
	u32		ksm;
	u32		thp;
	u32		hugetlb;
	u32		remote;
	u32		large;
	u32		thp_zero;
};

/*
 * One row per task (thread) and cgroup, kept after the task exits or moves
 * to another cgroup: 152 bytes (more with lockdep, whose map is in @seq),
 * the fault path's fields first.  Who writes what, and why one writer is
 * enough on every kernel (Documentation/cowstat.rst, "One writer per row"):
 *
 * - The counts, @pending, @fault_seq and @seq have one writer, the row's
 *   owner, in its own context with preemption disabled, from the row's
 *   first fault to its end, which the owner itself makes (cowstat_row_end).
 *   Before it has an owner and after its end, the table lock's holder
 *   writes them (a new row, a freed one).
 * - @flags, @next and the key change only under the table lock.
 * - Everyone else reads a row under @seq.
 */
struct cowstat_row {
	u32		next;		/* hash chain, as a row index */
	uid_t		uid;		/* real uid at the first fault, in init_user_ns */
	seqcount_t	seq;		/* odd while the row is being written */
	pid_t		pid;		/* key, with @start_time; 0 while unused */
	u16		flags;		/* COWSTAT_ROW_* */
	/* From here on, set anew when the row is handed to a new task. */
	u16		fault_seq;	/* owner's min_flt + maj_flt at @pending, low bits */
	pid_t		tgid;
	pid_t		ppid;		/* parent's tgid at the first fault */
	u64		start_time;	/* task->start_time: tells recycled pids apart */

	struct_group(fresh,		/* cleared then */
		unsigned long	pending;	/* PTE pointer | COWSTAT_PENDING_* */
		u64		cgroup;		/* cgroup v2 id of the task at these faults */
		struct cowstat_counts counts;
		char		comm[TASK_COMM_LEN];
	);
};

#define COWSTAT_ROW_USED	0x1
#define COWSTAT_ROW_EXITED	0x2
#define COWSTAT_ROW_EPOCH	0x4	/* the table's epoch when the row was taken */
#define COWSTAT_ROW_MOVED	0x8	/* with EXITED: the task went on in another cgroup */
#define COWSTAT_ROW_STALE	0x10	/* a reset forgot it; its owner starts it again */

/* What a fault that has not finished yet is waiting for; kept in @pending. */
#define COWSTAT_PENDING_PRIVATE	0x1	/* do_wp_page on a private mapping */
#define COWSTAT_PENDING_HUGETLB	0x2	/* hugetlb_fault, at a huge page's address */
#define COWSTAT_PENDING_THP	0x3	/* do_huge_pmd_wp_page, with its PMD pointer */
#define COWSTAT_PENDING_THP_REUSED	0x4	/* ... that made the PMD writable */
#define COWSTAT_PENDING_THP_FILLED	0x5	/* ... that replaced the huge zero page */
#define COWSTAT_PENDING_MASK	0x7

#define COWSTAT_NIL		U32_MAX

/* Probes that are attached; a column is printed only when its probes are. */
enum cowstat_probe {
	COWSTAT_P_WP,		/* do_wp_page entry */
	COWSTAT_P_REUSE,	/* ptep_set_access_flags: a page reused */
	COWSTAT_P_REUSE_CONT,	/* contpte_ptep_set_access_flags: ... in a contiguous block */
	COWSTAT_P_COMMIT,	/* ptep_clear_flush: a copy is installed */
	COWSTAT_P_THP,		/* do_huge_pmd_wp_page */
	COWSTAT_P_THP_REUSE,	/* pmdp_set_access_flags: a THP reused at PMD level */
	COWSTAT_P_THP_FILL,	/* pmdp_huge_clear_flush: the huge zero page replaced */
	COWSTAT_P_HUGETLB,	/* hugetlb_fault */
	COWSTAT_P_HUGETLB_COMMIT, /* huge_ptep_clear_flush: a hugetlb copy is installed */
	COWSTAT_P_TID,		/* exchange_tids: a thread that execs ends its tid */
	COWSTAT_P_EXIT,		/* exit_files: the task's end, after exit_mm() */
	COWSTAT_P_EXEC,		/* sched_process_exec tracepoint */
	COWSTAT_NR_PROBES
};

#define COWSTAT_NEEDS(p)	BIT(COWSTAT_P_##p)

/* table.c */

/* What lockless lookups read: set at load, unchanged until unload but @epoch. */
struct cowstat_index {
	struct cowstat_row	*rows;
	u32			*buckets;	/* row indices, COWSTAT_NIL ends a chain */
	unsigned int		capacity;
	unsigned int		hash_bits;
	u16			epoch;		/* COWSTAT_ROW_EPOCH of rows that count */
};

extern struct cowstat_index cowstat_index;

/* A lockless walk longer than this is racing with eviction: a miss. */
#define COWSTAT_MAX_WALK	64

static inline u32 cowstat_row_index(const struct cowstat_row *row)
{
	return row - cowstat_index.rows;
}

static inline u32 *cowstat_bucket(pid_t pid)
{
	return &cowstat_index.buckets[hash_32((u32)pid, cowstat_index.hash_bits)];
}

/*
 * The row keyed (@pid, @start_time), walking at most @max_steps rows.
 * Without the table lock it may miss a row that eviction is moving, never
 * a stable one.  Inline: it is most of the cost of every probe.
 */
static __always_inline struct cowstat_row *
cowstat_row_walk(pid_t pid, u64 start_time, unsigned int max_steps)
{
	/* Pairs with the release that published the row: see its fields. */
	u32 i = smp_load_acquire(cowstat_bucket(pid));
	unsigned int steps = 0;

	while (i < cowstat_index.capacity) {
		struct cowstat_row *row = &cowstat_index.rows[i];

		/*
		 * The pid, the start time, the pid again: init_row() clears the
		 * pid before it writes the start time and sets the pid after
		 * it, with smp_wmb() between, so a row being handed on never
		 * matches with one task's pid and another's start time.
		 */
		if (READ_ONCE(row->pid) == pid) {
			smp_rmb();	/* pairs with init_row()'s second smp_wmb() */
			if (READ_ONCE(row->start_time) == start_time) {
				smp_rmb();	/* pairs with its first */
				if (READ_ONCE(row->pid) == pid)
					return row;
			}
		}
		if (++steps > max_steps)
			return NULL;
		i = READ_ONCE(row->next);
	}
	return NULL;
}

static __always_inline struct cowstat_row *cowstat_row_find(pid_t pid, u64 start_time)
{
	return cowstat_row_walk(pid, start_time, COWSTAT_MAX_WALK);
}

#ifndef CONFIG_CGROUPS
#error "cowstat charges every row to a cgroup v2 id: it needs CONFIG_CGROUPS"
#endif

/*
 * The cgroup v2 id of @task (current, in a probe).  Probe handlers run with
 * preemption disabled, an RCU-sched read-side section, and css_sets and
 * cgroups are freed only after a grace period.
 */
static __always_inline u64 cowstat_task_cgroup(struct task_struct *task)
{
	return cgroup_id(rcu_dereference_sched(task->cgroups)->dfl_cgrp);
}

struct cowstat_row *cowstat_row_insert(struct task_struct *task, u64 cgroup);

/*
 * The row of @task (always current) in its cgroup: created at its first
 * fault, again at its first fault in another cgroup, and again after a
 * reset.  An ended row is never written again: a thread that exec'd has
 * its leader's key, and the leader's ended row, and takes a row of its
 * own.  NULL when the table is full of live tasks: the caller counts the
 * event as dropped.
 */
static __always_inline struct cowstat_row *cowstat_row_get(struct task_struct *task)
{
	struct cowstat_row *row = cowstat_row_find(task->pid, task->start_time);
	u64 cgroup = cowstat_task_cgroup(task);

	/* Not ended, not forgotten by a reset: of the epoch that counts. */
	if (likely(row && READ_ONCE(row->cgroup) == cgroup &&
		   (READ_ONCE(row->flags) &
		    (COWSTAT_ROW_EXITED | COWSTAT_ROW_STALE | COWSTAT_ROW_EPOCH)) ==
		   READ_ONCE(cowstat_index.epoch)))
		return row;
	return cowstat_row_insert(task, cgroup);
}

struct cowstat_table_stats {
	unsigned int	used;
	unsigned int	capacity;
	u64		dropped;
	u64		evicted;
};

int cowstat_table_init(unsigned int capacity);
void cowstat_table_exit(void);
void cowstat_row_end(struct task_struct *task);
void cowstat_row_exec(struct task_struct *task, pid_t old_pid);
void cowstat_row_tid_ends(struct task_struct *task);
void cowstat_count_dropped(void);
void cowstat_table_reset(void (*at_reset)(void));
bool cowstat_row_shown(const struct cowstat_row *snap);
void cowstat_table_stats(struct cowstat_table_stats *st);
bool cowstat_table_next(unsigned long pos, unsigned int *idx);
bool cowstat_row_snapshot(unsigned int pos, struct cowstat_row *snap);

/*
 * A row's one writer (see struct cowstat_row) makes @seq odd around its
 * writes; cowstat_row_snapshot() retries until it read an even, unchanged
 * @seq, for a bounded time.
 */
static inline void cowstat_row_write_begin(struct cowstat_row *row)
{
	write_seqcount_begin(&row->seq);
}

static inline void cowstat_row_write_end(struct cowstat_row *row)
{
	write_seqcount_end(&row->seq);
}

/*
 * Pending private faults, in @pending: do_wp_page's entry sets one, and its
 * copy or reuse probe clears it.  One that ends otherwise (a uffd-wp
 * hand-off, an error, VM_FAULT_RETRY) is "other", once the owner's next
 * fault, its exit, or a reader that sees its fault count moved on says so.
 */
/*
 * Changes each time one of @task's faults completes (mm_account_fault); a
 * retried or failed fault leaves it alone.
 */
static inline u16 cowstat_task_fault_seq(struct task_struct *task)
{
	return (u16)(READ_ONCE(task->min_flt) + READ_ONCE(task->maj_flt));
}

/*
 * events.c: the trace event cowstat:cow_fault (trace.h).  Where a fault
 * was, as the event gives it: recorded at the fault's entry, since the
 * outcome of a pending fault may be known only once its VMA is gone.
 */
#define COWSTAT_OUTCOME_COPY		1
#define COWSTAT_OUTCOME_REUSE		2
#define COWSTAT_OUTCOME_SHARED		3
#define COWSTAT_OUTCOME_UNSHARE		4
#define COWSTAT_OUTCOME_OTHER		5

/* The page a fault wrote to, as the rare columns tell it. */
#define COWSTAT_KIND_ZERO		0x01
#define COWSTAT_KIND_KSM		0x02
#define COWSTAT_KIND_THP		0x04
#define COWSTAT_KIND_HUGETLB		0x08
#define COWSTAT_KIND_LARGE		0x10

/* What /proc/PID/maps would name the mapping by. */
#define COWSTAT_MAPPING_FILE		1
#define COWSTAT_MAPPING_HEAP		2
#define COWSTAT_MAPPING_STACK		3
#define COWSTAT_MAPPING_ANON		4

#define COWSTAT_SITE_NAME_LEN		32

struct cowstat_fault_site {
	unsigned long	pending;	/* the row's @pending it was recorded for; 0: none */
	u64		entry_ns;	/* local_clock() at the handler's entry */
	unsigned long	address;
	unsigned long	vm_start;
	u64		ino;
	u64		pgoff;		/* of the page, in the file */
	dev_t		dev;
	u8		mapping;	/* COWSTAT_MAPPING_* */
	u8		page_kind;	/* COWSTAT_KIND_* of the page written, at entry */
	char		name[COWSTAT_SITE_NAME_LEN];	/* file's, or anon VMA's */
};

struct vm_area_struct;

int cowstat_events_reg(void);
void cowstat_events_unreg(void);
void cowstat_events_init(unsigned int capacity);
void cowstat_events_exit(void);
void cowstat_event_now(const struct cowstat_row *row, struct vm_area_struct *vma,
		       unsigned long address, unsigned int outcome);
void cowstat_event_entry(const struct cowstat_row *row, struct vm_area_struct *vma,
			 unsigned long address, unsigned int page_kind);
void cowstat_event_outcome(const struct cowstat_row *row, unsigned int pending_kind,
			   unsigned int outcome, unsigned int kind, unsigned int bytes);
void cowstat_event_settle(const struct cowstat_row *row);
void cowstat_event_forget(const struct cowstat_row *row);

/* Off, the default: one patched-out branch (a static key). */
DECLARE_TRACEPOINT(cow_fault);

static __always_inline bool cowstat_events_on(void)
{
	return tracepoint_enabled(cow_fault);
}

/* A new fault, or the exit, shows the previous private fault ended unseen. */
static inline void cowstat_resolve_pending(struct cowstat_row *row)
{
	if ((row->pending & COWSTAT_PENDING_MASK) == COWSTAT_PENDING_PRIVATE)
		row->counts.other++;
	row->pending = 0;
}

/*
 * cgroups.c: the totals of the rows that eviction took out of the table,
 * per cgroup.  Written under the table's lock; read under cowstat_cgroups.seq.
 */
struct cowstat_cgroup {
	u64			id;		/* cgroup v2 id */
	u32			next;		/* hash chain, as an index */
	u32			lru_prev;	/* least recently folded first */
	u32			lru_next;
	u64			tasks;		/* rows folded in */
	struct cowstat_counts	counts;
};

struct cowstat_cgroup_table {
	struct cowstat_cgroup	*entries;	/* the first @used are in use */
	u32			*buckets;
	u32			*spare_buckets;	/* cleared, for the next reset */
	unsigned int		capacity;
	unsigned int		hash_bits;
	unsigned int		used;
	u32			lru_first;
	u32			lru_last;
	u64			evicted;
	seqcount_t		seq;		/* odd while a writer changes any of this */
};

extern struct cowstat_cgroup_table cowstat_cgroups;

int cowstat_cgroups_init(unsigned int capacity);
void cowstat_cgroups_exit(void);
void cowstat_cgroups_fold(const struct cowstat_row *row);
void cowstat_cgroups_clear(void);
void cowstat_cgroups_clear_spare(void);
void cowstat_counts_add(struct cowstat_counts *sum, const struct cowstat_counts *c);

/* probes.c */
int cowstat_probes_check_params(void);
int cowstat_probes_init(bool faults_only);
void cowstat_probes_exit(void);
unsigned long cowstat_probes_attached(void);
unsigned long cowstat_probes_usable(void);
u64 cowstat_probes_missed(void);
void cowstat_probes_reset_missed(void);
const char *cowstat_probe_name(enum cowstat_probe p);

/* layout.c */
int cowstat_layout_init(void);
void cowstat_layout_exit(void);
bool cowstat_layout_has(const char *func);
int cowstat_layout_check(const char *func, const char *want, char *why, size_t len);
int cowstat_layout_check_tracepoint(const char *name, const char *want, char *why, size_t len);

/* procfs.c */
int cowstat_proc_init(u64 loaded_ns);
void cowstat_proc_exit(void);

#endif /* _COWSTAT_H */
