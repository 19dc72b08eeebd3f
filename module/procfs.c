// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/cowstat: the table as text, and "reset" to clear it;
 * /proc/cowstat_cgroups: its totals per cgroup.
 *
 * The format is an ABI (Documentation/ABI/testing/procfs-cowstat): a
 * version line, a header line whose first field is "pid", then one row per
 * task.  Columns are only ever added; a column whose probe could not be
 * attached is left out rather than printed as a wrong number.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/bitops.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/math64.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include "cowstat.h"

/* 2: the cgroup column, state M, and /proc/cowstat_cgroups. */
#define COWSTAT_FORMAT_VERSION	2

#define WP	COWSTAT_NEEDS(WP)
/* A page reused: through either function, where the kernel has both. */
#define REUSE	(COWSTAT_NEEDS(REUSE) | COWSTAT_NEEDS(REUSE_CONT))
#define COMMIT	COWSTAT_NEEDS(COMMIT)
#define THP	COWSTAT_NEEDS(THP)
/* A hugetlb copy: its fault, and its commit, where that has a probe of its own. */
#define HUGETLB	(COWSTAT_NEEDS(HUGETLB) | COWSTAT_NEEDS(HUGETLB_COMMIT))
#define THP_REUSE	COWSTAT_NEEDS(THP_REUSE)
#define THP_FILL	COWSTAT_NEEDS(THP_FILL)

#define AT(field)	offsetof(struct cowstat_counts, field)

struct cowstat_col {
	const char	*name;
	unsigned short	offset;
	unsigned long	needs;	/* probes the column depends on, where the kernel needs them */
};

/* Counter columns, in print order, between "state" and "comm". */
static const struct cowstat_col cols[] = {
	{ "faults",	AT(faults),	WP },
	{ "copies",	AT(copies),	WP | COMMIT },
	{ "reuses",	AT(reuses),	WP | REUSE },
	{ "shared",	AT(shared),	WP },
	{ "unshare",	AT(unshare),	WP },
	{ "other",	AT(other),	WP | REUSE | COMMIT },
	{ "zero",	AT(zero),	WP | COMMIT },
	{ "ksm",	AT(ksm),	WP | COMMIT },
	{ "thp",	AT(thp),	THP | THP_REUSE | THP_FILL },
	{ "hugetlb",	AT(hugetlb),	HUGETLB | COMMIT },
	{ "remote",	AT(remote),	WP },
	{ "bytes",	AT(bytes),	WP | COMMIT | HUGETLB },
	{ "large",	AT(large),	WP | REUSE },
	{ "thp_zero",	AT(thp_zero),	THP | THP_FILL },
};

#define NR_COLS	ARRAY_SIZE(cols)

/* The counter columns this kernel's probes can fill, fixed at open. */
struct cowstat_colset {
	unsigned long	probes;		/* attached when the file was opened */
	unsigned int	nr_shown;
	u8		shown[NR_COLS];	/* indices in cols[] of the columns printed */
};

struct cowstat_iter {
	unsigned int		idx;
	struct pid_namespace	*ns;		/* of the /proc mount read */
	struct cowstat_colset	cs;
	bool			see_all;
	uid_t			uid;
	struct cowstat_row	snap;
	char			line[];		/* COWSTAT_LINE_MAX */
};

static void colset_init(struct cowstat_colset *cs)
{
	unsigned long usable = cowstat_probes_usable();
	unsigned int i;

	cs->probes = cowstat_probes_attached();
	cs->nr_shown = 0;
	for (i = 0; i < NR_COLS; i++)
		if ((usable & cols[i].needs) == cols[i].needs)
			cs->shown[cs->nr_shown++] = i;
}

/* The 64-bit counters are faults..bytes; the rest are 32-bit. */
static inline u64 col_value(const struct cowstat_counts *c, const struct cowstat_col *col)
{
	const void *p = (const char *)c + col->offset;

	if (col->offset <= AT(bytes))
		return *(const u64 *)p;
	return *(const u32 *)p;
}

