// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat(8): time for show -i and top.  Reads are due on absolute
 * deadlines of CLOCK_MONOTONIC, so the time a read takes never adds up;
 * each read is stamped on both clocks; rates divide by the time measured
 * between two reads, not by the interval asked for.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "cowstat.h"

#define NSEC_PER_SEC	1000000000ull

/* ---- Stamps ---- */

/* Now, on the wall clock and on CLOCK_MONOTONIC (the clock of start). */
void stamp_now(struct stamp *s)
{
	struct timespec mono;

	clock_gettime(CLOCK_REALTIME, &s->wall);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	s->mono = mono.tv_sec * NSEC_PER_SEC + mono.tv_nsec;
}

/* @s in ISO 8601, UTC, to the millisecond: 2026-11-30T12:00:03.123Z. */
void stamp_utc(const struct stamp *s, char *buf, size_t size)
{
	struct tm tm;
	char day[32];

	gmtime_r(&s->wall.tv_sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03ldZ", day, s->wall.tv_nsec / 1000000);
}

/* @s as the time of day, local, as pidstat prints it in the C locale: 12:00:03. */
void stamp_local(const struct stamp *s, char *buf, size_t size)
{
	struct tm tm;

	localtime_r(&s->wall.tv_sec, &tm);
	strftime(buf, size, "%H:%M:%S", &tm);
}

/* ---- Deadlines ---- */

/* @seconds (0.1 to 86400, as the options take them) in ns. */
uint64_t seconds_ns(double seconds)
{
	return (uint64_t)(seconds * NSEC_PER_SEC + 0.5);
}

/* Deadline @k: @start + @k * @period, or UINT64_MAX past 2^64 ns (584 years). */
uint64_t deadline_at(uint64_t start, uint64_t period, long k)
{
	uint64_t offset, at;

	if (__builtin_mul_overflow(period, (uint64_t)k, &offset) ||
	    __builtin_add_overflow(start, offset, &at))
		return UINT64_MAX;
	return at;
}

/* Deadlines every @seconds from @start, the first read's time: deadline 0. */
void ticker_start(struct ticker *t, uint64_t start, double seconds)
{
	t->start = start;
	t->period = seconds_ns(seconds);
	t->k = 0;
}

/*
 * The read of deadline @t->k is done at @now: the next is @t->k + 1, or, if
 * that one has passed already, the first still ahead or due at @now.
 * Returns how many deadlines passed with no read: 0 unless the read and
 * what came with it took longer than the interval.
 */
long ticker_advance(struct ticker *t, uint64_t now)
{
	long next = t->k + 1, skipped = 0;

	if (now > deadline_at(t->start, t->period, next) && t->period) {
		/* ceil((now - start) / period): the first deadline not before now */
		next = (now - t->start + t->period - 1) / t->period;
		skipped = next - t->k - 1;
	}
	t->k = next;
	return skipped;
}

/* Sleep until deadline @t->k: 0, or -1 with errno EINTR when a signal came. */
int ticker_wait(const struct ticker *t)
{
	uint64_t at = deadline_at(t->start, t->period, t->k);
	struct timespec ts = {
		.tv_sec = at / NSEC_PER_SEC,
		.tv_nsec = at % NSEC_PER_SEC,
	};
	int ret;

	do
		ret = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	while (ret && ret != EINTR);	/* no other error with a valid time */
	errno = ret;
	return ret ? -1 : 0;
}

/* Milliseconds from @now to deadline @t->k, rounded up, for poll(); 0 if due. */
int ticker_ms_left(const struct ticker *t, uint64_t now)
{
	uint64_t at = deadline_at(t->start, t->period, t->k);

	return at > now ? (int)((at - now + 999999) / 1000000) : 0;
}

/* ---- Rates ---- */

/* @increase over @elapsed ns, per second; 0 over no time at all. */
double per_second(uint64_t increase, uint64_t elapsed)
{
	return elapsed ? (double)increase * NSEC_PER_SEC / elapsed : 0;
}

/*
 * How much the version line's figure @key (dropped, evicted) rose from
 * @prev to @s: from 0 if it went down (a reset), -1 if either lacks it.
 */
long long figure_rise(const struct snapshot *s, const struct snapshot *prev, const char *key)
{
	long long now = cowstat_version_field(&s->t, key);
	long long then = cowstat_version_field(&prev->t, key);

	if (now < 0 || then < 0)
		return -1;
	return now >= then ? now - then : now;
}
