// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat top: a live view, refreshed every second, of the tasks (or the
 * cgroups) copying the most, with rates.  q or Ctrl-C quits and restores
 * the terminal.  Without a terminal (or with --batch) it prints what the
 * screen would show, every row, once per refresh.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cowstat.h"

enum { OPT_CGROUPS_FILE = 256 };	/* a long option without a short one */

static volatile sig_atomic_t stop;
static struct termios saved_tty;
static bool tty_saved;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void restore_terminal(void)
{
	if (!tty_saved)
		return;
	tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	fputs("\033[?25h\033[?1049l", stdout);	/* cursor on, main screen */
	fflush(stdout);
	tty_saved = false;
}

static void setup_terminal(void)
{
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &saved_tty))
		return;
	tty_saved = true;
	atexit(restore_terminal);
	raw = saved_tty;
	raw.c_lflag &= ~(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	fputs("\033[?1049h\033[?25l", stdout);	/* alternate screen, cursor off */
}

/* -s: the rate rows are ordered by, largest first. */
static enum { SORT_BYTES_S, SORT_COPIES_S, SORT_FAULTS_S } rate_key;

static double key_rate(const struct rate *x)
{
	return rate_key == SORT_FAULTS_S ? x->faults_s :
	       rate_key == SORT_COPIES_S ? x->copies_s : x->bytes_s;
}

static int by_rate(const void *pa, const void *pb)
{
	const struct rate *a = pa, *b = pb;

	if (key_rate(a) != key_rate(b))
		return key_rate(a) < key_rate(b) ? 1 : -1;
	if (a->faults_s != b->faults_s)
		return a->faults_s < b->faults_s ? 1 : -1;
	if (a->t.pid != b->t.pid)
		return a->t.pid < b->t.pid ? -1 : 1;
	return a->t.cgroup < b->t.cgroup ? -1 : a->t.cgroup > b->t.cgroup;
}

static int by_tgid(const void *pa, const void *pb)
{
	const struct rate *a = pa, *b = pb;

	return a->t.tgid < b->t.tgid ? -1 : a->t.tgid > b->t.tgid;
}

/* -P: the rates of each process's threads summed, under its main thread's comm. */
static int merge_rates(const struct snapshot *s, struct rate *rates, int n)
{
	int i, out = 0;

	qsort(rates, n, sizeof(*rates), by_tgid);
	for (i = 0; i < n; i++) {
		struct rate *p = &rates[out - 1];

		if (!out || p->t.tgid != rates[i].t.tgid) {
			rates[out++] = rates[i];
			continue;
		}
		tally_add(s, &p->t, &rates[i].t);
		p->bytes_s += rates[i].bytes_s;
		p->copies_s += rates[i].copies_s;
		p->faults_s += rates[i].faults_s;
		if (rates[i].t.pid == rates[i].t.tgid)
			p->t.comm_raw = rates[i].t.comm_raw;
	}
	qsort(rates, out, sizeof(*rates), by_rate);
	return out;
}

/*
 * The tasks (or cgroups) of @cur with their rates since @prev (NULL: none
 * yet), @elapsed ns before, into @rates, largest bytes/s first; only those
 * that faulted unless @all.  Returns the count.  O(n log n): the previous
 * rows are looked up in a sorted index, not scanned once per row.
 */
int top_rates(const struct snapshot *cur, const struct snapshot *prev, uint64_t elapsed,
	      bool all, struct rate *rates)
{
	int cb = cowstat_col(&cur->t, "bytes"), cc = cowstat_col(&cur->t, "copies");
	int cf = cowstat_col(&cur->t, "faults"), r, n = 0, all_rows;
	struct tally_index *index = tally_index(prev, NULL);
	struct tally *rows = xmalloc((cur->t.nrows + 1) * sizeof(*rows));
	struct tally d;

	all_rows = select_tallies(cur, NULL, rows);
	for (r = 0; r < all_rows; r++) {
		struct rate *x = &rates[n];

		x->t = rows[r];
		d = x->t;
		tally_own(cur, &d);	/* the increase, not the total shown beside it */
		tally_since(cur, &d, prev, tally_find(index, &x->t));
		x->bytes_s = cb >= 0 ? per_second(d.v[cb], elapsed) : 0;
		x->copies_s = cc >= 0 ? per_second(d.v[cc], elapsed) : 0;
		x->faults_s = cf >= 0 ? per_second(d.v[cf], elapsed) : 0;
		if (x->faults_s > 0 || all)
			n++;
	}
	tally_index_free(index);
	free(rows);
	qsort(rates, n, sizeof(*rates), by_rate);
	return n;
}

/* -p: the processes (or tasks) to show; none: all. */
#define MAX_PIDS	20
static pid_t pids[MAX_PIDS];
static int npids;
static bool by_process;		/* -P */
static bool by_cgroup;		/* -G */

