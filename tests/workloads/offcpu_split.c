// SPDX-License-Identifier: MIT
/* Off-CPU test workload: a sleeper, a pipe reader and its writer, with known blocked times. */
/*
 * Waits for one byte on stdin (so a profiler can attach first), then runs three threads:
 *   sleeper: 30 x (spin 3 ms of its own CPU time, nanosleep 10 ms)  -> 300 ms blocked
 *   writer:  15 x (sleep to an absolute deadline, 20 ms apart from a common start, write 1
 *            byte), then close; delays in waking the writer do not add up
 *   reader:  read(2) 1 byte at a time until EOF                     -> ~300 ms blocked in read
 * The reads, writes and the close are raw syscall instructions inside frame-pointer functions,
 * so a frame-pointer unwind from the syscall finds sys_read_fp/reader_thread and
 * sys_write_fp/writer_thread. On exit it prints one line per thread:
 *   ROLE TID RUN_NS WAIT_NS START_NS END_NS INCALL_NS FN_ADDR
 * RUN_NS and WAIT_NS come from /proc/self/task/TID/schedstat (the scheduler's own on-CPU and
 * run-queue time), START/END are CLOCK_MONOTONIC at thread start and end, INCALL_NS is the wall
 * time spent inside the blocking calls, FN_ADDR the thread function's address.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SLEEPS 30
#define SLEEP_NS 10000000L
#define SPIN_NS 3000000L
#define WRITES 15
#define WRITE_PERIOD_NS 20000000L

struct result {
	const char *role;
	pid_t tid;
	unsigned long long run_ns, wait_ns;
	uint64_t start_ns, end_ns, incall_ns;
	void *fn;
};

static int pipefd[2];
static struct result results[3];
static pthread_barrier_t ready;
static struct timespec t0; /* the writer's first deadline is t0 + 20 ms */

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static __attribute__((noinline)) long raw_syscall3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

static __attribute__((noinline)) long sys_read_fp(int fd, void *buf, size_t n)
{
	return raw_syscall3(SYS_read, fd, (long)buf, (long)n);
}

static __attribute__((noinline)) long sys_write_fp(int fd, const void *buf, size_t n)
{
	return raw_syscall3(SYS_write, fd, (long)buf, (long)n);
}

static void finish(struct result *r, const char *role, void *fn)
{
	char path[64];
	FILE *f;

	r->end_ns = clock_ns(CLOCK_MONOTONIC);
	r->role = role;
	r->tid = gettid();
	r->fn = fn;
	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)r->tid);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%llu %llu", &r->run_ns, &r->wait_ns) != 2)
		r->run_ns = r->wait_ns = 0;
	if (f)
		fclose(f);
}

static void *sleeper_thread(void *arg)
{
	struct result *r = arg;
	struct timespec ts = { 0, SLEEP_NS };

	r->start_ns = clock_ns(CLOCK_MONOTONIC);
	pthread_barrier_wait(&ready);
	for (int i = 0; i < SLEEPS; i++) {
		uint64_t until = clock_ns(CLOCK_THREAD_CPUTIME_ID) + SPIN_NS, t0;

		while (clock_ns(CLOCK_THREAD_CPUTIME_ID) < until)
			;
		t0 = clock_ns(CLOCK_MONOTONIC);
		nanosleep(&ts, NULL);
		r->incall_ns += clock_ns(CLOCK_MONOTONIC) - t0;
	}
	finish(r, "sleeper", (void *)sleeper_thread);
	return NULL;
}

static void *reader_thread(void *arg)
{
	struct result *r = arg;
	char c;
	long n;

	r->start_ns = clock_ns(CLOCK_MONOTONIC);
	pthread_barrier_wait(&ready);
	do {
		uint64_t t0 = clock_ns(CLOCK_MONOTONIC);

		n = sys_read_fp(pipefd[0], &c, 1);
		r->incall_ns += clock_ns(CLOCK_MONOTONIC) - t0;
	} while (n > 0);
	finish(r, "reader", (void *)reader_thread);
	return NULL;
}

static void *writer_thread(void *arg)
{
	struct result *r = arg;
	struct timespec dl;

	r->start_ns = clock_ns(CLOCK_MONOTONIC);
	pthread_barrier_wait(&ready);
	dl = t0;
	for (int i = 0; i < WRITES; i++) {
		uint64_t t0 = clock_ns(CLOCK_MONOTONIC);

		dl.tv_nsec += WRITE_PERIOD_NS;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL);
		r->incall_ns += clock_ns(CLOCK_MONOTONIC) - t0;
		if (sys_write_fp(pipefd[1], "x", 1) != 1)
			exit(3);
	}
	raw_syscall3(SYS_close, pipefd[1], 0, 0);
	finish(r, "writer", (void *)writer_thread);
	return NULL;
}

int main(void)
{
	pthread_t th[3];
	void *(*fns[3])(void *) = { sleeper_thread, reader_thread, writer_thread };
	char go;

	if (read(0, &go, 1) != 1 || pipe(pipefd) || pthread_barrier_init(&ready, NULL, 4))
		return 2;
	for (int i = 0; i < 3; i++)
		if (pthread_create(&th[i], NULL, fns[i], &results[i]))
			return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_barrier_wait(&ready);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 3; i++) {
		struct result *r = &results[i];

		printf("%s %d %llu %llu %llu %llu %llu %p\n", r->role, (int)r->tid, r->run_ns, r->wait_ns,
		       (unsigned long long)r->start_ns, (unsigned long long)r->end_ns,
		       (unsigned long long)r->incall_ns, r->fn);
	}
	return 0;
}
