// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat per-task table: a fixed array of rows allocated at load time, a
 * hash of row indices keyed by pid, and a queue of ended rows to evict from.
 *
 * The fault path looks rows up without locks and never allocates: a task's
 * first fault takes a free row, or the oldest ended one, under a raw
 * spinlock.  Rows are never freed while the module is loaded, so a lockless
 * reader that races with eviction sees a row that is valid memory; readers
 * check the key, and printers check @seq.
 *
 * Only a row's owner writes its counts (cowstat.h), and only the owner ends
 * its row.  So nothing ever waits for a handler: eviction takes only ended
 * rows, and a reset frees ended rows at once and marks live ones stale,
 * for their owners to start again at their next fault.
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
	unsigned long		*used_map;	/* rows taken */
	raw_spinlock_t		lock;		/* everything below, links and flags */
	/* Odd while a hash chain changes: lookups that must not miss retry. */
	seqcount_raw_spinlock_t	links;
	u32			free_head;
	u32			*exit_ring;	/* ended rows, oldest first */
	unsigned int		exit_first;
	unsigned int		exit_count;
	unsigned int		used;
	unsigned int		stale;		/* used rows a reset forgot */
	u64			evicted;
	atomic64_t		dropped;
} tbl;

/* One reset at a time: each marks every row of the epoch it ends. */
static DEFINE_MUTEX(reset_lock);

/*
 * Fault injection for tests: Debian's kernels have no CONFIG_FAULT_INJECTION,
 * and rows are preallocated, so "allocation failure" is a refused row.
 */
static unsigned int fail_rows;	/* written by sysfs too: read it once */
module_param(fail_rows, uint, 0644);
MODULE_PARM_DESC(fail_rows, "Testing: refuse the next N new rows, as if the table were full (default 0)");

/* Rows a reset frees or marks per interrupts-off section. */
#define COWSTAT_RESET_BATCH	64

/* The row counts since the load or the last reset (the lock is held). */
static inline bool row_current(const struct cowstat_row *row)
{
	return (row->flags & (COWSTAT_ROW_USED | COWSTAT_ROW_EPOCH | COWSTAT_ROW_STALE)) ==
	       (COWSTAT_ROW_USED | cowstat_index.epoch);
}

/*
 * Is @snap, a consistent copy of a row, one that the files show?  Rows of
 * the epoch a reset ended, marked stale or not yet, are not.
 */
bool cowstat_row_shown(const struct cowstat_row *snap)
{
	return (snap->flags & (COWSTAT_ROW_USED | COWSTAT_ROW_EPOCH | COWSTAT_ROW_STALE)) ==
	       (COWSTAT_ROW_USED | READ_ONCE(cowstat_index.epoch)) && snap->pid;
}

static void unlink_row(struct cowstat_row *row)
{
	u32 *link = cowstat_bucket(row->pid);
	u32 idx = cowstat_row_index(row);

	while (*link != COWSTAT_NIL) {
		if (*link == idx) {
			write_seqcount_begin(&tbl.links);
			WRITE_ONCE(*link, row->next);
			write_seqcount_end(&tbl.links);
			return;
		}
		link = &cowstat_index.rows[*link].next;
	}
}

/* Link @row, whose key is set, into its chain: lookups can find it from now on. */
static void link_row(struct cowstat_row *row)
{
	u32 *bucket = cowstat_bucket(row->pid);

	write_seqcount_begin(&tbl.links);
	WRITE_ONCE(row->next, *bucket);
	/* The row is complete before lookups can reach it. */
	smp_store_release(bucket, cowstat_row_index(row));
	write_seqcount_end(&tbl.links);
}

/* Give @row, which has no owner, back to the free list. */
static void free_row(struct cowstat_row *row)
{
	lockdep_assert_held(&tbl.lock);
	unlink_row(row);
	if (row->flags & COWSTAT_ROW_STALE)
		tbl.stale--;
	WRITE_ONCE(row->flags, 0);
	WRITE_ONCE(row->pid, 0);
	clear_bit(cowstat_row_index(row), tbl.used_map);	/* readers scan it locklessly */
	tbl.used--;
	WRITE_ONCE(row->next, tbl.free_head);
	tbl.free_head = cowstat_row_index(row);
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
		set_bit(i, tbl.used_map);
		return row;
	}
	if (!tbl.exit_count)
		return NULL;
	i = tbl.exit_ring[tbl.exit_first];
	tbl.exit_first = (tbl.exit_first + 1) % cowstat_index.capacity;
	tbl.exit_count--;
	row = &cowstat_index.rows[i];
	unlink_row(row);
	/*
	 * Its owner ended it under this lock: its counts are final.  A row
	 * ended before a reset that is still freeing the old rows counts no
	 * more.
	 */
	if ((row->flags & COWSTAT_ROW_EPOCH) == cowstat_index.epoch) {
		cowstat_cgroups_fold(row);
		tbl.evicted++;
	}
	return row;
}

