// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Off-CPU time, waker stacks and thread-state spans from the scheduler's raw tracepoints. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "offcpu.h"

/* errno values (vmlinux.h has no macros) */
#define E_FAULT 14
#define E_EXIST 17

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/*
 * Settings, written by user space between open and load (see bpf_offcpu.h for meanings).
 * Defaults: every task but the idle task, per thread, blocked time only, no wakers, no spans.
 */
const volatile bool filter_tgids = false;
const volatile bool per_thread = true;
const volatile bool want_user = true;
const volatile bool want_kernel = true;
const volatile bool want_runnable = false;
const volatile bool want_wakers = false;
const volatile bool want_spans = false;
const volatile __u32 state_mask = OFFCPU_TASK_INTERRUPTIBLE | OFFCPU_TASK_UNINTERRUPTIBLE;
const volatile __u64 min_block_ns = 1;
const volatile __u64 max_block_ns = ~0ULL;
/*
 * A thread that blocks again in an interruptible sleep (S) with the same user stack, in the
 * same system call with the same first argument, is taken to be in the same kernel path: its
 * last kernel stack is reused this many times in a row before the kernel's unwinder walks it
 * again (0: walked at every switch-out). The walk is most of a switch-out's cost. Disk waits
 * (D) are always walked: one fdatasync waits in three kernel paths in turn, same key each.
 * Preempted switch-outs (runnable) are always walked: they stop anywhere in the kernel.
 */
const volatile __u8 kstack_reuse = 0;
/* Walk user stacks with CFI where user space loaded a process's mappings (procs). */
const volatile bool want_dwarf = false;

/* Which count hash is written; user space flips it before draining the other one. */
__u32 active_set = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct offcpu_task);
} tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} tgids SEC(".maps");

/*
 * tgid -> when its current image began (the fork tracepoint's time for a process forked while
 * the programs run, or its latest exec's); gone at its exit. Written only in process context.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u64);
} images SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct offcpu_key);
	__type(value, struct offcpu_val);
} counts0 SEC(".maps"), counts1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, OFFCPU_MAX_STACK * sizeof(__u64));
} stacks SEC(".maps");

/*
 * User stacks walked with CFI, by the hash of their frames; sized by user space (1: no dwarf).
 * Not preallocated: a KiB an entry, and most runs see a few hundred stacks (the scheduler's
 * tracepoint is not NMI context: the allocator serves it).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct offcpu_dstack);
} dstacks SEC(".maps");

/* The walked stack being stored on this CPU (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct offcpu_dstack);
} dstack_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} spans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OC_NR);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &which);

	if (v)
		(*v)++;
}

/* When tgid's current image began, 0 if before the programs were attached. */
static __always_inline __u64 image_since(__u32 tgid)
{
	__u64 *since = bpf_map_lookup_elem(&images, &tgid);

	return since ? *since : 0;
}

#define UNWIND_MAX_FRAMES OFFCPU_MAX_STACK
#define UNWIND_CTR_FP_FRAMES OC_DW_FP_FRAMES
#define UNWIND_CTR_READ_ERROR OC_DW_READ_ERROR
#include "unwind_walk.h"

/*
 * The current task's user stack walked with CFI when its process has mapping tables: the key
 * of the stored stack in dstacks, or 0 (no tables: the caller takes frame pointers; no user
 * stack; the hash full, counted).
 */
