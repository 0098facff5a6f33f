// SPDX-License-Identifier: MIT
/* Spins in before_exec() for argv[1] ms of CPU time, then execs argv[2..]: samples before the
 * exec must be named after this binary's function, not the new image's. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) static void before_exec(long ms)
{
	struct timespec t0, t;
	volatile unsigned long acc = 0;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			acc += (unsigned long)i * i;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: exec_after MILLISECONDS CMD [ARGS...]\n");
		return 2;
	}
	before_exec(atol(argv[1]));
	execvp(argv[2], argv + 2);
	perror("execvp");
	return 127;
}
