// SPDX-License-Identifier: MIT
/* Off-CPU backend, user side: loads offcpu.bpf.c, drains its counts and spans into callbacks. */
#include "bpf_offcpu.h"
#include "bpf.h"
#include "bpf_btf.h"
#include "image_order.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "offcpu.skel.h"

#define DEFAULT_ENTRIES 10240
#define DEFAULT_TASKS 16384
#define DEFAULT_STACKS 16384
#define DEFAULT_RINGBUF (4u << 20)
#define DEFAULT_PROCS_ALL 4096u
#define DEFAULT_PROCS_TRACKED 512u

struct bpf_offcpu {
	struct offcpu_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_offcpu_opts opts;
	int ncpus;
	bool finished;
	uint64_t samples, spans, flushed, stacks_missing;
	int cb_err;                /* first error a span callback returned */
	int give_err;              /* first error a sample callback returned in this drain */
	/* The intervals taken out of the kernel and not all handed on yet (2 x max_entries). */
	struct offcpu_key *keys;
	struct offcpu_val *vals;
	uint32_t ntaken;
	uint64_t taken_ns;         /* when they were taken: the time their samples carry */
	struct image_order order;
	uint64_t ips[4][OFFCPU_MAX_STACK];
	struct offcpu_dstack dstack; /* lookup buffer */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *bpf_offcpu__counter_name(int counter)
{
	static const char *const names[OC_NR] = {
		[OC_ENTRIES] = "intervals",
		[OC_HASH_FULL] = "counts hash full",
		[OC_TASKS_FULL] = "thread hash full",
		[OC_USTACK_COLLISION] = "user stack collisions",
		[OC_KSTACK_COLLISION] = "kernel stack collisions",
		[OC_STACK_ERROR] = "stack errors",
		[OC_RINGBUF_FULL] = "spans lost (ring full)",
		[OC_TRACK_FULL] = "children not tracked",
		[OC_FILTERED] = "intervals outside min/max",
		[OC_IMAGES_FULL] = "execs not noted (images full)",
		[OC_KSTACK_REUSED] = "kernel stacks reused",
		[OC_DW_STACKS] = "user stacks walked with CFI",
		[OC_DW_FP_FRAMES] = "frames walked by frame pointers (no CFI row)",
		[OC_DW_READ_ERROR] = "CFI walks ended on an unreadable word",
		[OC_DW_FULL] = "walked stacks lost (dstacks full)",
	};

