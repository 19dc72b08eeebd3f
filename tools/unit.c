// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the /proc/cowstat parser and the tool's output formats, on
 * recorded tables.  Runs on the build host (no module needed), under ASan
 * and UBSan; prints KTAP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "export.h"

static int nr, passed, failed;

static void ok(int cond, const char *name)
{
	nr++;
	if (cond)
		passed++;
	else
		failed++;
	printf("%sok %d %s\n", cond ? "" : "not ", nr, name);
}

#define NSEC	1000000000ull	/* a second, in ns */

#define V1 "cowstat 1 tasks=3 capacity=32768 dropped=7 evicted=0 page_size=4096 probes=do_wp_page,wp_page_reuse\n"
#define H1 "pid\ttgid\tppid\tuid\tstart\tstate\tfaults\tcopies\treuses\tshared\tunshare\tother\tzero\tksm\tthp\thugetlb\tremote\tbytes\tcomm\n"

static const char sample[] = V1 H1
	"100\t100\t1\t0\t5000\tX\t12\t10\t2\t0\t0\t0\t1\t0\t0\t0\t0\t40960\tsh\n"
	"101\t100\t1\t0\t5100\tR\t3\t3\t0\t0\t0\t0\t0\t0\t1\t0\t0\t12288\tmy\\040worker\n"
	"102\t102\t100\t1000\t5200\tX\t1\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t4096\tq\\042\\134\\012x\n";

static const char newer[] =
	"cowstat 2 tasks=1 capacity=16 dropped=0 evicted=0 page_size=4096 probes=do_wp_page\n"
	"pid\ttgid\tppid\tuid\tstart\tstate\tfaults\tfuture\tcopies\tcomm\tlater\n"
	"7\t7\t1\t0\t1\tR\t5\t99\t4\tinit\tzz\n";

static char *dup_text(const char *s)
{
	return xstrdup(s);
}

static void test_parse_sample(void)
{
	struct cowstat_table t = { 0 };
	char *text = dup_text(sample);

	ok(cowstat_table_parse(&t, text) == 0, "sample parses");
	ok(t.version == 1 && t.nrows == 3 && t.ncols == 19, "sample: version, rows, columns");
	ok(cowstat_version_field(&t, "dropped") == 7, "version line: dropped=7");
	ok(cowstat_version_field(&t, "missing") == -1, "version line: absent key is -1");
	ok(cowstat_get(&t, 0, "copies") == 10 && cowstat_get(&t, 1, "thp") == 1,
	   "numbers by column name");
	ok(cowstat_find(&t, 101) == 1 && cowstat_find(&t, 999) == -1, "find by pid");
	cowstat_table_free(&t);
	free(text);
}

static void test_odd_comms(void)
{
	struct cowstat_table t = { 0 };
	char *text = dup_text(sample), out[64];

	cowstat_table_parse(&t, text);
	cowstat_unescape(cowstat_field(&t, 1, cowstat_col(&t, "comm")), out, sizeof(out));
	ok(!strcmp(out, "my worker"), "comm with a space: \\040 unescaped");
	cowstat_unescape(cowstat_field(&t, 2, cowstat_col(&t, "comm")), out, sizeof(out));
	ok(!strcmp(out, "q\"\\\nx"), "comm with quote, backslash, newline");
	cowstat_unescape("\\777x\\1", out, sizeof(out));
	ok(!strcmp(out, "\\777x\\1"), "malformed escapes are kept as they are");
	cowstat_table_free(&t);
	free(text);
}

static void test_empty_and_bad(void)
{
	struct cowstat_table t = { 0 };
	char *text = dup_text(V1 H1), *torn = dup_text(V1 H1 "1\t1\t0\t0\t1\tR\t1"),
	     *bad = dup_text("hello\nworld\n"), *nohdr = dup_text(V1 "tgid\tpid\n");

	ok(cowstat_table_parse(&t, text) == 0 && t.nrows == 0, "empty table: no rows");
	cowstat_table_free(&t);
	ok(cowstat_table_parse(&t, torn) == 0 && t.nrows == 0, "a torn last line is no row");
	cowstat_table_free(&t);
	ok(cowstat_table_parse(&t, bad) == -EPROTO, "not a cowstat table: -EPROTO");
	ok(cowstat_table_parse(&t, nohdr) == -EPROTO, "header not starting with pid: -EPROTO");
	free(text);
	free(torn);
	free(bad);
	free(nohdr);
}

static void test_newer_format(void)
{
	struct snapshot s = { 0 };
	struct tally tl;
	int future;

	ok(snapshot_parse(&s, dup_text(newer), strlen(newer)) == 0 && s.t.version == 2,
	   "newer format parses");
	ok(!is_counter_col(&s, cowstat_col(&s.t, "later")), "unknown text column is no counter");
	future = cowstat_col(&s.t, "future");
	ok(future >= 0 && is_counter_col(&s, future), "unknown column kept as a counter");
	tally_row(&s, 0, &tl);
	ok(tl.v[future] == 99 && !strcmp(tl.comm_raw, "init") &&
	   tl.v[cowstat_col(&s.t, "copies")] == 4,
	   "values found by header, not by position");
	snapshot_free(&s);
}

/* --columns pid,age: a task's age is now less its start, as ps's etime and in ns. */
static void test_age_column(void)
{
	struct print_opts o = { .format = FORMAT_TABLE, .human = true, .header = true,
				.ncols = 2, .cols = { COL_PID, COL_AGE },
				.now = 90061000005000ull };
	struct snapshot s = { 0 };
	struct tally rows[4];
	char *mem = NULL;
	size_t len = 0;
	FILE *f;
	int n;

	if (snapshot_parse(&s, dup_text(sample), sizeof(sample) - 1)) {
		ok(0, "age column: sample parses");
		return;
	}
	n = select_tallies(&s, NULL, rows);
	f = open_memstream(&mem, &len);
	print_tallies(f, &s, rows, n, &o);
	o.format = FORMAT_TSV;
	print_tallies(f, &s, rows, n, &o);
	fclose(f);
	ok(!strcmp(mem, "pid        age\n"
			"100 1-01:01:01\n101 1-01:01:00\n102 1-01:01:00\n"
			"pid\tage\n100\t90061000000000\n101\t90060999999900\n"
			"102\t90060999999800\n"),
	   "age column: now less start, as [[DD-]HH:]MM:SS in the table and ns in TSV");
	free(mem);
	snapshot_free(&s);
}

/* --since FILE of show -j: read back as the text table it shows, or refused. */
static void test_json_table_text(void)
{
	static const char json[] =
		"{\"version\":2,\"page_size\":4096,\"tasks\":1,\"probes\":[\"do_wp_page\"],"
		"\"rows\":[ {\"pid\":7,\"tgid\":7,\"ppid\":1,\"uid\":0,\"start\":99,\"threads\":1,"
		"\"state\":\"R\",\"comm\":\"a\\\"b\",\"cgroup_id\":5,\"cgroup\":null,\"removed\":true,"
		"\"faults\":3,\"bytes\":4096}],\"totals\":{\"of\":\"all\",\"rows\":1}}\n";
	static const struct {
		const char	*json, *error;
	} bad[] = {
		{ "{\"version\":2,\"rows\":[{\"pid\":1,\"threads\":2}]}",
		  "JSON: a row of several tasks (saved with -P or -C) at '}]}'" },
		{ "{\"version\":2,\"rows\":[]}", "JSON: no rows, so no columns at ''" },
		{ "{\"rows\":[{\"pid\":1}]}",
		  "JSON: no \"version\" (not saved by show -j?) at ''" },
		{ "{\"version\":[[[[[[[[[1]]]]]]]]]}",
		  "JSON: lists or objects nested too deep at '[1]]]]]]]]]}'" },
		{ "{\"version\":2,\"rows\":[{\"pid\":1},{\"cgroup_id\":1}]}",
		  "JSON: a row with other keys than the first at ']}'" },
	};
	char error[160] = "", *text;
	size_t len, i;

	text = json_table_text(json, &len, error);
	ok(text && !strcmp(text, "cowstat 2 tasks=1 page_size=4096\n"
			   "pid\ttgid\tppid\tuid\tstart\tstate\tcgroup\tfaults\tbytes\tcomm\n"
			   "7\t7\t1\t0\t99\tR\t5\t3\t4096\t-\n") && len == strlen(text),
	   "show -j read back: keys as columns, cgroup_id as cgroup, comm last as -");
	free(text);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		text = json_table_text(bad[i].json, &len, error);
		ok(!text && !strcmp(error, bad[i].error), bad[i].error);
		free(text);
	}
}

