// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat show --since FILE: a table saved with show -j read back, as the
 * text table of /proc/cowstat (or /proc/cowstat_cgroups) it was made from,
 * so that the one strict parser checks it.  Only what a row's key and
 * counters need is kept; a task's comm, which is not part of its key, is "-".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

/* ---- A reader of the JSON that show -j writes ---- */

#define JSON_DEPTH	8	/* show -j nests 3 deep */

struct json {
	const char	*p;
	char		*error;		/* a snapshot's error, 160 bytes */
	int		depth;		/* of lists and objects, at most JSON_DEPTH */
	bool		failed;
};

/* Record the first error; false, so that a reader can return json_fail(). */
static bool json_fail(struct json *j, const char *what)
{
	if (!j->failed)
		snprintf(j->error, 160, "JSON: %s at '%.12s'", what, j->p);
	j->failed = true;
	return false;
}

static void ws(struct json *j)
{
	j->p += strspn(j->p, " \t\r\n");
}

static bool eat(struct json *j, char c)
{
	ws(j);
	if (*j->p != c)
		return false;
	j->p++;
	return true;
}

/* A string into @out (@size bytes, cut short if longer); escapes other than \" \\ as '?'. */
static bool json_str(struct json *j, char *out, size_t size)
{
	size_t n = 0;

	if (!eat(j, '"'))
		return json_fail(j, "a string expected");
	for (; *j->p && *j->p != '"'; j->p++) {
		char c = *j->p;

		if (c == '\\' && j->p[1]) {
			c = *++j->p == '"' || *j->p == '\\' ? *j->p : '?';
			if (*j->p == 'u')
				j->p += strspn(j->p + 1, "0123456789abcdefABCDEF") > 3 ? 4 : 0;
		}
		if (n + 1 < size)
			out[n++] = c;
	}
	if (size)
		out[n] = '\0';
	return eat(j, '"') || json_fail(j, "a string not ended");
}

/* Any value: a scalar's text into @out (strings unquoted), arrays and objects skipped. */
static bool json_value(struct json *j, char *out, size_t size)
{
	size_t len;

	ws(j);
	out[0] = '\0';
	if (*j->p == '"')
		return json_str(j, out, size);
	if (*j->p == '[' || *j->p == '{') {
		char close = *j->p == '[' ? ']' : '}', key[8];

		if (++j->depth > JSON_DEPTH)
			return json_fail(j, "lists or objects nested too deep");
		j->p++;
		if (eat(j, close)) {
			j->depth--;
			return true;
		}
		do {
			if (close == '}') {
				json_str(j, key, sizeof(key));
				if (!eat(j, ':'))
					return json_fail(j, "':' expected");
			}
			json_value(j, key, sizeof(key));
		} while (!j->failed && eat(j, ','));
		j->depth--;
		return j->failed ? false : eat(j, close) ||
		       json_fail(j, "',' or the end of a list expected");
	}
	len = strspn(j->p, "0123456789+-.eEtruefalsn");
	if (!len)
		return json_fail(j, "a value expected");
	snprintf(out, size, "%.*s", (int)len, j->p);
	j->p += len;
	return true;
}

/* ---- One row of show -j as one line of the text table ---- */

/* Keys of a row that are not columns of the text table, or are named otherwise. */
static const char *const dropped_keys[] = { "threads", "cgroup", "removed", "comm" };

static bool dropped_key(const char *key)
{
	unsigned int i;

	for (i = 0; i < sizeof(dropped_keys) / sizeof(dropped_keys[0]); i++)
		if (!strcmp(key, dropped_keys[i]))
			return true;
	return false;
}

/*
 * One row object: its header (the first row's keys, "cgroup_id" as
 * "cgroup"), which every row must match, and its values, to @f.
 */
static bool json_row(struct json *j, FILE *f, char *header, size_t hsize, int row)
{
	char key[64], value[64], line[1024] = "", names[1024] = "";
	bool tasks = false;
	size_t len;

	if (!eat(j, '{'))
		return json_fail(j, "a row object expected");
	do {
		json_str(j, key, sizeof(key));
		if (!eat(j, ':'))
			return json_fail(j, "':' expected");
		json_value(j, value, sizeof(value));
		if (!strcmp(key, "threads") && strcmp(value, "1"))
			return json_fail(j, "a row of several tasks (saved with -P or -C)");
		if (j->failed || dropped_key(key))
			continue;
		tasks = tasks || !strcmp(key, "pid");
		len = strlen(names);
		snprintf(names + len, sizeof(names) - len, "%s%s", len ? "\t" : "",
			 strcmp(key, "cgroup_id") ? key : "cgroup");
		len = strlen(line);
		snprintf(line + len, sizeof(line) - len, "%s%s", len ? "\t" : "", value);
	} while (!j->failed && eat(j, ','));
	if (!j->failed && !eat(j, '}'))
		json_fail(j, "',' or '}' expected in a row");
	if (tasks) {		/* the comm last, as /proc/cowstat has it */
		strncat(names, "\tcomm", sizeof(names) - strlen(names) - 1);
		strncat(line, "\t-", sizeof(line) - strlen(line) - 1);
	}
	if (!row)
		snprintf(header, hsize, "%s", names);
	else if (strcmp(header, names))
		return json_fail(j, "a row with other keys than the first");
	fprintf(f, "%s\n", line);
	return !j->failed;
}

/*
 * @json, a table saved with show -j (per task, or per cgroup with -G), as
 * the text table it shows, in a new buffer (*@len bytes), or NULL with the
 * reason in @error (160 bytes).
 */
char *json_table_text(const char *json, size_t *len, char *error)
{
	struct json j = { .p = json, .error = error };
	char key[64], value[64], version[64] = "", page_size[64] = "0", header[1024] = "";
	char *rows = NULL, *text = NULL;
	size_t rows_len = 0;
	FILE *f = open_memstream(&rows, &rows_len);
	int n = 0;

	if (!f || !eat(&j, '{'))
		json_fail(&j, "an object expected");
	do {
		json_str(&j, key, sizeof(key));
		if (!j.failed && !eat(&j, ':'))
			json_fail(&j, "':' expected");
		if (j.failed)
			break;
		if (strcmp(key, "rows")) {
			json_value(&j, value, sizeof(value));
			if (!strcmp(key, "version") || !strcmp(key, "page_size"))
				snprintf(!strcmp(key, "version") ? version : page_size, 64, "%s",
					 value);
			continue;
		}
		if (!eat(&j, '['))
			json_fail(&j, "a list of rows expected");
		else if (!eat(&j, ']'))
			do
				json_row(&j, f, header, sizeof(header), n++);
			while (!j.failed && eat(&j, ','));
		if (!j.failed && n && !eat(&j, ']'))
			json_fail(&j, "',' or ']' expected after a row");
	} while (!j.failed && eat(&j, ','));
	if (!j.failed && !eat(&j, '}'))
		json_fail(&j, "',' or '}' expected");
	if (!j.failed && !*version)
		json_fail(&j, "no \"version\" (not saved by show -j?)");
	if (!j.failed && !n)
		json_fail(&j, "no rows, so no columns");
	if (f)
		fclose(f);
	if (!j.failed) {
		f = open_memstream(&text, len);
		fprintf(f, "cowstat %s %s=%d page_size=%s\n%s\n%s", version,
			strncmp(header, "cgroup", 6) ? "tasks" : "cgroups", n, page_size, header,
			rows);
		fclose(f);
	}
	free(rows);
	return text;
}
