// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat per-task table: a fixed array of rows allocated at load time, a
 * hash of row indices keyed by pid, and a queue of exited rows to evict from.
 *
 * The fault path looks rows up without locks and never allocates: a task's
 * first fault takes a free row, or the oldest exited one, under a raw
 * spinlock.  Rows are never freed while the module is loaded, so a lockless
 * reader that races with eviction sees a row that is valid memory; readers
 * check the key, and printers check @seq.
 *
 * A reset keeps interrupts off for a bounded batch of rows at a time, never
 * for the whole table: it flips the table's epoch, then retires the rows of
 * the old epoch batch by batch, and frees them after an RCU grace period.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/cred.h>
#include "cowstat.h"

static_assert(sizeof(struct cowstat_row) == 152 || IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC));

struct cowstat_index cowstat_index __read_mostly;

static struct {
	unsigned long		*used_map;	/* rows that /proc/cowstat shows */
	raw_spinlock_t		lock;		/* everything below, and links */
	u32			free_head;
	u32			*exit_ring;	/* exited rows, oldest first */
	unsigned int		exit_first;
	unsigned int		exit_count;
	u16			epoch;		/* COWSTAT_ROW_EPOCH of new rows */
	unsigned int		used;
	u64			evicted;
	atomic64_t		dropped;
} tbl;

/* One reset at a time: each owns its list of retired rows until it frees them. */
static DEFINE_MUTEX(reset_lock);

/*
 * Fault injection for tests: Debian's kernels have no CONFIG_FAULT_INJECTION,
 * and rows are preallocated, so "allocation failure" is a refused row.
 */
static unsigned int fail_rows;
module_param(fail_rows, uint, 0644);
MODULE_PARM_DESC(fail_rows, "Testing: refuse the next N new rows, as if the table were full (default 0)");

/* Rows a reset retires or frees per interrupts-off section. */
#define COWSTAT_RESET_BATCH	64

/* The row is in the table (not retired by a reset in progress). */
static inline bool row_current(const struct cowstat_row *row)
{
	return (row->flags & (COWSTAT_ROW_USED | COWSTAT_ROW_EPOCH)) ==
	       (COWSTAT_ROW_USED | tbl.epoch);
}

static inline u32 row_index(const struct cowstat_row *row)
{
	return row - cowstat_index.rows;
}

static void unlink_row(struct cowstat_row *row)
{
	u32 *link = cowstat_bucket(row->pid);
	u32 idx = row_index(row);

	while (*link != COWSTAT_NIL) {
		if (*link == idx) {
			WRITE_ONCE(*link, row->next);
			return;
		}
		link = &cowstat_index.rows[*link].next;
	}
}

/* Take a row for a new task: a free one, else the oldest exited one. */
static struct cowstat_row *take_row(void)
{
	struct cowstat_row *row;
	u32 i;

	lockdep_assert_held(&tbl.lock);
	i = tbl.free_head;
	if (i != COWSTAT_NIL) {
		row = &cowstat_index.rows[i];
		tbl.free_head = row->next;
		tbl.used++;
		__set_bit(i, tbl.used_map);
		return row;
	}
	if (!tbl.exit_count)
		return NULL;
	i = tbl.exit_ring[tbl.exit_first];
	tbl.exit_first = (tbl.exit_first + 1) % cowstat_index.capacity;
	tbl.exit_count--;
	row = &cowstat_index.rows[i];
	unlink_row(row);
	/* Its task has exited or moved on: its counts are final. */
	cowstat_cgroups_fold(row);
	tbl.evicted++;
	return row;
}

static void init_row(struct cowstat_row *row, struct task_struct *task, u64 cgroup)
{
	struct task_struct *parent;

	cowstat_row_write_begin(row);
	WRITE_ONCE(row->pid, 0);
	smp_wmb();	/* pid 0 before anything else changes; pairs with lookups */
	memset((char *)row + offsetof(struct cowstat_row, fault_seq), 0,
	       sizeof(*row) - offsetof(struct cowstat_row, fault_seq));
	row->flags = COWSTAT_ROW_USED | tbl.epoch;
	row->uid = from_kuid(&init_user_ns, task_uid(task));
	row->tgid = task->tgid;
	rcu_read_lock();
	parent = rcu_dereference(task->real_parent);
	row->ppid = parent ? parent->tgid : 0;
	rcu_read_unlock();
	row->cgroup = cgroup;
	memcpy(row->comm, task->comm, sizeof(row->comm));
	row->comm[sizeof(row->comm) - 1] = '\0';
	WRITE_ONCE(row->start_time, task->start_time);
	smp_wmb();	/* the key's other fields before its pid */
	WRITE_ONCE(row->pid, task->pid);
	cowstat_row_write_end(row);
}