static void test_formats(void)
{
	char buf[32];
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);

	human_bytes(4096, buf, sizeof(buf));
	ok(!strcmp(buf, "4.0K"), "human_bytes 4096 = 4.0K");
	human_bytes(16 << 20, buf, sizeof(buf));
	ok(!strcmp(buf, "16M"), "human_bytes 16 MiB = 16M");
	human_bytes(100, buf, sizeof(buf));
	ok(!strcmp(buf, "100"), "human_bytes under 1 KiB is plain");
	format_age(59999999999ull, buf, sizeof(buf));
	ok(!strcmp(buf, "00:59"), "format_age under a minute: MM:SS, rounded down");
	format_age(3600000000000ull, buf, sizeof(buf));
	ok(!strcmp(buf, "01:00:00"), "format_age of an hour: HH:MM:SS");
	format_age(90061000000000ull, buf, sizeof(buf));
	ok(!strcmp(buf, "1-01:01:01"), "format_age of a day and more: DD-HH:MM:SS");
	prometheus_label(f, "a\\b\"c\nd");
	fclose(f);
	ok(!strcmp(mem, "a\\\\b\\\"c\\nd"), "Prometheus label escaping");
	free(mem);
	prometheus_label_value("\xff\t\xc3\xa9\xc0\xaf\xed\xa0\x80z", buf, sizeof(buf));
	ok(!strcmp(buf, "\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd"
		   "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz"),
	   "Prometheus label: bad UTF-8, overlong, surrogate and tab replaced, UTF-8 kept");
	f = open_memstream(&mem, &len);
	json_string(f, "x\"\\\n\x01");
	fclose(f);
	ok(!strcmp(mem, "\"x\\\"\\\\\\u000a\\u0001\""), "JSON string escaping");
	free(mem);
}

/* What prometheus_write() prints for @in, clock at 1.7e9 s; NULL if it refused. */
static char *export_text(struct export_in *in, char *error)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	int ret;

	in->clock_offset = 1700000000.0;
	ret = prometheus_write(f, in, error, 160);
	fclose(f);
	if (ret && !len) {
		free(mem);
		return NULL;
	}
	return mem;	/* written, or refused after writing: a failure the caller sees */
}

/* The same for table @text (tasks, or cgroups) and @views. */
static char *prometheus_text(const char *text, unsigned int views, long max_series)
{
	struct snapshot s = { 0 };
	struct export_in in = { .views = views, .max_series = max_series };
	char error[160], *mem;

	snapshot_parse(&s, dup_text(text), strlen(text));
	if (s.cgroups)
		in.cgroups = &s;
	else
		in.tasks = &s;
	mem = export_text(&in, error);
	snapshot_free(&s);
	return mem;
}

static void test_prometheus_output(void)
{
	char *mem = prometheus_text(sample, VIEW_TASK, 0), *line;
	int samples = 0, types = 0, bad = 0;

	for (line = strtok(mem, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, "# TYPE ", 7))
			types++;
		else if (line[0] != '#' && strchr(line, ' '))
			samples++;
		if (line[0] != '#' && strncmp(line, "cowstat_", 8))
			bad++;
	}
	/* info, dropped, tasks, capacity, evicted; task info; 12 columns of 3 tasks */
	ok(types == 5 + 1 + 12 && samples == 5 + 3 + 12 * 3 && !bad,
	   "Prometheus: one family per column, one sample per row");
	free(mem);
}

#define ROW_HEAD	"1\t1\t0\t0\t1\tR\t"
#define COLS8		"\tc\tc\tc\tc\tc\tc\tc\tc"
#define ROW_TAIL_X	"\t1\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t4096\tsh\n"
#define ROW_TAIL	"\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t4096\tsh\n"

/* Tables the tool must refuse, each with the reason it gives. */
static const struct {
	const char	*what;
	const char	*text;
	const char	*error;
} bad_tables[] = {
	/* a word where a number belongs used to read as 0 */
	{ "letters in a counter", V1 H1 ROW_HEAD "abc" ROW_TAIL,
	  "line 3: faults 'abc' is not a number from 0 to 18446744073709551615" },
	/* strtoull wraps negative numbers */
	{ "a negative counter", V1 H1 ROW_HEAD "-4096" ROW_TAIL,
	  "line 3: faults '-4096' is not a number from 0 to 18446744073709551615" },
	/* and clamps overflow to ULLONG_MAX */
	{ "a counter beyond 64 bits", V1 H1 ROW_HEAD "18446744073709551616" ROW_TAIL,
	  "line 3: faults '18446744073709551616' is not a number from 0 to 18446744073709551615" },
	{ "a counter with a blank", V1 H1 ROW_HEAD " 1" ROW_TAIL,
	  "line 3: faults ' 1' is not a number from 0 to 18446744073709551615" },
	/* a pid that is cut to 32 bits became 1 */
	{ "a pid beyond pid_t", V1 H1 "4294967297\t1\t0\t0\t1\tR\t1" ROW_TAIL,
	  "line 3: pid '4294967297' is not a number from 0 to 2147483647" },
	{ "pid 0", V1 H1 "0\t1\t0\t0\t1\tR\t1" ROW_TAIL, "line 3: pid 0" },
	{ "a uid beyond 32 bits", V1 H1 "1\t1\t0\t4294967296\t1\tR\t1" ROW_TAIL,
	  "line 3: uid '4294967296' is not a number from 0 to 4294967295" },
	{ "a state of two letters", V1 H1 "1\t1\t0\t0\t1\tRX\t1" ROW_TAIL,
	  "line 3: state 'RX' is not one character" },
	/* the shared parser keeps 64 columns and the rest in the 64th */
	{ "65 columns", V1 "pid" COLS8 COLS8 COLS8 COLS8 COLS8 COLS8 COLS8 COLS8 "\n",
	  "line 2: 65 columns, more than 64" },
	{ "a column twice", V1 "pid\tfaults\tfaults\tcomm\n", "line 2: column 'faults' twice" },
	/* rows of the wrong width were dropped, or their tabs went into comm */
	{ "a row with a field more", V1 H1 ROW_HEAD "1" ROW_TAIL_X,
	  "line 3: 20 fields, the header has 19" },
	{ "a row with a field less", V1 H1 "1\t1\t0\t0\t1\tR\t1\tsh\n" ROW_HEAD "1" ROW_TAIL,
	  "line 3: 8 fields, the header has 19" },
	/* a torn last line was silently no row: a table cut short said nothing */
	{ "a last row with fields missing", V1 H1 "1\t1\t0\t0\t1\tR\t1\tsh\n",
	  "line 3: 8 fields, the header has 19 (a table cut short?)" },
	{ "a last row without a newline", V1 H1 ROW_HEAD "1\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t40",
	  "line 3: no newline at its end: the table was cut short" },
	{ "a NUL byte in a comm", V1 H1 ROW_HEAD "1\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t4096\ts\0h\n",
	  "line 3: a NUL byte" },
	{ "an escape byte in a comm",
	  V1 H1 ROW_HEAD "1\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t4096\t\033[2J\n",
	  "line 3: a control byte" },
	{ "a lone CR", V1 H1 ROW_HEAD "1\r" ROW_TAIL, "line 3: a control byte" },
	/* totals wrapped */
	{ "a total beyond 64 bits", V1 H1
	  ROW_HEAD "1\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t18446744073709551615\tsh\n"
	  "2\t2\t0\t0\t1\tR\t1\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t4096\tsh\n",
	  "column bytes: its total exceeds 2^64 - 1" },
	{ "no format version", "cowstat x tasks=0\n" H1,
	  "line 1: no format version after 'cowstat'" },
	{ "not a table", "hello\nworld\n",
	  "line 1: 'hello' is not a version line such as 'cowstat 2 tasks=...'" },
	{ "an empty file", "", "line 1: '' is not a version line such as 'cowstat 2 tasks=...'" },
	{ "no header", V1, "line 2: no complete header line: the table was cut short" },
	{ "a header of something else", V1 "name\tsize\n",
	  "line 2: a header that starts with 'name', not 'pid' or 'cgroup'" },
};

