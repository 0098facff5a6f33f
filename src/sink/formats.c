// SPDX-License-Identifier: MIT
/* What the interchange writers share: choice by suffix, JSON strings, per-thread flame charts. */
#include "formats.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../util/utf8.h"

format_write_fn format__writer_for(const char *path)
{
	if (util__has_suffix(path, ".pb.gz") || util__has_suffix(path, ".pprof"))
		return pprof__write;
	if (util__has_suffix(path, ".speedscope.json"))
		return speedscope__write;
	if (util__has_suffix(path, ".trace.json"))
		return trace__write;
	if (util__has_suffix(path, ".json"))
		return d3json__write;
	return NULL;
}

void json__string(struct strbuf *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	strbuf__addc(out, '"');
	size_t run = 0;
	for (size_t i = 0;; i++) {
		unsigned char ch = u[i];
		if (ch >= 0x20 && ch != '"' && ch != '\\' && ch < 0x80) {
			run++;
			continue;
		}
		strbuf__add(out, s + i - run, run);
		run = 0;
		if (!ch)
			break;
		if (ch >= 0x80) {
			size_t n = utf8__len(u + i, 4); /* stops at the NUL */
			if (n) {
				strbuf__add(out, s + i, n);
				i += n - 1;
			} else {
				strbuf__adds(out, "\\ufffd");
			}
		} else if (ch == '"' || ch == '\\') {
			strbuf__addc(out, '\\');
			strbuf__addc(out, (char)ch);
		} else {
			char esc[7] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15], 0};
			strbuf__adds(out, esc);
		}
	}
	strbuf__addc(out, '"');
}

uint64_t format__sample_ns(const struct profile *p)
{
	const struct profile_meta *m = profile__meta((struct profile *)p);
	bool clock = m->event && (!strcmp(m->event, "cpu-clock") || !strcmp(m->event, "task-clock"));
	if (m->period && clock)
		return m->period;
	if (m->freq)
		return 1000000000ull / m->freq;
	return 0;
}

int format__root_ids(const struct profile *p, uint32_t node, char *comm, size_t cap,
		     uint32_t *pid, uint32_t *tid)
{
	while (node != PROFILE_ROOT && profile__node_parent(p, node) != PROFILE_ROOT)
		node = profile__node_parent(p, node);
	*pid = *tid = 0;
	if (cap)
		comm[0] = '\0';
	if (node == PROFILE_ROOT)
		return -EINVAL;
	const struct frame *f = profile__frame_get(p, profile__node_frame(p, node));
	if (f->kind != FRAME_SYNTHETIC)
		return -EINVAL;
	const char *name = profile__str(p, f->name);
	const char *dash = strrchr(name, '-');
	unsigned long a = 0, b = 0;
	int used = 0;
	size_t clen = strlen(name);
	if (dash && dash != name &&
	    (sscanf(dash + 1, "%lu/%lu%n", &a, &b, &used) == 2 ||
	     sscanf(dash + 1, "%lu%n", &a, &used) == 1) &&
	    dash[1 + used] == '\0' && isdigit((unsigned char)dash[1])) {
		clen = (size_t)(dash - name);
		*pid = (uint32_t)a;
		*tid = (uint32_t)b;
	}
	if (cap) {
		if (clen >= cap)
			clen = cap - 1;
		memcpy(comm, name, clen);
		comm[clen] = '\0';
	}
	return 0;
}

struct tl_ref {
	uint64_t time;
	uint32_t thread; /* order of first appearance */
	uint32_t index;  /* position in the timeline */
};

static int tl_cmp(const void *a, const void *b)
{
	const struct tl_ref *x = a, *y = b;
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

size_t format__chart(const struct profile *p, uint64_t last_ns, const struct chart_ops *ops,
		     void *arg)
{
	size_t n;
	const struct timeline_entry *tl = profile__timeline(p, &n);
	if (!n)
		return 0;
	/* order: thread by first appearance, then time (stable for equal times) */
	struct tl_ref *refs = xmalloc(n * sizeof(*refs));
	uint32_t *tids = NULL;
	size_t ntids = 0;
	for (size_t i = 0; i < n; i++) {
		size_t t = 0;
		while (t < ntids && tids[t] != tl[i].tid)
			t++;
		if (t == ntids) {
			tids = xrealloc(tids, (ntids + 1) * sizeof(*tids));
			tids[ntids++] = tl[i].tid;
		}
		refs[i] = (struct tl_ref){tl[i].time_ns, (uint32_t)t, (uint32_t)i};
	}
	qsort(refs, n, sizeof(*refs), tl_cmp);
	uint32_t *cur = NULL, *next = NULL;
	size_t ncur = 0, cap = 0;
	for (size_t i = 0; i < n; i++) {
		const struct timeline_entry *e = &tl[refs[i].index];
		bool first = i == 0 || refs[i].thread != refs[i - 1].thread;
		if (first)
			ops->begin(arg, e->tid, e->time_ns);
		size_t depth = profile__node_depth(p, e->node);
		if (depth > cap) {
			cap = depth * 2;
			cur = xrealloc(cur, cap * sizeof(*cur));
			next = xrealloc(next, cap * sizeof(*next));
		}
		size_t d = depth;
		for (uint32_t m = e->node; m != PROFILE_ROOT && d > 0; m = profile__node_parent(p, m))
			next[--d] = m;
		size_t common = 0;
		while (common < ncur && common < depth && cur[common] == next[common])
			common++;
		while (ncur > common)
			ops->close(arg, cur[--ncur], e->time_ns);
		for (; ncur < depth; ncur++) {
			cur[ncur] = next[ncur];
			ops->open(arg, cur[ncur], e->time_ns);
		}
		bool last = i + 1 == n || refs[i + 1].thread != refs[i].thread;
		if (last) {
			uint64_t t1 = e->time_ns + last_ns;
			while (ncur > 0)
				ops->close(arg, cur[--ncur], t1);
			ops->end(arg, e->tid, t1);
		}
	}
	free(cur);
	free(next);
	free(refs);
	free(tids);
	return ntids;
}