/*
 * @task's comm into @row.  Not get_task_comm(): on 6.x it takes the task
 * lock, a sleeping lock on PREEMPT_RT, and callers hold the table's raw
 * lock or have preemption disabled.  Another thread of the group may be
 * renaming @task (/proc/PID/task/TID/comm): the copy ends with a NUL.
 */
static void copy_comm(struct cowstat_row *row, struct task_struct *task)
{
	memcpy(row->comm, task->comm, sizeof(row->comm));
	row->comm[sizeof(row->comm) - 1] = '\0';
}

/*
 * Make @row @task's, in @cgroup, with nothing counted.  @task is current
 * and @row has no other owner: a free or evicted row, or one of @task's
 * own that a reset forgot (still linked, under the same key).
 */
static void init_row(struct cowstat_row *row, struct task_struct *task, u64 cgroup)
{
	struct task_struct *parent;

	lockdep_assert_held(&tbl.lock);
	cowstat_row_write_begin(row);
	WRITE_ONCE(row->pid, 0);
	smp_wmb();	/* pid 0 before anything else changes; pairs with lookups */
	/* The key's start_time is written once, below: lockless walks read it. */
	row->fault_seq = 0;
	memset(&row->fresh, 0, sizeof(row->fresh));
	/* A fault a reset forgot was counted nowhere: no event either. */
	if (cowstat_events_on())
		cowstat_event_forget(row);
	if (row->flags & COWSTAT_ROW_STALE)
		tbl.stale--;
	WRITE_ONCE(row->flags, COWSTAT_ROW_USED | cowstat_index.epoch);
	row->uid = from_kuid(&init_user_ns, task_uid(task));
	row->tgid = task->tgid;
	rcu_read_lock();
	parent = rcu_dereference(task->real_parent);
	row->ppid = parent ? parent->tgid : 0;
	rcu_read_unlock();
	WRITE_ONCE(row->cgroup, cgroup);
	copy_comm(row, task);
	WRITE_ONCE(row->start_time, task->start_time);
	smp_wmb();	/* the key's other fields before its pid */
	WRITE_ONCE(row->pid, task->pid);
	cowstat_row_write_end(row);
}

/*
 * The row keyed (@pid, @start_time), for a caller that must not miss it:
 * a lockless walk, again if a chain changed under it.  A task without a
 * row (every kernel thread, every thread that never copied) takes no lock.
 */
static struct cowstat_row *row_find_exact(pid_t pid, u64 start_time)
{
	struct cowstat_row *row;
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&tbl.links);
		row = cowstat_row_walk(pid, start_time, cowstat_index.capacity);
	} while (!row && read_seqcount_retry(&tbl.links, seq));
	return row;
}

/*
 * The owner ends @row: from now on only the lock's holder writes it.  The
 * lock's release pairs with the acquire of whoever evicts or frees it, so
 * they see every write the owner made.
 */
static void end_row(struct cowstat_row *row, u16 how)
{
	lockdep_assert_held(&tbl.lock);
	WRITE_ONCE(row->flags, row->flags | COWSTAT_ROW_EXITED | how);
	tbl.exit_ring[(tbl.exit_first + tbl.exit_count) % cowstat_index.capacity] =
		cowstat_row_index(row);
	tbl.exit_count++;
}

/*
 * Settle what is pending in @row and, if @task is given, freeze its comm
 * (the owner, current, is about to end it).
 */
static void row_final_write(struct cowstat_row *row, struct task_struct *task)
{
	if (cowstat_events_on())
		cowstat_event_settle(row);
	cowstat_row_write_begin(row);
	cowstat_resolve_pending(row);
	if (task)
		copy_comm(row, task);
	cowstat_row_write_end(row);
}

/*
 * The owner of @row, which it found under its own key and has not ended,
 * ends it: queued for eviction with its counts, or, if a reset forgot it,
 * freed.  @task, if given, is the owner, whose comm the row keeps.
 */
