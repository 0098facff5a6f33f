/* SPDX-License-Identifier: MIT */
/* Private to src/source/perf_*.c: perf ring-buffer records into raw samples and process events. */
#ifndef SCORCH_PERF_DECODE_H
#define SCORCH_PERF_DECODE_H

#include <linux/perf_event.h>
#include <stdint.h>

#include "../model/profile.h"
#include "sampler.h"
#include "stack.h"
#include "../unwind/dwarf.h"

/*
 * Decodes one complete record (sample_type IP|TID|TIME|CPU|PERIOD|CALLCHAIN, sample_id_all)
 * and hands it to the stack builder: samples go into p, comm/fork/exit/mmap2 records are
 * process events; samples kept, lost and throttle records are counted in st.
 */
void perf_decode__record(struct stack_builder *b, struct profile *p,
			 const struct perf_event_header *h, struct sampler_stats *st);

/*
 * User stacks unwound in scorch (--call-graph dwarf, fp+leaf, auto): the state the decoder
 * needs besides the stack builder. mode is CALL_GRAPH_DWARF, CALL_GRAPH_FP_LEAF, or
 * CALL_GRAPH_AUTO (dwarf for processes whose binary lacks frame pointers, the kernel's
 * frame-pointer chain for the others).
 */
struct perf_user_stacks {
	struct unwinder *uw;
	enum sampler_call_graph mode;
	uint64_t *ips; /* scratch, cap entries */
	uint32_t cap;
};

/*
 * Like perf_decode__record for events opened with PERF_SAMPLE_REGS_USER (mask
 * UNWIND_PERF_REGS_MASK) and PERF_SAMPLE_STACK_USER after the callchain: user stacks are
 * unwound by us->uw; process events also keep us->uw's address spaces current.
 */
void perf_decode__record_user(struct perf_user_stacks *us, struct stack_builder *b,
			      struct profile *p, const struct perf_event_header *h,
			      struct sampler_stats *st);

/* The record's timestamp (sample_id_all puts it 16 bytes before the end of non-samples). */
uint64_t perf_decode__time(const struct perf_event_header *h);

#endif
