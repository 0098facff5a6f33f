// SPDX-License-Identifier: MIT
/* The BPF sampler's stacks on the user side: drained in batches, kept while they recur. */
#include "bpf_stacks.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hashmap.h"
#include "../util/util.h"

#define BATCH 256 /* stacks per batch call: 256 KiB of values */

struct stack_entry {
	uint64_t hash;
	uint64_t *ips;
	uint32_t n;
	uint64_t seen; /* the last drain that stored or referred to it */
};

struct bpf_stacks {
	struct hashmap index; /* hash -> entry index */
	struct stack_entry *v;
	size_t n, cap;
	size_t limit;
	uint64_t drains; /* counting the one under way */
	__u64 *keys;	 /* batch scratch */
	struct profile_stack *vals;
};

struct bpf_stacks *bpf_stacks__new(uint32_t limit)
{
	struct bpf_stacks *c = xcalloc(1, sizeof(*c));
	c->limit = limit < 1024 ? 1024 : limit;
	c->drains = 1;
	c->keys = xmalloc(sizeof(*c->keys) * BATCH);
	c->vals = xmalloc(sizeof(*c->vals) * BATCH);
	return c;
}

void bpf_stacks__free(struct bpf_stacks *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].ips);
	free(c->v);
	hashmap__destroy(&c->index);
	free(c->keys);
	free(c->vals);
	free(c);
}

static void add(struct bpf_stacks *c, uint64_t hash, const struct profile_stack *st)
{
	bool fresh;
	struct hashmap_entry *e = hashmap__put_u64(&c->index, hash, 0, &fresh);
	if (!fresh) {
		c->v[e->value].seen = c->drains;
		return;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->v = xrealloc(c->v, sizeof(*c->v) * c->cap);
	}
	uint32_t n = 0; /* up to the first 0: the end of a frame-pointer chain */
	while (n < st->n && n < PROFILE_MAX_STACK && st->ips[n])
		n++;
	struct stack_entry *se = &c->v[c->n];
	se->hash = hash;
	se->n = n;
	se->ips = xmalloc(sizeof(*se->ips) * (n ? n : 1));
	memcpy(se->ips, st->ips, sizeof(*se->ips) * n);
	se->seen = c->drains;
	e->value = c->n++;
}

int bpf_stacks__take(struct bpf_stacks *c, int fd, uint64_t *bytes)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	__u64 in = 0, out = 0;
	bool first = true;
	for (;;) {
		__u32 cnt = BATCH;
		int ret = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &in, &out, c->keys,
							  c->vals, &cnt, &bo);
		ret = ret < 0 ? -errno : 0;
		for (__u32 i = 0; i < cnt; i++)
			add(c, c->keys[i], &c->vals[i]);
		*bytes += (uint64_t)cnt * (sizeof(*c->keys) + sizeof(*c->vals));
		if (ret == -ENOENT)
			return 0;
		if (ret < 0 && cnt == 0 && (first || ret == -ENOSPC))
			break; /* no batch operations here, or a bucket longer than BATCH: walk */
		if (ret < 0)
			return ret;
		in = out;
		first = false;
	}
	__u64 key;
	while (bpf_map_get_next_key(fd, NULL, &key) == 0) {
		if (bpf_map_lookup_elem(fd, &key, c->vals) == 0) {
			add(c, key, c->vals);
			*bytes += sizeof(key) + sizeof(*c->vals);
		}
		if (bpf_map_delete_elem(fd, &key) != 0)
			return -errno;
	}
	return 0;
}

bool bpf_stacks__get(struct bpf_stacks *c, uint64_t hash, const uint64_t **ips, uint32_t *n)
{
	struct hashmap_entry *e = hash ? hashmap__get_u64(&c->index, hash, 0) : NULL;
	if (!e) {
		*ips = NULL;
		*n = 0;
		return false;
	}
	struct stack_entry *se = &c->v[e->value];
	se->seen = c->drains;
	*ips = se->ips;
	*n = se->n;
	return true;
}

