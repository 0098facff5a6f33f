// SPDX-License-Identifier: MIT
/* Folded paths of trie nodes: one-off and incremental (shares the prefix built last time). */
#define _GNU_SOURCE
#include "profile.h"
#include "profile_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

void profile__path(const struct profile *p, uint32_t node, char **buf, size_t *len,
		   size_t *cap)
{
	uint32_t depth = node_depth(p, node);
	size_t need = *len;
	for (uint32_t n = node; n != PROFILE_ROOT; n = p->nodes[n].parent)
		need += p->strs[p->frames[p->nodes[n].frame].name].len + 1;
	if (need + 1 > *cap) {
		*cap = need * 2 + 64;
		*buf = xrealloc(*buf, *cap);
	}
	size_t end = need - (depth ? 1 : 0);
	size_t pos = end;
	for (uint32_t n = node; n != PROFILE_ROOT; n = p->nodes[n].parent) {
		const struct strent *s = &p->strs[p->frames[p->nodes[n].frame].name];
		pos -= s->len;
		memcpy(*buf + pos, s->s, s->len);
		if (pos > *len)
			(*buf)[--pos] = ';';
	}
	*len = end;
	(*buf)[end] = '\0';
}

const char *profile_path__of(struct profile_path *pp, const struct profile *p, uint32_t node,
			     size_t *len)
{
	size_t depth = node_depth(p, node);
	if (depth > pp->capdepth) {
		pp->capdepth = depth * 2 + 16;
		pp->nodes = xrealloc(pp->nodes, sizeof(*pp->nodes) * pp->capdepth);
		pp->ends = xrealloc(pp->ends, sizeof(*pp->ends) * pp->capdepth);
	}
	/* climb until the path meets the one built last time */
	size_t keep = depth;
	uint32_t n = node;
	while (keep > 0 && !(keep <= pp->depth && pp->nodes[keep - 1] == n)) {
		pp->nodes[keep - 1] = n;
		n = p->nodes[n].parent;
		keep--;
	}
	size_t pos = keep ? pp->ends[keep - 1] : 0;
	for (size_t d = keep; d < depth; d++) {
		const struct strent *e = &p->strs[p->frames[p->nodes[pp->nodes[d]].frame].name];
		if (pos + e->len + 2 > pp->cap) {
			pp->cap = (pos + e->len + 2) * 2 + 256;
			pp->buf = xrealloc(pp->buf, pp->cap);
		}
		if (d)
			pp->buf[pos++] = ';';
		memcpy(pp->buf + pos, e->s, e->len);
		pos += e->len;
		pp->ends[d] = pos;
	}
	pp->depth = depth;
	pp->len = pos;
	if (!pp->buf) {
		pp->cap = 256;
		pp->buf = xmalloc(pp->cap);
	}
	pp->buf[pos] = '\0';
	*len = pos;
	return pp->buf;
}

void profile_path__free(struct profile_path *pp)
{
	free(pp->buf);
	free(pp->nodes);
	free(pp->ends);
	memset(pp, 0, sizeof(*pp));
}
