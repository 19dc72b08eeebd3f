// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat(8): what every subcommand shares -- errors, reading
 * /proc/cowstat into a snapshot, and printing rows as a table, TSV or JSON.
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cowstat.h"

const char *cowstat_proc_path = COWSTAT_PROC;
const char *cowstat_cgroups_path = COWSTAT_CGROUPS_PROC;

/* ---- Errors and memory ---- */

int cowstat_exit_failure;

void fatal(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("cowstat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(cowstat_exit_failure ? cowstat_exit_failure : code);
}

void *xmalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p)
		fatal(EXIT_ERROR, "out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		fatal(EXIT_ERROR, "out of memory");
	return p;
}

/* The same -V for cowstat and each of its commands. */
void print_version(void)
{
	printf("cowstat %s (/proc/cowstat format %d)\n", COWSTAT_VERSION, COWSTAT_FORMAT);
}

/* Exit 3, saying how to load the module. */
void fatal_no_module(void)
{
	fatal(EXIT_NOMODULE, "%s not found: load the module first (sudo insmod cowstat.ko, or sudo modprobe cowstat)",
	      COWSTAT_PROC);
}

/* Seconds from @min to @max for option @opt, as a plain number, or exit 2. */
double parse_seconds(const char *opt, const char *arg, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (!*arg || *end || errno || !(v >= min && v <= max) || arg[0] == ' ' ||
	    strpbrk(arg, "xXpPnN"))		/* hex floats, nan, inf */
		fatal(EXIT_USAGE, "%s %s: expected seconds from %g to %g, such as 0.5", opt, arg,
		      min, max);
	return v;
}

/* A whole decimal number from @min to @max for option @opt, or exit 2. */
long parse_count(const char *opt, const char *arg, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (!*arg || *end || arg[0] == '-' || arg[0] == '+' || arg[0] == ' ' || errno ||
	    v < min || v > max)
		fatal(EXIT_USAGE, "%s %s: expected a whole number from %ld to %ld", opt, arg,
		      min, max);
	return v;
}

/* Length of the valid UTF-8 sequence at @s (1 to 4 bytes), 0 if none. */
int utf8_len(const unsigned char *s)
{
	unsigned int cp, min;
	int len, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;	/* overlong, beyond Unicode, or a surrogate */
	return len;
}

/* -h, -V and unknown options, alike in every subcommand: the exit code. */
int common_option(int opt, void (*usage)(FILE *f))
{
	if (opt == 'h') {
		usage(stdout);
		return EXIT_OK;
	}
	if (opt == 'V') {
		print_version();
		return EXIT_OK;
	}
	usage(stderr);
	return EXIT_USAGE;
}

/* ---- Snapshots ---- */

static const char *const fixed_cols[] = {
	"pid", "tgid", "ppid", "uid", "start", "cgroup", "state", "comm",
};

bool is_counter_col(const struct snapshot *s, int c)
{
	return s->counter[c];
}

/* ---- Parsing, strictly ---- */

/*
 * The shared parser (cowstat_table.h) trusts the module; a table given with
 * -f can hold anything.  These checks run around it, so that every number
 * the tool prints is one the table holds, or the tool says why not.
 */

/* A decimal number with no sign, blank or suffix, at most @max. */
bool parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (UINT64_MAX - (*s - '0')) / 10)
			return false;
		x = x * 10 + (*s - '0');
	}
	*v = x;
	return x <= max;
}

static int bad_table(struct snapshot *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad_table(struct snapshot *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return -EPROTO;
}

static const char *const known_counters[] = {
	"faults", "copies", "reuses", "shared", "unshare", "other", "zero", "ksm", "thp",
	"hugetlb", "remote", "bytes", "large", "thp_zero",
	"tasks",	/* /proc/cowstat_cgroups: task rows counted in the cgroup */
};

static bool in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(name, list[i]))
			return true;
	return false;
}

/*
 * The columns a view shows after its leading ones: the counters, and the
 * columns of text this tool does not know (a newer format's), as they are.
 */
static bool is_shown_col(const struct snapshot *s, int c)
{
	return s->counter[c] ||
	       !in_list(s->t.cols[c], fixed_cols, sizeof(fixed_cols) / sizeof(fixed_cols[0]));
}

/* The largest value column @name may hold; 0 for a column of text. */
static uint64_t column_max(const char *name)
{
	if (!strcmp(name, "pid") || !strcmp(name, "tgid") || !strcmp(name, "ppid"))
		return INT32_MAX;	/* pid_t */
	if (!strcmp(name, "uid"))
		return UINT32_MAX;
	if (in_list(name, fixed_cols, sizeof(fixed_cols) / sizeof(fixed_cols[0])) &&
	    strcmp(name, "start") && strcmp(name, "cgroup"))
		return 0;
	return UINT64_MAX;
}

/* Numbers that identify rather than count: never summed. */
static bool is_id_col(const char *name)
{
	return !strcmp(name, "start") || !strcmp(name, "cgroup");
}

/* Lines: no NUL, no control bytes but tab, CRLF read as LF, N fields each. */
static int check_lines(struct snapshot *s, char *text, size_t len)
{
	char *p, *q, *nl;
	int line = 1, fields = 0, ncols = 0;

	for (p = q = text; p < text + len; p++) {	/* drop the CR of each CRLF */
		if (*p == '\r' && p + 1 < text + len && p[1] == '\n')
			continue;
		*q++ = *p;
	}
	*q = '\0';
	len = q - text;
	for (p = text; p < text + len; p = nl + 1, line++) {
		nl = memchr(p, '\n', text + len - p);
		if (!nl && line > 2 && !memchr(p, '\0', text + len - p))
			return bad_table(s, "line %d: no newline at its end: the table was cut short",
					 line);
		if (!nl)
			break;		/* the version line or header: see snapshot_parse() */
		for (fields = 1, q = p; q < nl; q++) {
			if (*q == '\t')
				fields++;
			else if ((unsigned char)*q < 0x20)
				return bad_table(s, "line %d: a %s byte", line,
						 *q ? "control" : "NUL");
		}
		if (line == 2)
			ncols = fields;
		if (line == 2 && ncols > COWSTAT_MAX_COLS)
			return bad_table(s, "line 2: %d columns, more than %d", ncols,
					 COWSTAT_MAX_COLS);
		if (line > 2 && fields != ncols)
			return bad_table(s, "line %d: %d fields, the header has %d%s", line,
					 fields, ncols, nl + 1 == text + len && fields < ncols ?
					 " (a table cut short?)" : "");
	}
	if (memchr(p, '\0', text + len - p))
		return bad_table(s, "line %d: a NUL byte", line);
	return 0;
}

