/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cowstat(8), util.c: errors, memory and option arguments, for every other
 * file of the tool.  The bottom layer: it uses no other.
 */
#ifndef COWSTAT_UTIL_H
#define COWSTAT_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "../selftests/cowstat_table.h"

#define COWSTAT_VERSION	"1.1"
#define COWSTAT_FORMAT	2	/* the newest /proc/cowstat format this tool knows */

/* Exit codes, pgrep's, documented in cowstat(8). */
#define EXIT_OK		0
#define EXIT_NO_MATCH	1	/* no row selected; workload --check: a count differs */
#define EXIT_USAGE	2	/* bad command line */
#define EXIT_ERROR	3	/* fatal: no module, a bad table, anything else */
/* run passes the command's status on, so its own are those of env(1). */
#define EXIT_RUN_FAILED	125	/* cowstat itself failed */
#define EXIT_CANNOT_RUN	126	/* the command was found but could not be run */
#define EXIT_NOT_FOUND	127	/* no such command */

extern int cowstat_exit_failure;	/* run: every failure's status (125); 0: each its own */

void fatal(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
void *xmalloc(size_t size);
void grow(void *array, size_t n, size_t size);	/* room for item @n, doubling */
void advise_huge(void *p, size_t size);
char *xstrdup(const char *s);
__attribute__((noreturn)) void fatal_no_module(void);

int common_option(int opt, void (*usage)(FILE *f));
void print_version(void);
double parse_seconds(const char *opt, const char *arg, double min, double max);
long parse_count(const char *opt, const char *arg, long min, long max);
bool parse_u64(const char *s, uint64_t max, uint64_t *v);
#define U64_TEXT	21	/* 2^64 - 1 in decimal, and a NUL */
char *u64_text(uint64_t v, char *buf);
void put_u64(FILE *f, uint64_t v);
char *append_u64(char *p, uint64_t v);	/* at most U64_TEXT - 1 bytes */
char *append_i64(char *p, int64_t v);	/* at most U64_TEXT bytes */

/* @len bytes of @text at @p, for lines built in a buffer: the end of them. */
static inline char *append(char *p, const char *text, size_t len)
{
	memcpy(p, text, len);
	return p + len;
}

#define APPEND_LITERAL(p, text)	append(p, text, sizeof(text) - 1)

/* The comma lists of -p, -u, -c and -g, as ps takes them. */
struct id_list {
	int		n;		/* 0: any */
	uint64_t	*ids;
};

struct name_list {
	int		n;		/* 0: any */
	char		**names;
};

void add_ids(struct id_list *l, const char *opt, char *arg);
void add_users(struct id_list *l, char *arg);
void add_names(struct name_list *l, char *arg);

int utf8_len(const unsigned char *s);

#endif /* COWSTAT_UTIL_H */
