/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cowstat's own trace event, cowstat:cow_fault: one per fault that a row
 * counts in faults, thp or hugetlb, with what it did, where, and how long
 * it took.  Documentation/cowstat.rst ("Events") describes the fields,
 * which are ABI like the proc files' columns.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM cowstat

#if !defined(_COWSTAT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _COWSTAT_TRACE_H

#include <linux/tracepoint.h>
#include "cowstat.h"

TRACE_EVENT_FN(cow_fault,
	       TP_PROTO(const struct cowstat_row *row,
			const struct cowstat_fault_site *site,
			unsigned int outcome, unsigned int kind, unsigned int bytes,
			u64 latency_ns),

	       TP_ARGS(row, site, outcome, kind, bytes, latency_ns),

	       TP_STRUCT__entry(__field(pid_t,		pid)
				__field(pid_t,		tgid)
				__field(u64,		cgroup)
				__field(unsigned long,	address)
				__field(u8,		outcome)
				__field(u8,		kind)
				__field(u8,		mapping)
				__field(unsigned int,	bytes)
				__field(u64,		latency_ns)
				__field(unsigned long,	vm_start)
				__field(dev_t,		dev)
				__field(u64,		ino)
				__field(u64,		pgoff)
				__array(char,		name, COWSTAT_SITE_NAME_LEN)),

	       TP_fast_assign(__entry->pid = row->pid;
			      __entry->tgid = row->tgid;
			      __entry->cgroup = row->cgroup;
			      __entry->address = site->address;
			      __entry->outcome = outcome;
			      __entry->kind = kind;
			      __entry->mapping = site->mapping;
			      __entry->bytes = bytes;
			      __entry->latency_ns = latency_ns;
			      __entry->vm_start = site->vm_start;
			      __entry->dev = site->dev;
			      __entry->ino = site->ino;
			      __entry->pgoff = site->pgoff;
			      memcpy(__entry->name, site->name, COWSTAT_SITE_NAME_LEN);),

	       TP_printk("pid=%d tgid=%d cgroup=%llu address=0x%lx outcome=%s kind=%s bytes=%u latency_ns=%llu mapping=%s vm_start=0x%lx dev=%d:%d ino=%llu pgoff=%llu name=%s",
			 __entry->pid, __entry->tgid, __entry->cgroup, __entry->address,
			 __print_symbolic(__entry->outcome,
					  { COWSTAT_OUTCOME_COPY, "copy" },
					  { COWSTAT_OUTCOME_REUSE, "reuse" },
					  { COWSTAT_OUTCOME_SHARED, "shared" },
					  { COWSTAT_OUTCOME_UNSHARE, "unshare" },
					  { COWSTAT_OUTCOME_OTHER, "other" }),
			 __print_flags(__entry->kind, "|",
				       { COWSTAT_KIND_ZERO, "zero" },
				       { COWSTAT_KIND_KSM, "ksm" },
				       { COWSTAT_KIND_THP, "thp" },
				       { COWSTAT_KIND_HUGETLB, "hugetlb" },
				       { COWSTAT_KIND_LARGE, "large" }),
			 __entry->bytes, __entry->latency_ns,
			 __print_symbolic(__entry->mapping,
					  { COWSTAT_MAPPING_FILE, "file" },
					  { COWSTAT_MAPPING_HEAP, "heap" },
					  { COWSTAT_MAPPING_STACK, "stack" },
					  { COWSTAT_MAPPING_ANON, "anon" }),
			 __entry->vm_start, MAJOR(__entry->dev), MINOR(__entry->dev),
			 __entry->ino, __entry->pgoff, __entry->name),

	       cowstat_events_reg, cowstat_events_unreg
);

#endif /* _COWSTAT_TRACE_H */

/* This part must be outside protection */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
