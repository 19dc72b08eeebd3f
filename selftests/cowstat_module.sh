#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cowstat module lifecycle tests: parameter checks, load/unload under load,
# unload with /proc/cowstat held open, the table bound with "dropped",
# refused rows (fail_rows), the kind of each hot probe, probes=kprobe,
# the refusal of an argument layout the kernel's BTF contradicts, and
# resets, exec from threads and readers all at once, per-cgroup totals
# across eviction, and the trace event toggled under load.
# Output is KTAP.  The module comes from $COWSTAT_KO, else from modprobe;
# $COWSTAT_WRONG_LAYOUT_KO is one built with -DCOWSTAT_TEST_WRONG_LAYOUT.

here=$(dirname "$(readlink -f "$0")")
tracing=/sys/kernel/tracing
. "$here/ktap.sh"

plan=13
ktap_print_header
ktap_set_plan $plan
[ "$(id -u)" = 0 ] || ktap_skip_plan $plan test "must run as root"
ko=${COWSTAT_KO:-$(modinfo -n cowstat 2>/dev/null)}
if [ -z "$ko" ] || [ ! -r "$ko" ] || [ -e /proc/cowstat ]; then
	ktap_skip_plan $plan test "set COWSTAT_KO to cowstat.ko, with the module not loaded"
fi
kernel_log_mark

# "pid start" of each live (R) row.
live_rows()
{
	awk -F'\t' 'NR == 2 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		NR > 2 && $c["state"] == "R" { print $c["pid"], $c["start"] }' /proc/cowstat
}

# A fork-heavy background load: every subshell copies some pages.
workload_pid=
start_workload()
{
	( while :; do for i in 1 2 3 4; do (v=$i; : "$v") & done; wait; done ) &
	workload_pid=$!
}
stop_workload() { kill "$workload_pid" 2>/dev/null; wait "$workload_pid" 2>/dev/null; }

# 1. Bad parameters are refused at load time, with a message in the log.
t=module_params_rejected
bad=0
for arg in max_tasks=0 max_tasks=15 max_tasks=99999999 max_tasks=abc max_cgroups=15 wp_symbol=cowstat_no_such_symbol \
	   'wp_symbol=do_wp_pag*' 'reuse_symbol=ptep_set_access_flag?' 'commit_symbol=!ptep_clear_flush'; do
	if insmod "$ko" "$arg" 2>/dev/null; then
		ktap_print_msg "insmod $arg succeeded"; bad=1; rmmod cowstat
	fi
	[ -e /proc/cowstat ] && { ktap_print_msg "/proc/cowstat left behind by insmod $arg"; bad=1; }
done
dmesg | tail -n 60 | grep -q "max_tasks=0: must be a number from 16 to" || { ktap_print_msg "no max_tasks message"; bad=1; }
dmesg | tail -n 60 | grep -q "max_cgroups=15: must be a number from 16 to" || { ktap_print_msg "no max_cgroups message"; bad=1; }
dmesg | tail -n 60 | grep -q "cannot probe cowstat_no_such_symbol" || { ktap_print_msg "no wp_symbol message"; bad=1; }
dmesg | tail -n 60 | grep -q "wp_symbol=do_wp_pag\*: must be a symbol name, not a pattern" ||
	{ ktap_print_msg "no message for a pattern in wp_symbol"; bad=1; }
ktap_test_status $bad $t

# 2. Load/unload cycles (20, or $LOAD_CYCLES) under a forking workload,
#    each unloading while a reader holds /proc/cowstat open mid-read.
t=load_unload_cycles_under_load
bad=0
slab() { awk '/^(Slab|VmallocUsed):/ { s += $2 } END { print s }' /proc/meminfo; }
slab0=$(slab)
start_workload
cycles=${LOAD_CYCLES:-20}
for i in $(seq "$cycles"); do
	insmod "$ko" || { ktap_print_msg "insmod failed in cycle $i"; bad=1; break; }
	exec 3< /proc/cowstat
	read -r -u 3 _ || { ktap_print_msg "read failed in cycle $i"; bad=1; }
	rmmod cowstat || { ktap_print_msg "rmmod failed in cycle $i"; bad=1; break; }
	[ -e /proc/cowstat ] && { ktap_print_msg "/proc/cowstat still there after rmmod"; bad=1; }
	cat <&3 > /dev/null 2>&1
	exec 3<&-
	[ $((i % 25)) = 0 ] && ktap_print_msg "$i of $cycles cycles"
