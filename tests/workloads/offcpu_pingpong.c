// SPDX-License-Identifier: MIT
/* Context-switch workload: two threads ping-pong one byte over two pipes, N round trips. */
/*
 * Usage: offcpu_pingpong ROUNDTRIPS [WORK_NS]. Each round trip blocks each thread once; with
 * WORK_NS the first thread then computes for that long (a clock-read loop), which sets the
 * switch rate (pinned to one CPU here: 2 switches per 2 * ~0.9 us + WORK_NS). Prints
 *   ELAPSED_NS SWITCHES_PER_SECOND CPU_NS
 * with the process's context switches (voluntary + involuntary) per second and its CPU time
 * (user + system, which includes BPF programs run at its context switches), from getrusage.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static int ping[2], pong[2];

/* Computes for ns nanoseconds of this thread's CPU time. */
static void work(long ns)
{
	struct timespec a, b;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < ns);
}
static long rounds;

static void *ponger(void *arg)
{
	char c;

	(void)arg;
	for (long i = 0; i < rounds; i++)
		if (read(ping[0], &c, 1) != 1 || write(pong[1], &c, 1) != 1)
			exit(3);
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec a, b;
	pthread_t th;
	char c = 'x';
	long long ns;
	struct rusage ru;

	rounds = argc > 1 ? atol(argv[1]) : 100000;
	long work_ns = argc > 2 ? atol(argv[2]) : 0;
	if (pipe(ping) || pipe(pong) || pthread_create(&th, NULL, ponger, NULL))
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < rounds; i++) {
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			return 3;
		if (work_ns)
			work(work_ns);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	pthread_join(th, NULL);
	ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	getrusage(RUSAGE_SELF, &ru);
	printf("%lld %.0f %lld\n", ns, (double)(ru.ru_nvcsw + ru.ru_nivcsw) / (ns / 1e9),
	       (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
		       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL);
	return 0;
}
