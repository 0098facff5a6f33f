// SPDX-License-Identifier: MIT
/* `perf script` reader: the cache of whole samples' stack blocks (see perf_script_blocks.h). */
#include "perf_script_blocks.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "../util/bigmem.h"
#include "../util/strhash.h"
#include "../util/util.h"

/* A block longer than this is not cached (the search for a hit scans up to the longest). */
#define BLOCK_MAX (256u << 10)
/* After this many lookups, the cache turns itself off when fewer than 1 in 8 hit. */
#define TRIAL 4096

#define TEXT_CHUNK ((size_t)2 << 20)

const char *ps_text__keep(struct ps_text *t, const char *s, size_t n)
{
	if (n > t->left) {
		size_t sz = n > TEXT_CHUNK / 2 ? n : TEXT_CHUNK;
		t->chunk = xrealloc(t->chunk, sizeof(*t->chunk) * (t->n + 1));
		t->size = xrealloc(t->size, sizeof(*t->size) * (t->n + 1));
		t->chunk[t->n] = bigmem__alloc(sz);
		t->size[t->n] = sz;
		if (sz == TEXT_CHUNK) {
			t->cur = t->chunk[t->n];
			t->left = sz;
		}
		t->n++;
		if (sz != TEXT_CHUNK) {
			memcpy(t->chunk[t->n - 1], s, n);
			return t->chunk[t->n - 1];
		}
	}
	char *d = t->cur;
	memcpy(d, s, n);
	t->cur += n;
	t->left -= n;
	return d;
}

void ps_text__free(struct ps_text *t)
{
	for (size_t i = 0; i < t->n; i++)
		bigmem__free(t->chunk[i], t->size[i]);
	free(t->chunk);
	free(t->size);
	memset(t, 0, sizeof(*t));
}

/* The first "\n\n" in [s, end), or NULL: what SIMD does not cover, a byte at a time. */
static const char *find_blank_tail(const char *s, const char *end)
{
	for (; end - s >= 2; s++)
		if (s[0] == '\n' && s[1] == '\n')
			return s;
	return NULL;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
__attribute__((target("avx2"))) static const char *find_blank_avx2(const char *s,
								 const char *end)
{
	const __m256i nl = _mm256_set1_epi8('\n');
	while (end - s >= 33) {
		__m256i a = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)s), nl);
		__m256i b = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(s + 1)), nl);
		unsigned m = (unsigned)_mm256_movemask_epi8(_mm256_and_si256(a, b));
		if (m)
			return s + __builtin_ctz(m);
		s += 32;
	}
	return find_blank_tail(s, end);
}
#endif

static const char *find_blank(const char *s, const char *end)
{
#if defined(__x86_64__) && defined(__GNUC__)
	static int avx2 = -1;
	if (avx2 < 0) {
		__builtin_cpu_init();
		avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
	}
	if (avx2)
		return find_blank_avx2(s, end);
#endif
#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n');
	while (end - s >= 17) {
		__m128i a = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)s), nl);
		__m128i b = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(s + 1)), nl);
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(a, b));
		if (m)
			return s + __builtin_ctz(m);
		s += 16;
	}
#endif
	return find_blank_tail(s, end);
}

/*
 * A block's key: its length and a hash of its head, middle and tail (192 bytes at most), not
 * of all of it: a hit is confirmed by memcmp, and hashing every byte would be one more pass.
 * Blocks that differ only elsewhere share a key; lookups give up after SAME_KEY of them.
 */
#define SAMPLE 64
#define SAME_KEY 4
static uint64_t block_hash(const char *s, size_t len, bool java)
{
	uint64_t h;
	if (len <= 3 * SAMPLE) {
		h = strhash__64(s, len);
	} else {
		char pick[3 * SAMPLE];
		memcpy(pick, s, SAMPLE);
		memcpy(pick + SAMPLE, s + len / 2 - SAMPLE / 2, SAMPLE);
		memcpy(pick + 2 * SAMPLE, s + len - SAMPLE, SAMPLE);
		h = strhash__64(pick, sizeof(pick)) ^ strhash__fmix(len);
	}
	return h ^ (java ? 0x9e3779b97f4a7c15ull : 0);
}

