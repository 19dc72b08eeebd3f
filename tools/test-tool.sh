#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cowstat tool against the real module, in a VM or on a host: every
# workload with --check, run's attribution of exited grandchildren (and run
# -p's, attached), the JSON and Prometheus outputs (a hostile comm too), show
# -i's reports adding up to what workloads copied, top in batch mode (its
# header counting its rows) and on a terminal (q, Ctrl-C), reset, per-cgroup views (a
# subtree, run's cgroup, a reader in cgroup and pid namespaces), show
# --since a saved table and --columns age, run's exact totals from a cgroup
# of its own in a table too small for it (and its fallbacks, exit codes,
# JSON fields and a process that outlives the command), and the message
# when the module is missing, run --by-mapping and --latency exactly
# (workload mappings), and trace's events against the rows.
# tools/test-cli.sh covers the rest on the host.
# Output is KTAP.  Needs root and $COWSTAT_KO.
here=$(dirname "$(readlink -f "$0")")
cowstat=$here/cowstat
. "$here/../selftests/ktap.sh"

ktap_print_header
ktap_set_plan 36
if [ "$(id -u)" != 0 ] || [ -z "$COWSTAT_KO" ]; then
	ktap_skip_plan 36 tool "needs root and COWSTAT_KO"
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

# The module's load and last reset, CLOCK_MONOTONIC ns, passed on in JSON.
json=$("$cowstat" show --json)
ktap_test_result show_json_load_and_reset_times python3 -c '
import json, sys, time
d = json.loads(sys.argv[1])
now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
sys.exit(0 if 0 < d["loaded"] <= d["reset"] <= now else 1)' "$json"

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
ktap_test_result run_exit_status bash -c "'$cowstat' run --output /dev/null -- sh -c 'exit 7'; [ \$? = 7 ]"

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
sample = re.compile(rf"^{name}(\{{{label}(,{label})*\}})? [0-9]+(\.[0-9]+)?$")
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

