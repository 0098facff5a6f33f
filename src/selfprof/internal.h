/* SPDX-License-Identifier: MIT */
/* Private to src/selfprof/: the aggregated raw stacks shared by the sampler and the writer. */
#ifndef SCORCH_SELFPROF_INTERNAL_H
#define SCORCH_SELFPROF_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "../util/hashmap.h"

#define SP_EXPORT __attribute__((visibility("default")))

/*
 * The aggregate is a byte-keyed hash map: each key is one distinct stack as raw addresses,
 * uintptr_t pcs[n] (pcs[0] the interrupted pc, then return addresses outwards; the map's
 * key copies are malloc-aligned), and its value is the number of samples with that stack.
 *
 * Moves every published sample into the aggregate and hands it to fn under the aggregate's
 * lock (fn must not call back into the sampler). Returns fn's result.
 */
int selfprof__with_samples(int (*fn)(const struct hashmap *stacks, void *arg), void *arg);

/*
 * Symbolizes stacks (addresses of this process, whose maps are read now) with the shared
 * symbolizer and writes them rooted at comm into path: an SVG flame graph for "*.svg",
 * folded stacks for any other name. Returns 0 or a negative errno.
 */
int selfprof__write(const struct hashmap *stacks, const char *comm, const char *path);

/* selfprof.c: the pid that started sampling, whether it samples now, and at what rate. */
pid_t selfprof__owner(void);
bool selfprof__active(void);
unsigned selfprof__hz(void);

/* env.c: true when sampling was started from the environment (LD_PRELOAD), so that a forked
 * child samples itself and writes its own file. */
bool selfprof__env_mode(void);

#endif
