// SPDX-License-Identifier: MIT
/*
 * Test workload: nearly every sample is a stack never seen before. Each round recurses 24 to
 * 39 calls deep, each call picking one of four functions at random, then burns a little CPU in
 * burn() at the bottom: 4^24 paths, so two samples share a stack only by chance.
 * Usage: stack_burst SECONDS
 */
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;
static unsigned long rnd = 88172645463325252ul;

static unsigned long next(void)
{
	rnd ^= rnd << 13;
	rnd ^= rnd >> 7;
	rnd ^= rnd << 17;
	return rnd;
}

__attribute__((noinline)) void burn(void)
{
	for (int i = 0; i < 2000; i++)
		sink += (unsigned long)i;
}

__attribute__((noinline)) void fa(int d);
__attribute__((noinline)) void fb(int d);
__attribute__((noinline)) void fc(int d);
__attribute__((noinline)) void fd(int d);

static void step(int d)
{
	if (d == 0) {
		burn();
		return;
	}
	switch (next() & 3) {
	case 0: fa(d - 1); break;
	case 1: fb(d - 1); break;
	case 2: fc(d - 1); break;
	default: fd(d - 1); break;
	}
}

/* the additions after the call keep it from being a tail call */
__attribute__((noinline)) void fa(int d) { step(d); sink += 1; }
__attribute__((noinline)) void fb(int d) { step(d); sink += 2; }
__attribute__((noinline)) void fc(int d) { step(d); sink += 3; }
__attribute__((noinline)) void fd(int d) { step(d); sink += 4; }

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rnd ^= (unsigned long)t0.tv_nsec;
	do {
		step(24 + (int)(next() % 16));
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
	return 0;
}
