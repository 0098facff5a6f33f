// SPDX-License-Identifier: (MIT OR GPL-2.0-only)
/* Kernel side of the BPF sampler: timer samples counted per (task, stacks, CPU) in maps. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "profile.h"
#include "unwind.h"

#define EFAULT 14
#define EEXIST 17
#define ENOMEM 12
#define E2BIG 7

/* Settings, written by user space between open and load (see src/source/bpf.c). */
const volatile __u32 filter = FILTER_NONE;
const volatile bool skip_idle = true;
const volatile bool per_thread = true;
const volatile bool group_by_cpu = false;
const volatile bool want_user = true;
const volatile bool want_kernel = true;
const volatile bool track_forks = false; /* `-- CMD`: children of tracked processes too */

/* The map set samples go to; user space flips it, waits for `inflight`, drains the other. */
volatile __u32 active_set;

/* Tracked processes (FILTER_TGIDS): the targets, plus their descendants when following forks. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* sized by user space */
	__type(key, __u32);
	__type(value, __u8);
} tgids SEC(".maps");

/*
 * tgid -> when its current image began: the time of the fork tracepoint of a process forked
 * while the programs run, or of its latest exec; gone at its exit. Written only in process
 * context, so not preallocated.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* sized by user space */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u64);
} images SEC(".maps");

/* The counts of a map set: one per key, drained in batches. */
struct counts_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* created by user space */
	__uint(key_size, sizeof(struct profile_key));
	__uint(value_size, sizeof(__u64));
};

/*
 * The stacks of a map set, by the hash of their frames. Not a STACK_TRACE map: that one loses a
 * stack whenever two share a bucket, so it had to be kept sparse (64 MiB preallocated at 999 Hz,
 * most of the start-up time), and can only be read one stack per syscall. A hash chains, and
 * user space empties the set it drains in a few batch calls. Preallocated: allocating in the
 * sampling interrupt fails when a burst of new stacks empties the kernel's per-CPU cache.
 */
struct stacks_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* created by user space */
	__uint(key_size, sizeof(__u64));
	__uint(value_size, sizeof(struct profile_stack));
};

/*
 * The two map sets. User space creates each set's maps small (preallocating costs start-up
 * time: 0.4 ms a MiB) and replaces a drained one with a bigger map when it was more than half
 * full; meanwhile it drains early when the active set passes half full (`filled`).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, PROFILE_NSETS);
	__type(key, __u32);
	__array(values, struct counts_map);
} count_sets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, PROFILE_NSETS);
	__type(key, __u32);
	__array(values, struct stacks_map);
} stack_sets SEC(".maps");

/* Entries added to each set's counts and stacks since user space last emptied it. */
volatile __u32 filled_counts[PROFILE_NSETS];
volatile __u32 filled_stacks[PROFILE_NSETS];
/* --call-graph dwarf: buckets of each set's ustacks array taken since its last drain. */
volatile __u32 filled_ustacks[PROFILE_NSETS];

/* The stack being taken on this CPU (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct profile_stack);
} stack_scratch SEC(".maps");

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

/*
 * The current stack (flags: 0 for the kernel's, BPF_F_USER_STACK) stored in the stacks hash:
 * returns its hash, or 0 when there is none (-EFAULT, an empty stack) or it could not be kept
 * (counted).
 */
struct hash_walk {
	struct profile_stack *st;
	__u64 h;
};

/* bpf_loop's body: the verifier checks it once, not once for each of 127 unrolled frames. */
static long hash_frame(__u32 i, void *arg)
{
	struct hash_walk *hw = arg;
	if (i >= PROFILE_MAX_STACK)
		return 1;
	hw->h = (hw->h ^ hw->st->ips[i]) * 0x100000001b3ull;
	return 0;
}

