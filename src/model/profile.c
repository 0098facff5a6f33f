// SPDX-License-Identifier: MIT
/* The profile model: string interning, frame table, stack trie and value columns. */
#define _GNU_SOURCE
#include "profile.h"
#include "profile_internal.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"


static uint32_t *table_new(uint32_t size)
{
	uint32_t *t = xmalloc(sizeof(*t) * size);
	memset(t, 0xff, sizeof(*t) * size);
	return t;
}

struct profile *profile__new(void)
{
	struct profile *p = xcalloc(1, sizeof(*p));
	p->strtab_mask = 1023;
	p->strtab = table_new(1024);
	p->frametab_mask = 1023;
	p->frametab = table_new(1024);
	p->maptab_mask = 63;
	p->maptab = table_new(64);
	p->childtab_mask = 1023;
	p->childtab = table_new(1024);
	p->colnames[0] = xstrdup("samples");
	p->ncols = 1;
	/* string 0 is "", node 0 is the root */
	profile__intern(p, "", 0);
	p->capnodes = 1024;
	p->nodes = xmalloc(sizeof(*p->nodes) * p->capnodes);
	p->hashed = xcalloc(p->capnodes / 64, sizeof(*p->hashed));
	p->vals[0] = xcalloc(p->capnodes, sizeof(uint64_t));
	p->nodes[0] = (struct node){PROFILE_NONE, PROFILE_NONE, PROFILE_NONE, PROFILE_NONE};
	p->nnodes = 1;
	return p;
}

void profile__free(struct profile *p)
{
	if (!p)
		return;
	struct arena_block *b = p->arena;
	while (b) {
		struct arena_block *n = b->next;
		free(b);
		b = n;
	}
	free(p->strs);
	free(p->strtab);
	free(p->frames);
	free(p->frametab);
	free(p->maps);
	free(p->maptab);
	free(p->nodes);
	free(p->hashed);
	for (int i = 0; i < PROFILE_MAX_COLUMNS; i++) {
		free(p->vals[i]);
		free(p->colnames[i]);
	}
	free(p->childtab);
	free(p->timeline);
	free(p->spans);
	free(p->seq);
	free(p->meta.event);
	free(p->meta.cmdline);
	free(p->meta.host);
	free(p);
}

struct profile_meta *profile__meta(struct profile *p)
{
	return &p->meta;
}

int profile__add_column(struct profile *p, const char *name, enum column_type type)
{
	if (p->ncols >= PROFILE_MAX_COLUMNS)
		return -ENOSPC;
	int c = p->ncols++;
	p->colnames[c] = xstrdup(name);
	p->coltypes[c] = type;
	p->vals[c] = xcalloc(p->capnodes, sizeof(uint64_t));
	return c;
}

void profile__set_column(struct profile *p, int col, const char *name, enum column_type type)
{
	char *copy = xstrdup(name); /* name may be the column's own (profile__column_name) */
	free(p->colnames[col]);
	p->colnames[col] = copy;
	p->coltypes[col] = type;
}

enum column_type profile__column_type(const struct profile *p, int col)
{
	return p->coltypes[col];
}

const char *profile__column_unit(const struct profile *p, int col)
{
	switch (p->coltypes[col]) {
	case COLUMN_SAMPLES: return "samples";
	case COLUMN_COUNT: return "count";
	case COLUMN_NANOSECONDS: return "ns";
	case COLUMN_MICROSECONDS: return "us";
	case COLUMN_BYTES: return "bytes";
	}
	return "count";
}

int profile__ncolumns(const struct profile *p)
{
	return p->ncols;
}

const char *profile__column_name(const struct profile *p, int col)
{
	return p->colnames[col];
}

/* ---- strings ---- */

static const char *arena_copy(struct profile *p, const char *s, size_t len)
{
	struct arena_block *b = p->arena;
	if (!b || b->used + len + 1 > b->cap) {
		size_t cap = len + 1 > ARENA_BLOCK / 4 ? len + 1 : ARENA_BLOCK;
		struct arena_block *nb = xmalloc(sizeof(*nb) + cap);
		nb->used = 0;
		nb->cap = cap;
		if (cap == ARENA_BLOCK || !b) {
			nb->next = b;
			p->arena = nb;
		} else {
			/* a big one-off string: keep the current block open for small ones */
			nb->next = b->next;
			b->next = nb;
		}
		b = nb;
	}
	char *d = b->data + b->used;
	memcpy(d, s, len);
	d[len] = '\0';
	b->used += len + 1;
	return d;
}

