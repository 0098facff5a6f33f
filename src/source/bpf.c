// SPDX-License-Identifier: MIT
/* The eBPF sampler's user side: load, size and attach profile.bpf.c, drain its maps. */
#define _GNU_SOURCE
#include "bpf.h"
#include "bpf_btf.h"
#include "bpf_internal.h"
#include "bpf_sideband.h"
#include "bpf_stacks.h"
#include "bpf_unwind.h"
#include "image_order.h"
#include "probe.h"
#include "sampler_backend.h"
#include "../bpf/unwind.h"
#include "sysinfo.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../util/hashmap.h"
#include "../util/util.h"

#define DRAIN_INTERVAL_S 2   /* the front drains every second; room for one late drain */
#define MIN_ENTRIES 1024u
#define MAX_COUNTS (1u << 20)
/* Bounds of each stacks hash (1 KiB a stack, preallocated): 4 to 64 MiB per set. */
#define MIN_STACKS (1u << 12)
#define MAX_STACKS (1u << 16)
/* --call-graph dwarf: buckets of each ustacks array (1 KiB each, mmapped). */
#define USTACK_MIN 1024u
#define USTACK_MAX 8192u
/* `-- CMD`: the command's processes alive at once (exits free their slots; a full table is
 * counted and reported). Preallocated: 65,536 slots cost 5 MB and ~15 ms of start-up. */
#define TRACKED_TGIDS 16384u
/* Processes forked or exec'd while sampling and still alive (the images map; entries are
 * allocated as they come, but its bucket array, 16 bytes an entry, at load). */
#define IMAGES_ALL 16384u
/* --call-graph dwarf: processes with mapping tables (8 KiB each, preallocated). */
#define UNWIND_PROCS_TRACKED 512u
#define UNWIND_PROCS_ALL 4096u


static uint64_t clock_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* An override from the environment, or dflt. */
static uint32_t env_entries(const char *name, uint32_t dflt)
{
	const char *s = getenv(name);
	if (!s || !*s)
		return dflt;
	char *end;
	unsigned long v = strtoul(s, &end, 0);
	if (*end || v == 0 || v > (1ul << 28)) {
		util__warn("ignoring %s=%s: not a number of entries in 1..%lu", name, s, 1ul << 28);
		return dflt;
	}
	return (uint32_t)v;
}

int bpf_backend__available(char *why, size_t whylen)
{
	if (geteuid() != 0) {
		snprintf(why, whylen, "the BPF backend needs root");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		int e = errno;
		snprintf(why, whylen, "no kernel BTF (/sys/kernel/btf/vmlinux: %s)", strerror(e));
		return -e;
	}
	return 0;
}

