// SPDX-License-Identifier: MIT
/*
 * Reuses pids at once (root: clone3 with set_tid). Round after round, a child named `first`
 * spins in first_work() for argv[2] ms of CPU time and exits; then a child named `second` takes the same
 * pid and spins in second_work(). Samples of `first` must never be named `second`, nor the
 * other way round, even when both fall into one drain of a profiler that counts in the kernel.
 */
#define _GNU_SOURCE
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long spin_ms;

static void spin(void)
{
	struct timespec t0, t;
	volatile unsigned long acc = 0;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do {
		for (int i = 0; i < 20000; i++)
			acc += (unsigned long)i * i;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < spin_ms);
}

__attribute__((noinline)) static void first_work(void)
{
	spin();
}

__attribute__((noinline)) static void second_work(void)
{
	spin();
}

/* A child with pid `want` (0: any), named name, running work; returns its pid or -1. */
static pid_t child(pid_t want, const char *name, void (*work)(void))
{
	struct clone_args a;
	memset(&a, 0, sizeof(a));
	a.exit_signal = SIGCHLD;
	if (want) {
		a.set_tid = (uint64_t)(uintptr_t)&want;
		a.set_tid_size = 1;
	}
	long pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0) {
		prctl(PR_SET_NAME, name);
		work();
		_exit(0);
	}
	return (pid_t)pid;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: pid_reuse ROUNDS MILLISECONDS\n");
		return 2;
	}
	int rounds = atoi(argv[1]);
	spin_ms = atol(argv[2]);
	int reused = 0;
	for (int r = 0; r < rounds; r++) {
		pid_t a = child(0, "first", first_work);
		if (a < 0) {
			perror("clone3");
			return 1;
		}
		waitpid(a, NULL, 0);
		pid_t b = child(a, "second", second_work);
		if (b < 0) /* the pid was taken meanwhile: another round */
			continue;
		waitpid(b, NULL, 0);
		reused++;
	}
	printf("%d of %d rounds reused the pid\n", reused, rounds);
	return reused ? 0 : 1;
}