done
stop_workload
ktap_print_msg "slab + vmalloc: $slab0 kB before $cycles cycles, $(slab) kB after"
warnings=$(kernel_log_problems)
[ -n "$warnings" ] && { ktap_print_msg "kernel log: $warnings"; bad=1; }
ktap_test_status $bad $t

# 3. Unloading while a reader holds /proc/cowstat open is safe.
t=unload_with_reader_open
bad=0
insmod "$ko"
exec 3< /proc/cowstat
read -r -u 3 first
case $first in cowstat\ *) ;; *) ktap_print_msg "first line: $first"; bad=1 ;; esac
rmmod cowstat || { ktap_print_msg "rmmod with an open reader failed"; bad=1; }
cat <&3 > /dev/null 2>&1
exec 3<&-
warnings=$(kernel_log_problems)
[ -n "$warnings" ] && { ktap_print_msg "kernel log: $warnings"; bad=1; }
ktap_test_status $bad $t

# 4. A full table drops what it cannot record, and counts exactly that.
t=table_bound_and_dropped
# Sets hdr_<key> from the version line; builtins only, so that reading the
# header starts no process that would take a row.
read_header()
{
	local line kv
	read -r line < /proc/cowstat
	for kv in $line; do
		case $kv in *=*) printf -v "hdr_${kv%%=*}" '%s' "${kv#*=}" ;; esac
	done
}
# Trace events ("comm-pid [cpu] ...") of pids with no row in table file $1.
rowless_events()
{
	awk 'NR == FNR { if (FNR > 2) row[$1] = 1; next }
	     /^#/ { next }
	     { sub(/ +\[[0-9]+\].*/, ""); n = split($0, a, "-"); p = a[n] + 0;
	       if (!(p in row)) hits++ }
	     END { print hits + 0 }' "$1" $tracing/trace
}
if [ ! -w $tracing/kprobe_events ]; then
	ktap_test_skip $t "no tracefs kprobe_events"
else
	bad=0
	insmod "$ko" max_tasks=16
	echo 'p:cowstat_bound/wp do_wp_page' >> $tracing/kprobe_events
	: > $tracing/trace
	rm -f /tmp/cowstat.fifo
	mkfifo /tmp/cowstat.fifo
	exec 9<> /tmp/cowstat.fifo
	# From here until tracing stops, no task exits: no row can be evicted.
	echo reset > /proc/cowstat
	echo 1 > $tracing/events/cowstat_bound/wp/enable
	read_header
	dropped0=$hdr_dropped
	pids=
	for i in {1..30}; do
		( v=$i; read -r _ < /proc/cowstat; read -r -u 9 _ ) &
		pids="$pids $!"
	done
	read -r -t 2 -u 9 _
	echo 0 > $tracing/events/cowstat_bound/wp/enable
	read_header
	dropped1=$hdr_dropped
	tasks=$hdr_tasks
	cp /proc/cowstat /tmp/cowstat.bound
	# Every event of a pid without a row must have been dropped.
	expect=$(rowless_events /tmp/cowstat.bound)
	[ "$tasks" = 16 ] || { ktap_print_msg "tasks=$tasks with max_tasks=16"; bad=1; }
	[ $((dropped1 - dropped0)) -gt 0 ] || { ktap_print_msg "nothing dropped"; bad=1; }
	[ $((dropped1 - dropped0)) = "$expect" ] ||
		{ ktap_print_msg "dropped moved by $((dropped1 - dropped0)), the rowless pids took $expect faults"; bad=1; }
	# Exited rows go first: end five children, then a new task evicts one.
	live_before=$(live_rows | wc -l)
	set -- $pids
	kill "$1" "$2" "$3" "$4" "$5" 2>/dev/null
	wait "$1" "$2" "$3" "$4" "$5" 2>/dev/null
	( v=1; : "$v" )
	read_header
	evicted=$hdr_evicted
	[ "$evicted" -ge 1 ] || { ktap_print_msg "no row was evicted"; bad=1; }
	live_after=$(live_rows | wc -l)
	[ "$live_after" -ge $((live_before - 5)) ] ||
		{ ktap_print_msg "live rows went from $live_before to $live_after"; bad=1; }
	kill $pids 2>/dev/null
	wait $pids 2>/dev/null
	exec 9<&-
	rm -f /tmp/cowstat.fifo /tmp/cowstat.bound
	echo '-:cowstat_bound/wp' >> $tracing/kprobe_events
	rmmod cowstat
	ktap_test_status $bad $t