	return counter >= 0 && counter < OC_NR && names[counter] ? names[counter] : "?";
}

static int span_cb(void *ctx, void *data, size_t len)
{
	struct bpf_offcpu *o = ctx;
	const struct offcpu_span *s = data;
	struct offcpu_thread_span sp;
	int err;

	if (len < sizeof(*s))
		return 0;
	sp.pid = s->tgid;
	sp.tid = s->tid;
	sp.cpu = s->cpu;
	sp.state = (enum offcpu_state)s->state;
	sp.start_ns = s->start_ns;
	sp.end_ns = s->end_ns;
	o->spans++;
	err = o->opts.on_span(o->opts.ctx, &sp);
	if (err && !o->cb_err)
		o->cb_err = err;
	return err;
}

int bpf_offcpu__open(struct bpf_offcpu **out, const struct bpf_offcpu_opts *opts, char *err,
		     size_t errlen)
{
	struct bpf_offcpu *o;
	struct offcpu_bpf *skel;
	const struct bpf_offcpu_opts *op = opts;
	int ret;

	*out = NULL;
	if (!op->on_sample || (op->spans && !op->on_span)) {
		snprintf(err, errlen, "off-cpu: a sample callback (and a span callback with spans) is required");
		return -EINVAL;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		ret = -errno;
		snprintf(err, errlen, "off-cpu: /sys/kernel/btf/vmlinux: %s (the kernel needs CONFIG_DEBUG_INFO_BTF)",
			 strerror(-ret));
		return ret;
	}
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->opts = *op;
	if (!o->opts.user_stacks && !o->opts.kernel_stacks)
		o->opts.user_stacks = o->opts.kernel_stacks = true;
	if (!o->opts.state_mask)
		o->opts.state_mask = OFFCPU_TASK_INTERRUPTIBLE | OFFCPU_TASK_UNINTERRUPTIBLE;
	if (!o->opts.max_entries)
		o->opts.max_entries = DEFAULT_ENTRIES;
	if (!o->opts.max_tasks)
		o->opts.max_tasks = DEFAULT_TASKS;
	if (!o->opts.max_stacks)
		o->opts.max_stacks = DEFAULT_STACKS;
	if (!o->opts.ringbuf_bytes)
		o->opts.ringbuf_bytes = DEFAULT_RINGBUF;
	o->opts.tgids = NULL; /* not kept: the caller's array */
	o->ncpus = libbpf_num_possible_cpus();
	o->keys = calloc(2 * (size_t)o->opts.max_entries, sizeof(*o->keys));
	o->vals = calloc(2 * (size_t)o->opts.max_entries, sizeof(*o->vals));
	if (o->ncpus <= 0 || !o->keys || !o->vals) {
		ret = o->ncpus <= 0 ? o->ncpus : -ENOMEM;
		snprintf(err, errlen, "off-cpu: out of memory or no CPU count");
		goto out_free;
	}

	bpf_backend__quiet_libbpf();
	char btf_path[64];
	int btf_fd = bpf_btf__open(btf_path, sizeof(btf_path));
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = btf_fd >= 0 ? btf_path : NULL);
	skel = offcpu_bpf__open_opts(&oo);
	if (!skel) {
		ret = -errno;
		if (btf_fd >= 0)
			close(btf_fd);
		snprintf(err, errlen, "off-cpu: opening the BPF object: %s", strerror(-ret));
		goto out_free;
	}
	o->skel = skel;
	skel->rodata->filter_tgids = op->ntgids > 0;
	skel->rodata->per_thread = o->opts.per_thread;
	skel->rodata->want_user = o->opts.user_stacks;
	skel->rodata->want_kernel = o->opts.kernel_stacks;
	skel->rodata->kstack_reuse = o->opts.kstack_reuse;
	skel->rodata->want_runnable = o->opts.runnable;
	skel->rodata->want_wakers = o->opts.wakers;
	skel->rodata->want_spans = o->opts.spans;
	skel->rodata->state_mask = o->opts.state_mask;
	skel->rodata->min_block_ns = o->opts.min_block_ns ? o->opts.min_block_ns : 1;
	skel->rodata->max_block_ns = o->opts.max_block_ns ? o->opts.max_block_ns : ~0ull;
	bpf_map__set_max_entries(skel->maps.counts0, o->opts.max_entries);
	bpf_map__set_max_entries(skel->maps.counts1, o->opts.max_entries);
	bpf_map__set_max_entries(skel->maps.tasks, o->opts.max_tasks);
	bpf_map__set_max_entries(skel->maps.stacks, o->opts.max_stacks);
	bpf_map__set_max_entries(skel->maps.spans, o->opts.spans ? o->opts.ringbuf_bytes : 4096);
	if (op->ntgids > (int)bpf_map__max_entries(skel->maps.tgids))
		bpf_map__set_max_entries(skel->maps.tgids, (uint32_t)op->ntgids * 2);
	skel->rodata->want_dwarf = o->opts.dwarf;
	if (!o->opts.max_procs)
		o->opts.max_procs = op->ntgids > 0 ? DEFAULT_PROCS_TRACKED : DEFAULT_PROCS_ALL;
	bpf_map__set_max_entries(skel->maps.dstacks, o->opts.dwarf ? o->opts.max_stacks : 1);
	if (!o->opts.dwarf) {
		bpf_map__set_max_entries(skel->maps.procs, 1);
		bpf_map__set_max_entries(skel->maps.shards, 1);
	} else if (o->opts.shards_fd > 0 && o->opts.procs_fd > 0) {
		ret = bpf_map__reuse_fd(skel->maps.shards, o->opts.shards_fd);
		ret = ret ? ret : bpf_map__reuse_fd(skel->maps.procs, o->opts.procs_fd);
		if (ret) {
			snprintf(err, errlen, "off-cpu: sharing the on-CPU unwinder's maps: %s",
				 strerror(-ret));
			if (btf_fd >= 0)
				close(btf_fd);
			goto out_free;
		}
	} else {
		bpf_map__set_max_entries(skel->maps.procs, o->opts.max_procs);
	}

	ret = offcpu_bpf__load(skel);
	if (btf_fd >= 0)
		close(btf_fd);
	if (ret) {
		bpf_backend__load_error(-ret, "the off-CPU BPF programs", err, errlen);
		goto out_free;
	}
	for (int i = 0; i < op->ntgids; i++) {
		ret = bpf_offcpu__add_tgid(o, op->tgids[i]);
		if (ret) {
			snprintf(err, errlen, "off-cpu: adding pid %d to the target set: %s", (int)op->tgids[i],
				 strerror(-ret));
			goto out_free;
		}
	}
	if (o->opts.spans) {
		o->rb = ring_buffer__new(bpf_map__fd(skel->maps.spans), span_cb, o, NULL);
		if (!o->rb) {
			ret = -errno;
			snprintf(err, errlen, "off-cpu: the span ring buffer: %s", strerror(-ret));
			goto out_free;
		}
	}
	ret = offcpu_bpf__attach(skel);
	if (ret) {
		snprintf(err, errlen, "off-cpu: attaching to the scheduler's raw tracepoints: %s",
			 strerror(-ret));
		goto out_free;
	}
	*out = o;
	return 0;

out_free:
	bpf_offcpu__close(o);
	return ret;
}

