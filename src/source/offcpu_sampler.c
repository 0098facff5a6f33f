// SPDX-License-Identifier: MIT
/* The off-CPU backend behind the sampler ops: bpf_offcpu's blocked time into the stack builder. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hashmap.h"
#include "../util/util.h"
#include "bpf.h"
#include "bpf_offcpu.h"
#include "bpf_sideband.h"
#include "bpf_unwind.h"
#include "perf_decode.h"
#include "sampler_backend.h"

/*
 * Off-CPU time only (--off-cpu): the engine's intervals, weight = ns, and a side-band ring
 * for process events (so `-- CMD`, forks and exits symbolize). Wall clock (--on-off): the
 * engine also counts runnable time, and an inner on-CPU sampler (perf or bpf, sharing the
 * front's stack builder and targets) brings samples weighted 1e9/freq ns and the process
 * events; off-CPU stacks end in a [blocked] or [runnable] FRAME_OFFCPU frame.
 */
struct offcpu_sampler {
	struct bpf_offcpu *oc;
	struct bpf_sideband *sb;  /* off-CPU only */
	struct bpf_unwind *unwind; /* off-CPU only, dwarf: CFI tables for the programs' maps */
	struct sampler on;	  /* --on-off: the on-CPU backend's view of the sampler */
	bool has_on, finished;
	uint64_t on_ns;		  /* ns per on-CPU sample */
	struct sampler *s;	  /* during a drain */
	struct profile *p;
	uint32_t *above;	  /* scratch: frames above the blocked stack */
	size_t capabove;
	struct sampler_stats dec; /* side-band decode counters */
	struct hashmap comms;	  /* timeline: tid -> string id of its comm + 1 */
	char note[224];
	char info[384];		  /* -v at the end: the CFI walks and tables */
};

/* The string id of tid's comm in p: the last one a sample carried, else /proc's; cached. */
static uint32_t thread_comm(struct offcpu_sampler *os, struct profile *p, uint32_t pid,
			    uint32_t tid, const char *known)
{
	struct hashmap_entry *e = hashmap__put_u64(&os->comms, tid, 0, NULL);
	if (known && known[0]) {
		e->value = (uint64_t)profile__intern(p, known, strnlen(known, 16)) + 1;
	} else if (!e->value) {
		char path[64], buf[32] = "";
		snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", pid, tid);
		FILE *f = fopen(path, "re");
		if (f && fgets(buf, sizeof(buf), f)) {
			buf[strcspn(buf, "\n")] = '\0';
			e->value = (uint64_t)profile__intern(p, buf, strlen(buf)) + 1;
		}
		if (f)
			fclose(f);
	}
	return e->value ? (uint32_t)(e->value - 1) : PROFILE_NONE;
}

/* A thread-state span into the profile, on the sampling clock (timeline mode only). */
static int on_span(void *ctx, const struct offcpu_thread_span *sp)
{
	struct offcpu_sampler *os = ctx;
	uint64_t t0 = os->s->t0_ns;
	if (!os->p || sp->end_ns <= t0)
		return 0;
	struct thread_span ts = {
	    .start_ns = sp->start_ns > t0 ? sp->start_ns - t0 : 0,
	    .end_ns = sp->end_ns - t0,
	    .pid = sp->pid,
	    .tid = sp->tid,
	    .comm = thread_comm(os, os->p, sp->pid, sp->tid, NULL),
	    .state = sp->state == OFFCPU_ST_RUNNING	 ? THREAD_RUNNING
		     : sp->state == OFFCPU_ST_RUNNABLE ? THREAD_RUNNABLE
						       : THREAD_BLOCKED,
	};
	profile__span_add(os->p, &ts); /* a full profile counts what it drops */
	return 0;
}

/*
 * Leading kernel frames of the tracepoint's iterator (__traceiter_sched_switch, _waking), to
 * skip. The programs skip their own frames, which leaves __schedule (try_to_wake_up) as the
 * leaf. But when another probe is on the same tracepoint (a second scorch, perf sched, ftrace
 * recording comms), the kernel calls the probes through the iterator, one frame more.
 */
static uint32_t iterator_frames(struct sampler *s, const uint64_t *ips, uint32_t n)
{
	uint32_t k = 0;
	struct sym_frame f;
	while (k < n && k < 2) {
		symbolizer__resolve(s->sym, 0, ips[k] - 1, true, &f, 1);
		if (!f.name || strncmp(f.name, "__traceiter_", 12) != 0)
			break;
		k++;
	}
	return k;
}

