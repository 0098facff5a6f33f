// SPDX-License-Identifier: MIT
/* `perf script` text -> profile, reproducing stackcollapse-perf.pl's parsing rules. */
#define _GNU_SOURCE
#include "read_perf_script.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "perf_names.h"
#include "perf_script_blocks.h"
#include "../symbol/symbolizer.h"
#include "../util/quote.h"
#include "../util/strhash.h"
#include "../util/util.h"

/* perl's \s, \d and \w on byte strings */
static inline bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_word(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

struct span {
	const char *s;
	size_t n;
};

/* perl: ^(\S.+?)\s+(\d+)\/ *(\d+)*\s+  (without the space before the star) */
static bool match_event(const char *s, size_t n, struct span *comm, struct span *pid,
			struct span *tid)
{
	if (n < 5 || is_space((unsigned char)s[0]))
		return false;
	size_t i = 2;
	while (i < n) {
		if (!is_space((unsigned char)s[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && is_space((unsigned char)s[j]))
			j++;
		if (j < n && is_digit((unsigned char)s[j])) {
			size_t k = j;
			while (k < n && is_digit((unsigned char)s[k]))
				k++;
			size_t sl = k;
			while (sl < n && s[sl] == '/')
				sl++;
			size_t t = sl;
			while (t < n && is_digit((unsigned char)s[t]))
				t++;
			if (k < n && is_space((unsigned char)s[k])) {
				*tid = (struct span){NULL, 0};
			} else if (t < n && is_space((unsigned char)s[t])) {
				*tid = (struct span){s + sl, t - sl};
			} else {
				i = j;
				continue;
			}
			*comm = (struct span){s, i};
			*pid = (struct span){s + j, k - j};
			return true;
		}
		i = j;
	}
	return false;
}

/* /:\s*(\d+)*\s+(\S+):\s*$/ */
static bool match_period_event(const char *s, size_t n, struct span *period, struct span *event)
{
	size_t e = n;
	while (e > 0 && is_space((unsigned char)s[e - 1]))
		e--;
	if (e < 2 || s[e - 1] != ':')
		return false;
	size_t tb = e - 1;
	while (tb > 0 && !is_space((unsigned char)s[tb - 1]))
		tb--;
	if (tb == e - 1 || tb == 0)
		return false;
	size_t a = tb;
	while (a > 0 && is_space((unsigned char)s[a - 1]))
		a--;
	*event = (struct span){s + tb, e - 1 - tb};
	if (a > 0 && s[a - 1] == ':') {
		*period = (struct span){NULL, 0};
		return true;
	}
	size_t d = a;
	while (d > 0 && is_digit((unsigned char)s[d - 1]))
		d--;
	if (d == a)
		return false;
	size_t c = d;
	while (c > 0 && is_space((unsigned char)s[c - 1]))
		c--;
	if (c > 0 && s[c - 1] == ':') {
		*period = (struct span){s + d, a - d};
		return true;
	}
	return false;
}

/* /^\s*(\w+)\s*(.+) \((.*)\)/ with perl's backtracking made explicit */
static bool match_stack(const char *s, size_t n, struct span *pc, struct span *func,
			struct span *mod)
{
	size_t st = 0;
	while (st < n && is_space((unsigned char)s[st]))
		st++;
	if (st == n || !is_word((unsigned char)s[st]))
		return false;
	const char *lc = memrchr(s, ')', n);
	if (!lc)
		return false;
	size_t q = (size_t)(lc - s);
	if (q < 2)
		return false;
	size_t P = q - 2;
	for (;;) {
		if (s[P] == ' ' && s[P + 1] == '(')
			break;
		if (P == 0)
			return false;
		P--;
	}
	size_t we = st;
	while (we < n && is_word((unsigned char)s[we]))
		we++;
	size_t fmax = we;
	while (fmax < n && is_space((unsigned char)s[fmax]))
		fmax++;
	size_t e, f;
	if (P >= fmax + 1) {
		e = we;
		f = fmax;
	} else if (P >= we + 1) {
		e = we;
		f = P - 1;
	} else if (P >= st + 2) {
		e = P - 1;
		f = e;
	} else {
		return false;
	}
	*pc = (struct span){s + st, e - st};
	*func = (struct span){s + f, P - f};
	*mod = (struct span){s + P + 2, q - P - 2};
	return true;
}

/* /(perf-\d+.map|kernel\.|\[[^\]]+\])/: modules --inline does not look into */
static bool inline_skips(const char *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i + 5 <= n && !memcmp(m + i, "perf-", 5)) {
			size_t j = i + 5, d = j;
			while (d < n && is_digit((unsigned char)m[d]))
				d++;
			if (d > j && d + 4 <= n && !memcmp(m + d + 1, "map", 3))
				return true;
		}
		if (i + 7 <= n && !memcmp(m + i, "kernel.", 7))
			return true;
		if (m[i] == '[') {
			size_t j = i + 1;
			while (j < n && m[j] != ']')
				j++;
			if (j < n && j > i + 1)
				return true;
		}
	}
	return false;
}

/* m:/tmp/perf-\d+\.map: */
static bool is_jit_map(const char *m, size_t n)
{
	for (const char *p = m; (p = memmem(p, n - (size_t)(p - m), "/tmp/perf-", 10));) {
		const char *d = p + 10, *e = m + n;
		while (d < e && is_digit((unsigned char)*d))
			d++;
		if (d > p + 10 && e - d >= 4 && !memcmp(d, ".map", 4))
			return true;
		p++;
	}
	return false;
}

static bool contains(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle)) != NULL;
}