static void strtab_grow(struct profile *p)
{
	uint32_t size = (p->strtab_mask + 1) * 2;
	free(p->strtab);
	p->strtab = table_new(size);
	p->strtab_mask = size - 1;
	for (uint32_t id = 0; id < p->nstrs; id++) {
		uint32_t i = p->strs[id].hash & p->strtab_mask;
		while (p->strtab[i] != PROFILE_NONE)
			i = (i + 1) & p->strtab_mask;
		p->strtab[i] = id;
	}
}

uint32_t profile__intern(struct profile *p, const char *s, size_t len)
{
	uint32_t h = (uint32_t)util__hash(s, len);
	uint32_t i = h & p->strtab_mask;
	for (;;) {
		uint32_t id = p->strtab[i];
		if (id == PROFILE_NONE)
			break;
		const struct strent *e = &p->strs[id];
		if (e->hash == h && e->len == len && memcmp(e->s, s, len) == 0)
			return id;
		i = (i + 1) & p->strtab_mask;
	}
	if (p->nstrs == p->capstrs) {
		p->capstrs = p->capstrs ? p->capstrs * 2 : 1024;
		p->strs = xrealloc(p->strs, sizeof(*p->strs) * p->capstrs);
	}
	uint32_t id = p->nstrs++;
	p->strs[id].s = arena_copy(p, s, len);
	p->strs[id].len = (uint32_t)len;
	p->strs[id].hash = h;
	p->strtab[i] = id;
	if (p->nstrs * 2 > p->strtab_mask)
		strtab_grow(p);
	return id;
}

const char *profile__str(const struct profile *p, uint32_t id)
{
	return id < p->nstrs ? p->strs[id].s : "";
}

uint32_t profile__strlen(const struct profile *p, uint32_t id)
{
	return id < p->nstrs ? p->strs[id].len : 0;
}

uint32_t profile__nstrings(const struct profile *p)
{
	return p->nstrs;
}

/* ---- frames ---- */

/* The identity of a frame: its fields up to (not including) mapping, addr. */
#define FRAME_KEY_SIZE offsetof(struct frame, mapping)

static uint32_t frame_hash(const struct frame *f)
{
	return (uint32_t)util__hash(f, FRAME_KEY_SIZE);
}

static void frametab_grow(struct profile *p)
{
	uint32_t size = (p->frametab_mask + 1) * 2;
	free(p->frametab);
	p->frametab = table_new(size);
	p->frametab_mask = size - 1;
	for (uint32_t id = 0; id < p->nframes; id++) {
		uint32_t i = frame_hash(&p->frames[id]) & p->frametab_mask;
		while (p->frametab[i] != PROFILE_NONE)
			i = (i + 1) & p->frametab_mask;
		p->frametab[i] = id;
	}
}

/*
 * Finds f by its identity or adds it; an existing frame learns an address it lacked. mi, when
 * not NULL, is f's mapping, added only when f is new or learns its address: a frame seen in
 * many processes (ASLR gives each its own ranges) keeps one mapping, not one per process.
 */
static uint32_t frame_put(struct profile *p, const struct frame *f, const struct mapping_info *mi)
{
	uint32_t i = frame_hash(f) & p->frametab_mask;
	for (;;) {
		uint32_t id = p->frametab[i];
		if (id == PROFILE_NONE)
			break;
		struct frame *e = &p->frames[id];
		if (memcmp(e, f, FRAME_KEY_SIZE) == 0) {
			if (!e->addr && f->addr) {
				e->addr = f->addr;
				e->mapping = mi ? profile__mapping(p, mi) : f->mapping;
			}
			return id;
		}
		i = (i + 1) & p->frametab_mask;
	}
	if (p->nframes == p->capframes) {
		p->capframes = p->capframes ? p->capframes * 2 : 1024;
		p->frames = xrealloc(p->frames, sizeof(*p->frames) * p->capframes);
	}
	uint32_t id = p->nframes++;
	p->frames[id] = *f;
	if (mi)
		p->frames[id].mapping = profile__mapping(p, mi);
	p->frametab[i] = id;
	if (p->nframes * 2 > p->frametab_mask)
		frametab_grow(p);
	return id;
}