/*
 * The row keyed (@pid, @start_time), for a caller that must not miss it:
 * lockless first, then, if eviction may have moved a row under the walk,
 * under the lock, where chains do not move.
 */
static struct cowstat_row *row_find_exact(pid_t pid, u64 start_time)
{
	struct cowstat_row *row = cowstat_row_find(pid, start_time);
	unsigned long flags;

	if (row)
		return row;
	raw_spin_lock_irqsave(&tbl.lock, flags);
	row = cowstat_row_walk(pid, start_time, cowstat_index.capacity);
	raw_spin_unlock_irqrestore(&tbl.lock, flags);
	return row;
}

/* Mark @row final and queue it for eviction; the table lock is held. */
static void enqueue_exited(struct cowstat_row *row)
{
	lockdep_assert_held(&tbl.lock);
	WRITE_ONCE(row->flags, row->flags | COWSTAT_ROW_EXITED);
	tbl.exit_ring[(tbl.exit_first + tbl.exit_count) % cowstat_index.capacity] =
		row_index(row);
	tbl.exit_count++;
}

/* Queue @row for eviction, if it is still @pid's and in the table. */
static void queue_exited(struct cowstat_row *row, pid_t pid, u64 start_time)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&tbl.lock, flags);
	/* A reset may have retired the row meanwhile; it is not ours to queue then. */
	if (row_current(row) && !(row->flags & COWSTAT_ROW_EXITED) &&
	    row->pid == pid && row->start_time == start_time)
		enqueue_exited(row);
	raw_spin_unlock_irqrestore(&tbl.lock, flags);
}

/* Settle what is pending in @row and take @task's comm; @task is current. */
static void row_final_write(struct cowstat_row *row, struct task_struct *task)
{
	cowstat_row_write_begin(row);
	cowstat_resolve_pending(row);
	memcpy(row->comm, task->comm, sizeof(row->comm));
	row->comm[sizeof(row->comm) - 1] = '\0';
	cowstat_row_write_end(row);
}

/*
 * cowstat_row_get()'s slow path (@task is current): at @task's first fault,
 * or its first in cgroup @cgroup since it moved there, take a row.  A moved
 * task's old row is final, like an exited one: it leaves the hash, shown
 * until evicted, and its counts then go to its cgroup's totals.  NULL when
 * the table is full of live tasks; the caller counts the event as dropped.
 */
struct cowstat_row *cowstat_row_insert(struct task_struct *task, u64 cgroup)
{
	struct cowstat_row *row;
	unsigned long flags;
	u32 *bucket;

	if (task->flags & PF_EXITING)
		return NULL;

	raw_spin_lock_irqsave(&tbl.lock, flags);
	/* Authoritative second look: chains do not move under the lock. */
	row = cowstat_row_walk(task->pid, task->start_time, cowstat_index.capacity);
	if (row && row->cgroup != cgroup) {
		/*
		 * Only a row of ours that is in the table ends here.  One a
		 * reset is about to retire, or one already queued (the old
		 * leader's, found by a thread that execs before the exec
		 * tracepoint unlinks it), just leaves the hash: queueing it
		 * again would put it in the ring twice.
		 */
		if (row_current(row) && !(row->flags & COWSTAT_ROW_EXITED)) {
			row_final_write(row, task);
			WRITE_ONCE(row->flags, row->flags | COWSTAT_ROW_MOVED);
			enqueue_exited(row);
		}
		unlink_row(row);
		row = NULL;
	}
	if (!row && unlikely(READ_ONCE(fail_rows))) {
		WRITE_ONCE(fail_rows, fail_rows - 1);
	} else if (!row) {
		row = take_row();
		if (row) {
			init_row(row, task, cgroup);
			bucket = cowstat_bucket(task->pid);
			row->next = *bucket;
			/* The row is complete before lookups can reach it. */
			smp_store_release(bucket, row_index(row));
		}
	}
	raw_spin_unlock_irqrestore(&tbl.lock, flags);
	return row;
}

/* sched_process_exit: settle what is pending and queue the row for eviction. */
void cowstat_row_exited(struct task_struct *task)
{
	struct cowstat_row *row;

	row = row_find_exact(task->pid, task->start_time);
	if (!row || (READ_ONCE(row->flags) & COWSTAT_ROW_EXITED))
		return;
	row_final_write(row, task);
	queue_exited(row, task->pid, task->start_time);
}