int bpf_offcpu__add_tgid(struct bpf_offcpu *o, pid_t tgid)
{
	uint32_t key = (uint32_t)tgid;
	uint8_t one = 1;

	if (!o->skel->rodata->filter_tgids)
		return 0; /* system-wide: everything is a target already */
	return bpf_map_update_elem(bpf_map__fd(o->skel->maps.tgids), &key, &one, BPF_ANY) ? -errno : 0;
}

int bpf_offcpu__unwind_fds(const struct bpf_offcpu *o, int *shards_fd, int *procs_fd,
			   int *tgids_fd)
{
	if (!o->opts.dwarf)
		return -ENOENT;
	*shards_fd = bpf_map__fd(o->skel->maps.shards);
	*procs_fd = bpf_map__fd(o->skel->maps.procs);
	*tgids_fd = o->skel->rodata->filter_tgids ? bpf_map__fd(o->skel->maps.tgids) : -1;
	return 0;
}

int bpf_offcpu__poll(struct bpf_offcpu *o, int timeout_ms)
{
	int n;

	if (!o->rb || o->finished) {
		struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };

		return nanosleep(&ts, NULL) ? -errno : 0;
	}
	n = ring_buffer__poll(o->rb, timeout_ms);
	if (o->cb_err)
		return o->cb_err;
	if (n == -EINTR)
		return -EINTR;
	return n < 0 ? n : 0;
}

/* Copies stack id's ips into buf (leaf first); returns the count, 0 for none. */
static uint32_t stack_ips(struct bpf_offcpu *o, int32_t id, uint64_t *buf)
{
	uint32_t n = 0;

	if (id < 0)
		return 0;
	if (bpf_map_lookup_elem(bpf_map__fd(o->skel->maps.stacks), &id, buf)) {
		o->stacks_missing++;
		return 0;
	}
	while (n < OFFCPU_MAX_STACK && buf[n])
		n++;
	return n;
}

/* Copies the CFI-walked stack stored under hash into buf (leaf first); returns the count. */
static uint32_t dwarf_ips(struct bpf_offcpu *o, uint64_t hash, uint64_t *buf)
{
	if (bpf_map_lookup_elem(bpf_map__fd(o->skel->maps.dstacks), &hash, &o->dstack)) {
		o->stacks_missing++;
		return 0;
	}
	uint32_t n = o->dstack.n < OFFCPU_MAX_STACK ? o->dstack.n : OFFCPU_MAX_STACK;
	memcpy(buf, o->dstack.ips, n * sizeof(*buf));
	return n;
}

/* Resolves a key's stacks and hands one sample to the callback. */
static int emit(struct bpf_offcpu *o, const struct offcpu_key *k, uint64_t ns, uint64_t count,
		const char *comm, const char *w_comm, bool flushed, uint64_t time_ns)
{
	struct raw_sample s = { 0 };
	struct offcpu_tag t = { 0 };

	s.pid = k->tgid;
	s.tid = k->tid ? k->tid : k->tgid;
	s.cpu = UINT32_MAX; /* aggregated over CPUs */
	s.time_ns = time_ns;
	s.kips = o->ips[0];
	s.nkips = stack_ips(o, k->kstack, o->ips[0]);
	s.uips = o->ips[1];
	s.nuips = k->udw ? dwarf_ips(o, k->udw, o->ips[1]) : stack_ips(o, k->ustack, o->ips[1]);
	s.weight = ns;
	t.cls = (enum offcpu_class)k->cls;
	t.count = count;
	t.comm = comm;
	t.flushed = flushed;
	t.waker_pid = k->w_tgid;
	t.waker_tid = k->w_tid ? k->w_tid : k->w_tgid;
	t.waker_comm = w_comm;
	t.wkips = o->ips[2];
	t.nwkips = stack_ips(o, k->w_kstack, o->ips[2]);
	t.wuips = o->ips[3];
	t.nwuips = k->w_udw ? dwarf_ips(o, k->w_udw, o->ips[3]) : stack_ips(o, k->w_ustack, o->ips[3]);
	o->samples++;
	return o->opts.on_sample(o->opts.ctx, &s, &t);
}

