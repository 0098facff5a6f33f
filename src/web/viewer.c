// SPDX-License-Identifier: MIT
/* The canvas flame-graph viewer: embedded JS/CSS, the profile as the viewer's JSON, HTML. */
#include "viewer.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../model/profile.h"
#include "../sink/formats.h"
#include "../util/util.h"
#include "viewer_css.h"
#include "viewer_js.h"

const char *viewer__asset(const char *name, size_t *len)
{
	const char *s = NULL;
	size_t n = 0;
	if (!strcmp(name, "viewer.js"))
		s = viewer_js, n = sizeof(viewer_js) - 1;
	else if (!strcmp(name, "viewer.css"))
		s = viewer_css, n = sizeof(viewer_css) - 1;
	if (s && len)
		*len = n;
	return s;
}

/* ---- the node tree: preorder, same-name siblings merged, children by name ---- */

struct kid {
	const char *name;
	uint32_t str;
	uint32_t node;
};

static int kid_cmp(const void *a, const void *b)
{
	const struct kid *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->str != y->str ? (x->str < y->str ? -1 : 1) : (x->node > y->node) - (x->node < y->node);
}

/*
 * A group of trie nodes drawn as one frame: siblings (or merged cousins) of one name; pad is
 * the value of the left-out siblings just before it (its left edge moves right by that much).
 */
struct group {
	uint32_t *nodes;
	uint32_t n;
	uint32_t depth;
	uint64_t pad;
};

struct tree {
	uint32_t *name;  /* per emitted node: index into names */
	uint32_t *depth;
	uint64_t *total;
	uint64_t *pad;   /* per emitted node: the value of left-out siblings just before it */
	uint32_t n;
	uint32_t *map;   /* trie node -> emitted node, PROFILE_NONE when not drawn */
	uint32_t *strname; /* string id -> names index */
	uint32_t *names;   /* names index -> string id (0: "all") */
	uint32_t nnames;
};

static uint32_t name_index(struct tree *t, uint32_t str)
{
	if (t->strname[str] == PROFILE_NONE) {
		t->names[t->nnames] = str;
		t->strname[str] = t->nnames++;
	}
	return t->strname[str];
}

/*
 * Builds the drawn tree; frames (after merging) whose total is below minv are left out, and
 * *pruned tells whether any was. Their values stay in their parents' totals.
 */
