// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat per-cgroup totals: what the task table's rows counted, kept per
 * cgroup v2 id after eviction takes the rows out of the table.
 *
 * A row belongs to one task in one cgroup (a task that moves continues in
 * a new row), so a cgroup's totals are the sum of its rows: those still in
 * the table, added up when /proc/cowstat_cgroups is read, and those evicted,
 * folded in here.  A fold happens only on the slow path that takes a row,
 * under the table's lock, which serialises every writer of this table.
 * When the table is full, the entry folded into least recently makes room.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/minmax.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "cowstat.h"

struct cowstat_cgroup_table cowstat_cgroups;

static inline u32 *cgroup_bucket(u64 id)
{
	return &cowstat_cgroups.buckets[hash_64(id, cowstat_cgroups.hash_bits)];
}

void cowstat_counts_add(struct cowstat_counts *sum, const struct cowstat_counts *c)
{
	sum->faults += c->faults;
	sum->copies += c->copies;
	sum->reuses += c->reuses;
	sum->shared += c->shared;
	sum->bytes += c->bytes;
	sum->unshare += c->unshare;
	sum->zero += c->zero;
	sum->other += c->other;
	sum->ksm += c->ksm;
	sum->thp += c->thp;
	sum->hugetlb += c->hugetlb;
	sum->remote += c->remote;
	sum->large += c->large;
	sum->thp_zero += c->thp_zero;
}

static void lru_unlink(struct cowstat_cgroup *cg)
{
	struct cowstat_cgroup *e = cowstat_cgroups.entries;

	if (cg->lru_prev != COWSTAT_NIL)
		e[cg->lru_prev].lru_next = cg->lru_next;
	else
		cowstat_cgroups.lru_first = cg->lru_next;
	if (cg->lru_next != COWSTAT_NIL)
		e[cg->lru_next].lru_prev = cg->lru_prev;
	else
		cowstat_cgroups.lru_last = cg->lru_prev;
}

static void lru_append(struct cowstat_cgroup *cg)
{
	u32 idx = cg - cowstat_cgroups.entries;

	cg->lru_prev = cowstat_cgroups.lru_last;
	cg->lru_next = COWSTAT_NIL;
	if (cowstat_cgroups.lru_last != COWSTAT_NIL)
		cowstat_cgroups.entries[cowstat_cgroups.lru_last].lru_next = idx;
	else
		cowstat_cgroups.lru_first = idx;
	cowstat_cgroups.lru_last = idx;
}

static void unhash(struct cowstat_cgroup *cg)
{
	u32 *link = cgroup_bucket(cg->id);
	u32 idx = cg - cowstat_cgroups.entries;

	while (*link != COWSTAT_NIL) {
		if (*link == idx) {
			*link = cg->next;
			return;
		}
		link = &cowstat_cgroups.entries[*link].next;
	}
}

/* The entry of cgroup @id, made (by evicting the stalest) if it has none. */
static struct cowstat_cgroup *cgroup_entry(u64 id)
{
	struct cowstat_cgroup *cg;
	u32 i, *bucket = cgroup_bucket(id);

	for (i = *bucket; i != COWSTAT_NIL; i = cg->next) {
		cg = &cowstat_cgroups.entries[i];
		if (cg->id == id)
			return cg;
	}
	if (cowstat_cgroups.used < cowstat_cgroups.capacity) {
		cg = &cowstat_cgroups.entries[cowstat_cgroups.used++];
	} else {
		cg = &cowstat_cgroups.entries[cowstat_cgroups.lru_first];
		lru_unlink(cg);
		unhash(cg);
		cowstat_cgroups.evicted++;
	}
	memset(cg, 0, sizeof(*cg));
	cg->id = id;
	cg->next = *bucket;
	*bucket = cg - cowstat_cgroups.entries;
	lru_append(cg);
	return cg;
}

/* Add evicted @row, whose counts are final, to its cgroup's totals. */
void cowstat_cgroups_fold(const struct cowstat_row *row)
{
	struct cowstat_cgroup *cg;

	write_seqcount_begin(&cowstat_cgroups.seq);
	cg = cgroup_entry(row->cgroup);
	lru_unlink(cg);
	lru_append(cg);
	cg->tasks++;
	cowstat_counts_add(&cg->counts, &row->counts);
	write_seqcount_end(&cowstat_cgroups.seq);
}

/* Forget every entry: entries are handed out again in order. */
static void forget_entries(void)
{
	cowstat_cgroups.used = 0;
	cowstat_cgroups.lru_first = COWSTAT_NIL;
	cowstat_cgroups.lru_last = COWSTAT_NIL;
	cowstat_cgroups.evicted = 0;
}

static void clear_buckets(u32 *buckets)
{
	memset32(buckets, COWSTAT_NIL, 1U << cowstat_cgroups.hash_bits);
}

/*
 * A reset, under the table's lock, in O(1) with interrupts off: the
 * buckets cleared beforehand take the place of those in use, which
 * cowstat_cgroups_clear_spare() then clears, after the lock.
 */
void cowstat_cgroups_clear(void)
{
	write_seqcount_begin(&cowstat_cgroups.seq);
	swap(cowstat_cgroups.buckets, cowstat_cgroups.spare_buckets);
	forget_entries();
	write_seqcount_end(&cowstat_cgroups.seq);
}

/* The reset's second half: only it, holding the reset mutex, uses the spare. */
void cowstat_cgroups_clear_spare(void)
{
	clear_buckets(cowstat_cgroups.spare_buckets);
}

int cowstat_cgroups_init(unsigned int capacity)
{
	cowstat_cgroups.capacity = capacity;
	cowstat_cgroups.hash_bits = ilog2(roundup_pow_of_two(capacity));
	cowstat_cgroups.entries = kvcalloc(capacity, sizeof(*cowstat_cgroups.entries), GFP_KERNEL);
	cowstat_cgroups.buckets = kvmalloc_array(1U << cowstat_cgroups.hash_bits, sizeof(u32),
						 GFP_KERNEL);
	cowstat_cgroups.spare_buckets = kvmalloc_array(1U << cowstat_cgroups.hash_bits,
						       sizeof(u32), GFP_KERNEL);
	if (!cowstat_cgroups.entries || !cowstat_cgroups.buckets ||
	    !cowstat_cgroups.spare_buckets) {
		cowstat_cgroups_exit();
		return -ENOMEM;
	}
	seqcount_init(&cowstat_cgroups.seq);
	clear_buckets(cowstat_cgroups.buckets);
	clear_buckets(cowstat_cgroups.spare_buckets);
	forget_entries();
	return 0;
}

void cowstat_cgroups_exit(void)
{
	kvfree(cowstat_cgroups.spare_buckets);
	kvfree(cowstat_cgroups.buckets);
	kvfree(cowstat_cgroups.entries);
	cowstat_cgroups.spare_buckets = NULL;
	cowstat_cgroups.buckets = NULL;
	cowstat_cgroups.entries = NULL;
}
