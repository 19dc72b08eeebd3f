// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat run --by-mapping, --latency: what the run copied, and how long
 * each copy and reuse took, from the module's trace event cowstat:cow_fault
 * (Documentation/cowstat.rst, "Events").  The events are read from a
 * tracefs instance of the run's own, filtered to the run's cgroup, while
 * the command runs: another tracer is never disturbed, and the run's
 * events are exactly those its cgroup's totals count.  cowstat trace reads
 * them the same way, each handed over as it comes.  run.c and trace.c use
 * it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cowstat.h"

/*
 * The instance's ring buffers: 64 MiB over all CPUs, from 1 to 8 MiB each
 * (some 90,000 events at 8 MiB).  The reader drains them as they fill.
 */
#define EVENTS_BUFFERS_KB	65536
#define EVENTS_BUFFER_MIN_KB	1024
#define EVENTS_BUFFER_MAX_KB	8192

#define MAPPING_FILE	1	/* the event's mapping field */
#define MAPPING_HEAP	2
#define MAPPING_STACK	3
#define MAPPING_ANON	4

#define KIND_HUGE	(0x04 | 0x08)	/* thp, hugetlb: not the copies column's */

static const char *const tracefs_dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

static bool write_file(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX];
	ssize_t len = strlen(text);
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return false;
	err = write(fd, text, len) != len;
	close(fd);
	return !err;
}

/* The instance's own directory, made anew: instances/cowstat-@who-PID. */
static bool make_instance(struct run_events *ev, const char *who, char *why, size_t size)
{
	const char *tracefs = NULL;
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; i < sizeof(tracefs_dirs) / sizeof(tracefs_dirs[0]) && !tracefs; i++) {
		snprintf(path, sizeof(path), "%s/instances", tracefs_dirs[i]);
		if (!access(path, F_OK))
			tracefs = tracefs_dirs[i];
	}
	if (!tracefs) {
		snprintf(why, size, "no tracefs (mount it: mount -t tracefs nodev /sys/kernel/tracing)");
		return false;
	}
	snprintf(path, sizeof(path), "%s/events/cowstat/cow_fault", tracefs);
	if (access(path, F_OK)) {
		snprintf(why, size, "%s: %s (load a cowstat module that has the trace event)", path,
			 strerror(errno));
		return false;
	}
	snprintf(path, sizeof(path), "%s/instances/cowstat-%s-%d", tracefs, who, (int)getpid());
	if (mkdir(path, 0700) && errno != EEXIST) {
		snprintf(why, size, "mkdir %s: %s", path, strerror(errno));
		return false;
	}
	ev->instance = xstrdup(path);
	return true;
}

/*
 * The event on, in an instance of @who's own, for what @filter (tracefs's
 * syntax; "" for every event) lets through.
 */
bool events_start(struct run_events *ev, const char *who, const char *filter, char *why,
		  size_t size)
{
	char path[PATH_MAX], kb[24];
	long cpus = sysconf(_SC_NPROCESSORS_CONF), per_cpu;

	if (!make_instance(ev, who, why, size))
		return false;
	/* buffer_percent 0: a reader is woken by every event, not a half-full buffer. */
	write_file(ev->instance, "buffer_percent", "0");
	per_cpu = EVENTS_BUFFERS_KB / (cpus > 0 ? cpus : 1);
	per_cpu = per_cpu < EVENTS_BUFFER_MIN_KB ? EVENTS_BUFFER_MIN_KB :
		  per_cpu > EVENTS_BUFFER_MAX_KB ? EVENTS_BUFFER_MAX_KB : per_cpu;
	snprintf(kb, sizeof(kb), "%ld", per_cpu);
	if (!write_file(ev->instance, "buffer_size_kb", kb) ||
	    (filter[0] && !write_file(ev->instance, "events/cowstat/cow_fault/filter", filter)) ||
	    (ev->on_exec &&
	     !write_file(ev->instance, "events/sched/sched_process_exec/enable", "1")) ||
	    !write_file(ev->instance, "events/cowstat/cow_fault/enable", "1")) {
		snprintf(why, size, "%s: setting up the event: %s", ev->instance, strerror(errno));
		run_events_stop(ev);
		return false;
	}
	snprintf(path, sizeof(path), "%s/trace_pipe", ev->instance);
	ev->pipe_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (ev->pipe_fd < 0) {
		snprintf(why, size, "%s: %s", path, strerror(errno));
		run_events_stop(ev);
		return false;
	}
	return true;
}