/*
 * Stack lines repeat (the same pc, symbol and module in thousands of samples), so the frames
 * a line produced are remembered by the line's bytes (a copy: the input comes in pieces). One
 * cache per Java-tidy setting, since that depends on the sample's process name.
 */
struct cached_line {
	const char *s;
	uint32_t len;
	uint32_t hash;
	uint32_t start; /* the line's frame ids: ids[start .. start + count) */
	uint32_t count; /* UINT32_MAX: not a stack line */
};

struct line_cache {
	struct cached_line *lines;
	size_t n, cap;
	uint32_t *slot; /* line index + 1; 0 is empty */
	size_t mask;
	uint32_t *ids;
	size_t nids, capids;
};

struct reader {
	struct profile *p;
	struct line_cache cache[2];
	const struct perf_script_opts *o;
	struct perf_script_stats *st;
	int col;
	/* current sample */
	bool have_pname;
	bool java;
	uint32_t *pname;
	size_t npname, cappname;
	uint64_t period;
	/* frames of the current sample in input order, and where each line's group starts */
	uint32_t *fr;
	size_t nfr, capfr;
	size_t *grp;
	size_t ngrp, capgrp;
	uint32_t *stack;
	size_t capstack;
	struct strbuf name;
	/* whole samples' blocks of stack lines; the block being read line by line starts at
	 * blk_start (line blk_line0 + 1) and is cached at its blank line if it stayed clean */
	struct ps_blocks blocks;
	const char *blk_start;
	uint64_t blk_line0;
	/* event filter */
	char *filter;
	bool filter_defaulted, filter_warned;
	/* copies of the cached lines' texts */
	struct ps_text text;
	/* input: the piece being read */
	const char *pos, *end;
	int err;
	int max_warn;
};

static void push_id(uint32_t **v, size_t *n, size_t *cap, uint32_t id)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, sizeof(**v) * *cap);
	}
	(*v)[(*n)++] = id;
}