/* Values: numbers in range, a one-letter state, totals within 64 bits. */
static int check_values(struct snapshot *s)
{
	const struct cowstat_table *t = &s->t;
	uint64_t v, max, sum;
	bool known, nonzero;
	int r, c, d;

	if (t->version < 1)
		return bad_table(s, "line 1: no format version after 'cowstat'");
	s->num = calloc((size_t)t->nrows * t->ncols + 1, sizeof(*s->num));
	if (!s->num)
		return -ENOMEM;
	for (c = 0; c < t->ncols; c++) {
		for (d = 0; d < c; d++)
			if (!strcmp(t->cols[c], t->cols[d]))
				return bad_table(s, "line 2: column '%s' twice", t->cols[c]);
		max = column_max(t->cols[c]);
		known = max != UINT64_MAX || is_id_col(t->cols[c]) ||
			in_list(t->cols[c], known_counters,
				sizeof(known_counters) / sizeof(known_counters[0]));
		/*
		 * A column this tool does not know is a counter if it holds
		 * numbers only, but only in the formats it knows: the format
		 * goes up when a column that is not a counter is added.
		 */
		s->counter[c] = max == UINT64_MAX && !is_id_col(t->cols[c]) &&
				(known || t->version <= COWSTAT_FORMAT);
		if (!known && !s->counter[c])
			continue;	/* a newer format's column: text to this tool */
		nonzero = !strcmp(t->cols[c], "pid") || !strcmp(t->cols[c], "tgid");
		for (r = 0; !strcmp(t->cols[c], "state") && r < t->nrows; r++)
			if (strlen(cowstat_field(t, r, c)) != 1)
				return bad_table(s, "line %d: state '%s' is not one character",
						 r + 3, cowstat_field(t, r, c));
		for (r = 0, sum = 0; max && r < t->nrows; r++) {
			const char *f = cowstat_field(t, r, c);

			if (!parse_u64(f, max, &v) && !known) {
				s->counter[c] = false;
				break;
			}
			if (!parse_u64(f, max, &v))
				return bad_table(s, "line %d: %s '%s' is not a number from 0 to %llu",
						 r + 3, t->cols[c], f, (unsigned long long)max);
			if (!v && nonzero)
				return bad_table(s, "line %d: %s 0", r + 3, t->cols[c]);
			if (s->counter[c] && __builtin_add_overflow(sum, v, &sum))
				return bad_table(s, "column %s: its total exceeds 2^64 - 1",
						 t->cols[c]);
			s->num[(size_t)r * t->ncols + c] = v;
		}
	}
	return 0;
}

/* The first field of line 2, the header: "pid", or "cgroup" for /proc/cowstat_cgroups. */
static bool header_starts_with(const char *text, const char *name)
{
	const char *header = strchr(text, '\n');
	size_t len = strlen(name);

	return header && !strncmp(header + 1, name, len) &&
	       (header[1 + len] == '\t' || header[1 + len] == '\n');
}

/* 0 if @text starts as a cowstat table does, or -EPROTO and which line does not, and how. */
static int check_start(struct snapshot *s, const char *text)
{
	const char *header = strchr(text, '\n');
	int len = strcspn(text, "\n");

	if (strncmp(text, "cowstat ", 8))
		return bad_table(s, "line 1: '%.*s' is not a version line such as 'cowstat 2 tasks=...'",
				 len > 40 ? 40 : len, text);
	if (!header || !strchr(header + 1, '\n'))
		return bad_table(s, "line 2: no complete header line: the table was cut short");
	len = strcspn(header + 1, "\t\n");
	if (!header_starts_with(text, "pid") && !header_starts_with(text, "cgroup"))
		return bad_table(s, "line 2: a header that starts with '%.*s', not 'pid' or 'cgroup'",
				 len > 40 ? 40 : len, header + 1);
	return 0;
}

/*
 * Parse @text (@len bytes, NUL-terminated) into @s, in place: /proc/cowstat
 * or /proc/cowstat_cgroups, which the header tells apart.  0, -ENOMEM, or
 * -EPROTO with the reason in @s->error.
 */
int snapshot_parse(struct snapshot *s, char *text, size_t len)
{
	long long ps;
	int ret;

	memset(s, 0, sizeof(*s));
	s->text = text;
	ret = check_lines(s, text, len);
	if (!ret)
		ret = check_start(s, text);
	if (!ret) {
		s->cgroups = header_starts_with(text, "cgroup");
		ret = cowstat_table_parse_as(&s->t, text, s->cgroups ? "cgroup" : "pid");
	}
	if (!ret)
		ret = check_values(s);
	if (ret)
		return ret;
	ps = cowstat_version_field(&s->t, "page_size");
	s->page_size = ps > 0 ? ps : sysconf(_SC_PAGESIZE);
	s->comm = cowstat_col(&s->t, "comm");
	s->col_pid = cowstat_col(&s->t, "pid");
	s->col_tgid = cowstat_col(&s->t, "tgid");
	s->col_ppid = cowstat_col(&s->t, "ppid");
	s->col_uid = cowstat_col(&s->t, "uid");
	s->col_start = cowstat_col(&s->t, "start");
	s->col_state = cowstat_col(&s->t, "state");
	s->col_cgroup = cowstat_col(&s->t, "cgroup");
	return 0;
}

/* 0, or -errno: -ENOENT (no module), -EPROTO (not a cowstat table), ... */
int snapshot_read(struct snapshot *s, const char *path)
{
	size_t len;
	char *text = cowstat_slurp(path, &len);
	int ret;

	memset(s, 0, sizeof(*s));
	if (!text)
		return -errno;
	ret = snapshot_parse(s, text, len);
	if (ret)
		snapshot_free(s);
	return ret;
}

/*
 * A table saved for --since: /proc/cowstat or /proc/cowstat_cgroups as
 * they are, or show -j's JSON, read back as that text.  0, or -errno.
 */
int snapshot_read_saved(struct snapshot *s, const char *path)
{
	size_t len;
	char *text = cowstat_slurp(path, &len), *table;

	memset(s, 0, sizeof(*s));
	if (!text)
		return -errno;
	if (text[strspn(text, " \t\r\n")] == '{') {
		table = json_table_text(text, &len, s->error);
		free(text);
		if (!table)
			return -EPROTO;
		text = table;
	} else if (!strncmp(text, "pid\t", 4) || !strncmp(text, "cgroup_id\t", 10)) {
		free(text);
		return bad_table(s, "line 1: a header, as show -T writes: it has no start to tell a task from an older one of the same pid; save %s itself, or show -j",
				 COWSTAT_PROC);
	}
	if (snapshot_parse(s, text, len)) {
		snapshot_free(s);	/* its error kept */
		return -EPROTO;
	}
	return 0;
}

/* Exit with why @path (/proc/... or a file given with an option) could not be read. */
static void fatal_unreadable(const struct snapshot *s, const char *path, const char *proc,
			     int ret)
{
	bool is_proc = !strcmp(path, proc);

	if (ret == -EPROTO)
		fatal(EXIT_ERROR, "%s is not a valid cowstat table: %s", path, s->error);
	fatal(is_proc && (ret == -EACCES || ret == -EPERM) ? EXIT_NOMODULE : EXIT_ERROR,
	      "%s: %s", path, strerror(-ret));		/* a file given with an option: 4 */
}

/* A table newer than this tool: say once that its new columns are shown as they are. */
static void note_newer_format(const struct snapshot *s, const char *path)
{
	static bool said;

	if (s->t.version > COWSTAT_FORMAT && !said)
		fprintf(stderr, "cowstat: note: %s: line 1: format %d, newer than this cowstat's %d: the columns it does not know are shown as they are, not summed\n",
			path, s->t.version, COWSTAT_FORMAT);
	said = said || s->t.version > COWSTAT_FORMAT;
}

