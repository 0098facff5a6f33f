// SPDX-License-Identifier: MIT
/* Off-CPU test workload: one call site that blocks in two kernel paths, turn about. */
/*
 * Usage: offcpu_twofd ROUNDS
 * A reader thread (main) calls read_one() ROUNDS times, on a pipe and on an eventfd in
 * turn: one user stack, one system call (read), one task state (S), two kernel paths
 * (anon_pipe_read, eventfd_read). A writer thread sleeps 600 us before each pipe write and
 * 200 us before each eventfd write, so the reader's blocked time is split about 3:1 between
 * the two paths. On exit it prints the reader's own wall time inside read(2) per path:
 *   pipe_us N eventfd_us M
 * A profiler that reused one kernel stack for the other path's blocks would give both the
 * same frames; the test compares the two totals with these.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int pipefd[2], efd, rounds;
static volatile uint64_t sink;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One blocking read of 8 bytes (the pipe gets 8, the eventfd counts 1 a write). */
__attribute__((noinline)) static uint64_t read_one(int fd)
{
	uint64_t v = 0, t0 = now_ns();
	if (read(fd, &v, sizeof(v)) != sizeof(v)) {
		perror("offcpu_twofd: read");
		exit(1);
	}
	sink += v;
	return now_ns() - t0;
}

static void *writer(void *arg)
{
	static const uint64_t one = 1;
	for (int i = 0; i < rounds; i++) {
		struct timespec ts = {0, i % 2 ? 200000 : 600000};
		nanosleep(&ts, NULL);
		if (write(i % 2 ? efd : pipefd[1], i % 2 ? (const void *)&one : "12345678", 8) != 8) {
			perror("offcpu_twofd: write");
			exit(1);
		}
	}
	return arg;
}

int main(int argc, char **argv)
{
	rounds = argc > 1 ? atoi(argv[1]) : 2000;
	efd = eventfd(0, EFD_SEMAPHORE);
	if (rounds <= 0 || pipe(pipefd) || efd < 0) {
		fprintf(stderr, "usage: offcpu_twofd ROUNDS\n");
		return 2;
	}
	pthread_t t;
	if (pthread_create(&t, NULL, writer, NULL))
		return 1;
	int fds[2] = {pipefd[0], efd};
	uint64_t in[2] = {0, 0};
	for (int i = 0; i < rounds; i++)
		in[i % 2] += read_one(fds[i % 2]);
	pthread_join(t, NULL);
	printf("pipe_us %llu eventfd_us %llu\n", (unsigned long long)(in[0] / 1000),
	       (unsigned long long)(in[1] / 1000));
	return 0;
}
