/* SPDX-License-Identifier: MIT */
/* Off-CPU backend: blocked and runnable time per stack, wakers and thread-state spans via eBPF. */
#ifndef SCORCH_BPF_OFFCPU_H_USER
#define SCORCH_BPF_OFFCPU_H_USER

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * How it works (src/bpf/offcpu.bpf.c, docs/offcpu.md): at every sched_switch the outgoing
 * task's time, state and stack ids are kept per thread; at its switch-in the interval is added
 * to an in-kernel hash keyed by (tgid, tid, user stack, kernel stack, class, waker). A task
 * that sleeps is "blocked" from its switch-out to its wakeup (sched_waking), then "runnable"
 * until it runs; a task preempted while runnable is "runnable" for the whole interval. Only
 * blocked time is counted unless opts.runnable is set.
 *
 * Blocks that straddle the recording:
 * - At the start: a thread already asleep when the programs attach has no switch-out time,
 *   so that first sleep is not counted (the kernel keeps no record of when it began). It is
 *   counted from its next switch-out on. Its first thread-state span starts at its first
 *   event (its wakeup or switch-in) for the same reason.
 * - At the end: bpf_offcpu__finish() detaches the programs, then flushes every thread still
 *   off the CPU as if it had run at end_ns: the blocked (or runnable) time up to end_ns is
 *   emitted with its stacks, under the same state and min/max filters, and every open span
 *   is closed at end_ns. Nothing in flight is dropped; the flushed count is in the stats.
 *
 * Nothing is dropped silently: every in-kernel failure (full hash, stack-map collision,
 * stack errors, ring buffer full) is counted in bpf_offcpu_stats.counters[].
 */

#include <linux/types.h>

#include "../bpf/offcpu.h"
#include "stack.h" /* struct raw_sample */


/* What an off-CPU sample carries besides the raw sample. */
struct offcpu_tag {
	enum offcpu_class cls;  /* OFFCPU_BLOCKED or OFFCPU_RUNNABLE */
	uint64_t count;         /* intervals aggregated into this sample */
	const char *comm;       /* the blocked thread's comm at its switch-out */
	bool flushed;           /* an interval still open at finish(), cut at end_ns */
	/* The waker (opts.wakers, blocked class only); waker_pid == 0 and no ips when unknown. */
	uint32_t waker_pid, waker_tid;
	const char *waker_comm;
	const uint64_t *wkips;  /* waker's kernel stack, leaf first */
	uint32_t nwkips;
	const uint64_t *wuips;  /* waker's user stack, leaf first */
	uint32_t nwuips;
};

/* One thread-state span, [start_ns, end_ns) on CLOCK_MONOTONIC. */
struct offcpu_thread_span {
	uint32_t pid, tid, cpu;  /* cpu: where the span ended */
	enum offcpu_state state; /* OFFCPU_ST_RUNNING, _RUNNABLE or _BLOCKED */
	uint64_t start_ns, end_ns;
};

/* Both callbacks return 0 to go on or a negative errno to stop the drain with that error. */
typedef int (*bpf_offcpu_sample_fn)(void *ctx, const struct raw_sample *s, const struct offcpu_tag *t);
typedef int (*bpf_offcpu_span_fn)(void *ctx, const struct offcpu_thread_span *sp);

struct bpf_offcpu_opts {
	const pid_t *tgids;        /* processes to profile, followed through fork */
	int ntgids;                /* 0: every task but the idle task */
	bool per_thread;           /* key by tid too (else tid = pid in samples) */
	bool user_stacks;          /* both false means both true */
	bool kernel_stacks;
	/*
	 * kstack_reuse: times in a row a thread that blocks again with the same user stack and
	 * task state takes its last kernel stack instead of a new walk (0: a walk every time).
	 */
	uint8_t kstack_reuse;
	bool runnable;             /* also count runnable-but-waiting time (--on-off) */
	bool wakers;               /* join the waker's stacks to blocked time (--off-wake) */
	bool spans;                /* thread-state spans over the ring buffer */
	uint32_t state_mask;       /* task states that count as blocked; 0: interruptible and
				      uninterruptible (OFFCPU_TASK_* bits) */
	uint64_t min_block_ns;     /* intervals shorter than this are skipped (0: none) */
	uint64_t max_block_ns;     /* intervals longer than this are skipped (0: no bound) */
	uint32_t max_entries;      /* count hash size (each of two), default 10240 */
	uint32_t max_tasks;        /* per-thread state hash, default 16384 */
	uint32_t max_stacks;       /* stack-trace map, default 16384 */
	uint32_t ringbuf_bytes;    /* span ring buffer, power of two, default 4 MiB */
	/*
	 * dwarf: user stacks of processes whose mappings are in the procs map are walked with
	 * CFI (src/bpf/unwind_walk.h), the others by frame pointers. Someone must fill the maps:
	 * a bpf_unwind over bpf_offcpu__unwind_fds(), or the on-CPU BPF backend whose maps are
	 * shared when shards_fd and procs_fd are given (both 0: this object's own).
	 */
	bool dwarf;
	int shards_fd, procs_fd;
	uint32_t max_procs;        /* dwarf, own maps: processes with mapping tables, default 4096 */
	bpf_offcpu_sample_fn on_sample;
	bpf_offcpu_span_fn on_span; /* required when spans is set */
	void *ctx;
};

