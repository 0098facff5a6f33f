/* SPDX-License-Identifier: MIT */
/* Private to src/source/perf_*.c: perf ring-buffer records into raw samples and process events. */
#ifndef SCORCH_PERF_DECODE_H
#define SCORCH_PERF_DECODE_H

#include <linux/perf_event.h>
#include <stdint.h>

#include "../model/profile.h"
#include "sampler.h"
#include "stack.h"

/*
 * Decodes one complete record (sample_type IP|TID|TIME|CPU|PERIOD|CALLCHAIN, sample_id_all)
 * and hands it to the stack builder: samples go into p, comm/fork/exit/mmap2 records are
 * process events; samples kept, lost and throttle records are counted in st.
 */
void perf_decode__record(struct stack_builder *b, struct profile *p,
			 const struct perf_event_header *h, struct sampler_stats *st);

/* The record's timestamp (sample_id_all puts it 16 bytes before the end of non-samples). */
uint64_t perf_decode__time(const struct perf_event_header *h);

#endif
