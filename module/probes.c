// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat probes: classify every write-protect fault exactly, without a
 * return probe on the hot path.
 *
 * do_wp_page's entry tells shared-mapping and unshare faults apart by what
 * the kernel itself tests first.  A private fault is left pending with its
 * PTE pointer; it becomes a reuse when ptep_set_access_flags makes that PTE
 * writable (wp_page_reuse), a copy when ptep_clear_flush installs the new
 * page over that PTE, and "other" when the task's next fault or its exit
 * finds it still pending.
 *
 * arm64 inlines ptep_set_access_flags and pmdp_set_access_flags around
 * functions of its own, and installs a hugetlb copy through its own
 * huge_ptep_clear_flush: those are probed there, each confirmed from the
 * BTF as on x86.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/binfmts.h>
#include <linux/fdtable.h>
#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/hugetlb.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/tracepoint.h>
#include <linux/userfaultfd_k.h>
#include "cowstat.h"

static unsigned long attached;	/* BIT(enum cowstat_probe) */

/*
 * Defaults that some kernels have inline or not at all (see struct probe's
 * default_symbol): the parameter is compared with them.
 */
#define REUSE_DEFAULT		"ptep_set_access_flags"
#define REUSE_CONT_DEFAULT	"contpte_ptep_set_access_flags"
#define THP_REUSE_DEFAULT	"pmdp_set_access_flags"
#define HUGETLB_COMMIT_DEFAULT	"huge_ptep_clear_flush"

/* Kernels rename and inline these; let the user point at the right one. */
static char wp_symbol[KSYM_NAME_LEN] = "do_wp_page";
static char reuse_symbol[KSYM_NAME_LEN] = REUSE_DEFAULT;
static char reuse_cont_symbol[KSYM_NAME_LEN] = REUSE_CONT_DEFAULT;
static char commit_symbol[KSYM_NAME_LEN] = "ptep_clear_flush";
static char thp_symbol[KSYM_NAME_LEN] = "do_huge_pmd_wp_page";
static char thp_reuse_symbol[KSYM_NAME_LEN] = THP_REUSE_DEFAULT;
static char thp_fill_symbol[KSYM_NAME_LEN] = "pmdp_huge_clear_flush";
static char hugetlb_symbol[KSYM_NAME_LEN] = "hugetlb_fault";
static char hugetlb_commit_symbol[KSYM_NAME_LEN] = HUGETLB_COMMIT_DEFAULT;
static char tid_symbol[KSYM_NAME_LEN] = "exchange_tids";
static char exit_symbol[KSYM_NAME_LEN] = "exit_files";

module_param_string(wp_symbol, wp_symbol, KSYM_NAME_LEN, 0444);
MODULE_PARM_DESC(wp_symbol, "Write-protect fault handler, counted as faults (default do_wp_page)");
module_param_string(reuse_symbol, reuse_symbol, KSYM_NAME_LEN, 0444);
MODULE_PARM_DESC(reuse_symbol, "Makes a reused page writable in place (default ptep_set_access_flags)");
module_param_string(reuse_cont_symbol, reuse_cont_symbol, KSYM_NAME_LEN, 0444);
MODULE_PARM_DESC(reuse_cont_symbol,
		 "Makes a reused page of a contiguous-PTE block writable, where the kernel has them (default contpte_ptep_set_access_flags)");
module_param_string(commit_symbol, commit_symbol, KSYM_NAME_LEN, 0444);
MODULE_PARM_DESC(commit_symbol, "Called just before a copy is mapped (default ptep_clear_flush)");
module_param_string(thp_symbol, thp_symbol, KSYM_NAME_LEN, 0444);
MODULE_PARM_DESC(thp_symbol, "Huge-PMD write-protect fault handler (default do_huge_pmd_wp_page)");
module_param_string(thp_reuse_symbol, thp_reuse_symbol, KSYM_NAME_LEN, 0444);
MODULE_PARM_DESC(thp_reuse_symbol, "Makes a reused THP writable at PMD level (default pmdp_set_access_flags)");
module_param_string(thp_fill_symbol, thp_fill_symbol, KSYM_NAME_LEN, 0444);
MODULE_PARM_DESC(thp_fill_symbol, "Clears the huge zero PMD before a new THP is mapped (default pmdp_huge_clear_flush)");
module_param_string(hugetlb_symbol, hugetlb_symbol, KSYM_NAME_LEN, 0444);
MODULE_PARM_DESC(hugetlb_symbol, "hugetlb fault handler (default hugetlb_fault)");
module_param_string(hugetlb_commit_symbol, hugetlb_commit_symbol, KSYM_NAME_LEN, 0444);
MODULE_PARM_DESC(hugetlb_commit_symbol,
		 "Called just before a hugetlb copy is mapped, where the architecture has its own (default huge_ptep_clear_flush)");
module_param_string(tid_symbol, tid_symbol, KSYM_NAME_LEN, 0444);
MODULE_PARM_DESC(tid_symbol, "Gives a thread that execs its leader's tid (default exchange_tids)");
module_param_string(exit_symbol, exit_symbol, KSYM_NAME_LEN, 0444);
MODULE_PARM_DESC(exit_symbol, "Called by do_exit() after exit_mm(), with the task (default exit_files)");

/* ftrace_ops where the function allows it (the cost figures assume so). */
static char *probes = "ftrace";
module_param(probes, charp, 0444);
MODULE_PARM_DESC(probes, "ftrace: ftrace callbacks for the hot probes where possible (default); kprobe: every probe a kprobe");

/* ---- Kernel API differences, one helper each ---- */

/*
 * Does do_wp_page take its shared-mapping branch?  6.1 tests VM_WRITE and
 * VM_SHARED, 6.12 VM_SHARED or VM_MAYSHARE; for a write fault that got this
 * far both come down to VM_SHARED (GUP refuses FOLL_FORCE on shared maps).
 */
static inline bool wp_vma_is_shared(const struct vm_area_struct *vma)
{
	return vma->vm_flags & VM_SHARED;
}

/* ---- Helpers ---- */

/*
 * The copy-on-write path's own calls of an outcome callee, by return
 * address.  ptep_set_access_flags and ptep_clear_flush have other callers
 * that can meet a pending PTE: a fault retried after VM_FAULT_RETRY (a
 * userfaultfd-wp hand-off) marks it young in handle_pte_fault, reclaim and
 * migration clear it.  The few return addresses are learned from kallsyms
 * the first time each is seen, by the name of the function they are in.
 */
