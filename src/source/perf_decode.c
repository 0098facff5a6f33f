// SPDX-License-Identifier: MIT
/* Decodes perf_event_open records into raw samples and process events for the stack builder. */
#include "perf_decode.h"

#include <stdbool.h>
#include <string.h>

struct sample {
	uint64_t ip;
	uint32_t pid, tid;
	uint64_t time;
	uint32_t cpu, res;
	uint64_t period;
	uint64_t nr;
	uint64_t ips[];
};

/* The first run of addresses after the context marker want; the markers split the chain. */
static const uint64_t *chain_part(const struct sample *s, uint64_t want, uint32_t *n)
{
	for (uint64_t i = 0; i < s->nr; i++) {
		if (s->ips[i] != want)
			continue;
		uint64_t j = i + 1;
		while (j < s->nr && s->ips[j] < (uint64_t)PERF_CONTEXT_MAX)
			j++;
		*n = (uint32_t)(j - i - 1);
		return &s->ips[i + 1];
	}
	*n = 0;
	return NULL;
}

static void handle_sample(struct stack_builder *b, struct profile *p,
			  const struct perf_event_header *h, struct sampler_stats *st)
{
	const struct sample *s = (const void *)(h + 1);
	size_t room = h->size - sizeof(*h);
	if (room < sizeof(*s) || s->nr > (room - sizeof(*s)) / sizeof(uint64_t))
		return;
	/* Guest and hypervisor parts of the chain are skipped. */
	struct raw_sample rs = {
	    .pid = s->pid, .tid = s->tid, .cpu = s->cpu, .time_ns = s->time, .weight = 1};
	rs.kips = chain_part(s, (uint64_t)PERF_CONTEXT_KERNEL, &rs.nkips);
	rs.uips = chain_part(s, (uint64_t)PERF_CONTEXT_USER, &rs.nuips);
	if (stack_builder__sample(b, p, &rs))
		st->samples++;
}

uint64_t perf_decode__time(const struct perf_event_header *h)
{
	if (h->type == PERF_RECORD_SAMPLE) {
		const struct sample *s = (const void *)(h + 1);
		return h->size >= sizeof(*h) + sizeof(*s) ? s->time : 0;
	}
	/* sample_id trailer: pid, tid; time; cpu, res */
	if (h->size < sizeof(*h) + 24)
		return 0;
	uint64_t t;
	memcpy(&t, (const char *)h + h->size - 16, sizeof(t));
	return t;
}

struct task_rec {
	uint32_t pid, ppid, tid, ptid;
	uint64_t time;
};

struct mmap2_rec {
	uint32_t pid, tid;
	uint64_t addr, len, pgoff;
	uint8_t id[24]; /* maj, min, ino, ino_generation, or a build id */
	uint32_t prot, flags;
	char filename[];
};

void perf_decode__record(struct stack_builder *b, struct profile *p,
			 const struct perf_event_header *h, struct sampler_stats *st)
{
	size_t body = h->size - sizeof(*h);
	const void *r = h + 1;
	switch (h->type) {
	case PERF_RECORD_SAMPLE:
		handle_sample(b, p, h, st);
		break;
	case PERF_RECORD_MMAP2: {
		const struct mmap2_rec *m = r;
		if (body < sizeof(*m) + 1 || !memchr(m->filename, '\0', body - sizeof(*m)))
			break;
		stack_builder__mmap(b, m->pid, m->addr, m->len, m->pgoff, m->filename);
		break;
	}
	case PERF_RECORD_COMM: {
		const uint32_t *ids = r;
		const char *comm = (const char *)(ids + 2);
		if (body < 8 + 1 || !memchr(comm, '\0', body - 8))
			break;
		if (h->misc & PERF_RECORD_MISC_COMM_EXEC)
			stack_builder__image_ends(b, ids[0], perf_decode__time(h));
		stack_builder__comm(b, ids[0], ids[1], comm, h->misc & PERF_RECORD_MISC_COMM_EXEC);
		break;
	}
	case PERF_RECORD_FORK:
		if (body >= sizeof(struct task_rec)) {
			const struct task_rec *t = r;
			if (t->pid != t->ppid)
				stack_builder__image_ends(b, t->pid, perf_decode__time(h));
			stack_builder__fork(b, t->ppid, t->ptid, t->pid, t->tid);
		}
		break;
	case PERF_RECORD_EXIT:
		if (body >= sizeof(struct task_rec)) {
			const struct task_rec *t = r;
			stack_builder__exit(b, t->pid, t->tid);
		}
		break;
	case PERF_RECORD_LOST:
		if (body >= 16)
			st->lost += ((const uint64_t *)r)[1];
		break;
	case PERF_RECORD_LOST_SAMPLES:
		if (body >= 8)
			st->lost += ((const uint64_t *)r)[0];
		break;
	case PERF_RECORD_THROTTLE:
		st->throttled++;
		break;
	default:
		break;
	}
}

