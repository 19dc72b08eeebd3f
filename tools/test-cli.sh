#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cowstat command on the build host, against hand-made tables read with
# -f FILE: no module needed.  Every case checks exact output or exit codes.
# Usage: test-cli.sh [COWSTAT]  (default: ./cowstat).  Output is KTAP.
cowstat=$(readlink -f "${1:-./cowstat}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$(readlink -f "$0")")/../selftests/ktap.sh"

V='cowstat 1 tasks=3 capacity=16 dropped=0 evicted=0 page_size=4096 probes=do_wp_page,sched_process_exit'
HF=$'pid\ttgid\tppid\tuid\tstart\tstate\tfaults\tcomm'
HA=$'pid\ttgid\tppid\tuid\tstart\tstate\tfaults\tcopies\treuses\tshared\tunshare\tother\tzero\tksm\tthp\thugetlb\tremote\tbytes\tcomm'

# table FILE LINE...: a table file, lines ended by newlines
table() { local f=$1; shift; printf '%s\n' "$@" > "$tmp/$f"; }
# expect NAME WANT CMD...: CMD's stdout must be WANT exactly
expect()
{
	local name=$1 want=$2 got; shift 2
	got=$("$@" 2> "$tmp/err")
	if [ "$got" = "$want" ]; then
		ktap_test_pass "$name"
	else
		ktap_test_fail "$name"
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | sed 's/^/# /'
		sed 's/^/# stderr: /' "$tmp/err"
	fi
}
# expect_rc NAME RC MESSAGE CMD...: CMD exits RC and says MESSAGE on stderr
expect_rc()
{
	local name=$1 want=$2 msg=$3 rc; shift 3
	"$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
	rc=$?
	if [ $rc = "$want" ] && grep -qF -- "$msg" "$tmp/err"; then
		ktap_test_pass "$name"
	else
		ktap_test_fail "$name"
		echo "# exit $rc, want $want and '$msg'"
		sed 's/^/# stderr: /' "$tmp/err" | head -5
	fi
}

ktap_print_header

# mode=faults: no bytes column, so the default sort falls back to faults.
table faults.tab "$V" "$HF" $'10\t10\t1\t0\t100\tX\t3\tsh' $'11\t11\t10\t0\t200\tR\t7\tcat'
expect mode_faults_show_sorts_by_faults "$(printf '%s\n' \
	$'pid\ttgid\tppid\tuid\tstate\tfaults\tcomm' \
	$'11\t11\t10\t0\tR\t7\tcat' $'10\t10\t1\t0\tX\t3\tsh')" \
	"$cowstat" show -f "$tmp/faults.tab"

# Data is data: piped, TSV and the table have no total row unless asked;
# a total says whether it sums every row, or only those shown.
expect show_tsv_total_when_asked $'11\t11\t10\t0\tR\t7\tcat\n10\t10\t1\t0\tX\t3\tsh\ntotal\t-\t-\t-\t-\t10\t-' \
	"$cowstat" show -T --total --no-header -f "$tmp/faults.tab"
expect show_total_of_top_says_shown $'11\t11\t10\t0\tR\t7\tcat\ntotal(shown)\t-\t-\t-\t-\t7\t-' \
	"$cowstat" show -T --total --no-header --top 1 -f "$tmp/faults.tab"
expect show_total_of_filter_says_shown "$(printf '%12s %7s %7s %5s %5s %6s %s\n' pid tgid ppid uid state faults comm \
	10 10 1 0 X 3 sh 'total(shown)' - - - - 3 -)" "$cowstat" show -H --total -p 10 -f "$tmp/faults.tab"
expect show_table_piped_no_total "$(printf '%7s %7s %7s %5s %5s %6s %s\n' pid tgid ppid uid state faults comm \
	11 11 10 0 R 7 cat 10 10 1 0 X 3 sh)" "$cowstat" show -H -f "$tmp/faults.tab"