#define COWSTAT_CALLER_SLOTS	4

struct cow_callers {
	unsigned long	ip[COWSTAT_CALLER_SLOTS];	/* known good; 0 is free */
	const char	*fn[2];				/* do_wp_page, and its helper */
};

/*
 * One object, reuse first: where the compiler addresses data from the start
 * of a section (arm64), the reuse path, the cheaper fault, then needs no
 * offset, whatever order it would have laid two objects out in.
 */
static struct {
	struct cow_callers	reuse;
	struct cow_callers	copy;
} callers = {
	.reuse	= { .fn = { wp_symbol, "wp_page_reuse" } },
	.copy	= { .fn = { wp_symbol, "wp_page_copy" } },
};

static DEFINE_PER_CPU(char [KSYM_SYMBOL_LEN], caller_name);

/* Is @ip in one of @c's functions (or a .constprop/.isra clone of it)? */
static noinline bool learn_caller(struct cow_callers *c, unsigned long ip)
{
	char *name = *this_cpu_ptr(&caller_name);
	unsigned int i;
	size_t len;

	sprint_symbol_no_offset(name, ip);
	for (i = 0; i < ARRAY_SIZE(c->fn); i++) {
		len = strlen(c->fn[i]);
		if (!strncmp(name, c->fn[i], len) && (name[len] == '\0' || name[len] == '.'))
			break;
	}
	if (i == ARRAY_SIZE(c->fn))
		return false;
	for (i = 0; i < COWSTAT_CALLER_SLOTS; i++)
		if (!cmpxchg(&c->ip[i], 0, ip) || READ_ONCE(c->ip[i]) == ip)
			break;
	return true;
}

/* Unrolled: a loop costs more than these four compares on every outcome. */
static __always_inline bool cow_caller(struct cow_callers *c, unsigned long ip)
{
	BUILD_BUG_ON(COWSTAT_CALLER_SLOTS != 4);
	if (ip == READ_ONCE(c->ip[0]) || ip == READ_ONCE(c->ip[1]) ||
	    ip == READ_ONCE(c->ip[2]) || ip == READ_ONCE(c->ip[3]))
		return true;
	return learn_caller(c, ip);
}

/*
 * The task whose fault this CPU saw last, and its row: the outcome probe
 * of the same fault usually runs on the same CPU and skips the lookup.
 */
struct last_fault {
	struct task_struct	*task;
	struct cowstat_row	*row;
};

static DEFINE_PER_CPU(struct last_fault, last_fault);

/* Inline, as is outcome_row(): a call and its frame cost ~6 instructions a fault. */
static __always_inline struct cowstat_row *current_row_or_drop(void)
{
	struct cowstat_row *row = cowstat_row_get(current);

	if (unlikely(!row)) {
		cowstat_count_dropped();
		return NULL;
	}
	this_cpu_write(last_fault.task, current);
	this_cpu_write(last_fault.row, row);
	return row;
}

/*
 * Is @row @task's, and not ended?  The task may have ended it since (it
 * moved to another cgroup, or, after a non-leader exec, the key is its
 * old leader's), and eviction may have handed it to another task.  Only
 * @task ends its rows, so an EXITED it set is seen here; and a row that
 * was handed on shows its new key.
 */
static __always_inline bool task_row_live(const struct cowstat_row *row,
					  const struct task_struct *task)
{
	if ((READ_ONCE(row->flags) & (COWSTAT_ROW_USED | COWSTAT_ROW_EXITED)) != COWSTAT_ROW_USED)
		return false;
	/* Pairs with init_row()'s smp_wmb()s around the new flags. */
	smp_rmb();
	return READ_ONCE(row->pid) == task->pid &&
	       READ_ONCE(row->start_time) == task->start_time;
}

/* current's row, for an outcome probe: NULL if it has none. */
static __always_inline struct cowstat_row *outcome_row(void)
{
	struct task_struct *task = current;
	struct cowstat_row *row;

	if (this_cpu_read(last_fault.task) == task) {
		row = this_cpu_read(last_fault.row);
		if (task_row_live(row, task))
			return row;
	}
	row = cowstat_row_find(task->pid, task->start_time);
	return row && task_row_live(row, task) ? row : NULL;
}

/* The row whose pending fault is for @ptep, or NULL: cheap for misses. */
static __always_inline struct cowstat_row *pending_row(const void *ptep, unsigned long kind)
{
	struct cowstat_row *row = outcome_row();

	if (!row || READ_ONCE(row->pending) != ((unsigned long)ptep | kind))
		return NULL;
	return row;
}

/* Mark how @row's pending THP fault on @pmdp ended: @outcome, its new kind. */
static __always_inline void thp_outcome(struct cowstat_row *row, const void *pmdp,
					unsigned long outcome)
{
	cowstat_row_write_begin(row);
	row->pending = (unsigned long)pmdp | outcome;
	cowstat_row_write_end(row);
}

/* ---- Handlers ---- */

/*
 * What do_wp_page's entry already tells of a fault's outcome: unshare,
 * shared or other; 0 for a private fault, whose outcome comes later.
 */
static __always_inline unsigned int
wp_outcome_at_entry(struct vm_fault *vmf, struct vm_area_struct *vma)
{
	if (unlikely(vmf->flags & FAULT_FLAG_UNSHARE))
		return COWSTAT_OUTCOME_UNSHARE;
	if (!wp_vma_is_shared(vma))
		return 0;
	/* A uffd-wp PTE goes to handle_userfault before anything else. */
	if (unlikely(userfaultfd_pte_wp(vma, vmf->orig_pte)))
		return COWSTAT_OUTCOME_OTHER;
	return COWSTAT_OUTCOME_SHARED;
}

static __always_inline unsigned int copied_page_kind(const struct vm_area_struct *vma,
						     pte_t pte);

/*
 * What the page a private fault writes is, for its event: the zero page or
 * a KSM page (if it is copied), a page of a large folio (if it is reused).
 * Read from the PTE at entry, which is the PTE at the outcome: both probes
 * run under the PTE lock, and the kernel checks the PTE unchanged in
 * between.  Only with the event on: the outcome probes then need nothing
 * of the page.
 */
static unsigned int written_page_kind(const struct vm_area_struct *vma, pte_t pte)
{
	unsigned long pfn = pte_pfn(pte);
	unsigned int kind = copied_page_kind(vma, pte);

	if (!kind && pfn_valid(pfn) && PageCompound(pfn_to_page(pfn)))
		kind = COWSTAT_KIND_LARGE;
	return kind;
}

