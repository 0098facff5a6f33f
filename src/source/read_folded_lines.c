// SPDX-License-Identifier: MIT
/* Folded text as sorted lines, for writers that lay lines out as they come (no profile). */
#define _GNU_SOURCE
#include "read_folded.h"
#include "read_folded_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../util/bigmem.h"
#include "../util/util.h"

struct folded_line {
	const char *s;
	uint32_t len;  /* the whole line */
	uint32_t slen; /* the stack part; by_stack: without trailing ';' */
	uint64_t value; /* the (after) count, so the sorted pass never reads the line's end */
};

struct folded_lines {
	const char *buf;
	size_t len;
	struct folded_line *v; /* lines that may hold a count, in byte order (bigmem) */
	size_t n, cap;
	bool fixed;
	double total;
	bool two;
	const char *first_ignored; /* the earliest ignored line, or NULL */
	bool by_stack;
};

/* By stack text, shorter first (identical stacks end up adjacent). */
static int stack_cmp(const void *a, const void *b)
{
	const struct folded_line *x = a, *y = b;
	size_t m = x->slen < y->slen ? x->slen : y->slen;
	int c = memcmp(x->s, y->s, m);
	if (c)
		return c;
	return x->slen < y->slen ? -1 : x->slen > y->slen;
}

static int line_cmp(const void *a, const void *b)
{
	const struct folded_line *x = a, *y = b;
	size_t m = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, m);
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

typedef int (*line_cmp_fn)(const void *, const void *);

/*
 * Whole lines in byte order by multikey quicksort: elements are partitioned on 8 bytes at a
 * depth all of them share before it, so the long common prefixes of folded stacks are read
 * once per group instead of once per comparison, and nothing is allocated (qsort's merge
 * buffer is fresh memory, which costs more than the sort on the machines this is timed on).
 * Byte-identical lines are interchangeable, so stability does not matter here.
 */

/* The 8 bytes at depth d as a big-endian number (zeros past the end) and how many exist. */
static inline void line_key(const struct folded_line *l, size_t d, uint64_t *w, unsigned *n)
{
	size_t rem = l->len > d ? l->len - d : 0;
	uint64_t v = 0;
	if (rem >= 8) {
		memcpy(&v, l->s + d, 8);
		*n = 8;
	} else {
		memcpy(&v, l->s + d, rem);
		*n = (unsigned)rem;
	}
	*w = __builtin_bswap64(v);
}

static inline int key_cmp(uint64_t w1, unsigned n1, uint64_t w2, unsigned n2)
{
	if (w1 != w2)
		return w1 < w2 ? -1 : 1;
	return n1 < n2 ? -1 : n1 > n2;
}

