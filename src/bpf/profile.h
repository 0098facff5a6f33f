/* SPDX-License-Identifier: MIT */
/* What profile.bpf.c and src/source/bpf.c share: the count key, counters and limits. */
#ifndef SCORCH_BPF_PROFILE_H
#define SCORCH_BPF_PROFILE_H

/* The kernel's default perf_event_max_stack: frames kept per stack, leaf first. */
#define PROFILE_MAX_STACK 127

/* Which of the two map sets (counts + stacks) the program writes; user space drains the other. */
#define PROFILE_NSETS 2

/*
 * One aggregated count. Fields the settings leave out are zero (tid unless per-thread, cpu
 * unless grouping by CPU). A stack is named by the 64-bit hash of its frames, its key in the
 * stacks hash of the same map set; 0 means "no such stack" (not asked for, a kernel thread's
 * user stack, a user-mode sample's kernel stack, or an error counted below).
 */
struct profile_key {
	__u32 tgid;
	__u32 tid;
	__u32 cpu;
	/* --call-graph dwarf: the ustacks bucket holding the callers of uleaf, or -1 */
	__s32 uslot;
	__u64 ustack; /* frame pointers: the user stack's hash */
	__u64 kstack; /* the kernel stack's hash */
	/* --call-graph dwarf: the user stack's first pc, kept out of the stack (which then holds
	 * only return addresses) so that stacks recur however many pcs a hot function has; 0
	 * otherwise. */
	__u64 uleaf;
	/* When the process's image began (CLOCK_MONOTONIC ns, the fork or exec tracepoint's
	 * time; 0 when it began before the programs were attached): tells the samples of two
	 * images apart, before and after an exec or a reused pid, within one drain. */
	__u64 since;
};

/* A value of the stacks hashes: n addresses, leaf first. */
struct profile_stack {
	__u32 n;
	__u32 pad;
	__u64 ips[PROFILE_MAX_STACK];
};

/* Mixed into a user stack's hash, so that user and kernel stacks share one map. */
#define PROFILE_USER_SALT 0x9e3779b97f4a7c15ull

/* Per-CPU counters (a PERCPU_ARRAY indexed by this enum): nothing is dropped silently. */
enum profile_counter {
	PC_SAMPLES,           /* samples that passed the filters and were counted */
	PC_HASH_FULL,         /* samples lost: the counts hash was full */
	PC_USTACK_COLLISION,  /* --call-graph dwarf: a user stack lost, another held its bucket */
	PC_KSTACK_COLLISION,  /* unused: kernel stacks no longer collide (hashed, not bucketed) */
	PC_STACKMAP_FULL,     /* a stack lost: the stacks hash was full (-E2BIG, -ENOMEM) */
	PC_STACK_ERROR,       /* any other bpf_get_stackid error */
	PC_IDLE,              /* samples of the idle task, skipped */
	PC_TRACK_FULL,        /* a forked child could not be added to the pid set */
	/* --call-graph dwarf (on_sample_dwarf) */
	PC_DW_STACKS,         /* user stacks walked with CFI */
	PC_DW_NO_PROC,        /* samples of a process without mapping tables: frame pointers only */
	PC_DW_FP_FRAMES,      /* frames with no CFI row (no mapping, no table, a gap, an expression)
				 that were walked with frame pointers instead */
	PC_DW_READ_ERROR,     /* a walk ended on an unreadable stack word */
	PC_DW_TRUNCATED,      /* a walk stopped at PROFILE_MAX_STACK frames */
	PC_IMAGES_FULL,       /* a fork or exec not noted: the images map was full */
	PC_NR,
};

/* How the perf_event program picks the samples it counts. */
enum profile_filter {
	FILTER_NONE = 0, /* every task on the CPUs the events were opened on */
	FILTER_TGIDS = 1, /* only tgids present in the `tgids` map */
};

#endif