static __always_inline __u64 stack_hash(void *ctx, void *map, __u32 set, __u64 flags)
{
	__u32 zero = 0;
	struct profile_stack *st = bpf_map_lookup_elem(&stack_scratch, &zero);
	if (!st)
		return 0;
	long len = bpf_get_stack(ctx, st->ips, sizeof(st->ips), flags);
	if (len <= 0) {
		if (len < 0 && len != -EFAULT)
			count(PC_STACK_ERROR);
		return 0;
	}
	__u32 n = (__u32)len / 8;
	struct hash_walk hw = { st, 0xcbf29ce484222325ull ^ (flags ? PROFILE_USER_SALT : 0) };
	bpf_loop(n, hash_frame, &hw, 0);
	__u64 h = (hw.h ^ n) * 0x100000001b3ull;
	h |= 1; /* never 0: 0 means no stack */
	if (bpf_map_lookup_elem(map, &h))
		return h;
	st->n = n;
	long err = bpf_map_update_elem(map, &h, st, BPF_NOEXIST);
	if (err == 0)
		__sync_fetch_and_add(&filled_stacks[set & 1], 1);
	if (err == 0 || err == -EEXIST) /* -EEXIST: another CPU stored it meanwhile */
		return h;
	count(err == -E2BIG || err == -ENOMEM ? PC_STACKMAP_FULL : PC_STACK_ERROR);
	return 0;
}

static __always_inline void add(void *counts, __u32 set, struct profile_key *key)
{
	__u64 *v = bpf_map_lookup_elem(counts, key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		count(PC_SAMPLES);
		return;
	}
	__u64 one = 1;
	long err = bpf_map_update_elem(counts, key, &one, BPF_NOEXIST);
	if (err == 0)
		__sync_fetch_and_add(&filled_counts[set & 1], 1);
	if (err == -EEXIST) { /* another CPU inserted the same key meanwhile */
		v = bpf_map_lookup_elem(counts, key);
		if (v)
			__sync_fetch_and_add(v, 1);
		err = v ? 0 : -EEXIST;
	}
	count(err ? PC_HASH_FULL : PC_SAMPLES);
}

static __always_inline void sample(void *ctx, __u32 set, struct profile_key *key, bool kernel)
{
	void *counts = bpf_map_lookup_elem(&count_sets, &set);
	void *stacks = bpf_map_lookup_elem(&stack_sets, &set);
	if (!counts || !stacks) {
		count(PC_STACK_ERROR);
		return;
	}
	key->uslot = -1;
	key->ustack = want_user ? stack_hash(ctx, stacks, set, BPF_F_USER_STACK) : 0;
	key->kstack = kernel && want_kernel ? stack_hash(ctx, stacks, set, 0) : 0;
	add(counts, set, key);
}

/* The sample's key, or false when the sample is not counted (filtered out, idle). */
static __always_inline bool make_key(struct profile_key *key)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	if (filter == FILTER_TGIDS && !bpf_map_lookup_elem(&tgids, &tgid))
		return false;
	if (tid == 0 && skip_idle) {
		count(PC_IDLE);
		return false;
	}
	key->tgid = tgid;
	key->tid = per_thread ? tid : 0;
	key->cpu = group_by_cpu ? bpf_get_smp_processor_id() : 0;
	__u64 *since = bpf_map_lookup_elem(&images, &tgid);
	key->since = since ? *since : 0;
	return true;
}

/* One sample or event of the current task into the active set (kernel: take its kernel stack). */
static __always_inline int take(void *ctx, bool kernel)
{
	struct profile_key key = {};
	if (!make_key(&key))
		return 0;
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&inflight, &zero);
	if (!seq)
		return 0;
	__sync_fetch_and_add(seq, 1);
	sample(ctx, active_set & 1, &key, kernel);
	__sync_fetch_and_add(seq, 1);
	return 0;
}

SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
	return take(ctx, true);
}

/*
 * -e tracepoint:CAT:NAME: attached to the tracepoint's perf event (period 1), so it runs at
 * every occurrence; returning 0 keeps the kernel from writing a perf sample as well. The
 * stacks are the ones perf records for the event: from the tracepoint's caller (or, for the
 * syscalls category, from the user registers only).
 */
