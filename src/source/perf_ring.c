// SPDX-License-Identifier: MIT
/* Perf mmap rings read into one batch of records and replayed in time order. */
#include "perf_ring.h"

#include <stdlib.h>
#include <string.h>

void rec_batch__read(struct rec_batch *b, struct perf_ring *r, size_t page, rec_time_fn time,
		     rec_fn seen, void *ctx)
{
	struct perf_event_mmap_page *mp = r->base;
	uint64_t head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = mp->data_tail;
	const char *data = (const char *)r->base + page;
	size_t size = r->mask + 1;
	while (tail < head) {
		size_t off = tail & r->mask;
		struct perf_event_header h;
		memcpy(&h, data + off, sizeof(h)); /* 8-byte aligned: never wraps */
		if (h.size < sizeof(h) || h.size > head - tail)
			break;
		if (b->buf.len + h.size + 1 > b->buf.cap)
			strbuf__grow(&b->buf, h.size + 1);
		char *dst = b->buf.buf + b->buf.len;
		size_t first = size - off < h.size ? size - off : h.size;
		memcpy(dst, data + off, first);
		memcpy(dst + first, data, h.size - first);
		if (b->nrefs == b->caprefs) {
			b->caprefs = b->caprefs ? b->caprefs * 2 : 1024;
			b->refs = xrealloc(b->refs, sizeof(*b->refs) * b->caprefs);
		}
		const struct perf_event_header *rec = (const void *)dst;
		b->refs[b->nrefs++] =
		    (struct rec_ref){.time = time(rec), .seq = b->seq++, .off = b->buf.len};
		if (seen)
			seen(ctx, rec);
		b->buf.len += h.size;
		b->bytes += h.size;
		tail += h.size;
	}
	__atomic_store_n(&mp->data_tail, tail, __ATOMIC_RELEASE);
}

static int cmp_ref(const void *a, const void *b)
{
	const struct rec_ref *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void rec_batch__replay_until(struct rec_batch *b, uint64_t until, rec_fn fn, void *ctx)
{
	if (b->nrefs)
		qsort(b->refs, b->nrefs, sizeof(*b->refs), cmp_ref);
	size_t i = 0;
	for (; i < b->nrefs && b->refs[i].time <= until; i++)
		if (fn)
			fn(ctx, (const void *)(b->buf.buf + b->refs[i].off));
	if (i == b->nrefs) {
		b->buf.len = 0;
		b->nrefs = 0;
		return;
	}
	/* The later records stay, gathered in time order into the spare buffer, which becomes
	 * the batch's: both keep their memory (a drain of DWARF samples moves megabytes). */
	b->spare.len = 0;
	for (size_t k = i; k < b->nrefs; k++) {
		const struct perf_event_header *h = (const void *)(b->buf.buf + b->refs[k].off);
		b->refs[k - i] = (struct rec_ref){.time = b->refs[k].time, .seq = b->refs[k].seq,
						  .off = b->spare.len};
		strbuf__add(&b->spare, (const char *)h, h->size);
	}
	b->nrefs -= i;
	struct strbuf t = b->buf;
	b->buf = b->spare;
	b->spare = t;
	b->spare.len = 0;
}

void rec_batch__replay(struct rec_batch *b, rec_fn fn, void *ctx)
{
	rec_batch__replay_until(b, UINT64_MAX, fn, ctx);
}

void rec_batch__free(struct rec_batch *b)
{
	free(b->refs);
	strbuf__free(&b->buf);
	strbuf__free(&b->spare);
	memset(b, 0, sizeof(*b));
}
