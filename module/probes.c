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
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/binfmts.h>
#include <linux/ftrace.h>
#include <linux/hugetlb.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/tracepoint.h>
#include <linux/userfaultfd_k.h>
#include "cowstat.h"

static unsigned long attached;	/* BIT(enum cowstat_probe) */

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

/* hugetlb_wp's PTE and flags, from its arguments (Kbuild picks the form). */
static inline void hugetlb_wp_args(struct pt_regs *regs, pte_t **ptep,
				   unsigned int *flags)
{
#ifdef COWSTAT_HUGETLB_WP_VMF
	/* hugetlb_wp(struct folio *pagecache_folio, struct vm_fault *vmf) */
	struct vm_fault *vmf = (void *)regs_get_kernel_argument(regs, 1);

	*ptep = vmf->pte;
	*flags = vmf->flags;
#else
	/* hugetlb_wp(mm, vma, address, ptep, flags, pagecache_page, ptl) */
	*ptep = (pte_t *)regs_get_kernel_argument(regs, 3);
	*flags = regs_get_kernel_argument(regs, 4);
#endif
}

/* ---- Helpers ---- */

/*
 * Changes each time one of @task's faults completes (mm_account_fault); a
 * retried or failed fault leaves it alone.
 */
u16 cowstat_task_fault_seq(struct task_struct *task)
{
	return (u16)(READ_ONCE(task->min_flt) + READ_ONCE(task->maj_flt));
}

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

static struct cow_callers reuse_callers = {
	.fn	= { cowstat_wp_symbol, "wp_page_reuse" },
};