static void tree_build(struct tree *t, const struct profile *p, const uint64_t *tot,
		       uint64_t minv, bool *pruned)
{
	*pruned = false;
	uint32_t nn = profile__nnodes(p), ns = profile__nstrings(p);
	t->name = xmalloc(nn * sizeof(*t->name));
	t->depth = xmalloc(nn * sizeof(*t->depth));
	t->total = xmalloc(nn * sizeof(*t->total));
	t->pad = xmalloc(nn * sizeof(*t->pad));
	t->map = xmalloc(nn * sizeof(*t->map));
	memset(t->map, 0xff, nn * sizeof(*t->map));
	t->strname = xmalloc((ns + 1) * sizeof(*t->strname));
	memset(t->strname, 0xff, (ns + 1) * sizeof(*t->strname));
	t->names = xmalloc((ns + 2) * sizeof(*t->names));
	t->names[0] = PROFILE_NONE; /* "all" */
	t->nnames = 1;
	t->n = 0;

	struct group *st = xmalloc(sizeof(*st));
	size_t depth = 1, cap = 1;
	st[0].nodes = xmalloc(sizeof(uint32_t));
	st[0].nodes[0] = PROFILE_ROOT;
	st[0].n = 1;
	st[0].depth = 0;
	st[0].pad = 0;
	struct kid *kids = NULL;
	size_t capk = 0;
	while (depth) {
		struct group g = st[--depth];
		uint32_t e = t->n++;
		uint64_t sum = 0;
		size_t nk = 0;
		for (uint32_t i = 0; i < g.n; i++) {
			uint32_t v = g.nodes[i];
			t->map[v] = e;
			sum = sum + tot[v] < sum ? UINT64_MAX : sum + tot[v];
			for (uint32_t c = profile__first_child(p, v); c != PROFILE_NONE;
			     c = profile__next_sibling(p, c)) {
				if (!tot[c])
					continue;
				if (nk == capk) {
					capk = capk ? capk * 2 : 64;
					kids = xrealloc(kids, capk * sizeof(*kids));
				}
				uint32_t str = profile__frame_get(p, profile__node_frame(p, c))->name;
				kids[nk++] = (struct kid){profile__str(p, str), str, c};
			}
		}
		t->name[e] = g.nodes[0] == PROFILE_ROOT
				     ? 0
				     : name_index(t, profile__frame_get(p, profile__node_frame(p, g.nodes[0]))->name);
		t->depth[e] = g.depth;
		t->total[e] = sum;
		t->pad[e] = g.pad;
		free(g.nodes);
		if (nk > 1)
			qsort(kids, nk, sizeof(*kids), kid_cmp);
		/* runs of one name, pushed last first so that the first pops first */
		size_t runs = 0;
		for (size_t i = 0; i < nk; i++)
			runs += !i || kids[i].str != kids[i - 1].str;
		if (depth + runs > cap) {
			cap = (depth + runs) * 2;
			st = xrealloc(st, cap * sizeof(*st));
		}
		size_t end = nk, slot = depth;
		struct group *right = NULL; /* the kept run right of the ones being visited */
		while (end > 0) {
			size_t start = end - 1;
			while (start > 0 && kids[start - 1].str == kids[end - 1].str)
				start--;
			uint64_t run = 0;
			for (size_t i = start; i < end && run < minv; i++)
				run += tot[kids[i].node];
			if (run < minv) { /* (summed whole: it stayed under minv) */
				*pruned = true;
				if (right)
					right->pad += run;
				end = start;
				continue;
			}
			struct group *ng = &st[slot++];
			right = ng;
			ng->pad = 0;
			ng->n = (uint32_t)(end - start);
			ng->nodes = xmalloc(ng->n * sizeof(uint32_t));
			for (size_t i = start; i < end; i++)
				ng->nodes[i - start] = kids[i].node;
			ng->depth = g.depth + 1;
			end = start;
		}
		depth = slot;
	}
	free(kids);
	free(st);
}

static void tree_free(struct tree *t)
{
	free(t->name);
	free(t->depth);
	free(t->total);
	free(t->pad);
	free(t->map);
	free(t->strname);
	free(t->names);
}

/*
 * The packed number text of the JSON: each value as little-endian groups of 5 bits, one
 * character per group from a base64url alphabet, the 32 bit set while more groups follow.
 * JSON.parse takes one long string much faster than arrays of a million numbers.
 */
static const char v64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void add_varint(struct strbuf *out, uint64_t v)
{
	char buf[16];
	size_t n = 0;
	do {
		unsigned g = v & 31;
		v >>= 5;
		buf[n++] = v64[g | (v ? 32 : 0)];
	} while (v);
	strbuf__add(out, buf, n);
}

/*
 * The page's packed nodes (viewer.h): three LEB128 columns (name index, zigzag depth change,
 * self value), deflated (zlib) and in base64. Self values are mostly 0 (only leaves and
 * stack ends have any), which is what makes them compress; the viewer sums the totals back.
 */
static void add_leb(struct strbuf *b, uint64_t v)
{
	char buf[10];
	size_t n = 0;
	do {
		buf[n] = (char)(v & 127);
		v >>= 7;
		buf[n++] |= v ? (char)128 : 0;
	} while (v);
	strbuf__add(b, buf, n);
}