fi

# 5. Refused rows (fail_rows, the module's fault injection) are dropped
#    events, counted exactly; once injection stops, new tasks get rows.
t=row_failure_injected
if [ ! -w $tracing/kprobe_events ]; then
	ktap_test_skip $t "no tracefs kprobe_events"
else
	bad=0
	insmod "$ko"
	fail_rows=/sys/module/cowstat/parameters/fail_rows
	echo 'p:cowstat_inject/wp do_wp_page' >> $tracing/kprobe_events
	: > $tracing/trace
	echo reset > /proc/cowstat
	( : )		# this shell's next write faults: it takes a row now
	echo 1000000 > $fail_rows
	echo 1 > $tracing/events/cowstat_inject/wp/enable
	read_header
	dropped0=$hdr_dropped tasks0=$hdr_tasks
	for i in {1..10}; do ( v=$i; : "$v" ) & done
	wait
	echo 0 > $tracing/events/cowstat_inject/wp/enable
	read_header
	dropped1=$hdr_dropped
	cp /proc/cowstat /tmp/cowstat.inject
	left=$(cat $fail_rows)
	echo 0 > $fail_rows
	expect=$(rowless_events /tmp/cowstat.inject)
	[ "$expect" -ge 10 ] || { ktap_print_msg "the children took $expect faults"; bad=1; }
	[ $((dropped1 - dropped0)) = "$expect" ] ||
		{ ktap_print_msg "dropped moved by $((dropped1 - dropped0)), the rowless pids took $expect faults"; bad=1; }
	[ "$hdr_tasks" = "$tasks0" ] ||
		{ ktap_print_msg "tasks went from $tasks0 to $hdr_tasks while every new row was refused"; bad=1; }
	[ "$left" -lt 1000000 ] || { ktap_print_msg "fail_rows was not consumed"; bad=1; }
	( v=1; : "$v" ) &
	wait $!
	awk -v p=$! 'FNR > 2 && $1 == p { found = 1 } END { exit !found }' /proc/cowstat ||
		{ ktap_print_msg "no row for a new task after fail_rows=0"; bad=1; }
	rm -f /tmp/cowstat.inject
	echo '-:cowstat_inject/wp' >> $tracing/kprobe_events
	rmmod cowstat
	ktap_test_status $bad $t
fi

# 6. A reader in a pid namespace sees its own tasks, with its own pids.
t=pid_namespace_view
if ! command -v unshare > /dev/null; then
	ktap_test_skip $t "no unshare(1)"
else
	insmod "$ko"
	rm -f /tmp/ns.ready
	unshare --pid --fork --mount-proc bash -c '
		( v=1; read -r _ < /proc/cowstat; : > /tmp/ns.ready; read -r -t 30 _ <> /dev/zero ) &
		child=$!
		# The child has its row once it has written (v=1 after fork).
		for i in {1..300}; do [ -e /tmp/ns.ready ] && break; read -r -t 0.1 _ <> /dev/zero; done
		awk -F"\t" "NR > 2 { print \$1 }" /proc/cowstat > /tmp/ns.pids
		[ -s /tmp/ns.pids ] || exit 1
		# pids of this namespace only: small, and ours among them
		while read -r p; do [ "$p" -gt 0 ] && [ "$p" -lt 100 ] || exit 2; done < /tmp/ns.pids
		grep -qx 1 /tmp/ns.pids || exit 3
		grep -qx "$child" /tmp/ns.pids || exit 4
		kill $child
		wait' 2> /dev/null
	rc=$?
	rmmod cowstat
	[ $rc = 0 ] || ktap_print_msg "namespace check failed at step $rc"
	ktap_test_status $rc $t
