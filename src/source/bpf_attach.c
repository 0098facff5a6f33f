// SPDX-License-Identifier: MIT
/* The eBPF sampler's events: a timer per sampled CPU, or one event per -e probe. */
#include "bpf_internal.h"
#include "sysinfo.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../util/util.h"

static int sys_perf_event_open(struct perf_event_attr *a, pid_t pid, int cpu)
{
	return (int)syscall(SYS_perf_event_open, a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* The sampling event for one CPU: cycles where the PMU has them, else cpu-clock. */
static int open_sampler_event(struct bpf_backend *b, int cpu, bool *hw)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = *hw ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
	a.config = *hw ? PERF_COUNT_HW_CPU_CYCLES : PERF_COUNT_SW_CPU_CLOCK;
	a.freq = 1;
	a.sample_freq = b->opts.freq;
	a.exclude_user = b->opts.stacks == STACKS_KERNEL_ONLY;
	int fd = sys_perf_event_open(&a, -1, cpu);
	if (fd < 0 && *hw && errno != EACCES && errno != EPERM && errno != EMFILE) {
		*hw = false; /* no PMU (VMs): the hrtimer-based clock */
		b->info = "no hardware cycle counter here; sampling cpu-clock";
		return open_sampler_event(b, cpu, hw);
	}
	return fd < 0 ? -errno : fd;
}

static int open_error(struct bpf_backend *b, int e, const char *what, int cpu, char *err,
		      size_t errlen)
{
	int maxrate = sysinfo__read_int("/proc/sys/kernel/perf_event_max_sample_rate", 0);
	if (e == EINVAL && maxrate > 0 && b->opts.freq > (unsigned)maxrate)
		snprintf(err, errlen,
			 "-F %u is above kernel.perf_event_max_sample_rate (%d); lower -F or raise "
			 "the sysctl",
			 b->opts.freq, maxrate);
	else if (e == EMFILE || e == ENFILE)
		snprintf(err, errlen, "too many open files for %d CPUs; raise 'ulimit -n'", b->ncpus);
	else
		snprintf(err, errlen, "cannot open the %s event on CPU %d: %s", what, cpu,
			 strerror(e));
	return -e;
}

static bool syscall_tracepoint(const struct probe_event *e)
{
	return e->type == PERF_TYPE_TRACEPOINT && !strncmp(e->label, "tracepoint:syscalls:", 20);
}

/* The program for a probe: tracepoints, user probes (no kernel stack) and kprobes differ. */
static struct bpf_program *probe_program(const struct bpf_backend *b, const struct probe_event *e)
{
	if (e->type == PERF_TYPE_TRACEPOINT)
		return syscall_tracepoint(e) ? b->skel->progs.on_syscall_event : b->skel->progs.on_event;
	return e->user ? b->skel->progs.on_uprobe : b->skel->progs.on_kprobe;
}

/*
 * -e: one perf event per probe, period 1, every process (the tgids filter is in the program).
 * A program attached to a tracepoint's or a probe's perf event runs at every hit on every
 * CPU, before the kernel looks at the event's CPU: one event per CPU would count each hit once
 * per CPU. No ring buffer is mapped, and the programs return 0, so the kernel writes no perf
 * sample of its own.
 */
static int attach_probes(struct bpf_backend *b, char *err, size_t errlen)
{
	b->links = xcalloc((size_t)b->probes.n, sizeof(*b->links));
	for (int p = 0; p < b->probes.n; p++) {
		const struct probe_event *e = &b->probes.ev[p];
		struct perf_event_attr a;
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.type = e->type;
		a.config = e->config;
		a.config1 = e->config1;
		a.config2 = e->config2;
		a.sample_period = 1;
		int fd = sys_perf_event_open(&a, -1, b->cpus[0]);
		if (fd < 0) {
			int e2 = errno;
			open_error(b, e2, e->label, b->cpus[0], err, errlen);
			return -e2;
		}
		struct bpf_link *l = bpf_program__attach_perf_event(probe_program(b, e), fd);
		if (!l) {
			int e2 = errno;
			close(fd);
			snprintf(err, errlen, "cannot attach the BPF program to %s: %s", e->label,
				 strerror(e2));
			return -e2;
		}
		b->links[b->nlinks++] = l; /* the link owns fd */
	}
	b->event = b->event_names;
	return 0;
}

int bpf_attach__resolve_probes(struct bpf_backend *b, const struct sampler_opts *o, char *err,
			       size_t errlen)
{
	for (int i = 0; i < o->nevents; i++) {
		if (probe__is_timer(o->events[i]))
			continue;
		int ret = probe__resolve(o->events[i], &b->probes, err, errlen);
		if (ret < 0)
			return ret;
	}
	struct strbuf names = {0};
	for (int i = 0; i < b->probes.n; i++) {
		if (i)
			strbuf__addc(&names, ',');
		strbuf__adds(&names, b->probes.ev[i].label);
	}
	b->event_names = names.buf;
	if (b->probes.n && o->scope == SCOPE_CPU) {
		snprintf(err, errlen, "-e with -C counts every CPU's events with --backend bpf; use "
				      "--backend perf");
		return -EOPNOTSUPP;
	}
	if (b->probes.n && b->dwarf) {
		snprintf(err, errlen, "-e with --backend bpf walks frame pointers; use --backend perf "
				      "for --call-graph dwarf");
		return -EOPNOTSUPP;
	}
	return 0;
}

int bpf_attach__samplers(struct bpf_backend *b, char *err, size_t errlen)
{
	bool hw = true;
	if (b->probes.n)
		return attach_probes(b, err, errlen);
	b->links = xcalloc((size_t)b->ncpus, sizeof(*b->links));
	for (int i = 0; i < b->ncpus; i++) {
		int fd = open_sampler_event(b, b->cpus[i], &hw);
		if (fd < 0)
			return open_error(b, -fd, hw ? "cycles" : "cpu-clock", b->cpus[i], err,
					  errlen);
		struct bpf_program *prog =
		    b->dwarf ? b->skel->progs.on_sample_dwarf : b->skel->progs.on_sample;
		struct bpf_link *l = bpf_program__attach_perf_event(prog, fd);
		if (!l) {
			int e = errno;
			close(fd);
			snprintf(err, errlen, "cannot attach the BPF sampler on CPU %d: %s",
				 b->cpus[i], strerror(e));
			return -e;
		}
		b->links[b->nlinks++] = l; /* the link owns fd */
	}
	b->event = hw ? "cycles" : "cpu-clock";
	return 0;
}

/* The programs to load: the timer's (frame pointers or CFI), or each kind of -e probe's. */
void bpf_attach__select_programs(struct bpf_backend *b)
{
	struct profile_bpf *s = b->skel;
	bool tp = false, sc = false, up = false, kp = false;
	for (int i = 0; i < b->probes.n; i++) {
		const struct probe_event *e = &b->probes.ev[i];
		tp |= e->type == PERF_TYPE_TRACEPOINT && !syscall_tracepoint(e);
		sc |= syscall_tracepoint(e);
		up |= e->type != PERF_TYPE_TRACEPOINT && e->user;
		kp |= e->type != PERF_TYPE_TRACEPOINT && !e->user;
	}
	bpf_program__set_autoload(s->progs.on_event, tp);
	bpf_program__set_autoload(s->progs.on_syscall_event, sc);
	bpf_program__set_autoload(s->progs.on_uprobe, up);
	bpf_program__set_autoload(s->progs.on_kprobe, kp);
	bpf_program__set_autoload(s->progs.on_sample, !b->dwarf && !b->probes.n);
	bpf_program__set_autoload(s->progs.on_sample_dwarf, b->dwarf);
	/* the verifier's statistics for each program; SCORCH_LIBBPF_LOG=2: every instruction too */
	const char *log = getenv("SCORCH_LIBBPF_LOG");
	if (log) {
		struct bpf_program *prog;
		bpf_object__for_each_program(prog, s->obj)
			bpf_program__set_log_level(prog, strcmp(log, "2") == 0 ? 2 | 4 : 4);
	}
}