static __always_inline __u64 dwarf_stack(__u32 tgid)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs;
	struct walk_state *st;
	struct offcpu_dstack *d;
	__u32 zero = 0, n;
	__u64 h;
	long err;

	/* BPF_CORE_READ, not task->mm: see profile.bpf.c's dwarf_stack */
	if (!want_dwarf || !BPF_CORE_READ(task, mm) || !bpf_map_lookup_elem(&procs, &tgid))
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(task); /* the user registers saved at entry */
	if (!regs)
		return 0;
	st = unwind_walk(tgid, BPF_CORE_READ(regs, ip), BPF_CORE_READ(regs, sp),
			 BPF_CORE_READ(regs, bp));
	d = bpf_map_lookup_elem(&dstack_scratch, &zero);
	if (!st || !d || st->n == 0)
		return 0;
	count(OC_DW_STACKS);
	n = st->n;
	h = (st->hash ^ st->leaf ^ n) * 0x100000001b3ull;
	h |= 1; /* never 0: 0 means no stack */
	if (bpf_map_lookup_elem(&dstacks, &h))
		return h;
	d->n = n;
	d->ips[0] = st->leaf;
	unwind_copy_pcs(&d->ips[1], sizeof(d->ips) - sizeof(d->ips[0]), st, n - 1);
	err = bpf_map_update_elem(&dstacks, &h, d, BPF_NOEXIST);
	if (err == 0 || err == -E_EXIST)
		return h;
	count(OC_DW_FULL);
	return 0;
}

static __always_inline bool wanted(__u32 tgid)
{
	if (tgid == 0) /* the idle task */
		return false;
	return !filter_tgids || bpf_map_lookup_elem(&tgids, &tgid);
}

/*
 * A stack id of current's kernel or user stack, or -1 (with the failure counted). Kernel
 * stacks skip this program's frame and bpf_trace_runN, so they start at the tracepoint's
 * caller (__schedule, try_to_wake_up).
 */
static __always_inline __s32 stack_id(void *ctx, bool user)
{
	long id = bpf_get_stackid(ctx, &stacks, user ? BPF_F_USER_STACK : 2 /* frames to skip */);

	if (id >= 0)
		return id;
	if (id == -E_EXIST)
		count(user ? OC_USTACK_COLLISION : OC_KSTACK_COLLISION);
	else if (!(user && id == -E_FAULT)) /* EFAULT: no user stack (kernel thread, exiting) */
		count(OC_STACK_ERROR);
	return -1;
}

/* Sends one finished span; wakes the reader only when the buffer is getting full. */
static __always_inline void emit_span(__u32 tgid, __u32 tid, __u32 state, __u64 start, __u64 end)
{
	struct offcpu_span *s;
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (!want_spans || !start || end < start)
		return;
	s = bpf_ringbuf_reserve(&spans, sizeof(*s), 0);
	if (!s) {
		count(OC_RINGBUF_FULL);
		return;
	}
	s->tgid = tgid;
	s->tid = tid;
	s->state = state;
	s->cpu = bpf_get_smp_processor_id();
	s->start_ns = start;
	s->end_ns = end;
	if (bpf_ringbuf_query(&spans, BPF_RB_AVAIL_DATA) > (1 << 20))
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(s, flags);
}

