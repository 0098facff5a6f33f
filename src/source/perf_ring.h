/* SPDX-License-Identifier: MIT */
/* Private to src/source: perf mmap rings read into one batch, handed on in time order. */
#ifndef SCORCH_SOURCE_PERF_RING_H
#define SCORCH_SOURCE_PERF_RING_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/util.h"

/* One CPU's ring: fd, the mapping (a header page, then mask + 1 bytes of data). */
struct perf_ring {
	int fd;
	void *base;
	size_t mask;
	bool hup; /* the perf backend: its task exited; drained, no longer polled */
};

struct rec_ref {
	uint64_t time;
	uint64_t seq;
	size_t off;
};

/* Records copied out of the rings of one drain, with their times. Zero-initialized is empty. */
struct rec_batch {
	struct strbuf buf;
	struct rec_ref *refs;
	size_t nrefs, caprefs;
	uint64_t seq; /* ties in time keep the order of reading */
	struct strbuf spare; /* where the records kept for the next replay are gathered */
	uint64_t bytes; /* record bytes read out of the rings, in all */
};

/* A record's time (0 when it has none), and a visitor of records. */
typedef uint64_t (*rec_time_fn)(const struct perf_event_header *h);
typedef void (*rec_fn)(void *ctx, const struct perf_event_header *h);

/*
 * Copies every complete record of r (whose header page is page bytes) into b and frees their
 * room in the ring; seen, when not NULL, is called on each copy as it is made.
 */
void rec_batch__read(struct rec_batch *b, struct perf_ring *r, size_t page, rec_time_fn time,
		     rec_fn seen, void *ctx);

/*
 * Hands every record read since the last call to fn (when not NULL) in time order (rings of
 * different CPUs interleave; forks and execs must come before their samples), then empties b.
 */
void rec_batch__replay(struct rec_batch *b, rec_fn fn, void *ctx);
/*
 * The same for the records of time <= until only (records without a time count as 0); the
 * later ones stay in b for the next call. A drain that stops at the time it began never
 * hands on a record written on one CPU before a record of another CPU it has not read yet.
 */
void rec_batch__replay_until(struct rec_batch *b, uint64_t until, rec_fn fn, void *ctx);

void rec_batch__free(struct rec_batch *b);

#endif
