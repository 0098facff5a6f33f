// SPDX-License-Identifier: MIT
/* Spins in parent_spin() for argv[1] ms, forks a child that spins in child_spin() for the
 * same time and leaves through exit() or, with argv[2] = "_exit", _exit(); prints the child's
 * pid. Each process's samples are its own: the child's file has no parent_spin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void spin_ms(long ms)
{
	struct timespec t0, t;
	volatile unsigned long acc = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			acc += (unsigned long)i * i;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

__attribute__((noinline)) static void parent_spin(long ms)
{
	spin_ms(ms);
}

__attribute__((noinline)) static void child_spin(long ms)
{
	spin_ms(ms);
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 300;
	int use_exit = argc > 2 && strcmp(argv[2], "_exit") == 0;
	parent_spin(ms);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		child_spin(ms);
		if (use_exit)
			_exit(0);
		exit(0);
	}
	printf("%d\n", (int)pid);
	fflush(stdout);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
