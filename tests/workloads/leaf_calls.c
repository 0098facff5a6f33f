// SPDX-License-Identifier: MIT
/* Test workload: half the CPU in libc's frameless memchr under scan_caller, half in own code. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Built -O2 -fno-omit-frame-pointer, every function here keeps a frame, but glibc's memchr
 * (hand-written, no frame) does not: a frame-pointer walk from inside memchr skips the
 * function that called it (scan_caller), since %rbp still holds scan_caller's frame and its
 * return address sits only at %rsp. Each round spends equal work in memchr (through
 * scan_caller) and in mix_caller, so the design is 50/50.
 * Usage: leaf_calls [SECONDS]  (default 2)
 */
#define BUF (1 << 20)

static volatile unsigned long sink;
static char *buf;

__attribute__((noinline)) void scan_caller(int reps)
{
	for (int i = 0; i < reps; i++)
		sink += (unsigned long)(const char *)memchr(buf, 1, BUF);
}

__attribute__((noinline)) void mix_caller(long n)
{
	unsigned long x = sink;
	for (long i = 0; i < n; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	sink = x;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The number of mix_caller steps that take as long as one memchr over the buffer. */
__attribute__((noinline)) static long calibrate(void)
{
	double t0 = now();
	scan_caller(200);
	double scan = now() - t0;
	t0 = now();
	mix_caller(20000000);
	double mix = now() - t0;
	return (long)(20000000 / mix * scan / 200);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2;
	buf = malloc(BUF);
	memset(buf, 2, BUF);
	long steps = calibrate();
	double end = now() + seconds;
	while (now() < end) {
		scan_caller(20);
		mix_caller(steps * 20);
	}
	return 0;
}
