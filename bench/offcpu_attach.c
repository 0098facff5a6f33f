// SPDX-License-Identifier: MIT
/* Benchmark driver: runs the off-CPU BPF programs around a command, or system-wide for -d SEC. */
/*
 * Usage: offcpu_attach [--full] [--kernel|--user] [--kstack-every N] [--all] [-d SEC] [-- CMD ARGS]
 *   --full  wakers, runnable time and thread-state spans too (everything --off-wake and the
 *           timeline ask for); default: blocked time only, like `record --off-cpu`
 *   --kernel, --user  only kernel or only user stacks (default both)
 *   --kstack-every N  a kernel stack walked anew at least every N blocks at one site (default
 *           8, as record; 1: at every block)
 *   --all   every task instead of CMD's process tree
 * Drains once a second like the live path, and prints one line per second on stderr:
 *   mon SEC RSS_KIB MAP_KIB TASKS SAMPLES SPANS LOST
 * then a final "done" line with the same fields. Exit status: CMD's, or 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "source/bpf_offcpu.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int on_sample(void *ctx, const struct raw_sample *s, const struct offcpu_tag *t)
{
	(void)ctx, (void)s, (void)t;
	return 0;
}

static int on_span(void *ctx, const struct offcpu_thread_span *sp)
{
	(void)ctx, (void)sp;
	return 0;
}

static long rss_kib(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

static void report(struct bpf_offcpu *o, const char *what, double sec)
{
	struct bpf_offcpu_stats st;
	unsigned long long lost = 0;

	bpf_offcpu__stats(o, &st);
	for (int i = 0; i < OC_NR; i++)
		if (i != OC_ENTRIES && i != OC_FILTERED)
			lost += st.counters[i];
	fprintf(stderr, "%s %.0f %ld %llu %llu %llu %llu %llu\n", what, sec, rss_kib(),
		(unsigned long long)st.map_bytes / 1024, (unsigned long long)st.tasks_live,
		(unsigned long long)st.samples, (unsigned long long)st.spans, lost);
}

int main(int argc, char **argv)
{
	/* record's default: a kernel stack walked anew at least every 8 blocks */
	struct bpf_offcpu_opts opts = { .per_thread = true, .kstack_reuse = 7, .on_sample = on_sample,
					.on_span = on_span };
	struct bpf_offcpu *o;
	char err[256], c = 'g';
	int i, go[2], status = 0, dur = 0;
	bool all = false;
	pid_t pid = 0;
	struct timespec t0, t;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--full"))
			opts.wakers = opts.runnable = opts.spans = true;
		else if (!strcmp(argv[i], "--kernel"))
			opts.kernel_stacks = true;
		else if (!strcmp(argv[i], "--user"))
			opts.user_stacks = true;
		else if (!strcmp(argv[i], "--all"))
			all = true;
		else if (!strcmp(argv[i], "--kstack-every") && i + 1 < argc)
			opts.kstack_reuse = (uint8_t)(atoi(argv[++i]) - 1);
		else if (!strcmp(argv[i], "-d") && i + 1 < argc)
			dur = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			fprintf(stderr, "usage: offcpu_attach [--full] [--kernel|--user] [--kstack-every N] [--all] [-d SEC] [-- CMD ARGS]\n");
			return 2;
		}
	}
	if (i < argc) {
		if (pipe(go))
			return 2;
		pid = fork();
		if (pid == 0) {
			close(go[1]);
			if (read(go[0], &c, 1) != 1)
				_exit(127);
			close(go[0]);
			execvp(argv[i], argv + i);
			_exit(127);
		}
		close(go[0]);
		if (!all) {
			opts.tgids = &pid;
			opts.ntgids = 1;
		}
	}
	if (bpf_offcpu__open(&o, &opts, err, sizeof(err))) {
		fprintf(stderr, "offcpu_attach: %s\n", err);
		if (pid > 0)
			kill(pid, SIGKILL);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (pid > 0 && write(go[1], &c, 1) != 1)
		return 1;
	for (long next = 1; !stop;) {
		int ret = bpf_offcpu__poll(o, 100);

		if (ret && ret != -EINTR)
			break;
		if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec < next)
			continue;
		bpf_offcpu__drain(o);
		report(o, "mon", (double)(t.tv_sec - t0.tv_sec));
		if (dur && next >= dur)
			break;
		next++;
	}
	if (pid > 0 && waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
	}
	bpf_offcpu__finish(o, 0);
	clock_gettime(CLOCK_MONOTONIC, &t);
	report(o, "done", (double)(t.tv_sec - t0.tv_sec));
	bpf_offcpu__close(o);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
