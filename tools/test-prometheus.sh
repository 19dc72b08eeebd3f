#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cowstat export --prometheus as Prometheus sees it, in a VM: the module
# loaded with a table of 64 rows; tasks copy pages in two cgroups of our
# own; the export (per cgroup and per task, with --state) goes to the
# textfile directory of a real prometheus-node-exporter, which a real
# Prometheus scrapes, both on loopback.  Through Prometheus's HTTP API: the
# per-cgroup series equal the export and the tool's own figures; then,
# after more copies, the tasks' rows evicted and one cgroup removed, a
# second scrape shows no counter gone down, the removed cgroup under the
# same labels with its path, and the evicted tasks' series ended.
# Output is KTAP.  Needs root, $COWSTAT_KO, prometheus and
# prometheus-node-exporter (scripts/install-deps.sh).
here=$(dirname "$(readlink -f "$0")")
cowstat=$here/cowstat
api="python3 $here/test-prometheus.py"
. "$here/../selftests/ktap.sh"

ktap_print_header
ktap_set_plan 10
if [ "$(id -u)" != 0 ] || [ -z "$COWSTAT_KO" ]; then
	ktap_skip_plan 10 prometheus "needs root and COWSTAT_KO"
fi
for tool in prometheus prometheus-node-exporter; do
	command -v $tool > /dev/null ||
		ktap_skip_plan 10 prometheus "no $tool (scripts/install-deps.sh installs it)"
done
[ -e /sys/fs/cgroup/cgroup.procs ] || ktap_skip_plan 10 prometheus "no cgroup2 at /sys/fs/cgroup"