void snapshot_load(struct snapshot *s)
{
	int ret = snapshot_read(s, cowstat_proc_path);

	if (ret == -ENOENT && !strcmp(cowstat_proc_path, COWSTAT_PROC))
		fatal_no_module();
	if (!ret && s->cgroups)
		ret = bad_table(s, "a table of cgroups (give it with --cgroups-file)");
	if (ret)
		fatal_unreadable(s, cowstat_proc_path, COWSTAT_PROC, ret);
	note_newer_format(s, cowstat_proc_path);
}

/* /proc/cowstat_cgroups, or the --cgroups-file; exits with a clear message. */
void cgroups_load(struct snapshot *s)
{
	int ret = snapshot_read(s, cowstat_cgroups_path);
	bool proc = !strcmp(cowstat_cgroups_path, COWSTAT_CGROUPS_PROC);

	if (ret == -ENOENT && proc && access(COWSTAT_PROC, F_OK))
		fatal_no_module();
	if (ret == -ENOENT && proc)
		fatal(EXIT_NOMODULE, "%s not found: the loaded cowstat module predates per-cgroup totals (format 2); load a newer one",
		      COWSTAT_CGROUPS_PROC);
	if ((ret == -EPERM || ret == -EACCES) && proc)
		fatal(EXIT_NOMODULE, "%s: %s (it needs CAP_SYS_ADMIN or CAP_PERFMON)",
		      COWSTAT_CGROUPS_PROC, strerror(-ret));
	if (!ret && !s->cgroups)
		ret = bad_table(s, "a table of tasks, not of cgroups (give it with --file)");
	if (ret)
		fatal_unreadable(s, cowstat_cgroups_path, COWSTAT_CGROUPS_PROC, ret);
	note_newer_format(s, cowstat_cgroups_path);
}

/*
 * -G with a saved task table (-f): the per-cgroup table built from its
 * rows, as /proc/cowstat_cgroups would show them but for the tasks the
 * table no longer held (exited and evicted), which the module's own
 * per-cgroup totals keep.  Exits with a clear message.
 */
void cgroups_of_tasks(struct snapshot *s)
{
	struct snapshot tasks;

	snapshot_load(&tasks);
	cgroups_from_tasks(s, &tasks, cowstat_proc_path);
}

/* The same from @tasks, read from @path, which it frees. */
void cgroups_from_tasks(struct snapshot *s, struct snapshot *tasks, const char *path)
{
	static bool said;	/* the note, once for every interval */
	const char *probes;
	long long lost;
	struct tally *rows;
	size_t size;
	char *text;
	FILE *f;
	int n, i, c;

	if (tasks->col_cgroup < 0)
		fatal(EXIT_ERROR, "--by-cgroup: %s has no cgroup column (format %d): its tasks have no cgroups",
		      path, tasks->t.version);
	lost = cowstat_version_field(&tasks->t, "evicted");
	if (lost > 0 && !said)
		fprintf(stderr, "cowstat: note: %s: %lld task rows were evicted before it was saved; the per-cgroup totals built from it leave them out\n",
			path, lost);
	said = true;
	rows = xmalloc((tasks->t.nrows + 1) * sizeof(*rows));
	for (n = 0; n < tasks->t.nrows; n++)
		tally_row(tasks, n, &rows[n]);
	n = merge_by_cgroup(tasks, rows, n);
	f = open_memstream(&text, &size);
	if (!f)
		fatal(EXIT_ERROR, "out of memory");
	probes = strstr(tasks->t.version_line, " probes=");
	fprintf(f, "cowstat %d cgroups=%d page_size=%ld%.*s\ncgroup\ttasks", tasks->t.version, n,
		tasks->page_size, probes ? (int)strcspn(probes + 1, " ") + 1 : 0, probes ? probes : "");
	for (c = 0; c < tasks->t.ncols; c++)
		if (is_counter_col(tasks, c))
			fprintf(f, "\t%s", tasks->t.cols[c]);
	for (i = 0; i < n; i++) {
		fprintf(f, "\n%llu\t%d", (unsigned long long)rows[i].cgroup, rows[i].threads);
		for (c = 0; c < tasks->t.ncols; c++)
			if (is_counter_col(tasks, c))
				fprintf(f, "\t%llu", (unsigned long long)rows[i].v[c]);
	}
	fputc('\n', f);
	if (fclose(f) || snapshot_parse(s, text, size))
		fatal(EXIT_ERROR, "--by-cgroup: the totals of %s: %s", path, s->error);
	free(rows);
	snapshot_free(tasks);
}

void snapshot_free(struct snapshot *s)
{
	cowstat_table_free(&s->t);
	free(s->text);
	free(s->num);
	s->text = NULL;
	s->num = NULL;
}

/* The number in column @c of row @r, parsed once; 0 for no such column. */
uint64_t snap_u64(const struct snapshot *s, int r, int c)
{
	return c >= 0 ? s->num[(size_t)r * s->t.ncols + c] : 0;
}

uint64_t row_u64(const struct snapshot *s, int r, const char *col)
{
	return snap_u64(s, r, cowstat_col(&s->t, col));
}

void tally_row(const struct snapshot *s, int r, struct tally *out)
{
	const char *state;
	int c;

	out->pid = snap_u64(s, r, s->col_pid);
	out->tgid = snap_u64(s, r, s->col_tgid);
	out->ppid = snap_u64(s, r, s->col_ppid);
	out->uid = snap_u64(s, r, s->col_uid);
	out->start = snap_u64(s, r, s->col_start);
	out->cgroup = snap_u64(s, r, s->col_cgroup);
	state = s->col_state >= 0 ? cowstat_field(&s->t, r, s->col_state) : "?";
	out->state = state[0];
	out->comm[0] = '\0';
	out->comm_raw[0] = '\0';
	if (s->comm >= 0) {
		snprintf(out->comm_raw, sizeof(out->comm_raw), "%s",
			 cowstat_field(&s->t, r, s->comm));
		cowstat_unescape(out->comm_raw, out->comm, sizeof(out->comm));
	}
	out->threads = 1;
	out->row = r;
	for (c = 0; c < s->t.ncols; c++)
		out->v[c] = is_counter_col(s, c) ? snap_u64(s, r, c) : 0;
}

void tally_add(const struct snapshot *s, struct tally *sum, const struct tally *t)
{
	int c;

	for (c = 0; c < s->t.ncols; c++)
		sum->v[c] += t->v[c];
	sum->threads += t->threads;
	if (t->state == 'R' || sum->state == 'M')	/* M: a task's cgroup left behind */
		sum->state = t->state;
}

/* ---- Selecting, as procps does ---- */

/* Room in @*array for one more of @n items of @size bytes, doubling. */
static void grow(void *array, int n, size_t size)
{
	void **p = array;

	if (n & (n - 1))
		return;		/* a power of two has room up to the next */
	*p = realloc(*p, (n ? 2 * n : 1) * size);
	if (!*p)
		fatal(EXIT_ERROR, "out of memory");
}

/* -p, -t: a comma list of ids for option @opt, added to @l. */
void add_ids(struct id_list *l, const char *opt, char *arg)
{
	char *id;

	for (id = strtok(arg, ","); id; id = strtok(NULL, ",")) {
		grow(&l->ids, l->n, sizeof(*l->ids));
		l->ids[l->n++] = parse_count(opt, id, 1, INT_MAX);
	}
}

