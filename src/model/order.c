// SPDX-License-Identifier: MIT
/* Walks the trie in the byte-wise order of sorted folded lines (see profile__walk_lines). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "../util/util.h"

enum { ITEM_SELF = 0, ITEM_BLOCK = 1 };

struct item {
	uint32_t node;
	uint32_t kind;
};

struct sort_ctx {
	const struct profile *p;
	int self_term;
};

static int item_term(const struct sort_ctx *ctx, const struct item *it)
{
	return it->kind == ITEM_BLOCK ? ';' : ctx->self_term;
}

/* Compares name+term strings, where a negative term means "nothing follows". */
static int item_cmp(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *ctx = arg;
	const struct item *x = a, *y = b;
	uint32_t fx = profile__node_frame(ctx->p, x->node);
	uint32_t fy = profile__node_frame(ctx->p, y->node);
	uint32_t nx = profile__frame_get(ctx->p, fx)->name;
	uint32_t ny = profile__frame_get(ctx->p, fy)->name;
	const unsigned char *sx = (const unsigned char *)profile__str(ctx->p, nx);
	const unsigned char *sy = (const unsigned char *)profile__str(ctx->p, ny);
	uint32_t lx = profile__strlen(ctx->p, nx), ly = profile__strlen(ctx->p, ny);
	uint32_t m = lx < ly ? lx : ly;
	int c = memcmp(sx, sy, m);
	if (c)
		return c;
	int cx = lx > m ? sx[m] : item_term(ctx, x);
	int cy = ly > m ? sy[m] : item_term(ctx, y);
	if (cx != cy)
		return cx < cy ? -1 : 1;
	if (lx == ly)
		return (int)x->kind - (int)y->kind;
	/* one name is a prefix of the other and its term equals the other's next byte */
	if (lx < ly) {
		int nxt = m + 1 < ly ? sy[m + 1] : item_term(ctx, y);
		return nxt < 0 ? 1 : -1;
	}
	int nxt = m + 1 < lx ? sx[m + 1] : item_term(ctx, x);
	return nxt < 0 ? -1 : 1;
}

struct walk_frame {
	size_t start, end, pos;
};

static int has_value(const struct profile *p, uint32_t node, unsigned colmask)
{
	for (int c = 0; c < profile__ncolumns(p); c++)
		if ((colmask & (1u << c)) && profile__self(p, node, c))
			return 1;
	return 0;
}

void profile__walk_lines(const struct profile *p, unsigned colmask, int self_term,
			 profile_line_fn fn, void *arg)
{
	profile__walk_lines_pruned(p, colmask, self_term, fn, NULL, arg);
}

void profile__walk_lines_pruned(const struct profile *p, unsigned colmask, int self_term,
				profile_line_fn fn, profile_skip_fn skip, void *arg)
{
	struct sort_ctx ctx = {p, self_term};
	struct item *items = NULL;
	size_t nitems = 0, capitems = 0;
	struct walk_frame *st = NULL;
	size_t depth = 0, capst = 0;

	if (has_value(p, PROFILE_ROOT, colmask))
		fn(p, PROFILE_ROOT, arg);

	uint32_t expand = PROFILE_ROOT;
	for (;;) {
		if (expand != PROFILE_NONE) {
			size_t start = nitems;
			for (uint32_t c = profile__first_child(p, expand); c != PROFILE_NONE;
			     c = profile__next_sibling(p, c)) {
				if (nitems + 2 > capitems) {
					capitems = capitems ? capitems * 2 : 256;
					items = xrealloc(items, sizeof(*items) * capitems);
				}
				if (has_value(p, c, colmask))
					items[nitems++] = (struct item){c, ITEM_SELF};
				if (profile__first_child(p, c) != PROFILE_NONE)
					items[nitems++] = (struct item){c, ITEM_BLOCK};
			}
			if (nitems - start > 1)
				qsort_r(items + start, nitems - start, sizeof(*items), item_cmp, &ctx);
			if (depth == capst) {
				capst = capst ? capst * 2 : 64;
				st = xrealloc(st, sizeof(*st) * capst);
			}
			st[depth++] = (struct walk_frame){start, nitems, start};
			expand = PROFILE_NONE;
		}
		if (!depth)
			break;
		struct walk_frame *f = &st[depth - 1];
		if (f->pos == f->end) {
			nitems = f->start;
			depth--;
			continue;
		}
		struct item it = items[f->pos++];
		if (it.kind == ITEM_SELF)
			fn(p, it.node, arg);
		else if (!skip || !skip(p, it.node, arg))
			expand = it.node;
	}
	free(items);
	free(st);
}
