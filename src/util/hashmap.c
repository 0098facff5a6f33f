// SPDX-License-Identifier: MIT
/* The shared open-addressing hash map: integer-pair and byte-string keys, linear probing. */
#include "hashmap.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MIN_CAP 64

static uint64_t hash_u64(uint64_t a, uint64_t b)
{
	uint64_t h = util__hash_u64(a ^ util__hash_u64(b));
	return h ? h : 1;
}

static uint64_t hash_bytes(const void *key, size_t len)
{
	uint64_t h = util__hash(key, len);
	return h ? h : 1;
}

static bool same_key(const struct hashmap *m, const struct hashmap_entry *e, uint64_t hash,
		     uint64_t a, uint64_t b)
{
	if (e->hash != hash || e->b != b)
		return false;
	if (!m->bytes)
		return e->a == a;
	return memcmp((const void *)(uintptr_t)e->a, (const void *)(uintptr_t)a, b) == 0;
}

/* The slot holding the key, or the empty slot where it would go. The table is never full. */
static struct hashmap_entry *probe(const struct hashmap *m, uint64_t hash, uint64_t a, uint64_t b)
{
	size_t mask = m->cap - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct hashmap_entry *e = &m->slots[i];
		if (!e->hash || same_key(m, e, hash, a, b))
			return e;
	}
}

static void grow(struct hashmap *m)
{
	struct hashmap_entry *old = m->slots;
	size_t oldcap = m->cap;
	m->cap = oldcap ? oldcap * 2 : MIN_CAP;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	size_t mask = m->cap - 1;
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i].hash)
			continue;
		size_t j = old[i].hash & mask;
		while (m->slots[j].hash)
			j = (j + 1) & mask;
		m->slots[j] = old[i];
	}
	free(old);
}

static struct hashmap_entry *get(const struct hashmap *m, uint64_t hash, uint64_t a, uint64_t b)
{
	if (!m->n)
		return NULL;
	struct hashmap_entry *e = probe(m, hash, a, b);
	return e->hash ? e : NULL;
}

/* Finds or claims the slot; the caller fills a claimed slot's key (*fresh set). */
static struct hashmap_entry *put(struct hashmap *m, uint64_t hash, uint64_t a, uint64_t b,
				 bool *fresh)
{
	if ((m->n + 1) * 10 > m->cap * 7)
		grow(m);
	struct hashmap_entry *e = probe(m, hash, a, b);
	*fresh = !e->hash;
	if (*fresh) {
		*e = (struct hashmap_entry){.hash = hash, .a = a, .b = b};
		m->n++;
	}
	return e;
}

struct hashmap_entry *hashmap__get_u64(const struct hashmap *m, uint64_t a, uint64_t b)
{
	assert(!m->n || !m->bytes);
	return get(m, hash_u64(a, b), a, b);
}

struct hashmap_entry *hashmap__put_u64(struct hashmap *m, uint64_t a, uint64_t b, bool *fresh)
{
	assert(!m->n || !m->bytes);
	m->bytes = false;
	bool f;
	struct hashmap_entry *e = put(m, hash_u64(a, b), a, b, &f);
	if (fresh)
		*fresh = f;
	return e;
}

struct hashmap_entry *hashmap__get_bytes(const struct hashmap *m, const void *key, size_t len)
{
	assert(!m->n || m->bytes);
	return get(m, hash_bytes(key, len), (uintptr_t)key, len);
}

struct hashmap_entry *hashmap__put_bytes(struct hashmap *m, const void *key, size_t len,
					 bool *fresh)
{
	assert(!m->n || m->bytes);
	m->bytes = true;
	bool f;
	struct hashmap_entry *e = put(m, hash_bytes(key, len), (uintptr_t)key, len, &f);
	if (f) {
		char *copy = xmalloc(len + 1);
		memcpy(copy, key, len);
		copy[len] = '\0';
		e->a = (uintptr_t)copy;
	}
	if (fresh)
		*fresh = f;
	return e;
}

struct hashmap_entry *hashmap__next(const struct hashmap *m, struct hashmap_entry *e)
{
	size_t i = e ? (size_t)(e - m->slots) + 1 : 0;
	for (; i < m->cap; i++)
		if (m->slots[i].hash)
			return &m->slots[i];
	return NULL;
}

static void free_keys(struct hashmap *m)
{
	if (!m->bytes)
		return;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].hash)
			free((void *)(uintptr_t)m->slots[i].a);
}

void hashmap__clear(struct hashmap *m)
{
	free_keys(m);
	if (m->slots)
		memset(m->slots, 0, m->cap * sizeof(*m->slots));
	m->n = 0;
}

void hashmap__destroy(struct hashmap *m)
{
	free_keys(m);
	free(m->slots);
	*m = (struct hashmap){0};
}