static struct cow_callers copy_callers = {
	.fn	= { cowstat_wp_symbol, "wp_page_copy" },
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

/* A new fault, or the exit, shows the previous private fault ended unseen. */
void cowstat_resolve_pending(struct cowstat_row *row)
{
	if ((row->pending & COWSTAT_PENDING_MASK) == COWSTAT_PENDING_PRIVATE)
		row->other++;
	row->pending = 0;
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

static struct cowstat_row *current_row_or_drop(void)
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

/* current's row, for an outcome probe: NULL if it has none. */
static struct cowstat_row *outcome_row(void)
{
	struct task_struct *task = current;
	struct cowstat_row *row;

	if (this_cpu_read(last_fault.task) == task) {
		row = this_cpu_read(last_fault.row);
		/*
		 * Eviction or a reset may have handed the row to another task
		 * since.  A reset clears USED before its grace period: a probe
		 * that saw it set is one the reset waits for.
		 */
		if ((READ_ONCE(row->flags) & COWSTAT_ROW_USED) &&
		    READ_ONCE(row->pid) == task->pid &&
		    READ_ONCE(row->start_time) == task->start_time)
			return row;
	}
	return cowstat_row_find(task->pid, task->start_time);
}

/* The row whose pending fault is for @ptep, or NULL: cheap for misses. */
static struct cowstat_row *pending_row(const void *ptep, unsigned long kind)
{
	struct cowstat_row *row = outcome_row();

	if (!row || READ_ONCE(row->pending) != ((unsigned long)ptep | kind))
		return NULL;
	return row;
}

/* ---- Handlers ---- */

/* do_wp_page entry: the PTE is locked, so what we read here is stable. */
static void on_wp_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct cowstat_row *row = current_row_or_drop();

	if (!row)
		return;

	cowstat_row_write_begin(row);
	if (row->pending)
		cowstat_resolve_pending(row);
	row->faults++;
	if (unlikely(vma->vm_mm != current->mm))
		row->remote++;
	if (unlikely(vmf->flags & FAULT_FLAG_UNSHARE)) {
		row->unshare++;
	} else if (wp_vma_is_shared(vma)) {
		/* A uffd-wp PTE goes to handle_userfault before anything else. */
		if (unlikely(userfaultfd_pte_wp(vma, vmf->orig_pte)))
			row->other++;
		else
			row->shared++;
	} else {
		row->pending = (unsigned long)vmf->pte | COWSTAT_PENDING_PRIVATE;
		row->fault_seq = cowstat_task_fault_seq(current);
	}
	cowstat_row_write_end(row);
}

static int wp_entry(struct kprobe *p, struct pt_regs *regs)
{
	on_wp_fault((void *)regs_get_kernel_argument(regs, 0));
	return 0;
}

/*
 * ptep_set_access_flags: wp_page_reuse makes the page writable in place
 * through it, under the PTE lock.  wp_page_reuse is inline (and, in some
 * builds, inlined into do_wp_page): its callee is what every build has.
 * Other callers (@caller outside do_wp_page) leave the fault pending: it
 * ended otherwise.
 */
static void on_reuse(pte_t *ptep, unsigned long caller)
{
	struct cowstat_row *row = pending_row(ptep, COWSTAT_PENDING_PRIVATE);

	if (!row || !cow_caller(&reuse_callers, caller))
		return;
	cowstat_row_write_begin(row);
	row->reuses++;
	row->pending = 0;
	cowstat_row_write_end(row);
}

/* At a probed function's entry, the top of the stack is its return address. */
static inline unsigned long kprobe_caller(struct pt_regs *regs)
{
	return regs_get_kernel_stack_nth(regs, 0);
}

static int reuse_entry(struct kprobe *p, struct pt_regs *regs)
{
	on_reuse((pte_t *)regs_get_kernel_argument(regs, 2), kprobe_caller(regs));
	return 0;
}

/* Is the page that @pte maps the zero page (1) or a KSM page (2)? */
static inline int copied_page_kind(pte_t pte)
{
	unsigned long pfn = pte_pfn(pte);

	if (is_zero_pfn(pfn))
		return 1;
	if (pfn_valid(pfn) && folio_test_ksm(page_folio(pfn_to_page(pfn))))
		return 2;
	return 0;
}

/*
 * ptep_clear_flush: wp_page_copy and hugetlb_wp call it, with the PTE lock
 * held and the PTE checked unchanged, just before mapping the new page.
 * For a private fault, only wp_page_copy's call is its copy (@caller).
 */
static void on_commit(struct vm_area_struct *vma, pte_t *ptep, unsigned long caller)
{
	struct cowstat_row *row;
	unsigned long pending;

	row = outcome_row();
	if (!row)
		return;
	pending = READ_ONCE(row->pending);
	if ((pending & ~(unsigned long)COWSTAT_PENDING_MASK) != (unsigned long)ptep)
		return;
	if ((pending & COWSTAT_PENDING_MASK) == COWSTAT_PENDING_PRIVATE &&
	    !cow_caller(&copy_callers, caller))
		return;

	cowstat_row_write_begin(row);
	switch (pending & COWSTAT_PENDING_MASK) {
	case COWSTAT_PENDING_PRIVATE:
		row->copies++;
		row->bytes += PAGE_SIZE;
		switch (copied_page_kind(ptep_get(ptep))) {
		case 1:
			row->zero++;
			break;
		case 2:
			row->ksm++;
			break;
		}
		row->pending = 0;
		break;
	case COWSTAT_PENDING_HUGETLB:
		row->hugetlb++;
		row->bytes += vma_kernel_pagesize(vma);
		row->pending = 0;
		break;
	}
	cowstat_row_write_end(row);
}

static int commit_entry(struct kprobe *p, struct pt_regs *regs)
{
	on_commit((void *)regs_get_kernel_argument(regs, 0),
		  (pte_t *)regs_get_kernel_argument(regs, 2), kprobe_caller(regs));
	return 0;
}

/*
 * The hot probes, do_wp_page and the two outcome callees, are ftrace-able:
 * a plain ftrace_ops callback costs far less than a kprobe on the same
 * ftrace site, which saves all registers and dispatches through kprobes.
 */
static inline unsigned long fregs_arg(struct ftrace_regs *fregs, unsigned int n)
{
#ifdef ftrace_regs_get_argument
	return ftrace_regs_get_argument(fregs, n);
#else
	return regs_get_kernel_argument(&fregs->regs, n);
#endif
}

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
	on_reuse((pte_t *)fregs_arg(fregs, 2), parent_ip);
	preempt_enable_notrace();
}

