// SPDX-License-Identifier: MIT
/* The sampler front: picks a backend, starts and watches the targets, keeps time and metadata. */
#define _GNU_SOURCE
#include "sampler.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../util/util.h"
#include "../unwind/dwarf.h"
#include "bpf.h"
#include "sampler_backend.h"
#include "stack.h"
#include "sysinfo.h"

/* Indexed by enum sampler_backend; NULL: not in this build. */
static const struct sampler_ops *const backends[] = {
    [SAMPLER_AUTO] = NULL, /* resolved by pick_backend */
    [SAMPLER_PERF] = &sampler_perf_ops,
    [SAMPLER_BPF] = &sampler_bpf_ops,
};

static const char *const backend_names[] = {
    [SAMPLER_AUTO] = "auto",
    [SAMPLER_PERF] = "perf_event",
    [SAMPLER_BPF] = "bpf",
};

/*
 * --off-cpu: the off-CPU backend. --backend auto: BPF when this machine can run it (root,
 * kernel BTF) and the options need nothing it lacks (per-sample times for the timeline,
 * samples kept in order around the exec of `-- CMD`), else perf_event. why says which and
 * why, for -v.
 */
static const struct sampler_ops *pick_backend(const struct sampler_opts *o, char *why,
					      size_t whylen)
{
	enum sampler_backend want = o->backend;
	if (o->off_cpu)
		return &sampler_offcpu_ops; /* it picks the on-CPU backend of --on-off itself */
	if (want == SAMPLER_AUTO) {
		char reason[160] = "";
		if (o->nevents && o->scope == SCOPE_CPU)
			snprintf(reason, sizeof(reason), "-e with -C: bpf cannot keep to those CPUs");
		else if (o->timeline)
			snprintf(reason, sizeof(reason), "the timeline needs per-sample times");
		else if (o->call_graph == CALL_GRAPH_DWARF || o->call_graph == CALL_GRAPH_FP_LEAF)
			snprintf(reason, sizeof(reason), "--call-graph %s unwinds in user space",
				 o->call_graph == CALL_GRAPH_DWARF ? "dwarf" : "fp+leaf");
		else if (o->argv && o->scope == SCOPE_COMMAND)
			/* A command is often short: its perf events open in milliseconds, where
			 * loading and verifying the BPF programs costs ~0.3 s of CPU. */
			snprintf(reason, sizeof(reason),
				 "a command: perf events start faster than BPF programs load");
		else if (bpf_backend__available(reason, sizeof(reason)) == 0)
			reason[0] = '\0';
		want = reason[0] ? SAMPLER_PERF : SAMPLER_BPF;
		snprintf(why, whylen, "backend auto: %s%s%s%s", backend_names[want],
			 reason[0] ? " (not bpf: " : "", reason, reason[0] ? ")" : "");
	}
	if ((size_t)want >= sizeof(backends) / sizeof(backends[0]))
		return NULL;
	return backends[want];
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The command line the profile's metadata records, in scorch record's own syntax. */
static char *join_cmdline(const struct sampler_opts *o)
{
	struct strbuf sb = {0};
	if (o->scope == SCOPE_COMMAND) {
		for (char **a = o->argv; a && *a; a++) {
			if (a != o->argv)
				strbuf__addc(&sb, ' ');
			strbuf__adds(&sb, *a);
		}
	} else if (o->scope == SCOPE_PIDS) {
		strbuf__adds(&sb, "-p ");
		for (int i = 0; i < o->npids; i++)
			strbuf__addf(&sb, "%s%d", i ? "," : "", (int)o->pids[i]);
	} else if (o->scope == SCOPE_CPU) {
		strbuf__adds(&sb, "-C ");
		for (int i = 0; i < o->ncpu_list; i++)
			strbuf__addf(&sb, "%s%d", i ? "," : "", o->cpu_list[i]);
	} else {
		strbuf__adds(&sb, "-a");
	}
	return sb.buf ? sb.buf : xstrdup("");
}

/*
 * System-wide: capture the maps of every process that already runs, as perf does at start,
 * so that one which exits before its first sample is drained still symbolizes. Processes
 * born later arrive through fork, exec and mmap events.
 */
static void add_running_pids(struct stack_builder *b)
{
	DIR *d = opendir("/proc");
	if (!d)
		return;
	pid_t self = getpid();
	for (struct dirent *e; (e = readdir(d));) {
		char *end;
		unsigned long pid = strtoul(e->d_name, &end, 10);
		if (*end || !pid || pid == (unsigned long)self)
			continue;
		stack_builder__add_pid(b, (uint32_t)pid);
	}
	closedir(d);
}

bool sampler__targets_lack_fp(const struct sampler_opts *o)
{
	char path[4096];
	for (int i = 0; i < o->npids; i++) {
		int has;
		if (o->scope == SCOPE_COMMAND && o->argv && o->argv[0]) {
			has = unwind__command_binary(o->argv[0], path, sizeof(path)) == 0
				  ? unwind__binary_has_fp(path)
				  : -ENOENT;
		} else {
			snprintf(path, sizeof(path), "/proc/%d/exe", (int)o->pids[i]);
			has = unwind__binary_has_fp(path);
		}
		if (has == 0)
			return true;
	}
	return false;
}

/*
 * What every backend would refuse, checked once before any of them spends time loading:
 * pids that do not exist, CPUs that are not online.
 */
static int check_targets(const struct sampler_opts *o, char *err, size_t errlen)
{
	if (o->scope == SCOPE_PIDS) {
		for (int i = 0; i < o->npids; i++) {
			if (kill(o->pids[i], 0) < 0 && errno == ESRCH) {
				snprintf(err, errlen, "no such process: %d", (int)o->pids[i]);
				return -ESRCH;
			}
		}
	}
	if (o->nevents && o->off_cpu) {
		snprintf(err, errlen,
			 "-e does not combine with --off-cpu, --off-wake or --on-off");
		return -EINVAL;
	}
	/* perf unwinds dwarf and fp+leaf in user space; bpf walks CFI in the kernel (dwarf) */
	bool cg_copy = o->call_graph == CALL_GRAPH_DWARF || o->call_graph == CALL_GRAPH_FP_LEAF;
	if (cg_copy &&
	    (o->off_cpu || (o->backend == SAMPLER_BPF && o->call_graph != CALL_GRAPH_DWARF))) {
		snprintf(err, errlen, "--call-graph %s is not available %s",
			 o->call_graph == CALL_GRAPH_DWARF ? "dwarf" : "fp+leaf",
			 o->off_cpu ? "for off-CPU stacks (frame pointers)" : "with --backend bpf (use perf)");
		return -EOPNOTSUPP;
	}
	if (o->scope != SCOPE_CPU)
		return 0;
	if (o->ncpu_list < 1) {
		snprintf(err, errlen, "no CPU given");
		return -EINVAL;
	}
	int *online = NULL;
	int n = sysinfo__online_cpus(&online), ret = 0;
	for (int w = 0; w < o->ncpu_list && !ret; w++) {
		bool found = false;
		for (int i = 0; i < n; i++)
			found |= online[i] == o->cpu_list[w];
		if (!found) {
			snprintf(err, errlen, "CPU %d is not online (see /sys/devices/system/cpu/online)",
				 o->cpu_list[w]);
			ret = -EINVAL;
		}
	}
	free(online);
	return ret;
}

struct sampler *sampler__open(const struct sampler_opts *opts, struct symbolizer *sym, char *err,
			      size_t errlen)
{
	char why[200] = "";
	int ret = check_targets(opts, err, errlen);
	if (ret < 0) {
		errno = -ret;
		return NULL;
	}
	const struct sampler_ops *ops = pick_backend(opts, why, sizeof(why));
	if (!ops) {
		unsigned b = (unsigned)opts->backend;
		snprintf(err, errlen, "the %s backend is not available in this build",
			 b < sizeof(backend_names) / sizeof(backend_names[0]) ? backend_names[b]
									      : "requested");
		errno = EOPNOTSUPP;
		return NULL;
	}
	struct sampler *s = xcalloc(1, sizeof(*s));
	bool opened = false;
	s->ops = ops;
	s->pick_note = xstrdup(why);
	s->opts = *opts;
	if (!s->opts.freq)
		s->opts.freq = 99;
	s->sym = sym;
	s->wake_fd = -1;
	s->target = target__new();
	s->cmdline = join_cmdline(opts);
	/* A command: the target, or with -a / -C what decides how long the system is sampled. */
	bool command = opts->argv && opts->argv[0] && opts->scope != SCOPE_PIDS;
	if (command) {
		ret = target__spawn(s->target, opts->argv, err, errlen);
		if (ret < 0)
			goto out_close;
		s->command_pid = target__command_pid(s->target);
	}
	if (opts->scope == SCOPE_COMMAND) {
		s->opts.pids = &s->command_pid;
		s->opts.npids = 1;
	}
	s->stacks = stack_builder__new(&s->opts, sym);
	opened = true;
	ret = ops->open(s, err, errlen);
	if (ret < 0) {
		/* ENOENT and EACCES are reserved for the command (see sampler.h). */
		if (ret == -ENOENT)
			ret = -ENODEV;
		else if (ret == -EACCES)
			ret = -EPERM;
		goto out_close;
	}
	if (command)
		stack_builder__new_image(s->stacks, (uint32_t)s->command_pid);
	if (opts->scope == SCOPE_ALL || opts->scope == SCOPE_CPU)
		add_running_pids(s->stacks);
	if (opts->scope == SCOPE_PIDS) {
		for (int i = 0; i < opts->npids; i++) {
			stack_builder__add_pid(s->stacks, (uint32_t)opts->pids[i]);
			target__watch(s->target, opts->pids[i]);
		}
	}
	s->t0_ns = clock_ns(CLOCK_MONOTONIC);
	s->wall0_ns = clock_ns(CLOCK_REALTIME);
	stack_builder__set_origin(s->stacks, s->t0_ns);
	if (command) {
		ret = target__start(s->target, err, errlen);
		if (ret < 0)
			goto out_close;
	}
	return s;

out_close:
	if (!opened)
		s->ops = NULL; /* the backend never saw it */
	sampler__close(s);
	errno = -ret;
	return NULL;
}

int sampler__wait_fds(const struct sampler *s, struct pollfd *out, int max)
{
	int n = target__wait_fds(s->target, out, max > 0 ? max - 1 : 0);
	if (s->wake_fd >= 0 && n < max)
		out[n++] = (struct pollfd){.fd = s->wake_fd, .events = POLLIN};
	return n;
}

int sampler__wait_targets(const struct sampler *s, int timeout_ms)
{
	int max = SAMPLER_MAX_WAIT_FDS(s);
	struct pollfd *fds = xcalloc((size_t)max, sizeof(*fds));
	int n = sampler__wait_fds(s, fds, max);
	int ret = poll(fds, (nfds_t)n, timeout_ms);
	ret = ret < 0 ? -errno : ret;
	free(fds);
	return ret;
}

int sampler__drain_interval_ms(const struct sampler *s)
{
	return s->ops->drain_ms > 0 ? s->ops->drain_ms : SAMPLER_DRAIN_MS;
}

void sampler__wake_on(struct sampler *s, int fd)
{
	s->wake_fd = fd;
}

int sampler__poll(struct sampler *s, int timeout_ms)
{
	int ret = s->ops->poll(s, timeout_ms);
	ret = ret > 0 ? 0 : ret; /* ready fds are the caller's to look at, not a result */
	/* Before the drain: a target's samples are all in the buffers once it is seen dead. */
	target__update(s->target);
	return ret;
}

static void update_meta(struct sampler *s, struct profile *p)
{
	struct sampler_stats st;
	memset(&st, 0, sizeof(st));
	s->ops->stats(s, &st);
	struct profile_meta *m = profile__meta(p);
	if (s->meta_prof != p) {
		free(m->event);
		m->event = xstrdup(st.event ? st.event : "cpu-clock");
		free(m->cmdline);
		m->cmdline = xstrdup(s->cmdline);
		if (!m->host) {
			char host[256] = "";
			gethostname(host, sizeof(host) - 1);
			m->host = xstrdup(host);
		}
		m->freq = s->opts.freq;
		m->start_ns = s->wall0_ns;
		s->meta_prof = p;
	}
	m->duration_ns = clock_ns(CLOCK_MONOTONIC) - s->t0_ns;
	m->lost = st.lost;
}

int sampler__drain(struct sampler *s, struct profile *p)
{
	int ret = s->ops->drain(s, p);
	stack_builder__drained(s->stacks); /* reaps the processes whose samples are all in */
	update_meta(s, p);
	return ret;
}

void sampler__stats(struct sampler *s, struct sampler_stats *st)
{
	memset(st, 0, sizeof(*st));
	s->ops->stats(s, st);
	if (!st->backend)
		st->backend = s->ops->name;
	if (s->pick_note[0]) { /* -v: how auto chose, then what the backend said */
		snprintf(s->info, sizeof(s->info), "%s%s%s", s->pick_note, st->info ? "; " : "",
			 st->info ? st->info : "");
		st->info = s->info;
	}
	uint64_t end = s->stopped ? s->tstop_ns : clock_ns(CLOCK_MONOTONIC);
	st->elapsed_ns = end - s->t0_ns;
	struct rusage ru;
	if (st->elapsed_ns && getrusage(RUSAGE_SELF, &ru) == 0) {
		double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			     (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		st->self_cpu = cpu * 1e11 / (double)st->elapsed_ns;
	}
	st->targets_exited = target__all_exited(s->target);
	stack_builder__unresolved(s->stacks, st->unresolved);
}

void sampler__tables(const struct sampler *s, struct stack_tables *t)
{
	stack_builder__tables(s ? s->stacks : NULL, t);
}

void sampler__stop(struct sampler *s)
{
	if (!s || s->stopped)
		return;
	s->stopped = true;
	s->tstop_ns = clock_ns(CLOCK_MONOTONIC);
	target__stop(s->target);
	if (s->ops->stop)
		s->ops->stop(s);
}

pid_t sampler__detach_command(struct sampler *s)
{
	return target__detach(s->target);
}

int sampler__exit_code(const struct sampler *s)
{
	int st = target__command_status(s->target);
	return st < 0 ? -1 : target__exit_code(st);
}

void sampler__close(struct sampler *s)
{
	if (!s)
		return;
	if (s->ops)
		s->ops->close(s);
	target__free(s->target); /* stops and reaps the command */
	stack_builder__free(s->stacks);
	free(s->cmdline);
	free(s->pick_note);
	free(s);
}
