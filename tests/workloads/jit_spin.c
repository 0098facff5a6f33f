// SPDX-License-Identifier: MIT
/* Spins for argv[1] ms in code it copied into anonymous executable memory, like a JIT, and
 * writes that code's address to the file argv[2] so a test can write /tmp/perf-PID.map. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: jit_spin MILLISECONDS ADDRFILE\n");
		return 2;
	}
	/* mov rcx, 200000; 1: dec rcx; jnz 1b; ret */
	static const unsigned char code[] = {0x48, 0xb9, 0x40, 0x0d, 0x03, 0, 0, 0, 0, 0,
					     0x48, 0xff, 0xc9, 0x75, 0xfb, 0xc3};
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memcpy(m, code, sizeof(code));
	FILE *f = fopen(argv[2], "w");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	fprintf(f, "%lx %zx\n", (unsigned long)(uintptr_t)m, sizeof(code));
	fclose(f);
	void (*fn)(void) = (void (*)(void))m;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long ms = atol(argv[1]);
	do {
		fn();
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
	return 0;
}