uint32_t profile__frame(struct profile *p, uint32_t name, uint32_t module, uint32_t file,
			uint32_t line, enum frame_kind kind)
{
	struct frame f = {.name = name,
			  .module = module,
			  .file = file,
			  .line = line,
			  .kind = (uint32_t)kind,
			  .raw = PROFILE_NONE,
			  .mapping = PROFILE_NONE};
	return frame_put(p, &f, NULL);
}

uint32_t profile__frame_named(struct profile *p, const char *name, size_t len,
			      enum frame_kind kind)
{
	return profile__frame(p, profile__intern(p, name, len), PROFILE_NONE, PROFILE_NONE, 0,
			      kind);
}

static uint32_t intern_opt(struct profile *p, const char *s, size_t len)
{
	return s ? profile__intern(p, s, len ? len : strlen(s)) : PROFILE_NONE;
}

uint32_t profile__frame_full(struct profile *p, const struct frame_info *fi)
{
	struct frame f = {
		.name = profile__intern(p, fi->name, fi->name_len ? fi->name_len : strlen(fi->name)),
		.module = intern_opt(p, fi->module, 0),
		.file = intern_opt(p, fi->file, 0),
		.line = fi->line,
		.kind = (uint32_t)fi->kind,
		.raw = intern_opt(p, fi->raw, fi->raw_len),
		.mapping = PROFILE_NONE,
		.addr = fi->addr,
	};
	return frame_put(p, &f, fi->map);
}

/* ---- mappings ---- */

static uint32_t map_hash(const struct mapping *m)
{
	return (uint32_t)util__hash(m, sizeof(*m));
}

static void maptab_grow(struct profile *p)
{
	uint32_t size = (p->maptab_mask + 1) * 2;
	free(p->maptab);
	p->maptab = table_new(size);
	p->maptab_mask = size - 1;
	for (uint32_t id = 0; id < p->nmaps; id++) {
		uint32_t i = map_hash(&p->maps[id]) & p->maptab_mask;
		while (p->maptab[i] != PROFILE_NONE)
			i = (i + 1) & p->maptab_mask;
		p->maptab[i] = id;
	}
}

static uint32_t map_put(struct profile *p, const struct mapping *m)
{
	uint32_t i = map_hash(m) & p->maptab_mask;
	for (;;) {
		uint32_t id = p->maptab[i];
		if (id == PROFILE_NONE)
			break;
		if (memcmp(&p->maps[id], m, sizeof(*m)) == 0)
			return id;
		i = (i + 1) & p->maptab_mask;
	}
	if (p->nmaps == p->capmaps) {
		p->capmaps = p->capmaps ? p->capmaps * 2 : 64;
		p->maps = xrealloc(p->maps, sizeof(*p->maps) * p->capmaps);
	}
	uint32_t id = p->nmaps++;
	p->maps[id] = *m;
	p->maptab[i] = id;
	if (p->nmaps * 2 > p->maptab_mask)
		maptab_grow(p);
	return id;
}

uint32_t profile__mapping(struct profile *p, const struct mapping_info *mi)
{
	struct mapping m = {.path = intern_opt(p, mi->path ? mi->path : "", 0),
			    .build_id = PROFILE_NONE,
			    .start = mi->start,
			    .end = mi->end,
			    .pgoff = mi->pgoff};
	if (mi->build_id && mi->build_id_len) {
		static const char hex[] = "0123456789abcdef";
		char buf[2 * 64];
		size_t n = mi->build_id_len > 64 ? 64 : mi->build_id_len;
		for (size_t i = 0; i < n; i++) {
			buf[2 * i] = hex[mi->build_id[i] >> 4];
			buf[2 * i + 1] = hex[mi->build_id[i] & 15];
		}
		m.build_id = profile__intern(p, buf, 2 * n);
	}
	return map_put(p, &m);
}

const struct mapping *profile__mapping_get(const struct profile *p, uint32_t mapping)
{
	return &p->maps[mapping];
}

uint32_t profile__nmappings(const struct profile *p)
{
	return p->nmaps;
}

const struct frame *profile__frame_get(const struct profile *p, uint32_t frame)
{
	return &p->frames[frame];
}

uint32_t profile__nframes(const struct profile *p)
{
	return p->nframes;
}

