// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat: count, per task, what each copy-on-write (write-protect) fault
 * did -- copied a page, reused it in place, notified a shared mapping -- and
 * show it in /proc/cowstat.
 *
 * Load:  insmod cowstat.ko [max_tasks=N] [mode=faults] [probes=kprobe] [wp_symbol=...]
 * Read:  cat /proc/cowstat
 * Clear: echo reset > /proc/cowstat
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include "cowstat.h"

/* Bounds of max_tasks and max_cgroups. */
#define COWSTAT_MIN_ROWS	16
#define COWSTAT_MAX_ROWS	(4U << 20)

/* Rows are preallocated at load so that the fault path never allocates. */
static unsigned int max_tasks = 32768;

static int table_size_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret || n < COWSTAT_MIN_ROWS || n > COWSTAT_MAX_ROWS) {
		pr_err("%s=%s: must be a number from %u to %u\n",
		       kp->name, val, COWSTAT_MIN_ROWS, COWSTAT_MAX_ROWS);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = n;
	return 0;
}

static const struct kernel_param_ops table_size_ops = {
	.set	= table_size_set,
	.get	= param_get_uint,
};

module_param_cb(max_tasks, &table_size_ops, &max_tasks, 0444);
MODULE_PARM_DESC(max_tasks, "Rows in the task table, 152 bytes each (default 32768)");

/* Totals of evicted rows, per cgroup: a fleet host has hundreds of cgroups. */
static unsigned int max_cgroups = 4096;
module_param_cb(max_cgroups, &table_size_ops, &max_cgroups, 0444);
MODULE_PARM_DESC(max_cgroups, "Entries in the per-cgroup table, 112 bytes each (default 4096)");

/* "faults" attaches only the do_wp_page probe: the cheapest mode. */
static char *mode = "full";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "full: classify every fault (default); faults: count faults only");

static int __init cowstat_init(void)
{
	bool faults_only = !strcmp(mode, "faults");
	u64 loaded_ns;
	int ret;

	if (!faults_only && strcmp(mode, "full")) {
		pr_err("mode=%s: must be full or faults\n", mode);
		return -EINVAL;
	}
	ret = cowstat_probes_check_params();
	if (ret)
		return ret;
	ret = cowstat_table_init(max_tasks);
	if (ret) {
		pr_err("cannot allocate %u rows\n", max_tasks);
		return ret;
	}
	cowstat_events_init(max_tasks);
	ret = cowstat_cgroups_init(max_cgroups);
	if (ret) {
		pr_err("cannot allocate %u cgroup entries\n", max_cgroups);
		goto out_free_table;
	}
	/* Probes first: the files appear once there is something to count. */
	loaded_ns = ktime_get_ns();
	ret = cowstat_probes_init(faults_only);
	if (ret)
		goto out_free_cgroups;
	ret = cowstat_proc_init(loaded_ns);
	if (ret) {
		pr_err("cannot create /proc/cowstat\n");
		goto out_detach;
	}

	pr_info("counting write-protect faults in /proc/cowstat (%u rows, %u cgroups, mode %s)\n",
		max_tasks, max_cgroups, mode);
	return 0;

out_detach:
	cowstat_probes_exit();
out_free_cgroups:
	cowstat_cgroups_exit();
out_free_table:
	cowstat_events_exit();
	cowstat_table_exit();
	return ret;
}

static void __exit cowstat_exit(void)
{
	cowstat_proc_exit();
	cowstat_probes_exit();
	cowstat_cgroups_exit();
	cowstat_events_exit();
	cowstat_table_exit();
	pr_info("unloaded\n");
}

module_init(cowstat_init);
module_exit(cowstat_exit);

MODULE_DESCRIPTION("Per-task copy-on-write fault accounting in /proc/cowstat");
MODULE_AUTHOR("The cowstat developers");
MODULE_LICENSE("GPL");