static int on_offcpu_sample(void *ctx, const struct raw_sample *rs, const struct offcpu_tag *t)
{
	struct offcpu_sampler *os = ctx;
	struct sampler *s = os->s;
	struct profile *p = os->p;
	struct raw_sample r = *rs;
	size_t n = 0;

	if (!rs->weight)
		return 0;
	uint32_t skip = iterator_frames(s, r.kips, r.nkips);
	r.kips += skip;
	r.nkips -= skip;
	if (os->capabove < 2) {
		os->capabove = 64;
		os->above = xrealloc(os->above, sizeof(*os->above) * os->capabove);
	}
	/* The names the kernel saw at the time: a thread that exited has no /proc left. */
	if (t->comm && t->comm[0] && rs->tid) {
		stack_builder__comm(s->stacks, rs->pid, rs->tid, t->comm, false);
		if (s->opts.timeline)
			thread_comm(os, p, rs->pid, rs->tid, t->comm);
	}
	if (s->opts.on_off) {
		const char *mark = t->cls == OFFCPU_RUNNABLE ? "[runnable]" : "[blocked]";
		os->above[n++] = profile__frame_named(p, mark, strlen(mark), FRAME_OFFCPU);
	}
	if (s->opts.off_wake && t->cls == OFFCPU_BLOCKED &&
	    (t->waker_pid || t->nwkips || t->nwuips)) {
		os->above[n++] = profile__frame_named(p, "--", 2, FRAME_SYNTHETIC);
		if (t->waker_comm && t->waker_comm[0] && t->waker_tid)
			stack_builder__comm(s->stacks, t->waker_pid, t->waker_tid, t->waker_comm,
					    false);
		skip = iterator_frames(s, t->wkips, t->nwkips);
		n = stack_builder__frames(s->stacks, p, t->waker_pid, t->waker_tid, t->wkips + skip,
					  t->nwkips - skip, t->wuips, t->nwuips, &os->above,
					  &os->capabove, n);
	}
	r.above = os->above;
	r.nabove = (uint32_t)n;
	stack_builder__sample(s->stacks, p, &r);
	return 0;
}

/* The inner sampler sees what the front changed since (the wake fd, the stop). */
static struct sampler *inner(struct sampler *s)
{
	struct offcpu_sampler *os = s->priv;
	os->on.wake_fd = s->wake_fd;
	os->on.stopped = s->stopped;
	os->on.tstop_ns = s->tstop_ns;
	return &os->on;
}

/* --on-off: opens the on-CPU backend --backend names (auto: bpf when it can, else perf). */
static int open_on_cpu(struct sampler *s, struct offcpu_sampler *os, char *err, size_t errlen)
{
	char why[160];
	enum sampler_backend b = s->opts.backend;
	if (b == SAMPLER_AUTO) /* the bpf backend keeps no per-sample times */
		b = !s->opts.timeline && bpf_backend__available(why, sizeof(why)) == 0 ? SAMPLER_BPF
										     : SAMPLER_PERF;
	os->on = *s;
	os->on.ops = b == SAMPLER_BPF ? &sampler_bpf_ops : &sampler_perf_ops;
	os->on.opts.off_cpu = os->on.opts.on_off = os->on.opts.off_wake = false;
	os->on.priv = NULL;
	int ret = os->on.ops->open(&os->on, err, errlen);
	if (ret < 0)
		return ret;
	os->has_on = true;
	struct sampler_stats st = {0};
	os->on.ops->stats(&os->on, &st);
	unsigned freq = st.freq ? st.freq : s->opts.freq;
	os->on_ns = 1000000000ull / freq;
	return 0;
}

static void on_unwind_record(void *ctx, const struct perf_event_header *h)
{
	bpf_unwind__record(ctx, h);
}

/*
 * Off-CPU only, dwarf: the side band hands every mmap, exec, fork and exit to an unwinder over
 * the programs' own maps as it is read, and running targets get their mappings now.
 */
static int open_unwind(struct offcpu_sampler *os, const struct sampler_opts *o, char *err,
		       size_t errlen)
{
	int shards, procs, tgids;
	int ret = bpf_offcpu__unwind_fds(os->oc, &shards, &procs, &tgids);
	ret = ret ? ret : bpf_unwind__new(&os->unwind, shards, procs, tgids,
					  o->call_graph == CALL_GRAPH_AUTO, err, errlen);
	if (ret)
		return ret;
	ret = bpf_sideband__open_hooked(&os->sb, -1, on_unwind_record, os->unwind,
					o->agent && o->scope == SCOPE_ALL ? 0 : 24, err, errlen);
	if (ret)
		return ret;
	bpf_sideband__lock(os->sb); /* the reader thread runs already */
	bpf_unwind__start(os->unwind, o);
	bpf_sideband__unlock(os->sb);
	return 0;
}