void bpf_stacks__drained(struct bpf_stacks *c)
{
	if (c->n > c->limit) {
		size_t keep = 0;
		hashmap__clear(&c->index);
		for (size_t i = 0; i < c->n; i++) {
			struct stack_entry *se = &c->v[i];
			if (se->seen + 1 < c->drains) {
				free(se->ips);
				continue;
			}
			c->v[keep] = *se;
			hashmap__put_u64(&c->index, se->hash, 0, NULL)->value = keep++;
		}
		c->n = keep;
	}
	c->drains++;
}

size_t bpf_stacks__count(const struct bpf_stacks *c)
{
	return c ? c->n : 0;
}

/* ---- --call-graph dwarf: the ustacks arrays ---- */

struct ustack_slot {
	uint64_t *ips; /* NULL: not cached */
	uint32_t n;
	uint64_t seen, prev; /* the drains that last referred to this bucket */
};

struct bpf_ustacks {
	struct unwind_stack *mem;
	uint32_t nslots;
	struct ustack_slot *slots;
	uint32_t *ids; /* the cached buckets */
	size_t nids;
	uint64_t drains; /* counting the one under way */
};

struct bpf_ustacks *bpf_ustacks__new(struct unwind_stack *mem, uint32_t nslots)
{
	struct bpf_ustacks *c = xcalloc(1, sizeof(*c));
	c->mem = mem;
	c->nslots = nslots;
	c->slots = xcalloc(nslots, sizeof(*c->slots));
	c->ids = xmalloc(sizeof(*c->ids) * nslots);
	c->drains = 1;
	return c;
}

void bpf_ustacks__free(struct bpf_ustacks *c)
{
	if (!c)
		return;
	for (size_t k = 0; k < c->nids; k++)
		free(c->slots[c->ids[k]].ips);
	free(c->slots);
	free(c->ids);
	free(c);
}

bool bpf_ustacks__get(struct bpf_ustacks *c, int32_t id, const uint64_t **ips, uint32_t *n,
		      uint64_t *bytes)
{
	*ips = NULL;
	*n = 0;
	if (id < 0 || (uint32_t)id >= c->nslots)
		return false;
	struct ustack_slot *sl = &c->slots[id];
	if (!sl->ips) {
		const struct unwind_stack *us = &c->mem[id];
		uint32_t k = us->n < UNWIND_STACK_SLOTS - 2 ? us->n : UNWIND_STACK_SLOTS - 2;
		sl->ips = xmalloc(sizeof(*sl->ips) * (k ? k : 1));
		memcpy(sl->ips, us->pcs, sizeof(*sl->ips) * k);
		sl->n = k;
		c->ids[c->nids++] = (uint32_t)id;
		*bytes += 16 + 8 * (uint64_t)k; /* read through the mapping, not copied */
	}
	if (sl->seen != c->drains) {
		sl->prev = sl->seen;
		sl->seen = c->drains;
	}
	*ips = sl->ips;
	*n = sl->n;
	return true;
}

static void free_bucket(struct bpf_ustacks *c, uint32_t id)
{
	c->mem[id].n = 0;
	__atomic_store_n(&c->mem[id].hash, 0, __ATOMIC_RELEASE);
}

void bpf_ustacks__drained(struct bpf_ustacks *c, bool sweep)
{
	for (size_t i = 0; i < c->nids;) {
		uint32_t id = c->ids[i];
		struct ustack_slot *sl = &c->slots[id];
		if (sl->seen == c->drains && sl->prev + 1 == c->drains) {
			i++;
			continue;
		}
		free_bucket(c, id);
		free(sl->ips);
		sl->ips = NULL;
		sl->n = 0;
		c->ids[i] = c->ids[--c->nids];
	}
	for (uint32_t id = 0; sweep && id < c->nslots; id++)
		if (c->mem[id].hash && !c->slots[id].ips)
			free_bucket(c, id);
	c->drains++;
}

size_t bpf_ustacks__count(const struct bpf_ustacks *c)
{
	return c ? c->nids : 0;
}
