#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside an icount VM, from bench-guest.sh: what cowstat adds to whole
# workloads, as a user would run them, rather than to one fault.  Each
# workload runs without the module, with it, without, ... (BENCH_ROUNDS
# times each), so that drift over the boot shows as spread and not as
# overhead.  Prints, per run,
#   WORKLOAD <name> <off|on> <elapsed insns> <insns run by its tasks>
set -u
bench=$(cd "$(dirname "$0")" && pwd -P)
top=$(dirname "$bench")
b=$bench/cowbench
ko=$COWSTAT_KO
rounds=${BENCH_ROUNDS:-2}
build=/tmp/cowstat-build	# tmpfs in the guest

# The tool from a clean copy, as a user's small C project: the headers it
# shares with the selftests go alongside, where its Makefile looks for them.
rm -rf "$build"
mkdir -p "$build/tools" "$build/selftests"
cp "$top"/tools/*.[ch] "$top/tools/Makefile" "$build/tools"
cp "$top"/selftests/*.h "$build/selftests"

# The same work every run, so that the runs differ by the module and not by
# chance: no address randomisation (gcc hashes pointers), no per-process
# string hash seed in Python (the layout of every dict).
export PYTHONHASHSEED=0
norand="setarch $(uname -m) -R"

run()	# name: one run of the workload, timed; make clean is not part of it
{
	case $1 in
	python)	$norand $b time python3 "$top/tools/examples/python-gc-workers.py" ;;
	build)	make -s -C "$build/tools" clean &&
		$norand $b time make -s -j2 -C "$build/tools" cowstat ;;
	forks)	$norand $b time "$b" forks "${BENCH_FORKS:-2000}" ;;
	esac
}

one()	# name off|on
{
	local t
	if [ "$2" = on ]; then
		insmod "$ko" || return 1
	fi
	t=$(run "$1")
	[ "$2" = on ] && rmmod cowstat
	echo "WORKLOAD $1 $2 $(echo "$t" | awk '/^time / { print $2, $4 }')"
}

for w in python build forks; do
	# Once untimed: the first run reads python3, gcc and their libraries
	# over 9p, much more slowly than the runs after it.
	one "$w" off > /dev/null
	for _ in $(seq "$rounds"); do
		one "$w" off
		one "$w" on
	done
	one "$w" off
done