struct bpf_offcpu_stats {
	uint64_t counters[OC_NR];  /* summed over CPUs; see enum offcpu_counter */
	uint64_t samples;          /* samples handed to on_sample */
	uint64_t spans;            /* spans handed to on_span */
	uint64_t flushed;          /* open intervals and spans closed by finish() */
	uint64_t stacks_missing;   /* stack ids that no longer resolved (emitted without ips) */
	uint64_t tasks_live;       /* entries in the per-thread hash */
	uint64_t map_bytes;        /* kernel memory of all maps (memlock) */
};

struct bpf_offcpu;

/*
 * bpf_offcpu__open - open, configure, load and attach the off-CPU programs.
 * Needs root and /sys/kernel/btf/vmlinux. On failure returns -errno with a one-line reason in
 * err and *out NULL. The caller owns *out and frees it with bpf_offcpu__close().
 */
int bpf_offcpu__open(struct bpf_offcpu **out, const struct bpf_offcpu_opts *opts, char *err,
		     size_t errlen);

/* bpf_offcpu__add_tgid - adds a process to the target set after open (e.g. `-- CMD`). */
int bpf_offcpu__add_tgid(struct bpf_offcpu *o, pid_t tgid);

/*
 * bpf_offcpu__poll - waits up to timeout_ms for spans and hands them to on_span.
 * Returns 0, -EINTR when a signal arrived, or another -errno.
 */
int bpf_offcpu__poll(struct bpf_offcpu *o, int timeout_ms);

/*
 * bpf_offcpu__drain - hands every interval aggregated since the last drain to on_sample
 * (the count hashes are double-buffered, so nothing is lost while draining) and every span
 * waiting in the ring buffer to on_span. Returns 0 or the first callback's or map's -errno.
 * It is take() then give().
 */
int bpf_offcpu__drain(struct bpf_offcpu *o);

/*
 * A drain in step with the process events of the same interval, so that each interval's user
 * stack is named with the maps of the image that ran it (the key's `since`):
 * - bpf_offcpu__take moves the intervals out of the kernel, without handing them on, after
 *   handing the waiting spans to on_span;
 * - bpf_offcpu__image_ends, called before applying a process event at time t that ends pid's
 *   image (a fork reusing pid, an exec), hands on the intervals of pid's older images (and
 *   those whose waker was such an image);
 * - bpf_offcpu__give hands on the rest. take() and give() return 0 or the first -errno.
 */
int bpf_offcpu__take(struct bpf_offcpu *o);
void bpf_offcpu__image_ends(struct bpf_offcpu *o, uint32_t pid, uint64_t t);
int bpf_offcpu__give(struct bpf_offcpu *o);

/*
 * bpf_offcpu__finish - detaches the programs, drains, then flushes every interval and span
 * still open, cut at end_ns (CLOCK_MONOTONIC; 0 = now). After it only stats() and close().
 * The same in steps: stop(), a drain (take, image_ends, give: it then takes from both count
 * hashes), flush(end_ns).
 */
int bpf_offcpu__finish(struct bpf_offcpu *o, uint64_t end_ns);
void bpf_offcpu__stop(struct bpf_offcpu *o);
int bpf_offcpu__flush(struct bpf_offcpu *o, uint64_t end_ns);

/*
 * bpf_offcpu__unwind_fds - with opts.dwarf, the maps a bpf_unwind fills: the row shards, the
 * process mappings, and the target set (-1 when every process is a target). Returns 0, or
 * -ENOENT without dwarf.
 */
int bpf_offcpu__unwind_fds(const struct bpf_offcpu *o, int *shards_fd, int *procs_fd,
			   int *tgids_fd);

/* bpf_offcpu__stats - fills st (reads the counters from the kernel). */
void bpf_offcpu__stats(struct bpf_offcpu *o, struct bpf_offcpu_stats *st);

/* bpf_offcpu__close - detaches and frees; accepts NULL. */
void bpf_offcpu__close(struct bpf_offcpu *o);

/* bpf_offcpu__counter_name - a short name for an enum offcpu_counter value. */
const char *bpf_offcpu__counter_name(int counter);

#endif