/* Moves every entry of one count hash into keys/vals from ntaken on, deleting it. */
static void take_counts(struct bpf_offcpu *o, struct bpf_map *map)
{
	int fd = bpf_map__fd(map);
	uint32_t first = o->ntaken, n = first, end = first + o->opts.max_entries;
	struct offcpu_key *prev = NULL;

	while (n < end && !bpf_map_get_next_key(fd, prev, &o->keys[n])) {
		prev = &o->keys[n];
		n++;
	}
	for (uint32_t i = first; i < n; i++)
		if (!bpf_map_lookup_and_delete_elem(fd, &o->keys[i], &o->vals[o->ntaken]))
			o->keys[o->ntaken++] = o->keys[i];
}

static unsigned key_images(void *ctx, size_t i, struct image_ref out[2])
{
	const struct offcpu_key *k = &((struct bpf_offcpu *)ctx)->keys[i];
	unsigned n = 0;

	if (k->ustack >= 0 || k->udw)
		out[n++] = (struct image_ref){ k->tgid, k->since };
	if ((k->w_ustack >= 0 || k->w_udw) && k->w_tgid)
		out[n++] = (struct image_ref){ k->w_tgid, k->w_since };
	return n;
}

/* Hands taken interval i to the callback; the first error stops the rest. */
static void give_one(void *ctx, size_t i)
{
	struct bpf_offcpu *o = ctx;
	const struct offcpu_val *v = &o->vals[i];
	char comm[OFFCPU_COMM_LEN + 1] = { 0 }, w_comm[OFFCPU_COMM_LEN + 1] = { 0 };

	if (o->give_err)
		return;
	memcpy(comm, v->comm, OFFCPU_COMM_LEN);
	memcpy(w_comm, v->w_comm, OFFCPU_COMM_LEN);
	o->give_err = emit(o, &o->keys[i], v->total_ns, v->count, comm, w_comm, false, o->taken_ns);
}

int bpf_offcpu__take(struct bpf_offcpu *o)
{
	uint32_t set;
	int ret;

	if (o->ntaken) /* the last take was not given: hand it on first */
		bpf_offcpu__give(o);
	if (o->rb) {
		ret = ring_buffer__consume(o->rb);
		if (o->cb_err)
			return o->cb_err;
		if (ret < 0)
			return ret;
	}
	/* Flip first: the programs now write the other hash, this one only shrinks. */
	set = o->skel->bss->active_set;
	__atomic_store_n(&o->skel->bss->active_set, set ^ 1, __ATOMIC_SEQ_CST);
	/* A program that read the old index just before the flip finishes within microseconds. */
	if (!o->finished)
		usleep(1000);
	o->taken_ns = now_ns();
	o->ntaken = 0;
	o->give_err = 0;
	take_counts(o, set ? o->skel->maps.counts1 : o->skel->maps.counts0);
	if (o->finished) /* nothing runs any more: take what the other hash got too */
		take_counts(o, set ? o->skel->maps.counts0 : o->skel->maps.counts1);
	image_order__init(&o->order, o->ntaken, key_images, give_one, o);
	return 0;
}

void bpf_offcpu__image_ends(struct bpf_offcpu *o, uint32_t pid, uint64_t t)
{
	if (o->ntaken)
		image_order__ends(&o->order, pid, t);
}

int bpf_offcpu__give(struct bpf_offcpu *o)
{
	int ret;

	image_order__rest(&o->order);
	image_order__destroy(&o->order);
	o->ntaken = 0;
	ret = o->give_err;
	o->give_err = 0;
	return ret;
}

int bpf_offcpu__drain(struct bpf_offcpu *o)
{
	int ret = bpf_offcpu__take(o);

	return ret ? ret : bpf_offcpu__give(o);
}

static bool in_bounds(const struct bpf_offcpu *o, uint64_t d)
{
	uint64_t lo = o->opts.min_block_ns ? o->opts.min_block_ns : 1;
	uint64_t hi = o->opts.max_block_ns ? o->opts.max_block_ns : ~0ull;

	return d >= lo && d <= hi;
}