/* The sizeof of a literal, NUL bytes inside included. */
static void test_bad_tables(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(bad_tables) / sizeof(bad_tables[0]); i++) {
		size_t len = strlen(bad_tables[i].text);
		struct snapshot s;
		char *text;
		int ret;

		if (strstr(bad_tables[i].what, "NUL"))
			len += strlen(bad_tables[i].text + len + 1) + 1;
		text = xmalloc(len + 1);
		memcpy(text, bad_tables[i].text, len);
		ret = snapshot_parse(&s, text, len);
		ok(ret == -EPROTO && !strcmp(s.error, bad_tables[i].error), bad_tables[i].what);
		if (ret != -EPROTO || strcmp(s.error, bad_tables[i].error))
			printf("# got %d '%s'\n", ret, ret ? s.error : "");
		snapshot_free(&s);	/* frees text too */
	}
}

/* CRLF line ends: the same table as LF. */
static void test_crlf(void)
{
	static const char crlf[] = "cowstat 1 tasks=1 page_size=4096\r\n"
		"pid\ttgid\tppid\tuid\tstart\tstate\tfaults\tcopies\tcomm\r\n"
		"5\t5\t1\t0\t9\tX\t4\t3\tsh\r\n";
	struct snapshot s;
	struct tally t;
	int comm;

	ok(snapshot_parse(&s, dup_text(crlf), strlen(crlf)) == 0, "CRLF: parses");
	comm = cowstat_col(&s.t, "comm");
	tally_row(&s, 0, &t);
	ok(comm == 8 && !is_counter_col(&s, comm) && !strcmp(t.comm_raw, "sh") &&
	   t.v[cowstat_col(&s.t, "copies")] == 3 && s.page_size == 4096,
	   "CRLF: comm is the comm column, values as with LF");
	snapshot_free(&s);
}

/* ---- Format 2: cgroups ---- */

#define V2 "cowstat 2 tasks=5 capacity=16 dropped=0 evicted=0 page_size=4096 probes=do_wp_page\n"
#define H2 "pid\ttgid\tppid\tuid\tstart\tcgroup\tstate\tfaults\tcopies\tbytes\tcomm\n"

/*
 * Task 10 moved from cgroup 7 to 8 (an M row, then its live row); task 20
 * exec'd from a thread (the old leader's X row, then the new program's).
 */
static const char moved[] = V2 H2
	"10\t10\t1\t0\t100\t7\tM\t3\t2\t8192\tsh\n"
	"11\t11\t10\t0\t150\t7\tX\t1\t1\t4096\tcat\n"
	"10\t10\t1\t0\t100\t8\tR\t5\t1\t4096\tsh\n"
	"20\t20\t1\t0\t300\t8\tX\t2\t0\t0\tpython3\n"
	"20\t20\t1\t0\t300\t8\tR\t4\t4\t16384\tworker\n";

#define VC "cowstat 2 cgroups=3 capacity=64 dropped=1 evicted=2 page_size=4096 probes=do_wp_page\n"
#define HC "cgroup\ttasks\tfaults\tcopies\tbytes\n"

static const char cgroups[] = VC HC
	"7\t2\t4\t3\t12288\n"
	"8\t3\t11\t5\t20480\n"
	"9\t1\t0\t0\t0\n";

static void test_format2_tasks(void)
{
	struct snapshot s;
	struct tally rows[8];
	int n, copies, faults;

	ok(snapshot_parse(&s, dup_text(moved), strlen(moved)) == 0,
	   "format 2: duplicate (pid, start) and state M parse");
	ok(s.col_cgroup == 5 && !is_counter_col(&s, s.col_cgroup) && !s.cgroups,
	   "format 2: cgroup is an id, not a counter");
	copies = cowstat_col(&s.t, "copies");
	faults = cowstat_col(&s.t, "faults");
	n = select_tallies(&s, NULL, rows);
	ok(n == 3 && rows[0].pid == 10 && rows[0].v[faults] == 8 && rows[0].v[copies] == 3 &&
	   rows[0].state == 'R' && rows[0].cgroup == 8 && rows[0].threads == 1,
	   "a task's rows are one task: summed, with its live row's state and cgroup");
	ok(rows[2].pid == 20 && rows[2].v[faults] == 6 && !strcmp(rows[2].comm_raw, "worker") &&
	   rows[2].state == 'R', "exec from a thread: one task, the new program's comm");
	snapshot_free(&s);
}

/* The shared parser: old callers still want "pid" first; cowstat_find the current row. */
static void test_format2_shared_parser(void)
{
	struct cowstat_table t = { 0 };
	char *text = dup_text(moved), *cg = dup_text(cgroups), *cg2 = dup_text(cgroups);
	int r;

	ok(cowstat_table_parse(&t, text) == 0 && t.version == 2 && t.nrows == 5,
	   "shared parser: format 2 parses");
	r = cowstat_find(&t, 10);
	ok(r == 2 && cowstat_get(&t, r, "copies") == 1, "cowstat_find: the live row, not the M row");
	r = cowstat_find(&t, 20);
	ok(r == 4 && cowstat_get(&t, r, "copies") == 4, "cowstat_find: after exec, the live row");
	cowstat_table_free(&t);
	ok(cowstat_table_parse(&t, cg) == -EPROTO, "shared parser: pid first, as before");
	ok(cowstat_table_parse_as(&t, cg2, "cgroup") == 0 && t.nrows == 3 &&
	   cowstat_get(&t, 1, "faults") == 11, "shared parser: cowstat_cgroups by its first column");
	cowstat_table_free(&t);
	free(text);
	free(cg);
	free(cg2);
}

static void test_format2_cgroups(void)
{
	static const char later[] = VC HC
		"7\t2\t4\t3\t12288\n8\t4\t15\t7\t28672\n10\t1\t2\t1\t4096\n";
	struct snapshot s, next;
	struct rate rates[4];
	int n, tasks;

	ok(snapshot_parse(&s, dup_text(cgroups), strlen(cgroups)) == 0 && s.cgroups &&
	   s.col_pid < 0 && s.t.nrows == 3, "cowstat_cgroups: parses, a table of cgroups");
	tasks = cowstat_col(&s.t, "tasks");
	ok(!is_counter_col(&s, s.col_cgroup) && is_counter_col(&s, tasks),
	   "cowstat_cgroups: cgroup is an id, tasks a counter");
	snapshot_parse(&next, dup_text(later), strlen(later));
	n = top_rates(&next, &s, 2 * NSEC, false, rates);
	ok(n == 2 && rates[0].t.cgroup == 8 && rates[0].faults_s == 2 && rates[0].bytes_s == 4096 &&
	   rates[1].t.cgroup == 10 && rates[1].faults_s == 1,
	   "top --by-cgroup: rates per cgroup id, a new cgroup counted from 0");
	snapshot_free(&s);
	snapshot_free(&next);
}