/*
 * sched_process_exec, in @task (current) after the new program is loaded.
 * Same thread: only the comm changes.  A non-leader thread: de_thread()
 * gave it the old leader's pid and start_time, so its old tid has ended,
 * like an exit, and the leader's row, already exited, must not collect the
 * new program's faults: it leaves the hash, still shown until evicted, and
 * the next fault takes a fresh row under the leader's key.
 */
void cowstat_row_exec(struct task_struct *task, pid_t old_pid)
{
	struct cowstat_row *row;
	unsigned long flags;
	u32 i;

	if (old_pid == task->pid) {
		row = cowstat_row_find(task->pid, task->start_time);
		if (row) {
			cowstat_row_write_begin(row);
			memcpy(row->comm, task->comm, sizeof(row->comm));
			row->comm[sizeof(row->comm) - 1] = '\0';
			cowstat_row_write_end(row);
		}
		return;
	}

	raw_spin_lock_irqsave(&tbl.lock, flags);
	row = cowstat_row_walk(task->pid, task->start_time, cowstat_index.capacity);
	if (row && (row->flags & COWSTAT_ROW_EXITED))
		unlink_row(row);
	/* The thread's own row: its start_time is gone, but it is our live old tid. */
	row = NULL;
	for (i = READ_ONCE(*cowstat_bucket(old_pid)); i < cowstat_index.capacity;
	     i = cowstat_index.rows[i].next) {
		struct cowstat_row *r = &cowstat_index.rows[i];

		if (r->pid == old_pid && r->tgid == task->tgid &&
		    !(r->flags & COWSTAT_ROW_EXITED) && row_current(r)) {
			row = r;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&tbl.lock, flags);
	if (!row)
		return;
	/* The row keeps its key: only this task could still write to it. */
	row_final_write(row, task);
	queue_exited(row, old_pid, row->start_time);
}

void cowstat_count_dropped(void)
{
	atomic64_inc(&tbl.dropped);
}

/* Take @row out of the table onto the reset's list @retired. */
static void retire_row(struct cowstat_row *row, u32 *retired)
{
	lockdep_assert_held(&tbl.lock);
	unlink_row(row);
	/* Lockless users check the flags (outcome_row) or have the row unlinked. */
	WRITE_ONCE(row->flags, 0);
	__clear_bit(row_index(row), tbl.used_map);
	tbl.used--;
	WRITE_ONCE(row->next, *retired);
	*retired = row_index(row);
}

/*
 * Forget every row.  The epoch flips first, so rows taken from then on
 * stay; the old epoch's rows leave the table COWSTAT_RESET_BATCH at a time.
 * Probe handlers run with preemption disabled, so after one RCU grace
 * period none still writes to a retired row and it can be handed out again.
 */
void cowstat_table_reset(void)
{
	unsigned int cap = cowstat_index.capacity, i, end, n;
	u32 retired = COWSTAT_NIL, idx;
	unsigned long flags;
	u16 old;

	mutex_lock(&reset_lock);
	raw_spin_lock_irqsave(&tbl.lock, flags);
	old = tbl.epoch;
	tbl.epoch ^= COWSTAT_ROW_EPOCH;
	/* Every queued row is of the old epoch, and is retired below. */
	tbl.exit_first = 0;
	tbl.exit_count = 0;
	tbl.evicted = 0;
	atomic64_set(&tbl.dropped, 0);
	cowstat_cgroups_clear();
	raw_spin_unlock_irqrestore(&tbl.lock, flags);
	cowstat_cgroups_clear_spare();

	for (i = 0; i < cap; i = end) {
		end = min(i + COWSTAT_RESET_BATCH, cap);
		/* A hint: bits are set only under the lock, and checked again there. */
		if (find_next_bit(tbl.used_map, end, i) >= end)
			continue;
		raw_spin_lock_irqsave(&tbl.lock, flags);
		for (n = i; n < end; n++) {
			struct cowstat_row *row = &cowstat_index.rows[n];

			if (test_bit(n, tbl.used_map) &&
			    (row->flags & COWSTAT_ROW_EPOCH) == old)
				retire_row(row, &retired);
		}
		raw_spin_unlock_irqrestore(&tbl.lock, flags);
		cond_resched();
	}

	synchronize_rcu();

	while (retired != COWSTAT_NIL) {
		raw_spin_lock_irqsave(&tbl.lock, flags);
		for (n = 0; n < COWSTAT_RESET_BATCH && retired != COWSTAT_NIL; n++) {
			idx = retired;
			retired = cowstat_index.rows[idx].next;
			WRITE_ONCE(cowstat_index.rows[idx].pid, 0);
			cowstat_index.rows[idx].next = tbl.free_head;
			tbl.free_head = idx;
		}
		raw_spin_unlock_irqrestore(&tbl.lock, flags);
		cond_resched();
	}
	mutex_unlock(&reset_lock);
}

void cowstat_table_stats(struct cowstat_table_stats *st)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&tbl.lock, flags);
	st->used = tbl.used;
	st->evicted = tbl.evicted;
	raw_spin_unlock_irqrestore(&tbl.lock, flags);
	st->capacity = cowstat_index.capacity;
	st->dropped = atomic64_read(&tbl.dropped);
}

