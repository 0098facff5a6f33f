// SPDX-License-Identifier: MIT
/*
 * Measures the BPF DWARF unwinder (bench/bpf_dwarf.sh runs it).
 *   bpf_dwarf_bench run HZ -- CMD ARGS   samples CMD with --call-graph dwarf through the same
 *       path as scorch record (backend, stack builder, symbolizer; no output file) and prints
 *       "samples N bytes B cpu_s C bpf_ns P": samples counted in the kernel, bytes read from
 *       BPF maps, this process's CPU seconds, the BPF program's total run time (ns; 0 unless
 *       kernel.bpf_stats_enabled=1).
 *   bpf_dwarf_bench table FILE           compiles FILE's CFI and prints
 *       "rows N ms T table_bytes B rss_kib R" (R: resident memory the build added).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "source/bpf.h"
#include "source/perf_decode.h"
#include "source/stack.h"
#include "unwind/cfi_table.h"

struct ctx {
	struct stack_builder *sb;
	struct profile *p;
	struct sampler_stats st;
};

static void on_record(void *c, const struct perf_event_header *h)
{
	struct ctx *x = c;
	perf_decode__record(x->sb, x->p, h, &x->st);
}

static void on_sample(void *c, const struct raw_sample *s)
{
	struct ctx *x = c;
	stack_builder__sample(x->sb, x->p, s);
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, res = 0;
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static int run(unsigned hz, char **argv)
{
	int gate[2];
	if (pipe(gate) < 0)
		return 1;
	pid_t child = fork();
	if (child == 0) { /* held until the sampler is ready, like scorch record's command */
		char c;
		close(gate[1]);
		if (read(gate[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(gate[0]);
	struct sampler_opts o = {
	    .backend = SAMPLER_BPF,
	    .scope = SCOPE_PIDS,
	    .pids = &child,
	    .npids = 1,
	    .freq = hz,
	    .call_graph = CALL_GRAPH_DWARF,
	    .skip_idle = true,
	    .demangle = true,
	};
	struct symbolizer_opts so = {.demangle = true};
	struct symbolizer *sym = symbolizer__new(&so);
	struct ctx x = {.sb = stack_builder__new(&o, sym), .p = profile__new()};
	struct bpf_backend *b;
	char err[256];
	double c0 = cpu_s();
	if (bpf_backend__open(&b, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "bpf_dwarf_bench: %s\n", err);
		kill(child, SIGKILL);
		return 1;
	}
	stack_builder__add_pid(x.sb, (uint32_t)child);
	if (write(gate[1], "x", 1) != 1)
		return 1;
	close(gate[1]);
	int status;
	while (waitpid(child, &status, WNOHANG) == 0) {
		struct timespec ts = {1, 0};
		nanosleep(&ts, NULL);
		bpf_backend__drain(b, on_record, on_sample, &x);
	}
	bpf_backend__drain(b, on_record, on_sample, &x);
	struct bpf_backend_detail d;
	bpf_backend__detail(b, &d);
	double c1 = cpu_s();
	printf("samples %llu bytes %llu cpu_s %.3f bpf_ns %llu walks %llu fp_frames %llu\n",
	       (unsigned long long)d.counters[PC_SAMPLES], (unsigned long long)d.bytes_moved,
	       c1 - c0, (unsigned long long)d.prog_run_ns,
	       (unsigned long long)d.counters[PC_DW_STACKS],
	       (unsigned long long)d.counters[PC_DW_FP_FRAMES]);
	bpf_backend__close(b);
	stack_builder__free(x.sb);
	profile__free(x.p);
	symbolizer__free(sym);
	return 0;
}

static int table(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "bpf_dwarf_bench: %s: %s\n", path, strerror(errno));
		return 1;
	}
	long r0 = rss_kib();
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct cfi_table *t;
	char err[256];
	int ret = cfi_table__build(fd, &t, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(fd);
	if (ret < 0) {
		fprintf(stderr, "bpf_dwarf_bench: %s\n", err);
		return 1;
	}
	printf("rows %zu ms %.1f table_bytes %zu rss_kib %ld\n", t->nrows,
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6,
	       t->nrows * sizeof(struct unwind_row), rss_kib() - r0);
	cfi_table__free(t);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "run") == 0 && strcmp(argv[3], "--") == 0)
		return run((unsigned)atoi(argv[2]), argv + 4);
	if (argc == 3 && strcmp(argv[1], "table") == 0)
		return table(argv[2]);
	fprintf(stderr, "usage: bpf_dwarf_bench run HZ -- CMD [ARGS] | table FILE\n");
	return 2;
}