/*
 * A consistent copy of row @idx as the files show it, into @snap; false if
 * it is not shown (unused, or of the epoch a reset ended).  @owner gets the
 * real uid that decides who may see it: like hidepid, a live task's
 * current one (a setuid program, a daemon that dropped privileges); an
 * ended row keeps the uid of its first fault.
 *
 * A live row shows its task's current comm, and settles a private fault
 * still pending: it ended without copy or reuse ("other") once the task's
 * fault count has moved past the count at its entry.  The count is read
 * before a second copy of the row: the owner clears @pending before the
 * fault is accounted (its write_seqcount_end()'s smp_wmb(), paired with
 * the smp_rmb() here), so a fault that is still completing is never taken
 * for one that ended otherwise.
 */
static bool read_row(unsigned int idx, struct cowstat_row *snap, uid_t *owner)
{
	struct task_struct *task;
	char comm[TASK_COMM_LEN];
	bool live = false;
	u16 fault_seq = 0;
	pid_t pid;
	u64 start;

	if (!cowstat_row_snapshot(idx, snap) || !cowstat_row_shown(snap))
		return false;
	*owner = snap->uid;
	if (snap->flags & COWSTAT_ROW_EXITED)
		return true;
	pid = snap->pid;
	start = snap->start_time;
	rcu_read_lock();
	task = pid_task(find_pid_ns(pid, &init_pid_ns), PIDTYPE_PID);
	if (task && task->start_time == start) {
		live = true;
		*owner = from_kuid(&init_user_ns, task_uid(task));
		get_task_comm(comm, task);
		fault_seq = cowstat_task_fault_seq(task);
	}
	rcu_read_unlock();
	if ((snap->pending & COWSTAT_PENDING_MASK) == COWSTAT_PENDING_PRIVATE) {
		/* The fault count before the row: pairs with write_seqcount_end(). */
		smp_rmb();
		if (!cowstat_row_snapshot(idx, snap) || !cowstat_row_shown(snap) ||
		    snap->pid != pid || snap->start_time != start)
			return false;
		if (snap->flags & COWSTAT_ROW_EXITED)
			return true;	/* its end settled it */
		/* No task: it is gone, so its end, which settles, is behind it. */
		if ((snap->pending & COWSTAT_PENDING_MASK) == COWSTAT_PENDING_PRIVATE &&
		    (!live || (s16)(fault_seq - snap->fault_seq) > 0))
			snap->counts.other++;
	}
	if (live)
		memcpy(snap->comm, comm, sizeof(comm));
	return true;
}

/*
 * The row's ids as seen from @ns; false if the task is not visible there.
 * Outside the initial namespace only live tasks can be translated, so a
 * container sees the rows of its live tasks.
 */
static bool translate_ids(struct cowstat_row *row, struct pid_namespace *ns)
{
	struct task_struct *task;
	struct pid *pid;
	bool visible = false;

	if (ns == &init_pid_ns)
		return true;
	rcu_read_lock();
	pid = find_pid_ns(row->pid, &init_pid_ns);
	task = pid_task(pid, PIDTYPE_PID);
	if (task && task->start_time == row->start_time) {
		row->pid = pid_nr_ns(pid, ns);
		row->tgid = pid_nr_ns(find_pid_ns(row->tgid, &init_pid_ns), ns);
		row->ppid = pid_nr_ns(find_pid_ns(row->ppid, &init_pid_ns), ns);
		visible = row->pid != 0;
	}
	rcu_read_unlock();
	return visible;
}

/* Longest row: 6 ids, the state, every counter, a fully escaped comm. */
#define COWSTAT_LINE_MAX	(7 * 21 + 2 + NR_COLS * 21 + TASK_COMM_LEN * 4 + 2)

/* "00" to "99", filled in by cowstat_proc_init(). */
static char digit_pairs[200] __ro_after_init;

static const u64 pow10[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
	100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL,
	1000000000000ULL, 10000000000000ULL, 100000000000000ULL,
	1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
	1000000000000000000ULL, 10000000000000000000ULL,
};

/*
 * @v in decimal at @p; returns the end.  Rows are mostly numbers, and this
 * costs a fraction of seq_put_decimal_ull(): the length comes from the bit
 * length (1233 / 4096 ~ log10(2)), then the digits are written two at a
 * time from the end.
 */
