// SPDX-License-Identifier: MIT
/* Flame graph layout: which frames are at least one cell wide and where, row by row. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../util/util.h"

static void push(struct layout *l, uint32_t node, double x0, double w)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->f = xrealloc(l->f, sizeof(*l->f) * l->cap);
		l->fx = xrealloc(l->fx, sizeof(*l->fx) * l->cap);
	}
	/* both edges rounded the same way, so neighbours never overlap nor leave gaps */
	int a = (int)floor(x0 + 1e-9), b = (int)floor(x0 + w + 1e-9);
	if (b > l->width)
		b = l->width;
	if (b <= a)
		b = a + 1;
	l->f[l->n] = (struct lframe){node, (uint16_t)a, (uint16_t)(b - a)};
	l->fx[l->n] = x0;
	l->n++;
}

static void end_row(struct layout *l)
{
	if (l->nrows + 2 > l->caprows) {
		l->caprows = l->caprows ? l->caprows * 2 : 64;
		l->row = xrealloc(l->row, sizeof(*l->row) * l->caprows);
	}
	l->row[++l->nrows] = (uint32_t)l->n;
}

void layout__build(struct layout *l, const struct aggregate *s, uint32_t zoom, int width)
{
	l->n = 0;
	l->nrows = 0;
	l->width = width < 1 ? 1 : width;
	l->zoom = zoom;
	if (!l->caprows) {
		l->caprows = 64;
		l->row = xmalloc(sizeof(*l->row) * l->caprows);
	}
	l->row[0] = 0;

	const struct profile *p = s->p;
	uint32_t zd = profile__node_depth(p, zoom);
	/* ancestors first, each across the whole width: one walk up from zoom, so that a zoom
	 * 100k frames deep costs 100k steps, not 100k squared */
	uint32_t *chain = xmalloc(sizeof(uint32_t) * ((size_t)zd + 1));
	uint32_t a = zoom;
	for (uint32_t d = zd; d > 0; d--) {
		chain[d] = a;
		a = profile__node_parent(p, a);
	}
	chain[0] = a;
	for (uint32_t d = 0; d <= zd; d++) {
		push(l, chain[d], 0, l->width);
		end_row(l);
	}
	free(chain);
	if (!s->total[zoom])
		return;
	double scale = (double)l->width / (double)s->total[zoom];
	uint32_t from = l->row[zd], to = l->row[zd + 1];
	while (from < to) {
		for (uint32_t i = from; i < to; i++) {
			uint32_t n = l->f[i].node;
			double x = l->fx[i];
			for (uint32_t c = profile__first_child(p, n); c != PROFILE_NONE;
			     c = profile__next_sibling(p, c)) {
				double w = (double)s->total[c] * scale;
				if (w >= 1.0 - 1e-9)
					push(l, c, x, w);
				x += w;
			}
		}
		if (l->n == to)
			break;
		end_row(l);
		from = to;
		to = (uint32_t)l->n;
	}
}

void layout__free(struct layout *l)
{
	free(l->f);
	free(l->fx);
	free(l->row);
	memset(l, 0, sizeof(*l));
}

/* util__bsearch_le comparator: a column against a frame's left edge. */
static int cmp_x(const void *key, const void *elem)
{
	int x = *(const int *)key, fx = ((const struct lframe *)elem)->x;
	return x < fx ? -1 : x > fx;
}

const struct lframe *layout__at(const struct layout *l, uint32_t d, int x)
{
	if (d >= l->nrows || x < 0)
		return NULL;
	const struct lframe *f = util__bsearch_le(&x, &l->f[l->row[d]], l->row[d + 1] - l->row[d],
						  sizeof(*l->f), cmp_x);
	return f && x < f->x + f->w ? f : NULL;
}

const struct lframe *layout__find(const struct layout *l, const struct aggregate *s, uint32_t node)
{
	if (node >= s->nnodes)
		return NULL;
	uint32_t d = profile__node_depth(s->p, node);
	if (d >= l->nrows)
		return NULL;
	for (uint32_t i = l->row[d]; i < l->row[d + 1]; i++)
		if (l->f[i].node == node)
			return &l->f[i];
	return NULL;
}