fi

# The functions of the hot probes, as the loaded module's version line names
# them: do_wp_page, its outcome callees -- ptep_set_access_flags, or
# arm64's __ptep_set_access_flags(_anysz) and contpte_ptep_set_access_flags,
# which its inline one calls -- and a row's end (exit_files).
hot_functions()
{
	sed -n '1s/.* probes=//p' /proc/cowstat | tr , '\n' |
		grep -xE 'do_wp_page|(__|contpte_)?ptep_set_access_flags(_anysz)?|ptep_clear_flush|exit_files' |
		sort -u
}

# Are all the hot probes there: four functions, one a reuse function?
hot_functions_complete()	# functions
{
	local f
	for f in do_wp_page ptep_clear_flush exit_files; do
		grep -qx "$f" <<< "$1" || return 1
	done
	grep -q 'ptep_set_access_flags' <<< "$1"
}

# 7. The probes are what the cost figures assume: ftrace callbacks of their
#    own (a trampoline straight to cowstat, or arm64's direct call of the
#    ops, no list or assist function) on do_wp_page, its outcome callees and
#    a row's end (exit_files), and the return probes on ftrace sites or
#    optimized, never int3, where the kernel puts a kprobe on an ftrace site
#    at all (x86; arm64's kprobes are all breakpoints).
t=hot_probes_are_ftrace_callbacks
kprobes_list=/sys/kernel/debug/kprobes/list
if [ ! -r $tracing/enabled_functions ] || [ ! -r $kprobes_list ]; then
	ktap_test_skip $t "no enabled_functions or kprobes/list (tracefs, debugfs)"
else
	bad=0
	# A kprobe event of our own at a function's entry, enabled (only then
	# is it a kprobe), shows whether this kernel can put kprobes on
	# ftrace sites.
	echo 'p:cowstat_kind/entry exit_files' >> $tracing/kprobe_events
	echo 1 > $tracing/events/cowstat_kind/entry/enable
	# (x86 puts it past the function's endbr64, on the ftrace site.)
	grep -qE ' exit_files\+0x[0-9a-f]+ .*\[FTRACE\]' $kprobes_list && on_ftrace=1 || on_ftrace=
	grep -qE ' exit_files\+0x[0-9a-f]+ ' $kprobes_list ||
		{ ktap_print_msg "no kprobe for the exit_files event"; bad=1; }
	echo 0 > $tracing/events/cowstat_kind/entry/enable
	echo '-:cowstat_kind/entry' >> $tracing/kprobe_events
	insmod "$ko"
	hot=$(hot_functions)
	hot_functions_complete "$hot" || { ktap_print_msg "hot probes missing: probes=$(echo $hot)"; bad=1; }
	for f in $hot; do
		grep -qE "^$f .*(tramp: .*->[a-z_]+_ftrace\+0x0/.*|ops: .*\([a-z_]+_ftrace\+0x0/.*)\[cowstat\]" \
			$tracing/enabled_functions ||
			{ ktap_print_msg "$f: $(grep "^$f " $tracing/enabled_functions)"; bad=1; }
	done
	int3_probes() { grep -vE '\[(FTRACE|OPTIMIZED)\]' $kprobes_list; }
	if [ -n "$on_ftrace" ]; then
		# Optimization, where it applies, happens in a worker shortly after.
		for i in {1..30}; do
			[ -z "$(int3_probes)" ] && break
			read -r -t 0.1 _ <> /dev/zero
		done
		[ -n "$(int3_probes)" ] && { ktap_print_msg "int3 probes: $(int3_probes)"; bad=1; }
	else
		ktap_print_msg "this kernel puts no kprobe on an ftrace site: the return probes are breakpoints"
	fi
	rmmod cowstat
	ktap_test_status $bad $t
fi

# 8. probes=kprobe attaches every hot probe as a kprobe, and no ftrace
#    callback of cowstat's.
t=probes_kprobe_attaches_kprobes
if [ ! -r $tracing/enabled_functions ] || [ ! -r $kprobes_list ]; then
	ktap_test_skip $t "no enabled_functions or kprobes/list (tracefs, debugfs)"
