/* SPDX-License-Identifier: MIT */
/* `perf script` reader: whole samples' stack blocks seen before, by their text, and their leaves. */
#ifndef SCORCH_PERF_SCRIPT_BLOCKS_H
#define SCORCH_PERF_SCRIPT_BLOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/profile.h"
#include "../util/hashmap.h"

/*
 * Copies of input text that must outlive the input chunk they were read from (the reader gets
 * the input in pieces): 2 MB chunks on huge pages (a 4 KB page fault costs ~20 us on the VMs
 * scorch is measured on), never moved, freed all at once.
 */
struct ps_text {
	char **chunk;
	size_t *size;
	size_t n;
	char *cur;
	size_t left;
};

/* A stable copy of s[0..n) (not NUL-terminated). */
const char *ps_text__keep(struct ps_text *t, const char *s, size_t n);
void ps_text__free(struct ps_text *t);

/*
 * Why: a capture repeats a few hundred distinct call stacks thousands of times. Reading each
 * sample line by line costs a memchr, a hash and a memcmp per line and a trie step per frame;
 * a sample whose block of stack lines (header to blank line) was read before costs one scan for
 * the blank line, one hash and one memcmp of the block, and one lookup of its leaf.
 *
 * A block is cached only when every line of it was an ordinary stack line (read through the
 * line cache, nothing printed), so the same bytes always give the same frames; the frames also
 * depend on the Java tidying of the sample's process name, which is part of the key. The cache
 * keeps its own copy of each block's text.
 */
struct ps_block {
	const char *s;   /* the block: its lines and the newlines between them, not the last one */
	uint32_t len;
	uint32_t nlines;
	uint64_t hash;
	uint32_t start; /* its frames, root first: ids[start .. start + count) */
	uint32_t count;
	bool java;
};

struct ps_blocks {
	struct ps_block *b;
	size_t n, cap;
	uint32_t *slot; /* block index + 1; 0 is empty */
	size_t mask;
	uint32_t *ids;
	size_t nids, capids;
	struct ps_text text;
	size_t maxlen;      /* the longest block cached: a longer search cannot hit */
	struct hashmap leaf; /* (node of the process name, block index) -> leaf node + 1 */
	uint64_t tries, hits;
	bool off;           /* too few hits to be worth the scans */
};

/*
 * The cached block that starts at s (the line after a sample's header) and ends at the first
 * blank line before end, or NULL. A hit's bytes are s[0 .. len) followed by "\n\n".
 */
const struct ps_block *ps_blocks__find(struct ps_blocks *c, const char *s, const char *end,
				       bool java);

/* Caches block s[0..len) of nlines lines whose frames, root first, are ids[0..n). */
void ps_blocks__add(struct ps_blocks *c, const char *s, size_t len, uint32_t nlines, bool java,
		    const uint32_t *ids, size_t n);

/* The leaf of block b under node parent in p (its nodes made on the first call). */
uint32_t ps_blocks__leaf(struct ps_blocks *c, struct profile *p, uint32_t parent,
			 const struct ps_block *b);

/* Frees the cache. */
void ps_blocks__free(struct ps_blocks *c);

#endif
