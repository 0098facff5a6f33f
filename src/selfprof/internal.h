/* SPDX-License-Identifier: MIT */
/* Private to src/selfprof/: the aggregated raw stacks shared by the sampler and the writer. */
#ifndef SCORCH_SELFPROF_INTERNAL_H
#define SCORCH_SELFPROF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#define SP_EXPORT __attribute__((visibility("default")))

/* One distinct stack: pcs[0] is the interrupted pc, then return addresses outwards. */
struct sp_stack {
	uint64_t hash;
	uint64_t count;
	uint32_t n;
	uint32_t off; /* into the pc pool */
};

struct sp_agg {
	struct sp_stack *stacks;
	uint32_t nstacks, capstacks;
	uint32_t *index; /* open addressing: stack index + 1, 0 = empty */
	uint32_t capindex;
	uintptr_t *pcs;
	size_t npcs, cappcs;
};

/*
 * Moves every published sample into the aggregate and hands it to fn under the aggregate's
 * lock (fn must not call back into the sampler). Returns fn's result.
 */
int selfprof__with_samples(int (*fn)(const struct sp_agg *agg, void *arg), void *arg);

/* Writes agg as folded stacks rooted at comm into path. Returns 0 or a negative errno. */
int selfprof__write(const struct sp_agg *agg, const char *comm, const char *path);

#endif
