# SPDX-License-Identifier: GPL-2.0
#
# KTAP output for every shell test: the selftests, tools/test-*.sh, the
# host checks (scripts/check and scripts/checks/) and the guest-side scripts
# (scripts/guest/).  The names and the totals line of kselftest's
# ktap_helpers.sh, plus a reason on skips and the tail of a failed step's
# output as diagnostics.  Also the steps several of them share: the kernel
# log check and ext4 on a ramdisk.  Source it; it sets nothing else.
#
# It lives here, not in scripts/, because selftests/ is also copied into a
# kernel tree as tools/testing/selftests/cowstat and installed from there
# (TEST_FILES), where only this directory comes along.  Not kselftest's own
# ktap_helpers.sh: 6.1's tree has none, and it has no skip reasons.

KTAP_TESTNO=1
KTAP_CNT_PASS=0
KTAP_CNT_FAIL=0
KTAP_CNT_SKIP=0
KTAP_LOG=${TMPDIR:-/tmp}/ktap-step.$$.log

ktap_print_header() { echo "TAP version 13"; }
ktap_set_plan() { echo "1..$1"; }
ktap_print_msg() { echo "# $*"; }

ktap_test_pass()	# description
{
	echo "ok $KTAP_TESTNO $1"
	KTAP_TESTNO=$((KTAP_TESTNO + 1)) KTAP_CNT_PASS=$((KTAP_CNT_PASS + 1))
}

ktap_test_fail()	# description
{
	echo "not ok $KTAP_TESTNO $1"
	KTAP_TESTNO=$((KTAP_TESTNO + 1)) KTAP_CNT_FAIL=$((KTAP_CNT_FAIL + 1))
}

ktap_test_skip()	# description reason
{
	echo "ok $KTAP_TESTNO $1 # SKIP $2"
	KTAP_TESTNO=$((KTAP_TESTNO + 1)) KTAP_CNT_SKIP=$((KTAP_CNT_SKIP + 1))
}

# Pass when STATUS is 0.
ktap_test_status()	# status description
{
	if [ "$1" = 0 ]; then
		ktap_test_pass "$2"
	else
		ktap_test_fail "$2"
	fi
}

# Run COMMAND quietly; pass when it succeeds, else show the end of its output.
ktap_test_result()	# description command...
{
	local description=$1 rc
	shift
	"$@" > "$KTAP_LOG" 2>&1
	rc=$?
	[ $rc = 0 ] || tail -n 15 "$KTAP_LOG" | sed 's/^/# /'
	rm -f "$KTAP_LOG"
	ktap_test_status $rc "$description"
}

# The totals line; false if anything failed.
ktap_print_totals()
{
	echo "# Totals: pass:$KTAP_CNT_PASS fail:$KTAP_CNT_FAIL xfail:0 xpass:0 skip:$KTAP_CNT_SKIP error:0"
	[ "$KTAP_CNT_FAIL" = 0 ]
}

# What KTAP logs add up to, as "PASSED FAILED SKIPPED": the sum of their
# "# Totals:" lines, plus a failure for each "Bail out!" (a guest cut
# short, or a test that gave up after others passed) and for each log
# with no totals at all.  For the host checks that judge guests' logs.
ktap_log_totals()	# log...
{
	awk 'BEGIN { for (i = 1; i < ARGC; i++) totals[ARGV[i]] = 0 }
	     /^# Totals: / {
		n = split($0, a, /[: ]+/)
		for (i = 3; i < n; i += 2)
			v[a[i]] += a[i + 1]
		totals[FILENAME]++
	     }
	     /^Bail out!/ { v["fail"]++ }
	     END {
		for (file in totals)
			if (!totals[file])
				v["fail"]++
		printf "%d %d %d\n", v["pass"], v["fail"] + v["error"], v["skip"]
	     }' "$@"
}

# For a script that cannot run at all: each of its COUNT planned tests
# skipped, as NAME_1..NAME_COUNT, the totals, and kselftest's skip status.
ktap_skip_plan()	# count name reason
{
	local i
	for i in $(seq "$1"); do
		ktap_test_skip "$2_$i" "$3"
	done
	ktap_print_totals
	exit 4
}

# A whole log of one test, for a step that is a single result: STATUS 0
# passes, "skip" skips for REASON, anything else fails.  A subshell, so
# that the caller's own numbering and counts stay as they were.
ktap_single()	# status description [reason]
(
	ktap_print_header
	ktap_set_plan 1
	case $1 in
	0)	ktap_test_pass "$2" ;;
	skip)	ktap_test_skip "$2" "$3" ;;
	*)	ktap_test_fail "$2" ;;
	esac
	ktap_print_totals
)

# The plan, for a script that counts its tests as it goes, and the totals.
ktap_finished()
{
	echo "1..$((KTAP_TESTNO - 1))"
	ktap_print_totals
}

# Kernel log lines since kernel_log_mark that report a kernel problem.
kernel_log_mark() { KERNEL_LOG_MARK=$(dmesg | wc -l); }
kernel_log_problems()
{
	dmesg | tail -n +"$((${KERNEL_LOG_MARK:-0} + 1))" | kcsan_reports_of_cowstat_only |
		grep -E 'WARNING|BUG|Oops|general protection|Call Trace|refcount_t|list_(add|del) corruption'
}

# The kernel log without the KCSAN reports that have no frame of the
# module's ("[cowstat]") on either side: races within the kernel's own code,
# of which a KCSAN build of 6.12 logs a few an hour (timer migration,
# virtio, release_task; 7.3 none).  A "race at unknown origin" shows only
# its reader; cowstat's code writes no memory but the module's own, so
# one whose reader is the kernel's is the kernel's.  scripts/guest/debug
# counts them and prints them whole.  A report runs from its "BUG: KCSAN"
# line to the next "=====" line.
kcsan_reports_of_cowstat_only()
{
	awk '/BUG: KCSAN:/ { in_report = 1; report = $0; next }
	     in_report { report = report "\n" $0 }
	     in_report && /====================/ {
		in_report = 0
		if (report ~ /\[cowstat\]/)
			print report
		next
	     }
	     !in_report { print }
	     END { if (in_report) print report }'
}

# ext4 on a 16 MiB ramdisk at DIR: MAP_SHARED write-notify needs a
# filesystem with writeback (tmpfs and memfd never write-protect).
ext4_on_ramdisk()	# dir
{
	{ [ -e /dev/ram0 ] || modprobe brd rd_nr=1 rd_size=16384; } &&
		mkfs.ext4 -q -F /dev/ram0 > /dev/null 2>&1 &&
		mkdir -p "$1" && mount -t ext4 /dev/ram0 "$1"
}