static void notrace commit_ftrace(unsigned long ip, unsigned long parent_ip,
				  struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	preempt_disable_notrace();
	on_commit((void *)fregs_arg(fregs, 0), (pte_t *)fregs_arg(fregs, 2), parent_ip);
	preempt_enable_notrace();
}

/* What thp_return needs of do_huge_pmd_wp_page's arguments. */
struct thp_call {
	pmd_t	*pmd;
	bool	unshare;
};

/* do_huge_pmd_wp_page entry: remember the PMD, and whether this is an unshare. */
static int thp_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct vm_fault *vmf = (void *)regs_get_kernel_argument(regs, 0);
	struct thp_call *call = (void *)ri->data;

	call->pmd = vmf->pmd;
	call->unshare = vmf->flags & FAULT_FLAG_UNSHARE;
	return 0;
}

/*
 * do_huge_pmd_wp_page returned: count a write completed at PMD level.
 * Short of VM_FAULT_FALLBACK, it returns the same (0; VM_FAULT_WRITE for a
 * reuse on 6.1) for three things: the write reused the huge page (the PMD
 * is writable now), FAULT_FLAG_UNSHARE was done without a write, or the
 * PMD changed under it (pmd_same failed) and the fault is taken again.
 */
static int thp_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	vm_fault_t ret = (__force vm_fault_t)regs_return_value(regs);
	struct thp_call *call = (void *)ri->data;
	struct cowstat_row *row;

	if ((ret & VM_FAULT_FALLBACK) || call->unshare ||
	    !pmd_write(READ_ONCE(*call->pmd)))
		return 0;
	row = current_row_or_drop();
	if (!row)
		return 0;
	cowstat_row_write_begin(row);
	row->thp++;
	cowstat_row_write_end(row);
	return 0;
}

/* hugetlb_wp entry: a copy, if any, is committed before it returns. */
static int hugetlb_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct cowstat_row *row = current_row_or_drop();
	unsigned int flags;
	pte_t *ptep;

	if (!row)
		return 1;	/* no return probe for this call */
	hugetlb_wp_args(regs, &ptep, &flags);
	cowstat_row_write_begin(row);
	if (row->pending)
		cowstat_resolve_pending(row);
	if (!(flags & FAULT_FLAG_UNSHARE))
		row->pending = (unsigned long)ptep | COWSTAT_PENDING_HUGETLB;
	cowstat_row_write_end(row);
	return 0;
}

static int hugetlb_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct task_struct *task = current;
	struct cowstat_row *row = cowstat_row_find(task->pid, task->start_time);

	if (!row || !(READ_ONCE(row->pending) & COWSTAT_PENDING_HUGETLB))
		return 0;
	cowstat_row_write_begin(row);
	row->pending = 0;
	cowstat_row_write_end(row);
	return 0;
}

/* sched_process_exit: the task will fault no more. */
static void exit_probe(void *data, struct task_struct *task)
{
	cowstat_row_exited(task);
}

/* sched_process_exec: a new program, perhaps in a thread given its leader's pid. */
static void exec_probe(void *data, struct task_struct *task, pid_t old_pid,
		       struct linux_binprm *bprm)
{
	cowstat_row_exec(task, old_pid);
}

/* ---- Registration ---- */

/* Templates: registration rewrites a struct kprobe, so each attach copies one. */
static const struct kprobe wp_kp_init = {
	.pre_handler	= wp_entry,
};

static const struct kprobe reuse_kp_init = {
	.pre_handler	= reuse_entry,
};

static const struct kprobe commit_kp_init = {
	.pre_handler	= commit_entry,
};

