// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat trace: the module's trace event cowstat:cow_fault, live, a line
 * per classified fault, as perf trace streams system calls.  Its mapping
 * is named as run --by-mapping names it, and -p, -c and -g select as show's
 * do.  The events come from a tracefs instance of its own (run-events.c),
 * removed when it stops: at Ctrl-C, SIGTERM or SIGHUP, or when its output
 * is closed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cowstat.h"

#define NAME_SLOTS	1024	/* process names remembered, by tgid */
#define COMM_RAW_MAX	(4 * 16 + 1)	/* a comm, every byte escaped */

struct process_name {
	pid_t	tgid;
	char	comm[COMM_RAW_MAX];	/* as /proc/cowstat writes a comm */
};

struct trace {
	struct row_filter	filter;
	bool			json, tsv;
	struct process_name	names[NAME_SLOTS];
	uint64_t		*unknown_cgroups;	/* looked for once, not found */
	size_t			nunknown;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: cowstat trace [options]\n"
"\n"
"Print each write-protect fault as the module classifies it, live, until\n"
"Ctrl-C: the task, its outcome (copy, reuse, shared, unshare, other), the\n"
"page's kind, bytes copied, the time it took, and the mapping, named as\n"
"/proc/PID/maps names it.  Reads the trace event cowstat:cow_fault from a\n"
"tracefs instance of its own (needs root).\n"
"\n"
"  -p, --pid PID,...    only processes PID with their threads, or tasks PID\n"
"  -c, --comm NAME,...  only processes named NAME\n"
"  -g, --cgroup PATH,...\n"
"                       only tasks in cgroup PATH or below it (those there\n"
"                       when trace starts)\n"
"  -j, --json           one JSON object per line, for scripts\n"
"  -T, --tsv            tab-separated with a header, even on a terminal\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n"
"\n"
"Lost events (the ring buffer overran) are counted on stderr.\n");
}

/* Write @comm into @out as /proc/cowstat writes a comm: blanks, '\\' and the rest as \ooo. */
static void escape_comm(const char *comm, char *out)
{
	const unsigned char *c = (const unsigned char *)comm;
	char *p = out;

	for (; *c && p < out + COMM_RAW_MAX - 5; c++) {
		if (*c > ' ' && *c < 0x7f && *c != '\\')
			*p++ = *c;
		else
			p += sprintf(p, "\\%03o", *c);
	}
	*p = '\0';
}

/*
 * The name of process @e->tgid: its main thread's comm when first seen
 * since trace started or the process last exec'd, else, if it has gone,
 * that of the task that wrote the event.
 */
static const char *process_name(struct trace *t, const struct cow_event *e)
{
	struct process_name *n = &t->names[e->tgid % NAME_SLOTS];
	char path[64], comm[32];
	FILE *f;

	if (n->tgid == e->tgid && n->comm[0])
		return n->comm;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)e->tgid);
	f = fopen(path, "re");
	if (f && fgets(comm, sizeof(comm), f)) {
		comm[strcspn(comm, "\n")] = '\0';
		escape_comm(comm, n->comm);
	} else {
		escape_comm(e->comm, n->comm);
	}
	if (f)
		fclose(f);
	n->tgid = e->tgid;
	return n->comm;
}

/* Process @pid runs a new program: its name is read again at its next event. */
static void forget_name(pid_t pid, void *arg)
{
	struct trace *t = arg;
	struct process_name *n = &t->names[pid % NAME_SLOTS];

	if (n->tgid == pid)
		n->comm[0] = '\0';
}

/* The path of cgroup @id, made perhaps since trace started, or NULL: removed. */
static const char *cgroup_of_event(struct trace *t, uint64_t id)
{
	const char *path = cgroup_known_path(id);
	size_t i;

	if (path || !id)
		return path;
	for (i = 0; i < t->nunknown; i++)
		if (t->unknown_cgroups[i] == id)
			return NULL;
	if (cgroup_learn(id))
		return cgroup_known_path(id);
	grow(&t->unknown_cgroups, t->nunknown, sizeof(*t->unknown_cgroups));
	t->unknown_cgroups[t->nunknown++] = id;
	return NULL;
}

static void print_json(const struct cow_event *e, const char *comm_raw, const char *cgroup)
{
	char comm[COMM_MAX], kind[48], *k;
	bool first = true;

	cowstat_unescape(comm_raw, comm, sizeof(comm));
	printf("{\"time\":%s,\"comm\":", e->time[0] ? e->time : "null");
	json_string(stdout, comm);
	printf(",\"pid\":%d,\"tgid\":%d,\"cgroup_id\":%" PRIu64 ",\"cgroup\":", (int)e->pid,
	       (int)e->tgid, e->cgroup);
	if (cgroup)
		json_string(stdout, cgroup);
	else
		fputs("null", stdout);
	printf(",\"outcome\":\"%s\",\"kind\":[", e->outcome);
	snprintf(kind, sizeof(kind), "%s", e->kind);
	for (k = strtok(kind, "|"); k; k = strtok(NULL, "|")) {
		printf("%s\"%s\"", first ? "" : ",", k);
		first = false;
	}
	printf("],\"address\":\"0x%" PRIx64 "\",\"bytes\":%" PRIu64 ",\"latency_ns\":%" PRIu64
	       ",\"mapping\":", e->address, e->bytes, e->latency_ns);
	json_string(stdout, e->mapping);
	fputs("}\n", stdout);
}

