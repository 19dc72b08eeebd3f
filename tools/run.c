// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat run -- CMD: run a command and report the copy-on-write faults of
 * it and of all its descendants, including those that have already exited.
 *
 * A row belongs to the run when its task started after the command was
 * forked and its ancestry (the ppid the module recorded) leads to the
 * command.  cowstat becomes a child subreaper, so descendants orphaned
 * before their first fault record cowstat as their parent and still count.
 * No reset is needed: other rows are left alone.
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

static void usage(FILE *f)
{
	fprintf(f,
"usage: cowstat run [options] -- COMMAND [ARG...]\n"
"       cowstat run [options] -p PID\n"
"\n"
"Run COMMAND and report the copy-on-write activity of it and all its\n"
"descendants, including those that exited.  Exits with COMMAND's status\n"
"(128+N if killed by signal N); 125 if cowstat failed, 126 if COMMAND\n"
"could not be run, 127 if it was not found.\n"
"With -p, watch a running process instead, until it ends or Ctrl-C, and\n"
"report what it and its descendants did meanwhile (like perf stat -p).\n"
"\n"
"  -t, --threads        one row per task instead of per process\n"
"  -j, --json           JSON, for scripts\n"
"  -T, --tsv            tab-separated with a header, even on a terminal\n"
"  -p, --pid PID        attach to process PID instead of running a command\n"
"  -o, --output FILE    write the report to FILE instead of stderr; FILE\n"
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

/* What the command's process tells cowstat if its exec fails. */
struct child_report {
	int	err;
};

/* In the child: exec argv, or tell the parent why not. */
static void __attribute__((noreturn)) exec_command(char **argv, int report_fd)
{
	struct child_report r;
	ssize_t ret;

	execvp(argv[0], argv);
	r.err = errno;
	ret = write(report_fd, &r, sizeof(r));
	(void)ret;		/* if the parent cannot be told, there is no one else to tell */
	_exit(r.err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

/*
 * Run argv[0...] as our child; its exit status as a shell gives it, and
 * how it ended into @how; 127 or 126 if it could not be run, and
 * @exec_failed.  Its cgroup into @cgroup, read while it runs (or is a
 * zombie, not yet reaped), "" if it has none in cgroup v2.
 */
static int run_command(char **argv, pid_t *pid, bool *exec_failed, char *how, size_t size,
		       char *cgroup, size_t cgroup_size)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN }, old_int, old_quit;
	struct child_report r;
	int status, code, fds[2];
	ssize_t len;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		fatal(EXIT_ERROR, "prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));
	if (pipe2(fds, O_CLOEXEC))
		fatal(EXIT_ERROR, "pipe: %s", strerror(errno));
	/* The command gets Ctrl-C and Ctrl-\; we report after it ends. */
	sigaction(SIGINT, &ignore, &old_int);
	sigaction(SIGQUIT, &ignore, &old_quit);
	fflush(NULL);
	*pid = fork();
	if (*pid < 0)
		fatal(EXIT_ERROR, "fork: %s", strerror(errno));
	if (*pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		close(fds[0]);
		exec_command(argv, fds[1]);
	}
	close(fds[1]);
	/* End of file: the exec succeeded (the pipe is close-on-exec). */
	while ((len = read(fds[0], &r, sizeof(r))) < 0 && errno == EINTR)
		;
	close(fds[0]);
	*exec_failed = len == sizeof(r);
	if (!cgroup_of_pid(*pid, cgroup, cgroup_size))
		cgroup[0] = '\0';
	while (waitpid(*pid, &status, 0) < 0 && errno == EINTR)
		;
	while (waitpid(-1, NULL, WNOHANG) > 0)	/* adopted orphans that exited */
		;
	if (*exec_failed) {
		fprintf(stderr, "cowstat: %s: %s\n", argv[0], strerror(r.err));
		return r.err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
	}
	if (WIFEXITED(status)) {
		code = WEXITSTATUS(status);
		snprintf(how, size, "%s exited with status %d", argv[0], code);
	} else {
		code = 128 + WTERMSIG(status);
		snprintf(how, size, "%s was killed by signal %d (%s)", argv[0], WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	}
	return code;
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

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threads",	no_argument,		NULL, 't' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "tsv",	no_argument,		NULL, 'T' },
		{ "output",	required_argument,	NULL, 'o' },
		{ "pid",	required_argument,	NULL, 'p' },
		{ "file",	required_argument,	NULL, 'f' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 },
	};
	bool threads = false, busy, exec_failed = false;
	const char *output = NULL;
	struct print_opts print = { .human = true, .header = true, .total = true };
	struct snapshot before, after;
	struct tally_index *index;
	struct tally *rows, *mine;
	int opt, r, c, n, m = 0, code = EXIT_OK;
	pid_t pid = 0, self = -1;	/* -1: no subreaper's adoptions */
	long long dropped;
	char how[128], cgroup[4096] = "", *in_cgroup;
	uint64_t t0 = 0;
	FILE *out;

	/* Our own failures must not pass for the command's status. */
	cowstat_exit_failure = EXIT_RUN_FAILED;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+tjTo:p:f:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			threads = true;
			break;
		case 'j':
			print.format = FORMAT_JSON;
			break;
		case 'T':
			print.format = FORMAT_TSV;
			break;
		case 'o':
			output = optarg;
			break;
		case 'p':
			pid = parse_count("--pid", optarg, 1, INT_MAX);
			break;
		case 'f':
			cowstat_proc_path = optarg;
			break;
		default:
			return common_option(opt, usage) == EXIT_OK ? EXIT_OK : EXIT_RUN_FAILED;
		}
	}
	if (optind < argc ? pid != 0 : !pid) {	/* a command, or -p */
		usage(stderr);
		return EXIT_RUN_FAILED;
	}
	snapshot_load(&before);
	/* Now, so that a bad path fails before the command runs, not after. */
	out = output ? fopen(output, "we") : stderr;
	if (!out)
		fatal(EXIT_ERROR, "%s: %s", output, strerror(errno));
	if (pid) {
		if (!cgroup_of_pid(pid, cgroup, sizeof(cgroup)))
			cgroup[0] = '\0';
		attach(pid, how, sizeof(how));
	} else {
		t0 = monotonic_ns();
		self = getpid();
		code = run_command(&argv[optind], &pid, &exec_failed, how, sizeof(how), cgroup,
				   sizeof(cgroup));
		if (exec_failed) {	/* no report: the command never ran */
			snapshot_free(&before);
			return code;
		}
	}

	/*
	 * The rows of the command's tasks and its descendants': those that
	 * started after it, or with -p what each task did while attached.
	 */
	snapshot_load(&after);
	index = tally_index(&before, NULL);
	rows = xmalloc((after.t.nrows + 1) * sizeof(*rows));
	mine = xmalloc((after.t.nrows + 1) * sizeof(*mine));
	n = select_tallies(&after, NULL, rows);
	for (r = 0, c = 0; r < n; r++)
		if (rows[r].start >= t0)
			rows[c++] = rows[r];
	n = c;
	for (r = 0; r < n; r++) {
		if (!in_run(rows, n, rows[r].tgid, pid, self, 0))
			continue;
		mine[m] = rows[r];
		if (!t0)
			tally_since(&after, &mine[m], &before, tally_find(index, &mine[m]));
		for (c = 0, busy = t0; c < after.t.ncols && !busy; c++)
			busy = mine[m].v[c] > 0;
		m += busy;
	}
	if (!threads)
		m = merge_by_process(&after, mine, m);
	sort_tallies(mine, m, SORT_START);

	if (print.format == FORMAT_TABLE && !isatty(fileno(out)))
		print.format = FORMAT_TSV;	/* no -j or -T: TSV into a pipe or file */
	print.cgroup = cgroup[0] ? cgroup : NULL;
	in_cgroup = xmalloc(CGROUP_PATH_ESCAPED_MAX);
	path_escape(cgroup, in_cgroup, CGROUP_PATH_ESCAPED_MAX);
	if (print.format != FORMAT_JSON)
		fprintf(out, "cowstat: %s%s%s; copy-on-write by it and its descendants:\n", how,
			cgroup[0] ? ", in cgroup " : "", in_cgroup);
	free(in_cgroup);
	print.by = threads ? BY_TASK : BY_PROCESS;
	print_tallies(out, &after, mine, m, &print);
	if (output && fclose(out))
		fatal(EXIT_ERROR, "%s: %s", output, strerror(errno));
	dropped = cowstat_version_field(&after.t, "dropped") -
		  cowstat_version_field(&before.t, "dropped");
	if (dropped > 0)
		fprintf(stderr, "cowstat: warning: %lld faults were not recorded (table full: raise max_tasks)\n",
			dropped);
	tally_index_free(index);
	free(rows);
	free(mine);
	snapshot_free(&before);
	snapshot_free(&after);
	return code;
}