/* Enough instances for every task that may sleep inside the probed call. */
#define COWSTAT_KRETPROBE_ACTIVE	256

static const struct kretprobe thp_krp_init = {
	.entry_handler	= thp_entry,
	.handler	= thp_return,
	.data_size	= sizeof(struct thp_call),
	.maxactive	= COWSTAT_KRETPROBE_ACTIVE,
};

static const struct kretprobe hugetlb_krp_init = {
	.entry_handler	= hugetlb_entry,
	.handler	= hugetlb_return,
	.maxactive	= COWSTAT_KRETPROBE_ACTIVE,
};

static struct kprobe wp_kp, reuse_kp, commit_kp;
static struct ftrace_ops wp_fops, reuse_fops, commit_fops;
static unsigned long via_ftrace;	/* BIT(enum cowstat_probe) */
static struct kretprobe thp_krp, hugetlb_krp;
static struct tracepoint *exit_tp, *exec_tp;

static const char * const probe_names[COWSTAT_NR_PROBES] = {
	[COWSTAT_P_WP]		= cowstat_wp_symbol,
	[COWSTAT_P_REUSE]	= cowstat_reuse_symbol,
	[COWSTAT_P_COMMIT]	= cowstat_commit_symbol,
	[COWSTAT_P_THP]		= cowstat_thp_symbol,
	[COWSTAT_P_HUGETLB]	= cowstat_hugetlb_symbol,
	[COWSTAT_P_EXIT]	= "sched_process_exit",
	[COWSTAT_P_EXEC]	= "sched_process_exec",
};

const char *cowstat_probe_name(enum cowstat_probe p)
{
	return probe_names[p];
}

unsigned long cowstat_probes_attached(void)
{
	return attached;
}

static void find_exit_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exit"))
		exit_tp = tp;
	else if (!strcmp(tp->name, "sched_process_exec"))
		exec_tp = tp;
}

static int attach_kprobe(struct kprobe *kp, const struct kprobe *init,
			 enum cowstat_probe id)
{
	int ret;

	*kp = *init;
	kp->symbol_name = probe_names[id];
	ret = register_kprobe(kp);
	if (ret)
		return ret;
	attached |= BIT(id);
	return 0;
}

static int attach_kretprobe(struct kretprobe *krp, const struct kretprobe *init,
			    enum cowstat_probe id)
{
	int ret;

	*krp = *init;
	krp->kp.symbol_name = probe_names[id];
	ret = register_kretprobe(krp);
	if (ret)
		return ret;
	attached |= BIT(id);
	return 0;
}

/* An ftrace_ops on @id's function; else, if it is not ftrace-able, a kprobe. */
static int attach_hot(struct ftrace_ops *ops, ftrace_func_t func, struct kprobe *kp,
		      const struct kprobe *init, enum cowstat_probe id)
{
	const char *name = probe_names[id];
	int ret;

	memset(ops, 0, sizeof(*ops));
	ops->func = func;
	ret = ftrace_set_filter(ops, (unsigned char *)name, strlen(name), 1);
	if (!ret)
		ret = register_ftrace_function(ops);
	if (!ret) {
		via_ftrace |= BIT(id);
		attached |= BIT(id);
		return 0;
	}
	ftrace_free_filter(ops);
	return attach_kprobe(kp, init, id);
}

static void detach_hot(struct ftrace_ops *ops, struct kprobe *kp, enum cowstat_probe id)
{
	if (!(attached & BIT(id)))
		return;
	if (via_ftrace & BIT(id)) {
		unregister_ftrace_function(ops);
		ftrace_free_filter(ops);
	} else {
		unregister_kprobe(kp);
	}
}