/*
 * run's totals: the rows of its cgroups in /proc/cowstat_cgroups, by the
 * task table's column names (here the cgroup table lacks bytes and has a
 * column the task table lacks), and the task rows they count.
 */
static void test_run_cgroup_totals(void)
{
	static const char of_cgroups[] = VC "cgroup\ttasks\tcopies\tksm\tfaults\n"
		"7\t2\t3\t9\t4\n8\t3\t5\t9\t11\n9\t40\t300\t9\t320\n";
	struct snapshot tasks, cg;
	struct tally total;
	uint64_t ids[] = { 9, 7, 12 };
	int found;

	snapshot_parse(&tasks, dup_text(moved), strlen(moved));
	snapshot_parse(&cg, dup_text(of_cgroups), strlen(of_cgroups));
	found = run_cgroup_totals(&tasks, &cg, ids, 3, &total);
	ok(found == 2 && total.threads == 42 && total.row == -1 &&
	   total.v[cowstat_col(&tasks.t, "faults")] == 324 &&
	   total.v[cowstat_col(&tasks.t, "copies")] == 303 &&
	   total.v[cowstat_col(&tasks.t, "bytes")] == 0,
	   "run: totals of its cgroups by column name; an id without a row adds nothing");
	printf("# found %d, task rows %d, faults %llu\n", found, total.threads,
	       (unsigned long long)total.v[cowstat_col(&tasks.t, "faults")]);
	snapshot_free(&tasks);
	snapshot_free(&cg);
}

/* Where no cgroup2 is, run says so, and makes nothing. */
static void test_run_cgroup_fallback(const char *root)
{
	struct run_cgroup cg;
	char why[512], want[600];
	bool made = run_cgroup_make(&cg, why, sizeof(why));

	snprintf(want, sizeof(want), "%s=%s is not a cgroup2 mount", CGROUP_ROOT_ENV, root);
	ok(!made && !strcmp(why, want) && !cg.dir && cg.procs_fd < 0,
	   "run: COWSTAT_CGROUP_ROOT that is no cgroup2 mount: no cgroup, and why");
	printf("# %s\n", why);
	run_cgroup_free(&cg);
}

/* What each task did since: the rows of a task summed on both sides. */
static void test_format2_since(void)
{
	static const char before[] = V2 H2 "10\t10\t1\t0\t100\t7\tR\t3\t2\t8192\tsh\n";
	struct snapshot s, prev;
	struct rate rates[8];
	int n;

	snapshot_parse(&prev, dup_text(before), strlen(before));
	snapshot_parse(&s, dup_text(moved), strlen(moved));
	n = top_rates(&s, &prev, NSEC, true, rates);
	ok(n == 3 && rates[1].t.pid == 10 && rates[1].faults_s == 5 && rates[1].copies_s == 1,
	   "a task that moved: its delta is the sum of its rows less what it had");
	snapshot_free(&s);
	snapshot_free(&prev);
}

/* Format 3 may add a column that is not a counter: this tool cannot tell which. */
static void test_format3_columns(void)
{
	static const char v3[] = "cowstat 3 tasks=1 page_size=4096\n"
		"pid\ttgid\tppid\tuid\tstart\tcgroup\tnode\tstate\tfaults\tcopies\tcomm\n"
		"7\t7\t1\t0\t1\t1\t0\tR\t5\t4\tinit\n";
	struct snapshot s;

	ok(snapshot_parse(&s, dup_text(v3), strlen(v3)) == 0 &&
	   !is_counter_col(&s, cowstat_col(&s.t, "node")) &&
	   is_counter_col(&s, cowstat_col(&s.t, "copies")),
	   "format 3: an unknown numeric column is no counter, known counters still are");
	snapshot_free(&s);
}

/* Paths from a tree made here, its inode numbers the ids. */
static void test_cgroup_paths(const char *root)
{
	char dir[512], escaped[64], deleted[64];
	struct cgroup_set *set;
	struct stat st;
	uint64_t a, b, u;

	snprintf(dir, sizeof(dir), "%s/system.slice/a b.service", root);
	stat(dir, &st);
	a = st.st_ino;
	snprintf(dir, sizeof(dir), "%s/system.slice/b.service", root);
	stat(dir, &st);
	b = st.st_ino;
	snprintf(dir, sizeof(dir), "%s/user.slice", root);
	stat(dir, &st);
	u = st.st_ino;
	ok(!strcmp(cgroup_path(a), "/system.slice/a b.service") &&
	   !strcmp(cgroup_path(u), "/user.slice"), "cgroup paths: relative to the root");
	stat(root, &st);
	ok(!strcmp(cgroup_path(st.st_ino), "/"), "cgroup paths: the root is /");
	snprintf(deleted, sizeof(deleted), "%llu (deleted)", (unsigned long long)(a + b + u));
	ok(!strcmp(cgroup_path(a + b + u), deleted), "cgroup paths: an unknown id is (deleted)");
	set = cgroup_subtree("system.slice/");
	ok(cgroup_set_has(set, a) && cgroup_set_has(set, b) && !cgroup_set_has(set, u),
	   "--cgroup: a subtree, with or without slashes");
	free(set);
	snprintf(dir, sizeof(dir), "%s/odd\tname\\x\ny z", root);
	stat(dir, &st);
	cgroup_path_escaped(st.st_ino, escaped, sizeof(escaped));
	ok(!strcmp(escaped, "/odd\\011name\\x\\012y z"),
	   "cgroup paths: tab and newline escaped for tables, a backslash as it is");
}

/* Export by cgroup: a series per id, its path in an info; the table's figures. */
static void test_prometheus_by_cgroup(void)
{
	char *mem = prometheus_text(cgroups, VIEW_CGROUP, 0);

	ok(strstr(mem, "cowstat_cgroup_faults_total{cgroup_id=\"8\"} 11\n") &&
	   strstr(mem, "cowstat_cgroup_faults_total{cgroup_id=\"9\"} 0\n") &&
	   strstr(mem, "cowstat_cgroup_tasks_total{cgroup_id=\"7\"} 2\n") &&
	   strstr(mem, "cowstat_cgroup_info{cgroup_id=\"8\",cgroup=\"\"} 1\n") &&
	   strstr(mem, "cowstat_cgroups_capacity 64\n") &&
	   strstr(mem, "cowstat_dropped_total 1\n") &&
	   strstr(mem, "cowstat_cgroups_evicted_total 2\n") && !strstr(mem, "cowstat_tasks ") &&
	   !strstr(mem, "[other]"),
	   "Prometheus by cgroup: counters by cgroup_id, an info without a path, the figures");
	free(mem);
}

/* Whether a sample of export @text has a value below 0. */
static bool has_negative(const char *text)
{
	char *copy = dup_text(text), *line, *value;
	bool negative = false;

	for (line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
		value = strrchr(line, ' ');
		negative = negative || (line[0] != '#' && value && value[1] == '-');
	}
	free(copy);
	return negative;
}