else
	bad=0
	insmod "$ko" probes=kprobe || bad=1
	hot=$(hot_functions)
	hot_functions_complete "$hot" || { ktap_print_msg "hot probes missing: probes=$(echo $hot)"; bad=1; }
	for f in $hot; do
		grep -qE " $f\+0x[0-9a-f]+ " $kprobes_list || { ktap_print_msg "$f: no kprobe"; bad=1; }
	done
	grep -E '_ftrace\+0x0/.*\[cowstat\]' $tracing/enabled_functions && bad=1
	rmmod cowstat
	insmod "$ko" probes=int3 2>/dev/null && { ktap_print_msg "probes=int3 accepted"; bad=1; rmmod cowstat; }
	dmesg | tail -n 5 | grep -q "probes=int3: must be ftrace or kprobe" || { ktap_print_msg "no probes= message"; bad=1; }
	ktap_test_status $bad $t
fi

# 9. A layout the kernel's BTF contradicts is refused, never guessed: a
#    module built to read hugetlb_fault as (struct vm_fault *) leaves that
#    probe and its column out and says why; a hugetlb copy-on-write under
#    it is harmless; told to expect a wrong sched_process_exec, it does
#    not load.
t=wrong_layout_refused
if [ -z "${COWSTAT_WRONG_LAYOUT_KO:-}" ]; then
	ktap_test_skip $t "set COWSTAT_WRONG_LAYOUT_KO (cowstat.ko built with -DCOWSTAT_TEST_WRONG_LAYOUT)"
elif ! command -v python3 > /dev/null || ! echo 4 > /proc/sys/vm/nr_hugepages; then
	ktap_test_skip $t "needs python3 and hugetlb pages"
else
	bad=0
	mark=$(dmesg | wc -l)
	insmod "$COWSTAT_WRONG_LAYOUT_KO" || { ktap_print_msg "insmod failed"; bad=1; }
	log=$(dmesg | tail -n +"$((mark + 1))")
	want="hugetlb_fault: the kernel's BTF gives hugetlb_fault(struct mm_struct *, struct vm_area_struct *, long unsigned int, unsigned int), the handler reads (struct vm_fault *)"
	grep -qF "$want" <<< "$log" || { ktap_print_msg "no refusal line: $log"; bad=1; }
	grep -qF "cannot probe hugetlb_fault (-71): its columns are left out" <<< "$log" || bad=1
	head -n 1 /proc/cowstat | grep -q hugetlb_fault && { ktap_print_msg "hugetlb_fault attached"; bad=1; }
	sed -n 2p /proc/cowstat | grep -qw hugetlb && { ktap_print_msg "hugetlb column shown"; bad=1; }
	# A private hugetlb page, written by parent and then by a child: a copy.
	python3 -c '
import mmap, os
m = mmap.mmap(-1, 2 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | 0x40000)
m[0] = 1
pid = os.fork()
if pid == 0:
    m[0] = 2
    os._exit(0)
_, status = os.waitpid(pid, 0)
exit(status)' || { ktap_print_msg "hugetlb copy-on-write failed"; bad=1; }
	rmmod cowstat
	echo 0 > /proc/sys/vm/nr_hugepages
	# A tracepoint's prototype is confirmed the same way, from its
	# btf_trace_ typedef; without sched_process_exec the module refuses to
	# load, with that line.
	mark=$(dmesg | wc -l)
	insmod "$COWSTAT_WRONG_LAYOUT_KO" test_wrong_exec_layout=1 2>/dev/null &&
		{ ktap_print_msg "loaded, expecting a wrong sched_process_exec"; bad=1; rmmod cowstat; }
	[ -e /proc/cowstat ] && { ktap_print_msg "/proc/cowstat left behind"; bad=1; }
	log=$(dmesg | tail -n +"$((mark + 1))")
	want="sched_process_exec: the kernel's BTF gives btf_trace_sched_process_exec(void *, struct task_struct *, pid_t, struct linux_binprm *), the handler reads (void *, struct task_struct *)"
	grep -qF "$want" <<< "$log" || { ktap_print_msg "no refusal line: $log"; bad=1; }
	ktap_test_status $bad $t
