// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat run -- CMD: run a command and report the copy-on-write faults of
 * it and of all its descendants, including those that have already exited.
 *
 * The command runs in a cgroup of its own (run-cgroup.c), and its totals
 * are that cgroup's in /proc/cowstat_cgroups: exact, even when a full
 * table evicted rows of the run's ended tasks.  The rows of that cgroup
 * still in /proc/cowstat are the detail.
 *
 * Where no cgroup can be made or read (and with -p, or -f), a row belongs
 * to the run when its task started after the command was forked and its
 * ancestry (the ppid the module recorded) leads to the command.  cowstat
 * becomes a child subreaper, so descendants orphaned before their first
 * fault record cowstat as their parent and still count.  Rows evicted
 * during the run are then missing, and the report says how many rows the
 * table evicted meanwhile.  No reset is needed: other rows are left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cowstat.h"

/* How long the run's other tasks get to leave its cgroup once the command ended. */
#define SETTLE_MS	1000

/* What the report says of the run beside its rows: JSON's "run" object. */
struct run_facts {
	char		**argv;		/* NULL with -p */
	pid_t		pid;
	int		exit_status;	/* -1: none (killed, or -p) */
	int		signal;		/* 0: none */
	bool		exec_failed;	/* no report: the command never ran */
	uint64_t	elapsed_ns;
	bool		by_cgroup;	/* totals from its cgroup's */
	bool		in_cgroup;	/* the command entered a cgroup of the run's own */
	bool		cgroup_removed;
	char		fallback[512];	/* why not by cgroup; "" with -p and -f */
	char		left_why[512];	/* why its cgroup could not be removed */
	uint64_t	started;	/* CLOCK_MONOTONIC ns, before the fork */
	long long	task_rows;	/* the rows its cgroup's totals count */
	long long	evicted;	/* the run's rows evicted; -1: not known */
	int		left_running;	/* processes still in its cgroup */
	pid_t		left[4];	/* the first of them */
	/* How far the module's counters rose during the run, for every task. */
	long long	dropped_global, evicted_global, cgroups_evicted_global;
};

/* Long options without a short one. */
enum { OPT_OUTPUT = 256, OPT_BY_MAPPING, OPT_LATENCY };

