// SPDX-License-Identifier: MIT
/* In-kernel counts handed on in step with the process events of the same drain interval. */
#include "image_order.h"

#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

struct image_slot {
	uint32_t pid;
	uint32_t entry;
	uint64_t since;
};

void image_order__init(struct image_order *o, size_t n, image_order_refs_fn refs,
		       image_order_emit_fn emit, void *ctx)
{
	memset(o, 0, sizeof(*o));
	o->n = n;
	o->refs = refs;
	o->emit = emit;
	o->ctx = ctx;
	o->done = xcalloc(n ? n : 1, 1);
}

static int cmp_slot(const void *x, const void *y)
{
	const struct image_slot *a = x, *b = y;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->since < b->since ? -1 : a->since > b->since;
}

/* Sorted only when an image ends within the interval: most drains see none. */
static void build(struct image_order *o)
{
	o->slots = xmalloc(sizeof(*o->slots) * (2 * o->n + 1));
	for (size_t i = 0; i < o->n; i++) {
		struct image_ref r[2];
		unsigned k = o->refs(o->ctx, i, r);
		for (unsigned j = 0; j < k && j < 2; j++)
			o->slots[o->nslots++] = (struct image_slot){r[j].pid, (uint32_t)i, r[j].since};
	}
	qsort(o->slots, o->nslots, sizeof(*o->slots), cmp_slot);
	for (size_t k = 0; k < o->nslots; k++)
		if (k == 0 || o->slots[k].pid != o->slots[k - 1].pid)
			hashmap__put_u64(&o->next, o->slots[k].pid, 0, NULL)->value = k;
	o->sorted = 1;
}

void image_order__ends(struct image_order *o, uint32_t pid, uint64_t t)
{
	if (!o->n)
		return;
	if (!o->sorted)
		build(o);
	struct hashmap_entry *e = hashmap__get_u64(&o->next, pid, 0);
	if (!e)
		return;
	size_t k = e->value;
	for (; k < o->nslots && o->slots[k].pid == pid && o->slots[k].since < t; k++) {
		uint32_t i = o->slots[k].entry;
		if (!o->done[i]) {
			o->done[i] = 1;
			o->emit(o->ctx, i);
		}
	}
	e->value = k;
}

void image_order__rest(struct image_order *o)
{
	for (size_t i = 0; i < o->n; i++)
		if (!o->done[i]) {
			o->done[i] = 1;
			o->emit(o->ctx, i);
		}
}

void image_order__destroy(struct image_order *o)
{
	free(o->done);
	free(o->slots);
	hashmap__destroy(&o->next);
	memset(o, 0, sizeof(*o));
}