/*
 * The event of a fault's entry, out of line: the handlers' own code stays
 * what it is without the event, but for one patched-out branch each.
 */
static noinline void wp_event(const struct cowstat_row *row, struct vm_fault *vmf)
{
	unsigned int outcome = wp_outcome_at_entry(vmf, vmf->vma);

	if (outcome)
		cowstat_event_now(row, vmf->vma, vmf->address, outcome);
	else
		cowstat_event_entry(row, vmf->vma, vmf->address,
				    written_page_kind(vmf->vma, vmf->orig_pte));
}

/* do_wp_page entry: the PTE is locked, so what we read here is stable. */
static void on_wp_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct cowstat_row *row = current_row_or_drop();
	unsigned int outcome;

	if (!row)
		return;

	cowstat_row_write_begin(row);
	if (row->pending)
		cowstat_resolve_pending(row);
	row->counts.faults++;
	if (unlikely(vma->vm_mm != current->mm))
		row->counts.remote++;
	outcome = wp_outcome_at_entry(vmf, vma);
	if (likely(!outcome)) {
		row->pending = (unsigned long)vmf->pte | COWSTAT_PENDING_PRIVATE;
		row->fault_seq = cowstat_task_fault_seq(current);
	} else if (outcome == COWSTAT_OUTCOME_UNSHARE) {
		row->counts.unshare++;
	} else if (outcome == COWSTAT_OUTCOME_SHARED) {
		row->counts.shared++;
	} else {
		row->counts.other++;
	}
	cowstat_row_write_end(row);
	if (cowstat_events_on())
		wp_event(row, vmf);
}

static int wp_entry(struct kprobe *p, struct pt_regs *regs)
{
	on_wp_fault((void *)regs_get_kernel_argument(regs, 0));
	return 0;
}

/*
 * Set while the reuse probe's function is also pmdp_set_access_flags's
 * (arm64, where both are inline around it): see thp_reuse_shared().
 */
static bool reuse_serves_thp;

/*
 * ptep_set_access_flags(vma, address, ptep, entry, dirty): wp_page_reuse
 * makes the page writable in place through it, under the PTE lock.
 * wp_page_reuse is inline (and, in some builds, inlined into do_wp_page):
 * its callee is what every build has.  Other callers (@caller outside
 * do_wp_page) leave the fault pending: it ended otherwise.  arm64's inline
 * pmdp_set_access_flags passes a pending THP's PMD here as a PTE pointer.
 */
static void on_reuse(pte_t *ptep, pte_t entry, unsigned long caller)
{
	struct cowstat_row *row = outcome_row();
	unsigned long pending;

	if (!row)
		return;
	pending = READ_ONCE(row->pending);
	if (pending != ((unsigned long)ptep | COWSTAT_PENDING_PRIVATE)) {
		if (READ_ONCE(reuse_serves_thp) &&
		    pending == ((unsigned long)ptep | COWSTAT_PENDING_THP))
			thp_outcome(row, ptep, COWSTAT_PENDING_THP_REUSED);
		return;
	}
	if (!cow_caller(&callers.reuse, caller))
		return;
	cowstat_row_write_begin(row);
	row->counts.reuses++;
	/*
	 * Since 6.15 a page of a PTE-mapped large folio can be reused.  Its
	 * head or tail flag says so: page_folio() would add a fake-head test
	 * that only HVO'd hugetlb pages, never PTE-mapped here, need.
	 */
	if (PageCompound(pte_page(entry)))
		row->counts.large++;
	row->pending = 0;
	cowstat_row_write_end(row);
	if (cowstat_events_on())
		cowstat_event_outcome(row, COWSTAT_PENDING_PRIVATE, COWSTAT_OUTCOME_REUSE, 0, 0);
}

/*
 * A probed function's return address, at its entry: in the link register
 * where the architecture has one (arm64's procedure_link_pointer), else
 * on top of the stack (x86, where regs_get_kernel_stack_nth is exported;
 * arm64 does not export it).
 */
#ifdef procedure_link_pointer
static inline unsigned long kprobe_caller(struct pt_regs *regs)
{
	return procedure_link_pointer(regs);
}
#else
static inline unsigned long kprobe_caller(struct pt_regs *regs)
{
	return regs_get_kernel_stack_nth(regs, 0);
}
#endif

static int reuse_entry(struct kprobe *p, struct pt_regs *regs)
{
	on_reuse((pte_t *)regs_get_kernel_argument(regs, 2),
		 __pte(regs_get_kernel_argument(regs, 3)), kprobe_caller(regs));
	return 0;
}

/*
 * Is the page that @pte of @vma maps the zero page or a KSM page
 * (COWSTAT_KIND_ZERO, COWSTAT_KIND_KSM), or neither (0)?
 * KSM only merges pages of VM_MERGEABLE areas, and unmerges them before it
 * clears the flag: testing it first spares every other copy pfn_valid()'s
 * ~35 instructions (a PFN map's page may have no struct page).
 */
static __always_inline unsigned int copied_page_kind(const struct vm_area_struct *vma,
						     pte_t pte)
{
	unsigned long pfn = pte_pfn(pte);

	if (is_zero_pfn(pfn))
		return COWSTAT_KIND_ZERO;
	if ((vma->vm_flags & VM_MERGEABLE) && pfn_valid(pfn) &&
	    folio_test_ksm(page_folio(pfn_to_page(pfn))))
		return COWSTAT_KIND_KSM;
	return 0;
}

/*
 * The hugetlb fault current has pending for the huge page at @address of
 * @vma: what hugetlb_fault's entry recorded (see hugetlb_fault_entry).
 */
static inline bool hugetlb_pending_at(unsigned long pending, struct vm_area_struct *vma,
				      unsigned long address)
{
	return is_vm_hugetlb_page(vma) &&
	       (pending & PAGE_MASK) == (address & huge_page_mask(hstate_vma(vma)));
}

/* The hugetlb copy @row has @pending is installed, if it is the one at @address. */
static void hugetlb_committed(struct cowstat_row *row, unsigned long pending,
			      struct vm_area_struct *vma, unsigned long address)
{
	if (!hugetlb_pending_at(pending, vma, address))
		return;
	cowstat_row_write_begin(row);
	row->counts.hugetlb++;
	row->counts.bytes += vma_kernel_pagesize(vma);
	row->pending = 0;
	cowstat_row_write_end(row);
	if (cowstat_events_on())
		cowstat_event_outcome(row, COWSTAT_PENDING_HUGETLB, COWSTAT_OUTCOME_COPY,
				      COWSTAT_KIND_HUGETLB, vma_kernel_pagesize(vma));
}