/* The help of every column the module has, as Documentation/ABI says it. */
static void test_prometheus_help(void)
{
	static const char full[] =
		"cowstat 2 cgroups=1 capacity=64 page_size=4096 probes=do_wp_page,hugetlb_fault\n"
		"cgroup\ttasks\tfaults\tcopies\treuses\tshared\tunshare\tother\tzero\tksm\tthp\thugetlb\tremote\tbytes\tlarge\tthp_zero\n"
		"7\t1\t1\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t4096\t0\t0\n";
	static const char dropped[] =
		"# HELP cowstat_dropped_total Faults and probe hits not counted: no row for the task "
		"(the table full of live tasks), or a probe that missed.\n";
	static const char *const help[] = {
		"# HELP cowstat_cgroup_copied_bytes_total Bytes copied: copies times the page size, plus hugetlb pages at their size, plus 2 MiB for each thp_zero. Per cgroup v2 id",
		"# HELP cowstat_cgroup_large_reuses_total Reuses of a page of a large folio mapped by PTEs (part of reuses; kernels since 6.15). Per",
		"# HELP cowstat_cgroup_thp_zero_fills_total Writes to the huge zero page that allocated a whole THP instead of splitting the PMD (part of thp; 2 MiB each in bytes). Per",
		"# HELP cowstat_cgroup_thp_faults_total Huge-PMD write faults completed at PMD level: the THP reused in place, or the huge zero page replaced by a new THP (not part of faults). Per",
		"# HELP cowstat_cgroup_hugetlb_copies_total hugetlb pages copied (not part of faults or copies). Per",
		"# HELP cowstat_info The cowstat tool's version, the format of /proc/cowstat, and the probes attached.\n"
		"# TYPE cowstat_info gauge\n"
		"cowstat_info{version=\"" COWSTAT_VERSION "\",format=\"2\",probes=\"do_wp_page,hugetlb_fault\"} 1\n",
	};
	char *mem = prometheus_text(full, VIEW_CGROUP, 0);
	unsigned int i, found = 0;

	for (i = 0; i < sizeof(help) / sizeof(help[0]); i++)
		found += !!strstr(mem, help[i]);
	ok(found == sizeof(help) / sizeof(help[0]) &&
	   !strstr(mem, "this version of cowstat does not know"),
	   "Prometheus: every column's help (large, thp_zero, bytes), the info");
	ok(!strstr(mem, "cowstat_dropped_total") && !has_negative(mem) &&
	   !strstr(mem, "reset_time"),
	   "Prometheus: a figure the table lacks (dropped, loaded) is no sample, never -1");
	free(mem);
	mem = prometheus_text(cgroups, VIEW_CGROUP, 0);
	ok(!!strstr(mem, dropped), "Prometheus: dropped's help: full table and missed probes");
	free(mem);
}

/* cowstat_reset_time_seconds: the later of loaded= and reset=, as a date. */
static void test_prometheus_reset_time(void)
{
	static const char loaded[] =
		"cowstat 2 cgroups=1 capacity=64 page_size=4096 loaded=5000000000 reset=0 "
		"probes=x\n" HC
		"7\t2\t4\t3\t12288\n";
	static const char reset[] =
		"cowstat 2 cgroups=1 capacity=64 page_size=4096 loaded=5000000000 reset=7250000000 "
		"probes=x\n" HC
		"7\t2\t4\t3\t12288\n";
	char *a = prometheus_text(loaded, VIEW_CGROUP, 0);
	char *b = prometheus_text(reset, VIEW_CGROUP, 0);

	ok(strstr(a, "\ncowstat_reset_time_seconds 1700000005.000\n") &&
	   strstr(b, "\ncowstat_reset_time_seconds 1700000007.250\n"),
	   "Prometheus: the reset time is the load's, or the last reset's, as seconds since the epoch");
	free(a);
	free(b);
}

/* --max-series: more series than that is refused, and nothing written. */
static void test_prometheus_max_series(void)
{
	struct snapshot s;
	struct export_in in = { .views = VIEW_CGROUP, .max_series = 2 };
	char error[160] = "", *mem;

	snapshot_parse(&s, dup_text(cgroups), strlen(cgroups));
	in.cgroups = &s;
	mem = export_text(&in, error);
	ok(!mem && !strcmp(error, "3 series per family, one per cgroup, more than --max-series 2"),
	   "Prometheus: --max-series refuses, writing nothing, rather than summing into [other]");
	free(mem);
	in.max_series = 3;
	mem = export_text(&in, error);
	ok(mem && strstr(mem, "cowstat_cgroup_faults_total{cgroup_id=\"9\"} 0\n"),
	   "Prometheus: --max-series N takes N series");
	free(mem);
	snapshot_free(&s);
}

/* The state after an export, as the next one reads it back from its file. */
static struct export_state *next_state(struct export_state *st)
{
	struct export_state *next = export_state_new();
	char *text = NULL, error[160];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	export_state_format(st, f);
	fclose(f);
	if (export_state_parse(next, text, error, sizeof(error)))
		printf("# next_state: %s\n", error);
	free(text);
	export_state_free(st);
	return next;
}

/* Export tasks @t and cgroups @c, by cgroup and per task, with @st (NULL: none). */
static char *export_both(const char *t, const char *c, struct export_state *st)
{
	struct snapshot tasks, cg;
	struct export_in in = { .tasks = &tasks, .cgroups = &cg, .state = st,
				.views = VIEW_CGROUP | VIEW_TASK };
	char error[160], *mem;

	snapshot_parse(&tasks, dup_text(t), strlen(t));
	snapshot_parse(&cg, dup_text(c), strlen(c));
	mem = export_text(&in, error);
	snapshot_free(&tasks);
	snapshot_free(&cg);
	return mem;
}

/*
 * Whether no counter (_total) of export @before is less in export @after,
 * for the same labels; @compared gets how many were in both.  @say: each
 * that went down, as a diagnostic.
 */
static bool never_down(const char *before, const char *after, int *compared, bool say)
{
	char *copy = dup_text(before), *line, *space, *at, want[512];
	bool down = false;

	*compared = 0;
	for (line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
		space = strrchr(line, ' ');
		if (line[0] == '#' || !space || !strstr(line, "_total"))
			continue;
		snprintf(want, sizeof(want), "\n%.*s ", (int)(space - line), line);
		at = strstr(after, want);
		if (!at)
			continue;	/* the series ended */
		(*compared)++;
		if (strtoull(at + strlen(want), NULL, 10) < strtoull(space + 1, NULL, 10)) {
			if (say)
				printf("# down: %s -> %.*s\n", line, (int)strcspn(at + 1, "\n"),
				       at + 1);
			down = true;
		}
	}
	free(copy);
	return !down;
}

#define VT(reset) "cowstat 2 tasks=2 capacity=16 dropped=0 evicted=0 page_size=4096 " \
	"loaded=1000 reset=" reset " probes=do_wp_page\n"
#define HT "pid\ttgid\tppid\tuid\tstart\tcgroup\tstate\tfaults\tcopies\tzero\tbytes\tcomm\n"
#define VG(reset) "cowstat 2 cgroups=3 capacity=16 dropped=0 evicted=0 page_size=4096 " \
	"loaded=1000 reset=" reset " probes=do_wp_page\n"
#define HG "cgroup\ttasks\tfaults\tcopies\tzero\tbytes\n"

/*
 * With --state, no counter goes down between resets, whatever the module
 * loses: task 10, which moved from cgroup 7 to 8 and back, has its first
 * row in 7 evicted; cgroup 7's entry is forgotten (max_cgroups); cgroup 9's
 * zero (32 bits) wraps.  Without it they go down.  A reset starts again.
 */