SEC("tracepoint")
int on_event(void *ctx)
{
	return take(ctx, true);
}

/*
 * -e tracepoint:syscalls:…: perf records these with the syscall's user registers, so its
 * stacks have no kernel part; this kernel hands BPF the tracing code's registers instead, whose
 * kernel part is only the syscall entry. Dropped, to give the stacks perf gives.
 */
SEC("tracepoint")
int on_syscall_event(void *ctx)
{
	return take(ctx, false);
}

/*
 * -e uprobe:… and uretprobe:…: perf events of the uprobe PMU run kprobe-type programs with the
 * user registers as context. The kernel part would be the breakpoint trap: not taken.
 */
SEC("kprobe")
int on_uprobe(struct pt_regs *ctx)
{
	return take(ctx, false);
}

/* -e kprobe:SYMBOL, where the kernel has the kprobe PMU: the kernel stack is the point. */
SEC("kprobe")
int on_kprobe(struct pt_regs *ctx)
{
	return take(ctx, true);
}

/* ---- --call-graph dwarf: user stacks walked with CFI rows (src/source/bpf_unwind.c) ---- */

/*
 * Each set's user stacks walked here, by hash bucket (struct unwind_stack): the STACK_TRACE
 * maps' role for --call-graph dwarf, read by user space through mmap. Arrays of any power of
 * two (BPF_F_INNER_MAP), replaced by bigger ones as they fill, like the hashes above.
 */
struct ustack_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	__uint(max_entries, 1); /* created by user space */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct unwind_stack));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, PROFILE_NSETS);
	__type(key, __u32);
	__array(values, struct ustack_array);
} ustack_sets SEC(".maps");

/* Bucket mask of each set's ustacks array (its max_entries - 1), set with the array. */
volatile __u32 ustack_mask[PROFILE_NSETS];
/* Buckets tried for a stack, from the one its hash names. */
#define USTACK_PROBES 8

#define UNWIND_MAX_FRAMES PROFILE_MAX_STACK
#define UNWIND_CTR_FP_FRAMES PC_DW_FP_FRAMES
#define UNWIND_CTR_READ_ERROR PC_DW_READ_ERROR
#include "unwind_walk.h"

/*
 * The current task's user stack walked with CFI: the leaf pc into *leaf, the return addresses
 * after it into the ustacks map. Returns their bucket id, or -EFAULT (no such frames: a kernel
 * thread, or a leaf alone), -EEXIST (other stacks hold all its buckets), another -errno.
 */
static __always_inline __s32 dwarf_stack(struct bpf_perf_event_data *ctx, void *ustacks,
					 __u32 set, __u32 tgid, __u64 *leaf)
{
	struct task_struct *task = bpf_get_current_task_btf();
	/* a probe read: a load through the trusted pointer costs the verifier a search of the
	 * kernel's BTF by name wherever it checks the load (2 ms of the program's 9 ms) */
	if (!BPF_CORE_READ(task, mm))
		return -EFAULT;
	/* The context allows only whole 8-byte loads: no narrowing of cs & 3. */
	__u64 cs = *(volatile __u64 *)&ctx->regs.cs, ip, sp, bp;
	if ((cs & 3) == 3) {
		ip = ctx->regs.ip;
		sp = ctx->regs.sp;
		bp = ctx->regs.bp;
	} else { /* in the kernel: the registers saved at entry */
		struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
		if (!regs)
			return -EFAULT;
		ip = BPF_CORE_READ(regs, ip);
		sp = BPF_CORE_READ(regs, sp);
		bp = BPF_CORE_READ(regs, bp);
	}
	if (!bpf_map_lookup_elem(&procs, &tgid))
		count(PC_DW_NO_PROC);
	struct walk_state *st = unwind_walk(tgid, ip, sp, bp);
	if (!st)
		return -EFAULT;
	__u32 n = st->n;
	if (n == 0)
		return -EFAULT;
	*leaf = st->leaf;
	if (st->ip && n >= PROFILE_MAX_STACK)
		count(PC_DW_TRUNCATED);
	count(PC_DW_STACKS);
	if (--n == 0)
		return -EFAULT;
	__u64 hash = (st->hash ^ n) | 1; /* never 0: 0 marks a free slot */
	__u32 first = (__u32)(hash ^ (hash >> 32));
	/* linear probing: the stack's bucket or one of the next few. A bucket user space freed
	 * can make a stack stored twice; both copies are whole. */
	for (__u32 i = 0; i < USTACK_PROBES; i++) {
		__u32 key = (first + i) & ustack_mask[set & 1];
		struct unwind_stack *slot = bpf_map_lookup_elem(ustacks, &key);
		if (!slot) {
			count(PC_STACK_ERROR);
			return -EFAULT;
		}
		__u64 old = __sync_val_compare_and_swap(&slot->hash, 0, hash);
		if (old == hash)
			return (__s32)key; /* written before, here or on another CPU during this set */
		if (old != 0)
			continue;
		slot->n = unwind_copy_pcs(slot->pcs, sizeof(slot->pcs), st, n);
		__sync_fetch_and_add(&filled_ustacks[set & 1], 1);
		return (__s32)key;
	}
	count(PC_USTACK_COLLISION);
	return -EEXIST;
}