tmp=$(mktemp -d)
textfile=$tmp/textfile
cg=/sys/fs/cgroup/cowstat-prom.$$
mkdir "$textfile" "$tmp/q1" "$tmp/q2"
pids=()
cleanup()
{
	kill "${pids[@]}" 2> /dev/null
	wait "${pids[@]}" 2> /dev/null
	rmdir "$cg/a" "$cg/b" "$cg" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ip link set lo up 2> /dev/null || busybox ip link set lo up

# The module anew, its table small enough for the tasks below to evict rows.
rmmod cowstat 2> /dev/null
before_load=$(date +%s)
insmod "$COWSTAT_KO" max_tasks=64 || exit 1
after_load=$(date +%s)

# A scrape every 5 s: under TCG one takes up to 3 s, and a failed one
# would mark every series stale.
prometheus-node-exporter --web.listen-address=127.0.0.1:9100 --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory="$textfile" > "$tmp/node-exporter.log" 2>&1 &
pids+=($!)
cat > "$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 5s
  scrape_timeout: 5s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:9100']
EOF
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
	--web.listen-address=127.0.0.1:9090 > "$tmp/prometheus.log" 2>&1 &
pids+=($!)

in_cgroup() { local d=$1; shift; sh -c 'echo 0 > "$0/cgroup.procs" && exec "$@"' "$d" "$@"; }
mkdir -p "$cg/a" "$cg/b"
A=$(stat -c %i "$cg/a")
B=$(stat -c %i "$cg/b")
in_cgroup "$cg/a" "$cowstat" workload zero --pages 64 > /dev/null
in_cgroup "$cg/b" "$cowstat" workload zero --pages 64 > /dev/null
# The tasks of both, as pid="P",start="S": their rows are evicted below.
"$cowstat" show -T --no-header --columns pid,start -g "${cg#/sys/fs/cgroup}" |
	awk '{ printf "pid=\"%s\",start=\"%s\"\n", $1, $2 }' > "$tmp/tasks"

export_now() { "$cowstat" export --prometheus -G -t --state "$tmp/state" --output "$textfile/cowstat.prom"; }
scraped()
{
	$api wait-scraped "$textfile/cowstat.prom" 120 ||
		{ tail -n 3 "$tmp/node-exporter.log" "$tmp/prometheus.log"; return 1; }
}
export_now
ktap_test_result first_scrape_equals_export scraped
t1=$(date +%s.%N)
counters_of_a_and_b="{__name__=~\"cowstat_cgroup_.+_total\",cgroup_id=~\"$A|$B\"}"
$api dump "$tmp/q1" now "$counters_of_a_and_b" now "cowstat_cgroup_info{cgroup_id=~\"$A|$B\"}"

# Each column of the tool's own per-cgroup figures for a and b, as
# Prometheus has them (dumped in $1); at least the 64 zero pages each
# workload copied.
metric_of() {
	case $1 in
	zero|ksm)	echo "${1}_copies" ;;
	thp|remote)	echo "${1}_faults" ;;
	hugetlb)	echo hugetlb_copies ;;
	bytes)		echo copied_bytes ;;
	large)		echo large_reuses ;;
	thp_zero)	echo thp_zero_fills ;;
	*)		echo "$1" ;;
	esac
}
equals_tool()
{
	local tsv want i
	tsv=$("$cowstat" show -G -T --no-total | awk -F'\t' -v a="$A" -v b="$B" 'NR == 1 || $1 == a || $1 == b')
	read -ra cols <<< "$(head -1 <<< "$tsv")"
	want=$(tail -n +2 <<< "$tsv" | while read -ra f; do
		for ((i = 1; i < ${#cols[@]} - 1; i++)); do
			echo "cowstat_cgroup_$(metric_of "${cols[i]}")_total{cgroup_id=\"${f[0]}\"} ${f[i]}"
		done
	done | sort)
	echo "$(grep -c . <<< "$want") figures of $(($(grep -c . <<< "$tsv") - 1)) cgroups"
	[ "$want" = "$(sort "$1")" ] || { diff <(echo "$want") <(sort "$1"); return 1; }
	[ "$(grep -c . <<< "$tsv")" = 3 ] &&
		awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "zero") z = i; next }
			    $z < 64 { print "zero " $z " < 64"; exit 1 }' <<< "$tsv"
}
ktap_test_result prometheus_equals_tool equals_tool "$tmp/q1/1"
ktap_test_result cgroup_info_gives_paths diff - "$tmp/q1/2" <<< "cowstat_cgroup_info{cgroup=\"${cg#/sys/fs/cgroup}/a\",cgroup_id=\"$A\"} 1
cowstat_cgroup_info{cgroup=\"${cg#/sys/fs/cgroup}/b\",cgroup_id=\"$B\"} 1"

# More copies in a; then 100 subshells, which take rows of the 64 and
# evict every ended one (their counts go to their cgroups' totals); then
# b is removed.
in_cgroup "$cg/a" "$cowstat" workload zero --pages 32 > /dev/null
evicted_before=$(sed -n 's/.* evicted=\([0-9]*\).*/\1/p;q' /proc/cowstat)
for i in $(seq 100); do (x=$i); done
rmdir "$cg/b"
evicted()
{
	local now still
	now=$(sed -n 's/.* evicted=\([0-9]*\).*/\1/p;q' /proc/cowstat)
	still=$(awk -F'\t' 'NR == FNR { split($0, p, "\""); want[p[2] " " p[4]]; next }
			    FNR > 2 && ($1 " " $5) in want' "$tmp/tasks" /proc/cowstat)
	echo "evicted $evicted_before -> $now; $(grep -c . "$tmp/tasks") tasks, rows left: $still"
	[ "$now" -gt "$evicted_before" ] && [ -s "$tmp/tasks" ] && [ -z "$still" ]
}
ktap_test_result first_tasks_rows_evicted evicted
export_now
ktap_test_result second_scrape_equals_export scraped
all_counters='{__name__=~"cowstat_.+_total"}'
$api dump "$tmp/q2" now "$all_counters[10m]" "$t1" "$all_counters" now "$all_counters" \
	now "cowstat_cgroup_info{cgroup_id=\"$B\"}" \
	now "count(count_over_time(cowstat_cgroup_info{cgroup_id=\"$B\"}[10m]))" \
	"$t1" cowstat_task_faults_total now cowstat_task_faults_total \
	now "$counters_of_a_and_b" now cowstat_reset_time_seconds

# Every sample Prometheus has of each counter, none less than the one
# before; the two scrapes compared, a's faults risen between.
not_down()
{
	awk '{ for (i = 3; i <= NF; i++) if ($i + 0 < $(i - 1) + 0) { print "down: " $0; bad = 1 } }
	     END { print NR " counters"; exit bad || NR < 20 }' "$tmp/q2/1" &&
	awk 'NR == FNR { v[$1] = $2; next } ($1 in v) { n++; if ($2 + 0 < v[$1] + 0) { print "down: " $1 " " v[$1] " -> " $2; bad = 1 } }
	     END { print n + 0 " at both scrapes"; exit bad || n < 20 }' "$tmp/q2/2" "$tmp/q2/3" &&
	awk -v s="cowstat_cgroup_faults_total{cgroup_id=\"$A\"}" '$1 == s { print s " " $2 " -> " $NF; found = $NF > $2 }
	     END { exit !found }' "$tmp/q2/1"
}
ktap_test_result no_counter_went_down not_down
removed_cgroup()
{
	diff - "$tmp/q2/4" <<< "cowstat_cgroup_info{cgroup=\"${cg#/sys/fs/cgroup}/b\",cgroup_id=\"$B\"} 1" &&
		diff - "$tmp/q2/5" <<< "{} 1" && grep -q "cowstat_cgroup_faults_total{cgroup_id=\"$B\"}" "$tmp/q2/8"
}
ktap_test_result removed_cgroup_same_labels_and_path removed_cgroup
ended()
{
	local labels
	while read -r labels; do
		grep -qF "$labels" "$tmp/q2/6" && ! grep -qF "$labels" "$tmp/q2/7" ||
			{ echo "task $labels: not there at the first scrape, or still there"; return 1; }
	done < "$tmp/tasks"
}
ktap_test_result evicted_tasks_series_ended ended
ktap_test_result prometheus_equals_tool_after_eviction equals_tool "$tmp/q2/8"

# The reset time, from the module's loaded=, when its version line has it.
reset_time()
{
	local got
	got=$(awk '{ print int($2) }' "$tmp/q2/9")
	echo "reset time $got, loaded from $before_load to $after_load"
	[ -n "$got" ] && [ "$got" -ge $((before_load - 1)) ] && [ "$got" -le $((after_load + 1)) ]
}
if head -1 /proc/cowstat | grep -q ' loaded='; then
	ktap_test_result reset_time_is_the_load reset_time
else
	ktap_test_skip reset_time_is_the_load "the module's version line has no loaded="
fi
ktap_print_msg "$SECONDS s"
ktap_print_totals
