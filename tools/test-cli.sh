#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cowstat command on the build host, against hand-made tables read with
# -f FILE: no module needed.  Every case checks exact output or exit codes.
# Usage: test-cli.sh [COWSTAT]  (default: ./cowstat).  Output is KTAP.
cowstat=$(readlink -f "${1:-./cowstat}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nr=0 pass=0 fail=0 skip=0

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
		result pass "$name"
	else
		result fail "$name"
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
		result pass "$name"
	else
		result fail "$name"
		echo "# exit $rc, want $want and '$msg'"
		sed 's/^/# stderr: /' "$tmp/err" | head -5
	fi
}
result()	# status name
{
	nr=$((nr + 1))
	case $1 in
	pass)	pass=$((pass + 1)); echo "ok $nr $2" ;;
	skip)	skip=$((skip + 1)); echo "ok $nr $2 # SKIP $3" ;;
	*)	fail=$((fail + 1)); echo "not ok $nr $2" ;;
	esac
}

echo "TAP version 13"

# mode=faults: no bytes column, so the default sort falls back to faults.
table faults.tab "$V" "$HF" $'10\t10\t1\t0\t100\tX\t3\tsh' $'11\t11\t10\t0\t200\tR\t7\tcat'
expect mode_faults_show_sorts_by_faults "$(printf '%s\n' \
	$'pid\ttgid\tppid\tstate\tfaults\tcomm' \
	$'11\t11\t10\tR\t7\tcat' $'10\t10\t1\tX\t3\tsh' $'total\t-\t-\t-\t10\t-')" \
	"$cowstat" show -f "$tmp/faults.tab"

echo "1..$nr"
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
[ $fail = 0 ]