static __always_inline char *put_dec(char *p, u64 v)
{
	unsigned int len;
	u32 pair;
	char *end;

	if (v < 10) {
		*p = '0' + v;
		return p + 1;
	}
	len = (fls64(v) * 1233) >> 12;
	len += v >= pow10[len];
	end = p + len;
	p = end;
	while (v >= 100) {
		v = div_u64_rem(v, 100, &pair);
		p -= 2;
		memcpy(p, &digit_pairs[pair * 2], 2);
	}
	if (v >= 10)
		memcpy(p - 2, &digit_pairs[v * 2], 2);
	else
		p[-1] = '0' + v;
	return end;
}

/* comm may hold any byte: escape blanks, backslash and non-printables. */
static char *put_comm(char *p, const char *comm, const char *comm_end)
{
	unsigned char c;

	for (; comm < comm_end && (c = *comm); comm++) {
		if (c > ' ' && c < 0x7f && c != '\\') {
			*p++ = c;
			continue;
		}
		*p++ = '\\';
		*p++ = '0' + (c >> 6);
		*p++ = '0' + ((c >> 3) & 7);
		*p++ = '0' + (c & 7);
	}
	return p;
}

/*
 * CLOCK_MONOTONIC ns of the load, taken before the probes were attached,
 * and of the last reset (the load, until one): what rates and ages start
 * from.  A reset writes @reset_ns under the table lock, as the counts
 * restart; readers take it with READ_ONCE.
 */
static u64 loaded_ns;
static u64 reset_ns;

/* Under the table lock, as a reset forgets the rows. */
static void reset_locked(void)
{
	cowstat_probes_reset_missed();
	WRITE_ONCE(reset_ns, ktime_get_ns());
}

/* The version line, with the counts of the table it describes. */
static void show_version(struct seq_file *m, const struct cowstat_colset *cs,
			 const char *rows, unsigned int used, unsigned int capacity,
			 u64 dropped, u64 evicted)
{
	const char *sep = "";
	unsigned int i;

	seq_printf(m, "cowstat %d %s=%u capacity=%u dropped=%llu evicted=%llu page_size=%lu",
		   COWSTAT_FORMAT_VERSION, rows, used, capacity,
		   dropped + cowstat_probes_missed(), evicted, PAGE_SIZE);
	seq_printf(m, " loaded=%llu reset=%llu probes=", loaded_ns, READ_ONCE(reset_ns));
	for (i = 0; i < COWSTAT_NR_PROBES; i++) {
		if (cs->probes & BIT(i)) {
			seq_printf(m, "%s%s", sep, cowstat_probe_name(i));
			sep = ",";
		}
	}
	seq_putc(m, '\n');
}

static void show_col_names(struct seq_file *m, const struct cowstat_colset *cs)
{
	unsigned int i;

	for (i = 0; i < cs->nr_shown; i++)
		seq_printf(m, "\t%s", cols[cs->shown[i]].name);
}

static char *put_counts(char *p, const struct cowstat_colset *cs, const struct cowstat_counts *c)
{
	unsigned int i;

	for (i = 0; i < cs->nr_shown; i++) {
		*p++ = '\t';
		p = put_dec(p, col_value(c, &cols[cs->shown[i]]));
	}
	return p;
}

static void show_header(struct seq_file *m, struct cowstat_iter *it)
{
	struct cowstat_table_stats st;

	cowstat_table_stats(&st);
	show_version(m, &it->cs, "tasks", st.used, st.capacity, st.dropped, st.evicted);
	seq_puts(m, "pid\ttgid\tppid\tuid\tstart\tcgroup\tstate");
	show_col_names(m, &it->cs);
	seq_puts(m, "\tcomm\n");
}

static char row_state(const struct cowstat_row *row)
{
	if (row->flags & COWSTAT_ROW_MOVED)
		return 'M';
	return row->flags & COWSTAT_ROW_EXITED ? 'X' : 'R';
}

