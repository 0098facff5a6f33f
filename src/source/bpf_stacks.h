/* SPDX-License-Identifier: MIT */
/* The BPF sampler's stacks on the user side: drained in batches, kept while they recur. */
#ifndef SCORCH_SOURCE_BPF_STACKS_H
#define SCORCH_SOURCE_BPF_STACKS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../bpf/profile.h"
#include "../bpf/unwind.h"

/*
 * The frames of every stack the sampler stored, by the hash it names them with (struct
 * profile_key's ustack, kstack). A drain empties the stacks hash of the set it drains into
 * this cache with bpf_map_lookup_and_delete_batch; entries no drain referred to lately go
 * once the cache holds more than `limit`, so it stays below about twice what one interval
 * stores.
 */
struct bpf_stacks;

struct bpf_stacks *bpf_stacks__new(uint32_t limit);
/* Accepts NULL. */
void bpf_stacks__free(struct bpf_stacks *c);

/*
 * Moves every stack out of the hash fd (of a map set no CPU writes to now), deleting them
 * there, and adds those not yet known. *bytes grows by what was copied from the kernel.
 * Returns 0 or -errno.
 */
int bpf_stacks__take(struct bpf_stacks *c, int fd, uint64_t *bytes);

/* The frames of stack hash, leaf first: true, or false when unknown (then *n = 0). */
bool bpf_stacks__get(struct bpf_stacks *c, uint64_t hash, const uint64_t **ips, uint32_t *n);

/* Ends a drain: drops, when over the limit, the stacks neither this drain nor the last used. */
void bpf_stacks__drained(struct bpf_stacks *c);

/* Stacks held (for -v and the tests). */
size_t bpf_stacks__count(const struct bpf_stacks *c);

/*
 * --call-graph dwarf: the callers' stacks of one map set's ustacks array (mmapped, nslots
 * buckets), read once per bucket and kept while drains refer to them.
 */
struct bpf_ustacks;

struct bpf_ustacks *bpf_ustacks__new(struct unwind_stack *mem, uint32_t nslots);
/* Accepts NULL; does not unmap mem. */
void bpf_ustacks__free(struct bpf_ustacks *c);
/* The stack of bucket id (a key's uslot): true, or false (none, out of range: *n = 0). */
bool bpf_ustacks__get(struct bpf_ustacks *c, int32_t id, const uint64_t **ips, uint32_t *n,
		      uint64_t *bytes);
/*
 * Ends a drain of the set: frees the buckets of stacks that do not recur. With sweep, also
 * any bucket the drain did not refer to (its count was lost): that reads every bucket, a page
 * fault per four of them the first time, so the caller asks for it when counts were lost (and
 * now and then). No CPU writes to the set meanwhile.
 */
void bpf_ustacks__drained(struct bpf_ustacks *c, bool sweep);
/* Stacks held. */
size_t bpf_ustacks__count(const struct bpf_ustacks *c);

#endif