static void test_prometheus_monotonic(void)
{
	static const char t1[] = VT("0") HT
		"10\t10\t1\t0\t100\t7\tM\t3\t2\t0\t8192\tsh\n"
		"10\t10\t1\t0\t100\t8\tR\t5\t1\t0\t4096\tsh\n"
		"11\t11\t1\t0\t150\t7\tX\t1\t1\t0\t4096\tcat\n";
	static const char c1[] = VG("0") HG
		"7\t5\t40\t30\t0\t122880\n8\t1\t5\t1\t0\t4096\n9\t1\t1\t1\t4294967290\t4096\n";
	static const char t2[] = VT("0") HT
		"10\t10\t1\t0\t100\t8\tM\t6\t2\t0\t8192\tsh\n"
		"10\t10\t1\t0\t100\t7\tR\t1\t1\t0\t4096\tsh\n";
	static const char c2[] = VG("0") HG
		"7\t1\t1\t1\t0\t4096\n8\t2\t11\t3\t0\t12288\n9\t1\t2\t2\t4\t8192\n";
	static const char t3[] = VT("2000") HT "10\t10\t1\t0\t100\t7\tR\t1\t0\t0\t0\tsh\n";
	static const char c3[] = VG("2000") HG "7\t1\t1\t0\t0\t0\n";
	struct export_state *st = export_state_new();
	char *e1 = export_both(t1, c1, st), *e2, *bare, *e3;
	int n, m;

	st = next_state(st);
	e2 = export_both(t2, c2, st);
	ok(never_down(e1, e2, &n, true) && n == 26,
	   "Prometheus --state: no counter of 26 went down (an M row and a cgroup entry lost)");
	ok(strstr(e2, "\ncowstat_cgroup_faults_total{cgroup_id=\"7\"} 40\n") &&
	   strstr(e2, "\ncowstat_task_faults_total{pid=\"10\",start=\"100\",cgroup_id=\"7\"} 3") &&
	   strstr(e2, "\ncowstat_cgroup_faults_total{cgroup_id=\"8\"} 11\n") &&
	   !strstr(e2, "pid=\"11\""),
	   "Prometheus --state: what was lost stays counted, what rose adds, an evicted task ends");
	ok(!!strstr(e2, "\ncowstat_cgroup_zero_copies_total{cgroup_id=\"9\"} 4294967300\n"),
	   "Prometheus --state: a 32-bit column that wrapped goes on past 2^32");
	bare = export_both(t2, c2, NULL);
	ok(!never_down(e1, bare, &m, false) && m == n,
	   "Prometheus without --state: those counters go down, as the module's do");
	st = next_state(st);
	e3 = export_both(t3, c3, st);
	ok(strstr(e3, "\ncowstat_cgroup_faults_total{cgroup_id=\"7\"} 1\n") &&
	   strstr(e3, "\ncowstat_task_faults_total{pid=\"10\",start=\"100\",cgroup_id=\"7\"} 1") &&
	   strstr(e3, "\ncowstat_reset_time_seconds 1700000000.000\n"),
	   "Prometheus --state: after a reset the counters start again, with the reset's time");
	export_state_free(st);
	free(e1);
	free(e2);
	free(bare);
	free(e3);
}

/* The state file: read back as written, paths of any bytes; what is wrong is said. */
static void test_export_state_file(void)
{
	static const char good[] =
		"cowstat export state 1\nreset 5\npath 8 /gone\\012x\\134y z\n"
		"counter cgroup=8 faults 3 40\n";
	static const char *const bad[] = {
		"cowstat export state 2\nreset 5\n",
		"cowstat export state 1\nreset five\n",
		"cowstat export state 1\nreset 5\ncounter cgroup=8 faults 3\n",
		"cowstat export state 1\nreset 5\ncounter cgroup=8 faults 3 -1\n",
		"cowstat export state 1\nreset 5\npath 8\n",
		"cowstat export state 1\nreset 5\ncounter cgroup=8 faults 3 40",
		"cowstat export state 1\n\n",
	};
	struct export_state *st = export_state_new();
	char error[160] = "", *text = NULL;
	unsigned int i, refused = 0;
	size_t len = 0;
	FILE *f;

	ok(!export_state_parse(st, good, error, sizeof(error)) &&
	   !strcmp(export_state_path(st, 8, NULL), "/gone\nx\\y z") &&
	   export_state_counter(st, "cgroup=8", "faults", 2, false) == 40 &&
	   export_state_knows(st, "cgroup=8") && !export_state_knows(st, "cgroup=9"),
	   "export state: a path with a newline, a backslash and a blank; a counter carried");
	f = open_memstream(&text, &len);
	export_state_format(st, f);
	fclose(f);
	ok(!strcmp(text, "cowstat export state 1\nreset 5\npath 8 /gone\\012x\\y z\n"
		   "counter cgroup=8 faults 2 40\n"),
	   "export state: written back as it reads");
	free(text);
	export_state_free(st);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		st = export_state_new();
		refused += export_state_parse(st, bad[i], error, sizeof(error)) &&
			   !strncmp(error, "line ", 5);
		printf("# %s\n", error);
		export_state_free(st);
	}
	ok(refused == sizeof(bad) / sizeof(bad[0]), "export state: a file it did not write is refused, saying where");
}

/* A parsed table of @rows tasks with about @faults each. */
static void make_table(struct snapshot *s, int rows, unsigned int faults)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r;

	fprintf(f, "cowstat 1 tasks=%d capacity=32768 dropped=0 page_size=4096\n" H1, rows);
	for (r = 0; r < rows; r++)
		fprintf(f, "%d\t%d\t1\t0\t%d\tR\t%u\t%u\t0\t0\t0\t0\t0\t0\t0\t0\t0\t%u\tt%d\n",
			r ? 1000 + r * 7919 % 32768 : 2147483647, r ? 1000 + r : 2147483647,
			r, faults + r % 5, faults, faults * 4096, r % 50);
	fclose(f);
	if (snapshot_parse(s, text, len))
		printf("# make_table: %s\n", s->error);
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* top: rates after a reset, extreme pids, and the cost of a refresh. */
static void test_top_rates(void)
{
	struct snapshot prev, cur;
	struct rate *rates;
	double t0, cpu;
	int n;

	/* the same task before and after a reset: its counters went down */
	make_table(&prev, 1, 1000);
	make_table(&cur, 1, 10);
	rates = xmalloc(sizeof(*rates));
	n = top_rates(&cur, &prev, 2 * NSEC, true, rates);
	ok(n == 1 && rates[0].faults_s == 5 && rates[0].copies_s == 5 &&
	   rates[0].bytes_s == 20480, "top: a counter that went down counts from 0");
	printf("# faults/s %g copies/s %g bytes/s %g\n", rates[0].faults_s, rates[0].copies_s,
	       rates[0].bytes_s);
	free(rates);
	snapshot_free(&prev);
	snapshot_free(&cur);

	/* 32768 rows (the default table), pids 1000.. and 2^31 - 1 */
	make_table(&prev, 32768, 100);
	make_table(&cur, 32768, 200);
	rates = xmalloc(32768 * sizeof(*rates));
	t0 = cpu_seconds();
	n = top_rates(&cur, &prev, NSEC, false, rates);
	cpu = cpu_seconds() - t0;
	ok(n == 32768 && rates[0].bytes_s == 100 * 4096 && rates[0].t.pid == 1001 &&
	   rates[32767].t.pid == 2147483647, "top: 32768 rows, sorted, pids up to 2^31 - 1");
	/* O(n^2) took 13.5 s without sanitizers; O(n log n) ~25 ms */
	ok(cpu < 1.0, "top: rates of 32768 rows in under 1 s of CPU under ASan");
	printf("# top_rates, 32768 rows: %.3f s CPU\n", cpu);
	free(rates);
	snapshot_free(&prev);
	snapshot_free(&cur);
}

