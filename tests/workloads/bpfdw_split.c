// SPDX-License-Identifier: MIT
/*
 * Built -O2 -fomit-frame-pointer: a known CPU split behind frames without frame pointers.
 * Each round spends 3 units in heavy_a and 1 in heavy_b (75% / 25%; a unit's length varies
 * from round to round), both through a chain of
 * DEPTH recursive frames into one leaf, spin(). With a library argument it first sleeps,
 * dlopens it mid-run and spends 2 more units a round in its lib_work (a = 50%, b = 16.7%,
 * lib = 33.3%). At exit it prints the CPU time each part took, by its own thread clock
 * ("a_ms=... b_ms=... lib_ms=..."): the split a profile should show even when the machine
 * runs one part's code slower than the other's for a while.
 * Usage: bpfdw_split SECONDS [LIBRARY]
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define UNIT 200000
#define DEPTH 12

volatile uint64_t bpfdw_sink;

__attribute__((noinline)) uint64_t spin(uint64_t n)
{
	uint64_t acc = 0;
	for (uint64_t i = 0; i < n; i++) {
		acc += i * i ^ (acc >> 3);
		__asm__ volatile("" : "+r"(acc));
	}
	return acc;
}

/* Recursion keeps DEPTH frames between the named function and the leaf; the addition after
 * each call keeps the compiler from turning it into a jump. */
__attribute__((noinline)) uint64_t descend(int depth, uint64_t n)
{
	uint64_t r = depth > 0 ? descend(depth - 1, n) : spin(n);
	bpfdw_sink += r;
	return r + (uint64_t)depth;
}

__attribute__((noinline)) uint64_t heavy_a(uint64_t unit)
{
	uint64_t r = descend(DEPTH, 3 * unit);
	bpfdw_sink += r;
	return r + 1;
}

__attribute__((noinline)) uint64_t heavy_b(uint64_t unit)
{
	uint64_t r = descend(DEPTH, unit);
	bpfdw_sink += r;
	return r + 2;
}

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3;
	uint64_t (*lib_work)(uint64_t) = NULL;
	if (argc > 2) {
		struct timespec ts = {0, 300 * 1000 * 1000};
		nanosleep(&ts, NULL);
		void *h = dlopen(argv[2], RTLD_NOW);
		if (!h || !(lib_work = (uint64_t(*)(uint64_t))dlsym(h, "lib_work"))) {
			fprintf(stderr, "bpfdw_split: %s\n", dlerror());
			return 1;
		}
	}
	double end = now() + secs, spent[3] = {0, 0, 0};
	unsigned seed = 1;
	while (now() < end) {
		/* a round of ~2 ms against a sampler's period of ~1 ms: of a fixed length, its
		 * parts would start at nearly the same phase of the samples round after round and
		 * take their shares of them by that phase, not by their time */
		uint64_t unit = UNIT / 2 + (uint64_t)rand_r(&seed) % UNIT;
		double t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
		bpfdw_sink += heavy_a(unit);
		double t1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
		bpfdw_sink += heavy_b(unit);
		double t2 = clock_s(CLOCK_THREAD_CPUTIME_ID);
		if (lib_work)
			bpfdw_sink += lib_work(2 * unit);
		double t3 = lib_work ? clock_s(CLOCK_THREAD_CPUTIME_ID) : t2;
		spent[0] += t1 - t0;
		spent[1] += t2 - t1;
		spent[2] += t3 - t2;
	}
	printf("a_ms=%.0f b_ms=%.0f lib_ms=%.0f\n", spent[0] * 1e3, spent[1] * 1e3, spent[2] * 1e3);
	return 0;
}