bool run_events_start(struct run_events *ev, uint64_t cgroup, char *why, size_t size)
{
	char filter[64];

	snprintf(filter, sizeof(filter), "cgroup == %" PRIu64, cgroup);
	return events_start(ev, "run", filter, why, size);
}

/* ---- Mappings ---- */

/* The path /proc/@tgid/maps gives the file @dev:@ino, into @m->label. */
static bool resolve_file(struct run_mapping *m, pid_t tgid)
{
	unsigned int major, minor;
	char path[64], *line = NULL;
	unsigned long long ino;
	bool found = false;
	size_t cap = 0;
	FILE *f;
	int pos;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)tgid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		/* start-end perms offset major:minor inode path */
		if (sscanf(line, "%*x-%*x %*s %*x %x:%x %llu %n", &major, &minor, &ino,
			   &pos) != 3 ||
		    ino != m->ino || ((uint64_t)major << 20 | minor) != m->dev || !line[pos])
			continue;
		line[strcspn(line, "\n")] = '\0';
		free(m->label);
		m->label = xstrdup(line + pos);
		found = true;
	}
	free(line);
	fclose(f);
	return found;
}

/* Another process's entry for the same file has its path: @m takes it. */
static bool label_as_known(const struct run_events *ev, struct run_mapping *m)
{
	int i;

	for (i = 0; i < ev->nmappings; i++) {
		const struct run_mapping *o = &ev->mappings[i];

		if (o != m && o->label && o->mapping == MAPPING_FILE && o->dev == m->dev &&
		    o->ino == m->ino) {
			m->label = xstrdup(o->label);
			return true;
		}
	}
	return false;
}

/* The label of a mapping that is no file, as /proc/PID/maps names it. */
static char *anon_label(int mapping, uint64_t vm_start, const char *name)
{
	char buf[96];

	if (mapping == MAPPING_HEAP)
		return xstrdup("[heap]");
	if (mapping == MAPPING_STACK)
		return xstrdup("[stack]");
	if (name[0])
		snprintf(buf, sizeof(buf), "[anon:%s]", name);
	else
		snprintf(buf, sizeof(buf), "[anon] %" PRIx64, vm_start);
	return xstrdup(buf);
}

/*
 * Is @m the mapping of its kind that these name?  A file is its device and
 * inode; [heap], [stack] and a named anonymous mapping are their names
 * (the first two an empty one); any other anonymous one is its start.
 */
static bool same_mapping(const struct run_mapping *m, uint64_t dev, uint64_t ino,
			 uint64_t vm_start, const char *name)
{
	if (m->mapping == MAPPING_FILE)
		return m->dev == dev && m->ino == ino;
	if (m->mapping != MAPPING_ANON || name[0])
		return !strcmp(m->name, name);
	return !m->name[0] && m->vm_start == vm_start;
}