static void add_base64(struct strbuf *out, const unsigned char *s, size_t n)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	strbuf__grow(out, (n + 2) / 3 * 4 + 1);
	char *o = out->buf + out->len;
	size_t i = 0;
	for (; i + 2 < n; i += 3, o += 4) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		o[0] = b64[v >> 18], o[1] = b64[v >> 12 & 63], o[2] = b64[v >> 6 & 63], o[3] = b64[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
		o[0] = b64[v >> 18], o[1] = b64[v >> 12 & 63];
		o[2] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		o[3] = '=';
		o += 4;
	}
	out->len = (size_t)(o - out->buf);
	out->buf[out->len] = 0;
}

static int add_packed_nodes(struct strbuf *out, const struct tree *t)
{
	struct strbuf raw = {0};
	uint64_t *self = xmalloc((t->n ? t->n : 1) * sizeof(*self));
	uint32_t *open = xmalloc((t->n + 1) * sizeof(*open)); /* open[d]: the node at depth d */
	for (uint32_t i = 0; i < t->n; i++) {
		self[i] = t->total[i];
		open[t->depth[i]] = i;
		if (t->depth[i]) {
			uint64_t *ps = &self[open[t->depth[i] - 1]];
			*ps = *ps > t->total[i] ? *ps - t->total[i] : 0;
		}
	}
	for (uint32_t i = 0; i < t->n; i++)
		add_leb(&raw, t->name[i]);
	int64_t prev = -1;
	for (uint32_t i = 0; i < t->n; i++) {
		int64_t dd = (int64_t)t->depth[i] - prev - 1;
		add_leb(&raw, dd >= 0 ? (uint64_t)dd * 2 : (uint64_t)(-dd) * 2 - 1);
		prev = t->depth[i];
	}
	for (uint32_t i = 0; i < t->n; i++)
		add_leb(&raw, self[i]);
	free(self);
	free(open);
	uLongf zlen = compressBound(raw.len);
	unsigned char *z = xmalloc(zlen);
	int r = compress2(z, &zlen, (const Bytef *)raw.buf, raw.len, Z_DEFAULT_COMPRESSION);
	if (r == Z_OK) {
		strbuf__addf(out, "\"nodes\":{\"count\":%u,\"bytes\":%zu,\"deflate\":\"", t->n, raw.len);
		add_base64(out, z, zlen);
		strbuf__adds(out, "\"}");
	}
	free(z);
	strbuf__free(&raw);
	return r == Z_OK ? 0 : -ENOMEM;
}

/* ---- the timeline: samples per (bucket, leaf) ---- */

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Sorts keys and merges equal ones into keys/counts; returns the number of distinct keys. */
static size_t merge_keys(uint64_t *keys, uint32_t *counts, size_t n)
{
	qsort(keys, n, sizeof(*keys), u64_cmp);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && keys[m - 1] == keys[i]) {
			counts[m - 1] += counts[i];
		} else {
			keys[m] = keys[i];
			counts[m++] = counts[i];
		}
	}
	return m;
}

static void add_timeline(struct strbuf *out, const struct profile *p, const struct tree *t)
{
	size_t n;
	const struct timeline_entry *tl = profile__timeline(p, &n);
	if (!tl || !n)
		return;
	uint64_t q_ms = 10, end_ns = profile__meta((struct profile *)p)->duration_ns;
	uint64_t *keys = xmalloc(n * sizeof(*keys));
	uint32_t *counts = xmalloc(n * sizeof(*counts));
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (tl[i].node >= profile__nnodes(p) || t->map[tl[i].node] == PROFILE_NONE)
			continue;
		if (tl[i].time_ns > end_ns)
			end_ns = tl[i].time_ns;
		uint64_t b = tl[i].time_ns / (q_ms * 1000000u);
		if (b > UINT32_MAX)
			b = UINT32_MAX;
		keys[m] = b << 32 | t->map[tl[i].node];
		counts[m++] = 1;
	}
	m = merge_keys(keys, counts, m);
	bool coarsened = false;
	while (m > VIEWER_MAX_TIMELINE) {
		q_ms *= 2;
		coarsened = true;
		for (size_t i = 0; i < m; i++)
			keys[i] = (keys[i] >> 33) << 32 | (keys[i] & 0xffffffffu);
		m = merge_keys(keys, counts, m);
	}
	strbuf__addf(out, ",\"timeline\":{\"q\":%llu,\"end\":%llu,\"coarsened\":%d,\"count\":%zu,"
		     "\"data\":\"",
		     (unsigned long long)q_ms, (unsigned long long)((end_ns + 999999) / 1000000),
		     coarsened, m);
	/* per pair: bucket minus the previous pair's bucket, node, samples */
	uint64_t prev = 0;
	for (size_t i = 0; i < m; i++) {
		add_varint(out, (keys[i] >> 32) - prev);
		add_varint(out, keys[i] & 0xffffffffu);
		add_varint(out, counts[i]);
		prev = keys[i] >> 32;
	}
	strbuf__adds(out, "\"}");
	free(keys);
	free(counts);
}

