/* SPDX-License-Identifier: MIT */
/* The one stack builder: raw samples and process events from any backend into profile stacks. */
#ifndef SCORCH_STACK_H
#define SCORCH_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include "../model/profile.h"
#include "../symbol/symbolizer.h"
#include "sampler.h"

/*
 * One sample as a backend saw it, before symbolization. The arrays are leaf first and are
 * only read during stack_builder__sample. In each array the first address is the exact PC
 * and the others are return addresses (the builder looks up addr - 1 for those, so that they
 * land on the calling line). Either array may be empty.
 */
struct raw_sample {
	uint32_t pid, tid, cpu;
	uint64_t time_ns;     /* CLOCK_MONOTONIC (perf's clockid, bpf_ktime_get_ns) */
	const uint64_t *kips; /* kernel addresses */
	uint32_t nkips;
	const uint64_t *uips; /* user addresses of pid */
	uint32_t nuips;
	bool truncated;  /* the user stack goes on beyond uips: a [truncated] frame above them */
	uint64_t weight; /* samples this stands for (an in-kernel count); 0 counts as 1 */
	const uint32_t *above; /* frame ids of the profile added above the leaf, outermost
				  first (off-CPU marks, a waker's stack); may be empty */
	uint32_t nabove;
};

struct stack_builder;

/*
 * Creates a builder. It copies what it needs from opts (root, group_by_cpu, skip_idle,
 * inlines, srcline, timeline) and borrows sym, which must outlive it. The builder owns:
 * per-pid state (maps known to sym, exec generation), per-thread comm names, the root-frame
 * rules and a cache of (pid, address) -> frame ids. Free with stack_builder__free.
 */
struct stack_builder *stack_builder__new(const struct sampler_opts *opts, struct symbolizer *sym);
/* Accepts NULL. */
void stack_builder__free(struct stack_builder *b);

/* Every later sample's weight is multiplied by mult (e.g. ns per sample); 1 by default. */
void stack_builder__set_weight_scale(struct stack_builder *b, uint64_t mult);

/*
 * Appends to *ids (grown with xrealloc, *cap its capacity) the frame ids of p for one more
 * stack of pid/tid, leaf first: the kernel addresses, the user addresses, then the root frame
 * (comm, as samples are named). For stacks drawn upside down above another (a waker's, as
 * offwaketime shows it). Returns the new count, starting from n.
 */
size_t stack_builder__frames(struct stack_builder *b, struct profile *p, uint32_t pid, uint32_t tid,
			     const uint64_t *kips, uint32_t nkips, const uint64_t *uips,
			     uint32_t nuips, uint32_t **ids, size_t *cap, size_t n);

/* Timeline times are time_ns - t0_ns (CLOCK_MONOTONIC at the start of sampling). */
void stack_builder__set_origin(struct stack_builder *b, uint64_t t0_ns);

/*
 * Declares that pid is about to exec a new image whose maps will all arrive as mmap events
 * (the held command of `-- CMD`): nothing is read from /proc for it.
 */
void stack_builder__new_image(struct stack_builder *b, uint32_t pid);

/*
 * Reads pid's maps from /proc now (an existing process, while it still lives). Processes
 * first seen later are read on their first sample or mmap. Returns 0 or -ESRCH.
 */
int stack_builder__add_pid(struct stack_builder *b, uint32_t pid);

/*
 * Adds one sample to p, column 0, as root frame, optional "[cpu N]", then the frames
 * outermost first; with opts.timeline also a timeline entry. Returns false when the sample
 * was dropped (the idle task with opts.skip_idle), true when it was added.
 * Keep passing the same profile: the address cache holds its frame ids (another profile
 * flushes the cache).
 */
bool stack_builder__sample(struct stack_builder *b, struct profile *p, const struct raw_sample *s);

/*
 * Process events, in time order with the samples. comm: tid of pid is now called comm (at
 * most 15 bytes are kept); exec says the process image changed (its old maps are forgotten,
 * the new ones come as mmap events). fork: pid/tid was created by ppid/ptid (a thread when
 * pid == ppid). exit: tid of pid ended (its state stays until stack_builder__drained says
 * its samples are all resolved).
 * mmap: a new file mapping of pid at [start, start+len) from file offset pgoff.
 */
void stack_builder__comm(struct stack_builder *b, uint32_t pid, uint32_t tid, const char *comm,
			 bool exec);
void stack_builder__fork(struct stack_builder *b, uint32_t ppid, uint32_t ptid, uint32_t pid,
			 uint32_t tid);
void stack_builder__exit(struct stack_builder *b, uint32_t pid, uint32_t tid);
void stack_builder__mmap(struct stack_builder *b, uint32_t pid, uint64_t start, uint64_t len,
			 uint64_t pgoff, const char *path);

/*
 * Told by the record decoders just before a process event that ends pid's image at time t
 * (CLOCK_MONOTONIC): a fork that reuses pid, or an exec. A backend that counts in the kernel
 * hands on the counts of the old image in fn, while its maps and comm are still known. fn
 * NULL (the default): nothing is told.
 */
typedef void (*stack_image_end_fn)(void *ctx, uint32_t pid, uint64_t t);
void stack_builder__set_image_hook(struct stack_builder *b, stack_image_end_fn fn, void *ctx);
void stack_builder__image_ends(struct stack_builder *b, uint32_t pid, uint64_t t);

/*
 * Ends one drain of the backend (every record and sample it had so far was passed in).
 * Processes and threads that exited in the drain before this one are forgotten now (their
 * samples are all resolved), so memory stays bounded however many short processes run.
 * Accepts NULL.
 */
void stack_builder__drained(struct stack_builder *b);

/* What the builder holds now (for -v and the tests): live pids and threads, cached
 * addresses, exits waiting to be reaped, processes reaped so far. */
struct stack_tables {
	uint64_t pids, threads, cached_addrs, pending_exits, reaped;
};
/* Accepts NULL (all zero). */
void stack_builder__tables(const struct stack_builder *b, struct stack_tables *t);

/*
 * Sample frames the symbolizer could not name so far, counted once per occurrence in a
 * sample, by cause (enum sym_why; counts[SYM_OK] is 0), in the profile's unit: each frame
 * counts its sample's weight (samples, or ns under a weight scale).
 */
/* Accepts NULL (all zero). */
void stack_builder__unresolved(const struct stack_builder *b, uint64_t counts[SYM_WHY_COUNT]);
/*
 * Writes "12 no mapping, 3 no symbol" (the non-zero causes of counts) into buf; with ns (the
 * counts are the nanoseconds of an off-CPU or wall-clock profile) "1.5 ms no mapping, ...".
 * Returns how many causes it named: 0 when every frame was resolved (buf is then "").
 */
int stack__unresolved_text(const uint64_t counts[SYM_WHY_COUNT], bool ns, char *buf,
			   size_t size);

#endif