static void size_maps(struct bpf_backend *b)
{
	uint64_t per_drain = (uint64_t)b->opts.freq * (uint64_t)b->ncpus * DRAIN_INTERVAL_S;
	uint64_t counts = per_drain < MIN_ENTRIES ? MIN_ENTRIES : per_drain;
	/* --call-graph dwarf keys carry the leaf pc, so nearly every sample is a key of its own:
	 * room for a drain that comes two intervals late (a loaded machine) as well. */
	if (b->dwarf)
		counts *= 2;
	/* At most two new stacks a sample, and per_drain counts two intervals' samples: room for
	 * every stack of one interval (they chain, never collide), preallocated at 1 KiB each. */
	uint64_t stacks = per_drain < MIN_STACKS ? MIN_STACKS : per_drain;
	b->d.counts_entries = env_entries("SCORCH_BPF_COUNTS_ENTRIES",
					  counts > MAX_COUNTS ? MAX_COUNTS : (uint32_t)counts);
	b->d.stack_entries = env_entries("SCORCH_BPF_STACK_ENTRIES",
					 stacks > MAX_STACKS ? MAX_STACKS : (uint32_t)stacks);
	/* Samples in one step of the poll, which drains early when a set is past half full.
	 * Overridden sizes are fixed. */
	uint64_t per_step = (uint64_t)b->opts.freq * (uint64_t)b->ncpus * BPF_POLL_STEP_MS / 1000;
	for (int i = 0; i < PROFILE_NSETS; i++) {
		b->set[i].counts_n = getenv("SCORCH_BPF_COUNTS_ENTRIES")
					 ? b->d.counts_entries
					 : bpf_sets__start_size(per_step, b->d.counts_entries);
		/* at most two new stacks a sample */
		b->set[i].stacks_n = getenv("SCORCH_BPF_STACK_ENTRIES")
					 ? b->d.stack_entries
					 : bpf_sets__start_size(2 * per_step, b->d.stack_entries);
	}
	struct profile_bpf *s = b->skel;
	uint32_t ntgids = 1;
	if (b->opts.scope == SCOPE_COMMAND)
		ntgids = TRACKED_TGIDS;
	else if (b->opts.scope == SCOPE_PIDS && b->opts.npids > 0)
		ntgids = (uint32_t)b->opts.npids;
	bpf_map__set_max_entries(s->maps.tgids, ntgids);
	bpf_map__set_max_entries(s->maps.images, ntgids > 1 ? ntgids : IMAGES_ALL);
	uint32_t procs = b->opts.scope == SCOPE_ALL || b->opts.scope == SCOPE_CPU
				 ? UNWIND_PROCS_ALL
				 : UNWIND_PROCS_TRACKED;
	procs = env_entries("SCORCH_BPF_UNWIND_PROCS", procs);
	bpf_map__set_max_entries(s->maps.procs, b->dwarf ? procs : 1);
	/* --call-graph dwarf: user stacks go to the ustacks arrays, by hash bucket (probing the
	 * next 7 when it is taken). Callers' stacks recur (the leaf is in the key): the bound, a
	 * bucket per sample of two intervals, keeps them under half full. Each starts at four
	 * times the stacks a poll step can bring (the sampler drains early past a quarter). */
	uint64_t ub = bpf_sets__roundup_pow2(per_drain > (1u << 30) ? (1u << 30) : (uint32_t)per_drain);
	b->uslots = !b->dwarf ? 1 : ub < USTACK_MIN ? USTACK_MIN : ub > USTACK_MAX ? USTACK_MAX : (uint32_t)ub;
	for (int i = 0; i < PROFILE_NSETS; i++)
		b->set[i].uslots = bpf_sets__start_size(per_step, b->uslots);
	if (!b->dwarf)
		bpf_map__set_max_entries(s->maps.shards, 1);
}

static void configure(struct bpf_backend *b)
{
	struct profile_bpf *s = b->skel;
	const struct sampler_opts *o = &b->opts;
	bool tracked = o->scope == SCOPE_PIDS || o->scope == SCOPE_COMMAND;
	s->rodata->filter = tracked ? FILTER_TGIDS : FILTER_NONE;
	s->rodata->skip_idle = o->skip_idle;
	/* The root frame names the thread (its comm), so counts stay per thread. */
	s->rodata->per_thread = b->per_thread;
	s->rodata->group_by_cpu = o->group_by_cpu;
	s->rodata->want_user = o->stacks != STACKS_KERNEL_ONLY;
	s->rodata->want_kernel = o->stacks != STACKS_USER_ONLY;
	s->rodata->track_forks = o->scope == SCOPE_COMMAND;
	bpf_attach__select_programs(b);
}

static int add_targets(struct bpf_backend *b, const struct sampler_opts *o, char *err,
		       size_t errlen)
{
	int fd = bpf_map__fd(b->skel->maps.tgids);
	for (int i = 0; i < o->npids; i++) {
		__u32 tgid = (__u32)o->pids[i];
		__u8 one = 1;
		/* The front checked it exists; one that exited while the programs loaded is
		 * seen as exited by the target watch, not as an error. */
		if (bpf_map_update_elem(fd, &tgid, &one, BPF_ANY) < 0) {
			int e = errno;
			snprintf(err, errlen, "cannot track pid %u: %s", tgid, strerror(e));
			return -e;
		}
	}
	return 0;
}

static void on_unwind_record(void *ctx, const struct perf_event_header *h)
{
	bpf_unwind__record(ctx, h);
}

