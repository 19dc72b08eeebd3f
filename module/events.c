// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat:cow_fault, cowstat's own trace event (trace.h): what each fault
 * did, where, and how long it took.
 *
 * A private fault's outcome comes from another probe than its entry, after
 * the fault may have slept and changed CPU, and "other" only at the task's
 * next fault or its end.  So where the fault was and when it began are
 * recorded at its entry, in a slot of its row's own: an array as long as
 * the table, which exists only while the event has a tracer (the
 * tracepoint's registration callbacks).  Only the row's owner writes or
 * reads its slot, from its own probes, as it does the row's counts.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched/clock.h>
#include <linux/vmalloc.h>
#include "cowstat.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static DEFINE_MUTEX(sites_lock);
static unsigned int sites_capacity;	/* the table's, while it exists */
static struct cowstat_fault_site __rcu *sites;

/*
 * The first tracer attaches: before the tracepoint's static key goes on,
 * so no probe records an entry that no slot could hold.  The table must
 * exist: the event can be enabled as soon as the module is loading.
 */
int cowstat_events_reg(void)
{
	struct cowstat_fault_site *s;
	int ret = -EBUSY;

	mutex_lock(&sites_lock);
	if (sites_capacity) {
		s = vzalloc(array_size(sites_capacity, sizeof(*s)));
		rcu_assign_pointer(sites, s);
		ret = s ? 0 : -ENOMEM;
	}
	mutex_unlock(&sites_lock);
	return ret;
}

/*
 * The last tracer detaches; the static key is still on.  Probes that
 * find no array record and emit nothing, and all of them run with
 * preemption disabled: once a grace period has passed, none holds it.
 */
void cowstat_events_unreg(void)
{
	struct cowstat_fault_site *s;

	mutex_lock(&sites_lock);
	s = rcu_replace_pointer(sites, NULL, lockdep_is_held(&sites_lock));
	mutex_unlock(&sites_lock);
	synchronize_rcu();
	vfree(s);
}

void cowstat_events_init(unsigned int capacity)
{
	mutex_lock(&sites_lock);
	sites_capacity = capacity;
	mutex_unlock(&sites_lock);
}

/* Before the table goes: no new array; one that exists goes at unreg. */
void cowstat_events_exit(void)
{
	mutex_lock(&sites_lock);
	sites_capacity = 0;
	mutex_unlock(&sites_lock);
}

/*
 * Where @address of @vma is, named as /proc/PID/maps names it: a file's
 * device, inode and name, or [heap], [stack] or other anonymous memory
 * (with its name where the kernel has CONFIG_ANON_VMA_NAME).  The fault
 * holds the VMA's lock, which a change of its file or name would take.
 */
static void describe_site(struct cowstat_fault_site *site, struct vm_area_struct *vma,
			  unsigned long address)
{
	struct mm_struct *mm = vma->vm_mm;
	struct file *file = vma->vm_file;

	site->address = address;
	site->vm_start = vma->vm_start;
	site->dev = 0;
	site->ino = 0;
	site->pgoff = 0;
	memset(site->name, 0, sizeof(site->name));
	if (file) {
		struct inode *inode = file_inode(file);

		site->mapping = COWSTAT_MAPPING_FILE;
		site->dev = inode->i_sb->s_dev;
		site->ino = inode->i_ino;
		site->pgoff = vma->vm_pgoff + ((address - vma->vm_start) >> PAGE_SHIFT);
		/* %pD reads the name under RCU: safe against a rename. */
		snprintf(site->name, sizeof(site->name), "%pD", file);
		return;
	}
	if (vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk)
		site->mapping = COWSTAT_MAPPING_HEAP;
	else if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
		site->mapping = COWSTAT_MAPPING_STACK;
	else
		site->mapping = COWSTAT_MAPPING_ANON;
#ifdef CONFIG_ANON_VMA_NAME
	if (vma->anon_name)
		strscpy(site->name, vma->anon_name->name, sizeof(site->name));
#endif
}

/* The slot of @row, current's, in the array if there is one. */
static struct cowstat_fault_site *row_site(const struct cowstat_row *row)
{
	struct cowstat_fault_site *s = rcu_dereference_sched(sites);

	return s ? &s[cowstat_row_index(row)] : NULL;
}

/*
 * A private fault recorded in @site and not emitted since ended neither
 * copied nor reused: the row has counted it as "other" (at this fault's
 * entry, or at the row's end).  Emitted with where it was, and no latency.
 * The slot is then free.  Every probe's outcome empties the slot it
 * emits, and the array is new each time the event goes on, so the slot
 * holds nothing older.
 */
static void settle_site(const struct cowstat_row *row, struct cowstat_fault_site *site)
{
	if ((site->pending & COWSTAT_PENDING_MASK) == COWSTAT_PENDING_PRIVATE)
		trace_cow_fault(row, site, COWSTAT_OUTCOME_OTHER, 0, 0, 0);
	site->pending = 0;
}

/* @row ends: its last private fault, if it is still pending, is "other". */
void cowstat_event_settle(const struct cowstat_row *row)
{
	struct cowstat_fault_site *site = row_site(row);

	if (site)
		settle_site(row, site);
}

/* @row starts anew (a new owner, or a reset): what its slot held is no fault of it. */
void cowstat_event_forget(const struct cowstat_row *row)
{
	struct cowstat_fault_site *site = row_site(row);

	if (site)
		site->pending = 0;
}

/* A fault whose outcome its entry already tells (shared, unshare, other). */
void cowstat_event_now(const struct cowstat_row *row, struct vm_area_struct *vma,
		       unsigned long address, unsigned int outcome)
{
	struct cowstat_fault_site site;

	cowstat_event_settle(row);
	describe_site(&site, vma, address);
	trace_cow_fault(row, &site, outcome, 0, 0, 0);
}

/*
 * A fault left pending in @row: where it is, when it began, and what the
 * page it writes is (@page_kind: what its copy or its reuse would add).
 */
void cowstat_event_entry(const struct cowstat_row *row, struct vm_area_struct *vma,
			 unsigned long address, unsigned int page_kind)
{
	u64 now = local_clock();
	struct cowstat_fault_site *site = row_site(row);

	if (!site)
		return;
	settle_site(row, site);
	describe_site(site, vma, address);
	site->page_kind = page_kind;
	site->entry_ns = now;
	site->pending = row->pending;
}

/*
 * @row's pending fault, of pending kind @pending_kind (COWSTAT_PENDING_*),
 * was copied or reused: emitted if its entry was recorded, i.e. the event
 * was on when it began, with @kind and what its entry found of the page
 * (zero or KSM for a copy, large for a reuse).  The slot holds no other
 * fault of that kind: its owner, in that fault, made no other entry since,
 * and an entry made while the event was off left no slot (the array is new
 * each time it goes on).
 */
void cowstat_event_outcome(const struct cowstat_row *row, unsigned int pending_kind,
			   unsigned int outcome, unsigned int kind, unsigned int bytes)
{
	struct cowstat_fault_site *site = row_site(row);
	u64 now = local_clock();

	if (!site || (site->pending & COWSTAT_PENDING_MASK) != pending_kind)
		return;
	kind |= site->page_kind & (outcome == COWSTAT_OUTCOME_COPY ?
				   COWSTAT_KIND_ZERO | COWSTAT_KIND_KSM : COWSTAT_KIND_LARGE);
	site->pending = 0;
	trace_cow_fault(row, site, outcome, kind, bytes, now - site->entry_ns);
}