static bool wanted(const struct tally *t)
{
	int i;

	for (i = 0; i < npids; i++)
		if (t->pid == pids[i] || t->tgid == pids[i])
			return true;
	return !npids;
}

static int by_tgid_only(const void *pa, const void *pb)
{
	pid_t a = *(const pid_t *)pa, b = *(const pid_t *)pb;

	return a < b ? -1 : a > b;
}

/* How many processes the @n tasks of @rates belong to. */
static int count_processes(const struct rate *rates, int n)
{
	pid_t *tgids = xmalloc((n + 1) * sizeof(*tgids));
	int i, count = 0;

	for (i = 0; i < n; i++)
		tgids[i] = rates[i].t.tgid;
	qsort(tgids, n, sizeof(*tgids), by_tgid_only);
	for (i = 0; i < n; i++)
		count += !i || tgids[i] != tgids[i - 1];
	free(tgids);
	return count;
}

/*
 * A refresh: the rates from @prev to @cur of the rows -p selects that
 * faulted, the same whether on a screen of @lines or in batch mode, and a
 * header that counts them, the rows selected and all rows, as top's
 * "Tasks:" line does.
 */
static void draw(const struct reading *cur, const struct reading *prev, int lines, bool live)
{
	const struct snapshot *s = &cur->s;
	struct rate *rates = xmalloc((s->t.nrows + 1) * sizeof(*rates));
	int cb = cowstat_col(&s->t, "bytes"), tasks = cowstat_col(&s->t, "tasks");
	int r, n, total, selected = 0, faulting = 0;
	char *name = xmalloc(CGROUP_PATH_ESCAPED_MAX);
	double total_bytes = 0;
	char a[16], b[16], when[16];

	n = top_rates(s, &prev->s, cur->at.mono - prev->at.mono, true, rates);
	total = by_process ? count_processes(rates, n) : n;
	for (r = 0; r < n; r++)
		if (wanted(&rates[r].t))
			rates[selected++] = rates[r];
	if (by_process)
		selected = merge_rates(s, rates, selected);
	for (r = 0; r < selected; r++) {
		if (rates[r].faults_s <= 0)
			continue;
		total_bytes += rates[r].bytes_s;
		rates[faulting++] = rates[r];
	}
	if (live)
		fputs("\033[H\033[2J", stdout);
	human_bytes((uint64_t)total_bytes, a, sizeof(a));
	stamp_local(&cur->at, when, sizeof(when));
	printf("cowstat top - %s, %s/s copied, %lld dropped%s\n", when, a,
	       cowstat_version_field(&s->t, "dropped"), live ? "   (q to quit)" : "");
	printf("%s: %d faulting, ", by_cgroup ? "Cgroups" : by_process ? "Processes" : "Tasks",
	       faulting);
	if (npids)
		printf("%d selected, ", selected);
	printf("%d total\n\n", total);
	if (by_cgroup)
		printf("%9s %7s", "cgroup_id", "tasks");
	else
		printf("%7s %7s", by_process ? "tgid" : "pid", by_process ? "threads" : "tgid");
	printf(" %10s %10s %10s %10s %s\n", "faults/s", "copies/s", "copied/s", "copied",
	       by_cgroup ? "cgroup" : "comm");
	for (r = 0; r < faulting && r < lines - 5; r++) {
		const struct tally *t = &rates[r].t;

		human_bytes((uint64_t)rates[r].bytes_s, a, sizeof(a));
		human_bytes(cb >= 0 ? t->v[cb] : 0, b, sizeof(b));
		if (by_cgroup) {
			printf("%9llu %7llu", (unsigned long long)t->cgroup,
			       (unsigned long long)(tasks >= 0 ? t->v[tasks] : 0));
			cgroup_path_escaped(t->cgroup, name, CGROUP_PATH_ESCAPED_MAX);
		} else {
			printf("%7d %7d", by_process ? t->tgid : t->pid,
			       by_process ? t->threads : t->tgid);
		}
		printf(" %10.0f %10.0f %10s %10s %s\n", rates[r].faults_s, rates[r].copies_s, a,
		       b, by_cgroup ? name : t->comm_raw);
	}
	if (!live)
		printf("\n");
	fflush(stdout);
	free(rates);
	free(name);
}