/* Interns a name; a ';' inside splits it into frames so the folded line stays the same. */
static void push_names(struct reader *r, uint32_t **v, size_t *n, size_t *cap, const char *s,
		       size_t len, enum frame_kind kind)
{
	const char *semi;
	while ((semi = memchr(s, ';', len))) {
		push_id(v, n, cap, profile__frame_named(r->p, s, (size_t)(semi - s), kind));
		len -= (size_t)(semi - s) + 1;
		s = semi + 1;
	}
	push_id(v, n, cap, profile__frame_named(r->p, s, len, kind));
}

static bool next_line(struct reader *r, struct span *l)
{
	if (r->pos >= r->end)
		return false;
	const char *nl = memchr(r->pos, '\n', (size_t)(r->end - r->pos));
	l->s = r->pos;
	l->n = nl ? (size_t)(nl - r->pos) : (size_t)(r->end - r->pos);
	r->pos = nl ? nl + 1 : r->end;
	r->st->lines++;
	return true;
}

/* Ends the sample at its blank line (NULL: at a header or the end of the input). */
static void end_sample(struct reader *r, const char *blank)
{
	size_t need = r->npname + r->nfr;
	if (need > r->capstack) {
		r->capstack = need * 2;
		r->stack = xrealloc(r->stack, sizeof(*r->stack) * r->capstack);
	}
	size_t k = 0;
	for (size_t i = 0; i < r->npname; i++)
		r->stack[k++] = r->pname[i];
	for (size_t g = r->ngrp; g-- > 0;) {
		size_t a = r->grp[g], b = g + 1 < r->ngrp ? r->grp[g + 1] : r->nfr;
		for (size_t i = a; i < b; i++)
			r->stack[k++] = r->fr[i];
	}
	uint32_t node = PROFILE_ROOT;
	for (size_t i = 0; i < k; i++)
		node = profile__child(r->p, node, r->stack[i]);
	if (profile__add(r->p, node, r->col, r->period) < 0 && !r->err) {
		r->err = -EOVERFLOW;
		r->st->overflow_line = r->st->lines;
	}
	r->st->samples++;
	if (r->blk_start && blank && blank > r->blk_start)
		ps_blocks__add(&r->blocks, r->blk_start, (size_t)(blank - 1 - r->blk_start),
			       (uint32_t)(r->st->lines - 1 - r->blk_line0), r->java,
			       r->stack + r->npname, k - r->npname);
	r->blk_start = NULL;
	r->nfr = 0;
	r->ngrp = 0;
	r->have_pname = false;
}

/* A sample whose block of stack lines b was read before: its leaf, without reading the lines. */
static void end_cached_sample(struct reader *r, const struct ps_block *b)
{
	uint32_t node = PROFILE_ROOT;
	for (size_t i = 0; i < r->npname; i++)
		node = profile__child(r->p, node, r->pname[i]);
	node = ps_blocks__leaf(&r->blocks, r->p, node, b);
	r->st->lines += b->nlines;
	if (profile__add(r->p, node, r->col, r->period) < 0 && !r->err) {
		r->err = -EOVERFLOW;
		r->st->overflow_line = r->st->lines + 1; /* as end_sample: the blank line's */
	}
	r->st->samples++;
	r->pos += b->len + 1; /* to the blank line, which ends nothing now */
	r->blk_start = NULL;
	r->have_pname = false;
}

