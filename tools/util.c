// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat(8): what every other file of the tool uses -- errors, memory and
 * option arguments.  It calls none of them.
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util.h"

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

/*
 * Ask for transparent huge pages under a large array (where THP is
 * "madvise", as on Debian): a table of 1M rows otherwise takes some
 * 100,000 page faults, a third of show's time.  Before the first touch:
 * calloc leaves a fresh mapping untouched.
 */
void advise_huge(void *p, size_t size)
{
	const uintptr_t huge = 2 << 20;
	uintptr_t start = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t end = ((uintptr_t)p + size) & ~(huge - 1);

	if (end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);
}

void *xmalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p)
		fatal(EXIT_ERROR, "out of memory");
	advise_huge(p, size);
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		fatal(EXIT_ERROR, "out of memory");
	return p;
}

/* Exit 3, saying how to load the module. */
void fatal_no_module(void)
{
	fatal(EXIT_ERROR, "%s not found: load the module first (sudo insmod cowstat.ko, or sudo modprobe cowstat)",
	      COWSTAT_PROC);
}

/* ---- Options ---- */

/* The same -V for cowstat and each of its commands. */
void print_version(void)
{
	printf("cowstat %s (/proc/cowstat format %d)\n", COWSTAT_VERSION, COWSTAT_FORMAT);
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

/* A decimal number with no sign, blank or suffix, at most @max. */
bool parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || __builtin_mul_overflow(x, 10, &x) ||
		    __builtin_add_overflow(x, *s - '0', &x))
			return false;
	}
	*v = x;
	return x <= max;
}

/*
 * @v in decimal, at the end of @buf (U64_TEXT bytes): where it begins.
 * As printf's %llu writes it, at a fraction of the cost, for tables of a
 * million rows.
 */
char *u64_text(uint64_t v, char *buf)
{
	int i = U64_TEXT - 1;

	buf[i] = '\0';
	do {
		buf[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	return buf + i;
}

/* @v in decimal at @p, no NUL: the end of it, for lines built in a buffer. */
char *append_u64(char *p, uint64_t v)
{
	char buf[U64_TEXT], *digits = u64_text(v, buf);
	size_t len = buf + U64_TEXT - 1 - digits;

	memcpy(p, digits, len);
	return p + len;
}

/* @v in decimal at @p, as printf's %d or %lld writes it: the end of it. */
char *append_i64(char *p, int64_t v)
{
	if (v < 0)
		*p++ = '-';
	return append_u64(p, v < 0 ? -(uint64_t)v : (uint64_t)v);
}

void put_u64(FILE *f, uint64_t v)
{
	char buf[U64_TEXT];

	fputs_unlocked(u64_text(v, buf), f);	/* the tool has one thread */
}

/* Room in @*array for one more of @n items of @size bytes, doubling. */
void grow(void *array, size_t n, size_t size)
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
		if (pw)
			uid = pw->pw_uid;
		else if (!parse_u64(user, UINT32_MAX, &uid))
			fatal(EXIT_USAGE, "--user %s: no such user", user);
		grow(&l->ids, l->n, sizeof(*l->ids));
		l->ids[l->n++] = uid;
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

/* ---- Text ---- */

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