/*
 * Whose process events the side band records: a command's tree only (it starts held before
 * its exec, single-threaded, so inheritance covers every process and thread it makes), else
 * every process's (-p: its threads that exist already are not covered by inheritance).
 * System-wide, a busy machine's churn costs the reader CPU for records it throws away.
 */
static int sideband_pid(const struct sampler_opts *o)
{
	return o->scope == SCOPE_COMMAND && o->npids == 1 ? o->pids[0] : -1;
}

/*
 * --call-graph dwarf: the side-band rings hand every mmap, exec, fork and exit to the
 * unwinder's tables as they are read, and running targets get their mappings now.
 */
static int open_unwind(struct bpf_backend *b, const struct sampler_opts *o, char *err,
		       size_t errlen)
{
	struct profile_bpf *s = b->skel;
	bool tracked = o->scope == SCOPE_PIDS || o->scope == SCOPE_COMMAND;
	int ret = bpf_unwind__new(&b->unwind, bpf_map__fd(s->maps.shards),
				  bpf_map__fd(s->maps.procs),
				  tracked ? bpf_map__fd(s->maps.tgids) : -1, b->dwarf_auto, err, errlen);
	if (ret)
		return ret;
	if (b->spare_shard >= 0)
		bpf_unwind__adopt_shard(b->unwind, b->spare_shard);
	b->spare_shard = -1;
	/* a process's start read at once; a system-wide agent, fewer wake-ups */
	ret = bpf_sideband__open_hooked(&b->sb, sideband_pid(o), on_unwind_record, b->unwind,
					tracked || !o->agent ? 24 : 0, err, errlen);
	if (ret)
		return ret;
	bpf_sideband__lock(b->sb); /* the reader thread runs already */
	bpf_unwind__start(b->unwind, o);
	bpf_sideband__unlock(b->sb);
	return 0;
}

/*
 * dwarf, fp, or for --call-graph auto: as the perf backend decides it. `-- CMD` and -p decide
 * once from their binaries; -a and -C load the DWARF walker and give tables only to the
 * processes whose binary lacks frame pointers (bpf_unwind's only_without_fp). -e walks
 * frame pointers. CFI tables are built for x86-64 only.
 */
static void pick_call_graph(struct bpf_backend *b, const struct sampler_opts *o)
{
	b->dwarf = o->call_graph == CALL_GRAPH_DWARF && o->stacks != STACKS_KERNEL_ONLY;
	if (o->call_graph != CALL_GRAPH_AUTO || o->stacks == STACKS_KERNEL_ONLY || o->nevents)
		return;
#if defined(__x86_64__)
	if (o->scope == SCOPE_COMMAND || o->scope == SCOPE_PIDS) {
		b->dwarf = sampler__targets_lack_fp(o);
		b->cg_note = b->dwarf ? SAMPLER_AUTO_DWARF_NOTE : SAMPLER_AUTO_FP_NOTE;
	} else {
		b->dwarf = b->dwarf_auto = true;
		b->cg_note = "call graph auto: dwarf for the processes whose binary lacks frame "
			     "pointers, fp for the others";
	}
#endif
}