/* line_cmp for lines equal in their first d bytes */
static int line_cmp_from(const struct folded_line *x, const struct folded_line *y, size_t d)
{
	size_t m = x->len < y->len ? x->len : y->len;
	int c = m > d ? memcmp(x->s + d, y->s + d, m - d) : 0;
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static inline void line_swap(struct folded_line *a, struct folded_line *b)
{
	struct folded_line t = *a;
	*a = *b;
	*b = t;
}

/* How many bytes from depth d every line of a[0..n) shares with a[0]. */
static size_t group_lcp(const struct folded_line *a, size_t n, size_t d)
{
	size_t m = a[0].len - d;
	for (size_t i = 1; i < n && m; i++) {
		size_t k = a[i].len - d < m ? a[i].len - d : m;
		size_t j = 0;
		while (j + 8 <= k) {
			uint64_t x, y;
			memcpy(&x, a[0].s + d + j, 8);
			memcpy(&y, a[i].s + d + j, 8);
			if (x != y)
				break;
			j += 8;
		}
		while (j < k && a[0].s[d + j] == a[i].s[d + j])
			j++;
		m = j;
	}
	return m;
}

static void mkqs(struct folded_line *a, size_t n, size_t d, int budget)
{
	while (n > 1) {
		if (n < 16) {
			for (size_t i = 1; i < n; i++)
				for (size_t j = i; j > 0 && line_cmp_from(&a[j - 1], &a[j], d) > 0; j--)
					line_swap(&a[j - 1], &a[j]);
			return;
		}
		if (budget-- <= 0) { /* unlucky pivots: qsort bounds the rest */
			qsort(a, n, sizeof(*a), line_cmp);
			return;
		}
		/* median of three keys */
		uint64_t w[3];
		unsigned c[3];
		size_t idx[3] = {0, n / 2, n - 1};
		for (int k = 0; k < 3; k++)
			line_key(&a[idx[k]], d, &w[k], &c[k]);
		int m = key_cmp(w[0], c[0], w[1], c[1]) < 0
				? (key_cmp(w[1], c[1], w[2], c[2]) < 0 ? 1
				   : key_cmp(w[0], c[0], w[2], c[2]) < 0 ? 2 : 0)
				: (key_cmp(w[0], c[0], w[2], c[2]) < 0 ? 0
				   : key_cmp(w[1], c[1], w[2], c[2]) < 0 ? 2 : 1);
		uint64_t pw = w[m];
		unsigned pc = c[m];
		size_t lt = 0, i = 0, gt = n;
		while (i < gt) {
			uint64_t kw;
			unsigned kc;
			line_key(&a[i], d, &kw, &kc);
			int r = key_cmp(kw, kc, pw, pc);
			if (r < 0)
				line_swap(&a[lt++], &a[i++]);
			else if (r > 0)
				line_swap(&a[i], &a[--gt]);
			else
				i++;
		}
		mkqs(a, lt, d, budget);
		mkqs(a + gt, n - gt, d, budget);
		if (pc < 8)
			return; /* the middle group's lines are identical */
		a += lt;
		n = gt - lt;
		d += 8;
		if (n > 1)
			d += group_lcp(a, n, d);
	}
}

struct line_sort_job {
	struct folded_line *a;
	size_t n;
	line_cmp_fn cmp;
};

static void sort_run(struct folded_line *a, size_t n, line_cmp_fn cmp)
{
	if (cmp == line_cmp)
		mkqs(a, n, 0, 2 * 64 + 64);
	else
		qsort(a, n, sizeof(*a), cmp);
}

static void *line_sort_half(void *arg)
{
	struct line_sort_job *j = arg;
	sort_run(j->a, j->n, j->cmp);
	return NULL;
}

/*
 * Sorts lines by cmp; big inputs sort their two halves on two threads, then merge.
 * *a (a bigmem array of cap entries) may be replaced by the merged copy.
 */
static void lines_sort(struct folded_line **pa, size_t *cap, size_t n, line_cmp_fn cmp)
{
	struct folded_line *a = *pa;
	pthread_t t;
	size_t h = n / 2;
	struct line_sort_job job = {a + h, n - h, cmp};
	if (n < 20000 || !folded__use_threads() || pthread_create(&t, NULL, line_sort_half, &job) != 0) {
		sort_run(a, n, cmp);
		return;
	}
	sort_run(a, h, cmp);
	pthread_join(t, NULL);
	struct folded_line *out = bigmem__alloc(sizeof(*out) * n);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		out[k++] = cmp(&a[j], &a[i]) < 0 ? a[j++] : a[i++];
	while (i < h)
		out[k++] = a[i++];
	while (j < n)
		out[k++] = a[j++];
	bigmem__free(a, sizeof(*a) * *cap);
	*pa = out;
	*cap = n;
}

/* 1-based number of the line that starts at s. */
static uint64_t line_number(const char *buf, const char *s)
{
	uint64_t n = 1;
	for (const char *p = buf; (p = memchr(p, '\n', (size_t)(s - p))) != NULL; p++)
		n++;
	return n;
}

static void note_ignored(struct folded_lines *fl, const char *s, struct folded_stats *st)
{
	st->ignored++;
	if (!fl->first_ignored || s < fl->first_ignored)
		fl->first_ignored = s;
}

/* Counts of one line: stack length, after (the only count of one-count lines), before. */
static int line_counts(const struct folded_lines *fl, const struct folded_line *l, size_t *slen,
		       uint64_t *after, uint64_t *before, int *two, int *frac)
{
	uint64_t v1, v2 = 0;
	int frac2 = 0;
	int m = folded__match_count(l->s, l->len, slen, &v1, frac, fl->fixed);
	*two = 0;
	if (m == 1) {
		size_t s2;
		int m2 = folded__match_count(l->s, *slen, &s2, &v2, &frac2, fl->fixed);
		if (m2 < 0)
			return m2;
		if (m2 == 1) {
			*two = 1;
			*slen = s2;
			*before = v2;
			*frac |= frac2;
		}
	}
	*after = v1;
	return m;
}

/* Parses line l (fixed-point or not) into the stats; returns folded__match_count's answer. */
static int line_scan(struct folded_lines *fl, struct folded_line *l, struct folded_stats *st)
{
	size_t slen;
	uint64_t after, before;
	int two, frac;
	int m = line_counts(fl, l, &slen, &after, &before, &two, &frac);
	if (m <= 0)
		return m;
	st->valid++;
	if (frac)
		st->fractional++;
	if (two) {
		fl->two = true;
		st->before_col = 1;
	}
	if (fl->by_stack)
		while (slen > 0 && l->s[slen - 1] == ';')
			slen--; /* "a;b; 1" is the stack a;b, as a profile keeps it */
	l->slen = (uint32_t)slen;
	l->value = after;
	fl->total += (double)after;
	return 1;
}

int folded__lines_open(const char *buf, size_t len, const struct folded_opts *opts,
		       struct folded_lines **out, struct folded_stats *st)
{
	struct folded_lines *fl = xcalloc(1, sizeof(*fl));
	fl->buf = buf;
	fl->len = len;
	fl->by_stack = opts && opts->by_stack;
	memset(st, 0, sizeof(*st));
	st->before_col = -1;
	*out = fl;
	/* one pass: lines that cannot end in a count (blank lines...) are counted, never
	 * stored; the rest are parsed while they are in the cache */
	bool sorted = true, anyfrac = false;
	line_cmp_fn cmp = fl->by_stack ? stack_cmp : line_cmp;
	const char *line = buf, *end = buf + len;
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t llen = nl ? (size_t)(nl - line) : (size_t)(end - line);
		st->lines++;
		unsigned char last = llen ? (unsigned char)line[llen - 1] : 0;
		if ((is_digit(last) || last == '.') && llen <= UINT32_MAX) {
			if (fl->n == fl->cap) {
				size_t ncap = fl->cap ? fl->cap * 2 : 65536;
				fl->v = bigmem__realloc(fl->v, sizeof(*fl->v) * fl->cap,
							sizeof(*fl->v) * ncap);
				fl->cap = ncap;
			}
			struct folded_line *l = &fl->v[fl->n];
			*l = (struct folded_line){line, (uint32_t)llen, 0, 0};
			int m = line_scan(fl, l, st);
			if (m < 0) {
				st->overflow_line = st->lines;
				return -EOVERFLOW;
			}
			if (m == 0) {
				note_ignored(fl, line, st);
			} else {
				size_t s0;
				if (opts && opts->fraction && !anyfrac &&
				    (folded__token_fraction(line, llen, &s0) ||
				     (s0 > 1 && s0 < llen && is_space((unsigned char)line[s0 - 1]) &&
				      folded__token_fraction(line, s0 - 1, &s0))))
					anyfrac = true;
				if (fl->n && sorted && cmp(&fl->v[fl->n - 1], l) > 0)
					sorted = false;
				fl->n++;
			}
		} else {
			note_ignored(fl, line, st);
		}
		line = nl ? nl + 1 : end;
	}
	if (anyfrac) {
		/* a fraction somewhere: every count again, times PROFILE_FRAC_SCALE */
		fl->fixed = true;
		fl->total = 0;
		for (size_t i = 0; i < fl->n; i++) {
			struct folded_stats tmp = {0};
			if (line_scan(fl, &fl->v[i], &tmp) < 0) {
				st->overflow_line = line_number(buf, fl->v[i].s);
				return -EOVERFLOW;
			}
		}
	}
	if (fl->first_ignored)
		st->first_ignored_line = line_number(buf, fl->first_ignored);
	if (!sorted)
		lines_sort(&fl->v, &fl->cap, fl->n, cmp);
	return 0;
}