static int offcpu_open(struct sampler *s, char *err, size_t errlen)
{
	const struct sampler_opts *o = &s->opts;
	char why[160];
	int ret = bpf_backend__available(why, sizeof(why));
	if (ret < 0) {
		snprintf(err, errlen, "--off-cpu uses eBPF on sched_switch: %s", why);
		return ret == -EPERM ? -EPERM : -EOPNOTSUPP;
	}
	if (o->scope == SCOPE_CPU) {
		snprintf(err, errlen, "--off-cpu measures threads, not CPUs: use -a, -p or a command");
		return -EINVAL;
	}
	if (o->group_by_cpu) {
		snprintf(err, errlen,
			 "--off-cpu: off-CPU time is summed over CPUs (no --group-by-cpu)");
		return -EINVAL;
	}
	struct offcpu_sampler *os = xcalloc(1, sizeof(*os));
	s->priv = os;
	struct bpf_offcpu_opts oo = {
	    .tgids = o->scope == SCOPE_ALL ? NULL : o->pids,
	    .ntgids = o->scope == SCOPE_ALL ? 0 : o->npids,
	    .per_thread = true, /* each thread's own comm, as on-CPU samples have */
	    .user_stacks = o->stacks != STACKS_KERNEL_ONLY,
	    .kernel_stacks = o->stacks != STACKS_USER_ONLY,
	    .kstack_reuse = (uint8_t)((o->kstack_every ? o->kstack_every : 8) - 1),
	    .runnable = o->on_off,
	    .wakers = o->off_wake,
	    .state_mask = o->state_mask,
	    .min_block_ns = o->min_block_ns,
	    .max_block_ns = o->max_block_ns,
	    .on_sample = on_offcpu_sample,
	    .spans = o->timeline, /* thread states over time, for the timeline views */
	    .on_span = on_span,
	    .ctx = os,
	};
	/* User stacks by CFI as the on-CPU ones (auto: for binaries without frame pointers). */
	bool dwarf = o->stacks != STACKS_KERNEL_ONLY &&
		     (o->call_graph == CALL_GRAPH_AUTO || o->call_graph == CALL_GRAPH_DWARF);
	if (o->on_off) {
		/* first, so that the off-CPU programs share its unwinder's maps (a bpf backend) */
		ret = open_on_cpu(s, os, err, errlen);
		if (ret < 0)
			return ret;
		oo.dwarf = dwarf && os->on.ops == &sampler_bpf_ops &&
			   bpf_backend__unwind_fds(os->on.priv, &oo.shards_fd, &oo.procs_fd) == 0;
		return bpf_offcpu__open(&os->oc, &oo, err, errlen);
	}
	oo.dwarf = dwarf;
	ret = bpf_offcpu__open(&os->oc, &oo, err, errlen);
	if (ret < 0)
		return ret;
	if (dwarf)
		return open_unwind(os, o, err, errlen);
	return bpf_sideband__open(&os->sb, -1, err, errlen);
}

static int offcpu_poll(struct sampler *s, int timeout_ms)
{
	struct offcpu_sampler *os = s->priv;
	if (os->has_on)
		return os->on.ops->poll(inner(s), timeout_ms);
	/* The kernel aggregates: wake only for a target's exit or the caller's fd. */
	return sampler__wait_targets(s, timeout_ms);
}

static void on_record(void *ctx, const struct perf_event_header *h)
{
	struct offcpu_sampler *os = ctx;
	perf_decode__record(os->s->stacks, os->p, h, &os->dec);
}

/* Before a process event ends pid's image: hand on the intervals that image's stacks name. */
static void image_ends(void *ctx, uint32_t pid, uint64_t t)
{
	struct offcpu_sampler *os = ctx;
	/* during the on-CPU backend's drain, whose samples are scaled to ns */
	stack_builder__set_weight_scale(os->s->stacks, 1);
	bpf_offcpu__image_ends(os->oc, pid, t);
	if (os->has_on)
		stack_builder__set_weight_scale(os->s->stacks, os->on_ns);
}

/*
 * The intervals are taken out of the kernel first, then the process events are applied (the
 * on-CPU backend's, or the side band's), each exec or reused pid handing on the intervals of
 * the image it ends while that image's maps are still known, then the rest.
 */
static int offcpu_drain(struct sampler *s, struct profile *p)
{
	struct offcpu_sampler *os = s->priv;
	int ret = 0;
	profile__set_column(p, 0, "ns", COLUMN_NANOSECONDS);
	os->s = s;
	os->p = p;
	bool last = s->stopped && !os->finished;
	if (last) /* nothing is counted after the stop; what is still off the CPU is cut there */
		bpf_offcpu__stop(os->oc);
	int tret = os->finished ? 0 : bpf_offcpu__take(os->oc);
	stack_builder__set_image_hook(s->stacks, image_ends, os);
	if (os->has_on) {
		stack_builder__set_weight_scale(s->stacks, os->on_ns);
		ret = os->on.ops->drain(inner(s), p);
		stack_builder__set_weight_scale(s->stacks, 1);
	} else {
		bpf_sideband__drain(os->sb, UINT64_MAX, on_record, os);
	}
	stack_builder__set_image_hook(s->stacks, NULL, NULL);
	if (os->finished)
		return ret;
	int gret = bpf_offcpu__give(os->oc);
	ret = ret ? ret : tret ? tret : gret;
	if (last) {
		os->finished = true;
		int fret = bpf_offcpu__flush(os->oc, s->tstop_ns);
		ret = ret ? ret : fret;
	}
	return ret;
}