int bpf_backend__open(struct bpf_backend **out, const struct sampler_opts *o, char *err,
		      size_t errlen)
{
	*out = NULL;
	if ((o->scope == SCOPE_PIDS || o->scope == SCOPE_COMMAND) && o->npids <= 0) {
		snprintf(err, errlen, "no target process to sample");
		return -EINVAL;
	}
	if (o->freq == 0) {
		snprintf(err, errlen, "the sampling frequency must be above 0");
		return -EINVAL;
	}
	bpf_backend__quiet_libbpf();
	struct bpf_backend *b = xcalloc(1, sizeof(*b));
	for (int i = 0; i < PROFILE_NSETS; i++)
		b->set[i].counts_fd = b->set[i].stacks_fd = b->set[i].ustacks_fd = -1;
	b->spare_shard = -1;
	b->opts = *o;
	b->opts.pids = NULL;
	b->opts.cpu_list = NULL;
	b->opts.argv = NULL;
	b->per_thread = true;
	pick_call_graph(b, o);
	b->t0 = clock_mono();
	if (o->scope == SCOPE_CPU && o->ncpu_list > 0) {
		b->ncpus = o->ncpu_list;
		b->cpus = xmalloc(sizeof(*b->cpus) * (size_t)b->ncpus);
		memcpy(b->cpus, o->cpu_list, sizeof(*b->cpus) * (size_t)b->ncpus);
	} else {
		b->ncpus = sysinfo__online_cpus(&b->cpus);
	}
	int ret = libbpf_num_possible_cpus();
	if (ret < 0) {
		snprintf(err, errlen, "cannot count the possible CPUs: %s", strerror(-ret));
		goto out_close;
	}
	b->npossible = ret;
	b->pcpu = xcalloc((size_t)b->npossible, sizeof(*b->pcpu));
	sysinfo__raise_nofile();

	ret = bpf_attach__resolve_probes(b, o, err, errlen);
	if (ret)
		goto out_close;
	char btf_path[64];
	int btf_fd = bpf_btf__open(btf_path, sizeof(btf_path));
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = btf_fd >= 0 ? btf_path : NULL);
	b->skel = profile_bpf__open_opts(&oo);
	if (!b->skel) {
		ret = bpf_backend__load_error(errno, "the BPF sampler", err, errlen);
		if (btf_fd >= 0)
			close(btf_fd);
		goto out_close;
	}
	configure(b);
	size_maps(b);
	if (b->dwarf) { /* the first shard as the template: no 2 MiB template made and dropped */
		b->spare_shard = bpf_unwind__create_shard();
		if (b->spare_shard >= 0)
			bpf_map__set_inner_map_fd(b->skel->maps.shards, b->spare_shard);
	}
	ret = profile_bpf__load(b->skel);
	if (btf_fd >= 0)
		close(btf_fd);
	if (ret) {
		ret = bpf_backend__load_error(-ret, "the BPF sampler", err, errlen);
		goto out_close;
	}
	ret = bpf_sets__create(b, err, errlen);
	if (ret)
		goto out_close;
	ret = add_targets(b, o, err, errlen);
	if (ret)
		goto out_close;
	/* Process events first: a sample must never reach the drain before its process's maps. */
	if (b->dwarf) {
		ret = open_unwind(b, o, err, errlen);
		if (ret)
			goto out_close;
	} else {
		ret = bpf_sideband__open(&b->sb, sideband_pid(o), err, errlen);
		if (ret)
			goto out_close;
	}
	ret = profile_bpf__attach(b->skel); /* the fork and exit tracepoints */
	if (ret) {
		snprintf(err, errlen, "cannot attach the BPF process tracking: %s", strerror(-ret));
		goto out_close;
	}
	ret = bpf_attach__samplers(b, err, errlen);
	if (ret)
		goto out_close;
	b->stacks = bpf_stacks__new(2 * b->d.stack_entries);
	if (o->timeline)
		snprintf(b->note, sizeof(b->note),
			 "the BPF backend counts in the kernel: no per-sample timeline");
	*out = b;
	return 0;

out_close:
	bpf_backend__close(b);
	return ret < 0 ? ret : -EINVAL;
}

int bpf_backend__poll(struct bpf_backend *b, int timeout_ms)
{
	return bpf_sideband__poll(b->sb, timeout_ms);
}


/*
 * Points new samples at the other map set, then waits until no CPU is still writing into the
 * old one: a CPU whose sequence is odd is inside the program and finishes within
 * microseconds. Returns the set to drain.
 */