static void usage(FILE *f)
{
	fprintf(f,
"usage: cowstat run [options] -- COMMAND [ARG...]\n"
"       cowstat run [options] -p PID\n"
"\n"
"Run COMMAND in a cgroup of its own and report the copy-on-write activity\n"
"of it and all its descendants, including those that exited.  Exits with\n"
"COMMAND's status (128+N if killed by signal N); 125 if cowstat failed,\n"
"126 if COMMAND could not be run, 127 if it was not found.\n"
"With -p, watch a running process instead, until it ends or Ctrl-C, and\n"
"report what it and its descendants did meanwhile (like perf stat -p).\n"
"\n"
"  -t, --threads        one row per task instead of per process\n"
"      --by-mapping     copies, reuses and bytes per mapping, as\n"
"                       /proc/PID/maps names them (the trace event)\n"
"      --latency        log2 histograms of the time per copy and per\n"
"                       reuse, in ns (the trace event)\n"
"  -P, --by-process     with --by-mapping or --latency: per process\n"
"  -j, --json           JSON, for scripts\n"
"  -T, --tsv            tab-separated with a header, even on a terminal\n"
"  -p, --pid PID        attach to process PID instead of running a command\n"
"  -o, --columns COL,...\n"
"                       these columns of the table, in this order, as\n"
"                       show -o takes them\n"
"      --output FILE    write the report to FILE instead of stderr; FILE\n"
"                       is created before COMMAND runs\n"
"  -f, --file FILE      read a saved table instead of %s\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n"
"\n"
"The report goes to stderr, so COMMAND's output stays its own.\n", COWSTAT_PROC);
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Is the process @tgid the command or one of its descendants? */
static bool in_run(const struct tally *rows, int n, pid_t tgid, pid_t cmd,
		   pid_t self, int depth)
{
	int i;

	if (tgid == cmd)
		return true;
	if (depth > 64)
		return false;
	for (i = 0; i < n; i++) {
		if (rows[i].tgid != tgid)
			continue;
		if (rows[i].ppid == self)	/* adopted by us, the subreaper */
			return true;
		if (rows[i].ppid && rows[i].ppid != tgid &&
		    in_run(rows, n, rows[i].ppid, cmd, self, depth + 1))
			return true;
	}
	return false;
}

/* ---- The command ---- */

/* What the command's process tells cowstat before its exec, if anything. */
struct child_report {
	enum { CHILD_MOVE_FAILED = 1, CHILD_EXEC_FAILED } what;
	int	err;
};

static void tell_parent(int fd, int what, int err)
{
	struct child_report r = { .what = what, .err = err };
	ssize_t ret = write(fd, &r, sizeof(r));

	(void)ret;		/* if the parent cannot be told, there is no one else to tell */
}

/* In the child: into the run's cgroup @cg (NULL: none), then exec argv. */
static void __attribute__((noreturn)) exec_command(char **argv, const struct run_cgroup *cg,
						   int report_fd)
{
	int err = cg ? run_cgroup_enter(cg) : 0;

	if (err)
		tell_parent(report_fd, CHILD_MOVE_FAILED, err);
	execvp(argv[0], argv);
	err = errno;
	tell_parent(report_fd, CHILD_EXEC_FAILED, err);
	_exit(err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

/*
 * Until the command @pid ends, read the run's events as they come, so
 * that the ring buffer does not overrun.
 */
static void wait_reading_events(pid_t pid, struct run_events *ev)
{
	struct pollfd pfd[2] = {
		{ .fd = syscall(SYS_pidfd_open, pid, 0), .events = POLLIN },
		{ .fd = run_events_fd(ev), .events = POLLIN },
	};

	if (pfd[0].fd < 0)
		fatal(EXIT_ERROR, "pidfd_open: %s", strerror(errno));
	for (;;) {
		/* trace_pipe wakes on data; the timeout only bounds a missed wake-up. */
		if (poll(pfd, 2, 100) < 0 && errno != EINTR)
			fatal(EXIT_ERROR, "poll: %s", strerror(errno));
		run_events_read(ev);
		if (pfd[0].revents & POLLIN)
			break;
	}
	close(pfd[0].fd);
}

/*
 * Run @argv as our child, in cgroup @cg if not NULL, and wait for it: its
 * status as a shell gives it.  How it ended into @how; its cgroup into
 * @cgroup, read while it runs (or is a zombie, not yet reaped), "" if it
 * has none in cgroup v2.
 */
static int run_command(char **argv, const struct run_cgroup *cg, struct run_facts *run,
		       struct run_events *ev, char *how, size_t size, char *cgroup,
		       size_t cgroup_size)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN }, old_int, old_quit;
	struct child_report r;
	int status, fds[2], exec_err = 0;
	ssize_t len;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		fatal(EXIT_ERROR, "prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));
	if (pipe2(fds, O_CLOEXEC))
		fatal(EXIT_ERROR, "pipe: %s", strerror(errno));
	/* The command gets Ctrl-C and Ctrl-\; we report after it ends. */
	sigaction(SIGINT, &ignore, &old_int);
	sigaction(SIGQUIT, &ignore, &old_quit);
	fflush(NULL);
	run->started = monotonic_ns();
	run->pid = fork();
	if (run->pid < 0)
		fatal(EXIT_ERROR, "fork: %s", strerror(errno));
	if (run->pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		close(fds[0]);
		exec_command(argv, cg, fds[1]);
	}
	close(fds[1]);
	run->in_cgroup = cg;
	/* End of file: the exec succeeded (the pipe is close-on-exec), or the child died. */
	while ((len = read(fds[0], &r, sizeof(r))) == sizeof(r) || (len < 0 && errno == EINTR)) {
		if (len < 0)
			continue;
		if (r.what == CHILD_EXEC_FAILED) {
			exec_err = r.err;
		} else {
			run->in_cgroup = false;
			snprintf(run->fallback, sizeof(run->fallback), "moving the command into %s: %s",
				 cg->dir, strerror(r.err));
		}
	}
	close(fds[0]);
	if (!cgroup_of_pid(run->pid, cgroup, cgroup_size))
		cgroup[0] = '\0';
	if (ev) {
		ev->command = run->pid;
		wait_reading_events(run->pid, ev);
	}
	while (waitpid(run->pid, &status, 0) < 0 && errno == EINTR)
		;
	run->elapsed_ns = monotonic_ns() - run->started;
	while (waitpid(-1, NULL, WNOHANG) > 0)	/* adopted orphans that exited */
		;
	if (exec_err) {
		run->exec_failed = true;
		fprintf(stderr, "cowstat: %s: %s\n", argv[0], strerror(exec_err));
		return exec_err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
	}
	if (WIFEXITED(status)) {
		run->exit_status = WEXITSTATUS(status);
		snprintf(how, size, "%s exited with status %d", argv[0], run->exit_status);
		return run->exit_status;
	}
	run->signal = WTERMSIG(status);
	snprintf(how, size, "%s was killed by signal %d (%s)", argv[0], run->signal,
		 strsignal(run->signal));
	return 128 + run->signal;
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* -p: wait until process @pid ends, or until Ctrl-C; how it ended into @how. */
static void attach(pid_t pid, char *how, size_t size)
{
	struct sigaction sa = { .sa_handler = on_interrupt };	/* no SA_RESTART */
	struct pollfd pfd = { .events = POLLIN };

	pfd.fd = syscall(SYS_pidfd_open, pid, 0);
	if (pfd.fd < 0)
		fatal(EXIT_ERROR, "--pid %d: %s", pid, strerror(errno));
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!interrupted && poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	close(pfd.fd);
	snprintf(how, size, interrupted ? "process %d, watched until interrupted" :
		 "process %d, watched until it ended", pid);
}

/* ---- The run's cgroup ---- */

/*
 * A cgroup for the run, or false and why not, into @run->fallback: the
 * totals will be read from /proc/cowstat_cgroups, so it must be readable
 * (CAP_SYS_ADMIN or CAP_PERFMON).  @cgroups gets it as it is now.
 */
static bool make_cgroup(struct run_cgroup *cg, struct snapshot *cgroups, struct run_facts *run)
{
	int ret = snapshot_read(cgroups, COWSTAT_CGROUPS_PROC);
	const char *hint = "";

	if (ret == -EPERM || ret == -EACCES)
		hint = " (it needs CAP_SYS_ADMIN or CAP_PERFMON)";
	else if (ret == -ENOENT)
		hint = " (the module predates per-cgroup totals)";
	if (!ret && !cgroups->cgroups) {
		snapshot_free(cgroups);
		snprintf(cgroups->error, sizeof(cgroups->error), "not a table of cgroups");
		ret = -EPROTO;
	}
	if (ret) {
		snprintf(run->fallback, sizeof(run->fallback), "%s: %s%s", COWSTAT_CGROUPS_PROC,
			 ret == -EPROTO ? cgroups->error : strerror(-ret), hint);
		return false;
	}
	return run_cgroup_make(cg, run->fallback, sizeof(run->fallback));
}

/*
 * Once the command has ended: let the rest of the run leave the cgroup,
 * read its totals (into @cgroups, its ids into @ids), then remove it, or
 * leave it to processes that outlive the command, which are counted up to
 * now.  False if the totals could not be read.
 */
static bool finish_cgroup(struct run_cgroup *cg, struct snapshot *cgroups, uint64_t **ids,
			  int *nids, struct run_facts *run)
{
	int ret;

	if (!run_cgroup_wait_empty(cg, SETTLE_MS))
		run->left_running = run_cgroup_processes(cg, run->left,
							 sizeof(run->left) / sizeof(run->left[0]));
	*nids = run_cgroup_ids(cg, ids);
	ret = snapshot_read(cgroups, COWSTAT_CGROUPS_PROC);
	if (ret)
		snprintf(run->fallback, sizeof(run->fallback), "%s, once the command ended: %s",
			 COWSTAT_CGROUPS_PROC, ret == -EPROTO ? cgroups->error : strerror(-ret));
	if (!run->left_running)
		run->cgroup_removed = run_cgroup_remove(cg, run->left_why, sizeof(run->left_why));
	return !ret;
}

/* ---- The report ---- */

/* @key's value in the version line of @b less that of @a, 0 if either has none. */
static long long rise(const struct snapshot *a, const struct snapshot *b, const char *key)
{
	long long then = cowstat_version_field(&a->t, key), now = cowstat_version_field(&b->t, key);

	return then >= 0 && now >= then ? now - then : 0;
}

/* ,"key":N or ,"key":null */
static void json_count(FILE *f, const char *key, bool known, long long v)
{
	if (known)
		fprintf(f, ",\"%s\":%lld", key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}

/* JSON's ,"run":{...}: the command, how it ended, and how it was counted. */
static char *json_run(const struct run_facts *run, const struct run_events *ev,
		      bool by_mapping, bool latency)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	int i;

	if (!f)
		fatal(EXIT_ERROR, "out of memory");
	fputs(",\"run\":{\"command\":", f);
	for (i = 0; run->argv && run->argv[i]; i++) {
		fputc(i ? ',' : '[', f);
		json_string(f, run->argv[i]);
	}
	fputs(!run->argv ? "null" : i ? "]" : "[]", f);
	fprintf(f, ",\"pid\":%d", run->pid);
	json_count(f, "exit_status", run->exit_status >= 0, run->exit_status);
	json_count(f, "signal", run->signal, run->signal);
	fprintf(f, ",\"elapsed_seconds\":%.6f,\"counted_by\":\"%s\",\"fallback\":",
		run->elapsed_ns / 1e9, run->by_cgroup ? "cgroup" : "rows");
	if (run->fallback[0])
		json_string(f, run->fallback);
	else
		fputs("null", f);
	json_count(f, "evicted", run->evicted >= 0, run->evicted);
	fprintf(f, ",\"left_running\":%d,\"cgroup_removed\":%s", run->left_running,
		run->in_cgroup ? run->cgroup_removed ? "true" : "false" : "null");
	fprintf(f, ",\"global\":{\"dropped\":%lld,\"evicted\":%lld,\"cgroups_evicted\":%lld}}",
		run->dropped_global, run->evicted_global, run->cgroups_evicted_global);
	if (ev)
		run_events_json(f, ev, by_mapping, latency);
	if (fclose(f))
		fatal(EXIT_ERROR, "out of memory");
	return text;
}

/* What the table or TSV cannot say, on stderr: JSON says it in "run". */
static void print_notes(const struct run_facts *run, const struct snapshot *after,
			const struct run_cgroup *cg, bool attached)
{
	const char *during = attached ? "while watching" : "during the run";
	int i, shown = sizeof(run->left) / sizeof(run->left[0]);

	if (run->evicted > 0)
		fprintf(stderr, "cowstat: note: the run's task rows evicted from the full table (max_tasks=%lld) during the run: %lld of %lld; the total counts them, the rows do not\n",
			cowstat_version_field(&after->t, "capacity"), run->evicted, run->task_rows);
	if (run->by_cgroup && run->cgroups_evicted_global > 0)
		fprintf(stderr, "cowstat: warning: cgroups whose totals the full per-cgroup table forgot during the run, system-wide: %lld (raise max_cgroups); the run's total may miss rows evicted before\n",
			run->cgroups_evicted_global);
	if (!run->by_cgroup && run->fallback[0] && !run->evicted_global)
		fprintf(stderr, "cowstat: note: no cgroup of the run's own (%s): counted from the table's rows; none was evicted during the run, so none is missing\n",
			run->fallback);
	else if (!run->by_cgroup && run->fallback[0])
		fprintf(stderr, "cowstat: warning: no cgroup of the run's own (%s): counted from the table's rows; rows of ended tasks evicted during the run, system-wide: %lld; the run's among them are missing (raise max_tasks)\n",
			run->fallback, run->evicted_global);
	else if (!run->by_cgroup && run->evicted_global)
		fprintf(stderr, "cowstat: warning: rows of ended tasks evicted from the table %s, system-wide: %lld; the run's among them are missing (raise max_tasks)\n",
			during, run->evicted_global);
	if (run->dropped_global > 0)
		fprintf(stderr, "cowstat: warning: faults not recorded %s, system-wide: %lld (dropped: the table was full of live tasks); some may be the run's (raise max_tasks)\n",
			during, run->dropped_global);
	if (run->left_running) {
		fprintf(stderr, "cowstat: note: processes of the run that outlived the command: %d (",
			run->left_running);
		for (i = 0; i < run->left_running && i < shown; i++)
			fprintf(stderr, "%s%d", i ? ", " : "", run->left[i]);
		fprintf(stderr, "%s); counted until now; cgroup %s is left to them: rmdir it once they exit\n",
			i < run->left_running ? ", ..." : "", cg->dir);
	} else if (run->in_cgroup && !run->cgroup_removed) {
		fprintf(stderr, "cowstat: warning: %s: the run's cgroup is left in place\n",
			run->left_why);
	}
}

/* How many rows of @s, before they are summed per task, are of the cgroups @set. */
static int rows_in(const struct snapshot *s, const struct cgroup_set *set)
{
	int r, n = 0;

	for (r = 0; r < s->t.nrows; r++)
		n += cgroup_set_has(set, snap_u64(s, r, s->col_cgroup));
	return n;
}

/*
 * The rows of the command's tasks and its descendants' into @mine, and
 * how many: those of the run's cgroups @f->cgroups, or without, those of
 * tasks that started after it, or with -p what each task did while
 * attached.
 */
static int select_run(const struct snapshot *before, const struct snapshot *after,
		      const struct run_facts *run, const struct row_filter *f, pid_t self,
		      struct tally *mine)
{
	struct tally_index *index = tally_index(before, NULL);
	struct tally *rows = xmalloc((after->t.nrows + 1) * sizeof(*rows));
	uint64_t t0 = run->argv ? run->started : 0;
	int r, c, n, m = 0;
	bool busy;

	n = select_tallies(after, f, rows);
	for (r = 0, c = 0; r < n; r++)
		if (f || rows[r].start >= t0)
			rows[c++] = rows[r];
	n = c;
	for (r = 0; r < n; r++) {
		if (!f && !in_run(rows, n, rows[r].tgid, run->pid, self, 0))
			continue;
		mine[m] = rows[r];
		if (!t0)
			tally_since(after, &mine[m], before, tally_find(index, &mine[m]));
		for (c = 0, busy = t0; c < after->t.ncols && !busy; c++)
			busy = is_counter_col(after, c) && mine[m].v[c] > 0;
		m += busy;
	}
	tally_index_free(index);
	free(rows);
	return m;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threads",	no_argument,		NULL, 't' },
		{ "by-mapping",	no_argument,		NULL, OPT_BY_MAPPING },
		{ "latency",	no_argument,		NULL, OPT_LATENCY },
		{ "by-process",	no_argument,		NULL, 'P' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "tsv",	no_argument,		NULL, 'T' },
		{ "columns",	required_argument,	NULL, 'o' },
		{ "output",	required_argument,	NULL, OPT_OUTPUT },
		{ "pid",	required_argument,	NULL, 'p' },
		{ "file",	required_argument,	NULL, 'f' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 },
	};
	struct run_facts run = { .exit_status = -1, .evicted = -1 };
	struct run_cgroup cg = { .procs_fd = -1 };
	struct snapshot before, after, cgroups_before = { 0 }, cgroups_after = { 0 };
	struct print_opts print = { .human = true, .header = true, .total = true };
	bool threads = false, made = false, attached, by_mapping = false, latency = false;
	bool tracing = false;
	struct run_events ev = { .pipe_fd = -1 };
	char events_why[512];
	const char *output = NULL;
	char *columns = NULL;
	struct row_filter of_cgroup = { 0 };
	struct tally *mine, total;
	int opt, m, nids = 0, code = EXIT_OK;
	pid_t self = -1;	/* -1: no subreaper's adoptions */
	char how[128], cgroup[4096] = "", *in_cgroup;
	uint64_t *ids = NULL;
	FILE *out;

	/* Our own failures must not pass for the command's status. */
	cowstat_exit_failure = EXIT_RUN_FAILED;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+tPjTo:p:f:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			threads = true;
			break;
		case OPT_BY_MAPPING:
			by_mapping = true;
			break;
		case OPT_LATENCY:
			latency = true;
			break;
		case 'P':
			ev.per_process = true;
			break;
		case 'j':
			print.format = FORMAT_JSON;
			break;
		case 'T':
			print.format = FORMAT_TSV;
			break;
		case 'o':
			columns = optarg;
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		case 'p':
			run.pid = parse_count("--pid", optarg, 1, INT_MAX);
			break;
		case 'f':
			cowstat_proc_path = optarg;
			break;
		default:
			return common_option(opt, usage) == EXIT_OK ? EXIT_OK : EXIT_RUN_FAILED;
		}
	}
	attached = run.pid;
	if (optind < argc ? attached : !attached) {	/* a command, or -p */
		usage(stderr);
		return EXIT_RUN_FAILED;
	}
	tracing = by_mapping || latency;
	if (ev.per_process && !tracing)
		fatal(EXIT_USAGE, "run: -P is for --by-mapping and --latency: theirs per process");
	if (tracing && (attached || strcmp(cowstat_proc_path, COWSTAT_PROC)))
		fatal(EXIT_USAGE, "run: --by-mapping and --latency trace a command that cowstat runs: not with -p or -f");
	snapshot_load(&before);
	/* Now, so that bad input fails before the command runs, not after. */
	print.by = threads ? BY_TASK : BY_PROCESS;
	if (columns && print.format == FORMAT_JSON)
		fatal(EXIT_USAGE, "run: --columns is for the table and TSV: JSON has every column");
	if (columns)
		parse_columns(&before, columns, &print);
	out = output ? fopen(output, "we") : stderr;
	if (!out)
		fatal(EXIT_ERROR, "%s: %s", output, strerror(errno));
	if (attached) {
		if (!cgroup_of_pid(run.pid, cgroup, sizeof(cgroup)))
			cgroup[0] = '\0';
		run.started = monotonic_ns();
		attach(run.pid, how, sizeof(how));
		run.elapsed_ns = monotonic_ns() - run.started;
	} else {
		run.argv = &argv[optind];
		self = getpid();
		/* -f: a saved table, whose cgroups are not ours to count. */
		made = !strcmp(cowstat_proc_path, COWSTAT_PROC) &&
		       make_cgroup(&cg, &cgroups_before, &run);
		/* The events are the run's by its cgroup: they need one. */
		if (tracing && !made)
			fatal(EXIT_ERROR, "run: --by-mapping and --latency need a cgroup of the run's own: %s",
			      run.fallback);
		if (tracing && !run_events_start(&ev, cg.id, events_why, sizeof(events_why))) {
			run_cgroup_remove(&cg, NULL, 0);
			fatal(EXIT_ERROR, "run: the trace event: %s", events_why);
		}
		code = run_command(run.argv, made ? &cg : NULL, &run, tracing ? &ev : NULL, how,
				   sizeof(how), cgroup, sizeof(cgroup));
		if (run.in_cgroup)
			run.by_cgroup = finish_cgroup(&cg, &cgroups_after, &ids, &nids, &run);
		else if (made)
			run_cgroup_remove(&cg, NULL, 0);	/* the command never entered it */
		run_events_stop(&ev);
		run_events_sort(&ev);
	}
	if (run.exec_failed)
		goto out;

	snapshot_load(&after);
	mine = xmalloc((after.t.nrows + 1) * sizeof(*mine));
	if (run.in_cgroup)
		of_cgroup.cgroups = cgroup_set_of(ids, nids);
	m = select_run(&before, &after, &run, run.in_cgroup ? &of_cgroup : NULL, self, mine);
	run.dropped_global = rise(&before, &after, "dropped");
	run.evicted_global = rise(&before, &after, "evicted");
	if (run.by_cgroup) {
		/* The rows its totals count less those still in the table. */
		run_cgroup_totals(&after, &cgroups_after, ids, nids, &total);
		run.task_rows = total.threads;
		run.evicted = total.threads - rows_in(&after, of_cgroup.cgroups);
		run.evicted = run.evicted > 0 ? run.evicted : 0;
		run.cgroups_evicted_global = rise(&cgroups_before, &cgroups_after, "evicted");
		print.total_of = &total;
	}
	if (!threads)
		m = merge_by_process(&after, mine, m);
	sort_tallies(mine, m, SORT_START);

	if (print.format == FORMAT_TABLE && !isatty(fileno(out)))
		print.format = FORMAT_TSV;	/* no -j or -T: TSV into a pipe or file */
	if (run.in_cgroup)
		snprintf(cgroup, sizeof(cgroup), "%s", cg.path);
	print.cgroup = cgroup[0] ? cgroup : NULL;
	in_cgroup = xmalloc(CGROUP_PATH_ESCAPED_MAX);
	path_escape(cgroup, in_cgroup, CGROUP_PATH_ESCAPED_MAX);
	if (print.format != FORMAT_JSON)
		fprintf(out, "cowstat: %s%s%s; copy-on-write by it and its descendants:\n", how,
			cgroup[0] ? ", in cgroup " : "", in_cgroup);
	free(in_cgroup);
	if (print.format == FORMAT_JSON)
		print.json_run = json_run(&run, tracing ? &ev : NULL, by_mapping, latency);
	print_tallies(out, &after, mine, m, &print);
	if (tracing && print.format != FORMAT_JSON)
		run_events_print(out, &ev, by_mapping, latency, print.format == FORMAT_TABLE);
	if (output && fclose(out))
		fatal(EXIT_ERROR, "%s: %s", output, strerror(errno));
	if (print.format != FORMAT_JSON)
		print_notes(&run, &after, &cg, attached);
	free((void *)print.json_run);
	row_filter_free(&of_cgroup);
	free(mine);
	snapshot_free(&after);
out:
	run_events_free(&ev);
	free(ids);
	run_cgroup_free(&cg);
	snapshot_free(&before);
	snapshot_free(&cgroups_before);
	snapshot_free(&cgroups_after);
	return code;
}