/*
 * ptep_clear_flush: wp_page_copy and hugetlb's copy-on-write (through
 * huge_ptep_clear_flush, where that is generic or calls it) call it, with
 * the PTE lock held and the PTE checked unchanged, just before mapping the
 * new page.  For a private fault, only wp_page_copy's call is its copy
 * (@caller).
 */
static void on_commit(struct vm_area_struct *vma, unsigned long address, pte_t *ptep,
		      unsigned long caller)
{
	struct cowstat_row *row;
	unsigned long pending;

	row = outcome_row();
	if (!row)
		return;
	pending = READ_ONCE(row->pending);
	switch (pending & COWSTAT_PENDING_MASK) {
	case COWSTAT_PENDING_PRIVATE:
		if ((pending & ~(unsigned long)COWSTAT_PENDING_MASK) != (unsigned long)ptep ||
		    !cow_caller(&callers.copy, caller))
			return;
		cowstat_row_write_begin(row);
		row->counts.copies++;
		row->counts.bytes += PAGE_SIZE;
		switch (copied_page_kind(vma, ptep_get(ptep))) {
		case COWSTAT_KIND_ZERO:
			row->counts.zero++;
			break;
		case COWSTAT_KIND_KSM:
			row->counts.ksm++;
			break;
		}
		row->pending = 0;
		cowstat_row_write_end(row);
		if (cowstat_events_on())
			cowstat_event_outcome(row, COWSTAT_PENDING_PRIVATE, COWSTAT_OUTCOME_COPY, 0,
					      PAGE_SIZE);
		break;
	case COWSTAT_PENDING_HUGETLB:
		hugetlb_committed(row, pending, vma, address);
		break;
	}
}

static int commit_entry(struct kprobe *p, struct pt_regs *regs)
{
	on_commit((void *)regs_get_kernel_argument(regs, 0), regs_get_kernel_argument(regs, 1),
		  (pte_t *)regs_get_kernel_argument(regs, 2), kprobe_caller(regs));
	return 0;
}

/*
 * The hot probes, do_wp_page and the two outcome callees, are ftrace-able:
 * a plain ftrace_ops callback costs far less than a kprobe on the same
 * ftrace site, which saves all registers and dispatches through kprobes.
 */
/*
 * An argument from ftrace_regs: ftrace_regs_get_argument() is a macro
 * where ftrace_regs wraps pt_regs (x86 since 6.x), an inline function
 * where the architecture lays ftrace_regs out itself (HAVE_ARCH_FTRACE_REGS:
 * arm64), and missing before 6.x, where ftrace_regs is pt_regs (6.1).
 */
#if defined(ftrace_regs_get_argument) || defined(HAVE_ARCH_FTRACE_REGS)
static inline unsigned long fregs_arg(struct ftrace_regs *fregs, unsigned int n)
{
	return ftrace_regs_get_argument(fregs, n);
}
#else
static inline unsigned long fregs_arg(struct ftrace_regs *fregs, unsigned int n)
{
	return regs_get_kernel_argument(&fregs->regs, n);
}
#endif

/*
 * No recursion guard (ftrace_test_recursion_trylock, ~30 instructions a
 * call): these callbacks only ever run in process context, in a page fault,
 * and nothing they call can reach a probed function again.
 * Preemption is off for the per-CPU last_fault cache (it already is under
 * the PTE lock, except on PREEMPT_RT).
 */
static void notrace wp_ftrace(unsigned long ip, unsigned long parent_ip,
			      struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	preempt_disable_notrace();
	on_wp_fault((void *)fregs_arg(fregs, 0));
	preempt_enable_notrace();
}

static void notrace reuse_ftrace(unsigned long ip, unsigned long parent_ip,
				 struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	preempt_disable_notrace();
	on_reuse((pte_t *)fregs_arg(fregs, 2), __pte(fregs_arg(fregs, 3)), parent_ip);
	preempt_enable_notrace();
}

static void notrace commit_ftrace(unsigned long ip, unsigned long parent_ip,
				  struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	preempt_disable_notrace();
	on_commit((void *)fregs_arg(fregs, 0), fregs_arg(fregs, 1), (pte_t *)fregs_arg(fregs, 2),
		  parent_ip);
	preempt_enable_notrace();
}

/*
 * do_huge_pmd_wp_page(vmf) entry: a write to a huge PMD.  It ends one of
 * three ways: the THP is reused in place (pmdp_set_access_flags on that
 * PMD), the huge zero page is replaced by a new THP (pmdp_huge_clear_flush
 * on it, since 6.x; earlier kernels split instead), or it falls back to
 * PTEs (VM_FAULT_FALLBACK).  It may also return having done nothing (the
 * PMD changed under it) or only unshared: those are not writes.
 */
static int thp_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct vm_fault *vmf = (void *)regs_get_kernel_argument(regs, 0);
	struct cowstat_row *row;

	if (vmf->flags & FAULT_FLAG_UNSHARE)
		return 1;	/* not a write: no return probe for this call */
	row = current_row_or_drop();
	if (!row)
		return 1;
	cowstat_row_write_begin(row);
	if (row->pending)
		cowstat_resolve_pending(row);
	row->pending = (unsigned long)vmf->pmd | COWSTAT_PENDING_THP;
	cowstat_row_write_end(row);
	if (cowstat_events_on())
		cowstat_event_entry(row, vmf->vma, vmf->address & HPAGE_PMD_MASK, 0);
	return 0;
}

/* pmdp_set_access_flags / pmdp_huge_clear_flush: mark the pending THP fault. */
static void on_thp_outcome(pmd_t *pmdp, unsigned long outcome)
{
	struct cowstat_row *row = pending_row(pmdp, COWSTAT_PENDING_THP);

	if (row)
		thp_outcome(row, pmdp, outcome);
}

static int thp_reuse_entry(struct kprobe *p, struct pt_regs *regs)
{
	on_thp_outcome((pmd_t *)regs_get_kernel_argument(regs, 2), COWSTAT_PENDING_THP_REUSED);
	return 0;
}

static int thp_fill_entry(struct kprobe *p, struct pt_regs *regs)
{
	on_thp_outcome((pmd_t *)regs_get_kernel_argument(regs, 2), COWSTAT_PENDING_THP_FILLED);
	return 0;
}

/*
 * do_huge_pmd_wp_page returned: count a write completed at PMD level.  A
 * fallback may have cleared the huge zero PMD to split it: not a fill.
 */
