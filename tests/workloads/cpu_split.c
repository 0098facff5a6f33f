// SPDX-License-Identifier: MIT
/* Test workload: threads burning CPU in hot/warm/cool functions in a 60/30/10 split by construction. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/*
 * Every round calls the three functions with 6, 3 and 1 units of identical work, so their
 * shares of on-CPU samples are 60%, 30% and 10% whatever the machine's speed.
 * Usage: cpu_split [SECONDS [EXIT_STATUS [THREADS]]]  (defaults 2, 0, 2)
 *        cpu_split --rounds N [THREADS]   fixed work (for benchmarks); prints on stderr
 *                                          "elapsed=S cpu=S end=EPOCH" at the end
 * With CPU_SPLIT_CLOCK=FILE it writes "hot_ms=H warm_ms=W cool_ms=C" to FILE at the end: the
 * CPU time each function took, from the threads' own clocks. A VM sometimes runs one copy of
 * the identical loop slower than another for seconds, so tests compare a profile with these.
 */
#define UNIT 20000

static volatile unsigned long sink;

static unsigned long spin_step(unsigned long x)
{
	return x * 6364136223846793005ul + 1442695040888963407ul;
}

__attribute__((noinline)) void hot_function(int units)
{
	unsigned long x = sink;
	for (long i = 0; i < (long)units * UNIT; i++)
		x = spin_step(x);
	sink = x;
}

__attribute__((noinline)) void warm_function(int units)
{
	unsigned long x = sink;
	for (long i = 0; i < (long)units * UNIT; i++)
		x = spin_step(x);
	sink = x;
}

__attribute__((noinline)) void cool_function(int units)
{
	unsigned long x = sink;
	for (long i = 0; i < (long)units * UNIT; i++)
		x = spin_step(x);
	sink = x;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long thread_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000l + ts.tv_nsec;
}

static long spent_ns[3]; /* hot, warm, cool: summed over the threads */

static double seconds = 2;
static long rounds; /* > 0: fixed work instead of a duration */

__attribute__((noinline)) static void *worker(void *arg)
{
	double end = now() + seconds;
	long mine[3] = { 0, 0, 0 }, t0, t1, t2, t3;
	(void)arg;
	for (long r = 0; rounds ? r < rounds : now() < end; r++) {
		t0 = thread_ns();
		hot_function(6);
		t1 = thread_ns();
		warm_function(3);
		t2 = thread_ns();
		cool_function(1);
		t3 = thread_ns();
		mine[0] += t1 - t0;
		mine[1] += t2 - t1;
		mine[2] += t3 - t2;
	}
	for (int i = 0; i < 3; i++)
		__atomic_add_fetch(&spent_ns[i], mine[i], __ATOMIC_RELAXED);
	return NULL;
}

int main(int argc, char **argv)
{
	int status = 0, nthreads = 2;
	double start = now();
	if (argc > 2 && !strcmp(argv[1], "--rounds")) {
		rounds = atol(argv[2]);
		nthreads = argc > 3 ? atoi(argv[3]) : 1;
	} else {
		if (argc > 1)
			seconds = atof(argv[1]);
		if (argc > 2)
			status = atoi(argv[2]);
		if (argc > 3)
			nthreads = atoi(argv[3]);
	}
	if (nthreads < 1 || nthreads > 256) {
		fprintf(stderr, "cpu_split: THREADS must be 1..256\n");
		return 2;
	}
	pthread_t tids[256];
	for (int i = 1; i < nthreads; i++)
		if (pthread_create(&tids[i], NULL, worker, NULL) != 0) {
			fprintf(stderr, "cpu_split: pthread_create failed\n");
			return 1;
		}
	worker(NULL);
	for (int i = 1; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	const char *clock_file = getenv("CPU_SPLIT_CLOCK");
	if (clock_file && *clock_file) {
		FILE *f = fopen(clock_file, "w");
		if (!f) {
			perror(clock_file);
			return 1;
		}
		fprintf(f, "hot_ms=%.1f warm_ms=%.1f cool_ms=%.1f\n", spent_ns[0] / 1e6,
			spent_ns[1] / 1e6, spent_ns[2] / 1e6);
		fclose(f);
	}
	if (rounds) {
		struct rusage ru;
		struct timespec wall;
		getrusage(RUSAGE_SELF, &ru);
		clock_gettime(CLOCK_REALTIME, &wall);
		fprintf(stderr, "elapsed=%.6f cpu=%.6f end=%.6f\n", now() - start,
			ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
				ru.ru_stime.tv_usec / 1e6,
			wall.tv_sec + wall.tv_nsec / 1e9);
	}
	return status;
}