/*
 * The viewer's hot palette index of a name (util.js: FNV-1a of its UTF-16 code units, low 8
 * bits), or -1 for a name with non-ASCII bytes (the viewer hashes those itself).
 */
static int hot_index(const char *name)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		if (*c >= 0x80)
			return -1;
		h ^= *c;
		h *= 16777619u;
	}
	return (int)(h & 255);
}

/*
 * viewer__json with frames narrower than 1/min_div of all left out (0: none), and without
 * the timeline when coarse; with the nodes packed (add_packed_nodes) when packed. Returns
 * whether any frame was left out, or -ENOMEM when packing failed.
 */
static int write_json(const struct profile *p, int col, struct strbuf *out, uint64_t min_div,
		      bool packed)
{
	uint64_t *tot = profile__totals(p, col);
	struct tree t;
	bool pruned;
	uint64_t minv = min_div ? tot[PROFILE_ROOT] / min_div : 0;
	tree_build(&t, p, tot, minv ? minv : 1, &pruned);
	free(tot);
	const struct profile_meta *m = profile__meta((struct profile *)p);

	strbuf__adds(out, "{\"v\":1,\"unit\":");
	json__string(out, profile__column_unit(p, col));
	strbuf__adds(out, ",\"column\":");
	json__string(out, profile__column_name(p, col));
	strbuf__adds(out, ",\"scale\":");
	strbuf__addu(out, profile__value_scale(p));
	strbuf__adds(out, ",\"total\":");
	strbuf__addu(out, t.total[0]);
	strbuf__adds(out, ",\"meta\":{\"event\":");
	json__string(out, m->event ? m->event : "");
	strbuf__adds(out, ",\"cmdline\":");
	json__string(out, m->cmdline ? m->cmdline : "");
	strbuf__addf(out, ",\"freq\":%u,\"duration_ns\":%llu,\"lost\":%llu}", m->freq,
		     (unsigned long long)m->duration_ns, (unsigned long long)m->lost);
	strbuf__adds(out, ",\"names\":[\"all\"");
	for (uint32_t i = 1; i < t.nnames; i++) {
		strbuf__addc(out, ',');
		json__string(out, profile__str(p, t.names[i]));
	}
	int r = 0;
	if (packed) {
		strbuf__adds(out, "],");
		r = add_packed_nodes(out, &t);
	} else if (min_div) {
		/* the coarse copy: JSON arrays, which JSON.parse reads natively, before the
		 * viewer's script has been compiled beyond the interpreter; with each name's
		 * colour, which the viewer would hash in its interpreter before the first paint */
		strbuf__adds(out, "],\"hot\":[");
		for (uint32_t i = 0; i < t.nnames; i++) {
			if (i)
				strbuf__addc(out, ',');
			int h = hot_index(i ? profile__str(p, t.names[i]) : "all");
			if (h < 0)
				strbuf__adds(out, "-1");
			else
				strbuf__addu(out, (uint64_t)h);
		}
		strbuf__addf(out, "],\"nodes\":{\"count\":%u,\"name\":[", t.n);
		for (uint32_t i = 0; i < t.n; i++) {
			if (i)
				strbuf__addc(out, ',');
			strbuf__addu(out, t.name[i]);
		}
		strbuf__adds(out, "],\"dz\":[");
		int64_t prev = -1;
		for (uint32_t i = 0; i < t.n; i++) {
			int64_t dd = (int64_t)t.depth[i] - prev - 1;
			if (i)
				strbuf__addc(out, ',');
			strbuf__addu(out, dd >= 0 ? (uint64_t)dd * 2 : (uint64_t)(-dd) * 2 - 1);
			prev = t.depth[i];
		}
		strbuf__adds(out, "],\"total\":[");
		for (uint32_t i = 0; i < t.n; i++) {
			if (i)
				strbuf__addc(out, ',');
			strbuf__addu(out, t.total[i]);
		}
		/* each node's left edge in value units, where the full graph has it: left-out
		 * siblings just before a node (pad) move it right */
		strbuf__adds(out, "],\"x\":[");
		uint64_t *cur = xcalloc((size_t)t.n + 2, sizeof(*cur)); /* next left edge per depth */
		for (uint32_t i = 0; i < t.n; i++) {
			uint32_t d = t.depth[i];
			uint64_t x = cur[d] + t.pad[i];
			if (i)
				strbuf__addc(out, ',');
			strbuf__addu(out, x);
			cur[d] = x + t.total[i];
			cur[d + 1] = x;
		}
		free(cur);
		strbuf__adds(out, "]}");
	} else {
		strbuf__addf(out, "],\"nodes\":{\"count\":%u,\"data\":\"", t.n);
		/* per node: name index, depth change (zigzag of depth - previous depth - 1), total */
		int64_t prev = -1;
		for (uint32_t i = 0; i < t.n; i++) {
			int64_t dd = (int64_t)t.depth[i] - prev - 1;
			add_varint(out, t.name[i]);
			add_varint(out, dd >= 0 ? (uint64_t)dd * 2 : (uint64_t)(-dd) * 2 - 1);
			add_varint(out, t.total[i]);
			prev = t.depth[i];
		}
		strbuf__adds(out, "\"}");
	}
	if (min_div)
		strbuf__adds(out, ",\"partial\":true");
	else if (col == 0) /* the timeline counts samples: column 0 */
		add_timeline(out, p, &t);
	strbuf__addc(out, '}');
	tree_free(&t);
	return r < 0 ? r : pruned && min_div;
}