/* -u: a comma list of user names or uids, as ps -u takes. */
void add_users(struct id_list *l, char *arg)
{
	struct passwd *pw;
	uint64_t uid;
	char *user;

	for (user = strtok(arg, ","); user; user = strtok(NULL, ",")) {
		pw = getpwnam(user);
		if (!pw && !parse_u64(user, UINT32_MAX, &uid))
			fatal(EXIT_USAGE, "--user %s: no such user", user);
		grow(&l->ids, l->n, sizeof(*l->ids));
		l->ids[l->n++] = pw ? pw->pw_uid : uid;
	}
}

/* -c, -g: a comma list of names, added to @l; the names point into @arg. */
void add_names(struct name_list *l, char *arg)
{
	char *name;

	for (name = strtok(arg, ","); name; name = strtok(NULL, ",")) {
		grow(&l->names, l->n, sizeof(*l->names));
		l->names[l->n++] = name;
	}
}

/* Whether @f leaves any row out. */
bool row_filter_selects(const struct row_filter *f)
{
	return f->pids.n || f->tgids.n || f->uids.n || f->comms.n || f->cgroups;
}

void row_filter_free(struct row_filter *f)
{
	free(f->pids.ids);
	free(f->tgids.ids);
	free(f->uids.ids);
	free(f->comms.names);
	free((void *)f->cgroups);
}

static bool in_ids(const struct id_list *l, uint64_t id)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->ids[i] == id)
			return true;
	return !l->n;
}

/* @comm_raw, a comm as /proc/cowstat writes it, is one of @l, as shown or decoded. */
static bool in_names(const struct name_list *l, const char *comm_raw)
{
	char comm[64];
	int i;

	cowstat_unescape(comm_raw, comm, sizeof(comm));
	for (i = 0; i < l->n; i++)
		if (!strcmp(comm_raw, l->names[i]) || !strcmp(comm, l->names[i]))
			return true;
	return !l->n;
}

static bool tally_matches(const struct tally *t, const char *process_comm,
			  const struct row_filter *f)
{
	return in_ids(&f->pids, t->pid) && in_ids(&f->tgids, t->tgid) &&
	       in_ids(&f->uids, t->uid) && in_names(&f->comms, process_comm) &&
	       (!f->cgroups || cgroup_set_has(f->cgroups, t->cgroup));
}

/* ---- One row per task, or per cgroup ---- */

/* Where a row of a snapshot goes: its task (pid, start), or its cgroup. */
struct row_key {
	pid_t		pid;		/* 0 in a table of cgroups */
	uint64_t	start;
	uint64_t	cgroup;		/* only in a table of cgroups */
	int		row;
};

#define CMP(a, b)	((a) < (b) ? -1 : (a) > (b))

static int by_key(const void *pa, const void *pb)
{
	const struct row_key *a = pa, *b = pb;

	if (a->pid != b->pid)
		return CMP(a->pid, b->pid);
	if (a->start != b->start)
		return CMP(a->start, b->start);
	return CMP(a->cgroup, b->cgroup);
}

static void tally_key(const struct tally *t, struct row_key *k)
{
	k->pid = t->pid;
	k->start = t->start;
	k->cgroup = t->pid ? 0 : t->cgroup;
}

/* A row's state, the most current first: R, X, then M (its cgroup left behind). */
static int state_rank(char state)
{
	return state == 'R' ? 2 : state != 'M';
}

/* A main thread's row, by tgid, start, then most current last: whose name a process has. */
struct leader {
	pid_t		tgid;
	uint64_t	start;
	int		rank;		/* state_rank() */
	int		row;
};

static int by_tgid_start_rank(const void *pa, const void *pb)
{
	const struct leader *a = pa, *b = pb;

	if (a->tgid != b->tgid)
		return CMP(a->tgid, b->tgid);
	return a->start != b->start ? CMP(a->start, b->start) : CMP(a->rank, b->rank);
}

struct leaders {
	int		n;
	struct leader	l[];
};

static struct leaders *leaders_of(const struct snapshot *s)
{
	struct leaders *x = xmalloc(sizeof(*x) + (s->t.nrows + 1) * sizeof(x->l[0]));
	struct tally t;
	int r;

	for (r = 0; r < s->t.nrows && s->comm >= 0; r++) {
		tally_row(s, r, &t);
		if (t.pid == t.tgid)
			x->l[x->n++] = (struct leader){ .tgid = t.tgid, .start = t.start,
							.rank = state_rank(t.state), .row = r };
	}
	qsort(x->l, x->n, sizeof(x->l[0]), by_tgid_start_rank);
	return x;
}

/*
 * The comm of @t's process, which ps -C matches: its main thread's, the
 * most current row of the last one to start no later than @t (a tgid can
 * be recycled); @t's own if the table no longer holds it.  O(log n).
 */
static const char *process_comm(const struct snapshot *s, const struct leaders *x,
				const struct tally *t)
{
	int lo = 0, hi = x ? x->n : 0, mid;

	while (lo < hi) {	/* the first main thread after @t's tgid and start */
		mid = (lo + hi) / 2;
		if (x->l[mid].tgid < t->tgid ||
		    (x->l[mid].tgid == t->tgid && x->l[mid].start <= t->start))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && x->l[lo - 1].tgid == t->tgid)
		return cowstat_field(&s->t, x->l[lo - 1].row, s->comm);
	return t->comm_raw;
}

/*
 * The rows of @s that @f selects (NULL: all) into @rows, summed by key and
 * sorted by it: one per task, its rows (one per cgroup it was in, or the old
 * leader's after an exec from a thread) summed, with the pid, comm and
 * cgroup of its most current row; or one per cgroup.  Returns the count.
 */
int select_tallies(const struct snapshot *s, const struct row_filter *f, struct tally *rows)
{
	struct row_key *keys = xmalloc((s->t.nrows + 1) * sizeof(*keys));
	struct leaders *leaders = f && f->comms.n ? leaders_of(s) : NULL;
	struct tally t, sum;
	int r, n = 0, out = 0;

	for (r = 0; r < s->t.nrows; r++) {
		tally_row(s, r, &t);
		if (f && !tally_matches(&t, process_comm(s, leaders, &t), f))
			continue;
		tally_key(&t, &keys[n]);
		keys[n++].row = r;
	}
	qsort(keys, n, sizeof(*keys), by_key);
	for (r = 0; r < n; r++) {
		tally_row(s, keys[r].row, &t);
		if (!out || by_key(&keys[r - 1], &keys[r])) {
			rows[out++] = t;
			continue;
		}
		sum = rows[out - 1];
		tally_add(s, &sum, &t);
		if (state_rank(t.state) > state_rank(rows[out - 1].state))
			rows[out - 1] = t;	/* the task as it is now */
		memcpy(rows[out - 1].v, sum.v, sizeof(sum.v));
		rows[out - 1].state = sum.state;
	}
	free(keys);
	free(leaders);
	return out;
}

/* A snapshot's rows by key, for what each task or cgroup did since. */
struct tally_index {
	int		n;
	struct tally	*rows;
};