static uint32_t flip_sets(struct bpf_backend *b)
{
	uint32_t old = __atomic_load_n(&b->skel->bss->active_set, __ATOMIC_RELAXED);
	__atomic_store_n(&b->skel->bss->active_set, old ^ 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	int fd = bpf_map__fd(b->skel->maps.inflight);
	__u32 zero = 0;
	uint64_t *now = xmalloc(sizeof(*now) * (size_t)b->npossible);
	if (bpf_map_lookup_elem(fd, &zero, b->pcpu) == 0) {
		for (int c = 0; c < b->npossible; c++) {
			if (!(b->pcpu[c] & 1))
				continue;
			int tries = 0;
			for (; tries < 10000; tries++) { /* 50 ms at most */
				usleep(5);
				if (bpf_map_lookup_elem(fd, &zero, now) != 0 || now[c] != b->pcpu[c])
					break;
			}
			if (tries == 10000)
				b->d.wait_timeouts++;
		}
	}
	free(now);
	return old;
}

static void grow_kv(struct bpf_backend *b)
{
	b->capkv = b->capkv ? b->capkv * 2 : 4096;
	b->keys = xrealloc(b->keys, sizeof(*b->keys) * b->capkv);
	b->vals = xrealloc(b->vals, sizeof(*b->vals) * b->capkv);
}

/* Every (key, count) of a counts hash, deleted from it, into b->keys / b->vals. */
static int take_counts(struct bpf_backend *b, int fd, size_t *n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	uint64_t in = 0, outb = 0;
	bool first = true;
	*n = 0;
	for (;;) {
		if (b->capkv - *n < 256)
			grow_kv(b);
		__u32 cnt = (__u32)(b->capkv - *n);
		int ret = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &in, &outb,
							  b->keys + *n, b->vals + *n, &cnt, &bo);
		ret = ret < 0 ? -errno : 0;
		*n += cnt;
		if (ret == -ENOENT)
			return 0;
		if (ret == -ENOSPC && cnt == 0) { /* one bucket holds more than the room left */
			grow_kv(b);
			continue;
		}
		if (ret < 0 && first && *n == 0)
			break; /* no batch operations here: walk the keys instead */
		if (ret < 0)
			return ret;
		in = outb;
		first = false;
	}
	/* Fallback: the set is no longer written, so walk, then delete what was read. */
	struct profile_key cur, next;
	bool have = false;
	while (bpf_map_get_next_key(fd, have ? &cur : NULL, &next) == 0) {
		if (*n == b->capkv)
			grow_kv(b);
		if (bpf_map_lookup_elem(fd, &next, &b->vals[*n]) == 0)
			b->keys[(*n)++] = next;
		cur = next;
		have = true;
	}
	for (size_t i = 0; i < *n; i++)
		bpf_map_delete_elem(fd, &b->keys[i]);
	return 0;
}

/*
 * The counters summed over CPUs: one batch lookup of the whole array (this runs at every
 * drain, and a lookup per counter was most of the backend's system calls), or one lookup a
 * counter where batches are missing.
 */
static void read_counters(const struct bpf_backend *b, uint64_t *out)
{
	int fd = bpf_map__fd(b->skel->maps.counters);
	size_t np = (size_t)b->npossible;
	uint64_t *v = xmalloc(sizeof(*v) * np * PC_NR);
	__u32 keys[PC_NR], count = PC_NR, next;
	memset(out, 0, sizeof(*out) * PC_NR);
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	int ret = bpf_map_lookup_batch(fd, NULL, &next, keys, v, &count, &bo);
	if ((ret == 0 || errno == ENOENT) && count == PC_NR) {
		for (__u32 i = 0; i < count; i++)
			for (size_t c = 0; c < np && keys[i] < PC_NR; c++)
				out[keys[i]] += v[i * np + c];
	} else {
		for (__u32 i = 0; i < PC_NR; i++)
			if (bpf_map_lookup_elem(fd, &i, v) == 0)
				for (size_t c = 0; c < np; c++)
					out[i] += v[c];
	}
	free(v);
}

/* One drain: its counts, handed on around the process events of the same interval. */
struct drain_run {
	struct bpf_backend *b;
	uint32_t set;
	bpf_record_fn record;
	bpf_sample_fn sample;
	void *ctx;
	size_t n;
	uint64_t now;		 /* the time samples handed on now carry */
	struct image_order order;
};