static void finish_row(struct cowstat_row *row, struct task_struct *task, u16 how)
{
	unsigned long flags;

	row_final_write(row, task);
	raw_spin_lock_irqsave(&tbl.lock, flags);
	if (row_current(row))
		end_row(row, how);
	else
		free_row(row);
	raw_spin_unlock_irqrestore(&tbl.lock, flags);
}

/*
 * cowstat_row_get()'s slow path (@task is current): at @task's first fault,
 * its first in cgroup @cgroup since it moved there, or its first since a
 * reset, take a row.  A moved task's old row ends, like an exited one: it
 * leaves the hash, shown until evicted, and its counts then go to its
 * cgroup's totals.  NULL when the table is full of live tasks; the caller
 * counts the event as dropped.
 */
struct cowstat_row *cowstat_row_insert(struct task_struct *task, u64 cgroup)
{
	struct cowstat_row *row;
	unsigned long flags;
	unsigned int refuse;

	/*
	 * Past exit_mm() the task has no memory of its own left to fault in,
	 * and its end (cowstat_row_end) may be behind it: a row taken now
	 * would never end.
	 */
	if ((task->flags & PF_EXITING) && !task->mm)
		return NULL;

	raw_spin_lock_irqsave(&tbl.lock, flags);
	/* Authoritative second look: chains do not move under the lock. */
	row = cowstat_row_walk(task->pid, task->start_time, cowstat_index.capacity);
	if (row && (row->flags & COWSTAT_ROW_EXITED)) {
		/* The old leader's, under the key de_thread() gave this thread. */
		unlink_row(row);
		row = NULL;
	} else if (row && !row_current(row)) {
		/* Ours, forgotten by a reset: start it again, in place. */
		init_row(row, task, cgroup);
		goto out;
	} else if (row && row->cgroup != cgroup) {
		row_final_write(row, task);
		end_row(row, COWSTAT_ROW_MOVED);
		unlink_row(row);
		row = NULL;
	}
	if (row)
		goto out;
	refuse = READ_ONCE(fail_rows);
	if (unlikely(refuse)) {
		WRITE_ONCE(fail_rows, refuse - 1);
		goto out;
	}
	row = take_row();
	if (row) {
		init_row(row, task, cgroup);
		link_row(row);
	}
out:
	raw_spin_unlock_irqrestore(&tbl.lock, flags);
	return row;
}

/*
 * The task's end, in its own context after exit_mm(): its last fault is
 * behind it, the kernel's own writes at exit (robust futexes,
 * clear_child_tid) included.  Settle what is pending, freeze the comm,
 * and queue the row for eviction.
 */
void cowstat_row_end(struct task_struct *task)
{
	struct cowstat_row *row = row_find_exact(task->pid, task->start_time);

	if (row && !(READ_ONCE(row->flags) & COWSTAT_ROW_EXITED))
		finish_row(row, task, 0);
}

/*
 * End the live row of @task's (current's) tid @tid: de_thread() is giving
 * the thread its leader's.  Its start_time is already the leader's, so the
 * row is found by tid and thread group: at that moment no other task of
 * the group can have that tid.  @named: @task's comm is still the one the
 * row's faults were made under, so the row keeps it.
 */