/* The first used row at or after @pos, into @idx; false when there is none. */
bool cowstat_table_next(unsigned long pos, unsigned int *idx)
{
	unsigned long next;

	if (pos >= cowstat_index.capacity)
		return false;
	next = find_next_bit(tbl.used_map, cowstat_index.capacity, pos);
	if (next >= cowstat_index.capacity)
		return false;
	*idx = next;
	return true;
}

/*
 * How long a reader waits for a row to be consistent.  A writer holds a row
 * for a few hundred instructions with preemption off; a row still torn after
 * this is left out of the read rather than spun on.
 */
#define COWSTAT_SNAPSHOT_WAIT	HZ

/* Copy row @pos consistently; false if it is not in use (or stays torn). */
bool cowstat_row_snapshot(unsigned int pos, struct cowstat_row *snap)
{
	const struct cowstat_row *row = &cowstat_index.rows[pos];
	unsigned long deadline = jiffies + COWSTAT_SNAPSHOT_WAIT;
	unsigned int seq;

	seqcount_lockdep_reader_access(&row->seq);
	for (;;) {
		/* Not read_seqcount_begin(): it would spin for as long as seq is odd. */
		seq = raw_read_seqcount(&row->seq);
		if (!(seq & 1)) {
			memcpy(snap, row, sizeof(*snap));
			if (!read_seqcount_retry(&row->seq, seq))
				break;
		}
		if (time_after(jiffies, deadline))
			return false;
		cond_resched();
		cpu_relax();
	}
	return (snap->flags & COWSTAT_ROW_USED) && snap->pid;
}

int cowstat_table_init(unsigned int capacity)
{
	unsigned int i;

	cowstat_index.capacity = capacity;
	cowstat_index.hash_bits = ilog2(roundup_pow_of_two(capacity));
	cowstat_index.rows = kvcalloc(capacity, sizeof(*cowstat_index.rows), GFP_KERNEL);
	cowstat_index.buckets = kvmalloc_array(1U << cowstat_index.hash_bits, sizeof(u32),
					       GFP_KERNEL);
	tbl.used_map = bitmap_zalloc(capacity, GFP_KERNEL);
	tbl.exit_ring = kvmalloc_array(capacity, sizeof(u32), GFP_KERNEL);
	if (!cowstat_index.rows || !cowstat_index.buckets || !tbl.used_map || !tbl.exit_ring) {
		cowstat_table_exit();
		return -ENOMEM;
	}
	for (i = 0; i < (1U << cowstat_index.hash_bits); i++)
		cowstat_index.buckets[i] = COWSTAT_NIL;
	for (i = 0; i < capacity; i++) {
		cowstat_index.rows[i].next = i + 1 < capacity ? i + 1 : COWSTAT_NIL;
		seqcount_init(&cowstat_index.rows[i].seq);
	}
	raw_spin_lock_init(&tbl.lock);
	tbl.free_head = 0;
	tbl.exit_first = 0;
	tbl.exit_count = 0;
	tbl.epoch = 0;
	tbl.used = 0;
	tbl.evicted = 0;
	atomic64_set(&tbl.dropped, 0);
	return 0;
}

void cowstat_table_exit(void)
{
	kvfree(tbl.exit_ring);
	bitmap_free(tbl.used_map);
	kvfree(cowstat_index.buckets);
	kvfree(cowstat_index.rows);
	tbl.exit_ring = NULL;
	tbl.used_map = NULL;
	cowstat_index.buckets = NULL;
	cowstat_index.rows = NULL;
}