/* Count i of the drain to the sample callback, its stacks looked up. */
static void emit(void *ctx, size_t i)
{
	struct drain_run *r = ctx;
	struct bpf_backend *b = r->b;
	const struct profile_key *k = &b->keys[i];
	struct raw_sample rs = {
	    .pid = k->tgid,
	    .tid = b->per_thread ? k->tid : k->tgid,
	    .cpu = b->opts.group_by_cpu ? k->cpu : UINT32_MAX,
	    .time_ns = r->now,
	    .weight = b->vals[i],
	};
	if (k->kstack && !bpf_stacks__get(b->stacks, k->kstack, &rs.kips, &rs.nkips))
		b->d.stacks_missing++;
	if (b->dwarf) {
		const uint64_t *callers;
		uint32_t nc;
		if (k->uslot >= 0 &&
		    !bpf_ustacks__get(b->set[r->set].ucache, k->uslot, &callers, &nc, &b->d.bytes_moved))
			b->d.stacks_missing++;
		/* The leaf pc travels in the key; the stack holds its callers. */
		rs.nuips = 0;
		if (k->uleaf) {
			b->ubuf[rs.nuips++] = k->uleaf;
			for (uint32_t f = 0; k->uslot >= 0 && f < nc && rs.nuips < UNWIND_STACK_SLOTS; f++)
				b->ubuf[rs.nuips++] = callers[f];
		}
		rs.uips = b->ubuf;
	} else if (k->ustack && !bpf_stacks__get(b->stacks, k->ustack, &rs.uips, &rs.nuips)) {
		b->d.stacks_missing++;
	}
	if (r->sample)
		r->sample(r->ctx, &rs);
}

static unsigned key_image(void *ctx, size_t i, struct image_ref out[2])
{
	const struct profile_key *k = &((struct drain_run *)ctx)->b->keys[i];
	out[0] = (struct image_ref){k->tgid, k->since};
	return 1;
}

/* A process event of the drained interval, after the counts it ends. */
static void drain_record(void *ctx, const struct perf_event_header *h)
{
	struct drain_run *r = ctx;
	uint32_t ids[2]; /* FORK: {pid, ppid, ...}; COMM: {pid, tid, ...} */
	if (r->n && h->size >= sizeof(*h) + sizeof(ids)) {
		memcpy(ids, h + 1, sizeof(ids));
		bool ends = (h->type == PERF_RECORD_FORK && ids[0] != ids[1]) ||
			    (h->type == PERF_RECORD_COMM && (h->misc & PERF_RECORD_MISC_COMM_EXEC));
		if (ends) {
			r->now = bpf_sideband__time(h);
			image_order__ends(&r->order, ids[0], r->now);
		}
	}
	if (r->record)
		r->record(r->ctx, h);
}

/*
 * The counts of one interval and the process events up to its end, in order: a count is
 * handed on before the event that ends its process's image (the key's `since` tells), so it
 * is named with the maps and comm of the image that ran it, even when an exec or a reused
 * pid came within the same interval.
 */
int bpf_backend__drain(struct bpf_backend *b, bpf_record_fn record, bpf_sample_fn sample,
		       void *ctx)
{
	uint32_t set = flip_sets(b);
	uint64_t flipped = clock_mono(); /* every drained count is older */
	int cfd = b->set[set].counts_fd;
	int sfd = b->set[set].stacks_fd;
	size_t n;
	int ret = take_counts(b, cfd, &n);
	b->d.bytes_moved += n * (sizeof(*b->keys) + sizeof(*b->vals));
	/* Every stack a drained count names was stored in the same set during the interval. */
	int sret = bpf_stacks__take(b->stacks, sfd, &b->d.bytes_moved);
	ret = ret ? ret : sret;
	read_counters(b, b->d.counters);
	struct drain_run r = {.b = b, .set = set, .record = record, .sample = sample, .ctx = ctx,
			      .n = n};
	image_order__init(&r.order, n, key_image, emit, &r);
	bpf_sideband__drain(b->sb, flipped, drain_record, &r);
	r.now = clock_mono();
	image_order__rest(&r.order);
	image_order__destroy(&r.order);
	bpf_stacks__drained(b->stacks);
	if (b->dwarf) {
		/* Buckets no count refers to come from lost counts (a full map, a failed
		 * drain): swept then, and every 64th drain of the set for anything else. */
		uint64_t lost = b->d.counters[PC_HASH_FULL];
		bool sweep = ret != 0 || lost != b->swept_lost[set] || b->d.drains % 128 >= 126;
		b->swept_lost[set] = lost;
		bpf_ustacks__drained(b->set[set].ucache, sweep);
	}
	bpf_sets__drained(b, (int)set);
	b->d.drains++;
	const uint64_t *c = b->d.counters;
	if (c[PC_STACKMAP_FULL] * 100 > c[PC_SAMPLES] && c[PC_SAMPLES] >= 1000)
		snprintf(b->hint, sizeof(b->hint),
			 "%" PRIu64 " stacks lost in the full stack map; raise "
			 "SCORCH_BPF_STACK_ENTRIES (now %u)",
			 c[PC_STACKMAP_FULL], b->d.stack_entries);
	if (c[PC_USTACK_COLLISION] * 100 > c[PC_SAMPLES] && c[PC_SAMPLES] >= 1000)
		snprintf(b->hint, sizeof(b->hint),
			 "%" PRIu64 " user stacks lost: the buckets of the user stacks array (%u) "
			 "were taken",
			 c[PC_USTACK_COLLISION], b->set[set].uslots);
	if (c[PC_HASH_FULL] * 100 > c[PC_SAMPLES] && c[PC_SAMPLES] >= 1000)
		snprintf(b->hint, sizeof(b->hint),
			 "%" PRIu64 " samples lost in the full counts map; raise "
			 "SCORCH_BPF_COUNTS_ENTRIES (now %u)",
			 c[PC_HASH_FULL], b->d.counts_entries);
	return ret;
}

