// SPDX-License-Identifier: MIT
/* d3-flame-graph JSON writer: the stack trie as nested {"name", "value", "children"}. */
#include "formats.h"

#include <stdlib.h>
#include <string.h>

struct kid_sort {
	const struct profile *p;
	uint32_t node;
};

static int kid_cmp(const void *a, const void *b)
{
	const struct kid_sort *x = a, *y = b;
	return strcmp(profile__node_name(x->p, x->node), profile__node_name(y->p, y->node));
}

/* Children of node with a non-zero total, by name (the order flamegraph.pl draws them). */
static uint32_t *sorted_kids(const struct profile *p, uint32_t node, const uint64_t *tot,
			     size_t *n)
{
	size_t cnt = 0, cap = 0;
	struct kid_sort *k = NULL;
	for (uint32_t c = profile__first_child(p, node); c != PROFILE_NONE;
	     c = profile__next_sibling(p, c)) {
		if (!tot[c])
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			k = xrealloc(k, cap * sizeof(*k));
		}
		k[cnt++] = (struct kid_sort){p, c};
	}
	if (cnt > 1)
		qsort(k, cnt, sizeof(*k), kid_cmp);
	uint32_t *ids = xmalloc((cnt ? cnt : 1) * sizeof(*ids));
	for (size_t i = 0; i < cnt; i++)
		ids[i] = k[i].node;
	free(k);
	*n = cnt;
	return ids;
}

struct level {
	uint32_t *kids;
	size_t n, next;
};

static void indent(struct strbuf *out, bool compact, size_t depth)
{
	if (compact)
		return;
	strbuf__addc(out, '\n');
	for (size_t i = 0; i < depth; i++)
		strbuf__add(out, "  ", 2);
}

int d3json__write(const struct profile *p, int col, const struct format_opts *o,
		  struct strbuf *out, struct strbuf *err)
{
	bool compact = o && o->json_compact;
	uint64_t *tot = profile__totals(p, col);
	/* an explicit stack: profiles can be deeper than the C stack is comfortable with */
	struct level *st = NULL;
	size_t depth = 0, cap = 0;
	uint32_t node = PROFILE_ROOT;
	for (;;) {
		/* open node */
		strbuf__adds(out, "{\"name\":");
		json__string(out, node == PROFILE_ROOT ? "root" : profile__node_name(p, node));
		strbuf__adds(out, compact ? ",\"value\":" : ", \"value\": ");
		strbuf__addu(out, tot[node]);
		size_t n;
		uint32_t *kids = sorted_kids(p, node, tot, &n);
		if (n) {
			strbuf__adds(out, compact ? ",\"children\":[" : ", \"children\": [");
			if (depth == cap) {
				cap = cap ? cap * 2 : 64;
				st = xrealloc(st, cap * sizeof(*st));
			}
			st[depth++] = (struct level){kids, n, 1};
			indent(out, compact, depth);
			node = kids[0];
			continue;
		}
		free(kids);
		strbuf__addc(out, '}');
		/* climb until a level has a next child */
		while (depth > 0 && st[depth - 1].next == st[depth - 1].n) {
			free(st[depth - 1].kids);
			depth--;
			indent(out, compact, depth);
			strbuf__adds(out, "]}");
		}
		if (depth == 0)
			break;
		strbuf__addc(out, ',');
		indent(out, compact, depth);
		node = st[depth - 1].kids[st[depth - 1].next++];
	}
	strbuf__addc(out, '\n');
	free(st);
	free(tot);
	(void)err;
	return 0;
}