/*
 * An index of the rows of @s (NULL: an empty one) that @f selects (NULL:
 * all), for tally_find(): the same rows as the other snapshot's, or a task
 * that moved into a --cgroup subtree would have its time outside deducted.
 */
struct tally_index *tally_index(const struct snapshot *s, const struct row_filter *f)
{
	struct tally_index *x = xmalloc(sizeof(*x));

	x->rows = xmalloc(((s ? s->t.nrows : 0) + 1) * sizeof(*x->rows));
	x->n = s ? select_tallies(s, f, x->rows) : 0;
	return x;
}

static int by_tally_key(const void *pa, const void *pb)
{
	struct row_key a, b;

	tally_key(pa, &a);
	tally_key(pb, &b);
	return by_key(&a, &b);
}

/* The task or cgroup of @key in the index, or NULL: O(log n). */
const struct tally *tally_find(const struct tally_index *x, const struct tally *key)
{
	return bsearch(key, x->rows, x->n, sizeof(x->rows[0]), by_tally_key);
}

void tally_index_free(struct tally_index *x)
{
	if (x)
		free(x->rows);
	free(x);
}

/*
 * @t's counters less those of @then, its task or cgroup in @prev (NULL:
 * none, all are new): what it did since.  A counter that went down was
 * reset and counts from 0; returns the first such column, or -1.
 */
int tally_since(const struct snapshot *s, struct tally *t, const struct snapshot *prev,
		const struct tally *then)
{
	int c, pc, reset = -1;
	uint64_t was;

	for (c = 0; c < s->t.ncols && then; c++) {
		pc = c < prev->t.ncols && !strcmp(prev->t.cols[c], s->t.cols[c]) ? c :
		     cowstat_col(&prev->t, s->t.cols[c]);	/* the same column, mostly */
		was = pc >= 0 && is_counter_col(prev, pc) ? then->v[pc] : 0;
		if (is_counter_col(s, c) && t->v[c] >= was)
			t->v[c] -= was;
		else if (is_counter_col(s, c) && reset < 0)
			reset = c;
	}
	return reset;
}

/* ---- Merging and ordering ---- */

/*
 * Sum the threads of each process into one row, which takes the main
 * thread's pid, ppid, uid, start and comm; returns the count.  A tgid can be
 * recycled: rows ordered by tgid and start, each main thread begins a new
 * process and the threads after it are its own.  O(n log n).
 */
int merge_by_process(const struct snapshot *s, struct tally *rows, int n)
{
	struct tally sum;
	int i, out = 0;

	sort_tallies(rows, n, SORT_TGID_START);
	for (i = 0; i < n; i++) {
		struct tally *p = &rows[out - 1];

		if (!out || p->tgid != rows[i].tgid ||
		    (rows[i].pid == rows[i].tgid && p->pid == p->tgid)) {
			rows[out++] = rows[i];
			continue;
		}
		tally_add(s, p, &rows[i]);
		if (rows[i].pid == rows[i].tgid) {	/* the main thread, after its threads */
			sum = *p;
			*p = rows[i];
			memcpy(p->v, sum.v, sizeof(sum.v));
			p->threads = sum.threads;
			p->state = sum.state;
		}
	}
	return out;
}

/*
 * Sum the tasks of each name (the comm as /proc/cowstat shows it) into one
 * row: threads counts them, the state is R if one lives, and pid, tgid,
 * ppid, uid and start, which differ, are 0.  Returns the count.
 */
int merge_by_comm(const struct snapshot *s, struct tally *rows, int n)
{
	int i, out = 0;

	sort_tallies(rows, n, SORT_COMM_RAW);
	for (i = 0; i < n; i++) {
		if (out && !strcmp(rows[out - 1].comm_raw, rows[i].comm_raw)) {
			tally_add(s, &rows[out - 1], &rows[i]);
			continue;
		}
		rows[out] = rows[i];
		rows[out].row = -1;
		rows[out].pid = 0;
		rows[out].tgid = 0;
		rows[out].ppid = 0;
		rows[out].uid = 0;
		rows[out].start = 0;
		rows[out].cgroup = 0;
		out++;
	}
	return out;
}

/* Sum the rows (one per task and cgroup) of each cgroup into one; threads counts them. */
int merge_by_cgroup(const struct snapshot *s, struct tally *rows, int n)
{
	int i, out = 0;

	sort_tallies(rows, n, SORT_CGROUP_ID);
	for (i = 0; i < n; i++) {
		if (out && rows[out - 1].cgroup == rows[i].cgroup)
			tally_add(s, &rows[out - 1], &rows[i]);
		else
			rows[out++] = rows[i];
	}
	return out;
}

static const struct {
	const char	*name;
	int		key;
} fixed_keys[] = {
	{ "pid", SORT_PID }, { "tgid", SORT_TGID }, { "ppid", SORT_PPID }, { "uid", SORT_UID },
	{ "start", SORT_START }, { "state", SORT_STATE }, { "comm", SORT_COMM },
	{ "cgroup", SORT_CGROUP },
};

/*
 * The sort key for --sort @name: a counter's column index, or a SORT_* key
 * for the columns that identify a task.  @name NULL is the default: bytes,
 * or faults where the module has no bytes column (mode=faults).
 */
int sort_column(const struct snapshot *s, const char *name)
{
	unsigned int i;
	int c;

	if (!name)
		name = cowstat_col(&s->t, "bytes") >= 0 ? "bytes" : "faults";
	c = cowstat_col(&s->t, name);
	if (c >= 0 && is_counter_col(s, c))
		return c;
	for (i = 0; c >= 0 && i < sizeof(fixed_keys) / sizeof(fixed_keys[0]); i++)
		if (!strcmp(name, fixed_keys[i].name))
			return fixed_keys[i].key;
	fatal(EXIT_USAGE, "--sort %s: no such column (see the header of %s)", name,
	      s->cgroups ? cowstat_cgroups_path : cowstat_proc_path);
}

static int sort_key;

static int cmp_tally(const void *pa, const void *pb)
{
	const struct tally *a = pa, *b = pb;
	int d;

	switch (sort_key) {
	case SORT_PID:
		d = 0;
		break;
	case SORT_TGID:
		d = CMP(a->tgid, b->tgid);
		break;
	case SORT_PPID:
		d = CMP(a->ppid, b->ppid);
		break;
	case SORT_UID:
		d = CMP(a->uid, b->uid);
		break;
	case SORT_START:
		d = CMP(a->start, b->start);
		break;
	case SORT_TGID_START:
		d = CMP(a->tgid, b->tgid) ? CMP(a->tgid, b->tgid) : CMP(a->start, b->start);
		break;
	case SORT_STATE:
		d = CMP(a->state, b->state);
		break;
	case SORT_COMM:
		d = strcmp(a->comm, b->comm);
		break;
	case SORT_COMM_RAW:
		d = strcmp(a->comm_raw, b->comm_raw);
		break;
	case SORT_CGROUP:
		d = strcmp(cgroup_path(a->cgroup), cgroup_path(b->cgroup));
		break;
	case SORT_CGROUP_ID:
		d = CMP(a->cgroup, b->cgroup);
		break;
	default:			/* a counter, largest first */
		d = CMP(b->v[sort_key], a->v[sort_key]);
	}
	if (!d)
		d = CMP(a->pid, b->pid);
	if (!d)
		d = CMP(a->start, b->start);
	if (!d)
		d = CMP(a->cgroup, b->cgroup);			/* --by-cgroup rows */
	return d ? d : strcmp(a->comm_raw, b->comm_raw);	/* --by-comm rows */
}