/* The user-space twin of switch_in() in offcpu.bpf.c, for one thread at end_ns. */
static int flush_task(struct bpf_offcpu *o, uint32_t tid, const struct offcpu_task *t, uint64_t end)
{
	struct offcpu_key k = { 0 };
	char comm[OFFCPU_COMM_LEN + 1] = { 0 }, w_comm[OFFCPU_COMM_LEN + 1] = { 0 };
	int ret = 0;

	if (o->rb && t->span_ns && end > t->span_ns) {
		struct offcpu_thread_span sp = { t->tgid, tid, UINT32_MAX, (enum offcpu_state)t->span_state,
						 t->span_ns, end };

		o->spans++;
		o->flushed++;
		ret = o->opts.on_span(o->opts.ctx, &sp);
		if (ret)
			return ret;
	}
	if (!t->out_ns || end <= t->out_ns)
		return 0;
	memcpy(comm, t->comm, OFFCPU_COMM_LEN);
	memcpy(w_comm, t->w_comm, OFFCPU_COMM_LEN);
	k.tgid = t->tgid;
	k.tid = o->opts.per_thread ? tid : 0;
	k.ustack = t->ustack;
	k.udw = t->udw;
	k.kstack = t->kstack;
	k.w_ustack = k.w_kstack = -1;
	o->flushed++;
	if (t->runnable) {
		k.cls = OFFCPU_RUNNABLE;
		return in_bounds(o, end - t->out_ns) ? emit(o, &k, end - t->out_ns, 1, comm, "", true, end) : 0;
	}
	k.cls = OFFCPU_BLOCKED;
	if (t->wake_ns > t->out_ns && t->wake_ns <= end) {
		struct offcpu_key w = k;

		if (o->opts.wakers) {
			w.w_ustack = t->w_ustack;
			w.w_udw = t->w_udw;
			w.w_kstack = t->w_kstack;
			w.w_tgid = t->w_tgid;
			w.w_tid = o->opts.per_thread ? t->w_tid : 0;
		}
		if (in_bounds(o, t->wake_ns - t->out_ns))
			ret = emit(o, &w, t->wake_ns - t->out_ns, 1, comm, w_comm, true, end);
		k.cls = OFFCPU_RUNNABLE;
		if (!ret && o->opts.runnable && end > t->wake_ns && in_bounds(o, end - t->wake_ns))
			ret = emit(o, &k, end - t->wake_ns, 1, comm, "", true, end);
		return ret;
	}
	return in_bounds(o, end - t->out_ns) ? emit(o, &k, end - t->out_ns, 1, comm, "", true, end) : 0;
}

void bpf_offcpu__stop(struct bpf_offcpu *o)
{
	if (o->finished)
		return;
	offcpu_bpf__detach(o->skel);
	o->finished = true;
}

int bpf_offcpu__flush(struct bpf_offcpu *o, uint64_t end_ns)
{
	int fd, ret;
	uint32_t key, next, *prev = NULL;
	struct offcpu_task t;

	if (!end_ns)
		end_ns = now_ns();
	fd = bpf_map__fd(o->skel->maps.tasks);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &t))
			continue;
		ret = flush_task(o, key, &t, end_ns);
		if (ret)
			return ret;
	}
	return 0;
}

int bpf_offcpu__finish(struct bpf_offcpu *o, uint64_t end_ns)
{
	int ret;

	if (o->finished)
		return 0;
	bpf_offcpu__stop(o);
	ret = bpf_offcpu__drain(o);
	return ret ? ret : bpf_offcpu__flush(o, end_ns);
}

/* Kernel memory charged to one map, from /proc/self/fdinfo (the "memlock:" line). */
static uint64_t map_memlock(int fd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

void bpf_offcpu__stats(struct bpf_offcpu *o, struct bpf_offcpu_stats *st)
{
	uint64_t *vals = calloc((size_t)o->ncpus, sizeof(*vals));
	int fd = bpf_map__fd(o->skel->maps.counters);
	struct bpf_map *map;
	uint32_t key, next, *prev = NULL;

	memset(st, 0, sizeof(*st));
	for (uint32_t i = 0; vals && i < OC_NR; i++) {
		if (bpf_map_lookup_elem(fd, &i, vals))
			continue;
		for (int c = 0; c < o->ncpus; c++)
			st->counters[i] += vals[c];
	}
	free(vals);
	st->samples = o->samples;
	st->spans = o->spans;
	st->flushed = o->flushed;
	st->stacks_missing = o->stacks_missing;
	fd = bpf_map__fd(o->skel->maps.tasks);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		st->tasks_live++;
	}
	bpf_object__for_each_map(map, o->skel->obj)
		if (bpf_map__fd(map) >= 0)
			st->map_bytes += map_memlock(bpf_map__fd(map));
}

void bpf_offcpu__close(struct bpf_offcpu *o)
{
	if (!o)
		return;
	ring_buffer__free(o->rb);
	offcpu_bpf__destroy(o->skel);
	image_order__destroy(&o->order);
	free(o->keys);
	free(o->vals);
	free(o);
}
