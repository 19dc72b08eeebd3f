// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench: guest-side microbenchmarks for `make bench`.  Under QEMU with
 * -icount shift=0, CLOCK_MONOTONIC advances one nanosecond per guest
 * instruction, so every figure printed here is an instruction count.
 *
 *   cowbench copy N      instructions per private CoW copy fault (child writes N pages)
 *   cowbench reuse N     instructions per reuse fault (parent writes N pages after the child exits)
 *   cowbench first N     extra instructions of a new task's first fault (N threads)
 *   cowbench fill N      create N short-lived tasks that each fault, to fill the table
 *   cowbench read        instructions to read /proc/cowstat, per row
 *   cowbench forks N     instructions for N fork()s whose children each copy 4 pages and exit
 *   cowbench time CMD..  run CMD; instructions elapsed, and run by CMD and its descendants
 *   cowbench forksize MIB [R]  fork() from MIB MiB, the child writing none or all of it
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPEAT	5

static long page_size;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static char *map_touched(size_t pages)
{
	char *p = mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	madvise(p, pages * page_size, MADV_NOHUGEPAGE);
	memset(p, 1, pages * page_size);
	return p;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static long long median(long long *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_ll);
	return v[n / 2];
}

/*
 * Writes timed together.  x86's clock (the TSC, scaled) moves by one
 * instruction under icount, so each write is timed on its own.  arm64's
 * generic timer ticks at CNTFRQ_EL0, 62.5 MHz in QEMU up to 8.x: one tick
 * every 16 instructions, so writes are timed 16 at a time, each group's
 * figure divided by 16.
 */
#ifdef __aarch64__
#define WRITES_PER_TIMING	16
#else
#define WRITES_PER_TIMING	1
#endif

/*
 * Instructions per write fault, over @pages pages: each write (or group of
 * WRITES_PER_TIMING) is timed on its own and the median taken.  A timer
 * tick (~13,000 instructions, every 4 ms of guest time) then lands in one
 * figure instead of adding ~25 to the average of a 512-page run whenever it
 * happens to fall inside it.  The clock's own cost, timed the same way, is
 * taken off.  Fewer than WRITES_PER_TIMING pages are timed one by one.
 */
static long long write_pages(char *p, size_t pages)
{
	size_t group = pages >= WRITES_PER_TIMING ? WRITES_PER_TIMING : 1;
	size_t timings = pages / group, i, j;
	long long *t = calloc(timings, sizeof(*t)), t0, per;

	if (!t)
		exit(1);
	for (i = 0; i < timings; i++) {
		t0 = now_ns();
		for (j = 0; j < group; j++)
			((volatile char *)p)[(i * group + j) * page_size] = 2;
		t[i] = now_ns() - t0;
	}
	per = median(t, timings);
	for (i = 0; i < timings; i++) {
		t0 = now_ns();
		t[i] = now_ns() - t0;
	}
	per -= median(t, timings);
	free(t);
	return per / (long long)group;
}

/* A child writes @pages pages it shares with us: every write copies. */
static long long copy_cost(size_t pages)
{
	char *p = map_touched(pages);
	long long per;
	int fds[2];
	pid_t pid;

	if (pipe(fds))
		exit(1);
	pid = fork();
	if (pid == 0) {
		per = write_pages(p, pages);
		_exit(write(fds[1], &per, sizeof(per)) != sizeof(per));
	}
	if (read(fds[0], &per, sizeof(per)) != sizeof(per))
		exit(1);
	waitpid(pid, NULL, 0);
	close(fds[0]);
	close(fds[1]);
	munmap(p, pages * page_size);
	return per;
}

/* We write @pages pages after the child we shared them with exited: reuses. */
static long long reuse_cost(size_t pages)
{
	char *p = map_touched(pages);
	long long per;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	per = write_pages(p, pages);
	munmap(p, pages * page_size);
	return per;
}

struct first_arg {
	char		*page;
	long long	first, second;
};

static void *first_fault(void *v)
{
	struct first_arg *a = v;

	a->first = write_pages(a->page, 1);
	a->second = write_pages(a->page + page_size, 1);
	return NULL;
}

/*
 * In a forked child, each new thread writes two shared pages: its first
 * fault creates its row, its second finds it.  Returns the difference.
 */
static long long first_cost(int threads)
{
	char *p = map_touched(2 * threads);
	long long d[64], per;
	int fds[2], i;
	pid_t pid;

	if (threads > 64 || pipe(fds))
		exit(1);
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < threads; i++) {
			struct first_arg a = { .page = p + 2 * i * page_size };
			pthread_t th;

			pthread_create(&th, NULL, first_fault, &a);
			pthread_join(th, NULL);
			d[i] = a.first - a.second;
		}
		per = median(d, threads);
		_exit(write(fds[1], &per, sizeof(per)) != sizeof(per));
	}
	if (read(fds[0], &per, sizeof(per)) != sizeof(per))
		exit(1);
	waitpid(pid, NULL, 0);
	munmap(p, 2 * threads * page_size);
	return per;
}

/* @n tasks that each take one CoW fault and exit: @n rows in the table. */
static void fill(long n)
{
	char *p = map_touched(1);
	long i;

	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			p[0] = 3;
			_exit(0);
		}
		waitpid(pid, NULL, 0);
		if (i && i % 5000 == 0)
			fprintf(stderr, "cowbench: %ld tasks\n", i);
	}
}

/*
 * A fork storm, timed as a whole: @n children, one after the other, each
 * writing 4 of the 64 pages it shares with us (4 copies) and exiting.  Every
 * child is a new row, so this is the workload where cowstat's per-task work
 * (the row's creation, its exit) weighs most against the work itself.
 */