/* A sample's header; returns true when its stack lines are to be read (not filtered out). */
static bool event_line(struct reader *r, struct span line, struct span comm, struct span pid,
		       struct span tid)
{
	struct span period = {NULL, 0}, event;
	if (match_period_event(line.s, line.n, &period, &event)) {
		if (!r->filter) {
			r->filter = xstrndup(event.s, event.n);
			r->filter_defaulted = true;
		} else if (strlen(r->filter) != event.n || memcmp(r->filter, event.s, event.n)) {
			if (r->filter_defaulted && !r->filter_warned) {
				struct strbuf q = {0};
				quote__input(&q, event.s, event.n);
				fprintf(stderr, "Filtering for events of type: %s\n", q.buf);
				strbuf__free(&q);
				r->filter_warned = true;
			}
			r->st->filtered++;
			return false;
		}
	}
	uint64_t v = 1;
	if (period.n && !(period.n == 1 && period.s[0] == '0')) {
		v = 0;
		for (size_t i = 0; i < period.n; i++) {
			if (__builtin_mul_overflow(v, 10, &v) ||
			    __builtin_add_overflow(v, (uint64_t)(period.s[i] - '0'), &v)) {
				if (!r->err) {
					r->err = -EOVERFLOW;
					r->st->overflow_line = r->st->lines;
				}
				v = UINT64_MAX;
				break;
			}
		}
	}
	r->period = v;
	/* perl: a TID of "0" is false, so "0/0" reads as TID 0 and PID "?" */
	if (!tid.n || (tid.n == 1 && tid.s[0] == '0')) {
		tid = pid;
		pid = (struct span){"?", 1};
	}
	r->name.len = 0;
	perf_names__comm(&r->name, comm.s, comm.n);
	if (r->o->tid || r->o->pid) {
		strbuf__addc(&r->name, '-');
		strbuf__add(&r->name, pid.s, pid.n);
		if (r->o->tid) {
			strbuf__addc(&r->name, '/');
			strbuf__add(&r->name, tid.s, tid.n);
		}
	}
	r->npname = 0;
	push_names(r, &r->pname, &r->npname, &r->cappname, r->name.buf, r->name.len,
		   FRAME_SYNTHETIC);
	/* stackcollapse-perf.pl tidies Java names when the root matches /^java/, so
	 * "java-PID" and "java-PID/TID" roots count too. */
	r->java = r->name.len >= 4 && !memcmp(r->name.buf, "java", 4);
	r->have_pname = true;
	return true;
}

static void start_group(struct reader *r)
{
	if (r->ngrp == r->capgrp) {
		r->capgrp = r->capgrp ? r->capgrp * 2 : 64;
		r->grp = xrealloc(r->grp, sizeof(*r->grp) * r->capgrp);
	}
	r->grp[r->ngrp++] = r->nfr;
}

/* The kind of the part-th frame of a stack line, as stackcollapse-perf.pl decides its
 * annotation: later "->" parts are inlined, else kernel or JIT by the module's name. */
static enum frame_kind frame_kind_of(const struct perf_script_opts *o, size_t part,
				     struct span mod)
{
	if (part > 0)
		return FRAME_INLINED;
	bool kernel = mod.n && (mod.s[0] == '[' ||
				(mod.n >= 7 && !memcmp(mod.s + mod.n - 7, "vmlinux", 7))) &&
		      !contains(mod.s, mod.n, "unknown");
	bool jit = is_jit_map(mod.s, mod.n);
	/* a module can look like both: the annotation perl would print decides */
	if (kernel && (o->kernel || !jit || !o->jit))
		return FRAME_KERNEL;
	return jit ? FRAME_JIT : FRAME_USER;
}

/* perf's srcline line without [...] parts, trimmed (stackcollapse-perf.pl --srcline). */
static void srcline_text(struct span sl, struct strbuf *t)
{
	for (size_t i = 0; i < sl.n; i++) {
		if (sl.s[i] == '[') {
			const char *c = memchr(sl.s + i + 1, ']', sl.n - i - 1);
			if (c) {
				i = (size_t)(c - sl.s);
				continue;
			}
		}
		strbuf__addc(t, sl.s[i]);
	}
	size_t ts = 0, te = t->len;
	while (ts < te && is_space((unsigned char)t->buf[ts]))
		ts++;
	while (te > ts && is_space((unsigned char)t->buf[te - 1]))
		te--;
	if (te == ts) {
		t->len = 0; /* an empty source line adds nothing */
		return;
	}
	memmove(t->buf, t->buf + ts, te - ts);
	t->len = te - ts;
	t->buf[t->len] = '\0';
}