static int thp_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	vm_fault_t ret = (__force vm_fault_t)regs_return_value(regs);
	struct cowstat_row *row = outcome_row();
	unsigned long kind;
	bool written;

	if (!row)
		return 0;
	kind = READ_ONCE(row->pending) & COWSTAT_PENDING_MASK;
	if (kind != COWSTAT_PENDING_THP && kind != COWSTAT_PENDING_THP_REUSED &&
	    kind != COWSTAT_PENDING_THP_FILLED)
		return 0;
	written = !(ret & VM_FAULT_FALLBACK) && kind != COWSTAT_PENDING_THP;
	cowstat_row_write_begin(row);
	if (written) {
		row->counts.thp++;
		if (kind == COWSTAT_PENDING_THP_FILLED) {
			row->counts.thp_zero++;
			row->counts.bytes += HPAGE_PMD_SIZE;
		}
	}
	row->pending = 0;
	cowstat_row_write_end(row);
	/* The entry recorded the fault as COWSTAT_PENDING_THP. */
	if (written && cowstat_events_on()) {
		if (kind == COWSTAT_PENDING_THP_FILLED)
			cowstat_event_outcome(row, COWSTAT_PENDING_THP, COWSTAT_OUTCOME_COPY,
					      COWSTAT_KIND_THP | COWSTAT_KIND_ZERO, HPAGE_PMD_SIZE);
		else
			cowstat_event_outcome(row, COWSTAT_PENDING_THP, COWSTAT_OUTCOME_REUSE,
					      COWSTAT_KIND_THP, 0);
	}
	return 0;
}

/*
 * hugetlb_fault(mm, vma, address, flags) entry: a write to a private
 * hugetlb mapping may copy the huge page (hugetlb_wp, reached from
 * hugetlb_fault or hugetlb_no_page); the copy, if any, is committed
 * through ptep_clear_flush at that huge page's address before
 * hugetlb_fault returns.  The arguments are stable API (<linux/hugetlb.h>);
 * hugetlb_wp's are not.
 */
static int hugetlb_fault_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct vm_area_struct *vma = (void *)regs_get_kernel_argument(regs, 1);
	unsigned long address = regs_get_kernel_argument(regs, 2);
	unsigned int flags = regs_get_kernel_argument(regs, 3);
	unsigned long huge_page;
	struct cowstat_row *row;

	if (!(flags & FAULT_FLAG_WRITE) || (flags & FAULT_FLAG_UNSHARE) ||
	    (vma->vm_flags & VM_SHARED))
		return 1;	/* cannot copy: no return probe for this call */
	row = current_row_or_drop();
	if (!row)
		return 1;
	cowstat_row_write_begin(row);
	if (row->pending)
		cowstat_resolve_pending(row);
	huge_page = address & huge_page_mask(hstate_vma(vma));
	row->pending = huge_page | COWSTAT_PENDING_HUGETLB;
	cowstat_row_write_end(row);
	if (cowstat_events_on())
		cowstat_event_entry(row, vma, huge_page, 0);
	return 0;
}

static int hugetlb_fault_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct cowstat_row *row = outcome_row();

	if (!row || (READ_ONCE(row->pending) & COWSTAT_PENDING_MASK) != COWSTAT_PENDING_HUGETLB)
		return 0;
	cowstat_row_write_begin(row);
	row->pending = 0;
	cowstat_row_write_end(row);
	return 0;
}

/*
 * huge_ptep_clear_flush(vma, address, ptep), where the architecture has
 * its own (arm64): hugetlb_wp installs a copy through it, and arm64's
 * calls ptep_clear_flush only for an entry that is not contiguous (6.12),
 * or not at all (7.x).
 */
static int hugetlb_commit_entry(struct kprobe *p, struct pt_regs *regs)
{
	struct cowstat_row *row = outcome_row();
	unsigned long pending;

	if (!row)
		return 0;
	pending = READ_ONCE(row->pending);
	if ((pending & COWSTAT_PENDING_MASK) == COWSTAT_PENDING_HUGETLB)
		hugetlb_committed(row, pending, (void *)regs_get_kernel_argument(regs, 0),
				  regs_get_kernel_argument(regs, 1));
	return 0;
}

/*
 * sched_process_exec: a new program, perhaps in a thread given its
 * leader's pid.  Since 7.x tracepoint probes run preemptibly (SRCU-fast):
 * a row's writer must not be preempted with its @seq odd, nor migrate.
 */
static void exec_probe(void *data, struct task_struct *task, pid_t old_pid,
		       struct linux_binprm *bprm)
{
	preempt_disable_notrace();
	cowstat_row_exec(task, old_pid);
	preempt_enable_notrace();
}

/* ---- Registration ---- */

/*
 * What each handler reads of its function's arguments, as the kernel's BTF
 * spells the prototype, and whether the headers this module is built
 * against declare the same (for functions they declare at all).  A layout
 * that either contradicts is refused (layout.c).
 */
#define DECLARED_AS(fn, type)	__same_type(&(fn), type)

/* Only for the test of that refusal: expect a layout no kernel has. */
#ifdef COWSTAT_TEST_WRONG_LAYOUT
#define HUGETLB_LAYOUT	"(struct vm_fault *)"
#else
#define HUGETLB_LAYOUT	"(struct mm_struct *, struct vm_area_struct *, long unsigned int, unsigned int)"
#endif

#define REUSE_LAYOUT	"(struct vm_area_struct *, long unsigned int, pte_t *, pte_t, int)"
#define THP_REUSE_LAYOUT "(struct vm_area_struct *, long unsigned int, pmd_t *, pmd_t, int)"
#define COMMIT_LAYOUT	"(struct vm_area_struct *, long unsigned int, pte_t *)"

/* A function that a probe's default, inline in some kernels, calls. */
struct probe_site {
	const char	*symbol;
	const char	*layout;	/* as its BTF spells it */
};

/*
 * arm64's ptep_set_access_flags (since 6.9's contiguous-PTE work) and
 * pmdp_set_access_flags are inline, around these; either reads its
 * arguments 2 and 3 as the default does.
 */
static const struct probe_site set_access_flags_sites[] = {
	/* 7.x: the size of the entry, a PTE's or a PMD's, added */
	{ "__ptep_set_access_flags_anysz",
	  "(struct vm_area_struct *, long unsigned int, pte_t *, pte_t, int, long unsigned int)" },
	{ "__ptep_set_access_flags",	REUSE_LAYOUT },
	{ }
};

