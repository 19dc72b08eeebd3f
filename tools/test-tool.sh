#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cowstat tool against the real module, in a VM or on a host: every
# workload with --check, run's attribution of exited grandchildren (and run
# -p's, attached), the JSON and Prometheus outputs (a hostile comm too), top
# in batch mode and on a terminal (q, Ctrl-C), reset, per-cgroup views (a
# subtree, run's cgroup, a reader in cgroup and pid namespaces), show
# --since a saved table and --columns age, and the message when the module
# is missing.  tools/test-cli.sh covers the rest on the host.
# Output is KTAP.  Needs root and $COWSTAT_KO.
here=$(dirname "$(readlink -f "$0")")
cowstat=$here/cowstat
. "$here/../selftests/ktap.sh"

ktap_print_header
ktap_set_plan 20
if [ "$(id -u)" != 0 ] || [ -z "$COWSTAT_KO" ]; then
	ktap_skip_plan 20 tool "needs root and COWSTAT_KO"
fi
lsmod | grep -q '^cowstat ' || insmod "$COWSTAT_KO" || exit 1

# An ext4 directory for the shared workload (tmpfs never write-protects).
mnt=$(mktemp -d)
if ext4_on_ramdisk "$mnt" 2>/dev/null; then
	dir=$mnt
else
	dir=.
fi

out=$(cd /tmp && "$cowstat" workload --check --sizes 1,4 --iterations 2 --dir "$dir" all 2>&1)
rc=$?
echo "$out" | grep -E 'MISMATCH|skipped' | sed 's/^/# /'
ktap_test_result workload_check_all [ $rc = 0 ]
echo "$out" | grep -q 'skipped: no transparent' && ktap_test_skip workload_thp_ran "no THP" ||
	ktap_test_result workload_thp_ran grep -q 'THP reused at PMD level' <<< "$out"

# A grandchild copies 64 zero pages and exits before the command does.
json=$("$cowstat" run --json -- sh -c "sh -c '$cowstat workload zero --pages 64 > /dev/null'; true" 2>&1 > /dev/null)
ktap_test_result run_attributes_exited_grandchild python3 -c '
import json, sys
rows = json.loads(sys.argv[1])["rows"]
zero = sum(r["zero"] for r in rows)
sys.exit(0 if len(rows) >= 3 and zero >= 64 and all(r["state"] == "X" for r in rows) else 1)' "$json"
# run -p: attached to a shell that, a second later, runs a grandchild
# copying 64 zero pages; the report counts them.
sh -c "sleep 1; sh -c '$cowstat workload zero --pages 64 > /dev/null'" &
json=$("$cowstat" run --json -p $! 2>&1 > /dev/null)
ktap_test_result run_attach_counts_descendants python3 -c '
import json, sys
rows = json.loads(sys.argv[1])["rows"]
sys.exit(0 if sum(r["zero"] for r in rows) >= 64 else 1)' "$json"
ktap_test_result run_exit_status bash -c "'$cowstat' run -o /dev/null -- sh -c 'exit 7'; [ \$? = 7 ]"

ktap_test_result show_json_parses bash -c "'$cowstat' show --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"version\"] == 2 and d[\"rows\"]'"
ktap_test_result show_tsv_sorted bash -c "'$cowstat' show --sort copies | awk -F'\t' 'NR == 1 { ok = \$1 == \"pid\"; for (i = 1; i <= NF; i++) if (\$i == \"copies\") c = i; next }
	\$1 != \"total\" { if (NR > 2 && \$c > prev) ok = 0; prev = \$c } END { exit !ok }'"

prom=$("$cowstat" export --prometheus)
if command -v promtool > /dev/null; then
	ktap_test_result prometheus_valid bash -c 'out=$(promtool check metrics <<< "$1" 2>&1) && [ -z "$out" ]' _ "$prom"
else
	ktap_test_result prometheus_valid python3 -c '
import re, sys
name = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
label = r"[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\n]|\\[\\\"n])*\""
sample = re.compile(rf"^{name}(\{{{label}(,{label})*\}})? [0-9]+$")
typed, seen = {}, set()
for line in sys.argv[1].splitlines():
    if line.startswith("# TYPE "):
        _, _, m, t = line.split(" ", 3); typed[m] = t; continue
    if line.startswith("# HELP "): continue
    assert sample.match(line), line
    m = re.match(name, line).group(0)
    assert m in typed, "no TYPE for " + m
    assert typed[m] != "counter" or m.endswith("_total"), m' "$prom"