/* Adds one off-CPU interval of thread t (tid) to the active count hash. */
static __always_inline void add_interval(struct offcpu_task *t, __u32 tid, __u32 cls, __u64 delta,
					 bool with_waker)
{
	struct offcpu_key key = {};
	struct offcpu_val *v, zero = {};
	void *map = active_set ? (void *)&counts1 : (void *)&counts0;

	if (delta < min_block_ns || delta > max_block_ns) {
		count(OC_FILTERED);
		return;
	}
	key.tgid = t->tgid;
	key.tid = per_thread ? tid : 0;
	key.ustack = t->ustack;
	key.kstack = t->kstack;
	key.cls = cls;
	key.since = t->since;
	key.udw = t->udw;
	key.w_ustack = -1;
	key.w_kstack = -1;
	if (with_waker) {
		key.w_ustack = t->w_ustack;
		key.w_kstack = t->w_kstack;
		key.w_tgid = t->w_tgid;
		key.w_tid = per_thread ? t->w_tid : 0;
		key.w_since = t->w_since;
		key.w_udw = t->w_udw;
	}
	v = bpf_map_lookup_elem(map, &key);
	if (!v) {
		__builtin_memcpy(zero.comm, t->comm, sizeof(zero.comm));
		if (with_waker)
			__builtin_memcpy(zero.w_comm, t->w_comm, sizeof(zero.w_comm));
		if (bpf_map_update_elem(map, &key, &zero, BPF_NOEXIST) && bpf_map_lookup_elem(map, &key) == NULL) {
			count(OC_HASH_FULL);
			return;
		}
		v = bpf_map_lookup_elem(map, &key);
		if (!v) {
			count(OC_HASH_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&v->total_ns, delta);
	__sync_fetch_and_add(&v->count, 1);
	count(OC_ENTRIES);
}

static __always_inline struct offcpu_task *task_get(__u32 tid, __u32 tgid)
{
	struct offcpu_task *t = bpf_map_lookup_elem(&tasks, &tid), zero = {};

	if (t)
		return t;
	zero.tgid = tgid;
	zero.ustack = zero.kstack = zero.w_ustack = zero.w_kstack = -1;
	if (bpf_map_update_elem(&tasks, &tid, &zero, BPF_NOEXIST) && bpf_map_lookup_elem(&tasks, &tid) == NULL) {
		count(OC_TASKS_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&tasks, &tid);
}

static __always_inline void switch_out(void *ctx, struct task_struct *prev, __u32 tid, __u32 tgid,
				       bool preempt, __u32 prev_state, __u64 now)
{
	struct offcpu_task *t;
	bool runnable = preempt || prev_state == OFFCPU_TASK_RUNNING;
	__s32 ustack;
	__u64 udw, since;

	if (prev_state & OFFCPU_TASK_DEAD) { /* its last switch: close the span, forget it */
		t = bpf_map_lookup_elem(&tasks, &tid);
		if (t) {
			emit_span(tgid, tid, t->span_state, t->span_ns, now);
			bpf_map_delete_elem(&tasks, &tid);
		}
		return;
	}
	t = task_get(tid, tgid);
	if (!t)
		return;
	emit_span(tgid, tid, t->span_state, t->span_ns, now);
	t->span_state = runnable ? OFFCPU_ST_RUNNABLE : OFFCPU_ST_BLOCKED;
	t->span_ns = now;
	t->wake_ns = 0;
	t->w_ustack = t->w_kstack = -1;
	t->w_udw = 0;
	t->w_tgid = t->w_tid = 0;
	t->runnable = runnable;
	t->state = prev_state;
	t->tgid = tgid;
	t->out_ns = 0;
	if (runnable ? !want_runnable : !(prev_state & state_mask))
		return;
	udw = want_user ? dwarf_stack(tgid) : 0;
	ustack = want_user && !udw && BPF_CORE_READ(prev, mm) ? stack_id(ctx, true) : -1;
	since = ustack >= 0 || udw ? image_since(tgid) : 0;
	if (want_kernel) {
		/* the system call and its first argument (a file descriptor, a futex's address)
		 * as the user registers saved at kernel entry hold them (-1: not in one) */
		struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
		__u64 nr = regs ? BPF_CORE_READ(regs, orig_ax) : 0;
		__u64 arg = regs ? BPF_CORE_READ(regs, di) : 0;

		if (t->kreuse && t->kstack >= 0 && (prev_state & OFFCPU_TASK_INTERRUPTIBLE) &&
		    !(prev_state & OFFCPU_TASK_UNINTERRUPTIBLE) && (ustack >= 0 || udw) && ustack == t->ustack &&
		    udw == t->udw && since == t->since && prev_state == t->kstate && nr == t->knr &&
		    arg == t->karg) {
			t->kreuse--;
			count(OC_KSTACK_REUSED);
		} else {
			t->kstack = stack_id(ctx, false);
			t->kreuse = kstack_reuse;
			t->kstate = prev_state;
			t->knr = nr;
			t->karg = arg;
		}
	}
	t->udw = udw;
	t->ustack = ustack;
	t->since = since;
	bpf_get_current_comm(t->comm, sizeof(t->comm));
	t->out_ns = now;
}

static __always_inline void switch_in(__u32 tid, __u32 tgid, __u64 now)
{
	struct offcpu_task *t = want_spans ? task_get(tid, tgid) : bpf_map_lookup_elem(&tasks, &tid);
	__u64 out;

	if (!t)
		return;
	emit_span(tgid, tid, t->span_state, t->span_ns, now);
	t->span_state = OFFCPU_ST_RUNNING;
	t->span_ns = now;
	out = t->out_ns;
	if (!out)
		return;
	t->out_ns = 0;
	if (now <= out)
		return;
	if (t->runnable) {
		add_interval(t, tid, OFFCPU_RUNNABLE, now - out, false);
	} else if (t->wake_ns > out && t->wake_ns <= now) {
		add_interval(t, tid, OFFCPU_BLOCKED, t->wake_ns - out, want_wakers);
		if (want_runnable && now > t->wake_ns)
			add_interval(t, tid, OFFCPU_RUNNABLE, now - t->wake_ns, false);
	} else {
		add_interval(t, tid, OFFCPU_BLOCKED, now - out, false);
	}
}

SEC("raw_tp/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 prev_tgid = BPF_CORE_READ(prev, tgid), next_tgid = BPF_CORE_READ(next, tgid);

	if (wanted(prev_tgid))
		switch_out(ctx, prev, BPF_CORE_READ(prev, pid), prev_tgid, preempt, prev_state, now);
	if (wanted(next_tgid))
		switch_in(BPF_CORE_READ(next, pid), next_tgid, now);
	return 0;
}

/* sched_waking runs in the waker's context (sched_wakeup may run on the wakee's CPU). */
SEC("raw_tp/sched_waking")
int BPF_PROG(on_waking, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid), tid = BPF_CORE_READ(p, pid);
	struct offcpu_task *t;
	__u64 now, id;

	if (!wanted(tgid))
		return 0;
	t = bpf_map_lookup_elem(&tasks, &tid);
	if (!t || t->span_state != OFFCPU_ST_BLOCKED)
		return 0;
	now = bpf_ktime_get_ns();
	emit_span(tgid, tid, OFFCPU_ST_BLOCKED, t->span_ns, now);
	t->span_state = OFFCPU_ST_RUNNABLE;
	t->span_ns = now;
	if (!t->out_ns || t->wake_ns)
		return 0;
	t->wake_ns = now;
	if (!want_wakers)
		return 0;
	id = bpf_get_current_pid_tgid();
	t->w_tgid = id >> 32;
	t->w_tid = (__u32)id;
	bpf_get_current_comm(t->w_comm, sizeof(t->w_comm));
	t->w_kstack = want_kernel ? stack_id(ctx, false) : -1;
	t->w_udw = want_user && t->w_tgid ? dwarf_stack(t->w_tgid) : 0;
	t->w_ustack = want_user && t->w_tgid && !t->w_udw ? stack_id(ctx, true) : -1;
	t->w_since = t->w_ustack >= 0 || t->w_udw ? image_since(t->w_tgid) : 0;
	return 0;
}

/* A new task's first span (runnable) starts here, in its parent's context. */
SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(on_wakeup_new, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid), tid = BPF_CORE_READ(p, pid);
	struct offcpu_task *t;

	if (!want_spans || !wanted(tgid))
		return 0;
	t = task_get(tid, tgid);
	if (!t)
		return 0;
	t->span_state = OFFCPU_ST_RUNNABLE;
	t->span_ns = bpf_ktime_get_ns();
	return 0;
}

/* A process's image begins now: its stacks from here on carry this time. */
static __always_inline void image_begins(__u32 tgid)
{
	__u64 now = bpf_ktime_get_ns();

	if (bpf_map_update_elem(&images, &tgid, &now, BPF_ANY))
		count(OC_IMAGES_FULL);
}

/* A new process: its image begins; a child of a target process is a target. */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;

	if (ptgid == ctgid || (filter_tgids && !bpf_map_lookup_elem(&tgids, &ptgid)))
		return 0;
	image_begins(ctgid);
	if (filter_tgids && bpf_map_update_elem(&tgids, &ctgid, &one, BPF_ANY))
		count(OC_TRACK_FULL);
	return 0;
}

/* An exec: the process's new image begins (after the kernel's COMM and MMAP records). */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (wanted(tgid))
		image_begins(tgid);
	return 0;
}

/* The last thread of a process exits: forget its image (the tgid may be reused). */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);

	if (BPF_CORE_READ(task, signal, live.counter) == 0)
		bpf_map_delete_elem(&images, &tgid);
	return 0;
}