/*
 * "file:123" -> file and line 123, in place in t, when printing them back gives the same
 * text (no leading zero, line > 0); anything else ("??:0", "libc.so.6") stays the file.
 */
static void split_srcline(struct strbuf *t, struct frame_info *fi)
{
	fi->file = t->buf;
	const char *colon = memrchr(t->buf, ':', t->len);
	if (!colon)
		return;
	const char *d = colon + 1, *e = t->buf + t->len;
	if (d == e || *d == '0' || e - d > 9)
		return;
	uint32_t line = 0;
	for (const char *c = d; c < e; c++) {
		if (!is_digit((unsigned char)*c))
			return;
		line = line * 10 + (uint32_t)(*c - '0');
	}
	t->buf[colon - t->buf] = '\0';
	fi->line = line;
}

static uint64_t parse_hex(struct span pc)
{
	uint64_t v = 0;
	for (size_t i = 0; i < pc.n && i < 16; i++) {
		char c = pc.s[i];
		int d = is_digit((unsigned char)c) ? c - '0'
			: (c >= 'a' && c <= 'f') ? c - 'a' + 10
			: (c >= 'A' && c <= 'F') ? c - 'A' + 10
						 : -1;
		if (d < 0)
			return 0;
		v = v << 4 | (uint64_t)d;
	}
	return v;
}

static void stack_line(struct reader *r, struct span pc, struct span func, struct span mod)
{
	const struct perf_script_opts *o = r->o;
	if (o->inlines && o->sym && !inline_skips(mod.s, mod.n)) {
		char *path = xstrndup(mod.s, mod.n);
		char *raw = xstrndup(func.s, func.n);
		char *pcs = xstrndup(pc.s, pc.n);
		uint64_t addr = strtoull(pcs, NULL, 16);
		free(pcs);
		struct strbuf res = {0};
		int ok = symbolizer__inline_chain(o->sym, path, addr, raw, o->context, &res) == 0 &&
			 res.len && strcmp(res.buf, "??") && strcmp(res.buf, "??:??:0");
		free(path);
		free(raw);
		if (ok) {
			start_group(r);
			push_names(r, &r->fr, &r->nfr, &r->capfr, res.buf, res.len, FRAME_USER);
			strbuf__free(&res);
			return;
		}
		strbuf__free(&res);
	}
	/* s/\+0x[\da-f]+$// */
	size_t fl = func.n, h = fl;
	while (h > 0 && (is_digit((unsigned char)func.s[h - 1]) ||
			 (func.s[h - 1] >= 'a' && func.s[h - 1] <= 'f')))
		h--;
	if (h < fl && h >= 3 && !memcmp(func.s + h - 3, "+0x", 3))
		fl = h - 3;
	if (fl && func.s[0] == '(')
		return;

	/* perl's split /\->/ drops trailing empty fields */
	size_t nf = fl;
	while (nf >= 2 && func.s[nf - 2] == '-' && func.s[nf - 1] == '>')
		nf -= 2;
	start_group(r);
	bool is_unknown = false;
	uint64_t addr = parse_hex(pc);
	size_t a = 0;
	for (size_t part = 0; a < nf; part++) {
		const char *arrow = memmem(func.s + a, nf - a, "->", 2);
		size_t b = arrow ? (size_t)(arrow - func.s) : nf;
		struct span f = {func.s + a, b - a};
		a = arrow ? b + 2 : nf;

		r->name.len = 0;
		bool unknown_sym = f.n == 9 && !memcmp(f.s, "[unknown]", 9);
		if (unknown_sym) {
			bool mod_unknown = mod.n == 9 && !memcmp(mod.s, "[unknown]", 9);
			if (mod_unknown)
				is_unknown = true;
			perf_names__unknown(&r->name, mod_unknown ? NULL : mod.s, mod.n, pc.s, pc.n,
					    o->addrs);
		} else {
			strbuf__add(&r->name, f.s, f.n);
		}
		perf_names__tidy(&r->name, 0, r->java);

		struct strbuf src = {0};
		if (o->srcline && !is_unknown) {
			struct span sl;
			if (next_line(r, &sl))
				srcline_text(sl, &src);
		}
		struct strbuf modname = {0};
		strbuf__add(&modname, mod.s, mod.n);
		struct frame_info fi = {.name = r->name.buf,
					.name_len = r->name.len,
					.raw = unknown_sym ? NULL : f.s,
					.raw_len = f.n,
					.module = mod.n ? modname.buf : NULL,
					.kind = frame_kind_of(o, part, mod),
					.addr = addr};
		if (src.len)
			split_srcline(&src, &fi);
		uint32_t id = r->name.len ? profile__frame_full(r->p, &fi)
					  : profile__frame_named(r->p, "", 0, fi.kind);
		push_id(&r->fr, &r->nfr, &r->capfr, id);
		strbuf__free(&modname);
		strbuf__free(&src);
	}
}