/*
 * Frames narrower than this share of all are left out of the page's first, coarse copy of
 * the profile: on a graph up to 2,048 CSS pixels wide they are under the one pixel the
 * viewer draws at least (MIN_W), so that the first paint is the graph the full copy draws;
 * on a wider graph, frames of 1 to 1.x pixels join it when the full copy is loaded. A small
 * copy is what makes the first paint fast: 200,000 stacks are ~1.3 million frames, of which
 * ~6,500 are this wide (~12,000 at 1/4096: twice the JSON to parse and nodes to lay out
 * before the first frame).
 */
#define COARSE_DIV 2048u

int viewer__json(const struct profile *p, struct strbuf *out)
{
	write_json(p, 0, out, 0, false);
	return 0;
}

int viewer__coarse_json(const struct profile *p, struct strbuf *out)
{
	size_t at = out->len;
	int r = write_json(p, 0, out, COARSE_DIV, false);
	if (r <= 0 && out->buf) { /* nothing left out: the full JSON is the one to draw */
		out->len = at;
		out->buf[at] = 0;
	}
	return r > 0;
}

/* ---- the offline page ---- */

/*
 * Appends JSON for the inside of a <script> element: '<' occurs only in its strings, where
 * \u003c reads the same and "</script>" or "<!--" cannot end or change the element.
 */
static void add_script_json(struct strbuf *out, const char *s, size_t n)
{
	size_t from = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '<') {
			strbuf__add(out, s + from, i - from);
			strbuf__adds(out, "\\u003c");
			from = i + 1;
		}
	}
	strbuf__add(out, s + from, n - from);
}

