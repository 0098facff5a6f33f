/* SPDX-License-Identifier: MIT */
/* One open-addressing hash map for scorch, keyed by a pair of integers or by a byte string. */
#ifndef SCORCH_HASHMAP_H
#define SCORCH_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Linear probing in a power-of-two table kept at most 70% full. A map holds one kind of key
 * for its whole life: pairs of uint64_t (hashmap__*_u64) or byte strings (hashmap__*_bytes,
 * copied into the map, NUL-terminated, and never moved, so a key copy can be used as an
 * interned string). Each entry has one uint64_t value for the caller: an index, a count or a
 * (uintptr_t) pointer; a new entry's value is 0.
 *
 * A zero-initialised struct hashmap is an empty map. Entry pointers stay valid until the next
 * insertion of a new key (the table may grow) or hashmap__clear/destroy. Allocation failure
 * exits through xmalloc, like the rest of scorch.
 */
struct hashmap_entry {
	uint64_t hash;	/* never 0 in a used slot; 0 marks an empty one */
	uint64_t a, b;	/* the key: the integer pair, or (uintptr_t) the key copy and its length */
	uint64_t value; /* the caller's */
};

struct hashmap {
	struct hashmap_entry *slots;
	size_t cap; /* 0 or a power of two */
	size_t n;
	bool bytes; /* holds byte-string keys (set by the first insertion) */
};

/* Frees the table and every key copy (not what values point to); the map is empty again. */
void hashmap__destroy(struct hashmap *m);
/* Removes every entry but keeps the table's memory. */
void hashmap__clear(struct hashmap *m);

/* The entry of key (a, b), or NULL. */
struct hashmap_entry *hashmap__get_u64(const struct hashmap *m, uint64_t a, uint64_t b);
/* The entry of key (a, b), inserted with value 0 when absent; *fresh (may be NULL) says so. */
struct hashmap_entry *hashmap__put_u64(struct hashmap *m, uint64_t a, uint64_t b, bool *fresh);

/* The entry of the len bytes at key, or NULL. */
struct hashmap_entry *hashmap__get_bytes(const struct hashmap *m, const void *key, size_t len);
/* The entry of the len bytes at key, inserted (key copied) with value 0 when absent. */
struct hashmap_entry *hashmap__put_bytes(struct hashmap *m, const void *key, size_t len,
					 bool *fresh);

/* The map's copy of a byte-string key (NUL-terminated; its length is e->b). */
static inline const char *hashmap_entry__key(const struct hashmap_entry *e)
{
	return (const char *)(uintptr_t)e->a;
}

/* Iteration in table order: for (e = NULL; (e = hashmap__next(m, e));). No insertion meanwhile. */
struct hashmap_entry *hashmap__next(const struct hashmap *m, struct hashmap_entry *e);

#endif