fi

# A task whose comm is not UTF-8 and holds a tab and a quote (prctl sets any
# bytes), and its child: the export stays valid, the comm's bytes replaced.
python3 -c 'import ctypes, os
ctypes.CDLL(None).prctl(15, b"\xff\xfe\tq\"x", 0, 0, 0)
pid = os.fork()
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)'
prom=$("$cowstat" export --prometheus --by-comm)
want='cowstat_comm_faults{comm="\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdq\\"x"}'
if command -v promtool > /dev/null; then
	ktap_test_result prometheus_hostile_comm bash -c 'out=$(promtool check metrics <<< "$1" 2>&1) && [ -z "$out" ] &&
		grep -qF "$(printf "$2")" <<< "$1"' _ "$prom" "$want"
else
	ktap_test_skip prometheus_hostile_comm "no promtool"
fi

ktap_test_result top_batch bash -c "'$cowstat' top -b -n 2 -d 0.2 | grep -q 'cowstat top'"

# top on a terminal (a pty from script(1)): the key $1 ends it with status
# 0, and the terminal's modes are as they were before.  bash runs it: on a
# Ctrl-C it goes on when its child exited normally (dash would stop too).
top_on_tty()
{
	local out i typescript=/tmp/top.typescript
	rm -f /tmp/stty.before /tmp/stty.after $typescript
	# The key goes in once top has drawn its first screen: a fixed delay
	# lost that race on a loaded host.
	{
		for i in $(seq 150); do
			grep -qs 'cowstat top' $typescript && break
			sleep 0.2
		done
		printf '%b' "$1"
		sleep 2
	} | SHELL=/bin/bash timeout 60 script -qfec "stty -a > /tmp/stty.before; '$cowstat' top -d 0.2; echo top-status=\$?; stty -a > /tmp/stty.after" $typescript > /dev/null 2>&1
	out=$(cat $typescript)
	if ! grep -q 'top-status=0' <<< "$out" || ! grep -q 'cowstat top' <<< "$out" ||
	   ! cmp -s /tmp/stty.before /tmp/stty.after; then
		tail -c 300 <<< "$out" | tr -d '\033'
		diff /tmp/stty.before /tmp/stty.after 2>&1
		return 1
	fi
}
if command -v script > /dev/null; then
	ktap_test_result top_quits_on_q_and_restores_the_terminal top_on_tty q
	ktap_test_result top_quits_on_ctrl_c_and_restores_the_terminal top_on_tty '\003'
else
	ktap_test_skip top_quits_on_q_and_restores_the_terminal "no script(1)"
	ktap_test_skip top_quits_on_ctrl_c_and_restores_the_terminal "no script(1)"
fi

