// SPDX-License-Identifier: MIT
/* The profile model's private layout, shared by the files of src/model/ that implement it. */
#ifndef SCORCH_MODEL_PROFILE_INTERNAL_H
#define SCORCH_MODEL_PROFILE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

#define ARENA_BLOCK (1u << 20)

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
};

struct strent {
	const char *s;
	uint32_t len;
	uint32_t hash;
};

/* 16 bytes: a profile of 10 million distinct stacks holds about 27 million nodes. A node's
 * depth is not kept: it is the number of steps up to the root (node_depth). */
struct node {
	uint32_t frame, parent, first, next;
};

/* Fan-out from which a node's children are found through the hash table instead of its
 * list (its bit in profile.hashed is set then): most nodes have a handful of children and
 * are never hashed at all. */
#define HASH_FANOUT 8

struct profile {
	struct profile_meta meta;

	/* strings */
	struct arena_block *arena;
	struct strent *strs;
	uint32_t nstrs, capstrs;
	uint32_t *strtab; /* open addressing, PROFILE_NONE = empty */
	uint32_t strtab_mask;

	/* frames */
	struct frame *frames;
	uint32_t nframes, capframes;
	uint32_t *frametab;
	uint32_t frametab_mask;

	/* mappings */
	struct mapping *maps;
	uint32_t nmaps, capmaps;
	uint32_t *maptab;
	uint32_t maptab_mask;

	/* trie: one record per node so a lookup touches one cache line */
	struct node *nodes;
	uint64_t *vals[PROFILE_MAX_COLUMNS];
	uint32_t nnodes, capnodes;
	uint32_t *childtab;
	uint32_t childtab_mask;
	uint32_t nhashed;
	uint64_t *hashed; /* bit n: node n's children are in childtab (capnodes bits) */

	char *colnames[PROFILE_MAX_COLUMNS];
	enum column_type coltypes[PROFILE_MAX_COLUMNS];
	int ncols;
	uint64_t value_scale; /* 0 means 1 */
	unsigned inclusive; /* bit c: vals[c] holds inclusive values (profile__make_inclusive) */

	struct timeline_entry *timeline;
	size_t ntimeline, captimeline;

	struct thread_span *spans;
	size_t nspans, capspans;
	uint64_t spans_dropped;

	struct sequence_entry *seq;
	size_t nseq, capseq;
};

static inline uint32_t node_depth(const struct profile *p, uint32_t n)
{
	uint32_t d = 0;
	for (; n != PROFILE_ROOT; n = p->nodes[n].parent)
		d++;
	return d;
}

#endif