/* The table of a refresh: /proc/cowstat, or /proc/cowstat_cgroups for -G. */
static void load(struct snapshot *s)
{
	if (by_cgroup)
		cgroups_load(s);
	else
		snapshot_load(s);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: cowstat top [options]\n"
"\n"
"Live view of the tasks (or cgroups) copying the most, refreshed every second.\n"
"q or Ctrl-C quits.  The header counts the rows: those that faulted since the\n"
"refresh before, those -p selected, and all.\n"
"\n"
"  -d, --delay SECONDS  time between refreshes                  (default: 1)\n"
"  -n, --count N        stop after N refreshes (or --iterations N, as in\n"
"                       procps top)                     (default: until q)\n"
"  -b, --batch          the screen's header and rows as text, every row,\n"
"                       a refresh after another, no screen control\n"
"  -p, --pid PID[,PID]  only these processes (their threads) or tasks, up to 20\n"
"  -s, --sort KEY       bytes, copies or faults per second   (default: bytes)\n"
"  -P, --by-process     one row per process, its threads summed\n"
"  -G, --by-cgroup      one row per cgroup, from %s\n"
"  -f, --file FILE      read a table instead of %s (re-read each refresh)\n"
"      --cgroups-file FILE\n"
"                       read a table instead of %s (re-read each refresh)\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n", COWSTAT_CGROUPS_PROC, COWSTAT_PROC,
		COWSTAT_CGROUPS_PROC);
}

int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "delay",	required_argument,	NULL, 'd' },
		{ "iterations",	required_argument,	NULL, 'n' },
		{ "count",	required_argument,	NULL, 'n' },
		{ "batch",	no_argument,		NULL, 'b' },
		{ "pid",	required_argument,	NULL, 'p' },
		{ "sort",	required_argument,	NULL, 's' },
		{ "by-process",	no_argument,		NULL, 'P' },
		{ "by-cgroup",	no_argument,		NULL, 'G' },
		{ "file",	required_argument,	NULL, 'f' },
		{ "cgroups-file", required_argument,	NULL, OPT_CGROUPS_FILE },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 },
	};
	bool live = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	struct reading prev, cur;
	struct ticker ticker;
	struct sigaction sa;
	struct winsize ws;
	struct stamp now;
	double delay = 1;
	long iterations = -1, i;
	int opt, lines = 24;
	char *p;
	char key;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "d:n:bp:s:PGf:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			delay = parse_seconds("--delay", optarg, 0.1, 3600);
			break;
		case 'n':
			iterations = parse_count("--iterations", optarg, 1, INT_MAX);
			break;
		case 'b':
			live = false;
			break;
		case 'p':
			for (p = strtok(optarg, ","); p; p = strtok(NULL, ",")) {
				if (npids == MAX_PIDS)
					fatal(EXIT_USAGE, "--pid: at most %d pids", MAX_PIDS);
				pids[npids++] = parse_count("--pid", p, 1, INT_MAX);
			}
			break;
		case 's':
			if (!strcmp(optarg, "faults"))
				rate_key = SORT_FAULTS_S;
			else if (!strcmp(optarg, "copies"))
				rate_key = SORT_COPIES_S;
			else if (strcmp(optarg, "bytes"))
				fatal(EXIT_USAGE, "--sort %s: expected bytes, copies or faults",
				      optarg);
			break;
		case 'P':
			by_process = true;
			break;
		case 'G':
			by_cgroup = true;
			break;
		case 'f':
			cowstat_proc_path = optarg;
			break;
		case OPT_CGROUPS_FILE:
			cowstat_cgroups_path = optarg;
			break;
		default:
			return common_option(opt, usage);
		}
	}
	if (optind < argc)
		fatal(EXIT_USAGE, "top: unexpected argument '%s'", argv[optind]);
	if (by_cgroup && (npids || by_process))
		fatal(EXIT_USAGE, "top: --by-cgroup has no processes for --pid or --by-process");

	stamp_now(&prev.at);
	load(&prev.s);	/* fails with a clear message before touching the tty */
	ticker_start(&ticker, prev.at.mono, delay);	/* refresh k: k delays after */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (live)
		setup_terminal();

	for (i = 0; !stop && (iterations < 0 || i < iterations); i++) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

		stamp_now(&now);
		/* a key refreshed early: the deadline it came before still holds */
		if (now.mono >= deadline_at(ticker.start, ticker.period, ticker.k))
			ticker_advance(&ticker, now.mono);
		if (live && poll(&pfd, 1, ticker_ms_left(&ticker, now.mono)) > 0 &&
		    read(STDIN_FILENO, &key, 1) == 1 && (key == 'q' || key == 'Q'))
			break;
		while (!live && ticker_wait(&ticker) && !stop)
			;
		if (stop)
			break;
		stamp_now(&cur.at);
		load(&cur.s);
		if (live && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row > 6)
			lines = ws.ws_row;
		draw(&cur, &prev, live ? lines : INT_MAX, live);
		snapshot_free(&prev.s);
		prev = cur;
	}
	snapshot_free(&prev.s);
	restore_terminal();
	return EXIT_OK;
}