fi

# 10. Resets from three tasks at once, threads that exec, a task that moves
#    between cgroups, forks and readers, in a 16-row table: every read ends within 30 s (a reader that spins on
#    a torn row never ends; a loaded 1-vCPU guest took 6 s for one read of
#    16 rows under this load, yielding to a dozen tasks), and afterwards every
#    live (R) row is a live task with that start time -- an exec'd thread's
#    old tid, or a task whose exit the lookup missed, would stay R.
t=reset_storm_exec_churn
prog=$here/cowstat_test
if [ ! -x "$prog" ]; then
	ktap_test_skip $t "no $prog"
else
	bad=0
	insmod "$ko" max_tasks=16
	storm_end=$((SECONDS + ${STORM_SECONDS:-10}))
	storm_pids=
	for j in 1 2 3; do
		( while [ $SECONDS -lt $storm_end ]; do echo reset > /proc/cowstat; done ) &
		storm_pids="$storm_pids $!"
	done
	( while [ $SECONDS -lt $storm_end ]; do
		s=$SECONDS
		cat /proc/cowstat > /dev/null
		[ $((SECONDS - s)) -le 30 ] || echo "a read took $((SECONDS - s)) s"
	  done ) > /tmp/cowstat.readers &
	storm_pids="$storm_pids $!"
	( while [ $SECONDS -lt $storm_end ]; do COWSTAT_EXEC_FROM_THREAD=3 "$prog"; done ) &
	storm_pids="$storm_pids $!"
	# A task that moves between two cgroups, forking, splits its row at
	# every move: while resets retire rows and a full table evicts them.
	if [ -e /sys/fs/cgroup/cgroup.procs ]; then
		mv_cg=/sys/fs/cgroup/cowstat-storm.$$
		mkdir -p "$mv_cg/a" "$mv_cg/b"
		( while [ $SECONDS -lt $storm_end ]; do
			echo 0 > "$mv_cg/a/cgroup.procs"; ( v=1; : "$v" )
			echo 0 > "$mv_cg/b/cgroup.procs"; ( v=2; : "$v" )
		  done; echo 0 > /sys/fs/cgroup/cgroup.procs ) &
		storm_pids="$storm_pids $!"
	fi
	start_workload
	wait $storm_pids
	# No more resets: these rows must all be right when the table is read.
	for i in 1 2 3; do COWSTAT_EXEC_FROM_THREAD=3 "$prog"; done
	stop_workload
	[ -s /tmp/cowstat.readers ] && { ktap_print_msg "$(cat /tmp/cowstat.readers)"; bad=1; }
	# A task gone from /proc has passed its end (exit_files): if its row
	# still reads R after that, it will stay R.
	ended=
	while read -r pid start; do
		# /proc/PID/stat field 22 is the start in clock ticks (USER_HZ 100)
		line=$(cat /proc/"$pid"/stat 2>/dev/null)
		set -- ${line##*) }
		ticks=${20:--1}
		d=$((start / 10000000 - ticks))
		if [ -z "$line" ] || [ $d -gt 1 ] || [ $d -lt -1 ]; then
			ended="$ended $pid:$start"
		fi
	done < <(live_rows)
	stale=$(live_rows | awk -v ended="$ended" 'BEGIN { n = split(ended, e, " "); for (i = 1; i <= n; i++) gone[e[i]] = 1 }
		(($1 ":" $2) in gone) { print $1 }')
	[ -z "$stale" ] || { ktap_print_msg "rows of ended tasks still R: $stale"; bad=1; }
	rm -f /tmp/cowstat.readers
	[ -n "${mv_cg:-}" ] && rmdir "$mv_cg/a" "$mv_cg/b" "$mv_cg"
	rmmod cowstat
	ktap_test_status $bad $t
fi

# 11. Rows evicted from a 16-row table leave their counts in their cgroup's
#     totals, even after the cgroup is removed; when 16 cgroup entries are
#     not enough, the least recently folded one goes, counted in "evicted".
t=cgroup_totals_survive_eviction
cg=/sys/fs/cgroup/cowstat-module.$$
totals() { awk -F'\t' -v id="$1" 'NR > 2 && $1 == id' /proc/cowstat_cgroups; }
rows_in() { awk -F'\t' -v id="$1" 'NR == 2 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	NR > 2 && $c["cgroup"] == id' /proc/cowstat | wc -l; }
churn() { local i; for i in $(seq "$1"); do /bin/true; done; }
if [ ! -e /sys/fs/cgroup/cgroup.procs ]; then
	ktap_test_skip $t "no cgroup2 at /sys/fs/cgroup"
else
	bad=0
	insmod "$ko" max_tasks=16 max_cgroups=16
	mkdir -p "$cg/a"
	id=$(stat -c %i "$cg/a")
	sh -c "echo 0 > $cg/a/cgroup.procs; /bin/true; /bin/true"
	before=$(totals "$id")
	rmdir "$cg/a"
	churn 40
	after=$(totals "$id")
	[ -n "$before" ] && [ "$(rows_in "$id")" = 0 ] ||
		{ ktap_print_msg "cgroup $id: totals '$before', $(rows_in "$id") rows after churn"; bad=1; }
	[ "$before" = "$after" ] || { ktap_print_msg "totals went from '$before' to '$after'"; bad=1; }
	for i in $(seq 20); do
		mkdir "$cg/c$i"
		sh -c "echo 0 > $cg/c$i/cgroup.procs; /bin/true"
		rmdir "$cg/c$i"
	done
	churn 40
	read -r line < /proc/cowstat_cgroups
	case " $line " in
	*" cgroups=16 "*) ;;
	*) ktap_print_msg "not full: $line"; bad=1 ;;
	esac
	evicted=${line##*evicted=}
	[ "${evicted%% *}" -ge 5 ] || { ktap_print_msg "evicted ${evicted%% *}, 21 cgroups in 16 entries"; bad=1; }
	[ -z "$(totals "$id")" ] || { ktap_print_msg "the stalest cgroup, $id, was kept"; bad=1; }
	rmdir "$cg"
	rmmod cowstat
	ktap_test_status $bad $t
fi

# 12. The trace event turned on and off in two tracefs instances under a
#     forking workload, and the module unloaded with it on: the array of
#     faults in flight comes and goes under the probes, and goes with the
#     module.
t=event_toggled_under_load
ev=events/cowstat/cow_fault/enable
if [ ! -d $tracing/instances ]; then
	ktap_test_skip $t "no tracefs instances"
else
	bad=0
	insmod "$ko"
	a=$tracing/instances/cowstat_toggle_a b=$tracing/instances/cowstat_toggle_b
	mkdir -p "$a" "$b"
	start_workload
	for i in $(seq 20); do
		echo 1 > "$a/$ev" || { ktap_print_msg "enabling failed in round $i"; bad=1; break; }
		echo $((i % 2)) > "$b/$ev"
		sleep 0.1
		echo 0 > "$a/$ev"
	done
	echo 1 > "$a/$ev"
	sleep 0.5
	events=$(grep -c ' cow_fault: ' "$a/trace")
	[ "$events" -gt 0 ] || { ktap_print_msg "no event while it was on"; bad=1; }
	rmmod cowstat || { ktap_print_msg "rmmod with the event on failed"; bad=1; }
	stop_workload
	[ -e "$a/events/cowstat" ] && { ktap_print_msg "the event outlived the module"; bad=1; }
	rmdir "$a" "$b"
	ktap_print_msg "20 rounds; $events events in the last"
	warnings=$(kernel_log_problems)
	[ -n "$warnings" ] && { ktap_print_msg "kernel log: $warnings"; bad=1; }
	ktap_test_status $bad $t
fi

# 13. Nothing the tests did left a warning, and the module is gone.
t=kernel_log_clean
warnings=$(kernel_log_problems)
[ -z "$warnings" ] && [ ! -e /proc/cowstat ]
rc=$?
[ $rc = 0 ] || ktap_print_msg "kernel log: $warnings"
ktap_test_status $rc $t
ktap_print_totals