/* ---- trie ---- */

static inline uint32_t child_hash(uint32_t parent, uint32_t frame)
{
	return (uint32_t)util__hash_u64(((uint64_t)parent << 32) | frame);
}

static inline bool is_hashed(const struct profile *p, uint32_t n)
{
	return p->hashed[n / 64] >> (n % 64) & 1;
}

static void childtab_put(struct profile *p, uint32_t n)
{
	uint32_t i = child_hash(p->nodes[n].parent, p->nodes[n].frame) & p->childtab_mask;
	while (p->childtab[i] != PROFILE_NONE)
		i = (i + 1) & p->childtab_mask;
	p->childtab[i] = n;
	if (++p->nhashed * 2 > p->childtab_mask) {
		uint32_t size = (p->childtab_mask + 1) * 2;
		free(p->childtab);
		p->childtab = table_new(size);
		p->childtab_mask = size - 1;
		p->nhashed = 0;
		for (uint32_t m = 1; m < p->nnodes; m++)
			if (is_hashed(p, p->nodes[m].parent))
				childtab_put(p, m);
	}
}

/* The values past nnodes are set as their nodes are made, not here: a big realloc maps new
 * pages, which stay out of the resident set until a node of theirs exists. */
static void nodes_grow(struct profile *p)
{
	size_t words = p->capnodes / 64;
	p->capnodes *= 2;
	p->nodes = xrealloc(p->nodes, sizeof(*p->nodes) * p->capnodes);
	p->hashed = xrealloc(p->hashed, sizeof(*p->hashed) * p->capnodes / 64);
	memset(p->hashed + words, 0, sizeof(*p->hashed) * (p->capnodes / 64 - words));
	for (int c = 0; c < p->ncols; c++)
		p->vals[c] = xrealloc(p->vals[c], sizeof(uint64_t) * p->capnodes);
}

uint32_t profile__child(struct profile *p, uint32_t node, uint32_t frame)
{
	struct node *parent = &p->nodes[node];
	if (is_hashed(p, node)) {
		uint32_t i = child_hash(node, frame) & p->childtab_mask;
		for (;;) {
			uint32_t n = p->childtab[i];
			if (n == PROFILE_NONE)
				break;
			if (p->nodes[n].parent == node && p->nodes[n].frame == frame)
				return n;
			i = (i + 1) & p->childtab_mask;
		}
	} else {
		for (uint32_t c = parent->first; c != PROFILE_NONE; c = p->nodes[c].next)
			if (p->nodes[c].frame == frame)
				return c;
	}
	return profile__child_new(p, node, frame);
}

uint32_t profile__child_new(struct profile *p, uint32_t node, uint32_t frame)
{
	struct node *parent;
	if (p->nnodes == p->capnodes)
		nodes_grow(p);
	uint32_t n = p->nnodes++;
	parent = &p->nodes[node];
	p->nodes[n] = (struct node){frame, node, PROFILE_NONE, parent->first};
	parent->first = n;
	for (int c = 0; c < p->ncols; c++)
		p->vals[c][n] = 0;
	if (is_hashed(p, node)) {
		childtab_put(p, n);
		return n;
	}
	/* the list is short until it is hashed: count it rather than keep a count a node */
	uint32_t k = 0;
	for (uint32_t c = parent->first; c != PROFILE_NONE && k < HASH_FANOUT; c = p->nodes[c].next)
		k++;
	if (k == HASH_FANOUT) {
		p->hashed[node / 64] |= 1ull << (node % 64);
		for (uint32_t c = parent->first; c != PROFILE_NONE; c = p->nodes[c].next)
			childtab_put(p, c);
	}
	return n;
}

int profile__add(struct profile *p, uint32_t node, int col, uint64_t value)
{
	uint64_t *v = &p->vals[col][node];
	if (__builtin_add_overflow(*v, value, v)) {
		*v = UINT64_MAX;
		return -EOVERFLOW;
	}
	return 0;
}

void profile__set(struct profile *p, uint32_t node, int col, uint64_t value)
{
	p->vals[col][node] = value;
}

uint32_t profile__add_stack(struct profile *p, const uint32_t *frames, size_t n, int col,
			    uint64_t value)
{
	uint32_t node = PROFILE_ROOT;
	for (size_t i = 0; i < n; i++)
		node = profile__child(p, node, frames[i]);
	profile__add(p, node, col, value);
	return node;
}