/* show -i and top: deadlines k are start + k * period; a late read skips ahead. */
static void test_deadlines(void)
{
	struct ticker t = { .start = 1000, .period = 100, .k = 0 };
	struct stamp woke;
	long skipped[6];
	bool on_time = true;
	int i;

	ok(deadline_at(1000, 100, 3) == 1300 && deadline_at(1, UINT64_MAX / 2, 3) == UINT64_MAX,
	   "deadline k: start + k * period, saturated past 2^64 ns");
	ok(seconds_ns(0.1) == 100000000 && seconds_ns(86400) == 86400 * NSEC,
	   "interval seconds in ns: 0.1 and a day, exactly");
	skipped[0] = ticker_advance(&t, 1050);	/* read 0 done at 1050: next 1 (1100) */
	skipped[1] = ticker_advance(&t, 1199);	/* read 1 done at 1199: next 2 (1200) */
	skipped[2] = ticker_advance(&t, 1350);	/* read 2 overran 3 (1300): next 4 (1400) */
	ok(skipped[0] == 0 && skipped[1] == 0 && skipped[2] == 1 && t.k == 4,
	   "a read that overruns the next deadline skips to the first ahead, and says 1");
	skipped[3] = ticker_advance(&t, 1500);	/* done at 5's own time: 5 is still due */
	skipped[4] = ticker_advance(&t, 1601);	/* 1 ns past 6: next 7 */
	skipped[5] = ticker_advance(&t, 1950);	/* 8 and 9 passed, 10 is at 2000 */
	ok(skipped[3] == 0 && skipped[4] == 1 && skipped[5] == 2 && t.k == 10,
	   "a deadline due now is kept; 1 ns late skips it; several missed are counted");
	ok(ticker_ms_left(&t, 1999) == 1 && ticker_ms_left(&t, 2000) == 0 &&
	   ticker_ms_left(&t, 5000) == 0,
	   "poll's timeout to deadline 10: milliseconds rounded up, 0 when due or past");
	t.start = 0;
	t.k = 1;
	t.period = 2000001000;
	ok(ticker_ms_left(&t, 0) == 2001 && ticker_ms_left(&t, 1000) == 2000,
	   "poll's timeout of a deadline 2.000001 s ahead: 2001 ms");

	/* the real clock: three deadlines 20 ms apart, none woken early */
	stamp_now(&woke);
	ticker_start(&t, woke.mono, 0.02);
	for (i = 1; i <= 3; i++) {
		t.k = i;
		ticker_wait(&t);
		stamp_now(&woke);
		on_time = on_time && woke.mono >= deadline_at(t.start, t.period, i);
	}
	ok(on_time, "clock_nanosleep TIMER_ABSTIME wakes at the deadline, not before");
}

/* Stamps: ISO 8601 UTC for scripts, pidstat's time of day for people. */
static void test_stamps(void)
{
	struct stamp at = { .wall = { .tv_sec = 1700000000, .tv_nsec = 999999999 } };
	char buf[40];

	stamp_utc(&at, buf, sizeof(buf));
	ok(!strcmp(buf, "2023-11-14T22:13:20.999Z"), "ISO 8601 UTC, milliseconds cut, not rounded up");
	stamp_local(&at, buf, sizeof(buf));
	ok(!strcmp(buf, "22:13:20"), "the time of day, local (TZ=UTC): HH:MM:SS");
}

#define HR	"pid\ttgid\tppid\tuid\tstart\tstate\tfaults\tcopies\tbytes\tcomm\n"

/*
 * show -i's report of two reads 2 s apart: task 101 copied 5 pages, 102 is
 * new with 1, 100 did nothing; dropped went from 7 to 10.
 */
static void test_interval_report(void)
{
	static const char before[] =
		"cowstat 1 tasks=2 dropped=7 page_size=4096\n" HR
		"100\t100\t1\t0\t5000\tX\t3\t1\t4096\tsh\n"
		"101\t100\t1\t0\t5100\tR\t7\t2\t8192\tcat\n";
	static const char after[] =
		"cowstat 1 tasks=3 dropped=10 page_size=4096\n" HR
		"100\t100\t1\t0\t5000\tX\t3\t1\t4096\tsh\n"
		"101\t100\t1\t0\t5100\tR\t12\t7\t28672\tcat\n"
		"102\t102\t101\t0\t5200\tR\t1\t1\t4096\tnew\n";
	struct stamp at = { .wall = { .tv_sec = 1700000000, .tv_nsec = 123456789 },
			    .mono = 7 * NSEC };
	struct print_opts o = { .format = FORMAT_JSON, .human = true, .header = true };
	struct rate_report r = { .at = &at, .elapsed = 2 * NSEC, .interval = 2, .first = true };
	struct snapshot prev, cur;
	struct tally_index *index;
	struct tally rows[4];
	char *mem = NULL;
	size_t len = 0;
	FILE *f;

	snapshot_parse(&prev, dup_text(before), strlen(before));
	snapshot_parse(&cur, dup_text(after), strlen(after));
	index = tally_index(&prev, NULL);
	select_tallies(&cur, NULL, rows);
	tally_since(&cur, &rows[1], &prev, tally_find(index, &rows[1]));
	tally_since(&cur, &rows[2], &prev, tally_find(index, &rows[2]));
	tally_index_free(index);
	r.s = &cur;
	r.rows = rows + 1;	/* 100 did nothing */
	r.n = 2;
	r.dropped = figure_rise(&cur, &prev, "dropped");
	ok(r.dropped == 3 && figure_rise(&prev, &cur, "dropped") == 7 &&
	   figure_rise(&cur, &prev, "evicted") == -1,
	   "dropped's rise: 3; after a reset, from 0; unknown without the figure");
	ok(per_second(5, 2 * NSEC) == 2.5 && per_second(1, 3 * NSEC) == 1.0 / 3 &&
	   per_second(7, 0) == 0, "per second: the increase over the elapsed ns");

	f = open_memstream(&mem, &len);
	print_rates(f, &r, &o);
	fclose(f);
	ok(!strcmp(mem, "{\"time\":\"2023-11-14T22:13:20.123Z\",\"monotonic_ns\":7000000000,"
		   "\"elapsed_ns\":2000000000,\"interval\":2,\"skipped\":0,\"dropped\":3,"
		   "\"version\":1,\"page_size\":4096,\"rows\":["
		   "{\"pid\":101,\"tgid\":100,\"ppid\":1,\"uid\":0,\"start\":5100,\"threads\":1,"
		   "\"state\":\"R\",\"comm\":\"cat\",\"faults\":5,\"copies\":5,\"bytes\":20480,"
		   "\"per_second\":{\"faults\":2.500,\"copies\":2.500,\"bytes\":10240.000}},"
		   "{\"pid\":102,\"tgid\":102,\"ppid\":101,\"uid\":0,\"start\":5200,\"threads\":1,"
		   "\"state\":\"R\",\"comm\":\"new\",\"faults\":1,\"copies\":1,\"bytes\":4096,"
		   "\"per_second\":{\"faults\":0.500,\"copies\":0.500,\"bytes\":2048.000}}]}\n"),
	   "show -i -j: a line per interval, stamped, increases and rates over 2 s");
	free(mem);

	o.format = FORMAT_TABLE;
	o.total = true;
	f = open_memstream(&mem, &len);
	print_rates(f, &r, &o);
	r.average = true;
	r.first = false;
	print_rates(f, &r, &o);
	fclose(f);
	ok(!strcmp(mem,
		   "22:13:20   pid tgid ppid uid state faults/s copies/s bytes/s comm\n"
		   "22:13:20   101  100    1   0     R     2.50     2.50     10K cat\n"
		   "22:13:20   102  102  101   0     R     0.50     0.50    2.0K new\n"
		   "22:13:20 total    -    -   -     -     3.00     3.00     12K -\n"
		   "\n"
		   "Average:   pid tgid ppid uid state faults/s copies/s bytes/s comm\n"
		   "Average:   101  100    1   0     R     2.50     2.50     10K cat\n"
		   "Average:   102  102  101   0     R     0.50     0.50    2.0K new\n"
		   "Average: total    -    -   -     -     3.00     3.00     12K -\n"),
	   "show -i table: pidstat's time of day on each line, rates, the Average block");
	free(mem);

	o.format = FORMAT_TSV;
	o.total = false;
	r.average = false;
	r.first = true;
	f = open_memstream(&mem, &len);
	print_rates(f, &r, &o);
	r.first = false;
	print_rates(f, &r, &o);
	fclose(f);
	ok(!strcmp(mem, "time\tpid\ttgid\tppid\tuid\tstate\tfaults/s\tcopies/s\tbytes/s\tcomm\n"
		   "2023-11-14T22:13:20.123Z\t101\t100\t1\t0\tR\t2.50\t2.50\t10240.00\tcat\n"
		   "2023-11-14T22:13:20.123Z\t102\t102\t101\t0\tR\t0.50\t0.50\t2048.00\tnew\n"
		   "2023-11-14T22:13:20.123Z\t101\t100\t1\t0\tR\t2.50\t2.50\t10240.00\tcat\n"
		   "2023-11-14T22:13:20.123Z\t102\t102\t101\t0\tR\t0.50\t0.50\t2048.00\tnew\n"),
	   "show -i TSV: one header, each row stamped in UTC, raw rates");
	free(mem);
	snapshot_free(&prev);
	snapshot_free(&cur);
}