static void cache_free(struct line_cache *c)
{
	free(c->lines);
	free(c->slot);
	free(c->ids);
}

static void cache_grow(struct line_cache *c)
{
	size_t cap = c->mask ? (c->mask + 1) * 2 : 4096;
	free(c->slot);
	c->slot = xcalloc(cap, sizeof(*c->slot));
	c->mask = cap - 1;
	for (size_t i = 0; i < c->n; i++) {
		size_t j = c->lines[i].hash & c->mask;
		while (c->slot[j])
			j = (j + 1) & c->mask;
		c->slot[j] = (uint32_t)(i + 1);
	}
}

/* Handles a stack line through the cache; returns false when the line is not a stack line. */
static bool cached_stack_line(struct reader *r, struct span l)
{
	struct line_cache *c = &r->cache[r->java];
	if (!c->mask)
		cache_grow(c);
	uint32_t h = (uint32_t)strhash__64(l.s, l.n);
	size_t j = h & c->mask;
	for (;; j = (j + 1) & c->mask) {
		uint32_t v = c->slot[j];
		if (!v)
			break;
		const struct cached_line *e = &c->lines[v - 1];
		if (e->hash != h || e->len != l.n || memcmp(e->s, l.s, l.n))
			continue;
		if (e->count == UINT32_MAX)
			return false;
		if (!e->count)
			return true;
		start_group(r);
		for (uint32_t i = 0; i < e->count; i++)
			push_id(&r->fr, &r->nfr, &r->capfr, c->ids[e->start + i]);
		return true;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->lines = xrealloc(c->lines, sizeof(*c->lines) * c->cap);
	}
	struct cached_line *e = &c->lines[c->n];
	*e = (struct cached_line){ps_text__keep(&r->text, l.s, l.n), (uint32_t)l.n, h, 0,
				  UINT32_MAX};
	c->slot[j] = (uint32_t)++c->n;
	bool stack = true;
	struct span pc, func, mod;
	if (l.n > UINT32_MAX || !match_stack(l.s, l.n, &pc, &func, &mod)) {
		stack = false;
	} else {
		size_t ngrp = r->ngrp, nfr = r->nfr;
		stack_line(r, pc, func, mod);
		uint32_t n = r->ngrp > ngrp ? (uint32_t)(r->nfr - nfr) : 0;
		if (c->nids + n > c->capids) {
			c->capids = (c->nids + n) * 2 + 256;
			c->ids = xrealloc(c->ids, sizeof(*c->ids) * c->capids);
		}
		e->start = (uint32_t)c->nids;
		e->count = n;
		if (n)
			memcpy(c->ids + c->nids, r->fr + nfr, sizeof(*c->ids) * n);
		c->nids += n;
	}
	if (c->n * 10 > (c->mask + 1) * 7)
		cache_grow(c);
	return stack;
}

