#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The timed races (cowstat_races), COWSTAT_RACE_SECONDS (default 20) each,
# with cowstat.sh's set-up and the module loaded with a 16-row table, which
# eviction keeps turning over.  They need two CPUs.
here=$(dirname "$(readlink -f "$0")")
COWSTAT_PARAMS="max_tasks=16 ${COWSTAT_PARAMS:-}" COWSTAT_TEST_PROG=cowstat_races \
	exec "$here/cowstat.sh" "$@"