/* Events the probes themselves missed (re-entry, no free kretprobe instance). */
u64 cowstat_probes_missed(void)
{
	u64 missed = 0;

	if ((attached & ~via_ftrace) & BIT(COWSTAT_P_WP))
		missed += wp_kp.nmissed;
	if ((attached & ~via_ftrace) & BIT(COWSTAT_P_REUSE))
		missed += reuse_kp.nmissed;
	if ((attached & ~via_ftrace) & BIT(COWSTAT_P_COMMIT))
		missed += commit_kp.nmissed;
	if (attached & BIT(COWSTAT_P_THP))
		missed += thp_krp.kp.nmissed + thp_krp.nmissed;
	if (attached & BIT(COWSTAT_P_HUGETLB))
		missed += hugetlb_krp.kp.nmissed + hugetlb_krp.nmissed;
	return missed;
}

static void attach_optional(int ret, enum cowstat_probe id)
{
	if (ret)
		pr_warn("cannot probe %s (%d): its columns are left out of /proc/cowstat\n",
			probe_names[id], ret);
}

int cowstat_probes_init(bool faults_only)
{
	int ret;

	attached = 0;
	via_ftrace = 0;
	for_each_kernel_tracepoint(find_exit_tracepoint, NULL);
	if (!exit_tp) {
		pr_err("tracepoint sched_process_exit not found\n");
		return -ENOENT;
	}
	ret = tracepoint_probe_register(exit_tp, exit_probe, NULL);
	if (ret) {
		pr_err("cannot attach to sched_process_exit (%d)\n", ret);
		return ret;
	}
	attached |= BIT(COWSTAT_P_EXIT);
	if (!exec_tp) {
		pr_err("tracepoint sched_process_exec not found\n");
		cowstat_probes_exit();
		return -ENOENT;
	}
	ret = tracepoint_probe_register(exec_tp, exec_probe, NULL);
	if (ret) {
		pr_err("cannot attach to sched_process_exec (%d)\n", ret);
		cowstat_probes_exit();
		return ret;
	}
	attached |= BIT(COWSTAT_P_EXEC);

	if (faults_only)
		goto attach_wp;

	/* Outcome probes first, so that no fault is left pending unseen. */
	attach_optional(attach_hot(&reuse_fops, reuse_ftrace, &reuse_kp, &reuse_kp_init,
				   COWSTAT_P_REUSE),
			COWSTAT_P_REUSE);
	attach_optional(attach_hot(&commit_fops, commit_ftrace, &commit_kp, &commit_kp_init,
				   COWSTAT_P_COMMIT),
			COWSTAT_P_COMMIT);
	attach_optional(attach_kretprobe(&thp_krp, &thp_krp_init, COWSTAT_P_THP),
			COWSTAT_P_THP);
	attach_optional(attach_kretprobe(&hugetlb_krp, &hugetlb_krp_init,
					 COWSTAT_P_HUGETLB),
			COWSTAT_P_HUGETLB);

attach_wp:
	ret = attach_hot(&wp_fops, wp_ftrace, &wp_kp, &wp_kp_init, COWSTAT_P_WP);
	if (ret) {
		pr_err("cannot probe %s (%d): is it the write-protect fault handler of this kernel? (module parameter wp_symbol)\n",
		       cowstat_wp_symbol, ret);
		cowstat_probes_exit();
		return ret;
	}
	return 0;
}

void cowstat_probes_exit(void)
{
	detach_hot(&wp_fops, &wp_kp, COWSTAT_P_WP);
	if (attached & BIT(COWSTAT_P_HUGETLB))
		unregister_kretprobe(&hugetlb_krp);
	if (attached & BIT(COWSTAT_P_THP))
		unregister_kretprobe(&thp_krp);
	detach_hot(&commit_fops, &commit_kp, COWSTAT_P_COMMIT);
	detach_hot(&reuse_fops, &reuse_kp, COWSTAT_P_REUSE);
	if (attached & BIT(COWSTAT_P_EXEC))
		tracepoint_probe_unregister(exec_tp, exec_probe, NULL);
	if (attached & BIT(COWSTAT_P_EXIT)) {
		tracepoint_probe_unregister(exit_tp, exit_probe, NULL);
		tracepoint_synchronize_unregister();
	}
	attached = 0;
	via_ftrace = 0;
}
