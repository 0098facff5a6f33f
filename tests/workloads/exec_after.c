// SPDX-License-Identifier: MIT
/* Runs in before_exec() for argv[1] ms, then execs argv[2..]: samples (or blocked time) before
 * the exec must be named after this binary's function, not the new image's.
 * argv[1] = "MS": spins MS ms of CPU time; "sMS": sleeps MS ms in 2 ms naps, each a raw
 * nanosleep syscall in nap(), so that a frame-pointer unwind from the syscall finds
 * nap <- before_exec <- main. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) static void nap(void)
{
	struct timespec ts = {0, 2000000};
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((long)SYS_nanosleep), "D"(&ts), "S"(0L)
			 : "rcx", "r11", "memory");
	(void)ret;
}

__attribute__((noinline)) static void before_exec(long ms, int sleep)
{
	struct timespec t0, t;
	volatile unsigned long acc = 0;
	clockid_t c = sleep ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID;
	clock_gettime(c, &t0);
	do {
		if (sleep)
			nap();
		else
			for (int i = 0; i < 100000; i++)
				acc += (unsigned long)i * i;
		clock_gettime(c, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: exec_after [s]MILLISECONDS CMD [ARGS...]\n");
		return 2;
	}
	int sleep = argv[1][0] == 's';
	before_exec(atol(argv[1] + sleep), sleep);
	execvp(argv[2], argv + 2);
	perror("execvp");
	return 127;
}
