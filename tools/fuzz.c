// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzing the /proc/cowstat parser and everything that prints what it
 * parsed: show's table, TSV and JSON, per process and per comm, every
 * sort key, show -i's differences, the Prometheus export, its state file
 * and top's rates.
 * Built two ways by the Makefile: with clang's libFuzzer
 * (-fsanitize=fuzzer,address,undefined), or, where that is missing, with
 * the deterministic driver below: seeded random mutations of the seed
 * tables.  A crash or a sanitizer report fails.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

/* libFuzzer's entry point, by its symbol name (which is CamelCase) */
int fuzz_one(const uint8_t *data, size_t size) __asm__("LLVMFuzzerTestOneInput");

static FILE *devnull;

/*
 * Every view of the export, bounded and not; twice with a state, the
 * second reading what the first wrote.
 */
static void export_all(const struct snapshot *s)
{
	struct export_in in = { .tasks = s, .cgroups = s, .max_series = 3,
				.views = VIEW_CGROUP | VIEW_TASK | VIEW_COMM };
	char error[160], *text = NULL;
	size_t len = 0;
	FILE *f;
	int i;

	prometheus_write(devnull, &in, error, sizeof(error));
	in.max_series = 0;
	for (i = 0; i < 2; i++) {
		in.state = export_state_new();
		if (text && export_state_parse(in.state, text, error, sizeof(error)))
			abort();	/* what it wrote, it reads back */
		free(text);
		prometheus_write(devnull, &in, error, sizeof(error));
		f = open_memstream(&text, &len);
		if (!f)
			abort();
		export_state_format(in.state, f);
		fclose(f);
		export_state_free(in.state);
	}
	free(text);
}

static void print_all(const struct snapshot *s)
{
	static const int keys[] = { SORT_PID, SORT_TGID, SORT_PPID, SORT_UID, SORT_START,
				    SORT_STATE, SORT_COMM, SORT_TGID_START };
	struct tally *rows = xmalloc((s->t.nrows + 1) * sizeof(*rows));
	struct rate *rates = xmalloc((s->t.nrows + 1) * sizeof(*rates));
	struct print_opts table = { .human = true, .header = true, .total = true,
				    .drop_zero = true };
	struct print_opts columns = { .human = true, .header = true, .total = true,
				      .ncols = 9, .now = UINT64_MAX / 2,
				      .cols = { COL_STATE, COL_PID, COL_TGID, COL_PPID, COL_UID,
						COL_START, COL_AGE, COL_COMM, 0 } };
	struct print_opts json = { .format = FORMAT_JSON };
	struct print_opts tsv = { .format = FORMAT_TSV, .header = true, .total = true,
				  .by = BY_PROCESS };
	struct tally_index *index = tally_index(s, NULL);
	unsigned int k;
	int r, n;

	for (r = 0; r < s->t.nrows; r++)
		tally_row(s, r, &rows[r]);
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		sort_tallies(rows, s->t.nrows, keys[k]);
	sort_tallies(rows, s->t.nrows, sort_column(s, NULL));
	print_tallies(devnull, s, rows, s->t.nrows, &table);
	print_tallies(devnull, s, rows, s->t.nrows, &json);
	columns.cols[8] = s->t.ncols - 1;	/* a counter, or a newer format's text */
	print_tallies(devnull, s, rows, s->t.nrows, &columns);
	n = merge_by_process(s, rows, s->t.nrows);
	print_tallies(devnull, s, rows, n, &tsv);
	for (r = 0; r < s->t.nrows; r++) {	/* show -i: the table since itself */
		tally_row(s, r, &rows[r]);
		tally_since(s, &rows[r], s, tally_find(index, &rows[r]));
	}
	n = merge_by_comm(s, rows, s->t.nrows);
	tsv.by = BY_COMM;
	print_tallies(devnull, s, rows, n, &tsv);
	export_all(s);
	top_rates(s, s, 0.5, true, rates);
	tally_index_free(index);
	free(rates);
	free(rows);
}

int fuzz_one(const uint8_t *data, size_t size)
{
	char *text = xmalloc(size + 1), *json;
	struct export_state *state = export_state_new();
	struct snapshot s;
	size_t len;

	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		if (!devnull || !freopen("/dev/null", "w", stdout))
			abort();
	}
	memcpy(text, data, size);
	text[size] = '\0';
	export_state_parse(state, text, s.error, sizeof(s.error));	/* export --state */
	export_state_free(state);
	json = json_table_text(text, &len, s.error);	/* --since of show -j */
	if (json && !snapshot_parse(&s, json, len) && cowstat_col(&s.t, "faults") >= 0)
		print_all(&s);
	if (json)
		snapshot_free(&s);
	if (!snapshot_parse(&s, text, size) && cowstat_col(&s.t, "faults") >= 0)
		print_all(&s);
	snapshot_free(&s);	/* frees text */
	return 0;
}

#ifndef LIBFUZZER
/*
 * Without libFuzzer: the same command line, -runs=N and directories of seed
 * tables; each input is a seed with 1 to 8 bytes overwritten, inserted or
 * deleted, from a fixed random sequence.  Other -flags are ignored.
 */
static int add_seeds(const char *dir, char **seeds, size_t *lens, int n, int max)
{
	struct dirent *e;
	char path[4096];
	DIR *d = opendir(dir);

	for (e = d ? readdir(d) : NULL; e && n < max; e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		seeds[n] = cowstat_slurp(path, &lens[n]);
		if (seeds[n])
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

static void mutate(char *buf, size_t *len, unsigned int *seed)
{
	static const char bytes[] = "0123456789\t\n\r\\-X R\377\303\001";
	size_t at = *len ? rand_r(seed) % *len : 0;
	char c = bytes[rand_r(seed) % sizeof(bytes)];	/* the NUL too */

	switch (rand_r(seed) % 4) {
	case 0:
		if (*len)
			buf[at] = c;
		break;
	case 1:
		memmove(buf + at + 1, buf + at, *len - at);
		buf[at] = c;
		(*len)++;
		break;
	case 2:
		if (*len) {
			memmove(buf + at, buf + at + 1, *len - at - 1);
			(*len)--;
		}
		break;
	default:
		if (*len)
			buf[at] = rand_r(seed);
	}
}

int main(int argc, char **argv)
{
	enum { MAX_SEEDS = 64, MAX_LEN = 1 << 16 };
	char *seeds[MAX_SEEDS], *buf = xmalloc(MAX_LEN + 16);
	size_t lens[MAX_SEEDS], len;
	unsigned int seed = 1;
	long i, runs = 10000;
	int n = 0, k, m;

	for (k = 1; k < argc; k++) {
		if (!strncmp(argv[k], "-runs=", 6))
			runs = atol(argv[k] + 6);
		else if (argv[k][0] != '-')
			n = add_seeds(argv[k], seeds, lens, n, MAX_SEEDS);
	}
	if (!n) {
		fprintf(stderr, "usage: cowstat-fuzz [-runs=N] SEED-DIR...\n");
		return 2;
	}
	for (i = 0; i < runs; i++) {
		k = rand_r(&seed) % n;
		len = lens[k] < MAX_LEN ? lens[k] : MAX_LEN;
		memcpy(buf, seeds[k], len);
		for (m = rand_r(&seed) % 8 + 1; m > 0; m--)
			mutate(buf, &len, &seed);
		fuzz_one((const uint8_t *)buf, len);
	}
	fprintf(stderr, "cowstat-fuzz: %ld inputs from %d seeds, no report\n", runs, n);
	free(buf);
	while (n--)
		free(seeds[n]);
	return 0;
}
#endif
