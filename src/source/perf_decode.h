/* SPDX-License-Identifier: MIT */
/* Private to src/source/perf_*.c: turns perf ring-buffer records into profile stacks. */
#ifndef SCORCH_PERF_DECODE_H
#define SCORCH_PERF_DECODE_H

#include <linux/perf_event.h>
#include <stdint.h>

#include "../model/profile.h"
#include "../symbol/symbolizer.h"
#include "perf_event.h"

struct perf_decoder;

/*
 * The decoder keeps per-pid state (maps known to the symbolizer, exec generation), per-tid
 * comm names and a cache of symbolized (pid, address) -> frame ids. It borrows sym and opts,
 * which must outlive it.
 */
struct perf_decoder *perf_decoder__new(const struct record_opts *opts, struct symbolizer *sym);
void perf_decoder__free(struct perf_decoder *d);

/* Declares that sym already holds pid's maps (read from /proc at open time). */
void perf_decoder__known_pid(struct perf_decoder *d, uint32_t pid);

/*
 * Handles one complete record (sample_type IP|TID|TIME|CPU|PERIOD|CALLCHAIN, sample_id_all):
 * samples go into p (column 0), task/comm/mmap records update the symbolizer, lost and
 * throttle records are counted in st. t0 is the CLOCK_MONOTONIC start used for the timeline.
 */
void perf_decoder__record(struct perf_decoder *d, struct profile *p,
			  const struct perf_event_header *h, uint64_t t0, struct record_stats *st);

/* The record's timestamp (sample_id_all puts it 16 bytes before the end of non-samples). */
uint64_t perf_decoder__time(const struct perf_event_header *h);

#endif