struct probe {
	const char		*param;		/* the module parameter that names it */
	char			*symbol;
	const char		*layout;	/* NULL: reads no argument */
	bool			declared;	/* the headers agree, or declare nothing */
	bool			required;	/* no /proc/cowstat without it */
	/* Hot probes: an ftrace_ops callback if set, else a kprobe. */
	ftrace_func_t		ftrace_func;
	kprobe_pre_handler_t	pre_handler;
	/* Return probes: a kretprobe. */
	kretprobe_handler_t	entry_handler;
	kretprobe_handler_t	ret_handler;
	/* Probes of a function whose first argument is a task: when current. */
	void			(*task_event)(struct task_struct *task);
	/*
	 * Where @symbol is @default_symbol and the kernel has no such
	 * function out of line (none in its BTF): the first of @sites that it
	 * has is probed instead; or, if @unneeded_if_absent, nothing, since
	 * the kernel then does what the probe watches through another probe's
	 * function, and the columns do not wait for this one.
	 */
	const char		*default_symbol;
	const struct probe_site	*sites;
	bool			unneeded_if_absent;
	/* State */
	const char		*site;		/* the function probed: @symbol or a site */
	const char		*site_layout;
	bool			shared;		/* thp_reuse_shared() */
	bool			via_ftrace;
	struct ftrace_ops	ops;
	struct kprobe		kp;
	struct kretprobe	krp;
};

/* A task_event probe, as a kprobe: the probe is found from its kprobe. */
static int task_entry(struct kprobe *kp, struct pt_regs *regs)
{
	struct probe *p = container_of(kp, struct probe, kp);
	struct task_struct *task = (void *)regs_get_kernel_argument(regs, 0);

	if (task == current)
		p->task_event(task);
	return 0;
}

/* The same as an ftrace callback, with preemption off as in every handler. */
static void notrace task_ftrace(unsigned long ip, unsigned long parent_ip,
				struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct probe *p = container_of(op, struct probe, ops);
	struct task_struct *task = (void *)fregs_arg(fregs, 0);

	preempt_disable_notrace();
	if (task == current)
		p->task_event(task);
	preempt_enable_notrace();
}

static struct probe probe_table[COWSTAT_NR_PROBES] = {
	[COWSTAT_P_WP] = {
		.param		= "wp_symbol",
		.symbol		= wp_symbol,
		.layout		= "(struct vm_fault *)",
		.declared	= true,		/* static in mm/memory.c: BTF only */
		.required	= true,
		.ftrace_func	= wp_ftrace,
		.pre_handler	= wp_entry,
	},
	[COWSTAT_P_REUSE] = {
		.param		= "reuse_symbol",
		.symbol		= reuse_symbol,
		.layout		= REUSE_LAYOUT,
		.declared	= DECLARED_AS(ptep_set_access_flags,
					      int (*)(struct vm_area_struct *, unsigned long,
						      pte_t *, pte_t, int)),
		.ftrace_func	= reuse_ftrace,
		.pre_handler	= reuse_entry,
		.default_symbol	= REUSE_DEFAULT,
		.sites		= set_access_flags_sites,
	},
	/*
	 * arm64's inline ptep_set_access_flags calls this for an entry of a
	 * contiguous-PTE block (a 64 KiB folio) instead; kernels without
	 * such blocks have no such function.
	 */
	[COWSTAT_P_REUSE_CONT] = {
		.param		= "reuse_cont_symbol",
		.symbol		= reuse_cont_symbol,
		.layout		= REUSE_LAYOUT,
		.declared	= true,		/* arm64's own: BTF only */
		.ftrace_func	= reuse_ftrace,
		.pre_handler	= reuse_entry,
		.default_symbol	= REUSE_CONT_DEFAULT,
		.unneeded_if_absent = true,
	},
	[COWSTAT_P_COMMIT] = {
		.param		= "commit_symbol",
		.symbol		= commit_symbol,
		.layout		= COMMIT_LAYOUT,
		.declared	= DECLARED_AS(ptep_clear_flush,
					      pte_t (*)(struct vm_area_struct *, unsigned long,
							pte_t *)),
		.ftrace_func	= commit_ftrace,
		.pre_handler	= commit_entry,
	},
	[COWSTAT_P_THP] = {
		.param		= "thp_symbol",
		.symbol		= thp_symbol,
		.layout		= "(struct vm_fault *)",
		.declared	= DECLARED_AS(do_huge_pmd_wp_page,
					      vm_fault_t (*)(struct vm_fault *)),
		.entry_handler	= thp_entry,
		.ret_handler	= thp_return,
	},
	/* Rare, so kprobes: a THP fault is one per 2 MiB. */
	[COWSTAT_P_THP_REUSE] = {
		.param		= "thp_reuse_symbol",
		.symbol		= thp_reuse_symbol,
		.layout		= THP_REUSE_LAYOUT,
		.declared	= DECLARED_AS(pmdp_set_access_flags,
					      int (*)(struct vm_area_struct *, unsigned long,
						      pmd_t *, pmd_t, int)),
		.pre_handler	= thp_reuse_entry,
		.default_symbol	= THP_REUSE_DEFAULT,
		.sites		= set_access_flags_sites,
	},
	[COWSTAT_P_THP_FILL] = {
		.param		= "thp_fill_symbol",
		.symbol		= thp_fill_symbol,
		.layout		= "(struct vm_area_struct *, long unsigned int, pmd_t *)",
		.declared	= DECLARED_AS(pmdp_huge_clear_flush,
					      pmd_t (*)(struct vm_area_struct *, unsigned long,
							pmd_t *)),
		.pre_handler	= thp_fill_entry,
	},
	[COWSTAT_P_HUGETLB] = {
		.param		= "hugetlb_symbol",
		.symbol		= hugetlb_symbol,
		.layout		= HUGETLB_LAYOUT,
		.declared	= DECLARED_AS(hugetlb_fault,
					      vm_fault_t (*)(struct mm_struct *,
							     struct vm_area_struct *,
							     unsigned long, unsigned int)),
		.entry_handler	= hugetlb_fault_entry,
		.ret_handler	= hugetlb_fault_return,
	},
	/*
	 * Generic huge_ptep_clear_flush is inline and calls ptep_clear_flush,
	 * whose probe sees the copy; arm64 has its own (rare: a kprobe).
	 */
	[COWSTAT_P_HUGETLB_COMMIT] = {
		.param		= "hugetlb_commit_symbol",
		.symbol		= hugetlb_commit_symbol,
		.layout		= COMMIT_LAYOUT,
		.declared	= true,		/* inline where generic: BTF only */
		.pre_handler	= hugetlb_commit_entry,
		.default_symbol	= HUGETLB_COMMIT_DEFAULT,
		.unneeded_if_absent = true,
	},
	/*
	 * exchange_tids(left, right): de_thread() gives @left, current, a
	 * thread that execs, its leader's tid, and its own tid ends.  Once
	 * per non-leader exec; without it, an exec that fails after
	 * de_thread() leaves a live row.
	 */
	[COWSTAT_P_TID] = {
		.param		= "tid_symbol",
		.symbol		= tid_symbol,
		.layout		= "(struct task_struct *, struct task_struct *)",
		.declared	= DECLARED_AS(exchange_tids,
					      void (*)(struct task_struct *, struct task_struct *)),
		.task_event	= cowstat_row_tid_ends,
		.ftrace_func	= task_ftrace,
		.pre_handler	= task_entry,
	},
	/*
	 * exit_files(task): do_exit() calls it after exit_mm(), so every fault
	 * of the task's own, the kernel's writes at exit (robust futexes,
	 * clear_child_tid) included, is behind it; copy_process() calls it on
	 * a child that failed to start, which is not current.  Not
	 * sched_process_exit: since 7.x it fires before exit_mm().  Once per
	 * exiting task: cheap as an ftrace callback, and it never misses.
	 */
	[COWSTAT_P_EXIT] = {
		.param		= "exit_symbol",
		.symbol		= exit_symbol,
		.layout		= "(struct task_struct *)",
		.declared	= DECLARED_AS(exit_files, void (*)(struct task_struct *)),
		.required	= true,
		.task_event	= cowstat_row_end,
		.ftrace_func	= task_ftrace,
		.pre_handler	= task_entry,
	},
};