/* What same_mapping() compares, hashed (FNV-1a), with the process and the kind. */
static uint64_t mapping_hash(pid_t tgid, int mapping, uint64_t dev, uint64_t ino,
			     uint64_t vm_start, const char *name)
{
	uint64_t h = 14695981039346656037ULL, key[3] = { (uint64_t)tgid << 8 | mapping };
	const unsigned char *p = (const unsigned char *)key;
	size_t len = sizeof(key[0]), i;

	if (mapping == MAPPING_FILE) {
		key[1] = dev;
		key[2] = ino;
		len = sizeof(key);
	} else if (mapping == MAPPING_ANON && !name[0]) {
		key[1] = vm_start;
		len = 2 * sizeof(key[0]);
	}
	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	for (p = (const unsigned char *)name; mapping != MAPPING_FILE && *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

static void index_mapping(struct run_events *ev, int i);

/* The index of @ev->mappings made anew, with room for as many again. */
static void rebuild_index(struct run_events *ev)
{
	int i;

	free(ev->index);
	for (ev->index_size = 256; ev->index_size <= 4 * (size_t)ev->nmappings;)
		ev->index_size *= 2;
	ev->index = xmalloc(ev->index_size * sizeof(*ev->index));
	memset(ev->index, -1, ev->index_size * sizeof(*ev->index));
	for (i = 0; i < ev->nmappings; i++)
		index_mapping(ev, i);
}

/* @ev->mappings[@i] into the index, made bigger when it is half full. */
static void index_mapping(struct run_events *ev, int i)
{
	const struct run_mapping *m = &ev->mappings[i];
	size_t slot;

	if (2 * (size_t)ev->nmappings > ev->index_size) {
		rebuild_index(ev);
		return;
	}
	slot = mapping_hash(m->tgid, m->mapping, m->dev, m->ino, m->vm_start, m->name);
	while (ev->index[slot & (ev->index_size - 1)] >= 0)
		slot++;
	ev->index[slot & (ev->index_size - 1)] = i;
}

static struct run_mapping *find_mapping(struct run_events *ev, pid_t tgid, int mapping,
					uint64_t dev, uint64_t ino, uint64_t vm_start,
					const char *name)
{
	struct run_mapping *m;
	size_t slot;
	int i;

	if (!ev->per_process)
		tgid = 0;
	if (ev->nmappings && !ev->index_size)
		rebuild_index(ev);	/* run_events_sort() dropped it */
	slot = mapping_hash(tgid, mapping, dev, ino, vm_start, name);
	for (; ev->index_size && (i = ev->index[slot & (ev->index_size - 1)]) >= 0; slot++) {
		m = &ev->mappings[i];
		if (m->mapping == mapping && m->tgid == tgid &&
		    same_mapping(m, dev, ino, vm_start, name))
			return m;
	}
	grow(&ev->mappings, ev->nmappings, sizeof(*ev->mappings));
	m = &ev->mappings[ev->nmappings++];
	memset(m, 0, sizeof(*m));
	m->tgid = tgid;
	m->mapping = mapping;
	m->dev = dev;
	m->ino = ino;
	m->vm_start = vm_start;
	snprintf(m->name, sizeof(m->name), "%s", name);
	if (mapping != MAPPING_FILE)
		m->label = anon_label(mapping, vm_start, name);
	index_mapping(ev, ev->nmappings - 1);
	return m;
}

/* ---- Histograms ---- */

static void hist_add(struct run_histogram *h, uint64_t ns)
{
	int b = 0;

	while (b < RUN_HIST_BUCKETS - 1 && ns >> (b + 1))
		b++;
	h->buckets[b]++;
	h->count++;
	h->total_ns += ns;
}

static struct run_process *find_process(struct run_events *ev, pid_t tgid)
{
	int i;

	for (i = 0; i < ev->nprocesses; i++)
		if (ev->processes[i].tgid == tgid)
			return &ev->processes[i];
	grow(&ev->processes, ev->nprocesses, sizeof(*ev->processes));
	memset(&ev->processes[ev->nprocesses], 0, sizeof(ev->processes[0]));
	ev->processes[ev->nprocesses].tgid = tgid;
	return &ev->processes[ev->nprocesses++];
}

/* ---- Events ---- */

static uint64_t number(const char *line, const char *key, int base)
{
	char buf[32];

	return cowstat_event_field(line, key, buf, sizeof(buf)) ? strtoull(buf, NULL, base) : 0;
}

/*
 * The task and the time in front of @fields in trace_pipe's @line:
 * "COMM-PID [CPU] FLAGS SECONDS: cow_fault: ...", COMM perhaps with spaces
 * and dashes of its own, into @e->comm and @e->time.
 */
static void line_prefix(char *line, const char *fields, struct cow_event *e)
{
	char *end = (char *)fields, *p, *dash;
	int tokens;

	e->comm = "";
	e->time = "";
	if (end == line || end[-1] != ':')
		return;
	*--end = '\0';		/* the colon after the seconds */
	for (p = end; p > line && p[-1] != ' '; p--)
		;
	e->time = p;
	/* Back over the flags, if shown, to the "[CPU]" before them. */
	for (tokens = 0; tokens < 2 && p > line; tokens++) {
		while (p > line && p[-1] == ' ')
			p--;
		while (p > line && p[-1] != ' ')
			p--;
		if (*p == '[')
			break;
	}
	if (*p != '[')
		return;
	while (p > line && p[-1] == ' ')
		p--;
	*p = '\0';
	while (*line == ' ')
		line++;
	dash = strrchr(line, '-');
	if (dash)
		*dash = '\0';
	e->comm = line;
}

/* One line of trace_pipe: an event of the run's, added up, or handed on. */
static void add_event(struct run_events *ev, char *line)
{
	static const char *const mappings[] = { "", "file", "heap", "stack", "anon" };
	char outcome[16], mapping[16], kind[48], dev[32], name[RUN_NAME_LEN] = "";
	char *fields = strstr(line, " cow_fault: "), *p;
	unsigned int major = 0, minor = 0;
	struct run_mapping *m;
	struct run_process *proc;
	uint64_t bytes, latency;
	struct cow_event e;
	pid_t tgid;
	bool copy;
	int type;

	p = ev->on_exec ? strstr(line, " sched_process_exec: ") : NULL;
	if (p) {
		/* a new program, perhaps a new name: pid is the process's now */
		ev->on_exec(number(p, "pid", 10), ev->arg);
		return;
	}
	if (!fields || !cowstat_event_field(fields, "outcome", outcome, sizeof(outcome)) ||
	    !cowstat_event_field(fields, "mapping", mapping, sizeof(mapping)))
		return;
	for (type = 1; type < 5 && strcmp(mapping, mappings[type]); type++)
		;
	if (!cowstat_event_field(fields, "kind", kind, sizeof(kind)))
		kind[0] = '\0';
	/* The name is the last field, and may hold spaces. */
	p = strstr(fields, " name=");
	if (p)
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(p + 6, "\n"), p + 6);
	ev->events++;
	copy = !strcmp(outcome, "copy");
	if (!copy && strcmp(outcome, "reuse") && !ev->on_event)
		return;		/* shared, unshare, other: neither copied nor reused */
	tgid = number(fields, "tgid", 10);
	bytes = number(fields, "bytes", 10);
	latency = number(fields, "latency_ns", 10);
	if (cowstat_event_field(fields, "dev", dev, sizeof(dev)))
		sscanf(dev, "%u:%u", &major, &minor);
	m = find_mapping(ev, tgid, type, (uint64_t)major << 20 | minor, number(fields, "ino", 10),
			 number(fields, "vm_start", 16), type == MAPPING_FILE ? "" : name);
	if (type == MAPPING_FILE && !m->label) {
		/* While a task that maps it lives; else the event's name, at the end. */
		if (!label_as_known(ev, m) && !resolve_file(m, tgid) &&
		    !(ev->command && resolve_file(m, ev->command)) && !m->name[0])
			snprintf(m->name, sizeof(m->name), "%s", name);
	}
	if (ev->on_event) {
		e.pid = number(fields, "pid", 10);
		e.tgid = tgid;
		e.cgroup = number(fields, "cgroup", 10);
		e.address = number(fields, "address", 16);
		e.bytes = bytes;
		e.latency_ns = latency;
		e.outcome = outcome;
		e.kind = kind;
		e.mapping = m->label ? m->label : m->name[0] ? m->name : "(deleted file)";
		line_prefix(line, fields, &e);
		ev->on_event(&e, ev->arg);
		return;
	}
	m->copies += copy;
	m->reuses += !copy;
	m->bytes += bytes;
	if (strstr(kind, "thp") || strstr(kind, "hugetlb"))
		return;		/* the histograms are the copies' and reuses' columns */
	hist_add(copy ? &ev->copy : &ev->reuse, latency);
	proc = find_process(ev, tgid);
	hist_add(copy ? &proc->copy : &proc->reuse, latency);
}

void run_events_read(struct run_events *ev)
{
	char *start, *nl;
	ssize_t n;

	if (ev->pipe_fd < 0)
		return;
	for (;;) {
		n = read(ev->pipe_fd, ev->buf + ev->len, sizeof(ev->buf) - 1 - ev->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		ev->len += n;
		ev->buf[ev->len] = '\0';
		for (start = ev->buf; (nl = strchr(start, '\n')); start = nl + 1) {
			*nl = '\0';
			add_event(ev, start);
		}
		ev->len -= start - ev->buf;
		memmove(ev->buf, start, ev->len);
		if (ev->len == sizeof(ev->buf) - 1)
			ev->len = 0;	/* no line is this long: not an event */
	}
}

int run_events_fd(const struct run_events *ev)
{
	return ev->pipe_fd;
}

/* Off, what is left read, the losses counted, the instance removed. */
void run_events_stop(struct run_events *ev)
{
	int i;

	if (!ev->instance)
		return;
	write_file(ev->instance, "events/cowstat/cow_fault/enable", "0");
	if (ev->on_exec)
		write_file(ev->instance, "events/sched/sched_process_exec/enable", "0");
	run_events_read(ev);
	ev->lost = cowstat_trace_overruns(ev->instance);
	if (ev->pipe_fd >= 0)
		close(ev->pipe_fd);
	ev->pipe_fd = -1;
	rmdir(ev->instance);
	free(ev->instance);
	ev->instance = NULL;
	for (i = 0; i < ev->nmappings; i++)
		if (!ev->mappings[i].label && !label_as_known(ev, &ev->mappings[i]))
			ev->mappings[i].label = xstrdup(ev->mappings[i].name[0] ?
							ev->mappings[i].name : "(deleted file)");
}

void run_events_free(struct run_events *ev)
{
	int i;

	run_events_stop(ev);
	for (i = 0; i < ev->nmappings; i++)
		free(ev->mappings[i].label);
	free(ev->mappings);
	free(ev->index);
	free(ev->processes);
}

/* ---- Reports ---- */

static int by_bytes(const void *a, const void *b)
{
	const struct run_mapping *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	if (x->copies + x->reuses != y->copies + y->reuses)
		return x->copies + x->reuses < y->copies + y->reuses ? 1 : -1;
	return strcmp(x->label, y->label);
}

void run_events_sort(struct run_events *ev)
{
	if (ev->nmappings)
		qsort(ev->mappings, ev->nmappings, sizeof(*ev->mappings), by_bytes);
	/* the index points into the order before: rebuilt by the next new mapping */
	free(ev->index);
	ev->index = NULL;
	ev->index_size = 0;
}

static void print_mappings(FILE *f, const struct run_events *ev, bool human)
{
	char bytes[32];
	int i;

	if (ev->per_process)
		fprintf(f, "%7s ", "PID");
	fprintf(f, "%10s %10s %10s  %s\n", "COPIES", "REUSES", "BYTES", "MAPPING");
	for (i = 0; i < ev->nmappings; i++) {
		const struct run_mapping *m = &ev->mappings[i];

		if (human)
			human_bytes(m->bytes, bytes, sizeof(bytes));
		else
			snprintf(bytes, sizeof(bytes), "%" PRIu64, m->bytes);
		if (ev->per_process)
			fprintf(f, "%7d ", (int)m->tgid);
		fprintf(f, "%10" PRIu64 " %10" PRIu64 " %10s  %s\n", m->copies, m->reuses, bytes,
			m->label);
	}
}

/* bcc's log2 histogram, from the first bucket used to the last. */
static void print_histogram(FILE *f, const char *what, const struct run_histogram *h)
{
	uint64_t max = 0;
	int i, first = -1, last = -1, stars;

	fprintf(f, "%s: %" PRIu64 "\n", what, h->count);
	for (i = 0; i < RUN_HIST_BUCKETS; i++) {
		if (!h->buckets[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (h->buckets[i] > max)
			max = h->buckets[i];
	}
	if (first < 0)
		return;
	fprintf(f, "%24s : %-8s %s\n", "ns", "count", "distribution");
	for (i = first; i <= last; i++) {
		char range[48];

		snprintf(range, sizeof(range), "%" PRIu64 " -> %" PRIu64,
			 i ? (uint64_t)1 << i : 0, ((uint64_t)1 << (i + 1)) - 1);
		stars = max ? (int)(h->buckets[i] * 40 / max) : 0;
		fprintf(f, "%24s : %-8" PRIu64 " |%-40.*s|\n", range, h->buckets[i], stars,
			"****************************************");
	}
	fprintf(f, "avg = %" PRIu64 " ns, total: %" PRIu64 " ns, count: %" PRIu64 "\n",
		h->total_ns / h->count, h->total_ns, h->count);
}

void run_events_print(FILE *f, const struct run_events *ev, bool by_mapping, bool latency,
		      bool human)
{
	bool per_process = ev->per_process;
	char what[64];
	int i;

	if (by_mapping) {
		fputs("cowstat: copies, reuses and bytes per mapping:\n", f);
		print_mappings(f, ev, human);
	}
	if (latency && per_process) {
		for (i = 0; i < ev->nprocesses; i++) {
			const struct run_process *p = &ev->processes[i];

			snprintf(what, sizeof(what), "process %d, copies", (int)p->tgid);
			print_histogram(f, what, &p->copy);
			snprintf(what, sizeof(what), "process %d, reuses", (int)p->tgid);
			print_histogram(f, what, &p->reuse);
		}
	} else if (latency) {
		print_histogram(f, "cowstat: time per copy (ns), copies", &ev->copy);
		print_histogram(f, "cowstat: time per reuse (ns), reuses", &ev->reuse);
	}
	if (ev->lost)
		fprintf(f, "cowstat: warning: trace events lost (the ring buffer overran): %"
			PRIu64 "; the figures above miss them\n", ev->lost);
}

static void json_histogram(FILE *f, const char *key, const struct run_histogram *h)
{
	bool first = true;
	int i;

	fprintf(f, "\"%s\":{\"count\":%" PRIu64 ",\"total_ns\":%" PRIu64 ",\"buckets\":[",
		key, h->count, h->total_ns);
	for (i = 0; i < RUN_HIST_BUCKETS; i++) {
		if (!h->buckets[i])
			continue;
		fprintf(f, "%s{\"from_ns\":%" PRIu64 ",\"to_ns\":%" PRIu64 ",\"count\":%" PRIu64 "}",
			first ? "" : ",", i ? (uint64_t)1 << i : 0, ((uint64_t)1 << (i + 1)) - 1,
			h->buckets[i]);
		first = false;
	}
	fputs("]}", f);
}

/* ,"events":N,"lost_events":N, and ,"mappings":[...] and ,"latency":{...} if asked. */
void run_events_json(FILE *f, const struct run_events *ev, bool by_mapping, bool latency)
{
	bool per_process = ev->per_process;
	int i;

	fprintf(f, ",\"events\":%" PRIu64 ",\"lost_events\":%" PRIu64, ev->events, ev->lost);
	if (by_mapping) {
		fputs(",\"mappings\":[", f);
		for (i = 0; i < ev->nmappings; i++) {
			const struct run_mapping *m = &ev->mappings[i];

			fputc(i ? ',' : '{', f);
			if (i)
				fputc('{', f);
			if (ev->per_process)
				fprintf(f, "\"pid\":%d,", (int)m->tgid);
			fputs("\"mapping\":", f);
			json_string(f, m->label);
			fprintf(f, ",\"copies\":%" PRIu64 ",\"reuses\":%" PRIu64
				",\"bytes\":%" PRIu64 "}", m->copies, m->reuses, m->bytes);
		}
		fputc(']', f);
	}
	if (latency) {
		fputs(",\"latency\":{", f);
		json_histogram(f, "copy", &ev->copy);
		fputc(',', f);
		json_histogram(f, "reuse", &ev->reuse);
		if (per_process) {
			fputs(",\"processes\":[", f);
			for (i = 0; i < ev->nprocesses; i++) {
				const struct run_process *p = &ev->processes[i];

				fprintf(f, "%s{\"pid\":%d,", i ? "," : "", (int)p->tgid);
				json_histogram(f, "copy", &p->copy);
				fputc(',', f);
				json_histogram(f, "reuse", &p->reuse);
				fputc('}', f);
			}
			fputc(']', f);
		}
		fputc('}', f);
	}
}