static void grow(struct ps_blocks *c)
{
	size_t cap = c->mask ? (c->mask + 1) * 2 : 1024;
	free(c->slot);
	c->slot = xcalloc(cap, sizeof(*c->slot));
	c->mask = cap - 1;
	for (size_t i = 0; i < c->n; i++) {
		size_t j = c->b[i].hash & c->mask;
		while (c->slot[j])
			j = (j + 1) & c->mask;
		c->slot[j] = (uint32_t)(i + 1);
	}
}

const struct ps_block *ps_blocks__find(struct ps_blocks *c, const char *s, const char *end,
				       bool java)
{
	if (c->off || !c->n)
		return NULL;
	if (++c->tries == TRIAL && c->hits * 8 < c->tries)
		c->off = true;
	if ((size_t)(end - s) > c->maxlen + 2)
		end = s + c->maxlen + 2;
	const char *e = find_blank(s, end);
	if (!e)
		return NULL;
	size_t len = (size_t)(e - s);
	uint64_t h = block_hash(s, len, java);
	int same = 0;
	for (size_t j = h & c->mask;; j = (j + 1) & c->mask) {
		uint32_t v = c->slot[j];
		if (!v)
			return NULL;
		const struct ps_block *b = &c->b[v - 1];
		if (b->hash != h || b->len != len || b->java != java)
			continue;
		if (!memcmp(b->s, s, len)) {
			c->hits++;
			return b;
		}
		if (++same == SAME_KEY)
			return NULL;
	}
}

void ps_blocks__add(struct ps_blocks *c, const char *s, size_t len, uint32_t nlines, bool java,
		    const uint32_t *ids, size_t n)
{
	if (c->off || len == 0 || len > BLOCK_MAX || n > UINT32_MAX - c->nids)
		return;
	if (!c->mask)
		grow(c);
	uint64_t h = block_hash(s, len, java);
	size_t j = h & c->mask;
	int same = 0;
	for (; c->slot[j]; j = (j + 1) & c->mask) {
		const struct ps_block *b = &c->b[c->slot[j] - 1];
		if (b->hash != h || b->len != len || b->java != java)
			continue;
		if (!memcmp(b->s, s, len) || ++same == SAME_KEY)
			return; /* already there, or too many alike to find it again */
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->b = xrealloc(c->b, sizeof(*c->b) * c->cap);
	}
	if (c->nids + n > c->capids) {
		c->capids = (c->nids + n) * 2 + 1024;
		c->ids = xrealloc(c->ids, sizeof(*c->ids) * c->capids);
	}
	memcpy(c->ids + c->nids, ids, sizeof(*ids) * n);
	c->b[c->n] = (struct ps_block){ps_text__keep(&c->text, s, len), (uint32_t)len, nlines, h,
				       (uint32_t)c->nids, (uint32_t)n, java};
	c->nids += n;
	c->slot[j] = (uint32_t)++c->n;
	if (len > c->maxlen)
		c->maxlen = len;
	if (c->n * 10 > (c->mask + 1) * 7)
		grow(c);
}

uint32_t ps_blocks__leaf(struct ps_blocks *c, struct profile *p, uint32_t parent,
			 const struct ps_block *b)
{
	bool fresh;
	struct hashmap_entry *e =
		hashmap__put_u64(&c->leaf, parent, (uint64_t)(b - c->b), &fresh);
	if (!fresh)
		return (uint32_t)(e->value - 1);
	uint32_t node = parent;
	for (uint32_t i = 0; i < b->count; i++)
		node = profile__child(p, node, c->ids[b->start + i]);
	e->value = (uint64_t)node + 1;
	return node;
}

void ps_blocks__free(struct ps_blocks *c)
{
	free(c->b);
	free(c->slot);
	free(c->ids);
	hashmap__destroy(&c->leaf);
	ps_text__free(&c->text);
}