int viewer__html(const struct profile *p, struct strbuf *out)
{
	return viewer__html_columns(p, 0, -1, out);
}

int viewer__html_columns(const struct profile *p, int col, int before_col, struct strbuf *out)
{
	if (col < 0 || col >= profile__ncolumns(p) || before_col >= profile__ncolumns(p))
		return -EINVAL;
	/* The coarse copy is parsed and drawn first; the full one, further down the page, is
	 * loaded when the parser gets there (load() keeps zoom and search). */
	struct strbuf coarse = {0}, json = {0};
	struct strbuf before = {0};
	int two = write_json(p, col, &coarse, COARSE_DIV, false);
	int r = write_json(p, col, &json, 0, true);
	if (r >= 0 && before_col >= 0)
		r = write_json(p, before_col, &before, 0, true);
	if (r < 0) {
		strbuf__free(&coarse);
		strbuf__free(&json);
		strbuf__free(&before);
		return r;
	}
	const struct profile_meta *m = profile__meta((struct profile *)p);
	strbuf__adds(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			  "<title>");
	const char *title = m->cmdline && *m->cmdline ? m->cmdline : "Flame Graph";
	for (const char *c = title; *c; c++) {
		switch (*c) {
		case '<': strbuf__adds(out, "&lt;"); break;
		case '>': strbuf__adds(out, "&gt;"); break;
		case '&': strbuf__adds(out, "&amp;"); break;
		default: strbuf__addc(out, *c);
		}
	}
	strbuf__adds(out, " - scorch</title>\n<style>\n");
	size_t len;
	const char *css = viewer__asset("viewer.css", &len);
	strbuf__add(out, css, len);
	strbuf__adds(out, "</style>\n</head>\n<body>\n<div id=\"scorch-viewer\"></div>\n");
	/* the coarse copy before the script, which draws it as soon as it has run (one script:
	 * the parser does not stop between them to take in more of the page) */
	if (two) {
		strbuf__adds(out, "<script type=\"application/json\" id=\"scorch-coarse\">");
		add_script_json(out, coarse.buf, coarse.len);
		strbuf__adds(out, "</script>\n");
	}
	strbuf__adds(out, "<script>\n");
	const char *js = viewer__asset("viewer.js", &len);
	strbuf__add(out, js, len); /* viewer.js has no "</" (the Makefile checks) */
	if (two)
		strbuf__adds(out, "ScorchViewer.create(document.getElementById('scorch-viewer'), {})\n"
				  "\t.load(JSON.parse(document.getElementById('scorch-coarse').textContent));\n");
	strbuf__adds(out, "</script>\n");
	strbuf__adds(out, "<script type=\"application/json\" id=\"scorch-data\">");
	add_script_json(out, json.buf, json.len);
	strbuf__adds(out, "</script>\n");
	if (before_col >= 0) { /* a differential: the before column is the baseline */
		strbuf__adds(out, "<script type=\"application/json\" id=\"scorch-baseline\">");
		add_script_json(out, before.buf, before.len);
		strbuf__adds(out, "</script>\n");
	}
	strbuf__adds(out, "<script>\n");
	strbuf__adds(out, two ? "ScorchViewer.loadPage(document.getElementById('scorch-viewer'), true);\n"
			      : "ScorchViewer.loadPage(document.getElementById('scorch-viewer'), false);\n");
	strbuf__adds(out, "</script>\n</body>\n</html>\n");
	strbuf__free(&coarse);
	strbuf__free(&json);
	strbuf__free(&before);
	return 0;
}

int viewer__write_html(const struct profile *p, FILE *f)
{
	struct strbuf out = {0};
	int r = viewer__html(p, &out);
	if (r == 0 && (fwrite(out.buf, 1, out.len, f) != out.len || fflush(f) != 0))
		r = -EIO;
	strbuf__free(&out);
	return r;
}
