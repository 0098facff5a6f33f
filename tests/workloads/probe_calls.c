// SPDX-License-Identifier: MIT
/*
 * A test workload for -e probes: calls counted_call() N times from two callers (N/4 from
 * caller_a, the rest from caller_b), and getppid(2) M times through syscall(), so a probe on
 * either sees exactly that many events. Usage: probe_calls N M [DELAY_S]; waits DELAY_S
 * (default 0.3 s) first, so that a profiler attached by pid is ready.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) void counted_call(unsigned long i)
{
	sink += i;
	__asm__ volatile("" ::: "memory");
}

/* noipa: identical callers would otherwise be folded into one (-fipa-icf). */
__attribute__((noipa)) static void caller_a(long n)
{
	for (long i = 0; i < n; i++)
		counted_call((unsigned long)i);
}

__attribute__((noipa)) static void caller_b(long n)
{
	for (long i = 0; i < n; i++)
		counted_call((unsigned long)i * 3);
}

__attribute__((noipa)) static void do_getppid(long m)
{
	for (long i = 0; i < m; i++) {
		syscall(SYS_getppid);
		if (i % 64 == 63) { /* spread the events: no throttling by the kernel */
			struct timespec ts = {0, 200000};
			nanosleep(&ts, NULL);
		}
	}
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000, m = argc > 2 ? atol(argv[2]) : 1000;
	double delay = argc > 3 ? atof(argv[3]) : 0.3;
	struct timespec ts = {(time_t)delay, (long)((delay - (double)(time_t)delay) * 1e9)};
	nanosleep(&ts, NULL);
	caller_a(n / 4);
	caller_b(n - n / 4);
	do_getppid(m);
	printf("%lu\n", sink);
	return 0;
}