static bool tracked_empty(const struct bpf_backend *b)
{
	__u32 k;
	return bpf_map_get_next_key(bpf_map__fd(b->skel->maps.tgids), NULL, &k) != 0;
}

int bpf_backend__unwind_fds(const struct bpf_backend *b, int *shards_fd, int *procs_fd)
{
	if (!b->unwind)
		return -ENOENT;
	*shards_fd = bpf_map__fd(b->skel->maps.shards);
	*procs_fd = bpf_map__fd(b->skel->maps.procs);
	return 0;
}

/* What the backend keeps between drains, with the counters as the last drain read them. */
static void snapshot(const struct bpf_backend *b, struct bpf_backend_detail *d)
{
	*d = b->d;
	d->sideband_lost = bpf_sideband__lost(b->sb);
	if (b->unwind) {
		bpf_sideband__lock(b->sb);
		bpf_unwind__stats(b->unwind, &d->unwind);
		bpf_sideband__unlock(b->sb);
	}
	d->stacks_cached = bpf_stacks__count(b->stacks);
	for (int i = 0; i < PROFILE_NSETS; i++)
		d->stacks_cached += bpf_ustacks__count(b->set[i].ucache);
}

void bpf_backend__detail(const struct bpf_backend *b, struct bpf_backend_detail *d)
{
	snapshot(b, d);
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	memset(&info, 0, sizeof(info));
	struct bpf_program *prog = b->dwarf ? b->skel->progs.on_sample_dwarf : b->skel->progs.on_sample;
	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0) {
		d->prog_run_ns = info.run_time_ns;
		d->prog_runs = info.run_cnt;
	}
	read_counters(b, d->counters);
}

