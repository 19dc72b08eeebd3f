#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Load cowstat.ko, give the tests what they need (an ext4 filesystem on a
# ramdisk, hugetlb pages, THP on request), run cowstat_test, and unload the
# module again if this script loaded it -- as kselftest/module.sh does.
#
# The module comes from $COWSTAT_KO, else from modprobe (DKMS or
# modules_install); if it is already loaded it is used as it is.

ksft_skip=4
here=$(dirname "$(readlink -f "$0")")
loaded_here=
mnt=
brd_here=

skip() { echo "# SKIP: $*"; echo "1..0 # SKIP $*"; exit $ksft_skip; }

cleanup()
{
	[ -n "$mnt" ] && umount "$mnt" 2>/dev/null && rmdir "$mnt"
	[ -n "$brd_here" ] && rmmod brd 2>/dev/null
	[ -n "$loaded_here" ] && rmmod cowstat
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || skip "must run as root"

if [ ! -e /proc/cowstat ]; then
	if [ -n "$COWSTAT_KO" ]; then
		# COWSTAT_PARAMS: load parameters, e.g. probes=kprobe.
		insmod "$COWSTAT_KO" ${COWSTAT_PARAMS:-} || { echo "# insmod $COWSTAT_KO failed"; exit 1; }
	elif ! modprobe -q cowstat 2>/dev/null; then
		skip "cowstat module not loaded, not installed, and COWSTAT_KO not set"
	fi
	loaded_here=1
fi

# MAP_SHARED write-notify needs a filesystem with writeback: ext4 on brd.
if [ -z "$COWSTAT_EXT4" ] && command -v mkfs.ext4 >/dev/null; then
	if [ ! -e /dev/ram0 ] && modprobe brd rd_nr=1 rd_size=16384 2>/dev/null; then
		brd_here=1
	fi
	mnt=$(mktemp -d /tmp/cowstat-ext4.XXXXXX)
	if [ -b /dev/ram0 ] && mkfs.ext4 -q -F /dev/ram0 >/dev/null 2>&1 &&
	   mount -t ext4 /dev/ram0 "$mnt" 2>/dev/null; then
		export COWSTAT_EXT4=$mnt
	else
		rmdir "$mnt"
		mnt=
	fi
fi

# Two 2 MiB hugetlb pages per hugetlb test: the parent's and the child's copy.
if [ -w /proc/sys/vm/nr_hugepages ] && [ "$(cat /proc/sys/vm/nr_hugepages)" -lt 4 ]; then
	echo 4 > /proc/sys/vm/nr_hugepages
fi

# COWSTAT_TEST_PROG: another program of this directory (cowstat_races.sh).
"$here/${COWSTAT_TEST_PROG:-cowstat_test}" "$@"