static void print_event(const struct cow_event *e, void *arg)
{
	struct trace *t = arg;
	const char *comm = process_name(t, e), *cgroup;
	char path[CGROUP_PATH_ESCAPED_MAX];

	if (!row_filter_matches_task(&t->filter, e->pid, e->tgid, comm, e->cgroup))
		return;
	cgroup = t->json || t->tsv ? cgroup_of_event(t, e->cgroup) : NULL;
	if (t->json) {
		print_json(e, comm, cgroup);
	} else if (t->tsv) {
		if (cgroup)
			path_escape(cgroup, path, sizeof(path));
		else
			snprintf(path, sizeof(path), "%" PRIu64 " (deleted)", e->cgroup);
		printf("%s\t%s\t%d\t%d\t%s\t%s\t%s\t%" PRIu64 "\t%" PRIu64 "\t0x%" PRIx64 "\t%s\n",
		       e->time, comm, (int)e->pid, (int)e->tgid, path, e->outcome,
		       e->kind[0] ? e->kind : "-", e->bytes, e->latency_ns, e->address,
		       e->mapping);
	} else {
		printf("%15s %-16s %7d %7d %-7s %-10s %7" PRIu64 " %9" PRIu64 " %14" PRIx64 "  %s\n",
		       e->time, comm, (int)e->pid, (int)e->tgid, e->outcome,
		       e->kind[0] ? e->kind : "-", e->bytes, e->latency_ns, e->address,
		       e->mapping);
	}
	if (ferror(stdout))
		stop = 1;	/* a closed pipe: EPIPE, SIGPIPE being ignored */
}

/* Each -p must name a task that exists now, or there is nothing to wait for. */
static void check_pids(const struct id_list *pids)
{
	int i;

	for (i = 0; i < pids->n; i++)
		if (kill(pids->ids[i], 0) && errno == ESRCH)
			fatal(EXIT_ERROR, "trace: --pid %" PRIu64 ": no such process",
			      pids->ids[i]);
}

/* Lost events since the last call, said on stderr as they are noticed. */
static void report_lost(const struct run_events *ev, uint64_t *lost)
{
	uint64_t now = ev->instance ? cowstat_trace_overruns(ev->instance) : ev->lost;

	if (now > *lost)
		fprintf(stderr, "cowstat: warning: %" PRIu64
			" trace events lost (the ring buffer overran), %" PRIu64 " in all\n",
			now - *lost, now);
	*lost = now;
}

int cmd_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid",	required_argument,	NULL, 'p' },
		{ "comm",	required_argument,	NULL, 'c' },
		{ "cgroup",	required_argument,	NULL, 'g' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "tsv",	no_argument,		NULL, 'T' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal }, ignore = { .sa_handler = SIG_IGN };
	/* not per process: a file's path, once known, names it in every process */
	struct run_events ev = { .pipe_fd = -1, .on_event = print_event, .on_exec = forget_name };
	struct name_list cgroups = { 0 };
	struct trace *t = xmalloc(sizeof(*t));
	/* stdout too: a pipe whose reader has gone polls POLLERR, events or not */
	struct pollfd pfd[2] = { { .events = POLLIN }, { .fd = STDOUT_FILENO } };
	time_t last_check = 0;
	uint64_t lost = 0;
	char why[512];
	int opt;

	memset(t, 0, sizeof(*t));
	ev.arg = t;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "p:c:g:jThV", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			add_ids(&t->filter.pids, "--pid", optarg);
			break;
		case 'c':
			add_names(&t->filter.comms, optarg);
			break;
		case 'g':
			add_names(&cgroups, optarg);
			break;
		case 'j':
			t->json = true;
			break;
		case 'T':
			t->tsv = true;
			break;
		default:
			return common_option(opt, usage);
		}
	}
	if (optind < argc)
		fatal(EXIT_USAGE, "trace: unexpected argument '%s'", argv[optind]);
	if (t->json && t->tsv)
		fatal(EXIT_USAGE, "trace: -j and -T are two formats: give one");
	if (access(COWSTAT_PROC, F_OK))
		fatal_no_module();
	check_pids(&t->filter.pids);
	if (cgroups.n)
		t->filter.cgroups = cgroup_subtrees(&cgroups);
	t->tsv = t->tsv || (!t->json && !isatty(STDOUT_FILENO));
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &ignore, NULL);
	if (!events_start(&ev, "trace", "", why, sizeof(why)))
		fatal(EXIT_ERROR, "trace: %s%s", why,
		      geteuid() ? " (tracefs needs root)" : "");
	if (t->tsv)
		puts("time\tcomm\tpid\ttgid\tcgroup\toutcome\tkind\tbytes\tlatency_ns\taddress\tmapping");
	else if (!t->json)
		printf("%15s %-16s %7s %7s %-7s %-10s %7s %9s %14s  %s\n", "TIME", "COMM", "PID",
		       "TGID", "OUTCOME", "KIND", "BYTES", "NS", "ADDRESS", "MAPPING");
	fflush(stdout);
	pfd[0].fd = run_events_fd(&ev);
	while (!stop) {
		if (poll(pfd, 2, 1000) < 0 && errno != EINTR)
			fatal(EXIT_ERROR, "poll: %s", strerror(errno));
		if (pfd[1].revents & POLLERR)
			break;
		run_events_read(&ev);
		fflush(stdout);
		if (time(NULL) != last_check) {
			last_check = time(NULL);
			report_lost(&ev, &lost);
		}
	}
	run_events_stop(&ev);	/* what is left is read, and printed, first */
	fflush(stdout);
	report_lost(&ev, &lost);
	run_events_free(&ev);
	row_filter_free(&t->filter);
	free(cgroups.names);
	free(t->unknown_cgroups);
	free(t);
	return EXIT_OK;
}