uint32_t profile__nnodes(const struct profile *p)
{
	return p->nnodes;
}

uint32_t profile__node_frame(const struct profile *p, uint32_t node)
{
	return p->nodes[node].frame;
}

uint32_t profile__node_parent(const struct profile *p, uint32_t node)
{
	return p->nodes[node].parent;
}

uint32_t profile__node_depth(const struct profile *p, uint32_t node)
{
	return node_depth(p, node);
}

uint32_t profile__first_child(const struct profile *p, uint32_t node)
{
	return p->nodes[node].first;
}

uint32_t profile__next_sibling(const struct profile *p, uint32_t node)
{
	return p->nodes[node].next;
}

static bool child_before(const struct profile *p, const uint32_t *key, uint32_t a, uint32_t b)
{
	uint32_t ka = key[p->nodes[a].frame], kb = key[p->nodes[b].frame];
	return ka != kb ? ka < kb : a < b;
}

/* Merge sort of the sibling list from head; returns its new head. Recursion depth is the
 * log of the list's length. */
static uint32_t sort_siblings(struct profile *p, const uint32_t *key, uint32_t head)
{
	struct node *nd = p->nodes;
	if (head == PROFILE_NONE || nd[head].next == PROFILE_NONE)
		return head;
	uint32_t slow = head, fast = nd[head].next;
	while (fast != PROFILE_NONE && nd[fast].next != PROFILE_NONE) {
		slow = nd[slow].next;
		fast = nd[nd[fast].next].next;
	}
	uint32_t b = nd[slow].next;
	nd[slow].next = PROFILE_NONE;
	uint32_t a = sort_siblings(p, key, head);
	b = sort_siblings(p, key, b);
	uint32_t out = PROFILE_NONE, *tail = &out;
	while (a != PROFILE_NONE && b != PROFILE_NONE) {
		uint32_t *from = child_before(p, key, a, b) ? &a : &b;
		*tail = *from;
		tail = &nd[*from].next;
		*from = nd[*from].next;
	}
	*tail = a != PROFILE_NONE ? a : b;
	return out;
}

void profile__sort_children(struct profile *p, const uint32_t *key)
{
	for (uint32_t n = 0; n < p->nnodes; n++)
		p->nodes[n].first = sort_siblings(p, key, p->nodes[n].first);
}

uint64_t profile__self(const struct profile *p, uint32_t node, int col)
{
	uint64_t v = p->vals[col][node];
	if (!(p->inclusive & (1u << col)))
		return v;
	for (uint32_t c = p->nodes[node].first; c != PROFILE_NONE; c = p->nodes[c].next)
		v -= p->vals[col][c];
	return v;
}

const uint64_t *profile__column(const struct profile *p, int col)
{
	return p->inclusive & (1u << col) ? NULL : p->vals[col];
}

const char *profile__node_name(const struct profile *p, uint32_t node)
{
	if (node == PROFILE_ROOT)
		return "";
	return p->strs[p->frames[p->nodes[node].frame].name].s;
}

/* Self values in t become inclusive ones (saturating). */
static void sum_up(const struct profile *p, uint64_t *t)
{
	/* children always have larger ids than their parent */
	for (uint32_t n = p->nnodes - 1; n > 0; n--) {
		uint64_t *d = &t[p->nodes[n].parent];
		if (__builtin_add_overflow(*d, t[n], d))
			*d = UINT64_MAX;
	}
}

uint64_t *profile__totals(const struct profile *p, int col)
{
	uint64_t *t = xmalloc(sizeof(uint64_t) * p->nnodes);
	memcpy(t, p->vals[col], sizeof(uint64_t) * p->nnodes);
	if (!(p->inclusive & (1u << col)))
		sum_up(p, t);
	return t;
}

const uint64_t *profile__make_inclusive(struct profile *p, int col)
{
	if (!(p->inclusive & (1u << col)))
		sum_up(p, p->vals[col]);
	p->inclusive |= 1u << col;
	return p->vals[col];
}

uint64_t profile__column_total(const struct profile *p, int col)
{
	if (p->inclusive & (1u << col))
		return p->vals[col][PROFILE_ROOT];
	uint64_t sum = 0;
	for (uint32_t n = 0; n < p->nnodes; n++)
		if (__builtin_add_overflow(sum, p->vals[col][n], &sum))
			return UINT64_MAX;
	return sum;
}