static int cowstat_show(struct seq_file *m, void *v)
{
	struct cowstat_iter *it = m->private;
	struct cowstat_row *row = &it->snap;
	uid_t owner;
	char *p;

	if (v == SEQ_START_TOKEN) {
		show_header(m, it);
		return 0;
	}
	if (!read_row(it->idx, row, &owner))
		return SEQ_SKIP;
	if (!it->see_all && owner != it->uid)
		return SEQ_SKIP;
	if (!translate_ids(row, it->ns))
		return SEQ_SKIP;

	/* One row, one seq_write(): formatting is most of a read's cost. */
	p = it->line;
	p = put_dec(p, (u32)row->pid);
	*p++ = '\t';
	p = put_dec(p, (u32)row->tgid);
	*p++ = '\t';
	p = put_dec(p, (u32)row->ppid);
	*p++ = '\t';
	p = put_dec(p, row->uid);
	*p++ = '\t';
	p = put_dec(p, row->start_time);
	*p++ = '\t';
	p = put_dec(p, row->cgroup);
	*p++ = '\t';
	*p++ = row_state(row);
	p = put_counts(p, &it->cs, &row->counts);
	*p++ = '\t';
	p = put_comm(p, row->comm, row->comm + sizeof(row->comm));
	*p++ = '\n';
	seq_write(m, it->line, p - it->line);
	return 0;
}

/* Position 0 is the header; position n + 1 is the first used row >= n. */
static void *cowstat_seek(struct cowstat_iter *it, loff_t *pos)
{
	if (*pos > UINT_MAX)
		return NULL;
	if (!cowstat_table_next(*pos - 1, &it->idx))
		return NULL;
	*pos = (loff_t)it->idx + 1;
	return it;
}

static void *cowstat_start(struct seq_file *m, loff_t *pos)
{
	if (*pos == 0)
		return SEQ_START_TOKEN;
	return cowstat_seek(m->private, pos);
}

static void *cowstat_next(struct seq_file *m, void *v, loff_t *pos)
{
	/* seq_read() walks on past rows it skips: a whole table in one read(). */
	cond_resched();
	(*pos)++;
	return cowstat_seek(m->private, pos);
}

static void cowstat_stop(struct seq_file *m, void *v)
{
}

static const struct seq_operations cowstat_seq_ops = {
	.start	= cowstat_start,
	.next	= cowstat_next,
	.stop	= cowstat_stop,
	.show	= cowstat_show,
};

static int cowstat_open(struct inode *inode, struct file *file)
{
	struct cowstat_iter *it;

	it = __seq_open_private(file, &cowstat_seq_ops, sizeof(*it) + COWSTAT_LINE_MAX);
	if (!it)
		return -ENOMEM;
	colset_init(&it->cs);
	it->ns = proc_pid_ns(file_inode(file)->i_sb);
	/* Like hidepid: others' rows need CAP_SYS_ADMIN or CAP_PERFMON. */
	/*
	 * No audit record: opening without these is the ordinary way to see
	 * one's own rows, not a denied operation.  current is the opener.
	 */
	it->see_all = ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN) ||
		      ns_capable_noaudit(&init_user_ns, CAP_PERFMON);
	it->uid = from_kuid(&init_user_ns, file->f_cred->uid);
	return 0;
}

/* The only command is "reset", with or without a trailing newline. */
static ssize_t cowstat_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	static const char reset[] = "reset";
	char buf[sizeof(reset) + 1];
	size_t len = count;

	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	if (*ppos != 0 || count == 0 || count > sizeof(buf) - 1)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	if (buf[len - 1] == '\n')
		len--;
	if (len != sizeof(reset) - 1 || memcmp(buf, reset, len))
		return -EINVAL;
	cowstat_table_reset(reset_locked);
	return count;
}

static const struct proc_ops cowstat_proc_ops = {
	.proc_open	= cowstat_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= seq_release_private,
	.proc_write	= cowstat_write,
};

/* ---- /proc/cowstat_cgroups ---- */

/* A cgroup's totals while a read adds them up. */
struct cgroup_sum {
	u64			id;
	u32			next;		/* hash chain, as an index */
	u64			tasks;
	struct cowstat_counts	counts;
};

struct cgroups_iter {
	struct cowstat_colset	cs;
	struct cgroup_sum	*sums;
	unsigned int		nr_sums;
	unsigned int		max_sums;
	u32			*buckets;
	unsigned int		hash_bits;
	struct cowstat_row	snap;
	char			line[];		/* CGROUPS_LINE_MAX */
};

/* The id, the tasks and every counter. */
#define CGROUPS_LINE_MAX	((2 + NR_COLS) * 21 + 1)

/* A read that saw rows evicted meanwhile adds up again, this many times. */
#define CGROUPS_READ_TRIES	4