# Per cgroup: 64 zero pages copied in each of two leaves of a cgroup of our
# own.  show --by-cgroup gives each leaf its path, --cgroup sums the
# subtree, run names the command's cgroup, and a reader in a cgroup and pid
# namespace rooted at one leaf sees it as "/" and not the other.
cg=/sys/fs/cgroup/cowstat-tool.$$
in_cgroup() { local d=$1; shift; sh -c 'echo 0 > "$0/cgroup.procs" && exec "$@"' "$d" "$@"; }
zero_of() { awk -F'\t' -v path="$1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$c["cgroup"] == path { print $c["zero"] }'; }
export -f zero_of
if [ -e /sys/fs/cgroup/cgroup.procs ] && mkdir -p "$cg/x" "$cg/y"; then
	in_cgroup "$cg/x" "$cowstat" workload zero --pages 64 > /dev/null
	in_cgroup "$cg/y" "$cowstat" workload zero --pages 64 > /dev/null
	tsv=$("$cowstat" show --by-cgroup --cgroup "/${cg##*/}" --tsv --no-total)
	ktap_test_result show_by_cgroup_paths bash -c '[ "$(zero_of "$2/x" <<< "$1")" -ge 64 ] &&
		[ "$(zero_of "$2/y" <<< "$1")" -ge 64 ] && [ "$(wc -l <<< "$1")" = 3 ]' _ "$tsv" "/${cg##*/}"
	total=$("$cowstat" show --by-cgroup --cgroup "/${cg##*/}" --tsv --total | tail -n 1)
	ktap_test_result show_cgroup_sums_subtree bash -c 'want=$(awk -F"\t" "NR == 1 { for (i = 1; i <= NF; i++) if (\$i == \"zero\") z = i; next }
		{ s += \$z } END { print s }" <<< "$1"); got=$(awk -F"\t" "NR == 1 { for (i = 1; i <= NF; i++) if (\$i == \"zero\") z = i; next } END { print \$z }" <<< "$1
$2"); [ "$want" -ge 128 ] && [ "$want" = "$got" ]' _ "$tsv" "$total"
	json=$(in_cgroup "$cg/x" "$cowstat" run --json -- true 2>&1 > /dev/null)
	ktap_test_result run_names_cgroup python3 -c '
import json, sys
sys.exit(0 if json.loads(sys.argv[1])["cgroup"] == sys.argv[2] else 1)' "$json" "/${cg##*/}/x"
	ns=$(in_cgroup "$cg/x" unshare --cgroup --pid --fork --mount --mount-proc sh -c \
		"umount /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && '$cowstat' show --by-cgroup --tsv --no-total" 2>&1)
	ktap_test_result namespaced_reader_sees_own_root bash -c '[ "$(zero_of / <<< "$1")" -ge 64 ] &&
		[ "$(wc -l <<< "$1")" = 2 ]' _ "$ns"
	[ "$(wc -l <<< "$ns")" = 2 ] || sed 's/^/# /' <<< "$ns"
	rmdir "$cg/x" "$cg/y" "$cg"
else
	for t in show_by_cgroup_paths show_cgroup_sums_subtree run_names_cgroup namespaced_reader_sees_own_root; do
		ktap_test_skip $t "no cgroup2 at /sys/fs/cgroup"
	done
fi

# --since a saved table, text or JSON: a task new since counts from 0, so
# the rows of the workload's children (it measures in a child) hold its 64
# zero-page copies; an exited task's row, saved again, did nothing since.
# --columns age of a task that started just now is under a minute, as
# ps's etime and in ns.
since_counts_new_task()
{
	local before json pid
	before=$(mktemp) json=$(mktemp)
	cat /proc/cowstat > "$before"
	"$cowstat" show -j > "$json"
	pid=$(sh -c 'echo $$; exec "$1" workload zero --pages 64 > /dev/null' _ "$cowstat")
	for f in "$before" "$json"; do
		"$cowstat" show -T --since "$f" --columns ppid,zero |
			awk -F'\t' -v pid="$pid" '$1 == pid { zero += $2 } END { exit zero < 64 }' ||
			return 1
	done
	cat /proc/cowstat > "$before"	# the workload has exited: its row stays as it is
	[ -n "$("$cowstat" show -T --no-header -p "$pid")" ] &&
		[ -z "$("$cowstat" show -T --no-header --since "$before" -p "$pid")" ] || return 1
	rm -f "$before" "$json"
}
ktap_test_result show_since_counts_new_task since_counts_new_task
age_of_new_task()
{
	local pid ns
	pid=$(sh -c 'echo $$; exec "$1" workload zero --pages 8 > /dev/null' _ "$cowstat")
	ns=$("$cowstat" show -T --no-header --columns age -p "$pid")
	[ -n "$ns" ] && [ "$ns" -gt 0 ] && [ "$ns" -lt 60000000000 ] &&
		"$cowstat" show -H --no-header --columns age -p "$pid" | grep -qx ' *00:[0-5][0-9]'
}
ktap_test_result show_age_of_new_task age_of_new_task

# reset forgets the row of a task that exited before it.
has_row() { awk -F'\t' -v pid="$1" '$1 == pid { found = 1 } END { exit !found }' /proc/cowstat; }
reset_forgets_rows()
{
	local pid
	pid=$(sh -c 'echo $$')
	has_row "$pid" && "$cowstat" reset && ! has_row "$pid"
}
ktap_test_result reset_forgets_rows reset_forgets_rows

rmmod cowstat
msg=$("$cowstat" show 2>&1)
rc=$?
ktap_test_result module_missing_message bash -c "[ $rc = 3 ] && grep -q 'load the module first' <<< '$msg'"
insmod "$COWSTAT_KO"

umount "$mnt" 2>/dev/null
rmdir "$mnt"
ktap_print_totals