static void end_tid_row(struct task_struct *task, pid_t tid, bool named)
{
	struct cowstat_row *row = NULL;
	unsigned long flags;
	u32 i;

	raw_spin_lock_irqsave(&tbl.lock, flags);
	for (i = *cowstat_bucket(tid); i < cowstat_index.capacity;
	     i = cowstat_index.rows[i].next) {
		struct cowstat_row *r = &cowstat_index.rows[i];

		if (r->pid == tid && r->tgid == task->tgid &&
		    (r->flags & (COWSTAT_ROW_USED | COWSTAT_ROW_EXITED)) == COWSTAT_ROW_USED) {
			row = r;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&tbl.lock, flags);
	/* Only this task could still write to it, and it is here. */
	if (row)
		finish_row(row, named ? task : NULL, 0);
}

/*
 * exchange_tids(current, leader), called only by de_thread(): a thread
 * that execs is about to take its leader's tid, and its own tid ends, like
 * an exit, under the name it has then: begin_new_exec() sets the new
 * program's name only later.  Here, not at sched_process_exec: an exec can
 * still fail after de_thread() (a fatal signal), and then that tracepoint
 * never fires.
 */
void cowstat_row_tid_ends(struct task_struct *task)
{
	end_tid_row(task, task->pid, true);
}

/*
 * sched_process_exec, in @task (current) after the new program is loaded.
 * Same thread: only the comm changes.  A non-leader thread: de_thread()
 * gave it the old leader's pid and start_time, and its faults since then
 * (exec's own clear_child_tid write) went to a row of its own under that
 * key.  The leader's ended row leaves the hash, still shown until evicted;
 * the thread's old tid row has ended at exchange_tids(), or ends here if
 * that function could not be probed.
 */
void cowstat_row_exec(struct task_struct *task, pid_t old_pid)
{
	struct cowstat_row *row;
	unsigned long flags;

	if (old_pid == task->pid) {
		row = row_find_exact(task->pid, task->start_time);
		if (row && !(READ_ONCE(row->flags) & COWSTAT_ROW_EXITED)) {
			cowstat_row_write_begin(row);
			copy_comm(row, task);
			cowstat_row_write_end(row);
		}
		return;
	}

	raw_spin_lock_irqsave(&tbl.lock, flags);
	row = cowstat_row_walk(task->pid, task->start_time, cowstat_index.capacity);
	if (row && (row->flags & COWSTAT_ROW_EXITED))
		unlink_row(row);
	raw_spin_unlock_irqrestore(&tbl.lock, flags);
	/* Without the exchange_tids probe: the comm is the new program's now. */
	end_tid_row(task, old_pid, false);
}

void cowstat_count_dropped(void)
{
	atomic64_inc(&tbl.dropped);
}

/*
 * Forget every row.  The epoch flips first, so rows taken from then on
 * stay, and @at_reset runs with it, under the lock.  Then, a bounded batch
 * at a time: ended rows of the old epoch, which nobody writes, are freed
 * at once; live ones are marked stale, and their owners start them again
 * at their next fault, or free them at their end.  A reset never waits
 * for a handler, and never leaves a new task without a row that an ended
 * one could give it.
 */
void cowstat_table_reset(void (*at_reset)(void))
{
	unsigned int cap = cowstat_index.capacity, i, end, n;
	struct cowstat_row *row;
	unsigned long flags;
	u16 old;

	mutex_lock(&reset_lock);
	raw_spin_lock_irqsave(&tbl.lock, flags);
	old = cowstat_index.epoch;
	WRITE_ONCE(cowstat_index.epoch, old ^ COWSTAT_ROW_EPOCH);
	tbl.evicted = 0;
	atomic64_set(&tbl.dropped, 0);
	at_reset();
	cowstat_cgroups_clear();
	raw_spin_unlock_irqrestore(&tbl.lock, flags);
	cowstat_cgroups_clear_spare();

	/* The queue holds the old epoch's ended rows first, then only new ones. */
	do {
		raw_spin_lock_irqsave(&tbl.lock, flags);
		for (n = 0; n < COWSTAT_RESET_BATCH && tbl.exit_count; n++) {
			row = &cowstat_index.rows[tbl.exit_ring[tbl.exit_first]];
			if ((row->flags & COWSTAT_ROW_EPOCH) != old)
				break;
			tbl.exit_first = (tbl.exit_first + 1) % cap;
			tbl.exit_count--;
			free_row(row);
		}
		raw_spin_unlock_irqrestore(&tbl.lock, flags);
		cond_resched();
	} while (n == COWSTAT_RESET_BATCH);

	for (i = 0; i < cap; i = end) {
		end = min(i + COWSTAT_RESET_BATCH, cap);
		/* A hint: bits are set only under the lock, and checked again there. */
		if (data_race(find_next_bit(tbl.used_map, end, i)) >= end)
			continue;
		raw_spin_lock_irqsave(&tbl.lock, flags);
		for (n = i; n < end; n++) {
			row = &cowstat_index.rows[n];
			if (test_bit(n, tbl.used_map) &&
			    (row->flags & (COWSTAT_ROW_EPOCH | COWSTAT_ROW_STALE)) == old) {
				WRITE_ONCE(row->flags, row->flags | COWSTAT_ROW_STALE);
				tbl.stale++;
			}
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
	st->used = tbl.used - tbl.stale;
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
	/* A hint: the row's snapshot says whether it is in use. */
	next = data_race(find_next_bit(tbl.used_map, cowstat_index.capacity, pos));
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
	seqcount_raw_spinlock_init(&tbl.links, &tbl.lock);
	tbl.free_head = 0;
	tbl.exit_first = 0;
	tbl.exit_count = 0;
	WRITE_ONCE(cowstat_index.epoch, 0);
	tbl.used = 0;
	tbl.stale = 0;
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
