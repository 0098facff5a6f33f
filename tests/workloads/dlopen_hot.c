// SPDX-License-Identifier: MIT
/* Sleeps briefly, dlopens the library named in argv[1], then spends its CPU in hot_loop(). */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: dlopen_hot LIB MILLISECONDS\n");
		return 2;
	}
	struct timespec ts = {0, 200 * 1000 * 1000};
	nanosleep(&ts, NULL);
	void *h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	uint64_t (*hot)(uint64_t) = (uint64_t(*)(uint64_t))dlsym(h, "hot_loop");
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long ms = atol(argv[2]);
	do {
		hot(1000000);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
	return 0;
}
