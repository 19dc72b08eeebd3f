# SPDX-License-Identifier: GPL-2.0
#
# Sourced by scripts/guest/examples and scripts/guest/build-case: one
# example of the docs, printed between "EXAMPLE NAME" and "EXAMPLE END"
# lines, which scripts/checks/examples compares with the docs.
#
# example NAME COMMAND: run COMMAND (a shell line, as the docs show it) on
# a terminal, as a reader of the docs would.  A table's columns are named
# (-o): left to itself it leaves out those that are 0 in every row, and a
# THP fault now and then would change the set.
example()
{
	local name=$1 cmd=$2
	echo "EXAMPLE $name"
	echo "$cmd"
	script -qec "$cmd" /dev/null < /dev/null | tr -d '\r'
	echo "EXAMPLE END"
}