/* Counters sort largest first, the SORT_* keys ascending; ties by pid, start, cgroup, comm. */
void sort_tallies(struct tally *rows, int n, int key)
{
	sort_key = key;
	qsort(rows, n, sizeof(*rows), cmp_tally);
}

/* ---- Output ---- */

void human_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char units[] = "KMGTPE";
	double v = bytes;
	int u = -1;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%llu", (unsigned long long)bytes);
	else
		snprintf(buf, size, v < 10 ? "%.1f%ci" : "%.0f%ci", v, units[u]);
	/* "1.5Ki" reads oddly: use the kernel's K/M/G for KiB/MiB/GiB. */
	if (u >= 0)
		buf[strlen(buf) - 1] = '\0';
}

/*
 * @s as a JSON string: valid UTF-8 as it is, control bytes as \u00XX, and
 * each byte that is not UTF-8 as U+FFFD, so the output is always JSON.
 */
void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int len;

	fputc('"', f);
	for (; *p; p += len) {
		len = utf8_len(p);
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else if (len)
			fwrite(p, 1, len, f);
		else
			fputs("\\ufffd", f);
		len = len ? len : 1;
	}
	fputc('"', f);
}

/* "key":number, or "key":null for a figure the version line lacks. */
static void json_version_field(FILE *f, const struct snapshot *s, const char *key)
{
	long long v = cowstat_version_field(&s->t, key);

	if (v < 0)
		fprintf(f, ",\"%s\":null", key);
	else
		fprintf(f, ",\"%s\":%lld", key, v);
}

/* The probes=a,b,c of the version line as a JSON array. */
static void json_probes(FILE *f, const struct snapshot *s)
{
	const char *p = strstr(s->t.version_line, " probes=");
	char name[128];
	size_t len;

	fputs(",\"probes\":[", f);
	for (p = p ? p + 8 : ""; *p && *p != ' '; p += len + (p[len] == ',')) {
		len = strcspn(p, ", ");
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		if (name[0])
			json_string(f, name);
		if (p[len] == ',' && p[len + 1] && p[len + 1] != ' ')
			fputc(',', f);
	}
	fputc(']', f);
}

/* The shown columns of @t as ,"column":value pairs: numbers, or text (null: of several rows). */
static void json_counters(FILE *f, const struct snapshot *s, const struct tally *t)
{
	int c;

	for (c = 0; c < s->t.ncols; c++) {
		if (!is_shown_col(s, c))
			continue;
		fputc(',', f);
		json_string(f, s->t.cols[c]);
		fputc(':', f);
		if (is_counter_col(s, c))
			fprintf(f, "%llu", (unsigned long long)t->v[c]);
		else if (t->row >= 0)
			json_string(f, cowstat_field(&s->t, t->row, c));
		else
			fputs("null", f);
	}
}

/*
 * "cgroup_id":N,"cgroup":"path","removed":false.  The path is null for a
 * cgroup with no directory, where "removed" is true, and where there is no
 * cgroup2 mount to tell, where it is null too; rows of several cgroups
 * (--by-comm) have id 0, and a null path.
 */
static void json_cgroup(FILE *f, const struct tally *t)
{
	const char *path = t->cgroup ? cgroup_known_path(t->cgroup) : NULL;

	fprintf(f, "\"cgroup_id\":%llu,\"cgroup\":", (unsigned long long)t->cgroup);
	if (path)
		json_string(f, path);
	else
		fputs("null", f);
	fprintf(f, ",\"removed\":%s", !t->cgroup || path ? "false" :
		cgroup_tree_read() ? "true" : "null");
}

/*
 * One object: the table's figures, then rows with the same keys whether
 * per task or per process (a process's pid, ppid, uid, start and cgroup are
 * its main thread's), or per cgroup, then the totals.
 */
static void print_json(FILE *f, const struct snapshot *s, const struct tally *rows, int n,
		       const struct tally *total, const struct print_opts *o)
{
	char state[2] = "";
	int i;

	fprintf(f, "{\"version\":%d,\"page_size\":%ld", s->t.version, s->page_size);
	json_version_field(f, s, s->cgroups ? "cgroups" : "tasks");
	json_version_field(f, s, "capacity");
	json_version_field(f, s, "dropped");
	json_version_field(f, s, "evicted");
	json_probes(f, s);
	if (o->cgroup) {
		fputs(",\"cgroup\":", f);
		json_string(f, o->cgroup);
	}
	if (o->json_run)
		fputs(o->json_run, f);
	fputs(",\"rows\":[", f);
	for (i = 0; i < n; i++) {
		const struct tally *t = &rows[i];

		fputs(i ? ",{" : "{", f);
		if (s->cgroups) {
			json_cgroup(f, t);
			json_counters(f, s, t);
			fputc('}', f);
			continue;
		}
		state[0] = t->state;
		fprintf(f, "\"pid\":%d,\"tgid\":%d,\"ppid\":%d,\"uid\":%u,\"start\":%llu,\"threads\":%d,\"state\":",
			t->pid, t->tgid, t->ppid, t->uid, (unsigned long long)t->start,
			t->threads);
		json_string(f, state);
		fputs(",\"comm\":", f);
		json_string(f, t->comm);
		if (s->col_cgroup >= 0) {
			fputc(',', f);
			json_cgroup(f, t);
		}
		json_counters(f, s, t);
		fputc('}', f);
	}
	fputc(']', f);
	if (o->total) {
		fprintf(f, ",\"totals\":{\"of\":\"%s\",\"rows\":%d",
			o->total_of_part ? "shown" : "all", n);
		if (!s->cgroups)
			fprintf(f, ",\"threads\":%d", total->threads);
		json_counters(f, s, total);
		fputc('}', f);
	}
	fputs("}\n", f);
}

/*
 * The total row's first field: "total" when it sums every row of the
 * table, "total(shown)" when a filter or --top left rows out of it.
 */
static const char *total_label(const struct print_opts *o)
{
	return o->total_of_part ? "total(shown)" : "total";
}

/*
 * The leading columns of each view: their names (@t NULL), a row's, or the
 * total's.  @lead is the first column's width: 0 in TSV, and in the table
 * wide enough for the total's label.
 */