/* Reads the complete lines of [r->pos, r->end). */
static void read_lines(struct reader *r)
{
	struct span l;
	while (next_line(r, &l)) {
		if (l.n && l.s[0] == '#') {
			r->blk_start = NULL;
			continue;
		}
		if (l.n == 0) {
			if (r->have_pname)
				end_sample(r, l.s);
			continue;
		}
		struct span comm, pid, tid, pc, func, mod;
		bool recognized;
		if (is_space((unsigned char)l.s[0]) && !r->o->srcline) {
			/* cannot be a sample header: a frame line, or not recognized */
			recognized = r->have_pname ? cached_stack_line(r, l)
						  : match_stack(l.s, l.n, &pc, &func, &mod);
			if (!recognized || !r->have_pname)
				r->blk_start = NULL;
		} else if (match_event(l.s, l.n, &comm, &pid, &tid)) {
			r->blk_start = NULL;
			if (event_line(r, l, comm, pid, tid) && !r->ngrp && !r->o->srcline &&
			    r->pos < r->end && r->pos[0] != '\n') {
				const struct ps_block *b =
					ps_blocks__find(&r->blocks, r->pos, r->end, r->java);
				if (b) {
					end_cached_sample(r, b);
					continue;
				}
				r->blk_start = r->pos;
				r->blk_line0 = r->st->lines;
			}
			recognized = true;
		} else if ((recognized = match_stack(l.s, l.n, &pc, &func, &mod))) {
			r->blk_start = NULL;
			if (r->have_pname)
				stack_line(r, pc, func, mod);
		}
		if (!recognized) {
			r->blk_start = NULL;
			if (r->max_warn > 0 && r->st->unrecognized < (uint64_t)r->max_warn) {
				struct strbuf q = {0};
				quote__input(&q, l.s, l.n);
				util__warn("unrecognized line %llu: %s", (unsigned long long)r->st->lines,
					   q.buf);
				strbuf__free(&q);
			}
			r->st->unrecognized++;
		}
	}
}

struct perf_script_stream *perf_script__begin(struct profile *p, int col,
					      const struct perf_script_opts *opts,
					      struct perf_script_stats *st)
{
	struct reader *r = xcalloc(1, sizeof(*r));
	*r = (struct reader){.p = p, .o = opts, .st = st, .col = col};
	memset(st, 0, sizeof(*st));
	if (opts->event_filter && *opts->event_filter)
		r->filter = xstrdup(opts->event_filter);
	r->max_warn = opts->max_warnings ? opts->max_warnings : 10;
	return (struct perf_script_stream *)r;
}

size_t perf_script__feed(struct perf_script_stream *s, const char *buf, size_t len, bool last)
{
	struct reader *r = (struct reader *)s;
	if (!last) {
		const char *nl = memrchr(buf, '\n', len);
		len = nl ? (size_t)(nl + 1 - buf) : 0;
	}
	r->pos = buf;
	r->end = buf + len;
	read_lines(r);
	r->blk_start = NULL; /* the buffer is the caller's again */
	return len;
}

int perf_script__end(struct perf_script_stream *s)
{
	struct reader *r = (struct reader *)s;
	if (r->max_warn > 0 && r->st->unrecognized > (uint64_t)r->max_warn)
		util__warn("%llu unrecognized lines in all (the first %d shown)",
			   (unsigned long long)r->st->unrecognized, r->max_warn);
	int err = r->err;
	ps_blocks__free(&r->blocks);
	ps_text__free(&r->text);
	cache_free(&r->cache[0]);
	cache_free(&r->cache[1]);
	free(r->pname);
	free(r->fr);
	free(r->grp);
	free(r->stack);
	free(r->filter);
	strbuf__free(&r->name);
	free(r);
	return err;
}

int perf_script__read(const char *buf, size_t len, struct profile *p, int col,
		      const struct perf_script_opts *opts, struct perf_script_stats *st)
{
	struct perf_script_stream *s = perf_script__begin(p, col, opts, st);
	perf_script__feed(s, buf, len, true);
	return perf_script__end(s);
}
