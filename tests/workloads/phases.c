// SPDX-License-Identifier: MIT
/* Test workload: phase_one burns CPU for the first N ms, then phase_two for the next N ms. */
#include <stdlib.h>
#include <time.h>

/*
 * One thread, two phases known in time: the viewer's heatmap test selects the first phase's
 * time range and expects only phase_one in that range's flame graph.
 * Usage: phases [MS_PER_PHASE]  (default 1000)
 */
static volatile unsigned long sink;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Spins until the clock passes end (ms). */
__attribute__((noinline)) void phase_one(double end)
{
	unsigned long x = sink;
	while (now_ms() < end)
		for (int i = 0; i < 10000; i++)
			x = x * 6364136223846793005ul + 1442695040888963407ul;
	sink = x;
}

__attribute__((noinline)) void phase_two(double end)
{
	unsigned long x = sink;
	while (now_ms() < end)
		for (int i = 0; i < 10000; i++)
			x = x * 2862933555777941757ul + 3037000493ul;
	sink = x;
}

int main(int argc, char **argv)
{
	double ms = argc > 1 ? atof(argv[1]) : 1000, t0 = now_ms();
	phase_one(t0 + ms);
	phase_two(t0 + 2 * ms);
	return 0;
}