static void print_label(FILE *f, const struct tally *t, bool total, int lead,
			const struct print_opts *o)
{
	bool tsv = o->format == FORMAT_TSV;
	const char *label = total ? total_label(o) : NULL;

	switch (o->by) {
	case BY_PROCESS:
		if (!t)
			fprintf(f, tsv ? "%*s\tthreads\tuid\tstate" : "%*s %7s %5s %5s", lead,
				"tgid", "threads", "uid", "state");
		else if (total)
			fprintf(f, tsv ? "%*s\t%d\t-\t-" : "%*s %7d %5s %5s", lead, label,
				t->threads, "-", "-");
		else
			fprintf(f, tsv ? "%*d\t%d\t%u\t%c" : "%*d %7d %5u %5c", lead, t->tgid,
				t->threads, t->uid, t->state);
		break;
	case BY_COMM:
		if (!t)
			fprintf(f, tsv ? "%*s\tstate" : "%*s %5s", lead, "tasks", "state");
		else if (total)
			fprintf(f, tsv ? "%*s\t-" : "%*s %5s", lead, label, "-");
		else
			fprintf(f, tsv ? "%*d\t%c" : "%*d %5c", lead, t->threads, t->state);
		break;
	case BY_CGROUP:
		if (!t)
			fprintf(f, "%*s", lead, "cgroup_id");
		else if (total)
			fprintf(f, "%*s", lead, label);
		else
			fprintf(f, "%*llu", lead, (unsigned long long)t->cgroup);
		break;
	default:
		if (!t)
			fprintf(f, tsv ? "%*s\ttgid\tppid\tuid\tstate" : "%*s %7s %7s %5s %5s",
				lead, "pid", "tgid", "ppid", "uid", "state");
		else if (total)
			fprintf(f, tsv ? "%*s\t-\t-\t-\t-" : "%*s %7s %7s %5s %5s", lead, label,
				"-", "-", "-", "-");
		else
			fprintf(f, tsv ? "%*d\t%d\t%d\t%u\t%c" : "%*d %7d %7d %5u %5c", lead,
				t->pid, t->tgid, t->ppid, t->uid, t->state);
	}
}

/* --color: the header and the total bold, live tasks that copied in yellow. */
#define COLOR_HEADER	"\033[1m"
#define COLOR_TOTAL	"\033[1m"
#define COLOR_LIVE	"\033[33m"
#define COLOR_OFF	"\033[0m"

/* Whether to colour for --color=@when (NULL: auto) on stream @fd. */
bool use_color(const char *when, int fd)
{
	if (!when || !strcmp(when, "auto"))
		return isatty(fd) && !getenv("NO_COLOR") &&
		       strcmp(getenv("TERM") ? getenv("TERM") : "dumb", "dumb");
	if (!strcmp(when, "always"))
		return true;
	if (!strcmp(when, "never"))
		return false;
	fatal(EXIT_USAGE, "--color=%s: expected auto, always or never", when);
}

/*
 * Column @c of @t as text: a counter raw, or in K/M/G, in @buf; a column of
 * text as it is, "-" for a row of several.  snprintf, as a decimal
 * formatter of our own saved only 120 -> 89 ms of a 32,768-row show.
 */
static const char *cell(const struct snapshot *s, const struct tally *t, int c, bool human,
			char *buf, size_t size)
{
	if (!is_counter_col(s, c))
		return t->row >= 0 ? cowstat_field(&s->t, t->row, c) : "-";
	if (human)
		human_bytes(t->v[c], buf, size);
	else
		snprintf(buf, size, "%llu", (unsigned long long)t->v[c]);
	return buf;
}

/* ---- --columns: the columns a person picks, in the order given ---- */

#define VIEW(by)	(1u << (by))
#define TASKS		(VIEW(BY_TASK) | VIEW(BY_PROCESS))

static const struct {
	const char	*name;
	int		col;
	unsigned int	views;		/* VIEW(BY_*): where the column has a meaning */
} named_cols[] = {
	{ "pid",	COL_PID,	VIEW(BY_TASK) },
	{ "tgid",	COL_TGID,	TASKS },
	{ "ppid",	COL_PPID,	TASKS },
	{ "uid",	COL_UID,	TASKS },
	{ "start",	COL_START,	TASKS },
	{ "age",	COL_AGE,	TASKS },
	{ "state",	COL_STATE,	TASKS | VIEW(BY_COMM) },
	{ "threads",	COL_THREADS,	VIEW(BY_PROCESS) },
	{ "tasks",	COL_THREADS,	VIEW(BY_COMM) },
	{ "cgroup_id",	COL_CGROUP_ID,	TASKS | VIEW(BY_CGROUP) },
	{ "cgroup",	COL_CGROUP,	TASKS | VIEW(BY_CGROUP) },
	{ "comm",	COL_COMM,	TASKS | VIEW(BY_COMM) },
};

#define NAMED_COLS	((int)(sizeof(named_cols) / sizeof(named_cols[0])))

/* The name of --columns column @col, as its header shows it. */
static const char *column_name(const struct snapshot *s, int col, const struct print_opts *o)
{
	int i;

	if (col >= 0)
		return s->t.cols[col];
	for (i = 0; i < NAMED_COLS; i++)
		if (named_cols[i].col == col && named_cols[i].views & VIEW(o->by))
			return named_cols[i].name;
	return "?";
}

/* Whether named_cols[@i] is a column of view @o->by of @s: cgroups since format 2. */
static bool named_col_in(const struct snapshot *s, int i, const struct print_opts *o)
{
	bool cgroup = named_cols[i].col == COL_CGROUP || named_cols[i].col == COL_CGROUP_ID;

	return named_cols[i].views & VIEW(o->by) && (!cgroup || s->col_cgroup >= 0 || s->cgroups);
}

/* The column @name in view @o->by: a COL_* key, a column index, or 0 (none). */
static int column_of(const struct snapshot *s, const char *name, const struct print_opts *o)
{
	int i, c = cowstat_col(&s->t, name);

	for (i = 0; i < NAMED_COLS; i++)
		if (!strcmp(name, named_cols[i].name) && named_col_in(s, i, o))
			return named_cols[i].col;
	return c >= 0 && is_shown_col(s, c) ? c : 0;
}

/*
 * --columns @list (a comma list, as ps -o takes) into @o; a name that is no
 * column of this view is an error that lists the valid ones.
 */
void parse_columns(const struct snapshot *s, char *list, struct print_opts *o)
{
	char valid[1024] = "", *name, *save = NULL;
	int i, c, col;

	for (name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		col = column_of(s, name, o);
		if (col && o->ncols < COWSTAT_MAX_COLS) {
			o->cols[o->ncols++] = col;
			continue;
		}
		for (i = 0; i < NAMED_COLS; i++)
			if (named_col_in(s, i, o))
				snprintf(valid + strlen(valid), sizeof(valid) - strlen(valid),
					 "%s%s", *valid ? "," : "", named_cols[i].name);
		for (c = 0; c < s->t.ncols; c++)
			if (is_shown_col(s, c))
				snprintf(valid + strlen(valid), sizeof(valid) - strlen(valid),
					 ",%s", s->t.cols[c]);
		fatal(EXIT_USAGE, "--columns %s: %s; valid columns: %s", name,
		      col ? "more columns than 64" : "no such column in this view", valid);
	}
	if (!o->ncols)
		fatal(EXIT_USAGE, "--columns: no column named");
}

/* @ns as ps shows an elapsed time: [[DD-]HH:]MM:SS. */
void format_age(uint64_t ns, char *buf, size_t size)
{
	unsigned long long sec = ns / 1000000000ull;
	unsigned long long d = sec / 86400, h = sec / 3600 % 24, m = sec / 60 % 60;

	if (d)
		snprintf(buf, size, "%llu-%02llu:%02llu:%02llu", d, h, m, sec % 60);
	else if (h)
		snprintf(buf, size, "%02llu:%02llu:%02llu", h, m, sec % 60);
	else
		snprintf(buf, size, "%02llu:%02llu", m, sec % 60);
}