static struct cgroup_sum *cgroup_sum(struct cgroups_iter *it, u64 id)
{
	u32 *bucket = &it->buckets[hash_64(id, it->hash_bits)];
	struct cgroup_sum *sum;
	u32 i;

	for (i = *bucket; i != COWSTAT_NIL; i = sum->next) {
		sum = &it->sums[i];
		if (sum->id == id)
			return sum;
	}
	if (it->nr_sums == it->max_sums)
		return NULL;
	sum = &it->sums[it->nr_sums];
	memset(sum, 0, sizeof(*sum));
	sum->id = id;
	sum->next = *bucket;
	*bucket = it->nr_sums++;
	return sum;
}

static void free_sums(struct cgroups_iter *it)
{
	kvfree(it->sums);
	kvfree(it->buckets);
	it->sums = NULL;
	it->buckets = NULL;
	it->nr_sums = 0;
}

static int alloc_sums(struct cgroups_iter *it, unsigned int max_sums)
{
	free_sums(it);
	it->max_sums = max_sums;
	it->hash_bits = ilog2(roundup_pow_of_two(max_sums)) + 1;
	it->sums = kvmalloc_array(max_sums, sizeof(*it->sums), GFP_KERNEL);
	it->buckets = kvmalloc_array(1U << it->hash_bits, sizeof(u32), GFP_KERNEL);
	return it->sums && it->buckets ? 0 : -ENOMEM;
}

/*
 * Add up each cgroup's totals: its entry of evicted rows, and its rows in
 * the table.  -ENOSPC if there are more cgroups than @it has room for.
 */
static int add_up(struct cgroups_iter *it)
{
	const struct cowstat_cgroup_table *t = &cowstat_cgroups;
	struct cowstat_row *row = &it->snap;
	struct cowstat_cgroup entry;
	struct cgroup_sum *sum;
	unsigned int i, used, seq;
	unsigned long pos;
	uid_t owner;

	it->nr_sums = 0;
	memset32(it->buckets, COWSTAT_NIL, 1U << it->hash_bits);
	used = min(READ_ONCE(t->used), t->capacity);
	for (i = 0; i < used; i++) {
		/* Each entry whole; a fold between two is the caller's to see. */
		do {
			seq = read_seqcount_begin(&t->seq);
			memcpy(&entry, &t->entries[i], sizeof(entry));
		} while (read_seqcount_retry(&t->seq, seq));
		sum = cgroup_sum(it, entry.id);
		if (!sum)
			return -ENOSPC;
		sum->tasks += entry.tasks;
		cowstat_counts_add(&sum->counts, &entry.counts);
		cond_resched();
	}
	for (pos = 0; cowstat_table_next(pos, &i); pos = i + 1) {
		if (!read_row(i, row, &owner))
			continue;
		sum = cgroup_sum(it, row->cgroup);
		if (!sum)
			return -ENOSPC;
		sum->tasks++;
		cowstat_counts_add(&sum->counts, &row->counts);
		cond_resched();
	}
	return 0;
}

static int cmp_sum_id(const void *a, const void *b)
{
	u64 x = ((const struct cgroup_sum *)a)->id, y = ((const struct cgroup_sum *)b)->id;

	return x < y ? -1 : x > y;
}

/*
 * A reader in a cgroup namespace sees the cgroups inside it that exist: a
 * removed cgroup cannot be placed, and cgroup_get_from_id() checks the
 * caller's namespace.
 */
static void keep_visible_cgroups(struct cgroups_iter *it)
{
	unsigned int i, n = 0;
	struct cgroup *cgrp;

	if (current->nsproxy->cgroup_ns->root_cset->dfl_cgrp == &cgrp_dfl_root.cgrp)
		return;
	for (i = 0; i < it->nr_sums; i++) {
		cgrp = cgroup_get_from_id(it->sums[i].id);
		cond_resched();
		if (IS_ERR(cgrp))
			continue;
		cgroup_put(cgrp);
		it->sums[n++] = it->sums[i];
	}
	it->nr_sums = n;
}

/*
 * Every cgroup's totals, consistent unless rows were evicted during each of
 * CGROUPS_READ_TRIES attempts; then a row evicted meanwhile may be missing
 * or counted twice.  Room for the cgroups grows as needed: a table of
 * millions of rows usually has a few hundred cgroups.
 */