/* The user-stack parts after the callchain: registers, then the stack copy. */
static bool user_parts(const struct sample *s, size_t room, struct unwind_input *in)
{
	const uint8_t *cur = (const uint8_t *)&s->ips[s->nr];
	const uint8_t *end = (const uint8_t *)s + room;
	uint64_t abi, size, dyn;
	if (cur + 8 > end)
		return false;
	memcpy(&abi, cur, 8);
	cur += 8;
	in->regs = NULL;
	if (abi) {
		if (cur + UNWIND_NREGS * 8 > end)
			return false;
		in->regs = (const uint64_t *)cur;
		cur += UNWIND_NREGS * 8;
	}
	if (cur + 8 > end)
		return false;
	memcpy(&size, cur, 8);
	cur += 8;
	in->stack = cur;
	in->stack_len = 0;
	if (size) {
		if (size > (uint64_t)(end - cur) || (uint64_t)(end - cur) - size < 8)
			return false;
		memcpy(&dyn, cur + size, 8);
		in->stack_len = dyn < size ? dyn : size;
		in->full = dyn >= size;
	}
	return true;
}

static void handle_user_sample(struct perf_user_stacks *us, struct stack_builder *b,
			       struct profile *p, const struct perf_event_header *h,
			       struct sampler_stats *st)
{
	const struct sample *s = (const void *)(h + 1);
	size_t room = h->size - sizeof(*h);
	struct unwind_input in = {.pid = s->pid, .tid = s->tid};
	if (room < sizeof(*s) || s->nr > (room - sizeof(*s)) / sizeof(uint64_t) ||
	    !user_parts(s, room, &in))
		return;
	struct raw_sample rs = {
	    .pid = s->pid, .tid = s->tid, .cpu = s->cpu, .time_ns = s->time, .weight = 1};
	rs.kips = chain_part(s, (uint64_t)PERF_CONTEXT_KERNEL, &rs.nkips);
	const uint64_t *fp = chain_part(s, (uint64_t)PERF_CONTEXT_USER, &rs.nuips);
	rs.uips = fp;
	bool dwarf = us->mode == CALL_GRAPH_DWARF ||
		     (us->mode == CALL_GRAPH_AUTO && in.regs &&
		      unwinder__pid_wants_dwarf(us->uw, s->pid));
	if (dwarf && !in.regs) {
		rs.nuips = 0; /* a kernel thread: no user stack to walk */
	} else if (dwarf) {
		enum unwind_why why;
		rs.nuips = unwinder__unwind(us->uw, &in, us->ips, us->cap, &why);
		rs.uips = us->ips;
		rs.truncated = why == UNWIND_TRUNCATED;
	} else if (us->mode == CALL_GRAPH_FP_LEAF && in.regs && rs.nuips) {
		rs.nuips = unwinder__repair_leaf(us->uw, &in, fp, rs.nuips, us->ips, us->cap);
		rs.uips = us->ips;
	}
	if (stack_builder__sample(b, p, &rs))
		st->samples++;
}

void perf_decode__record_user(struct perf_user_stacks *us, struct stack_builder *b,
			      struct profile *p, const struct perf_event_header *h,
			      struct sampler_stats *st)
{
	size_t body = h->size - sizeof(*h);
	const void *r = h + 1;
	switch (h->type) {
	case PERF_RECORD_SAMPLE:
		handle_user_sample(us, b, p, h, st);
		return;
	case PERF_RECORD_MMAP2: {
		const struct mmap2_rec *m = r;
		if (body >= sizeof(*m) + 1 && memchr(m->filename, '\0', body - sizeof(*m)))
			unwinder__mmap(us->uw, m->pid, m->addr, m->len, m->pgoff, m->filename);
		break;
	}
	case PERF_RECORD_COMM:
		if (body >= 8 && (h->misc & PERF_RECORD_MISC_COMM_EXEC))
			unwinder__exec(us->uw, ((const uint32_t *)r)[0]);
		break;
	case PERF_RECORD_FORK:
		if (body >= sizeof(struct task_rec)) {
			const struct task_rec *t = r;
			unwinder__fork(us->uw, t->ppid, t->pid);
		}
		break;
	case PERF_RECORD_EXIT:
		if (body >= sizeof(struct task_rec)) {
			const struct task_rec *t = r;
			if (t->pid == t->tid) /* samples are in time order: none of it follows */
				unwinder__exit(us->uw, t->pid);
		}
		break;
	default:
		break;
	}
	perf_decode__record(b, p, h, st);
}