/* A cgroup tree to resolve ids in, for the whole run: the map is read once. */
static char *make_cgroup_tree(void)
{
	static const char *const dirs[] = {
		"system.slice", "system.slice/a b.service", "system.slice/b.service", "user.slice",
		"odd\tname\\x\ny z",
	};
	char *root = xstrdup("/tmp/cowstat-unit.XXXXXX"), dir[512];
	unsigned int i;

	if (!mkdtemp(root)) {
		free(root);
		return NULL;
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", root, dirs[i]);
		mkdir(dir, 0755);
	}
	setenv(CGROUP_ROOT_ENV, root, 1);
	return root;
}

static void remove_cgroup_tree(char *root)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		printf("# could not remove %s\n", root);
	free(root);
}

/* ---- Tallies summed exactly, at the widest table ---- */

#define WIDE_COUNTERS	56	/* with pid..state and comm: COWSTAT_MAX_COLS columns */

/*
 * A format 2 table of COWSTAT_MAX_COLS columns: 12 tasks, 3 processes of 4
 * threads, 2 names, 3 cgroups, counters above 2^62, which a double would
 * round, and which a sum of more than 3 would overflow.
 */
static char *wide_table(int counters)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r, c;

	fprintf(f, "cowstat 2 tasks=12 page_size=4096\npid\ttgid\tppid\tuid\tstart\tcgroup\tstate");
	for (c = 0; c < counters; c++)
		fprintf(f, "\tc%d", c);
	fputs("\tcomm\n", f);
	for (r = 0; r < 12; r++) {
		fprintf(f, "%d\t%d\t1\t0\t%d\t%d\t%s", 100 + r, 100 + r - r % 4, 1000 + r,
			7 + r % 3, r % 4 == 1 ? "X" : "R");
		for (c = 0; c < counters; c++)
			fprintf(f, "\t%llu", (1ull << 62) / 4 + (unsigned long long)c * 1000 + r);
		fprintf(f, "\t%s\n", r % 2 ? "odd\\040one" : "even");
	}
	fclose(f);
	return text;
}

/* Each row's counters, summed as @merged says they go together: as the tally has them. */
static bool sums_exact(const struct snapshot *s, const struct tally *t,
		       bool (*together)(const struct snapshot *s, int r, const struct tally *t))
{
	uint64_t want;
	int r, c, rows = 0;

	for (r = 0; r < s->t.nrows; r++)
		rows += together(s, r, t);
	for (c = 0; c < s->t.ncols; c++) {
		if (!is_counter_col(s, c))
			continue;
		for (r = 0, want = 0; r < s->t.nrows; r++)
			want += together(s, r, t) ? snap_u64(s, r, c) : 0;
		if (t->v[c] != want)
			return false;
	}
	return rows == t->threads;
}

static bool same_process(const struct snapshot *s, int r, const struct tally *t)
{
	return (pid_t)snap_u64(s, r, s->col_tgid) == t->tgid;
}

static bool same_comm(const struct snapshot *s, int r, const struct tally *t)
{
	return !strcmp(snap_text(s, r, s->comm), t->comm_raw);
}

static bool same_cgroup(const struct snapshot *s, int r, const struct tally *t)
{
	return snap_u64(s, r, s->col_cgroup) == t->cgroup;
}

static void test_tallies_exact(void)
{
	struct snapshot s;
	struct tally rows[13], copy;
	char *text = wide_table(WIDE_COUNTERS), comm[COMM_MAX];
	uint64_t first;
	int n, i, c0;
	bool exact;

	ok(snapshot_parse(&s, text, strlen(text)) == 0 && s.t.ncols == COWSTAT_MAX_COLS,
	   "tallies: a table of COWSTAT_MAX_COLS columns parses");
	c0 = cowstat_col(&s.t, "c0");
	first = snap_u64(&s, 0, c0);
	n = merge_by_process(&s, rows, select_tallies(&s, NULL, rows));
	for (i = 0, exact = n == 3; i < n && exact; i++)
		exact = sums_exact(&s, &rows[i], same_process) && rows[i].pid == rows[i].tgid;
	ok(exact, "tallies: per process, each of 56 counters summed exactly, threads counted");
	ok(snap_u64(&s, 0, c0) == first && snap_u64(&s, 0, s.col_pid) == 100,
	   "tallies: summing leaves the snapshot's own numbers as they were");
	n = merge_by_comm(&s, rows, select_tallies(&s, NULL, rows));
	for (i = 0, exact = n == 2; i < n && exact; i++)
		exact = sums_exact(&s, &rows[i], same_comm);
	tally_comm(&rows[n - 1], comm);
	ok(exact && !strcmp(comm, "odd one"), "tallies: per comm, summed exactly, comm unescaped");
	n = merge_by_cgroup(&s, rows, select_tallies(&s, NULL, rows));
	for (i = 0, exact = n == 3; i < n && exact; i++)
		exact = sums_exact(&s, &rows[i], same_cgroup);
	ok(exact, "tallies: per cgroup, summed exactly");
	select_tallies(&s, NULL, rows);
	copy = rows[0];
	tally_own(&s, &copy);
	tally_add(&s, &copy, &rows[1]);
	ok(rows[0].v[c0] == first && copy.v[c0] == first + snap_u64(&s, 1, c0),
	   "tallies: a copy given its own counters sums without changing the original");
	snapshot_free(&s);

	text = wide_table(WIDE_COUNTERS + 1);
	ok(snapshot_parse(&s, text, strlen(text)) == -EPROTO &&
	   !strcmp(s.error, "line 2: 65 columns, more than 64"),
	   "tallies: a column more than COWSTAT_MAX_COLS is a clear error");
	snapshot_free(&s);
}

int main(void)
{
	char *root = make_cgroup_tree();

	setenv("TZ", "UTC", 1);		/* the time of day in tests: UTC's */
	tzset();
	printf("TAP version 13\n");
	test_parse_sample();
	test_odd_comms();
	test_empty_and_bad();
	test_newer_format();
	test_formats();
	test_age_column();
	test_json_table_text();
	test_prometheus_output();
	test_bad_tables();
	test_crlf();
	test_top_rates();
	test_deadlines();
	test_stamps();
	test_interval_report();
	test_format2_tasks();
	test_format2_shared_parser();
	test_format2_cgroups();
	test_run_cgroup_totals();
	test_format2_since();
	test_format3_columns();
	if (root) {
		test_cgroup_paths(root);
		test_run_cgroup_fallback(root);
	} else {
		printf("ok %d # SKIP cgroup paths: mkdtemp: %s\n", ++nr, strerror(errno));
		printf("ok %d # SKIP run's cgroup: mkdtemp: %s\n", ++nr, strerror(errno));
	}
	test_prometheus_by_cgroup();
	test_prometheus_help();
	test_prometheus_reset_time();
	test_prometheus_max_series();
	test_prometheus_monotonic();
	test_export_state_file();
	test_tallies_exact();
	if (root)
		remove_cgroup_tree(root);
	printf("1..%d\n", nr);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n", passed, failed);
	return failed != 0;
}