static int collect_sums(struct cgroups_iter *it)
{
	unsigned int tries = 0, seq;
	int ret;

	ret = alloc_sums(it, READ_ONCE(cowstat_cgroups.used) + 256);
	while (!ret) {
		seq = read_seqcount_begin(&cowstat_cgroups.seq);
		ret = add_up(it);
		if (ret == -ENOSPC) {
			ret = alloc_sums(it, it->max_sums * 2);
			continue;
		}
		if (!read_seqcount_retry(&cowstat_cgroups.seq, seq) ||
		    ++tries == CGROUPS_READ_TRIES)
			break;
	}
	if (ret)
		return ret;
	sort(it->sums, it->nr_sums, sizeof(*it->sums), cmp_sum_id, NULL);
	keep_visible_cgroups(it);
	return 0;
}

static void *cgroups_start(struct seq_file *m, loff_t *pos)
{
	struct cgroups_iter *it = m->private;
	int ret;

	if (*pos == 0) {
		ret = collect_sums(it);
		if (ret)
			return ERR_PTR(ret);
		return SEQ_START_TOKEN;
	}
	return *pos <= it->nr_sums ? &it->sums[*pos - 1] : NULL;
}

static void *cgroups_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct cgroups_iter *it = m->private;

	(*pos)++;
	return *pos <= it->nr_sums ? &it->sums[*pos - 1] : NULL;
}

static void cgroups_stop(struct seq_file *m, void *v)
{
}

static int cgroups_show(struct seq_file *m, void *v)
{
	struct cgroups_iter *it = m->private;
	const struct cgroup_sum *sum = v;
	struct cowstat_table_stats st;
	char *p;

	if (v == SEQ_START_TOKEN) {
		cowstat_table_stats(&st);
		show_version(m, &it->cs, "cgroups", READ_ONCE(cowstat_cgroups.used),
			     cowstat_cgroups.capacity, st.dropped,
			     READ_ONCE(cowstat_cgroups.evicted));
		seq_puts(m, "cgroup\ttasks");
		show_col_names(m, &it->cs);
		seq_putc(m, '\n');
		return 0;
	}
	p = it->line;
	p = put_dec(p, sum->id);
	*p++ = '\t';
	p = put_dec(p, sum->tasks);
	p = put_counts(p, &it->cs, &sum->counts);
	*p++ = '\n';
	seq_write(m, it->line, p - it->line);
	return 0;
}

static const struct seq_operations cgroups_seq_ops = {
	.start	= cgroups_start,
	.next	= cgroups_next,
	.stop	= cgroups_stop,
	.show	= cgroups_show,
};

/* Totals of everyone's tasks: for readers who may see every row. */
static int cgroups_open(struct inode *inode, struct file *file)
{
	struct cgroups_iter *it;

	if (!ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN) &&
	    !ns_capable_noaudit(&init_user_ns, CAP_PERFMON))
		return -EPERM;
	it = __seq_open_private(file, &cgroups_seq_ops, sizeof(*it) + CGROUPS_LINE_MAX);
	if (!it)
		return -ENOMEM;
	colset_init(&it->cs);
	return 0;
}

static int cgroups_release(struct inode *inode, struct file *file)
{
	struct cgroups_iter *it = ((struct seq_file *)file->private_data)->private;

	free_sums(it);
	return seq_release_private(inode, file);
}

static const struct proc_ops cgroups_proc_ops = {
	.proc_open	= cgroups_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= cgroups_release,
};

static struct proc_dir_entry *cowstat_pde, *cgroups_pde;

int cowstat_proc_init(u64 loaded)
{
	unsigned int i;

	loaded_ns = loaded;
	reset_ns = loaded;
	for (i = 0; i < 100; i++) {
		digit_pairs[2 * i] = '0' + i / 10;
		digit_pairs[2 * i + 1] = '0' + i % 10;
	}
	cowstat_pde = proc_create("cowstat", 0644, NULL, &cowstat_proc_ops);
	cgroups_pde = proc_create("cowstat_cgroups", 0444, NULL, &cgroups_proc_ops);
	if (!cowstat_pde || !cgroups_pde) {
		cowstat_proc_exit();
		return -ENOMEM;
	}
	return 0;
}

void cowstat_proc_exit(void)
{
	proc_remove(cgroups_pde);
	proc_remove(cowstat_pde);
}
