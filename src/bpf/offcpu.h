/* SPDX-License-Identifier: MIT */
/* What offcpu.bpf.c and src/source/bpf_offcpu.c share: keys, values, spans and counters. */
#ifndef SCORCH_BPF_OFFCPU_H
#define SCORCH_BPF_OFFCPU_H

/* The kernel's default perf_event_max_stack: frames kept per stack, leaf first. */
#define OFFCPU_MAX_STACK 127
#define OFFCPU_COMM_LEN 16

/* Which of the two count hashes the program writes; user space drains the other. */
#define OFFCPU_NSETS 2

/* The kernel's task states (include/linux/sched.h); only these bits are read. */
#define OFFCPU_TASK_RUNNING 0x0000
#define OFFCPU_TASK_INTERRUPTIBLE 0x0001
#define OFFCPU_TASK_UNINTERRUPTIBLE 0x0002
#define OFFCPU_TASK_DEAD 0x0080

/* Why a task was off the CPU. */
enum offcpu_class {
	OFFCPU_BLOCKED = 0,  /* asleep: switch-out until its wakeup (or switch-in, if none seen) */
	OFFCPU_RUNNABLE = 1, /* waiting for a CPU: preempted, or woken and still queued */
};

/* A thread's state in the timeline spans. */
enum offcpu_state {
	OFFCPU_ST_RUNNING = 0,
	OFFCPU_ST_RUNNABLE = 1,
	OFFCPU_ST_BLOCKED = 2,
};

/*
 * One aggregated off-CPU entry. tid is zero unless per-thread; a stack id < 0 means "no such
 * stack" (a kernel thread's user stack, waker stacks when wakeups are not asked for, or an
 * error counted below). w_* name the task that woke this one (zero when unknown).
 */
struct offcpu_key {
	__u32 tgid;
	__u32 tid;
	__s32 ustack;
	__s32 kstack;
	__s32 w_ustack;
	__s32 w_kstack;
	__u32 w_tgid;
	__u32 w_tid;
	__u32 cls; /* enum offcpu_class */
	__u32 pad;
	/* When the image of tgid (w_since: of w_tgid) that owns the user stack began
	 * (CLOCK_MONOTONIC ns, the fork or exec tracepoint's time; 0 when it began before the
	 * programs were attached): tells two images apart within one drain, as in profile.h. */
	__u64 since;
	__u64 w_since;
	/* A user stack walked with CFI (--call-graph dwarf/auto): its key in the dstacks hash,
	 * 0 for none (then ustack, by frame pointers, holds it). */
	__u64 udw;
	__u64 w_udw;
};

/* A value of the dstacks hash: n addresses, leaf first (as a STACK_TRACE map's). */
struct offcpu_dstack {
	__u32 n;
	__u32 pad;
	__u64 ips[OFFCPU_MAX_STACK];
};

struct offcpu_val {
	__u64 total_ns;
	__u64 count;
	char comm[OFFCPU_COMM_LEN];
	char w_comm[OFFCPU_COMM_LEN];
};

/*
 * Per-thread state between events (the `tasks` hash, keyed by tid). out_ns != 0 while the
 * thread is off the CPU with a recorded switch-out; span_ns is the start of its current span.
 */
struct offcpu_task {
	__u64 out_ns;
	__u64 wake_ns;  /* when it was woken after out_ns, or 0 */
	__u64 span_ns;  /* start of the current thread-state span, 0 when unknown */
	__u32 tgid;
	__u32 state;    /* task state at switch-out (kernel bits) */
	__s32 ustack, kstack;
	__s32 w_ustack, w_kstack;
	__u32 w_tgid, w_tid;
	__u32 span_state; /* enum offcpu_state */
	__u8 runnable;  /* preempted (runnable) at switch-out */
	__u8 kreuse;    /* switch-outs left that may reuse kstack (see kstack_reuse) */
	__u8 pad[2];
	char comm[OFFCPU_COMM_LEN];
	char w_comm[OFFCPU_COMM_LEN];
	__u64 since, w_since; /* the images at switch-out and at the wakeup (offcpu_key) */
	__u64 udw, w_udw;     /* CFI-walked user stacks (offcpu_key) */
	/* at the last kernel stack walk (see kstack_reuse): the system call, its first
	 * argument, the task state */
	__u64 knr, karg;
	__u32 kstate;
	__u32 pad2;
};

/* One thread-state span, sent over the ring buffer when it ends. */
struct offcpu_span {
	__u32 tgid;
	__u32 tid;
	__u32 state; /* enum offcpu_state */
	__u32 cpu;
	__u64 start_ns;
	__u64 end_ns;
};

/* Per-CPU counters (a PERCPU_ARRAY indexed by this enum): nothing is dropped silently. */
enum offcpu_counter {
	OC_ENTRIES,          /* off-CPU intervals added to the counts */
	OC_HASH_FULL,        /* intervals lost: the counts hash was full */
	OC_TASKS_FULL,       /* switch-outs lost: the per-thread hash was full */
	OC_USTACK_COLLISION, /* user stack lost: another stack held its bucket (-EEXIST) */
	OC_KSTACK_COLLISION, /* kernel stack lost the same way */
	OC_STACK_ERROR,      /* any other bpf_get_stackid error */
	OC_RINGBUF_FULL,     /* thread-state spans lost: the ring buffer was full */
	OC_TRACK_FULL,       /* a forked child could not be added to the target set */
	OC_FILTERED,         /* intervals outside [min_block_ns, max_block_ns] (not an error) */
	OC_IMAGES_FULL,      /* a fork or exec not noted: the images map was full */
	OC_KSTACK_REUSED,    /* switch-outs that reused the thread's last kernel stack */
	/* dwarf: user stacks of processes with mapping tables walked with CFI */
	OC_DW_STACKS,        /* user stacks walked with CFI */
	OC_DW_FP_FRAMES,     /* frames with no CFI row, walked with frame pointers instead */
	OC_DW_READ_ERROR,    /* a walk ended on an unreadable stack word */
	OC_DW_FULL,          /* a walked stack lost: the dstacks hash was full */
	OC_NR,
};

#endif