static long long forks_cost(long n)
{
	char *p = map_touched(64);
	long long t0 = now_ns();
	long i;
	int j;

	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			exit(1);
		if (pid == 0) {
			for (j = 0; j < 4; j++)
				p[j * 16 * page_size] = 4;
			_exit(0);
		}
		waitpid(pid, NULL, 0);
	}
	t0 = now_ns() - t0;
	munmap(p, 64 * page_size);
	return t0;
}

/*
 * A whole workload: elapsed instructions, and the instructions its tasks
 * ran (user + system, which the scheduler accounts to the nanosecond and
 * getrusage() reports to the microsecond).  The second leaves out the time
 * the guest sat idle waiting for the host's 9p server: with -icount
 * sleep=off an idle vCPU jumps to the next timer, so each wait adds up to a
 * tick's worth (4,000,000) of elapsed "instructions" at random.
 */
static int time_cmd(char **argv)
{
	long long t0 = now_ns(), wall, cpu;
	struct rusage ru;
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid)
		return 1;
	wall = now_ns() - t0;
	getrusage(RUSAGE_CHILDREN, &ru);
	cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
	      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
	printf("time %lld cpu %lld\n", wall, cpu);
	return !WIFEXITED(status) || WEXITSTATUS(status);
}

/*
 * The tutorial's fork-cost experiment, measured in instructions: fork()
 * from a process with @mib MiB of private anonymous memory, all touched,
 * whose child writes none of it (@write 0) or one byte in every page (1),
 * then exits.  *@fork_insns is the fork() call itself, up to whichever of
 * parent and child runs first after it (the child stamps its start in a
 * shared page); the return value is the whole round, fork() to the
 * parent's waitpid() returning.  *@child is the child's pid, for its row
 * in /proc/cowstat.  First, untimed, we write every page ourselves, as a
 * process does between forks: fork() then has every page table entry to
 * write-protect, not only to copy, as it would have after the last round.
 */
static long long fork_round(char *p, size_t pages, int write, long long *stamp,
			    long long *fork_insns, pid_t *child)
{
	long long t0, t1;
	size_t i;
	pid_t pid;

	for (i = 0; i < pages; i++)
		((volatile char *)p)[i * page_size] = 6;
	*stamp = 0;
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		exit(1);
	if (pid == 0) {
		*stamp = now_ns();
		if (write)
			for (i = 0; i < pages; i++)
				((volatile char *)p)[i * page_size] = 5;
		_exit(0);
	}
	t1 = now_ns();
	waitpid(pid, NULL, 0);
	*fork_insns = (*stamp && *stamp < t1 ? *stamp : t1) - t0;
	*child = pid;
	return now_ns() - t0;
}

static void fork_size(long mib, int reps)
{
	size_t pages = (size_t)mib * 1024 * 1024 / page_size;
	char *p = map_touched(pages);
	long long *stamp = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long long f[REPEAT], t[REPEAT];
	int write, i;
	pid_t pid = 0;

	if (stamp == MAP_FAILED || reps < 1 || reps > REPEAT)
		exit(1);
	for (write = 0; write < 2; write++) {
		for (i = 0; i < reps; i++)
			t[i] = fork_round(p, pages, write, stamp, &f[i], &pid);
		printf("forksize %ld %d %lld %lld %d\n", mib, write,
		       median(f, reps), median(t, reps), (int)pid);
		fflush(stdout);
	}
	munmap(p, pages * page_size);
}

static long long read_cost(long *rows)
{
	static char buf[1 << 24];
	long long t0;
	ssize_t n, len = 0;
	FILE *f;
	int fd;

	memset(buf, 1, sizeof(buf));	/* no page faults inside the timing */
	t0 = now_ns();
	f = fopen("/proc/cowstat", "r");
	if (!f)
		return -1;
	fd = fileno(f);
	while ((n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += n;
	t0 = now_ns() - t0;
	fclose(f);
	*rows = 0;
	for (n = 0; n < len; n++)
		*rows += buf[n] == '\n';
	*rows -= 2;
	return t0;
}

int main(int argc, char **argv)
{
	long long v[REPEAT];
	long n = argc > 2 ? atol(argv[2]) : 1024, rows = 0;
	int i;

	page_size = sysconf(_SC_PAGESIZE);
	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "copy") || !strcmp(argv[1], "reuse") || !strcmp(argv[1], "first")) {
		for (i = 0; i < REPEAT; i++)
			v[i] = argv[1][0] == 'c' ? copy_cost(n) :
			       argv[1][0] == 'r' ? reuse_cost(n) : first_cost(n > 64 ? 16 : n);
		printf("%s %lld\n", argv[1], median(v, REPEAT));
		return 0;
	}
	if (!strcmp(argv[1], "fill")) {
		fill(n);
		return 0;
	}
	if (!strcmp(argv[1], "time") && argc > 2)
		return time_cmd(argv + 2);
	if (!strcmp(argv[1], "forks")) {
		long long t = forks_cost(n);

		printf("forks %lld per_fork %lld\n", t, t / n);
		return 0;
	}
	if (!strcmp(argv[1], "forksize") && argc > 2) {
		fork_size(n, argc > 3 ? atoi(argv[3]) : 3);
		return 0;
	}
	if (!strcmp(argv[1], "read")) {
		long long t = read_cost(&rows);

		printf("read %lld rows %ld per_row %lld\n", t, rows, rows > 0 ? t / rows : t);
		return t < 0;
	}
usage:
	fprintf(stderr, "usage: cowbench copy|reuse|first|fill|read|forks [N] | forksize MIB [R] | time CMD...\n");
	return 2;
}