expect show_json_totals_when_asked $'no\n{"of": "all", "rows": 2, "threads": 2, "faults": 10}\n{"of": "shown", "rows": 1, "threads": 1, "faults": 7}' \
	bash -c "'$cowstat' show -j -f '$tmp/faults.tab' | python3 -c 'import json, sys; print(\"totals\" in json.load(sys.stdin) and \"yes\" or \"no\")'
	for top in '' '--top 1'; do '$cowstat' show -j --total \$top -f '$tmp/faults.tab' |
		python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)[\"totals\"]))'; done"

# promtool CASE FILE: the text format check, where promtool is installed
promtool_ok()
{
	if ! command -v promtool > /dev/null; then
		ktap_test_skip "$1" "no promtool"
	elif out=$(promtool check metrics < "$2" 2>&1) && [ -z "$out" ]; then
		ktap_test_pass "$1"
	else
		ktap_test_fail "$1"
		echo "$out" | sed 's/^/# /'
	fi
}
# series FILE: the samples' names and labels that occur more than once
dup_series() { grep -v '^#' "$1" | sed 's/ [^ ]*$//' | sort | uniq -d; }

# Comms that are not UTF-8, with a tab and control bytes, and valid UTF-8.
table hostile.tab "$V" $'pid\ttgid\tppid\tuid\tstart\tstate\tfaults\tcopies\tbytes\tcomm' \
	$'10\t10\t1\t0\t100\tX\t3\t1\t4096\t\\377\\376x' \
	$'11\t11\t1\t0\t200\tX\t5\t2\t8192\tt\\011a\\042b\\001' \
	$'12\t12\t1\t0\t300\tR\t1\t1\t4096\tcaf\\303\\251'
"$cowstat" export --prometheus -f "$tmp/hostile.tab" > "$tmp/hostile.prom"
promtool_ok prometheus_hostile_comms_valid "$tmp/hostile.prom"
expect prometheus_hostile_comms_replaced $'cowstat_comm_faults{comm="caf\u00e9"} 1
cowstat_comm_faults{comm="t\ufffda\\"b\ufffd"} 5
cowstat_comm_faults{comm="\ufffd\ufffdx"} 3' grep '^cowstat_comm_faults' "$tmp/hostile.prom"

# A recycled pid: two tasks 10 named sh, and a third sh.  By default gauges
# per comm, a comm named "[other]" as any other; with --per-task, pid and
# start tell the tasks apart (format 1 has no cgroup).  More series than
# --max-series is refused, and nothing written.
table recycled.tab "$V" $'pid\ttgid\tppid\tuid\tstart\tstate\tfaults\tcopies\tbytes\tcomm' \
	$'10\t10\t1\t0\t100\tX\t3\t1\t4096\tsh' $'10\t10\t1\t0\t200\tX\t5\t2\t8192\tsh' \
	$'13\t13\t1\t0\t300\tR\t2\t1\t4096\tsh' $'14\t14\t1\t0\t400\tR\t9\t1\t4096\tcc' \
	$'15\t15\t1\t0\t500\tR\t1\t0\t0\tls' $'16\t16\t1\t0\t600\tR\t1\t0\t0\t[other]'
"$cowstat" export --prometheus -f "$tmp/recycled.tab" > "$tmp/comm.prom"
"$cowstat" export --prometheus -t -f "$tmp/recycled.tab" > "$tmp/task.prom"
promtool_ok prometheus_recycled_pids_valid "$tmp/task.prom"
expect prometheus_no_duplicate_series "" bash -c "$(declare -f dup_series); for f in $tmp/*.prom; do dup_series \$f; done"
expect prometheus_by_comm_default $'cowstat_comm_copies{comm="[other]"} 0
cowstat_comm_copies{comm="cc"} 1
cowstat_comm_copies{comm="ls"} 0
cowstat_comm_copies{comm="sh"} 4' grep '^cowstat_comm_copies' "$tmp/comm.prom"
expect prometheus_by_comm_is_a_gauge $'# TYPE cowstat_comm_copies gauge' grep '^# TYPE cowstat_comm_copies' "$tmp/comm.prom"
expect prometheus_per_task_has_start $'cowstat_task_copies_total{pid="10",start="100"} 1
cowstat_task_copies_total{pid="10",start="200"} 2' \
	grep '^cowstat_task_copies_total{pid="10"' "$tmp/task.prom"
expect prometheus_task_info $'cowstat_task_info{pid="10",start="100",tgid="10",comm="sh"} 1' \
	grep '^cowstat_task_info{pid="10",start="100"' "$tmp/task.prom"
expect_rc prometheus_max_series_refuses 3 \
	"cowstat: export: 4 series per family, one per comm, more than --max-series 3: nothing written" \
	"$cowstat" export --prometheus -m 3 -f "$tmp/recycled.tab"
expect prometheus_max_series_refused_writes_nothing "" cat "$tmp/out"
expect prometheus_max_series_takes_n 12 bash -c "'$cowstat' export --prometheus -m 4 -f '$tmp/recycled.tab' | grep -c '^cowstat_comm_'"

# run: the report goes to stderr (JSON too), or to -o FILE, which is
# opened before the command runs; a killed command is reported as killed.
# The cgroup it names is the command's, which is ours.
here_cgroup=$(sed -n 's/^0:://p' /proc/self/cgroup)
in_cgroup=${here_cgroup:+, in cgroup $here_cgroup}
expect run_json_leaves_stdout_to_the_command hi "$cowstat" run -j -f "$tmp/faults.tab" -- echo hi
cp "$tmp/err" "$tmp/run.json"
expect run_json_report_on_stderr '{"rows": []}' python3 -c \
	'import json, sys; d = json.load(open(sys.argv[1])); print(json.dumps({"rows": d["rows"]}))' "$tmp/run.json"
expect run_json_names_the_cgroup "$here_cgroup" python3 -c \
	'import json, sys; print(json.load(open(sys.argv[1])).get("cgroup", ""))' "$tmp/run.json"
expect_rc run_bad_output_fails_before_the_command 125 "$tmp/no/such/dir/report: No such file" \
	"$cowstat" run --output "$tmp/no/such/dir/report" -f "$tmp/faults.tab" -- touch "$tmp/ran"
expect run_bad_output_did_not_run_the_command "" ls "$tmp/ran"
expect_rc run_killed_command 137 "cowstat: sh was killed by signal 9 (Killed)$in_cgroup; copy-on-write" \
	"$cowstat" run -f "$tmp/faults.tab" -- sh -c 'kill -9 $$'
"$cowstat" run -T --output "$tmp/report" -f "$tmp/faults.tab" -- sh -c 'exit 3'
expect run_output_file "cowstat: sh exited with status 3$in_cgroup; copy-on-write by it and its descendants:"$'
tgid\tthreads\tuid\tstate\tfaults\tcomm
total\t0\t-\t-\t0\t-' cat "$tmp/report"
# -o picks run's columns, as show's; a name that is no column fails before
# the command runs.
"$cowstat" run -T -o comm,faults --output "$tmp/report" -f "$tmp/faults.tab" -- true
expect run_columns "comm	faults" sed -n 2p "$tmp/report"
expect_rc run_bad_column_fails_before_the_command 125 "--columns nope: no such column in this view" \
	"$cowstat" run -o nope -f "$tmp/faults.tab" -- touch "$tmp/ran"
expect run_bad_column_did_not_run_the_command "" ls "$tmp/ran"

# run's own exit statuses are env's: 125 when cowstat fails (a bad option,
# a missing table), 126 when the command cannot be run, 127 when there is
# no such command; neither of the last two has a report.
expect_rc run_bad_option_125 125 "unrecognized option '--no-such'" "$cowstat" run --no-such -- true
expect_rc run_no_table_125 125 "$tmp/none.tab: No such file" "$cowstat" run -f "$tmp/none.tab" -- true
# The trace event's views need a command cowstat runs, and -P one of them.
expect_rc run_by_mapping_not_with_f_125 125 "--by-mapping and --latency trace a command that cowstat runs" \
	"$cowstat" run --by-mapping -f "$tmp/faults.tab" -- touch "$tmp/ran"
expect_rc run_P_needs_a_view_125 125 "-P is for --by-mapping and --latency" \
	"$cowstat" run -P -f "$tmp/faults.tab" -- touch "$tmp/ran"
expect run_event_views_refused_did_not_run "" ls "$tmp/ran"
# trace: its usage errors before anything else, then the missing module.
expect_rc trace_unexpected_argument_2 2 "trace: unexpected argument 'now'" "$cowstat" trace now
expect_rc trace_one_format_2 2 "trace: -j and -T are two formats: give one" "$cowstat" trace -j -T
expect_rc trace_bad_pid_2 2 "--pid" "$cowstat" trace -p x
expect_rc trace_no_module_3 3 "load the module first" "$cowstat" trace
expect_rc run_not_found_127 127 "cowstat: no-such-command-$$: No such file or directory" \
	"$cowstat" run -f "$tmp/faults.tab" -- "no-such-command-$$"
cp "$tmp/err" "$tmp/not-found.err"
expect run_not_found_no_report "cowstat: no-such-command-$$: No such file or directory" \
	cat "$tmp/not-found.err"
expect_rc run_not_executable_126 126 "cowstat: $tmp/faults.tab: Permission denied" \
	"$cowstat" run -f "$tmp/faults.tab" -- "$tmp/faults.tab"
expect_rc run_command_status_passes 125 "" "$cowstat" run -f "$tmp/faults.tab" -- sh -c 'exit 125'
expect_rc run_killed_by_term 143 "cowstat: sh was killed by signal 15 (Terminated)" \
	"$cowstat" run -f "$tmp/faults.tab" -- sh -c 'kill -TERM $$'
# JSON's "run": the command as its words, how it ended, how long it took,
# and with -f (a saved table: no cgroup of the run's own) counted by rows.
"$cowstat" run -j -f "$tmp/faults.tab" -- sh -c 'kill -KILL $$' 'a "b"' 2> "$tmp/run.json"
expect run_json_run_fields '{"cgroup_removed": null, "command": ["sh", "-c", "kill -KILL $$", "a \"b\""], "counted_by": "rows", "evicted": null, "exit_status": null, "fallback": null, "global": {"cgroups_evicted": 0, "dropped": 0, "evicted": 0}, "left_running": 0, "signal": 9}' \
	python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["run"]
assert isinstance(r.pop("elapsed_seconds"), float) and r.pop("pid") > 0
print(json.dumps(r, sort_keys=True))' "$tmp/run.json"
"$cowstat" run -j -f "$tmp/faults.tab" -- true 2> "$tmp/run.json"
expect run_json_exit_status '0 None' python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["run"]
print(r["exit_status"], r["signal"])' "$tmp/run.json"

# The parser refuses nonsense with the line and the reason (more cases in
# unit.c), and reads CRLF tables as LF ones.
row=$'1\t1\t0\t0\t1\tX\t%s\t1\t4096\tsh'
for bad in "abc:faults 'abc' is not a number" "-4096:faults '-4096' is not a number" \
	   "18446744073709551616:faults '18446744073709551616' is not a number"; do
	# shellcheck disable=SC2059
	table bad.tab "$V" $'pid\ttgid\tppid\tuid\tstart\tstate\tfaults\tcopies\tbytes\tcomm' \
		"$(printf "$row" "${bad%%:*}")"
	expect_rc "parser_rejects_${bad%%:*}" 3 "bad.tab is not a valid cowstat table: line 3: ${bad#*:}" \
		"$cowstat" show -f "$tmp/bad.tab"
done
table bad.tab "$V" "$HF" $'4294967297\t1\t0\t0\t1\tX\t3\tsh'
expect_rc parser_rejects_pid_beyond_pid_t 3 "line 3: pid '4294967297' is not a number from 0 to 2147483647" \
	"$cowstat" show -f "$tmp/bad.tab"
printf '%s\n%s\n1\t1\t0\t0\t1\tX\t3\ts\0h\n' "$V" "$HF" > "$tmp/bad.tab"
expect_rc parser_rejects_nul 3 "line 3: a NUL byte" "$cowstat" show -f "$tmp/bad.tab"
table bad.tab "$V" "pid$(printf '\tc%d' $(seq 64))" "1$(printf '\t%d' $(seq 64))"
expect_rc parser_rejects_65_columns 3 "line 2: 65 columns, more than 64" "$cowstat" show -f "$tmp/bad.tab"
table bad.tab "$V" "$HA" $'1\t1\t0\t0\t1\tX\t1\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t18446744073709551615\tsh' \
	$'2\t2\t0\t0\t1\tX\t1\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t4096\tsh'
expect_rc parser_rejects_total_overflow 3 "column bytes: its total exceeds 2^64 - 1" \
	"$cowstat" show -f "$tmp/bad.tab"
sed "s/$/\r/" "$tmp/recycled.tab" > "$tmp/crlf.tab"
expect parser_reads_crlf "$("$cowstat" show -f "$tmp/recycled.tab")" "$cowstat" show -f "$tmp/crlf.tab"

# --sort on the columns that identify a task; --comm as shown or decoded.
table ids.tab "$V" "$HF" $'20\t20\t7\t1000\t100\tX\t1\tmy\\040job' $'21\t21\t5\t0\t200\tR\t2\tsh' \
	$'22\t22\t6\t500\t300\tX\t3\tmy\\040job'
# pids_of SHOW-OPTION...: the pids show prints, in order
pids_of() { "$cowstat" show "$@" | awk -F'\t' 'NR > 1 { printf "%s%s", s, $1; s = " " }'; }
for key in "uid:21 22 20" "state:21 20 22" "ppid:21 22 20"; do
	expect "sort_by_${key%%:*}" "${key#*:}" pids_of -s "${key%%:*}" -f "$tmp/ids.tab"
done
expect comm_matches_escaped_form "20 22" pids_of -s pid -c 'my\040job' -f "$tmp/ids.tab"
expect comm_matches_decoded_form "20 22" pids_of -s pid -c 'my job' -f "$tmp/ids.tab"

# Selection as procps: -c is the process's name (its main thread's), as
# ps -C, so -P counts threads that renamed themselves; a thread of another
# process that took the name is not selected.  Lists are OR, kinds AND.
table threads.tab "$V" "$HF" $'50\t50\t1\t0\t100\tR\t1\tjava' $'51\t50\t1\t0\t110\tR\t2\tGC\\040Thread' \
	$'52\t50\t1\t0\t120\tR\t4\tC2\\040Compiler' $'60\t60\t1\t1000\t130\tR\t8\tsh' \
	$'61\t60\t1\t1000\t140\tR\t16\tjava' $'70\t70\t1\t1000\t150\tX\t32\tcat'
expect comm_selects_processes_as_ps_C $'50\t3\t0\tR\t7\tjava' \
	"$cowstat" show -P -c java --no-header -f "$tmp/threads.tab"
expect comm_selects_every_thread "52 51 50" pids_of -c java -f "$tmp/threads.tab"
expect selectors_or_within_a_list "70 61 60 52 51 50" pids_of -c java,sh,cat -f "$tmp/threads.tab"
expect selectors_and_across_kinds "61 60" pids_of -u 1000 -c java,sh -f "$tmp/threads.tab"
expect selectors_pid_and_tgid_lists "61 51" pids_of -p 51,61,70 --tgid 50,60 -f "$tmp/threads.tab"
# -p as ps -p and top -p: a process, with its threads, or a task
expect selectors_pid_is_a_process "70 52 51 50" pids_of -p 50,70 -f "$tmp/threads.tab"
# as pgrep: 1 when a selection matches no row, the header printed all the same
expect selectors_no_match_exits_1 $'pid\n1' bash -c "'$cowstat' show -T -p 99 -f '$tmp/threads.tab' | cut -f1; echo \${PIPESTATUS[0]}"
expect selectors_no_match_comm_exits_1 "1" bash -c "'$cowstat' show -j -c nosuch -f '$tmp/threads.tab' > /dev/null; echo \$?"
expect selectors_user_by_name "52 51 50" pids_of -u root -c java -f "$tmp/threads.tab"
expect_rc selectors_no_such_user 2 "--user no-such-user-x: no such user" \
	"$cowstat" show -u no-such-user-x -f "$tmp/threads.tab"

# JSON: valid UTF-8 kept, other bytes U+FFFD, keys escaped, the same keys
# with and without -P, and the table's figures and totals.
table json.tab 'cowstat 1 tasks=3 capacity=16 dropped=2 evicted=1 page_size=4096 probes=do_wp_page,ptep_clear_flush' \
	$'pid\ttgid\tppid\tuid\tstart\tstate\tfaults\tcopies\tq"\\x\tcomm' \
	$'30\t30\t1\t1000\t100\tX\t3\t1\t7\tcaf\\303\\251' $'31\t30\t1\t1000\t150\tR\t4\t2\t1\tcaf\\303\\251' \
	$'32\t32\t1\t0\t200\tR\t1\t1\t0\t\\377\\011x'
json_keys()	# FILE: the figures, and the key sets of rows and totals, as ASCII JSON
{
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
print(json.dumps({k: d[k] for k in d if k not in ("rows", "totals")}))
print(json.dumps(sorted({",".join(r.keys()) for r in d["rows"]})), json.dumps(list(d["totals"])))
print(json.dumps([r["comm"] for r in d["rows"]]), json.dumps(d["totals"]))' "$1"
}
"$cowstat" show -j --total -f "$tmp/json.tab" > "$tmp/task.json"
"$cowstat" show -j --total -P -f "$tmp/json.tab" > "$tmp/proc.json"
want_figures='{"version": 1, "page_size": 4096, "tasks": 3, "capacity": 16, "dropped": 2, "evicted": 1, "loaded": null, "reset": null, "probes": ["do_wp_page", "ptep_clear_flush"]}'
want_keys='["pid,tgid,ppid,uid,start,threads,state,comm,faults,copies,q\"\\x"] ["of", "rows", "threads", "faults", "copies", "q\"\\x"]'
expect json_per_task "$want_figures
$want_keys"'
["caf\u00e9", "caf\u00e9", "\ufffd\tx"] {"of": "all", "rows": 3, "threads": 3, "faults": 8, "copies": 4, "q\"\\x": 8}' json_keys "$tmp/task.json"
expect json_per_process_same_keys "$want_figures
$want_keys"'
["caf\u00e9", "\ufffd\tx"] {"of": "all", "rows": 2, "threads": 3, "faults": 8, "copies": 4, "q\"\\x": 8}' json_keys "$tmp/proc.json"
expect json_utf8_passes_through 2 bash -c "grep -o 'caf'$'\\xc3\\xa9' '$tmp/task.json' | wc -l"

# -P: a recycled tgid is two processes, each main thread beginning one.
expect by_process_recycled_tgid "10 10 13 14 15 16" pids_of -P -f "$tmp/recycled.tab"

# Errors and help: a missing -f FILE is not "module not loaded" (3); numbers
# with units or junk are refused; export says which format; one -V.
expect_rc missing_file_is_exit_3 3 "$tmp/none.tab: No such file or directory" \
	"$cowstat" show -f "$tmp/none.tab"
expect_rc top_iterations_junk 2 "--iterations 5x: expected a whole number from 1 to 2147483647" \
	"$cowstat" top -b -n 5x -f "$tmp/faults.tab"
expect_rc top_delay_unit 2 "--delay 1s: expected seconds from 0.1 to 3600, such as 0.5" \
	"$cowstat" top -b -d 1s -f "$tmp/faults.tab"
expect_rc top_delay_nan 2 "--delay nan: expected seconds" "$cowstat" top -b -d nan -f "$tmp/faults.tab"
expect_rc show_top_junk 2 "--top 3x: expected a whole number" "$cowstat" show --top 3x -f "$tmp/faults.tab"
expect_rc workload_pages_junk 2 "--pages 64k: expected a whole number from 1 to 1000000" \
	"$cowstat" workload --pages 64k zero
expect_rc export_without_format 2 "export: which format? --prometheus is the only one so far" \
	"$cowstat" export -f "$tmp/faults.tab"
want="$("$cowstat" --version)"
for c in show run workload top export reset; do
	expect "version_of_$c" "$want" "$cowstat" $c -V
done
expect version_names_the_format "cowstat 1.1 (/proc/cowstat format 2)" "$cowstat" -V

# One option table: a short option means one thing in every command.
short_options()	# every "-x --long" of the commands' --help, a line each
{
	local c
	for c in show run workload top export reset; do
		"$cowstat" "$c" --help | sed -nE 's/^  (-[A-Za-z]), (--[a-z-]+).*/\1 \2/p'
	done | sort -u
}
expect short_option_one_meaning "" bash -c "$(declare -f short_options); cowstat='$cowstat' short_options |
	awk '{ n[\$1]++ } n[\$1] == 2 { print \$1 }'"
expect_rc bad_option_says_cowstat 2 "cowstat: show: invalid option -- 'Z'" "$cowstat" show -Z
expect_rc bad_long_option_says_cowstat 2 "cowstat: top: unrecognized option '--nope'" "$cowstat" top --nope
expect_rc export_p_is_not_the_format 2 "export: -p selects processes, in show, top and run; the format is --prometheus" \
	"$cowstat" export -p
expect_rc show_count_needs_interval 2 "show: --count counts the reports of --interval; --top N shows the first N rows" \
	"$cowstat" show -n 2 -f "$tmp/faults.tab"

# reset: without the module, exit 3 and how to load it.
if [ -e /proc/cowstat ]; then
	ktap_test_skip reset_without_module "the module is loaded"
else
	expect_rc reset_without_module 3 "/proc/cowstat not found: load the module first" "$cowstat" reset
fi
expect_rc reset_no_arguments 2 "reset: unexpected argument 'now'" "$cowstat" reset now

# --no-header and --no-total, as TSV and as the table.
expect show_no_header_no_total $'11\t11\t10\t0\tR\t7\tcat\n10\t10\t1\t0\tX\t3\tsh' \
	"$cowstat" show --no-header --no-total -f "$tmp/faults.tab"
expect show_table_no_header "$(printf '%7s %7s %7s %5s %5s %2s %s\n' 11 11 10 0 R 7 cat 10 10 1 0 X 3 sh total - - - - 10 -)" \
	"$cowstat" show -H --total --no-header -f "$tmp/faults.tab"

# top -b shows what the screen shows: the rows that faulted since the read
# before, none between two reads of a table that did not change.
top_cols="$(printf '%7s %7s %10s %10s %10s %10s %s' pid tgid faults/s copies/s copied/s copied comm)"
expect top_batch_idle "cowstat top - HH:MM:SS, 0/s copied, 0 dropped
Tasks: 0 faulting, 2 total

$top_cols" bash -c "'$cowstat' top -b -n 1 -d 0.1 -f '$tmp/faults.tab' |
	sed '1s/ - [0-2][0-9]:[0-5][0-9]:[0-5][0-9],/ - HH:MM:SS,/'"
expect_rc top_pid_zero 2 "--pid 0: expected a whole number from 1 to 2147483647" \
	"$cowstat" top -b -p 0 -f "$tmp/faults.tab"

# show -i: what each task did in the interval, per second.  Between the two
# reads the table changes: task 11 faulted twice more, 12 is new, 10 idle.
feed_tables()	# FIFO TABLE[@DELAY]... -- CMD...: CMD's reads of FIFO get each
{		# TABLE in turn, DELAY seconds after the read before it ended;
		# "kill:PID" kills PID there instead, once the read before ended
	local fifo=$1 tables=() pid i t; shift
	while [ "$1" != -- ]; do tables+=("$1"); shift; done
	shift
	rm -f "$fifo"
	mkfifo "$fifo"
	"$@" &
	pid=$!
	for t in "${tables[@]}"; do
		if [ "${t#kill:}" != "$t" ]; then
			kill "${t#kill:}"
			continue
		fi
		[ "$t" = "${t%@*}" ] || sleep "${t##*@}"
		timeout 60 sh -c 'cat "$1" > "$2"' _ "${t%@*}" "$fifo"
		# the next only once CMD has closed the FIFO, or this read would go on
		for ((i = 0; i < 3000; i++)); do
			readlink /proc/$pid/fd/* 2> /dev/null | grep -qxF "$fifo" || break
			sleep 0.01
		done
	done
	wait $pid
}
feed()	# FROM TO FIFO CMD...: CMD's first read of FIFO gets FROM, its second TO
{
	feed_tables "$3" "$1" "$2" -- "${@:4}"
}
# stamped CMD...: CMD's output, its stamps and its rates other than 0 masked
# (HH:MM:SS, T, R): they depend on the clock; the rest is exact
stamped()
{
	"$@" | perl -pe 's/^\d\d:\d\d:\d\d(?= |$)/HH:MM:SS/;
		s/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z(?=\t)/T/;
		s/(?<=[ \t])(?!0\.00(?:[ \t]|$))\d+\.\d\d(?=[ \t]|$)/R/g'
}
table later.tab "${V/dropped=0/dropped=3}" "$HF" $'10\t10\t1\t0\t100\tX\t3\tsh' \
	$'11\t11\t10\t0\t200\tR\t9\tcat' $'12\t12\t1\t0\t300\tR\t4\tnew'
expect show_interval $'time\tpid\ttgid\tppid\tuid\tstate\tfaults/s\tcomm\nT\t12\t12\t1\t0\tR\tR\tnew\nT\t11\t11\t10\t0\tR\tR\tcat' \
	stamped feed "$tmp/faults.tab" "$tmp/later.tab" "$tmp/live.tab" "$cowstat" show -i 0.1 1 -f "$tmp/live.tab"
expect_rc show_interval_says_dropped 0 "cowstat: show: 3 faults dropped in this interval (not recorded: the table was full" \
	feed "$tmp/faults.tab" "$tmp/later.tab" "$tmp/live.tab" "$cowstat" show -i 0.1 1 -f "$tmp/live.tab"
expect show_interval_idle $'time\tpid\ttgid\tppid\tuid\tstate\tfaults/s\tcomm\nT\ttotal\t-\t-\t-\t-\t0.00\t-\nT\ttotal\t-\t-\t-\t-\t0.00\t-' \
	stamped "$cowstat" show --total -i 0.1 2 -f "$tmp/faults.tab"
expect_rc show_interval_count_junk 2 "show: COUNT 2x: expected a whole number" \
	"$cowstat" show -i 1 2x -f "$tmp/faults.tab"
# JSON: a line per interval, stamped, with the increases as counted and the
# rates over the elapsed time measured, and dropped's rise in the interval.
interval_json()	# the lines of show -i -j on stdin, checked, then their figures
{
	python3 -c '
import json, re, sys
for first, line in enumerate(sys.stdin, 1):
    d, first = json.loads(line), first == 1
    assert list(d)[:8] == ["time", "monotonic_ns", "elapsed_ns", "interval", "skipped",
                           "dropped", "version", "page_size"], list(d)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", d["time"]), d["time"]
    for r in d["rows"] + ([d["totals"]] if "totals" in d else []):
        for c, rate in r["per_second"].items():
            want = float("%.3f" % (r[c] * 1e9 / d["elapsed_ns"]))
            assert rate == want, (c, r[c], d["elapsed_ns"], rate, want)
    # wakes at or after its deadline, the first read at deadline 0
    on_time = d["elapsed_ns"] >= (d["skipped"] + 1) * round(d["interval"] * 1e9)
    print(on_time if first else d["elapsed_ns"] > 0, d["dropped"],
          json.dumps([[r.get("pid", r.get("cgroup_id"))] +
                      [r[c] for c in r["per_second"]] for r in d["rows"]]))'
}
expect show_interval_json "True 3 [[12, 4], [11, 2]]" bash -c "$(declare -f feed feed_tables interval_json)
	feed '$tmp/faults.tab' '$tmp/later.tab' '$tmp/live.tab' '$cowstat' show -j -i 0.1 1 -f '$tmp/live.tab' | interval_json"
# The table: pidstat's time of day on every line; after one interval, the
# Average block holds the same rows, as it covers the same time.
average_is_the_interval()	# CMD...: the masked header, if so
{
	local out
	out=$("$@")
	diff <(sed -n '/^$/q; s/^[0-2][0-9]:[0-5][0-9]:[0-5][0-9] //p' <<< "$out") \
		<(sed -n 's/^Average: //p' <<< "$out") | sed 's/^/# /'
	head -n 1 <<< "$out" | sed 's/^[0-2][0-9]:[0-5][0-9]:[0-5][0-9] /HH:MM:SS /'
}
expect show_interval_table_average "HH:MM:SS pid tgid ppid uid state faults/s comm" \
	average_is_the_interval feed "$tmp/faults.tab" "$tmp/later.tab" "$tmp/live.tab" \
	"$cowstat" show -H -i 0.1 1 -f "$tmp/live.tab"
# Deadlines: read k is due at the first read's time + k intervals, however
# long a read takes.  The third read here waits 1.3 s for its table, so
# the deadline after it has passed: skipped, and said, and the next report
# is back on the grid.
on_deadlines()	# the lines of show -i -j on stdin: each report's deadline, and skips
{
	python3 -c '
import json, sys
lines = [json.loads(line) for line in sys.stdin]
start = lines[0]["monotonic_ns"] - lines[0]["elapsed_ns"]
period = lines[0]["interval"] * 1e9
k, then, out = 0, start, []
for d in lines:
    late = (d["monotonic_ns"] - start) / period
    on_grid = abs(late - round(late)) < 0.2
    # rates over the time measured since the read before, skipped ones too
    measured = d["elapsed_ns"] == d["monotonic_ns"] - then
    out.append("%s/%s" % (round(late) - k - 1 == d["skipped"] and on_grid and measured,
                          d["skipped"] > 0))
    k, then = round(late), d["monotonic_ns"]
print(" ".join(out))'
}
expect show_interval_on_deadlines "True/False True/False True/True" bash -c "$(declare -f feed_tables on_deadlines)
	feed_tables '$tmp/live.tab' '$tmp/faults.tab' '$tmp/later.tab' '$tmp/faults.tab@1.3' '$tmp/later.tab' -- \
		'$cowstat' show -j -i 0.5 3 -f '$tmp/live.tab' 2> '$tmp/skip.err' | on_deadlines"
# Interrupted, as pidstat: the reports so far, then their Average, exit 0.
interrupted()	# the table of show -i until a SIGINT after its first report
{
	local out=$tmp/interrupted pid i
	"$cowstat" show -H --total -i 0.1 -f "$tmp/faults.tab" > "$out" &
	pid=$!
	for ((i = 0; i < 3000; i++)); do [ -s "$out" ] && break; sleep 0.01; done
	kill -INT $pid
	wait $pid
	echo "exit $?"
	grep -c '^[0-2][0-9]:[0-5][0-9]:[0-5][0-9] total ' "$out" | sed 's/^[1-9][0-9]*$/reports/'
	sed -n '/^Average:/p' "$out"
}
expect show_interval_interrupted_averages "exit 0
reports
Average:   pid tgid ppid uid state comm
Average: total    -    -   -     - -" interrupted
expect show_interval_says_skipped 1 grep -c "longer than the interval of 0.5 s: [0-9]* intervals* skipped, the next report covers" "$tmp/skip.err"

# --by-comm: the tasks of each name summed, sorted like any view.
expect show_by_comm $'tasks\tstate\tfaults\tcopies\tbytes\tcomm
3\tR\t10\t4\t16384\tsh
1\tR\t9\t1\t4096\tcc
1\tR\t1\t0\t0\t[other]
1\tR\t1\t0\t0\tls' "$cowstat" show -C -s copies -f "$tmp/recycled.tab"
expect show_by_comm_sorted_by_faults "sh cc [other] ls" bash -c \
	"'$cowstat' show --by-comm -s faults --no-header --no-total -f '$tmp/recycled.tab' | cut -f6 | paste -sd' '"

# bash completion: commands, options and workloads from --help, --sort
# from the table's header; make install puts it where bash-completion looks.
complete_words()	# WORD...: what completing the last word offers
{
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _cowstat
		 echo "${COMPREPLY[*]}"' _ "$here/cowstat.bash-completion" "$@"
}
here=$(dirname "$(readlink -f "$0")")
expect completion_commands "show run workload top trace export reset --help --version" complete_words "$cowstat" ""
expect completion_top_options "--delay --count --batch --pid --sort --by-process --by-cgroup --file --cgroups-file --help --version" \
	complete_words "$cowstat" top -
expect completion_optional_argument "--color" complete_words "$cowstat" show --colo
expect completion_workloads "fork-cost fork-exec" complete_words "$cowstat" workload fork
expect completion_sort_columns "faults" complete_words "$cowstat" show -f "$tmp/faults.tab" -s f
expect completion_run_command_words "" complete_words "$cowstat" run -- ls -
expect completion_export_options "--prometheus --by-cgroup --threads --by-comm --max-series --output --state --file --cgroups-file --help --version" \
	complete_words "$cowstat" export -
expect completion_export_state_file "$tmp/faults.tab" complete_words "$cowstat" export --state "$tmp/faults.t"
make -s -C "$here" install DESTDIR="$tmp/root" PREFIX=/usr > /dev/null 2>&1
expect completion_installed "$tmp/root/usr/share/bash-completion/completions/cowstat" \
	ls "$tmp/root/usr/share/bash-completion/completions/cowstat"

# A uid column, per task and per process (the main thread's).
expect show_uid_column $'pid\tuid\n22\t500\n21\t0\n20\t1000' bash -c \
	"'$cowstat' show --no-total -f '$tmp/ids.tab' | cut -f1,4"
expect show_uid_column_by_process $'tgid\tuid\n22\t500\n21\t0\n20\t1000' bash -c \
	"'$cowstat' show -P --no-total -f '$tmp/ids.tab' | cut -f1,3"

# run -p: attach to a running process until it ends: what it and its
# descendants did meanwhile (the table read when it ends is the second).
# The watched process lives until run has read the first table: it cannot
# end before run attaches, however slow the machine.
sleep 60 &
sleeper=$!
table attach1.tab "$V" "$HF" "$sleeper"$'\t'"$sleeper"$'\t1\t0\t100\tR\t3\tsleep' \
	$'40\t40\t1\t0\t50\tR\t9\tother'
table attach2.tab "$V" "$HF" "$sleeper"$'\t'"$sleeper"$'\t1\t0\t100\tR\t5\tsleep' \
	$'40\t40\t1\t0\t50\tR\t19\tother' "$((sleeper + 1))"$'\t'"$((sleeper + 1))"$'\t'"$sleeper"$'\t0\t200\tX\t4\tchild'
feed_tables "$tmp/live.tab" "$tmp/attach1.tab" "kill:$sleeper" "$tmp/attach2.tab" -- \
	"$cowstat" run -T --output "$tmp/attach.out" -p "$sleeper" -f "$tmp/live.tab"
expect run_attach_pid "cowstat: process $sleeper, watched until it ended$in_cgroup; copy-on-write by it and its descendants:
tgid	threads	uid	state	faults	comm
$sleeper	1	0	R	2	sleep
$((sleeper + 1))	1	0	X	4	child
total	2	-	-	6	-" cat "$tmp/attach.out"
# Rows evicted and faults dropped while watching, system-wide: said on
# stderr, as the run's may be among them; in JSON, in "run"'s "global".
sleep 60 &
sleeper=$!
table attach3.tab "${V/evicted=0/evicted=5}" "$HF" "$sleeper"$'\t'"$sleeper"$'\t1\t0\t100\tR\t5\tsleep'
table attach4.tab "${V/dropped=0/dropped=2}" "$HF" "$sleeper"$'\t'"$sleeper"$'\t1\t0\t100\tR\t5\tsleep'
feed_tables "$tmp/live.tab" "$tmp/attach1.tab" "kill:$sleeper" "$tmp/attach3.tab" -- \
	"$cowstat" run -T --output "$tmp/attach.out" -p "$sleeper" -f "$tmp/live.tab" 2> "$tmp/attach.err"
expect run_attach_evicted_warning "cowstat: warning: rows of ended tasks evicted from the table while watching, system-wide: 5; the run's among them are missing (raise max_tasks)" \
	cat "$tmp/attach.err"
sleep 60 &
sleeper=$!
table attach1.tab "$V" "$HF" "$sleeper"$'\t'"$sleeper"$'\t1\t0\t100\tR\t3\tsleep'
feed_tables "$tmp/live.tab" "$tmp/attach1.tab" "kill:$sleeper" "$tmp/attach4.tab" -- \
	"$cowstat" run -j -p "$sleeper" -f "$tmp/live.tab" 2> "$tmp/attach.err"
expect run_attach_dropped_json '{"cgroups_evicted": 0, "dropped": 2, "evicted": 0} None rows' python3 -c \
	'import json, sys; r = json.load(open(sys.argv[1]))["run"]; print(json.dumps(r["global"], sort_keys=True), r["command"], r["counted_by"])' \
	"$tmp/attach.err"
expect_rc run_attach_no_such_pid 125 "--pid 2147483647: No such process" \
	"$cowstat" run -p 2147483647 -f "$tmp/faults.tab"
expect_rc run_pid_and_command 125 "usage: cowstat run" "$cowstat" run -p 1 -f "$tmp/faults.tab" -- true

# top -s, -P and -p: the rows of a refresh whose rates come from a table
# that changed since the first read; task 12 is a thread of process 11
# that faulted, 13 one that did not.  The header counts the rows that
# faulted (those shown), those -p selected, and all.
H3=$'pid\ttgid\tppid\tuid\tstart\tstate\tfaults\tcopies\tbytes\tcomm'
table rate1.tab "$V" "$H3" $'10\t10\t1\t0\t1\tR\t3\t1\t4096\tsh' $'11\t11\t1\t0\t2\tR\t7\t7\t28672\tcat' \
	$'12\t11\t1\t0\t3\tR\t1\t0\t0\tcat' $'13\t11\t1\t0\t4\tR\t2\t0\t0\tcat'
table rate2.tab "$V" "$H3" $'10\t10\t1\t0\t1\tR\t13\t2\t8192\tsh' $'11\t11\t1\t0\t2\tR\t9\t9\t36864\tcat' \
	$'12\t11\t1\t0\t3\tR\t6\t0\t0\tcat' $'13\t11\t1\t0\t4\tR\t2\t0\t0\tcat'
top_order()	# TOP-OPTION...: the first column of a refresh's rows
{
	feed "$tmp/rate1.tab" "$tmp/rate2.tab" "$tmp/live.tab" \
		"$cowstat" top -b -n 1 -d 0.1 -f "$tmp/live.tab" "$@" |
		awk 'NR > 4 && NF { printf "%s%s", s, $1 "/" $2; s = " " }'
}
expect top_sort_bytes "11/11 10/10 12/11" top_order
expect top_sort_faults "10/10 12/11 11/11" top_order -s faults
expect top_by_process "10/1 11/3" top_order -P -s faults
top_view()	# TOP-OPTION...: the header's counts, and each row's first two
{		# columns and copied total
	feed "$tmp/rate1.tab" "$tmp/rate2.tab" "$tmp/live.tab" \
		"$cowstat" top -b -n 1 -d 0.1 -f "$tmp/live.tab" "$@" |
		awk 'NR == 2 { print } NR > 4 && NF { print $1 "/" $2 "/" $6 }'
}
expect top_counts_all "Tasks: 3 faulting, 4 total
11/11/36K
10/10/8.0K
12/11/0" top_view
expect top_pid "Tasks: 2 faulting, 3 selected, 4 total
11/11/36K
12/11/0" top_view -p 11
expect top_pids "Tasks: 3 faulting, 4 selected, 4 total
11/11/36K
10/10/8.0K
12/11/0" top_view -p 11,10
expect top_by_process_counts "Processes: 2 faulting, 2 total
11/3/36K
10/1/8.0K" top_view -P
expect top_by_process_pid_counts "Processes: 1 faulting, 1 selected, 2 total
10/1/8.0K" top_view -P -p 10
expect_rc top_sort_unknown 2 "--sort x: expected bytes, copies or faults" \
	"$cowstat" top -b -s x -f "$tmp/faults.tab"

# --color: the header and total bold, a live task that copied in yellow;
# never in TSV, nor with NO_COLOR on auto (and a pipe is no terminal).
expect show_color_always "$(printf '\033[1m%12s %7s %7s %5s %5s %6s %6s %5s comm\033[0m\n' pid tgid ppid uid state faults copies bytes
	printf '\033[33m%12s %7s %7s %5s %5s %6s %6s %5s cc\033[0m\n' 14 14 1 0 R 9 1 4.0K
	printf '\033[1m%12s %7s %7s %5s %5s %6s %6s %5s -\033[0m\n' 'total(shown)' - - - - 9 1 4.0K)" \
	"$cowstat" show -H --total --color=always --top 1 -s faults -f "$tmp/recycled.tab"
expect show_color_auto_piped "$("$cowstat" show -H --top 1 -f "$tmp/recycled.tab" --color=never)" \
	"$cowstat" show -H --top 1 -f "$tmp/recycled.tab"
expect show_color_not_in_tsv "$("$cowstat" show -T -f "$tmp/recycled.tab")" \
	"$cowstat" show -T --color=always -f "$tmp/recycled.tab"

# Format 2: a cgroup id per row, state M, a task's rows summed, and
# /proc/cowstat_cgroups.  The ids are the inode numbers of a tree made here,
# which COWSTAT_CGROUP_ROOT puts in the place of the cgroup2 mount.
cg=$tmp/cg
mkdir -p "$cg/system.slice/a.service" "$cg/system.slice/b.service" "$cg/user.slice/user-1000.slice" \
	"$cg/odd.slice/system-systemd\x2dfsck.slice" "$cg/odd.slice/tab"$'\t'"and\\101"
A=$(stat -c %i "$cg/system.slice/a.service")
B=$(stat -c %i "$cg/system.slice/b.service")
U=$(stat -c %i "$cg/user.slice/user-1000.slice")
gone=$(($(find "$cg" -printf '%i\n' | sort -n | tail -1) + 1))	# a removed cgroup's
export COWSTAT_CGROUP_ROOT=$cg
row() { local IFS=$'\t'; echo "$*"; }
V2='cowstat 2 tasks=5 capacity=16 dropped=0 evicted=0 page_size=4096 probes=do_wp_page'
H2=$(row pid tgid ppid uid start cgroup state faults copies bytes comm)
# Task 30 moved from a.service to b.service; 31 exited in a cgroup since removed.
table v2.tab "$V2" "$H2" "$(row 30 30 1 0 100 "$A" M 3 2 8192 sh)" \
	"$(row 31 31 1 0 200 "$gone" X 2 2 8192 cc)" "$(row 30 30 1 0 100 "$B" R 5 1 4096 sh)" \
	"$(row 32 32 1 1000 300 "$U" R 7 3 12288 bash)"
VC='cowstat 2 cgroups=4 capacity=64 dropped=0 evicted=1 page_size=4096 probes=do_wp_page'
HC=$(row cgroup tasks faults copies bytes)
table cgroups.tab "$VC" "$HC" "$(row "$A" 2 13 10 40960)" "$(row "$B" 1 5 1 4096)" \
	"$(row "$U" 4 20 3 12288)" "$(row "$gone" 1 2 2 8192)"

expect show_sums_a_moved_task "$(row pid tgid ppid uid state faults copies bytes comm)
$(row 30 30 1 0 R 8 3 12288 sh)
$(row 32 32 1 1000 R 7 3 12288 bash)
$(row 31 31 1 0 X 2 2 8192 cc)" "$cowstat" show -f "$tmp/v2.tab"
expect show_by_cgroup "$(row cgroup_id tasks faults copies bytes cgroup)
$(row "$A" 2 13 10 40960 /system.slice/a.service)
$(row "$U" 4 20 3 12288 /user.slice/user-1000.slice)
$(row "$gone" 1 2 2 8192 "$gone (deleted)")
$(row "$B" 1 5 1 4096 /system.slice/b.service)
$(row total 8 40 16 65536 -)" "$cowstat" show -G --total --cgroups-file "$tmp/cgroups.tab"
expect show_by_cgroup_subtree_total "$(printf '%12s %5s %6s %6s %5s %s\n' cgroup_id tasks faults copies bytes cgroup \
	"$A" 2 13 10 40K /system.slice/a.service "$B" 1 5 1 4.0K /system.slice/b.service 'total(shown)' 3 18 11 44K -)" \
	"$cowstat" show -H -G --total --cgroup /system.slice --cgroups-file "$tmp/cgroups.tab"
expect show_by_cgroup_sort_by_path "/system.slice/a.service /system.slice/b.service /user.slice/user-1000.slice $gone (deleted)" \
	bash -c "'$cowstat' show -G -s cgroup -g / --no-header --no-total --cgroups-file '$tmp/cgroups.tab' |
		 cut -f6 | paste -sd' '"
expect show_cgroup_sums_a_moved_task "$(row pid tgid ppid uid state faults copies bytes comm)
$(row 30 30 1 0 R 8 3 12288 sh)
$(row 'total(shown)' - - - - 8 3 12288 -)" "$cowstat" show --total --cgroup /system.slice -f "$tmp/v2.tab"
expect show_cgroup_leaf_keeps_the_M_row "$(row 30 30 1 0 M 3 2 8192 sh)" \
	"$cowstat" show -g /system.slice/a.service --no-header --no-total -f "$tmp/v2.tab"
expect show_sort_by_cgroup "30 32 31" pids_of -s cgroup -f "$tmp/v2.tab"
expect show_json_cgroup_per_task '[[30, '"$B"', "/system.slice/b.service", false, 8], [32, '"$U"', "/user.slice/user-1000.slice", false, 7], [31, '"$gone"', null, true, 2]]' \
	python3 -c 'import json, sys
d = json.load(sys.stdin)
print(json.dumps([[r["pid"], r["cgroup_id"], r["cgroup"], r["removed"], r["faults"]] for r in d["rows"]]))' \
	< <("$cowstat" show -j -s faults -f "$tmp/v2.tab")
expect show_json_by_cgroup '{"version": 2, "cgroups": 4, "capacity": 64, "evicted": 1} ["cgroup_id", "cgroup", "removed", "tasks", "faults", "copies", "bytes"] {"of": "shown", "rows": 2, "tasks": 3, "faults": 18, "copies": 11, "bytes": 45056}' \
	python3 -c 'import json, sys
d = json.load(sys.stdin)
print(json.dumps({k: d[k] for k in ("version", "cgroups", "capacity", "evicted")}), json.dumps(list(d["rows"][0])), json.dumps(d["totals"]))' \
	< <("$cowstat" show -j --total -G -g /system.slice --cgroups-file "$tmp/cgroups.tab")
table cgroups2.tab "$VC" "$HC" "$(row "$A" 2 13 10 40960)" "$(row "$B" 2 9 3 12288)" \
	"$(row "$U" 4 20 3 12288)" "$(row "$gone" 1 2 2 8192)"
expect show_by_cgroup_interval "$(row time cgroup_id tasks/s faults/s copies/s bytes/s cgroup)
$(row T "$B" R R R R /system.slice/b.service)" \
	stamped feed "$tmp/cgroups.tab" "$tmp/cgroups2.tab" "$tmp/live.tab" \
	"$cowstat" show -G -i 0.1 1 --cgroups-file "$tmp/live.tab"
expect show_by_cgroup_interval_json "True 0 [[$B, 1, 4, 2, 8192]]" bash -c "$(declare -f feed feed_tables interval_json)
	feed '$tmp/cgroups.tab' '$tmp/cgroups2.tab' '$tmp/live.tab' \
		'$cowstat' show -G -j -i 0.1 1 --cgroups-file '$tmp/live.tab' | interval_json"

# -G with only a saved task table: its rows summed per cgroup, a task that
# moved counted in each of its cgroups, as /proc/cowstat_cgroups does.
expect show_by_cgroup_from_saved_tasks "$(row cgroup_id tasks faults copies bytes cgroup)
$(row "$U" 1 7 3 12288 /user.slice/user-1000.slice)
$(row "$A" 1 3 2 8192 /system.slice/a.service)
$(row "$gone" 1 2 2 8192 "$gone (deleted)")
$(row "$B" 1 5 1 4096 /system.slice/b.service)
$(row total 4 17 8 32768 -)" "$cowstat" show -G --total -f "$tmp/v2.tab"
expect_rc by_cgroup_from_saved_tasks_needs_format_2 3 "--by-cgroup: $tmp/faults.tab has no cgroup column (format 1)" \
	"$cowstat" show -G -f "$tmp/faults.tab"

# A saved table cut short, or a file that is no table: the file, the line, why.
head -c -3 "$tmp/v2.tab" > "$tmp/cut.tab"
expect_rc saved_table_cut_short 3 "cowstat: $tmp/cut.tab is not a valid cowstat table: line 6: no newline at its end: the table was cut short" \
	"$cowstat" show -f "$tmp/cut.tab"
printf '%s\n' "$V2" "$H2" "$(row 30 30 1 0 100 "$A" M 3 2)" > "$tmp/cut.tab"
expect_rc saved_table_last_row_short 3 "cowstat: $tmp/cut.tab is not a valid cowstat table: line 3: 9 fields, the header has 11 (a table cut short?)" \
	"$cowstat" show -f "$tmp/cut.tab"
printf 'Filesystem\tSize\n/dev/sda1\t20G\n' > "$tmp/df.txt"
expect_rc file_not_a_table 3 "cowstat: $tmp/df.txt is not a valid cowstat table: line 1: 'Filesystem	Size' is not a version line" \
	"$cowstat" show -f "$tmp/df.txt"

# Paths as cgroupfs names them: systemd's \x2d as it is; a tab, and a
# backslash before octal digits, escaped; both forms paste back into -g.
S=$(stat -c %i "$cg/odd.slice/system-systemd\x2dfsck.slice")
T=$(stat -c %i "$cg/odd.slice/tab"$'\t'"and\\101")
table odd.tab "$VC" "$HC" "$(row "$S" 1 3 2 8192)" "$(row "$T" 1 1 1 4096)"
expect show_by_cgroup_path_as_cgroupfs_names_it "$(row "$S" 1 3 2 8192 '/odd.slice/system-systemd\x2dfsck.slice')
$(row "$T" 1 1 1 4096 '/odd.slice/tab\011and\134101')" \
	"$cowstat" show -G --no-header --cgroups-file "$tmp/odd.tab"
odd_ids() { "$cowstat" show -G --no-header --cgroups-file "$tmp/odd.tab" "$@" | cut -f1; }
expect cgroup_systemd_path_pastes_back "$S" odd_ids -g '/odd.slice/system-systemd\x2dfsck.slice'
expect cgroup_escaped_path_pastes_back "$T" odd_ids -g '/odd.slice/tab\011and\134101'
expect cgroup_plain_path_selects "$T" odd_ids -g "/odd.slice/tab"$'\t'"and\\101"

# Without a cgroup2 mount, ids, and a note once; the errors say which file is which.
expect show_by_cgroup_without_mount "$(printf '%s\n' "$A" "$B" "$U" "$gone" | sort -n | paste -sd' ')" bash -c \
	"COWSTAT_CGROUP_ROOT='$tmp/none' '$cowstat' show -G -s cgroup --no-header --no-total --cgroups-file '$tmp/cgroups.tab' |
	 cut -f6 | sort -n | paste -sd' '"
expect without_mount_note_once 1 bash -c "COWSTAT_CGROUP_ROOT='$tmp/none' '$cowstat' show -j -G \
	--cgroups-file '$tmp/cgroups.tab' 2>&1 >/dev/null | grep -c 'cgroups are shown as ids'"
expect_rc cgroup_no_such_path 3 "--cgroup /nope: no such cgroup" \
	"$cowstat" show -g /nope -f "$tmp/v2.tab"
expect_rc cgroup_needs_format_2 3 "--cgroup /system.slice: $tmp/faults.tab has no cgroup column (format 1)" \
	"$cowstat" show -g /system.slice -f "$tmp/faults.tab"
expect_rc by_cgroup_has_no_tasks 2 "show: --by-cgroup has no tasks to select" \
	"$cowstat" show -G -p 1 --cgroups-file "$tmp/cgroups.tab"
expect show_cgroup_list "30 32" pids_of -s pid -g /system.slice/b.service,/user.slice -f "$tmp/v2.tab"
expect_rc cgroups_file_missing 3 "$tmp/none.tab: No such file or directory" \
	"$cowstat" show -G --cgroups-file "$tmp/none.tab"
expect_rc cgroups_file_of_tasks 3 "v2.tab is not a valid cowstat table: a table of tasks, not of cgroups" \
	"$cowstat" show -G --cgroups-file "$tmp/v2.tab"
expect_rc file_of_cgroups 3 "cgroups.tab is not a valid cowstat table: a table of cgroups (give it with --cgroups-file)" \
	"$cowstat" show -f "$tmp/cgroups.tab"
if [ -e /proc/cowstat ]; then
	ktap_test_skip by_cgroup_without_module "the module is loaded"
else
	expect_rc by_cgroup_without_module 3 "/proc/cowstat not found: load the module first" "$cowstat" show -G
fi
# A newer format's columns are shown as they are, numbers too, never
# summed: a task's own, the main thread's per process, none in a total.
table v3.tab "cowstat 3 tasks=3 page_size=4096" "$(row pid tgid ppid uid start cgroup state faults node policy comm)" \
	"$(row 30 30 1 0 100 "$A" R 3 1 fifo sh)" "$(row 31 30 1 0 110 "$A" R 4 0 other sh)" \
	"$(row 40 40 1 0 120 "$B" X 5 1 batch cc)"
expect_rc format_3_note 0 "cowstat: note: $tmp/v3.tab: line 1: format 3, newer than this cowstat's 2" \
	"$cowstat" show -f "$tmp/v3.tab"
expect format_3_columns_shown "$(row pid tgid ppid uid state faults node policy comm)
$(row 40 40 1 0 X 5 1 batch cc)
$(row 31 30 1 0 R 4 0 other sh)
$(row 30 30 1 0 R 3 1 fifo sh)
$(row total - - - - 12 - - -)" "$cowstat" show --total -f "$tmp/v3.tab"
expect format_3_columns_per_process "$(row 30 2 0 R 7 1 fifo sh)
$(row 40 1 0 X 5 1 batch cc)" "$cowstat" show -P -s faults --no-header -f "$tmp/v3.tab"
expect format_3_columns_in_json '[["1", "batch"], [null, null]]' python3 -c 'import json, sys
d = json.load(sys.stdin)
print(json.dumps([[r["node"], r["policy"]] for r in d["rows"]][:1] + [[d["totals"].get("node"), d["totals"].get("policy")]]))' \
	< <("$cowstat" show -j --total -s comm -f "$tmp/v3.tab" 2> /dev/null)

# top --by-cgroup: rates per cgroup id, from the per-cgroup table; equal
# rates in the order of the ids.  Each cgroup faulted once (cgroups3), or
# only b.service did, copying (cgroups2).
table cgroups3.tab "$VC" "$HC" "$(row "$A" 2 14 10 40960)" "$(row "$B" 1 6 1 4096)" \
	"$(row "$U" 4 21 3 12288)" "$(row "$gone" 1 3 2 8192)"
top_cgroups()	# TO: the header's counts, and each row's id, tasks and copied total
{
	feed "$tmp/cgroups.tab" "$1" "$tmp/live.tab" \
		"$cowstat" top -b -n 1 -d 0.1 -G --cgroups-file "$tmp/live.tab" |
		awk 'NR == 2 { print } NR > 4 && NF { print $1 "/" $2 "/" $6 }'
}
expect top_by_cgroup "Cgroups: 4 faulting, 4 total
$(printf '%s\n' "$A/2/40K" "$B/1/4.0K" "$U/4/12K" "$gone/1/8.0K" | sort -n)" top_cgroups "$tmp/cgroups3.tab"
expect top_by_cgroup_order "Cgroups: 1 faulting, 4 total
$B/2/12K" top_cgroups "$tmp/cgroups2.tab"
expect_rc top_by_cgroup_no_pids 2 "top: --by-cgroup has no processes" \
	"$cowstat" top -b -G -p 1 --cgroups-file "$tmp/cgroups.tab"
# top per task: a task's rows summed on both sides; task 30 moved meanwhile.
table move1.tab "$V2" "$H2" "$(row 30 30 1 0 100 "$A" R 3 2 8192 sh)" "$(row 32 32 1 0 300 "$U" R 1 1 4096 bash)"
table move2.tab "$V2" "$H2" "$(row 30 30 1 0 100 "$A" M 3 2 8192 sh)" "$(row 30 30 1 0 100 "$B" R 9 1 4096 sh)" \
	"$(row 32 32 1 0 300 "$U" R 4 2 8192 bash)"
expect top_moved_task_is_one_row "30/30 32/32" bash -c "$(declare -f feed feed_tables); feed '$tmp/move1.tab' '$tmp/move2.tab' '$tmp/live.tab' \
	'$cowstat' top -b -n 1 -d 0.1 -s faults -f '$tmp/live.tab' | awk 'NR > 4 && NF { printf \"%s%s\", s, \$1 \"/\" \$2; s = \" \" }'"
expect show_interval_cgroup_a_task_moved_in "True 0 [[30, 9, 1, 4096]]" bash -c "$(declare -f feed feed_tables interval_json)
	feed '$tmp/move1.tab' '$tmp/move2.tab' '$tmp/live.tab' '$cowstat' show -j -i 0.1 1 -s faults \
		-g /system.slice/b.service -f '$tmp/live.tab' | interval_json"

# export: by cgroup by default, the path in an info; per task and cgroup
# with -t; by comm with -f alone.  A removed cgroup has no path to give.
"$cowstat" export --prometheus --cgroups-file "$tmp/cgroups.tab" > "$tmp/cgroup.prom"
"$cowstat" export --prometheus -t -f "$tmp/v2.tab" > "$tmp/v2task.prom"
promtool_ok prometheus_by_cgroup_valid "$tmp/cgroup.prom"
expect prometheus_by_cgroup_default "$(for id in $A $B $U $gone; do echo $id; done | sort -n |
	sed "s/^$A\$/&} 10/; s/^$B\$/&} 1/; s/^$U\$/&} 3/; s/^$gone\$/&} 2/; s/^/cowstat_cgroup_copies_total{cgroup_id=\"/; s/}/\"}/")" \
	grep '^cowstat_cgroup_copies_total' "$tmp/cgroup.prom"
expect prometheus_by_cgroup_info "$(for id in $A $B $U $gone; do echo $id; done | sort -n |
	sed "s#^$A\$#&\",cgroup=\"/system.slice/a.service#; s#^$B\$#&\",cgroup=\"/system.slice/b.service#
	     s#^$U\$#&\",cgroup=\"/user.slice/user-1000.slice#; s#^$gone\$#&\",cgroup=\"#
	     s#^#cowstat_cgroup_info{cgroup_id=\"#; s#\$#\"} 1#")" grep '^cowstat_cgroup_info' "$tmp/cgroup.prom"
expect prometheus_by_cgroup_figures $'cowstat_dropped_total 0\ncowstat_cgroups 4\ncowstat_cgroups_capacity 64\ncowstat_cgroups_evicted_total 1' \
	grep -E '^cowstat_(cgroups|dropped|cgroups_capacity|cgroups_evicted)' "$tmp/cgroup.prom"
expect_rc prometheus_by_cgroup_max_series_refuses 3 \
	"cowstat: export: 4 series per family, one per cgroup, more than --max-series 2: nothing written" \
	"$cowstat" export --prometheus -m 2 --cgroups-file "$tmp/cgroups.tab"
expect prometheus_per_task_a_series_per_cgroup "cowstat_task_faults_total{pid=\"30\",start=\"100\",cgroup_id=\"$A\"} 3
cowstat_task_faults_total{pid=\"30\",start=\"100\",cgroup_id=\"$B\"} 5" \
	grep '^cowstat_task_faults_total{pid="30"' "$tmp/v2task.prom"
expect prometheus_no_duplicate_series_v2 "" bash -c "$(declare -f dup_series); for f in $tmp/cgroup*.prom $tmp/v2task.prom; do dup_series \$f; done"
expect prometheus_by_comm_option "$(grep '^cowstat_comm_copies' "$tmp/comm.prom")" bash -c \
	"'$cowstat' export --prometheus -C -f '$tmp/recycled.tab' | grep '^cowstat_comm_copies'"
table full-cg.tab "$VC" "$(row cgroup tasks faults copies reuses shared unshare other zero ksm thp hugetlb remote bytes large thp_zero)" \
	"$(row "$A" 1 1 1 0 0 0 0 0 0 0 0 0 4096 0 0)"
expect prometheus_help_texts "# HELP cowstat_dropped_total Faults and probe hits not counted: no row for the task (the table full of live tasks), or a probe that missed.
# HELP cowstat_cgroup_copied_bytes_total Bytes copied: copies times the page size, plus hugetlb pages at their size, plus 2 MiB for each thp_zero. Per cgroup v2 id, exited tasks included; the path is in cowstat_cgroup_info.
# HELP cowstat_cgroup_large_reuses_total Reuses of a page of a large folio mapped by PTEs (part of reuses; kernels since 6.15). Per cgroup v2 id, exited tasks included; the path is in cowstat_cgroup_info.
# HELP cowstat_cgroup_thp_zero_fills_total Writes to the huge zero page that allocated a whole THP instead of splitting the PMD (part of thp; 2 MiB each in bytes). Per cgroup v2 id, exited tasks included; the path is in cowstat_cgroup_info.
# HELP cowstat_comm_copied_bytes Bytes copied: copies times the page size, plus hugetlb pages at their size, plus 2 MiB for each thp_zero. A gauge: the rows in the table summed per comm, which evicted rows leave (cowstat_cgroup_* keeps them)." \
	bash -c "'$cowstat' export --prometheus -G -C --cgroups-file '$tmp/full-cg.tab' -f '$tmp/v2.tab' |
		grep -E '^# HELP cowstat_(cgroup_(copied_bytes|large_reuses|thp_zero_fills)_total|comm_copied_bytes|dropped_total) '"

# Counters never go down with --state, from one export to the next, for
# the same labels: cgroup a.service's entry forgotten (max_cgroups full),
# c.service removed (its path kept), task 30's row in a.service evicted
# while it lives on in b.service, task 31 evicted (its series ends).
# never_down BEFORE AFTER: how many counters both have; fails if one is less in AFTER.
never_down()
{
	awk 'NR == FNR { if ($0 !~ /^#/ && $1 ~ /_total/) v[$1] = $2; next }
	     $0 !~ /^#/ && ($1 in v) { n++; if ($2 + 0 < v[$1] + 0) { print "down: " $1 " " v[$1] " -> " $2; bad = 1 } }
	     END { print n + 0; exit bad }' "$1" "$2"
}
mkdir "$cg/system.slice/c.service"
C=$(stat -c %i "$cg/system.slice/c.service")
VL="cowstat 2 tasks=3 capacity=16 dropped=0 evicted=0 page_size=4096 loaded=5000000000 probes=do_wp_page"
table m1.tab "$VL" "$H2" "$(row 30 30 1 0 100 "$A" M 3 2 8192 sh)" "$(row 30 30 1 0 100 "$B" R 5 1 4096 sh)" \
	"$(row 31 31 1 0 200 "$C" X 4 4 16384 cc)"
table m2.tab "${VL/evicted=0/evicted=2}" "$H2" "$(row 30 30 1 0 100 "$B" R 9 2 8192 sh)"
VLC="cowstat 2 cgroups=3 capacity=16 dropped=0 evicted=0 page_size=4096 loaded=5000000000 probes=do_wp_page"
table mc1.tab "$VLC" "$HC" "$(row "$A" 3 23 12 49152)" "$(row "$B" 1 5 1 4096)" "$(row "$C" 1 4 4 16384)"
table mc2.tab "${VLC/evicted=0/evicted=1}" "$HC" "$(row "$A" 1 3 2 8192)" "$(row "$B" 1 9 2 8192)" \
	"$(row "$C" 1 4 4 16384)"
"$cowstat" export --prometheus -G -t --state "$tmp/state" -f "$tmp/m1.tab" --cgroups-file "$tmp/mc1.tab" > "$tmp/m1.prom"
rmdir "$cg/system.slice/c.service"
"$cowstat" export --prometheus -G -t --state "$tmp/state" -f "$tmp/m2.tab" --cgroups-file "$tmp/mc2.tab" > "$tmp/m2.prom"
"$cowstat" export --prometheus -G -t -f "$tmp/m2.tab" --cgroups-file "$tmp/mc2.tab" > "$tmp/m2-bare.prom"
promtool_ok prometheus_state_valid "$tmp/m2.prom"
expect prometheus_state_never_down 18 never_down "$tmp/m1.prom" "$tmp/m2.prom"
expect prometheus_without_state_goes_down "down: cowstat_cgroup_tasks_total{cgroup_id=\"$A\"} 3 -> 1
down: cowstat_cgroup_faults_total{cgroup_id=\"$A\"} 23 -> 3
down: cowstat_cgroup_copies_total{cgroup_id=\"$A\"} 12 -> 2
down: cowstat_cgroup_copied_bytes_total{cgroup_id=\"$A\"} 49152 -> 8192
18
exit 1" bash -c "$(declare -f never_down); never_down '$tmp/m1.prom' '$tmp/m2-bare.prom'; echo exit \$?"
expect prometheus_state_carries_the_lost "cowstat_cgroup_faults_total{cgroup_id=\"$A\"} 23
cowstat_task_faults_total{pid=\"30\",start=\"100\",cgroup_id=\"$B\"} 9" \
	grep -E "^cowstat_(cgroup_faults_total\\{cgroup_id=\"$A\"|task_faults_total)" "$tmp/m2.prom"
expect prometheus_state_removed_cgroup_keeps_path "cowstat_cgroup_info{cgroup_id=\"$C\",cgroup=\"/system.slice/c.service\"} 1" \
	grep "^cowstat_cgroup_info{cgroup_id=\"$C\"" "$tmp/m2.prom"
expect prometheus_removed_cgroup_without_state "cowstat_cgroup_info{cgroup_id=\"$C\",cgroup=\"\"} 1" \
	grep "^cowstat_cgroup_info{cgroup_id=\"$C\"" "$tmp/m2-bare.prom"
expect prometheus_reset_time_is_the_load_s 'ok' python3 -c '
import sys, time
v = [float(l.split()[1]) for l in open(sys.argv[1]) if l.startswith("cowstat_reset_time_seconds ")]
want = time.time() - time.monotonic() + 5
print("ok" if len(v) == 1 and abs(v[0] - want) < 2 else "%s, want %.3f" % (v, want))' "$tmp/m2.prom"
expect prometheus_no_reset_time_without_loaded "" grep '^cowstat_reset_time' "$tmp/cgroup.prom"
# --output: the file whole, readable by node_exporter's user, nothing left
# beside it; a refusal (--max-series) leaves it and the state as they were.
cp "$tmp/state" "$tmp/state.before"
mkdir "$tmp/out.d"
"$cowstat" export --prometheus -G -t -f "$tmp/m2.tab" --cgroups-file "$tmp/mc2.tab" --output "$tmp/out.d/cowstat.prom"
expect prometheus_output_file "644 cowstat.prom" bash -c "cd '$tmp/out.d' && stat -c '%a %n' * && cmp -s cowstat.prom '$tmp/m2-bare.prom'"
expect_rc prometheus_output_refused 3 "more than --max-series 1: nothing written" \
	"$cowstat" export --prometheus -G --state "$tmp/state" -m 1 --cgroups-file "$tmp/mc2.tab" --output "$tmp/out.d/cowstat.prom"
expect prometheus_output_refused_kept_files "" bash -c "cmp '$tmp/out.d/cowstat.prom' '$tmp/m2-bare.prom' &&
	cmp '$tmp/state' '$tmp/state.before' && ls '$tmp/out.d' | grep -vx cowstat.prom"
expect_rc prometheus_output_missing_dir 3 "cowstat: --output $tmp/no/cowstat.prom: cannot create a file beside it: No such file or directory" \
	"$cowstat" export --prometheus --cgroups-file "$tmp/mc2.tab" --output "$tmp/no/cowstat.prom"
# A state file cowstat did not write, and a figure below 0, are refused.
printf 'cowstat export state 1\nreset 5\ncounter cgroup=1 faults x 1\n' > "$tmp/bad.state"
expect_rc prometheus_bad_state_refused 3 \
	"cowstat: --state $tmp/bad.state: line 3: not a line of this format: 'counter KEY COLUMN RAW EXPORTED': not a state that cowstat export wrote; move it away to start again" \
	"$cowstat" export --prometheus --state "$tmp/bad.state" --cgroups-file "$tmp/mc2.tab"
table negative.tab "${VLC/dropped=0/dropped=-5}" "$HC" "$(row "$A" 1 3 2 8192)"
expect_rc prometheus_negative_figure_refused 3 \
	"cowstat: $tmp/negative.tab is not a valid cowstat table: line 1: dropped= is not a whole number from 0 to 2^64 - 1" \
	"$cowstat" export --prometheus --cgroups-file "$tmp/negative.tab"
table nodropped.tab "cowstat 2 cgroups=1 page_size=4096" "$HC" "$(row "$A" 1 3 2 8192)"
expect prometheus_no_figure_no_sample "" bash -c "'$cowstat' export --prometheus --cgroups-file '$tmp/nodropped.tab' |
	grep -E '^cowstat_(dropped|cgroups_capacity|cgroups_evicted)|^[^#].* -'"

# The table leaves out counters 0 in every row shown (shared here); TSV
# keeps them, so that scripts see the same columns whatever the rows hold.
table cols.tab "$V2" "$(row pid tgid ppid uid start cgroup state faults copies reuses shared bytes comm)" \
	"$(row 40 40 1 0 1500000000 "$A" R 9 5 4 0 20480 sh)" "$(row 41 40 1 0 2000000000 "$A" R 0 0 0 0 0 sh)" \
	"$(row 42 42 1 1000 3000000000 "$B" X 2 2 0 0 3145728 cc)"
expect show_table_drops_zero_columns "$(printf '%7s %7s %7s %5s %5s %6s %6s %6s %5s %s\n' \
	pid tgid ppid uid state faults copies reuses bytes comm 42 42 1 1000 X 2 2 0 3.0M cc \
	40 40 1 0 R 9 5 4 20K sh 41 40 1 0 R 0 0 0 0 sh)" "$cowstat" show -H -f "$tmp/cols.tab"
expect show_tsv_keeps_zero_columns "$(row pid tgid ppid uid state faults copies reuses shared bytes comm)
$(row 41 40 1 0 R 0 0 0 0 0 sh)" "$cowstat" show -T -p 41 -f "$tmp/cols.tab"
# --raw: the table's bytes exact, as TSV has them.
expect show_raw_table_exact_bytes "$(printf '%7s %7s %7s %5s %5s %6s %6s %7s %s\n' \
	pid tgid ppid uid state faults copies bytes comm 42 42 1 1000 X 2 2 3145728 cc)" \
	"$cowstat" show -H --raw --top 1 -f "$tmp/cols.tab"
# --columns picks columns in its order, as ps -o, a counter 0 in every row
# too; per process, per comm and per cgroup its own; a wrong name lists them.
expect show_columns_in_order "$(printf '%-5s %3s %10s %6s %5s %s\n' comm pid start shared bytes cgroup \
	cc 42 3000000000 0 3.0M /system.slice/b.service sh 40 1500000000 0 20K /system.slice/a.service \
	sh 41 2000000000 0 0 /system.slice/a.service total - - 0 3.0M -)" \
	"$cowstat" show -H --total --columns comm,pid,start,shared,bytes,cgroup -f "$tmp/cols.tab"
expect show_columns_tsv_raw "$(row pid start bytes)
$(row 42 3000000000 3145728)" "$cowstat" show -T -o pid,start,bytes --top 1 -f "$tmp/cols.tab"
expect show_columns_per_view "$(printf '%4s %7s %6s\n' tgid threads faults 42 1 2 40 2 9)
$(printf '%-4s %5s %6s\n' comm tasks reuses cc 1 0 sh 2 4)
$(printf '%-23s %5s %5s\n' cgroup tasks bytes /system.slice/b.service 1 3.0M)
/system.slice/a.service     2   20K" bash -c "'$cowstat' show -H -P --columns tgid,threads,faults -f '$tmp/cols.tab'
	'$cowstat' show -H -C --columns comm,tasks,reuses -f '$tmp/cols.tab'
	'$cowstat' show -H -G --columns cgroup,tasks,bytes -f '$tmp/cols.tab'"
expect_rc show_columns_unknown_lists_valid 2 \
	"cowstat: --columns pid: no such column in this view; valid columns: cgroup_id,cgroup,tasks,faults,copies,reuses,shared,bytes" \
	"$cowstat" show -G --columns cgroup,pid -f "$tmp/cols.tab"
expect_rc show_columns_no_cgroup_in_format_1 2 \
	"cowstat: --columns cgroup: no such column in this view; valid columns: pid,tgid,ppid,uid,start,age,state,comm,faults" \
	"$cowstat" show --columns pid,cgroup -f "$tmp/faults.tab"
expect_rc show_columns_age_of_saved_table 2 \
	"cowstat: --columns age: $tmp/cols.tab is a saved table, with no now to age its tasks from; use start" \
	"$cowstat" show --columns pid,age -f "$tmp/cols.tab"
expect_rc show_columns_not_json 2 "cowstat: show: --columns is for the table and TSV: JSON has every column" \
	"$cowstat" show -j --columns pid -f "$tmp/cols.tab"

# --since FILE: each row less its task's (pid, start) or cgroup's in FILE.
# 40 did 4 more; 41 is a new task of a recycled pid and 42 a new one,
# counted from 0; 43 is gone, left out; 44 did nothing, left out.
table then.tab "$V2" "$H2" "$(row 40 40 1 0 100 "$A" R 5 2 8192 sh)" "$(row 41 41 1 0 200 "$A" R 3 3 12288 cc)" \
	"$(row 43 43 1 0 50 "$B" X 1 1 4096 gone)" "$(row 44 44 1 0 60 "$B" R 4 4 16384 idle)"
table now.tab "$V2" "$H2" "$(row 40 40 1 0 100 "$A" R 9 5 20480 sh)" "$(row 41 41 1 0 900 "$B" R 2 1 4096 cc)" \
	"$(row 42 42 40 0 300 "$A" R 6 6 24576 new)" "$(row 44 44 1 0 60 "$B" R 4 4 16384 idle)"
since_want="$(row pid tgid ppid uid state faults copies bytes comm)
$(row 42 42 40 0 R 6 6 24576 new)
$(row 40 40 1 0 R 4 3 12288 sh)
$(row 41 41 1 0 R 2 1 4096 cc)"
expect show_since_saved_table "$since_want" "$cowstat" show -T --since "$tmp/then.tab" -f "$tmp/now.tab"
"$cowstat" show -j -f "$tmp/then.tab" > "$tmp/then.json"
expect show_since_saved_json "$since_want" "$cowstat" show -T --since "$tmp/then.json" -f "$tmp/now.tab"
table cgroups-now.tab "$VC" "$HC" "$(row "$A" 3 20 12 53248)" "$(row "$B" 1 5 1 4096)" \
	"$(row "$U" 4 20 3 12288)" "$(row "$gone" 1 2 2 8192)"
"$cowstat" show -G -j --cgroups-file "$tmp/cgroups.tab" > "$tmp/cgroups.json"
expect show_since_by_cgroup "$(row cgroup_id tasks faults copies bytes cgroup)
$(row "$A" 1 7 2 12288 /system.slice/a.service)
$(row cgroup_id tasks faults copies bytes cgroup)
$(row "$A" 1 7 2 12288 /system.slice/a.service)" bash -c "
	'$cowstat' show -G --since '$tmp/cgroups.tab' --cgroups-file '$tmp/cgroups-now.tab'
	'$cowstat' show -G --since '$tmp/cgroups.json' --cgroups-file '$tmp/cgroups-now.tab'"
table reset.tab "$V2" "$H2" "$(row 40 40 1 0 100 "$A" R 2 1 4096 sh)"
expect_rc show_since_counter_down_is_a_reset 3 \
	"cowstat: --since $tmp/then.tab: pid 40 (start 100): faults is less now than in it: the counters were reset (cowstat reset) after it was saved; save a new one" \
	"$cowstat" show --since "$tmp/then.tab" -f "$tmp/reset.tab"
expect_rc show_since_cgroup_down_is_a_reset 3 \
	"cowstat: --since $tmp/cgroups-now.tab: cgroup /system.slice/a.service: tasks is less now than in it" \
	"$cowstat" show -G --since "$tmp/cgroups-now.tab" --cgroups-file "$tmp/cgroups.tab"
"$cowstat" show -T -f "$tmp/then.tab" > "$tmp/then.tsv"
expect_rc show_since_tsv_has_no_start 3 \
	"cowstat: --since $tmp/then.tsv: line 1: a header, as show -T writes: it has no start to tell a task from an older one of the same pid; save /proc/cowstat itself, or show -j" \
	"$cowstat" show --since "$tmp/then.tsv" -f "$tmp/now.tab"
expect_rc show_since_by_cgroup_wants_cgroups 2 \
	"cowstat: --since $tmp/then.tab: a table of tasks, which has lost the rows of tasks gone since: with --by-cgroup, save /proc/cowstat_cgroups or show -G -j" \
	"$cowstat" show -G --since "$tmp/then.tab" --cgroups-file "$tmp/cgroups-now.tab"
expect_rc show_since_cgroups_wants_by_cgroup 2 \
	"cowstat: --since $tmp/cgroups.tab: a table of cgroups: use it with --by-cgroup" \
	"$cowstat" show --since "$tmp/cgroups.tab" -f "$tmp/now.tab"
expect_rc show_since_not_with_interval 2 \
	"cowstat: show: --since and --interval: each interval counts from the one before" \
	"$cowstat" show --since "$tmp/then.tab" -i 1 -f "$tmp/now.tab"

# run -p on format 2: a task that moved while watched is one row.
sleep 60 &
sleeper=$!
table attach1.tab "$V2" "$H2" "$(row "$sleeper" "$sleeper" 1 0 100 "$A" R 3 1 4096 sleep)"
table attach2.tab "$V2" "$H2" "$(row "$sleeper" "$sleeper" 1 0 100 "$A" M 3 1 4096 sleep)" \
	"$(row "$sleeper" "$sleeper" 1 0 100 "$B" R 4 2 8192 sleep)"
feed_tables "$tmp/live.tab" "$tmp/attach1.tab" "kill:$sleeper" "$tmp/attach2.tab" -- \
	"$cowstat" run -T --output "$tmp/attach.out" -p "$sleeper" -f "$tmp/live.tab"
expect run_attach_moved_task "cowstat: process $sleeper, watched until it ended$in_cgroup; copy-on-write by it and its descendants:
$(row tgid threads uid state faults copies bytes comm)
$(row "$sleeper" 1 0 R 4 2 8192 sleep)
$(row total 1 - - 4 2 8192 -)" cat "$tmp/attach.out"

# Completion: --cgroup from the cgroup tree, --sort from the per-cgroup header.
expect completion_cgroup_paths "/system.slice/a.service /system.slice/b.service" \
	complete_words "$cowstat" show --cgroup /system.slice/
expect completion_sort_cgroup_columns "tasks" complete_words "$cowstat" show -G --cgroups-file "$tmp/cgroups.tab" -s t
unset COWSTAT_CGROUP_ROOT

ktap_finished
