/* SPDX-License-Identifier: MIT */
/* Derived views of one profile column: totals, children by name, functions, threads. */
#ifndef SCORCH_AGGREGATE_H
#define SCORCH_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

/* One function (frame name) over the whole trie. */
struct agg_func {
	uint32_t name;  /* string id */
	uint32_t file;  /* string id or PROFILE_NONE (first frame of that name that has one) */
	uint32_t line;
	uint32_t best;  /* node of that name with the largest total ("jump to the graph") */
	uint64_t self;
	uint64_t total; /* inclusive, recursive re-entries counted once */
};

/* One thread of the timeline, or one per-thread (per-process) root frame without one. */
struct agg_thread {
	uint32_t tid;      /* TID, or PID for comm-PID roots */
	uint32_t comm;     /* string id of the stack's first frame, or PROFILE_NONE */
	uint32_t comm_len; /* bytes of that string naming the command (all of it when 0) */
	uint64_t samples;  /* timeline entries of this thread, or the root's total */
	uint64_t offcpu;   /* those spent in an off-CPU frame */
	uint64_t state_ns[THREAD_NSTATES]; /* time running, runnable, blocked (thread spans) */
};

/* Where the thread rows come from. */
enum agg_threads_from {
	AGG_THREADS_NONE,     /* no per-thread data */
	AGG_THREADS_TIMELINE, /* the profile's timeline (live or recorded with times) */
	AGG_THREADS_TIDS,     /* root frames "comm-PID/TID" (record/collapse --tid) */
	AGG_THREADS_PIDS,     /* root frames "comm-PID" (record/collapse --pid) */
};

/*
 * Everything a viewer reads besides the profile itself. Node-indexed arrays have nnodes
 * entries. The profile must not change while the aggregate is in use (tl points into it).
 */
struct aggregate {
	const struct profile *p;
	int col;
	uint32_t nnodes;
	const uint64_t *total; /* inclusive values of column col */
	uint64_t *own_total;   /* total when the aggregate made it (freed with it), else NULL */
	uint32_t maxdepth;
	struct agg_func *funcs; /* in first-visit order of a by-name depth-first walk */
	uint32_t nfuncs;
	struct agg_thread *threads; /* most samples first, then by tid */
	uint32_t nthreads;
	enum agg_threads_from threads_from;
	const struct timeline_entry *tl; /* the profile's timeline */
	size_t ntl;
	uint64_t t0, t1; /* time range of the timeline (t0 > t1 when it is empty) */
	bool has_offcpu; /* the profile has an off-CPU frame */
	const struct thread_span *spans; /* the profile's thread-state spans */
	size_t nspans;
	bool has_states; /* there are thread-state spans */
};

/*
 * Fills a (replacing nothing: a must be zeroed or freed) from column col of p, and orders
 * the children of every node of p by name (profile__first_child, profile__next_sibling),
 * ties by frame id. Takes O(nodes log children + frames log frames + timeline). Returns 0
 * or -EINVAL for a column p lacks.
 */
int aggregate__build(struct aggregate *a, struct profile *p, int col);
/*
 * The same for a profile that no longer changes: column col of p becomes its totals in
 * place (profile__make_inclusive), so the aggregate of a huge profile takes no second
 * array of them.
 */
int aggregate__build_in_place(struct aggregate *a, struct profile *p, int col);
/* Frees the arrays and zeroes a; accepts a zeroed aggregate. */
void aggregate__free(struct aggregate *a);

#endif