# show -i over three runs of the zero workload, half a second apart, under a
# name of their own: each measured child copies 64 zero pages.  The runs
# start after the first report (so after the first read) and end before
# the last.  The reports' increases add up, exactly, to the rows' whole
# counts read afterwards, and the children's zero copies to 3 x 64; each
# report is stamped later than the one before, on the deadline grid
# (the host's CLI tests hold it to a fifth of a period).
interval_adds_up()
{
	local name=cowwl$$ out=/tmp/interval.$$ rc pid i n
	ln -sf "$cowstat" /tmp/$name
	"$cowstat" show -j -i 0.5 -c $name > $out &
	pid=$!
	for ((i = 0; i < 600; i++)); do [ -s $out ] && break; sleep 0.1; done
	for i in 1 2 3; do
		/tmp/$name workload zero --pages 64 > /dev/null || return 1
		sleep 0.5
	done
	n=$(wc -l < $out)
	for ((i = 0; i < 600; i++)); do [ "$(wc -l < $out)" -ge $((n + 2)) ] && break; sleep 0.1; done
	kill -INT $pid
	wait $pid
	rc=$?
	"$cowstat" show -j -c $name | python3 -c '
import json, re, sys
lines = [json.loads(line) for line in open(sys.argv[1])]
whole = json.load(sys.stdin)["rows"]
pids = {r["pid"] for r in whole}
summed = {}
for d in lines:
    for r in d["rows"]:
        summed[r["pid"]] = summed.get(r["pid"], 0) + r["zero"]
children = sum(summed.get(r["pid"], 0) for r in whole if r["ppid"] in pids)
stamps = [d["monotonic_ns"] for d in lines]
start, period = stamps[0] - lines[0]["elapsed_ns"], lines[0]["interval"] * 1e9
# Never early, and late by less than half a period: a TCG guest on a
# loaded host wakes late by tens of ms, while a drifting loop (sleep after
# each read) would fall further behind with every report.
grid = all((t - start) % period < period / 2 for t in stamps)
ok = (summed == {r["pid"]: r["zero"] for r in whole if r["zero"]} and children == 3 * 64 and
      len(whole) == 6 and sorted(stamps) == stamps and len(set(stamps)) == len(stamps) and
      sorted(d["time"] for d in lines) == [d["time"] for d in lines] and grid and
      all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", d["time"]) for d in lines))
print("# %d reports, zero copies per task %s, children %d, whole %s, grid %s" % (
      len(lines), summed, children, {r["pid"]: r["zero"] for r in whole}, grid))
sys.exit(0 if ok else 1)' $out && [ $rc = 0 ]
	rc=$?
	rm -f $out /tmp/$name
	return $rc
}
ktap_test_result show_interval_adds_up interval_adds_up

# top -b -n 1 while workloads copy: its header counts the rows it prints,
# per task and per process.
top_counts_its_rows()
{
	local out n rows by
	for by in "" -P; do
		(for i in $(seq 10); do "$cowstat" workload zero --pages 64 > /dev/null; done) &
		out=$("$cowstat" top -b -n 1 -d 1 $by)
		wait
		n=$(sed -n '2s/^[A-Za-z]*: \([0-9]*\) faulting, [0-9]* total$/\1/p' <<< "$out")
		rows=$(awk 'NR > 4 && NF' <<< "$out" | wc -l)
		echo "# top -b $by: $(sed -n 2p <<< "$out"), $rows rows"
		[ -n "$n" ] && [ "$n" -ge 1 ] && [ "$n" = "$rows" ] || return 1
	done
}
ktap_test_result top_header_counts_its_rows top_counts_its_rows

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
# subtree, run names the command's cgroup (one of its own, below the
# caller's, removed after), and a reader in a cgroup and pid namespace
# rooted at one leaf sees it as "/" and not the other.
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
import json, os, re, sys
d = json.loads(sys.argv[1])
print(d["cgroup"], d["run"]["counted_by"])
sys.exit(0 if re.fullmatch(re.escape(sys.argv[2]) + r"/cowstat-run\.[0-9]+", d["cgroup"]) and
	 d["run"]["counted_by"] == "cgroup" and d["run"]["cgroup_removed"] and
	 not os.path.exists("/sys/fs/cgroup" + d["cgroup"]) else 1)' "$json" "/${cg##*/}/x"
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

# run counts from a cgroup of its own, exactly, whatever the table does.
# With max_tasks=16, the workload's 24 measured children (8 zero pages
# copied each, and no other zero-page copy) end one after another, and
# many of their rows are evicted before the run ends.  The run's cgroup
# keeps their totals: 24 * 8 zero-page copies and the command's own, whose
# row ends last and is still there; 25 task rows, of which those not shown
# are the evicted ones, each with its 8.
rmmod cowstat && insmod "$COWSTAT_KO" max_tasks=16 || exit 1
children=24 pages=8
if [ -e /sys/fs/cgroup/cgroup.procs ]; then
	json=$(cd /tmp && "$cowstat" run -j -t -- "$cowstat" workload zero --pages $pages \
		--repeat $children 2>&1 > /dev/null)
	ktap_test_result run_cgroup_totals_exact python3 -c '
import json, sys
d, children, pages = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
run, rows, totals = d["run"], d["rows"], d["totals"]
own = [r["zero"] for r in rows if r["pid"] == run["pid"]]
want = children * pages + own[0] if own else None
print("zero", totals["zero"], "want", want, "task rows", totals["threads"], "shown", len(rows))
sys.exit(0 if run["counted_by"] == "cgroup" and run["global"]["dropped"] == 0 and
	 totals["zero"] == want and totals["threads"] == children + 1 else 1)' "$json" $children $pages
	ktap_test_result run_cgroup_counts_evicted_rows python3 -c '
import json, os, sys
d, children, pages = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
run, rows, totals = d["run"], d["rows"], d["totals"]
shown = sum(r["zero"] for r in rows)
print("evicted", run["evicted"], "shown", len(rows), "zero shown", shown, "of", totals["zero"])
sys.exit(0 if run["evicted"] > 0 and run["evicted"] == children + 1 - len(rows) and
	 shown + run["evicted"] * pages == totals["zero"] and run["cgroup_removed"] and
	 not os.path.exists("/sys/fs/cgroup" + d["cgroup"]) else 1)' "$json" $children $pages

	# No cgroup where COWSTAT_CGROUP_ROOT points (not a cgroup2 mount): the
	# rows, and what the table evicted meanwhile, which takes the run's
	# children that are not shown.
	json=$(cd /tmp && COWSTAT_CGROUP_ROOT=/tmp "$cowstat" run -j -t -- "$cowstat" workload zero \
		--pages $pages --repeat $children 2>&1 > /dev/null)
	out=$(cd /tmp && COWSTAT_CGROUP_ROOT=/tmp "$cowstat" run -T -- "$cowstat" workload zero \
		--pages $pages --repeat $children 2>&1 > /dev/null)
	ktap_test_result run_fallback_not_cgroup2 python3 -c '
import json, re, sys
d, children, out = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
run, lost = d["run"], children + 1 - len(d["rows"])
print("fallback", run["fallback"], "lost", lost, "evicted meanwhile", run["global"]["evicted"])
sys.exit(0 if run["counted_by"] == "rows" and run["evicted"] is None and
	 run["fallback"] == "COWSTAT_CGROUP_ROOT=/tmp is not a cgroup2 mount" and
	 0 < lost <= run["global"]["evicted"] and run["cgroup_removed"] is None and
	 re.search(r"^cowstat: warning: no cgroup of the run\x27s own \(COWSTAT_CGROUP_ROOT=/tmp is not a cgroup2 mount\): counted from the table\x27s rows; rows of ended tasks evicted during the run, system-wide: [1-9][0-9]*; the run\x27s among them are missing \(raise max_tasks\)$", out, re.M)
	 else 1)' "$json" $children "$out"
	# A read-only cgroupfs (in a mount namespace of its own): mkdir fails.
	out=$(cd /tmp && unshare --mount sh -c 'mount -o remount,bind,ro /sys/fs/cgroup && exec "$@"' _ \
		"$cowstat" run -T -- true 2>&1 > /dev/null)
	ktap_test_result run_fallback_read_only_cgroupfs grep -qE \
		"^cowstat: (note|warning): no cgroup of the run's own \(mkdir /sys/fs/cgroup/(.*/)?cowstat-run\.[0-9]+: Read-only file system\): counted from the table's rows" <<< "$out"
	# Not permitted to read the totals (no CAP_SYS_ADMIN or CAP_PERFMON);
	# then permitted to read them and to make the cgroup (its parent is
	# the user's) but not to move into it (the parent's cgroup.procs is
	# root's): the command stays where it is, and the cgroup goes.
	move_refused()
	{
		local d=/sys/fs/cgroup/cowstat-tool-d.$$ out
		mkdir "$d" && chown 65534 "$d" || return 1
		out=$(cd /tmp && in_cgroup "$d" setpriv --reuid=65534 --regid=65534 --clear-groups \
			--inh-caps=+perfmon --ambient-caps=+perfmon "$cowstat" run -T -- true 2>&1 > /dev/null)
		echo "$out"
		grep -qE "^cowstat: (note|warning): no cgroup of the run's own \(moving the command into $d/cowstat-run\.[0-9]+: Permission denied\): counted from the table's rows" <<< "$out" &&
			rmdir "$d"	# not if run's cgroup were left in it
	}
	if command -v setpriv > /dev/null; then
		out=$(cd /tmp && setpriv --reuid=65534 --regid=65534 --clear-groups "$cowstat" run -T -- true 2>&1 > /dev/null)
		ktap_test_result run_fallback_without_capability grep -qF \
			"no cgroup of the run's own (/proc/cowstat_cgroups: Operation not permitted (it needs CAP_SYS_ADMIN or CAP_PERFMON)): counted from the table's rows" <<< "$out"
		ktap_test_result run_fallback_move_refused move_refused
	else
		ktap_test_skip run_fallback_without_capability "no setpriv"
		ktap_test_skip run_fallback_move_refused "no setpriv"
	fi

	# 127 not found, 126 not executable, 128 + 15 for SIGTERM, 125 for run's
	# own failure (a bad option); no cgroup of run's is left behind.
	codes=$(cd /tmp
		for cmd in no-such-command-$$ /etc/passwd; do
			"$cowstat" run -T -- $cmd > /dev/null 2>&1; printf '%s ' $?
		done
		"$cowstat" run -T -- sh -c 'kill -TERM $$' > /dev/null 2>&1; printf '%s ' $?
		"$cowstat" run --no-such-option -- true > /dev/null 2>&1; echo $?)
	ktap_test_result run_exit_codes bash -c 'echo "$1"; [ "$1" = "127 126 143 125" ] &&
		! ls -d /sys/fs/cgroup/cowstat-run.* 2> /dev/null' _ "$codes"
	json=$(cd /tmp && "$cowstat" run -j -- sh -c 'kill -TERM $$' 'arg 1' 2>&1 > /dev/null)
	json3=$(cd /tmp && "$cowstat" run -j -- sh -c 'exit 3' 2>&1 > /dev/null)
	ktap_test_result run_json_fields python3 -c '
import json, sys
killed, exited = json.loads(sys.argv[1])["run"], json.loads(sys.argv[2])["run"]
print(killed, exited, sep="\n")
sys.exit(0 if killed["command"] == ["sh", "-c", "kill -TERM $$", "arg 1"] and
	 killed["exit_status"] is None and killed["signal"] == 15 and
	 exited["exit_status"] == 3 and exited["signal"] is None and
	 all(isinstance(r["elapsed_seconds"], float) and 0 < r["elapsed_seconds"] < 60 and
	     r["counted_by"] == "cgroup" and isinstance(r["evicted"], int) and
	     r["left_running"] == 0 and r["cgroup_removed"] is True and
	     sorted(r["global"]) == ["cgroups_evicted", "dropped", "evicted"] for r in (killed, exited))
	 else 1)' "$json" "$json3"

	# A process that outlives the command: counted so far, and the cgroup
	# is left to it, which the note says; it can go once the process has.
	outlived()
	{
		local out pid dir ok i
		out=$(cd /tmp && "$cowstat" run -T -- sh -c 'sleep 600 > /dev/null 2>&1 & echo $! > /tmp/outlived' 2>&1 > /dev/null)
		pid=$(cat /tmp/outlived)
		rm -f /tmp/outlived
		dir=$(sed -n "s/^cowstat: note: processes of the run that outlived the command: 1 ($pid); counted until now; cgroup \(.*\) is left to them: rmdir it once they exit$/\1/p" <<< "$out")
		echo "$out"
		[ -n "$dir" ] && [ -d "$dir" ] && grep -qx "$pid" "$dir/cgroup.procs"
		ok=$?
		kill "$pid"
		for i in $(seq 300); do
			[ -n "$dir" ] && [ -d "$dir" ] && ! grep -qx 'populated 0' "$dir/cgroup.events" || break
			sleep 0.1
		done
		[ $ok = 0 ] && rmdir "$dir"
	}
	ktap_test_result run_outlived_command_leaves_cgroup outlived
	# run --by-mapping -P --latency over workload mappings: in each mapping
	# the writer child takes 1 to 5 x 8 faults more than the baseline child
	# (heap, stack, file, two anonymous mappings), all copies and none in
	# the baseline for the file and the anonymous ones; the run's events
	# number its rows' faults + thp + hugetlb, and its latency histograms
	# count their copies and reuses, with no event lost.
	out=$("$cowstat" run -j -P --by-mapping --latency --output /tmp/by-mapping.json -- \
		"$cowstat" workload --check mappings --pages 8 --dir "$mnt")
	rc=$?
	echo "$out" | grep MISMATCH | sed 's/^/# /'
	ktap_test_result run_by_mapping_exact python3 -c '
import json, re, sys
out, d, P = sys.argv[1], json.load(open(sys.argv[2])), 8
names = re.search(r"\[stack\], (\S+),\n *\[anon\] ([0-9a-f]+) and \[anon\] ([0-9a-f]+)", out)
pid = {k: int(re.search(k + r" child: pid (\d+)", out).group(1)) for k in ("baseline", "writer")}
named = "[anon:cowstat-mappings]"
if not any(m["mapping"] == named for m in d["mappings"]):
    named = "[anon] " + names.group(3)
want = {"[heap]": 1, "[stack]": 2, names.group(1): 3, "[anon] " + names.group(2): 4, named: 5}
# A file that no task of the run maps any more by the time its event is
# read has the name the event carries, not its path.
short = {names.group(1).rsplit("/", 1)[1]: names.group(1)}
def of(who, label):
    m = [(m["copies"], m["reuses"]) for m in d["mappings"]
         if m["pid"] == pid[who] and short.get(m["mapping"], m["mapping"]) == label]
    return m[0] if m else (0, 0)
bad = []
for label, k in want.items():
    w, b = of("writer", label), of("baseline", label)
    if sum(w) - sum(b) != k * P or (k >= 3 and (w, b) != ((k * P, 0), (0, 0))):
        bad.append("%s: writer %s, baseline %s" % (label, w, b))
rows = d["rows"]
# A kernel without THP (6.12-rt) has no thp column.
figures = [(d["events"], sum(r["faults"] + r.get("thp", 0) + r.get("hugetlb", 0) for r in rows)),
           (d["latency"]["copy"]["count"], sum(r["copies"] for r in rows)),
           (d["latency"]["reuse"]["count"], sum(r["reuses"] for r in rows)), (d["lost_events"], 0)]
bad += ["events, copies, reuses, lost: %s" % figures] if any(a != b for a, b in figures) else []
# Each total lies within what its buckets bound.
for kind, h in d["latency"].items():
    if kind in ("copy", "reuse") and not (sum(b["from_ns"] * b["count"] for b in h["buckets"])
                                          <= h["total_ns"] <= sum(b["to_ns"] * b["count"] for b in h["buckets"])):
        bad.append("%s latency total %d outside its buckets" % (kind, h["total_ns"]))
print("".join("# %s\n" % b for b in bad), end="")
sys.exit(1 if bad else 0)' "$out" /tmp/by-mapping.json
	[ $rc = 0 ] || ktap_print_msg "run --by-mapping exited with $rc"

	# trace -j -g over a cgroup of the test's: per task, as many events as
	# its row's faults + thp + hugetlb, its copies and reuses those of
	# these outcomes (huge pages aside), every event in that cgroup, the
	# heap and the stack named as --by-mapping names them, none lost.
	# start_trace OUT ERR ARG...: cowstat trace ARG... in the background,
	# its pid in $trace_pid, once its event is on.
	start_trace()
	{
		local out=$1 err=$2 enable i
		shift 2
		"$cowstat" trace "$@" > "$out" 2> "$err" &
		trace_pid=$!
		enable=/sys/kernel/tracing/instances/cowstat-trace-$trace_pid/events/cowstat/cow_fault/enable
		for i in $(seq 100); do
			[ "$(cat "$enable" 2> /dev/null)" = 1 ] && break
			sleep 0.1
		done
	}
	trace_exact()
	{
		local d=/sys/fs/cgroup/cowstat-trace.$$ pid rc
		mkdir "$d" || return 1
		start_trace /tmp/trace.jsonl /tmp/trace.err -j -g "/${d##*/}"
		pid=$trace_pid
		in_cgroup "$d" "$cowstat" workload --check mappings --pages 8 --dir "$mnt" > /dev/null
		rc=$?
		kill -INT "$pid"
		wait "$pid" || rc=1
		"$cowstat" show -t -j -g "/${d##*/}" > /tmp/trace-rows.json
		rmdir "$d"
		sed 's/^/trace: /' /tmp/trace.err
		[ $rc = 0 ] && [ ! -s /tmp/trace.err ] &&
			! [ -d "/sys/kernel/tracing/instances/cowstat-trace-$pid" ] && python3 -c '
import collections, json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
rows = json.load(open(sys.argv[2]))["rows"]
got = collections.defaultdict(lambda: [0, 0, 0])
for e in events:
    huge = "thp" in e["kind"] or "hugetlb" in e["kind"]
    g = got[e["pid"]]
    g[0] += 1
    g[1] += e["outcome"] == "copy" and not huge
    g[2] += e["outcome"] == "reuse" and not huge
want = {r["pid"]: [r["faults"] + r.get("thp", 0) + r.get("hugetlb", 0), r["copies"], r["reuses"]]
        for r in rows}
labels = {e["mapping"] for e in events}
bad = [] if dict(got) == want else ["events %s, rows %s" % (dict(got), want)]
bad += ["cgroup %s" % e["cgroup"] for e in events if e["cgroup"] != sys.argv[3]][:1]
bad += ["no %s" % m for m in ("[heap]", "[stack]") if m not in labels]
print("%d events of %d tasks" % (len(events), len(want)))
print("".join("%s\n" % b for b in bad), end="")
sys.exit(1 if bad or not events else 0)' /tmp/trace.jsonl /tmp/trace-rows.json "/${d##*/}"
	}
	ktap_test_result trace_events_exact trace_exact

	# trace -c follows a process's name through exec: the shell's child
	# takes faults under the shell's name before it becomes cowstat
	# workload; its faults after, named cowstat, must be selected.
	trace_names()
	{
		local pid child rc=0
		start_trace /tmp/trace-c.jsonl /tmp/trace-c.err -j -c cowstat
		pid=$trace_pid
		sh -c 'exec "$0" workload zero --pages 64' "$cowstat" > /dev/null &
		child=$!
		wait $child || rc=1
		kill -INT "$pid"
		wait "$pid" || rc=1
		[ $rc = 0 ] && python3 -c '
import json, sys
mine = [e for e in map(json.loads, open(sys.argv[1])) if e["pid"] == int(sys.argv[2])]
print("%d events of pid %s, named %s" % (len(mine), sys.argv[2], sorted({e["comm"] for e in mine})))
sys.exit(0 if mine and all(e["comm"] == "cowstat" for e in mine) else 1)' /tmp/trace-c.jsonl "$child"
	}
	ktap_test_result trace_names_follow_exec trace_names
else
	for t in run_cgroup_totals_exact run_cgroup_counts_evicted_rows run_fallback_not_cgroup2 \
		 run_by_mapping_exact trace_events_exact trace_names_follow_exec \
		 run_fallback_read_only_cgroupfs run_fallback_without_capability \
		 run_fallback_move_refused run_exit_codes \
		 run_json_fields run_outlived_command_leaves_cgroup; do
		ktap_test_skip $t "no cgroup2 at /sys/fs/cgroup"
	done
fi

rmmod cowstat
msg=$("$cowstat" show 2>&1)
rc=$?
ktap_test_result module_missing_message bash -c "[ $rc = 3 ] && grep -q 'load the module first' <<< '$msg'"
msg=$("$cowstat" trace 2>&1)
rc=$?
ktap_test_result trace_module_missing_message bash -c "[ $rc = 3 ] && grep -q 'load the module first' <<< '$msg'"
insmod "$COWSTAT_KO"

umount "$mnt" 2>/dev/null
rmdir "$mnt"
ktap_print_totals
