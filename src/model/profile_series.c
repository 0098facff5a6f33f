// SPDX-License-Identifier: MIT
/* The profile model's time series: sample timeline, thread-state spans and the sample sequence. */
#define _GNU_SOURCE
#include "profile.h"
#include "profile_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

void profile__timeline_add(struct profile *p, uint64_t time_ns, uint32_t pid, uint32_t tid,
			   uint32_t cpu, uint32_t node)
{
	if (p->ntimeline == p->captimeline) {
		p->captimeline = p->captimeline ? p->captimeline * 2 : 4096;
		p->timeline = xrealloc(p->timeline, sizeof(*p->timeline) * p->captimeline);
	}
	p->timeline[p->ntimeline++] = (struct timeline_entry){
		.time_ns = time_ns, .pid = pid, .tid = tid, .cpu = cpu, .node = node};
}

const struct timeline_entry *profile__timeline(const struct profile *p, size_t *n)
{
	*n = p->ntimeline;
	return p->timeline;
}

int profile__span_add(struct profile *p, const struct thread_span *sp)
{
	if (p->nspans >= PROFILE_MAX_SPANS) {
		p->spans_dropped++;
		return -ENOSPC;
	}
	if (p->nspans == p->capspans) {
		p->capspans = p->capspans ? p->capspans * 2 : 1024;
		p->spans = xrealloc(p->spans, sizeof(*p->spans) * p->capspans);
	}
	p->spans[p->nspans++] = *sp;
	return 0;
}

const struct thread_span *profile__spans(const struct profile *p, size_t *n, uint64_t *dropped)
{
	*n = p->nspans;
	if (dropped)
		*dropped = p->spans_dropped;
	return p->spans;
}

void profile__sequence_add(struct profile *p, uint32_t node, uint64_t value)
{
	if (p->nseq == p->capseq) {
		p->capseq = p->capseq ? p->capseq * 2 : 4096;
		p->seq = xrealloc(p->seq, sizeof(*p->seq) * p->capseq);
	}
	p->seq[p->nseq++] = (struct sequence_entry){node, value};
}

const struct sequence_entry *profile__sequence(const struct profile *p, size_t *n)
{
	*n = p->nseq;
	return p->seq;
}
