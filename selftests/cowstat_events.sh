#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The trace event cowstat:cow_fault through perf and bpftrace: the
# one-liners of Documentation/cowstat.rst ("Events"), each checked against
# the rows of the tasks it saw from their fork to their end.  Output is
# KTAP; run under cowstat.sh, which loads the module.  cowstat_test checks
# the event itself, field by field, from a tracefs instance.
here=$(dirname "$(readlink -f "$0")")
if [ -z "${COWSTAT_EVENTS_LOADED:-}" ]; then
	COWSTAT_EVENTS_LOADED=1 COWSTAT_TEST_PROG=$(basename "$0") exec "$here/cowstat.sh" "$@"
fi
. "$here/ktap.sh"

plan=2
ktap_print_header
ktap_set_plan $plan
[ -e /sys/kernel/tracing/events/cowstat/cow_fault ] ||
	ktap_skip_plan $plan test "this module has no trace event cowstat:cow_fault"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Four subshells, forked after the tracer attached, each copying a few
# pages; the shell leaves its pid for the rows of its children.
cat > "$tmp/workload.sh" <<WORKLOAD
echo \$\$ > $tmp/pid
for i in 1 2 3 4; do (v=\$i; : "\$v") & done
wait
WORKLOAD

# "pid events copies reuses" of each ended child of the workload, from its
# row: its events number faults + thp + hugetlb.
children_rows()
{
	awk -F'\t' -v ppid="$(cat "$tmp/pid")" '
		NR == 2 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		NR > 2 && $c["ppid"] == ppid && $c["state"] == "X" {
			print $c["pid"], $c["faults"] + $c["thp"] + $c["hugetlb"], $c["copies"], $c["reuses"]
		}' /proc/cowstat | sort
}

# Does every child's row equal its events ("pid events copies reuses" in
# $1), and did the children copy at all?
check_children()	# events-file test-name
{
	local rows bad=0

	rows=$(children_rows)
	if [ "$(echo "$rows" | grep -c .)" -lt 4 ]; then
		ktap_print_msg "$2: fewer than 4 ended children of pid $(cat "$tmp/pid") in /proc/cowstat"
		bad=1
	fi
	while read -r pid events copies reuses; do
		seen=$(awk -v p="$pid" '$1 == p { print $2, $3, $4 }' "$1")
		if [ "${seen:-0 0 0}" != "$events $copies $reuses" ]; then
			ktap_print_msg "$2: pid $pid: row $events $copies $reuses, events ${seen:-none}"
			bad=1
		fi
	done <<< "$rows"
	echo "$rows" | awk '{ c += $3 } END { exit c == 0 }' ||
		{ ktap_print_msg "$2: the children copied nothing"; bad=1; }
	ktap_print_msg "$2: $(echo "$rows" | awk '{ e += $2; c += $3 } END { print NR " children, " e " events, " c " copies" }')"
	ktap_test_status $bad "$2"
}

# 1. perf record, then perf script: the children's whole lives are
#    recorded (perf follows the command's forks).
t=perf_record_matches_rows
if ! command -v perf > /dev/null; then
	ktap_test_skip $t "no perf"
elif ! perf record -q -e cowstat:cow_fault -o "$tmp/perf.data" -- bash "$tmp/workload.sh" 2> "$tmp/perf.err"; then
	ktap_print_msg "perf record: $(head -n 3 "$tmp/perf.err")"
	ktap_test_fail $t
else
	perf script -i "$tmp/perf.data" -F trace 2> /dev/null | awk '
		{ for (i = 1; i <= NF; i++) { n = index($i, "="); f[substr($i, 1, n - 1)] = substr($i, n + 1) }
		  p = f["pid"]; events[p]++
		  if (f["kind"] !~ /thp|hugetlb/) { copies[p] += f["outcome"] == "copy"; reuses[p] += f["outcome"] == "reuse" } }
		END { for (p in events) print p, events[p], copies[p] + 0, reuses[p] + 0 }' > "$tmp/events"
	check_children "$tmp/events" $t
fi

# 2. bpftrace, attached before it starts the command: counts by pid.
t=bpftrace_matches_rows
if ! command -v bpftrace > /dev/null; then
	ktap_test_skip $t "no bpftrace"
else
	bpftrace -e 'tracepoint:cowstat:cow_fault {
		@events[args->pid] = count();
		if ((args->kind & 0xc) == 0) { @copies[args->pid] = sum(args->outcome == 1); @reuses[args->pid] = sum(args->outcome == 2); }
	}' -c "$(command -v bash) $tmp/workload.sh" > "$tmp/bpftrace.out" 2>&1
	awk '/^@(events|copies|reuses)\[/ { gsub(/[:\[]/, " "); gsub(/\]/, " "); v[$2, $1] = $3; p[$2] = 1 }
		END { for (i in p) print i, v[i, "@events"] + 0, v[i, "@copies"] + 0, v[i, "@reuses"] + 0 }' \
		"$tmp/bpftrace.out" > "$tmp/events"
	[ -s "$tmp/events" ] || ktap_print_msg "bpftrace: $(head -n 3 "$tmp/bpftrace.out")"
	check_children "$tmp/events" $t
fi

ktap_finished