void profile__clear_values(struct profile *p)
{
	for (int c = 0; c < p->ncols; c++)
		memset(p->vals[c], 0, sizeof(uint64_t) * p->nnodes);
	p->inclusive = 0;
	p->ntimeline = 0;
}

void profile__reset_tree(struct profile *p)
{
	p->capnodes = 1024;
	free(p->nodes);
	p->nodes = xmalloc(sizeof(*p->nodes) * p->capnodes);
	free(p->hashed);
	p->hashed = xcalloc(p->capnodes / 64, sizeof(*p->hashed));
	p->nodes[0] = (struct node){PROFILE_NONE, PROFILE_NONE, PROFILE_NONE, PROFILE_NONE};
	p->nnodes = 1;
	for (int c = 0; c < p->ncols; c++) {
		free(p->vals[c]);
		p->vals[c] = xcalloc(p->capnodes, sizeof(uint64_t));
	}
	p->inclusive = 0;
	free(p->childtab);
	p->childtab_mask = 1023;
	p->childtab = table_new(1024);
	p->nhashed = 0;
	free(p->timeline);
	p->timeline = NULL;
	p->ntimeline = p->captimeline = 0;
	free(p->spans);
	p->spans = NULL;
	p->nspans = p->capspans = 0;
	p->spans_dropped = 0;
	free(p->seq);
	p->seq = NULL;
	p->nseq = p->capseq = 0;
}

void profile__set_value_scale(struct profile *p, uint64_t scale)
{
	p->value_scale = scale;
}

uint64_t profile__value_scale(const struct profile *p)
{
	return p->value_scale ? p->value_scale : 1;
}

void profile__scale_values(struct profile *p, uint64_t num, uint64_t den)
{
	if (!den)
		return;
	for (int c = 0; c < p->ncols; c++)
		for (uint32_t n = 0; n < p->nnodes; n++)
			p->vals[c][n] = (uint64_t)((unsigned __int128)p->vals[c][n] * num / den);
}

static uint32_t map_str(struct profile *dst, const struct profile *src, uint32_t id)
{
	if (id == PROFILE_NONE)
		return PROFILE_NONE;
	return profile__intern(dst, src->strs[id].s, src->strs[id].len);
}

int profile__merge(struct profile *dst, const struct profile *src, const int *colmap)
{
	uint32_t *mmap = xmalloc(sizeof(*mmap) * (src->nmaps ? src->nmaps : 1));
	for (uint32_t m = 0; m < src->nmaps; m++) {
		struct mapping mp = src->maps[m];
		mp.path = map_str(dst, src, mp.path);
		mp.build_id = map_str(dst, src, mp.build_id);
		mmap[m] = map_put(dst, &mp);
	}
	uint32_t *fmap = xmalloc(sizeof(*fmap) * (src->nframes ? src->nframes : 1));
	for (uint32_t f = 0; f < src->nframes; f++) {
		struct frame fr = src->frames[f];
		fr.name = map_str(dst, src, fr.name);
		fr.module = map_str(dst, src, fr.module);
		fr.file = map_str(dst, src, fr.file);
		fr.raw = map_str(dst, src, fr.raw);
		fr.mapping = fr.mapping == PROFILE_NONE ? PROFILE_NONE : mmap[fr.mapping];
		fmap[f] = frame_put(dst, &fr, NULL);
	}
	free(mmap);
	/* parents come before their children, so one pass in id order maps every node */
	uint32_t *nmap = xmalloc(sizeof(*nmap) * src->nnodes);
	nmap[0] = PROFILE_ROOT;
	int err = 0;
	for (uint32_t n = 0; n < src->nnodes; n++) {
		if (n)
			nmap[n] = profile__child(dst, nmap[src->nodes[n].parent],
						 fmap[src->nodes[n].frame]);
		for (int c = 0; c < src->ncols; c++) {
			uint64_t v = colmap[c] >= 0 ? profile__self(src, n, c) : 0;
			if (v && profile__add(dst, nmap[n], colmap[c], v) < 0)
				err = -EOVERFLOW;
		}
	}
	free(nmap);
	free(fmap);
	return err;
}
