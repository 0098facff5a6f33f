// SPDX-License-Identifier: (MIT OR GPL-2.0-only)
/* Kernel side of the BPF sampler: timer samples counted per (task, stacks, CPU) in maps. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "profile.h"

#define EFAULT 14
#define EEXIST 17
#define ENOMEM 12

/* Settings, written by user space between open and load (see src/source/bpf.c). */
const volatile __u32 filter = FILTER_NONE;
const volatile bool skip_idle = true;
const volatile bool per_thread = true;
const volatile bool group_by_cpu = false;
const volatile bool want_user = true;
const volatile bool want_kernel = true;

/* The map set samples go to; user space flips it, waits for `inflight`, drains the other. */
volatile __u32 active_set;

/* Tracked processes (FILTER_TGIDS): the targets, plus their descendants when following forks. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* sized by user space */
	__type(key, __u32);
	__type(value, __u8);
} tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* sized by user space */
	__type(key, struct profile_key);
	__type(value, __u64);
} counts0 SEC(".maps"), counts1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1); /* sized by user space */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PROFILE_MAX_STACK * sizeof(__u64));
} stacks0 SEC(".maps"), stacks1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PC_NR);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/*
 * Per-CPU sequence: odd while a sample is writing into a map set. The atomic increment is a
 * full barrier, so after user space flips active_set (and fences) every CPU either reads the
 * new set or shows an odd sequence that user space waits out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} inflight SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);
	if (c)
		*c += 1; /* per-CPU, and perf_event programs do not nest on a CPU */
}

/* A stack id, or a negative errno: -EFAULT (no such stack here) is expected, others counted. */
static __always_inline __s32 stack_id(void *ctx, void *map, __u64 flags, __u32 collision)
{
	long id = bpf_get_stackid(ctx, map, flags);
	if (id >= 0 || id == -EFAULT)
		return id;
	if (id == -EEXIST)
		count(collision);
	else if (id == -ENOMEM)
		count(PC_STACKMAP_FULL);
	else
		count(PC_STACK_ERROR);
	return id;
}

static __always_inline void add(void *counts, struct profile_key *key)
{
	__u64 *v = bpf_map_lookup_elem(counts, key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		count(PC_SAMPLES);
		return;
	}
	__u64 one = 1;
	long err = bpf_map_update_elem(counts, key, &one, BPF_NOEXIST);
	if (err == -EEXIST) { /* another CPU inserted the same key meanwhile */
		v = bpf_map_lookup_elem(counts, key);
		if (v)
			__sync_fetch_and_add(v, 1);
		err = v ? 0 : -EEXIST;
	}
	count(err ? PC_HASH_FULL : PC_SAMPLES);
}

static __always_inline void sample(void *ctx, void *counts, void *stacks, struct profile_key *key)
{
	key->ustack = want_user ? stack_id(ctx, stacks, BPF_F_USER_STACK, PC_USTACK_COLLISION) : -1;
	key->kstack = want_kernel ? stack_id(ctx, stacks, 0, PC_KSTACK_COLLISION) : -1;
	add(counts, key);
}

SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	if (filter == FILTER_TGIDS && !bpf_map_lookup_elem(&tgids, &tgid))
		return 0;
	if (tid == 0 && skip_idle) {
		count(PC_IDLE);
		return 0;
	}
	struct profile_key key = {
		.tgid = tgid,
		.tid = per_thread ? tid : 0,
		.cpu = group_by_cpu ? bpf_get_smp_processor_id() : 0,
	};
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&inflight, &zero);
	if (!seq)
		return 0;
	__sync_fetch_and_add(seq, 1);
	if (active_set & 1)
		sample(ctx, &counts1, &stacks1, &key);
	else
		sample(ctx, &counts0, &stacks0, &key);
	__sync_fetch_and_add(seq, 1);
	return 0;
}

/* `-- CMD`: a child process of a tracked process is tracked too (threads share the tgid). */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	if (ctgid == ptgid || !bpf_map_lookup_elem(&tgids, &ptgid))
		return 0;
	__u8 one = 1;
	if (bpf_map_update_elem(&tgids, &ctgid, &one, BPF_ANY))
		count(PC_TRACK_FULL);
	return 0;
}

/* The last thread of a tracked process exits: forget the tgid (it may be reused). */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	if (!bpf_map_lookup_elem(&tgids, &tgid))
		return 0;
	if (BPF_CORE_READ(task, signal, live.counter) == 0)
		bpf_map_delete_elem(&tgids, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
