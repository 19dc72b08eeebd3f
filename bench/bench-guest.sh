#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside an icount VM (scripts/bench/bench): every configuration
# measured side by side in one boot, a baseline before each.  Prints lines
#   RESULT <config> <copy> <reuse> <first>
# in guest instructions per fault, READ/TABLE lines, and (bench-workloads.sh)
# WORKLOAD lines: whole workloads with and without the module.
set -u
b=$(dirname "$0")/cowbench
ko=$COWSTAT_KO
pages=${BENCH_PAGES:-512}
tracing=/sys/kernel/tracing

measure()	# config
{
	local copy reuse first
	copy=$($b copy "$pages" | cut -d' ' -f2)
	reuse=$($b reuse "$pages" | cut -d' ' -f2)
	first=$($b first 16 | cut -d' ' -f2)
	echo "RESULT $1 $copy $reuse $first"
}

baseline() { measure "baseline-before-$1"; }

# Warm the page allocator and the LRU once; the first runs after boot are slow.
for i in 1 2 3; do $b copy "$pages" > /dev/null; $b reuse "$pages" > /dev/null; done

baseline cowstat
insmod "$ko" && measure cowstat && rmmod cowstat

baseline cowstat-faults
insmod "$ko" mode=faults && measure cowstat-faults && rmmod cowstat

[ -n "${BENCH_SMOKE:-}" ] && exit 0	# make check: the cowstat rows only

# Every probe a kprobe: what the ftrace callbacks save.
baseline cowstat-kprobe
insmod "$ko" probes=kprobe && measure cowstat-kprobe && rmmod cowstat

# The trace event on, into a tracefs instance of its own, as the tool uses it.
baseline cowstat-event
insmod "$ko"
mkdir $tracing/instances/bench
echo 1 > $tracing/instances/bench/events/cowstat/cow_fault/enable
measure cowstat-event
echo 0 > $tracing/instances/bench/events/cowstat/cow_fault/enable
rmdir $tracing/instances/bench
rmmod cowstat

echo 'p:bench/wp do_wp_page' >> $tracing/kprobe_events
baseline tracefs
echo 1 > $tracing/events/bench/wp/enable
measure tracefs-kprobe-event
echo 0 > $tracing/events/bench/wp/enable

if command -v perf > /dev/null; then
	baseline perf
	perf stat -e bench:wp -a -o /tmp/perf.out -- \
		bash -c "$(declare -f measure); b=$b pages=$pages measure perf-stat"
fi
echo '-:bench/wp' >> $tracing/kprobe_events

if command -v bpftrace > /dev/null; then
	baseline bpftrace
	bpftrace -e 'kprobe:do_wp_page { @[pid] = count(); }' > /tmp/bpftrace.out 2>&1 &
	bt=$!
	for i in $(seq 600); do grep -q Attaching /tmp/bpftrace.out && break; sleep 0.1; done
	sleep 1
	measure bpftrace
	kill -INT $bt; wait $bt 2> /dev/null
fi

# The table's size must not matter: 10 rows, then 30,000.
insmod "$ko"
echo reset > /proc/cowstat
measure cowstat-10-tasks
$b read | sed 's/^/READ 10 /'
$b fill "${BENCH_TASKS:-30000}"
measure cowstat-30000-tasks
$b read | sed 's/^/READ 30000 /'
echo "TABLE $(head -n 1 /proc/cowstat)"
grep -E '^(Slab|SUnreclaim|VmallocUsed)' /proc/meminfo | sed 's/^/MEM /'
rmmod cowstat

# Whole workloads: ~12 minutes of TCG time, so not in make check's smoke
# run; and not on arm64 (BENCH_WORKLOADS=0), whose userland has no gcc.
[ "${BENCH_WORKLOADS:-1}" = 0 ] || "$(dirname "$0")"/bench-workloads.sh