/*
 * Column @col of @t (@total: the total row) as text in @buf, of @size
 * bytes: CGROUP_PATH_ESCAPED_MAX for a cgroup.  Raw in TSV and --raw; an age
 * raw is in nanoseconds, as start is.
 */
static const char *column_cell(const struct snapshot *s, const struct tally *t, int col,
			       bool total, const struct print_opts *o, char *buf, size_t size)
{
	bool human = o->format == FORMAT_TABLE && o->human;
	uint64_t v;

	if (col >= 0)
		return cell(s, t, col, human && !strcmp(s->t.cols[col], "bytes"), buf, size);
	if (total && col != COL_THREADS)
		return "-";
	switch (col) {		/* the text, or a number into v */
	case COL_STATE:
		snprintf(buf, size, "%c", t->state);
		return buf;
	case COL_CGROUP:
		cgroup_path_escaped(t->cgroup, buf, size);
		return buf;
	case COL_COMM:
		return t->comm_raw;
	case COL_AGE:
		v = o->now > t->start ? o->now - t->start : 0;
		if (human) {
			format_age(v, buf, size);
			return buf;
		}
		break;
	case COL_PID:
		v = t->pid;
		break;
	case COL_TGID:
		v = t->tgid;
		break;
	case COL_PPID:
		v = t->ppid;
		break;
	case COL_UID:
		v = t->uid;
		break;
	case COL_START:
		v = t->start;
		break;
	case COL_THREADS:
		v = t->threads;
		break;
	default:
		v = t->cgroup;		/* COL_CGROUP_ID */
	}
	snprintf(buf, size, "%llu", (unsigned long long)v);
	return buf;
}

/* The --columns cell of row @i (-1: the header, @n: the total) and column @j. */
static const char *columns_text(const struct snapshot *s, const struct tally *rows, int n,
				const struct tally *total, int i, int j,
				const struct print_opts *o, char *buf)
{
	int col = o->cols[j];

	if (i < 0)
		return column_name(s, col, o);
	if (i == n && !j && col < 0)
		return total_label(o);
	return column_cell(s, i < n ? &rows[i] : total, col, i == n, o, buf,
			   CGROUP_PATH_ESCAPED_MAX);
}

/*
 * The --columns table or TSV: each column in the order given, numbers to
 * the right and names (comm, cgroup) to the left; the total row's label in
 * the first column, if that is not a counter.
 */
static void print_columns(FILE *f, const struct snapshot *s, const struct tally *rows, int n,
			  const struct tally *total, const struct print_opts *o)
{
	int width[COWSTAT_MAX_COLS] = { 0 }, first = o->header ? -1 : 0, i, j, len;
	bool tsv = o->format == FORMAT_TSV, left, bold;
	char *buf = xmalloc(CGROUP_PATH_ESCAPED_MAX);

	for (i = first; i < n + o->total && !tsv; i++) {	/* the widest of all cells */
		for (j = 0; j < o->ncols; j++) {
			len = strlen(columns_text(s, rows, n, total, i, j, o, buf));
			if (len > width[j])
				width[j] = len;
		}
	}
	for (i = first; i < n + o->total; i++) {
		bold = o->color && (i < 0 || i == n);
		fputs(bold ? COLOR_HEADER : "", f);
		for (j = 0; j < o->ncols; j++) {
			left = o->cols[j] == COL_COMM || o->cols[j] == COL_CGROUP;
			fprintf(f, "%s%*s", j ? tsv ? "\t" : " " : "",
				j + 1 == o->ncols && left ? 0 : left ? -width[j] : width[j],
				columns_text(s, rows, n, total, i, j, o, buf));
		}
		fprintf(f, "%s\n", bold ? COLOR_OFF : "");
	}
	free(buf);
}

/*
 * Rows as a table for people (aligned, sizes in K/M/G) or as TSV for
 * scripts (a header, raw numbers), or as JSON; the total row as @o asks.
 */
void print_tallies(FILE *f, const struct snapshot *s, const struct tally *rows, int n,
		   const struct print_opts *o)
{
	int bytes = cowstat_col(&s->t, "bytes");
	int width[COWSTAT_MAX_COLS] = { 0 };
	bool shown[COWSTAT_MAX_COLS], tsv = o->format == FORMAT_TSV;
	char num[32], sep = tsv ? '\t' : ' ';
	const char *name_col = o->by == BY_CGROUP ? "cgroup" : "comm";
	char *name = xmalloc(CGROUP_PATH_ESCAPED_MAX);
	struct tally total;
	int i, c, len, lead = tsv ? 0 : o->by == BY_CGROUP ? 9 : 7;

	if (!tsv && o->total && (int)strlen(total_label(o)) > lead)
		lead = strlen(total_label(o));
	memset(&total, 0, sizeof(total));
	total.row = -1;
	for (i = 0; i < n && !o->total_of; i++)
		tally_add(s, &total, &rows[i]);
	if (o->total_of)
		total = *o->total_of;
	if (o->format == FORMAT_JSON) {
		print_json(f, s, rows, n, &total, o);
		free(name);
		return;
	}
	if (o->ncols) {
		print_columns(f, s, rows, n, &total, o);
		free(name);
		return;
	}
	for (c = 0; c < s->t.ncols; c++)
		shown[c] = is_shown_col(s, c) && !(o->format == FORMAT_TABLE && o->drop_zero &&
						   n && is_counter_col(s, c) && !total.v[c]);
	for (c = 0; c < s->t.ncols && !tsv; c++) {	/* the widest of all cells */
		if (!shown[c])
			continue;
		width[c] = o->header ? strlen(s->t.cols[c]) : 0;
		for (i = 0; i < n + o->total; i++) {
			len = strlen(cell(s, i < n ? &rows[i] : &total, c, o->human && c == bytes,
					  num, sizeof(num)));
			if (len > width[c])
				width[c] = len;
		}
	}

	if (o->header) {
		fputs(o->color ? COLOR_HEADER : "", f);
		print_label(f, NULL, false, lead, o);
		for (c = 0; c < s->t.ncols; c++)
			if (shown[c])
				fprintf(f, "%c%*s", sep, width[c], s->t.cols[c]);
		fprintf(f, "%c%s%s\n", sep, name_col, o->color ? COLOR_OFF : "");
	}
	for (i = 0; i < n + o->total; i++) {
		const struct tally *t = i < n ? &rows[i] : &total;
		bool live_copier = i < n && t->state == 'R' && bytes >= 0 && t->v[bytes];
		const char *on = !o->color ? "" : i == n ? COLOR_TOTAL :
				 live_copier ? COLOR_LIVE : "";

		fputs(on, f);
		print_label(f, t, i == n, lead, o);
		for (c = 0; c < s->t.ncols; c++)
			if (shown[c])
				fprintf(f, "%c%*s", sep, width[c],
					cell(s, t, c, !tsv && o->human && c == bytes,
					     num, sizeof(num)));
		if (i < n && o->by == BY_CGROUP)
			cgroup_path_escaped(t->cgroup, name, CGROUP_PATH_ESCAPED_MAX);
		else
			snprintf(name, CGROUP_PATH_ESCAPED_MAX, "%s", i < n ? t->comm_raw : "-");
		fprintf(f, "%c%s%s\n", sep, name, *on ? COLOR_OFF : "");
	}
	free(name);
}