/* What exec_probe() reads, as BTF's btf_trace_sched_process_exec spells it. */
#define EXEC_TP_LAYOUT	"(void *, struct task_struct *, pid_t, struct linux_binprm *)"

/* Only for the test of that refusal: expect a prototype no kernel has. */
#ifdef COWSTAT_TEST_WRONG_LAYOUT
static bool test_wrong_exec_layout;
module_param(test_wrong_exec_layout, bool, 0444);
MODULE_PARM_DESC(test_wrong_exec_layout,
		 "Testing: expect sched_process_exec to pass (void *, struct task_struct *)");
#define EXEC_TP_EXPECTED \
	(test_wrong_exec_layout ? "(void *, struct task_struct *)" : EXEC_TP_LAYOUT)
#else
#define EXEC_TP_EXPECTED EXEC_TP_LAYOUT
#endif

static struct tracepoint *exec_tp;

const char *cowstat_probe_name(enum cowstat_probe p)
{
	if (p == COWSTAT_P_EXEC)
		return "sched_process_exec";
	return probe_table[p].site ?: probe_table[p].symbol;
}

unsigned long cowstat_probes_attached(void)
{
	return attached;
}

/* BIT(enum cowstat_probe) of probes this kernel does not need (see struct probe). */
static unsigned long unneeded;

/* The probes the columns may count on: attached, or not needed here. */
unsigned long cowstat_probes_usable(void)
{
	return attached | unneeded;
}

static void find_exec_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exec"))
		exec_tp = tp;
}

/* Enough kretprobe instances for every task that may sleep inside the call. */
#define COWSTAT_KRETPROBE_ACTIVE	256

/*
 * Is @p's layout confirmed, by the headers at build time and by the
 * running kernel's BTF now?  If not, say why and leave it out.
 */
static int layout_confirmed(struct probe *p)
{
	char why[256];
	int ret;

	if (!p->site_layout)
		return 0;
	if (p->site == p->symbol && !p->declared) {
		pr_warn("%s: the kernel headers this module was built against declare another prototype than %s\n",
			p->symbol, p->layout);
		return -EPROTO;
	}
	ret = cowstat_layout_check(p->site, p->site_layout, why, sizeof(why));
	if (ret)
		pr_warn("%s: %s\n", p->site, why);
	return ret;
}

/*
 * The function @p probes in this kernel, into @p->site: its parameter's,
 * unless that is the default and the kernel has it inline (see struct
 * probe).  1 if the kernel does not need the probe.
 */
static int choose_site(struct probe *p)
{
	const struct probe_site *s;

	p->site = p->symbol;
	p->site_layout = p->layout;
	if (!p->default_symbol || strcmp(p->symbol, p->default_symbol) ||
	    cowstat_layout_has(p->symbol))
		return 0;
	if (p->unneeded_if_absent)
		return 1;
	for (s = p->sites; s && s->symbol; s++) {
		if (cowstat_layout_has(s->symbol)) {
			p->site = s->symbol;
			p->site_layout = s->layout;
			break;
		}
	}
	return 0;
}

/*
 * arm64's inline pmdp_set_access_flags and ptep_set_access_flags call the
 * same function: where the reuse probe is on it, its handler, which tells
 * a pending THP's PMD from a pending PTE, serves the THP reuse probe too,
 * and no second probe is put on a hot function.
 */
static bool thp_reuse_shared(const struct probe *p)
{
	const struct probe *reuse = &probe_table[COWSTAT_P_REUSE];

	return p == &probe_table[COWSTAT_P_THP_REUSE] && (attached & BIT(COWSTAT_P_REUSE)) &&
	       !strcmp(p->site, reuse->site);
}

/*
 * Attach probe @id: a layout check first; then, for a hot probe, an
 * ftrace_ops on the function (unless probes=kprobe), else a kprobe; for a
 * return probe, a kretprobe.
 */