static __always_inline void sample_dwarf(struct bpf_perf_event_data *ctx, __u32 set,
					 void *ustacks, struct profile_key *key)
{
	void *counts = bpf_map_lookup_elem(&count_sets, &set);
	void *stacks = bpf_map_lookup_elem(&stack_sets, &set);
	if (!counts || !stacks) {
		count(PC_STACK_ERROR);
		return;
	}
	key->uslot = want_user ? dwarf_stack(ctx, ustacks, set, key->tgid, &key->uleaf) : -1;
	key->kstack = want_kernel ? stack_hash(ctx, stacks, set, 0) : 0;
	add(counts, set, key);
}

SEC("perf_event")
int on_sample_dwarf(struct bpf_perf_event_data *ctx)
{
	struct profile_key key = {};
	if (!make_key(&key))
		return 0;
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&inflight, &zero);
	if (!seq)
		return 0;
	__sync_fetch_and_add(seq, 1);
	__u32 set = active_set & 1;
	void *ustacks = bpf_map_lookup_elem(&ustack_sets, &set);
	if (ustacks)
		sample_dwarf(ctx, set, ustacks, &key);
	else
		count(PC_STACK_ERROR);
	__sync_fetch_and_add(seq, 1);
	return 0;
}

/* A process's image begins now: its samples from here on carry this time. */
static __always_inline void image_begins(__u32 tgid)
{
	__u64 now = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&images, &tgid, &now, BPF_ANY))
		count(PC_IMAGES_FULL);
}

/*
 * A new process: its image begins. With `-- CMD` (track_forks), a child process of a tracked
 * process is tracked too (threads share the tgid); with -p, children are not sampled.
 */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	if (ctgid == ptgid)
		return 0;
	/* -p: children are not sampled; -- CMD: those of tracked processes are */
	if (filter == FILTER_TGIDS && (!track_forks || !bpf_map_lookup_elem(&tgids, &ptgid)))
		return 0;
	image_begins(ctgid);
	if (filter != FILTER_TGIDS)
		return 0;
	__u8 one = 1;
	if (bpf_map_update_elem(&tgids, &ctgid, &one, BPF_ANY))
		count(PC_TRACK_FULL);
	return 0;
}

/* An exec: the process's new image begins (after the kernel's COMM and MMAP records). */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (filter == FILTER_TGIDS && !bpf_map_lookup_elem(&tgids, &tgid))
		return 0;
	image_begins(tgid);
	return 0;
}

/* The last thread of a process exits: forget its tgid (it may be reused). */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	bpf_map_delete_elem(&images, &tgid);
	if (filter == FILTER_TGIDS)
		bpf_map_delete_elem(&tgids, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
