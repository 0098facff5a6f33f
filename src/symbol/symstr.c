// SPDX-License-Identifier: MIT
/* String interning and a string-keyed pointer table for the symbolizer's caches. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

struct symmap_slot {
	char *key;
	void *value;
	uint64_t hash;
};

struct symmap {
	struct symmap_slot *slots;
	size_t cap; /* power of two */
	size_t n;
};

struct symmap *symmap__new(void)
{
	struct symmap *m = xcalloc(1, sizeof(*m));
	m->cap = 64;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	return m;
}

void symmap__free(struct symmap *m, void (*free_value)(void *))
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++) {
		struct symmap_slot *sl = &m->slots[i];
		if (!sl->key)
			continue;
		if (free_value && sl->value && sl->value != sl->key)
			free_value(sl->value);
		free(sl->key);
	}
	free(m->slots);
	free(m);
}

static struct symmap_slot *lookup(const struct symmap *m, const char *key, uint64_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct symmap_slot *sl = &m->slots[i];
		if (!sl->key || (sl->hash == h && strcmp(sl->key, key) == 0))
			return sl;
	}
}

static void grow(struct symmap *m)
{
	struct symmap_slot *old = m->slots;
	size_t oldcap = m->cap;
	m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].key)
			*lookup(m, old[i].key, old[i].hash) = old[i];
	}
	free(old);
}

void *symmap__get(const struct symmap *m, const char *key)
{
	struct symmap_slot *sl = lookup(m, key, util__hash(key, strlen(key)));
	return sl->key ? sl->value : NULL;
}

static struct symmap_slot *insert(struct symmap *m, const char *key)
{
	if ((m->n + 1) * 4 > m->cap * 3)
		grow(m);
	uint64_t h = util__hash(key, strlen(key));
	struct symmap_slot *sl = lookup(m, key, h);
	if (!sl->key) {
		sl->key = xstrdup(key);
		sl->hash = h;
		sl->value = NULL;
		m->n++;
	}
	return sl;
}

void symmap__put(struct symmap *m, const char *key, void *value)
{
	insert(m, key)->value = value;
}

const char *symmap__intern(struct symmap *m, const char *s)
{
	struct symmap_slot *sl = insert(m, s);
	sl->value = sl->key;
	return sl->key;
}
