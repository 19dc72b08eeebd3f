#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside an icount VM (scripts/bench/bench, with room for two copies of
# the largest size): the tutorial's fork-cost experiment.  For each size, fork()
# from that much touched private anonymous memory, the child writing none or
# all of it; first without the module, for the times, then with it, for the
# pages the child copied as cowstat counts them.  Prints, per size,
#   FORKSIZE <off|on> <MiB> <child writes: 0|1> <fork() insns> <round insns> <copies>
# (copies is - without the module).
set -u
b=$(dirname "$0")/cowbench
ko=$COWSTAT_KO
sizes=${BENCH_FORK_SIZES:-1 4 16 64 256 1024}

# The child's row: its copies column, found by name in the header.
copies_of()	# pid
{
	awk -F'\t' -v pid="$1" 'NR == 2 { for (i = 1; i <= NF; i++) if ($i == "copies") c = i }
		NR > 2 && $1 == pid { print $c; exit }' /proc/cowstat
}

$b forksize 1 3 > /dev/null	# warm the allocator once
for mode in off on; do
	[ "$mode" = on ] && { insmod "$ko" || exit 1; }
	for mib in $sizes; do
		# Medians of three rounds, one round from 256 MiB (ticks average out).
		reps=3
		[ "$mib" -ge 256 ] && reps=1
		$b forksize "$mib" "$reps" | while read -r _ m w f t pid; do
			c=-
			[ "$mode" = on ] && c=$(copies_of "$pid")
			echo "FORKSIZE $mode $m $w $f $t ${c:--}"
		done
	done
done
rmmod cowstat