static void offcpu_stats(const struct sampler *s, struct sampler_stats *st)
{
	struct offcpu_sampler *os = s->priv;
	struct bpf_offcpu_stats ost;
	bpf_offcpu__stats(os->oc, &ost);
	if (os->has_on) {
		os->on.ops->stats(&os->on, st);
		st->backend = os->on.ops == &sampler_bpf_ops ? "bpf+off-cpu" : "perf_event+off-cpu";
	} else {
		st->backend = "bpf off-cpu";
		st->event = "sched_switch";
		st->freq = s->opts.freq;
		st->lost = os->dec.lost + bpf_sideband__lost(os->sb);
	}
	const uint64_t *c = ost.counters;
	if (!st->info && (c[OC_DW_STACKS] || c[OC_DW_FULL] || c[OC_KSTACK_REUSED])) {
		size_t n = (size_t)snprintf(
		    os->info, sizeof(os->info),
		    "off-cpu: %llu kernel stacks kept from the thread's last block (walked anew at "
		    "least every %u)",
		    (unsigned long long)c[OC_KSTACK_REUSED],
		    s->opts.kstack_every ? s->opts.kstack_every : 8);
		if ((c[OC_DW_STACKS] || c[OC_DW_FULL]) && n < sizeof(os->info)) {
			struct bpf_unwind_stats u = {0};
			if (os->unwind) {
				bpf_sideband__lock(os->sb);
				bpf_unwind__stats(os->unwind, &u);
				bpf_sideband__unlock(os->sb);
			}
			snprintf(os->info + n, sizeof(os->info) - n,
				 "; user stacks: %llu walked with CFI, %llu frames by frame pointers, "
				 "%llu read errors, %llu lost (dstacks full); %llu files, %llu rows in "
				 "tables",
				 (unsigned long long)c[OC_DW_STACKS], (unsigned long long)c[OC_DW_FP_FRAMES],
				 (unsigned long long)c[OC_DW_READ_ERROR], (unsigned long long)c[OC_DW_FULL],
				 (unsigned long long)u.files, (unsigned long long)u.rows);
		}
		st->info = os->info;
	}
	/* Intervals count as samples; lost: intervals or stacks the kernel could not keep. */
	st->samples += ost.samples;
	st->lost += ost.counters[OC_HASH_FULL] + ost.counters[OC_TASKS_FULL];
	st->errors += ost.counters[OC_USTACK_COLLISION] + ost.counters[OC_KSTACK_COLLISION] +
		      ost.counters[OC_STACK_ERROR] + ost.stacks_missing;
	uint64_t bad = st->errors + ost.counters[OC_HASH_FULL] + ost.counters[OC_TASKS_FULL] +
		       ost.counters[OC_TRACK_FULL] + ost.counters[OC_IMAGES_FULL];
	if (bad && !st->note) {
		snprintf(os->note, sizeof(os->note),
			 "off-cpu: %llu intervals lost (hash full), %llu threads untracked, %llu "
			 "stack errors, %llu children untracked, %llu execs not noted",
			 (unsigned long long)ost.counters[OC_HASH_FULL],
			 (unsigned long long)ost.counters[OC_TASKS_FULL],
			 (unsigned long long)st->errors,
			 (unsigned long long)ost.counters[OC_TRACK_FULL],
			 (unsigned long long)ost.counters[OC_IMAGES_FULL]);
		st->note = os->note;
	}
}

static void offcpu_close(struct sampler *s)
{
	struct offcpu_sampler *os = s->priv;
	if (!os)
		return;
	if (os->has_on)
		os->on.ops->close(&os->on);
	bpf_sideband__close(os->sb);
	bpf_offcpu__close(os->oc);
	bpf_unwind__free(os->unwind);
	hashmap__destroy(&os->comms);
	free(os->above);
	free(os);
	s->priv = NULL;
}

const struct sampler_ops sampler_offcpu_ops = {
    .name = "bpf off-cpu",
    .open = offcpu_open,
    .poll = offcpu_poll,
    .drain = offcpu_drain,
    .stats = offcpu_stats,
    .close = offcpu_close,
};