uint64_t folded__lines_scale(const struct folded_lines *fl)
{
	return fl->fixed ? PROFILE_FRAC_SCALE : 1;
}

double folded__lines_total(const struct folded_lines *fl)
{
	return fl->total;
}

size_t folded__lines_count(const struct folded_lines *fl)
{
	return fl->n;
}

void folded__lines_get(const struct folded_lines *fl, size_t i, struct folded_line_info *li)
{
	const struct folded_line *l = &fl->v[i];
	memset(li, 0, sizeof(*li));
	if (fl->two) { /* the before count is read again, only in differential input */
		size_t slen;
		int two, frac;
		line_counts(fl, l, &slen, &li->value, &li->before, &two, &frac);
		li->two = two;
	}
	li->value = l->value;
	li->stack = l->s;
	li->len = l->slen;
}

uint64_t folded__lines_lineno(const struct folded_lines *fl, size_t i)
{
	return line_number(fl->buf, fl->v[i].s);
}

int folded__lines_each(struct folded_lines *fl, folded_line_fn fn, void *arg,
		       struct folded_stats *st)
{
	const char *prev = NULL;
	size_t prevlen = 0;
	uint64_t run = 0; /* sum of the identical stacks just before */
	for (size_t i = 0; i < fl->n; i++) {
		struct folded_line_info li;
		folded__lines_get(fl, i, &li);
		/* a sum that no longer fits in 64 bits is an error, as when a profile adds it */
		if (prev && prevlen == li.len && !memcmp(prev, li.stack, li.len)) {
			if (__builtin_add_overflow(run, li.value, &run)) {
				st->overflow_line = folded__lines_lineno(fl, i);
				return -EOVERFLOW;
			}
		} else {
			run = li.value;
		}
		prev = li.stack;
		prevlen = li.len;
		int r = fn(&li, arg);
		if (r < 0)
			return r;
	}
	return 0;
}

void folded__lines_free(struct folded_lines *fl)
{
	if (!fl)
		return;
	bigmem__free(fl->v, sizeof(*fl->v) * fl->cap);
	free(fl);
}