void bpf_backend__stats(const struct bpf_backend *b, struct sampler_stats *st)
{
	/* the counters of the last drain: the status is read after every drain, and what it
	 * shows was counted by then */
	struct bpf_backend_detail d;
	snapshot(b, &d);
	memset(st, 0, sizeof(*st));
	st->backend = "bpf";
	st->event = b->event;
	st->samples = d.counters[PC_SAMPLES];
	st->lost = d.counters[PC_HASH_FULL] + d.sideband_lost;
	st->bytes_in = d.bytes_moved + bpf_sideband__bytes(b->sb);
	st->errors = d.counters[PC_USTACK_COLLISION] + d.counters[PC_KSTACK_COLLISION] +
		     d.counters[PC_STACKMAP_FULL] + d.counters[PC_STACK_ERROR] +
		     d.counters[PC_TRACK_FULL] + d.stacks_missing;
	st->elapsed_ns = clock_mono() - b->t0;
	struct rusage ru;
	if (st->elapsed_ns && getrusage(RUSAGE_SELF, &ru) == 0) {
		double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			     (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		st->self_cpu = cpu * 1e11 / (double)st->elapsed_ns;
	}
	st->targets_exited = (b->opts.scope == SCOPE_PIDS || b->opts.scope == SCOPE_COMMAND) &&
			     tracked_empty(b);
	st->note = b->hint[0] ? b->hint : b->note[0] ? b->note : NULL;
	st->info = b->info;
	char *buf = ((struct bpf_backend *)b)->info_buf; /* a cache of the text, not state */
	size_t len = sizeof(b->info_buf), used = 0;
	buf[0] = '\0';
	if (b->info)
		used += (size_t)snprintf(buf, len, "%s", b->info);
	if (b->cg_note && used < len)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "; " : "", b->cg_note);
	if (b->dwarf && used < len) {
		const struct bpf_unwind_stats *u = &d.unwind;
		used += (size_t)snprintf(
		    buf + used, len - used,
		    "%sdwarf: %" PRIu64 " stacks, %" PRIu64 " frames by frame pointers, %" PRIu64
		    " without tables, %" PRIu64 " read errors, %" PRIu64 " truncated; %" PRIu64
		    " files (%" PRIu64 " failed, %" PRIu64 " over the auto budget), %" PRIu64
		    " rows in %u shards, built in %.0f ms (%" PRIu64 " files from the cache)",
		    used ? "; " : "", d.counters[PC_DW_STACKS], d.counters[PC_DW_FP_FRAMES],
		    d.counters[PC_DW_NO_PROC], d.counters[PC_DW_READ_ERROR], d.counters[PC_DW_TRUNCATED],
		    u->files, u->files_failed, u->files_over_budget, u->rows, u->shards,
		    (double)u->build_ns / 1e6, u->files_cached);
	}
	char ubuf[64] = "";
	if (b->dwarf)
		snprintf(ubuf, sizeof(ubuf), ", user stack buckets %u/%u (bound %u)", b->set[0].uslots,
			 b->set[1].uslots, b->uslots);
	if (d.drains && used < len) /* what the backend holds between drains */
		used += (size_t)snprintf(
		    buf + used, len - used,
		    "%sbpf tables: %" PRIu64 " stacks cached (bound %u)%s; each set's stacks hash "
		    "%u/%u entries, counts hash %u/%u%s (bounds %u, %u; %" PRIu64 " grown); %" PRIu64
		    " drains",
		    used ? "; " : "", d.stacks_cached, 2 * d.stack_entries,
		    b->dwarf ? " + user stacks by bucket" : "", b->set[0].stacks_n, b->set[1].stacks_n,
		    b->set[0].counts_n, b->set[1].counts_n, ubuf, d.stack_entries, d.counts_entries,
		    d.set_grown, d.drains);
	if (d.counters[PC_IMAGES_FULL] && used < len)
		used += (size_t)snprintf(buf + used, len - used,
					 "%s%" PRIu64 " forks or execs not noted (images map full): "
					 "their samples may take another image's names",
					 used ? "; " : "", d.counters[PC_IMAGES_FULL]);
	if (used)
		st->info = buf;
	st->freq = b->opts.freq;
}

size_t bpf_backend__collect(struct bpf_backend *b)
{
	return bpf_sideband__collect(b->sb);
}

void bpf_backend__stop(struct bpf_backend *b)
{
	for (int i = 0; b && i < b->nlinks; i++)
		bpf_link__destroy(b->links[i]);
	if (b)
		b->nlinks = 0;
}

void bpf_backend__close(struct bpf_backend *b)
{
	if (!b)
		return;
	for (int i = 0; i < b->nlinks; i++)
		bpf_link__destroy(b->links[i]);
	bpf_sideband__close(b->sb);
	bpf_unwind__free(b->unwind);
	bpf_sets__close(b);
	profile_bpf__destroy(b->skel);
	if (b->spare_shard >= 0)
		close(b->spare_shard);
	free(b->links);
	probe__free(&b->probes);
	free(b->event_names);
	free(b->cpus);
	free(b->pcpu);
	free(b->keys);
	free(b->vals);
	bpf_stacks__free(b->stacks);
	free(b);
}
