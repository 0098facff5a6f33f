// SPDX-License-Identifier: MIT
/* String interning and a string-keyed pointer table for the symbolizer's caches. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "../util/hashmap.h"
#include "../util/util.h"

/* Keys are the map's NUL-terminated copies; values are (uintptr_t) pointers. */
struct symmap {
	struct hashmap map;
};

struct symmap *symmap__new(void)
{
	return xcalloc(1, sizeof(struct symmap));
}

void symmap__free(struct symmap *m, void (*free_value)(void *))
{
	if (!m)
		return;
	for (struct hashmap_entry *e = NULL; free_value && (e = hashmap__next(&m->map, e));) {
		void *value = (void *)(uintptr_t)e->value;
		if (value && value != hashmap_entry__key(e))
			free_value(value);
	}
	hashmap__destroy(&m->map);
	free(m);
}

void *symmap__get(const struct symmap *m, const char *key)
{
	const struct hashmap_entry *e = hashmap__get_bytes(&m->map, key, strlen(key));
	return e ? (void *)(uintptr_t)e->value : NULL;
}

void symmap__put(struct symmap *m, const char *key, void *value)
{
	hashmap__put_bytes(&m->map, key, strlen(key), NULL)->value = (uintptr_t)value;
}

const char *symmap__intern(struct symmap *m, const char *s)
{
	struct hashmap_entry *e = hashmap__put_bytes(&m->map, s, strlen(s), NULL);
	e->value = e->a;
	return hashmap_entry__key(e);
}

size_t symmap__compact(struct symmap *m)
{
	struct hashmap fresh = {0};
	size_t dropped = 0;
	for (struct hashmap_entry *e = NULL; (e = hashmap__next(&m->map, e));) {
		if (!e->value) {
			dropped++;
			continue;
		}
		hashmap__put_bytes(&fresh, hashmap_entry__key(e), (size_t)e->b, NULL)->value =
		    e->value;
	}
	hashmap__destroy(&m->map);
	m->map = fresh;
	return dropped;
}

void symmap__update(struct symmap *m, void *(*fn)(void *value, void *arg), void *arg)
{
	for (struct hashmap_entry *e = NULL; (e = hashmap__next(&m->map, e));)
		e->value = (uintptr_t)fn((void *)(uintptr_t)e->value, arg);
}