static int attach_probe(enum cowstat_probe id, bool use_ftrace)
{
	struct probe *p = &probe_table[id];
	int ret;

	p->via_ftrace = false;
	p->shared = false;
	if (choose_site(p)) {
		unneeded |= BIT(id);
		return 0;
	}
	ret = layout_confirmed(p);
	if (ret)
		return ret;
	if (thp_reuse_shared(p)) {
		p->shared = true;
		WRITE_ONCE(reuse_serves_thp, true);
	} else if (p->ret_handler) {
		memset(&p->krp, 0, sizeof(p->krp));
		p->krp.kp.symbol_name = p->site;
		p->krp.entry_handler = p->entry_handler;
		p->krp.handler = p->ret_handler;
		p->krp.maxactive = COWSTAT_KRETPROBE_ACTIVE;
		ret = register_kretprobe(&p->krp);
	} else {
		if (use_ftrace && p->ftrace_func) {
			memset(&p->ops, 0, sizeof(p->ops));
			p->ops.func = p->ftrace_func;
			ret = ftrace_set_filter(&p->ops, (unsigned char *)p->site,
						strlen(p->site), 1);
			if (!ret)
				ret = register_ftrace_function(&p->ops);
			if (!ret)
				p->via_ftrace = true;
			else
				ftrace_free_filter(&p->ops);
		}
		if (!p->via_ftrace) {
			/* Registration rewrites a struct kprobe: start from a clean one. */
			memset(&p->kp, 0, sizeof(p->kp));
			p->kp.symbol_name = p->site;
			p->kp.pre_handler = p->pre_handler;
			ret = register_kprobe(&p->kp);
		}
	}
	if (!ret)
		attached |= BIT(id);
	return ret;
}

static void detach_probe(enum cowstat_probe id)
{
	struct probe *p = &probe_table[id];

	if (!(attached & BIT(id)))
		return;
	if (p->shared) {
		WRITE_ONCE(reuse_serves_thp, false);
	} else if (p->ret_handler) {
		unregister_kretprobe(&p->krp);
	} else if (p->via_ftrace) {
		unregister_ftrace_function(&p->ops);
		ftrace_free_filter(&p->ops);
	} else {
		unregister_kprobe(&p->kp);
	}
	attached &= ~BIT(id);
}

/* Events the probes missed (re-entry, no free kretprobe instance), ever. */
static u64 probes_missed_since_load(void)
{
	u64 missed = 0;
	int id;

	for (id = 0; id < COWSTAT_P_EXEC; id++) {
		struct probe *p = &probe_table[id];

		if (!(attached & BIT(id)) || p->shared)
			continue;
		if (p->ret_handler)
			missed += p->krp.kp.nmissed + p->krp.nmissed;
		else if (!p->via_ftrace)
			missed += p->kp.nmissed;
	}
	return missed;
}

/* The kprobes' own counts never go back: a reset moves this base instead. */
static u64 missed_at_reset;

/* Events the probes missed since the load or the last reset. */
u64 cowstat_probes_missed(void)
{
	return probes_missed_since_load() - READ_ONCE(missed_at_reset);
}

/* A reset of the table: its "dropped" starts again from 0. */
void cowstat_probes_reset_missed(void)
{
	WRITE_ONCE(missed_at_reset, probes_missed_since_load());
}

/*
 * The load parameters, before anything is set up.  ftrace_set_filter()
 * takes a glob: "do_wp_pag*" or "!ptep_clear_flush" would attach to other
 * functions than the one a probe expects.
 */
int cowstat_probes_check_params(void)
{
	int id;

	if (strcmp(probes, "ftrace") && strcmp(probes, "kprobe")) {
		pr_err("probes=%s: must be ftrace or kprobe\n", probes);
		return -EINVAL;
	}
	for (id = 0; id < COWSTAT_P_EXEC; id++) {
		if (!*probe_table[id].symbol || strpbrk(probe_table[id].symbol, "*?[]!")) {
			pr_err("%s=%s: must be a symbol name, not a pattern\n",
			       probe_table[id].param, probe_table[id].symbol);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * sched_process_exec, once its prototype is confirmed from the BTF's
 * btf_trace_sched_process_exec: without it a thread that execs would keep
 * a live row under a tid it no longer has.
 */
static int attach_exec_tracepoint(void)
{
	char why[256];
	int ret;

	for_each_kernel_tracepoint(find_exec_tracepoint, NULL);
	if (!exec_tp) {
		pr_err("tracepoint sched_process_exec not found\n");
		return -ENOENT;
	}
	ret = cowstat_layout_check_tracepoint("sched_process_exec", EXEC_TP_EXPECTED,
					      why, sizeof(why));
	if (ret) {
		pr_err("sched_process_exec: %s\n", why);
		return ret;
	}
	ret = tracepoint_probe_register(exec_tp, exec_probe, NULL);
	if (ret) {
		pr_err("cannot attach to sched_process_exec (%d)\n", ret);
		return ret;
	}
	attached |= BIT(COWSTAT_P_EXEC);
	return 0;
}

/*
 * A row's end first, then each outcome probe before the probe that leaves
 * a fault pending for it, so that no row is left live and no fault pending
 * unseen; the reuse probe before the THP reuse probe, which may share it.
 */
static const enum cowstat_probe attach_order[] = {
	COWSTAT_P_EXIT, COWSTAT_P_TID,
	COWSTAT_P_COMMIT, COWSTAT_P_HUGETLB_COMMIT, COWSTAT_P_HUGETLB,
	COWSTAT_P_REUSE, COWSTAT_P_REUSE_CONT,
	COWSTAT_P_THP_FILL, COWSTAT_P_THP_REUSE, COWSTAT_P_THP,
	COWSTAT_P_WP,
};

int cowstat_probes_init(bool faults_only)
{
	bool use_ftrace = !strcmp(probes, "ftrace");
	unsigned int i;
	int id, ret;

	BUILD_BUG_ON(ARRAY_SIZE(attach_order) != COWSTAT_P_EXEC);
	attached = 0;
	unneeded = 0;
	/* The BTF is read once, for the layout checks, and freed again. */
	cowstat_layout_init();
	ret = attach_exec_tracepoint();
	for (i = 0; i < ARRAY_SIZE(attach_order) && !ret; i++) {
		id = attach_order[i];
		if (faults_only && !probe_table[id].required)
			continue;
		ret = attach_probe(id, use_ftrace);
		if (ret && probe_table[id].required) {
			pr_err("cannot probe %s (%d), without which no row is exact: not loading (module parameter %s)\n",
			       cowstat_probe_name(id), ret, probe_table[id].param);
			break;
		}
		if (ret)
			pr_warn("cannot probe %s (%d): its columns are left out of /proc/cowstat\n",
				cowstat_probe_name(id), ret);
		ret = 0;
	}
	cowstat_layout_exit();
	if (ret)
		cowstat_probes_exit();
	return ret;
}

void cowstat_probes_exit(void)
{
	int id;

	for (id = 0; id < COWSTAT_P_EXEC; id++)
		detach_probe(id);
	if (attached & BIT(COWSTAT_P_EXEC)) {
		tracepoint_probe_unregister(exec_tp, exec_probe, NULL);
		tracepoint_synchronize_unregister();
	}
	attached = 0;
}
