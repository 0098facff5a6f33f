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
#include <sys/mman.h>
#include <unistd.h>

#include "../util/bigmem.h"
#include "../util/strsort.h"
#include "../util/util.h"

/*
 * A line: s, the length it sorts by (len: the whole line, or with by_stack its stack), its
 * (after) count as the weight, and in the tag how many bytes follow the stack (the count
 * and what else ends the line) and whether a whole line's stack ends in ';'. A count or a
 * length too big for its field is read from the line's end again when it is needed, and so
 * is a before count: 24 bytes a line keep 10 million lines within twice the input.
 */
struct folded_lines {
	const char *buf;
	size_t len;
	struct strsort_ent *v; /* lines that may hold a count, in byte order (bigmem) */
	size_t n, cap;
	uint32_t *lcp; /* after a sort: bytes line i shares with line i - 1 (bigmem), or NULL */
	bool fixed;
	double total;
	bool two;
	const char *first_ignored; /* the earliest ignored line, or NULL */
	bool by_stack;
	bool unsorted; /* the lines are not in byte order yet */
	bool input_order; /* the lines are in the input's order (which may be byte order) */
	size_t *runs;       /* folded__lines_sort_runs(): index of each run's first line, */
	const char **froms; /* and where its bytes start in buf */
	size_t nruns;
	bool release_behind; /* folded_opts.release_behind */
	bool release_input;  /* folded_opts.release_input */
	size_t released;     /* bytes of buf given back */
};

/* Lines this long or longer are not read (their lengths must fit in an entry). */
#define MAX_LINE 0x80000000u
/* The tag: the bytes after the stack (TAIL_UNKNOWN: more, read them again), and a bit for
 * a whole line's stack that ends in ';' (trailing empty frames). */
#define TAIL_UNKNOWN 0x7fu
#define TAG_SEMI 0x80u

/* The whole line's length (with by_stack, the entry has the stack's). */
static size_t line_len(const struct folded_lines *fl, const struct strsort_ent *l)
{
	if (!fl->by_stack)
		return l->len;
	if ((l->tag & TAIL_UNKNOWN) != TAIL_UNKNOWN)
		return l->len + (l->tag & TAIL_UNKNOWN);
	const char *e = l->s + l->len, *end = fl->buf + fl->len;
	const char *nl = memchr(e, '\n', (size_t)(end - e));
	return (size_t)((nl ? nl : end) - l->s);
}

/* Whether line x sorts after line y (the order strsort__sort gives). */
static bool out_of_order(const struct strsort_ent *x, const struct strsort_ent *y)
{
	size_t m = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, m);
	return c > 0 || (c == 0 && x->len > y->len);
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
static int line_counts(const struct folded_lines *fl, const struct strsort_ent *l, size_t *slen,
		       uint64_t *after, uint64_t *before, int *two, int *frac)
{
	uint64_t v1, v2 = 0;
	int frac2 = 0;
	int m = folded__match_count(l->s, line_len(fl, l), slen, &v1, frac, fl->fixed);
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

/*
 * The usual line, "stack 123": up to 18 digits after one space, and before the space a
 * byte that cannot end a count (so no fraction, no second count, no overflow). Returns
 * whether it is one, with its stack length and count; other lines take the general path.
 */
static bool plain_count(const char *s, size_t len, size_t *slen, uint64_t *v)
{
	size_t i = len;
	while (i > 0 && len - i < 18 && is_digit((unsigned char)s[i - 1]))
		i--;
	if (i == len || i < 2 || s[i - 1] != ' ') /* also a 19th digit */
		return false;
	unsigned char c = (unsigned char)s[i - 2];
	if (is_digit(c) || c == '.' || is_space(c))
		return false;
	uint64_t x = 0;
	for (size_t k = i; k < len; k++)
		x = x * 10 + (uint64_t)(s[k] - '0');
	*slen = i - 1;
	*v = x;
	return true;
}

/*
 * The stack's length and the (after) count of a line that line_scan() took: from the entry,
 * or read from the line's end again when they did not fit (plain_count() for the usual line;
 * the rest took the general path the first time as well, so it cannot fail now).
 */
static void line_tail(const struct folded_lines *fl, const struct strsort_ent *l, size_t *slen,
		      uint64_t *value)
{
	unsigned tail = l->tag & TAIL_UNKNOWN;
	if (tail != TAIL_UNKNOWN || fl->by_stack)
		*slen = fl->by_stack ? l->len : l->len - tail;
	*value = l->weight;
	if ((tail != TAIL_UNKNOWN || fl->by_stack) && l->weight != STRSORT_WEIGHT_BIG)
		return;
	size_t len = line_len(fl, l), sl = 0;
	uint64_t after = 0, before;
	int two, frac;
	if (fl->fixed || !plain_count(l->s, len, &sl, &after))
		line_counts(fl, l, &sl, &after, &before, &two, &frac);
	if (!fl->by_stack)
		*slen = sl;
	*value = after;
}

/*
 * Parses line l (fixed-point or not) into the stats; returns folded__match_count's answer.
 * *plain (may be NULL) tells a line plain_count() read: it has no fraction.
 */
static int line_scan(struct folded_lines *fl, struct strsort_ent *l, struct folded_stats *st,
		     bool *plain)
{
	size_t slen;
	uint64_t after, before;
	int two = 0, frac = 0, m = 1;
	bool quick = !fl->fixed && plain_count(l->s, line_len(fl, l), &slen, &after);
	if (plain)
		*plain = quick;
	if (!quick)
		m = line_counts(fl, l, &slen, &after, &before, &two, &frac);
	if (m <= 0)
		return m;
	st->valid++;
	if (frac)
		st->fractional++;
	if (two) {
		fl->two = true;
		st->before_col = 1;
	}
	size_t full = line_len(fl, l);
	unsigned semi = 0;
	if (fl->by_stack) {
		while (slen > 0 && l->s[slen - 1] == ';')
			slen--; /* "a;b; 1" is the stack a;b, as a profile keeps it */
		l->len = (uint32_t)slen;
	} else if (slen && l->s[slen - 1] == ';') {
		semi = TAG_SEMI;
	}
	l->tag = (full - slen < TAIL_UNKNOWN ? (unsigned)(full - slen) : TAIL_UNKNOWN) | semi;
	l->weight = after < STRSORT_WEIGHT_BIG ? (uint32_t)after : STRSORT_WEIGHT_BIG;
	fl->total += (double)after;
	return 1;
}

/* One range of the input, scanned on its own (a half, on its own thread, for big inputs). */
struct scan_part {
	struct folded_lines fl; /* its lines, total, two, first_ignored */
	struct folded_stats st;
	const struct folded_opts *opts;
	const char *from, *to;
	bool sorted, anyfrac;
	int err; /* -EOVERFLOW at st.lines (counted from the range's start) */
};

/*
 * One pass over [from, to): lines that cannot end in a count (blank lines...) are counted,
 * never stored; the rest are parsed while they are in the cache.
 */
static void scan_range(struct scan_part *p)
{
	struct folded_lines *fl = &p->fl;
	struct folded_stats *st = &p->st;
	const struct folded_opts *opts = p->opts;
	p->sorted = true;
	const char *line = p->from, *end = p->to;
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t llen = nl ? (size_t)(nl - line) : (size_t)(end - line);
		st->lines++;
		unsigned char last = llen ? (unsigned char)line[llen - 1] : 0;
		if ((is_digit(last) || last == '.') && llen < MAX_LINE) {
			if (fl->n == fl->cap) {
				size_t ncap = fl->cap ? fl->cap * 2 : 65536;
				fl->v = bigmem__realloc(fl->v, sizeof(*fl->v) * fl->cap,
							sizeof(*fl->v) * ncap);
				fl->cap = ncap;
			}
			struct strsort_ent *l = &fl->v[fl->n];
			*l = (struct strsort_ent){line, (uint32_t)llen, 0, 0, 0};
			bool plain;
			int m = line_scan(fl, l, st, &plain);
			if (m < 0) {
				p->err = -EOVERFLOW;
				return;
			}
			if (m == 0) {
				note_ignored(fl, line, st);
			} else {
				l->key = strsort__key(l->s, l->len);
				size_t s0;
				if (opts && opts->fraction && !p->anyfrac && !plain &&
				    (folded__token_fraction(line, llen, &s0) ||
				     (s0 > 1 && s0 < llen && is_space((unsigned char)line[s0 - 1]) &&
				      folded__token_fraction(line, s0 - 1, &s0))))
					p->anyfrac = true;
				if (fl->n && p->sorted && out_of_order(&fl->v[fl->n - 1], l))
					p->sorted = false;
				fl->n++;
			}
		} else {
			note_ignored(fl, line, st);
		}
		line = nl ? nl + 1 : end;
	}
}

static void *scan_thread(void *arg)
{
	scan_range(arg);
	return NULL;
}

/* Inputs this big are scanned in two halves at once: the first touch of a mapped file's
 * pages costs more than the scan (about 3 us a page in the VMs scorch is measured on). */
#define SPLIT_BYTES ((size_t)8 << 20)

/* Adds part q's stats to p's; line numbers in q count on from p's lines. */
static void add_stats(struct folded_stats *st, const struct folded_stats *q)
{
	st->lines += q->lines;
	st->valid += q->valid;
	st->ignored += q->ignored;
	st->fractional += q->fractional;
	st->cut += q->cut;
	if (q->before_col >= 0)
		st->before_col = q->before_col;
}

/* Entries of the second half copied between two gives back of its memory (6 MB). */
#define JOIN_STEP (1u << 18)

int folded__lines_open(const char *buf, size_t len, const struct folded_opts *opts,
		       struct folded_lines **out, struct folded_stats *st)
{
	struct folded_lines *fl = xcalloc(1, sizeof(*fl));
	fl->buf = buf;
	fl->len = len;
	fl->by_stack = opts && opts->by_stack;
	fl->release_behind = opts && opts->release_behind;
	fl->release_input = fl->release_behind && opts->release_input;
	memset(st, 0, sizeof(*st));
	st->before_col = -1;
	*out = fl;
	struct scan_part part[2];
	for (int i = 0; i < 2; i++) {
		part[i] = (struct scan_part){.fl = *fl, .opts = opts, .from = buf + len, .to = buf + len};
		part[i].st.before_col = -1;
	}
	part[0].from = buf;
	/* the second half starts after the newline nearest the middle */
	const char *mid = len >= SPLIT_BYTES ? memchr(buf + len / 2, '\n', len - len / 2) : NULL;
	pthread_t th;
	bool two = mid && folded__use_threads();
	if (two) {
		part[0].to = mid + 1;
		part[1].from = mid + 1;
		two = pthread_create(&th, NULL, scan_thread, &part[1]) == 0;
		if (!two)
			part[0].to = buf + len;
	}
	scan_range(&part[0]);
	if (two)
		pthread_join(th, NULL);
	/* the halves joined: the second's lines after the first's */
	struct scan_part *p0 = &part[0], *p1 = &part[1];
	*st = p0->st;
	fl->v = p0->fl.v;
	fl->n = p0->fl.n;
	fl->cap = p0->fl.cap;
	fl->total = p0->fl.total;
	fl->two = p0->fl.two || p1->fl.two;
	fl->first_ignored = p0->fl.first_ignored ? p0->fl.first_ignored : p1->fl.first_ignored;
	if (p0->err) {
		bigmem__free(p1->fl.v, sizeof(*p1->fl.v) * p1->fl.cap);
		st->overflow_line = st->lines;
		return -EOVERFLOW;
	}
	bool sorted = p0->sorted, anyfrac = p0->anyfrac;
	if (two) {
		add_stats(st, &p1->st);
		if (p1->err) {
			bigmem__free(p1->fl.v, sizeof(*p1->fl.v) * p1->fl.cap);
			st->overflow_line = st->lines;
			return -EOVERFLOW;
		}
		if (p1->fl.n) {
			size_t n = fl->n + p1->fl.n;
			if (n > fl->cap) {
				fl->v = bigmem__realloc(fl->v, sizeof(*fl->v) * fl->cap, sizeof(*fl->v) * n);
				fl->cap = n;
			}
			/* the second half's entries are given back as they are copied: both whole
			 * would be the peak of a flame graph of 10 million lines */
			for (size_t done = 0; done < p1->fl.n;) {
				size_t k = p1->fl.n - done < JOIN_STEP ? p1->fl.n - done : JOIN_STEP;
				memcpy(fl->v + fl->n + done, p1->fl.v + done, sizeof(*fl->v) * k);
				done += k;
				bigmem__release(p1->fl.v, sizeof(*fl->v) * done);
			}
			sorted = sorted && p1->sorted &&
				 !(fl->n && out_of_order(&fl->v[fl->n - 1], &fl->v[fl->n]));
			fl->n = n;
		}
		bigmem__free(p1->fl.v, sizeof(*p1->fl.v) * p1->fl.cap);
		anyfrac = anyfrac || p1->anyfrac;
		/* integer counts add exactly in a double below 2^53, in any order; past it, the
		 * sum is taken again line by line, in the input's order */
		double t = fl->total + p1->fl.total;
		if (t < 9007199254740992.0) {
			fl->total = t;
		} else if (!anyfrac) {
			fl->total = 0;
			for (size_t i = 0; i < fl->n; i++) {
				size_t slen;
				uint64_t v;
				line_tail(fl, &fl->v[i], &slen, &v);
				fl->total += (double)v;
			}
		}
	}
	if (anyfrac) {
		/* a fraction somewhere: every count again, times PROFILE_FRAC_SCALE */
		fl->fixed = true;
		fl->total = 0;
		for (size_t i = 0; i < fl->n; i++) {
			struct folded_stats tmp = {0};
			if (line_scan(fl, &fl->v[i], &tmp, NULL) < 0) {
				st->overflow_line = line_number(buf, fl->v[i].s);
				return -EOVERFLOW;
			}
		}
	}
	if (fl->first_ignored)
		st->first_ignored_line = line_number(buf, fl->first_ignored);
	fl->unsorted = !sorted;
	fl->input_order = true;
	if (!(opts && opts->defer_sort))
		folded__lines_sort(fl, 0);
	return 0;
}

void folded__lines_sort(struct folded_lines *fl, uint64_t leave_below)
{
	if (!fl->unsorted)
		return;
	fl->unsorted = false;
	fl->input_order = false;
	fl->lcp = bigmem__alloc(sizeof(*fl->lcp) * fl->n);
	strsort__sort(fl->v, fl->n, fl->lcp, leave_below, folded__use_threads());
}

bool folded__lines_sort_runs(struct folded_lines *fl, size_t run_bytes)
{
	if (!fl->unsorted)
		return true;
	fl->unsorted = false;
	fl->input_order = false;
	fl->lcp = bigmem__alloc(sizeof(*fl->lcp) * fl->n);
	size_t cap = 0;
	for (size_t a = 0; a < fl->n;) {
		/* the run ends at the first line past run_bytes of input from its start */
		const char *limit = fl->v[a].s + run_bytes;
		size_t lo = a + 1, hi = fl->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (fl->v[mid].s < limit)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (fl->nruns == cap) {
			cap = cap ? cap * 2 : 16;
			fl->runs = xrealloc(fl->runs, sizeof(*fl->runs) * cap);
			fl->froms = xrealloc(fl->froms, sizeof(*fl->froms) * cap);
		}
		fl->runs[fl->nruns] = a;
		fl->froms[fl->nruns++] = fl->v[a].s;
		strsort__sort(fl->v + a, lo - a, fl->lcp + a, 0, folded__use_threads());
		a = lo;
	}
	return fl->nruns <= 1;
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

/* Line i, its stack's length slen known. */
static void get_line(const struct folded_lines *fl, size_t i, size_t slen, uint64_t value,
		     struct folded_line_info *li)
{
	const struct strsort_ent *l = &fl->v[i];
	memset(li, 0, sizeof(*li));
	if (fl->two) { /* the before count is read again, only in differential input */
		size_t sl;
		int two, frac;
		line_counts(fl, l, &sl, &li->value, &li->before, &two, &frac);
		li->two = two;
	}
	li->value = value;
	li->stack = l->s;
	li->len = slen;
	li->frames_len = slen;
	if (!fl->by_stack &&
	    ((l->tag & TAG_SEMI) || (l->tag & TAIL_UNKNOWN) == TAIL_UNKNOWN))
		while (li->frames_len > 0 && li->stack[li->frames_len - 1] == ';')
			li->frames_len--;
}

void folded__lines_get(const struct folded_lines *fl, size_t i, struct folded_line_info *li)
{
	size_t slen;
	uint64_t value;
	line_tail(fl, &fl->v[i], &slen, &value);
	get_line(fl, i, slen, value, li);
}

uint64_t folded__lines_lineno(const struct folded_lines *fl, size_t i)
{
	return line_number(fl->buf, fl->v[i].s);
}

static size_t common_prefix(const char *a, const char *b, size_t n)
{
	size_t i = 0;
	while (i + 8 <= n) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return i + ((unsigned)__builtin_ctzll(x ^ y) >> 3);
		i += 8;
	}
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* Bytes the stacks of lines i - 1 and i share (i > 0; their stacks' lengths given): from
 * the sort, or read. */
static size_t stack_lcp(const struct folded_lines *fl, size_t i, size_t xlen, size_t ylen)
{
	size_t m = xlen < ylen ? xlen : ylen;
	if (fl->lcp)
		return fl->lcp[i] < m ? fl->lcp[i] : m;
	return common_prefix(fl->v[i - 1].s, fl->v[i].s, m);
}

/* The input's whole pages before upto, not given back yet, are given back: in the input's
 * order every line before upto has been read. */
static void release_input(struct folded_lines *fl, const char *upto)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)fl->buf + fl->released + page - 1) & ~(page - 1);
	uintptr_t e = (uintptr_t)upto & ~(page - 1);
	if (e > a)
		madvise((void *)a, (size_t)(e - a), MADV_DONTNEED);
	if (e > (uintptr_t)fl->buf)
		fl->released = (size_t)(e - (uintptr_t)fl->buf);
}

/* Lines ahead of the one given out whose text is asked for early. */
#define PREFETCH 16
/* With release_behind: every this many lines, the index before the last few is given back. */
#define RELEASE_EVERY (1u << 16)
#define RELEASE_KEEP 64u

int folded__lines_each(struct folded_lines *fl, folded_line_fn fn, void *arg,
		       struct folded_stats *st)
{
	uint64_t run_sum = 0; /* sum of the identical stacks just before */
	size_t run = 1; /* the next run of folded__lines_sort_runs() */
	size_t prevlen = 0, lcp_next = 0, slen = 0, next_slen = 0;
	uint64_t value = 0, next_value = 0;
	if (fl->n)
		line_tail(fl, &fl->v[0], &slen, &value);
	for (size_t i = 0; i < fl->n; i++) {
		struct folded_line_info li;
		get_line(fl, i, slen, value, &li);
		li.lcp_prev = lcp_next;
		if (i + 1 < fl->n) {
			/* the next lines' text is read soon: ask for it now */
			if (i + PREFETCH + 1 < fl->n) {
				/* a writer reads a line where it parts from the lines around it,
				 * and its count is read at its end */
				size_t j = i + PREFETCH;
				const struct strsort_ent *lj = &fl->v[j];
				if (!fl->lcp) {
					__builtin_prefetch(lj->s);
				} else if (fl->lcp[j + 1] > fl->lcp[j]) {
					const char *q = lj->s + fl->lcp[j];
					__builtin_prefetch(q - 24);
					__builtin_prefetch(q + 40);
				}
				if ((lj->tag & TAIL_UNKNOWN) == TAIL_UNKNOWN ||
				    lj->weight == STRSORT_WEIGHT_BIG)
					__builtin_prefetch(lj->s + lj->len - 1);
			}
			line_tail(fl, &fl->v[i + 1], &next_slen, &next_value);
			lcp_next = stack_lcp(fl, i + 1, slen, next_slen);
		} else {
			lcp_next = 0;
		}
		li.lcp_next = lcp_next;
		/* a sum that no longer fits in 64 bits is an error, as when a profile adds it */
		if (i && prevlen == li.len && li.lcp_prev == li.len) {
			if (__builtin_add_overflow(run_sum, li.value, &run_sum)) {
				st->overflow_line = folded__lines_lineno(fl, i);
				return -EOVERFLOW;
			}
		} else {
			run_sum = li.value;
		}
		prevlen = li.len;
		int r = fn(&li, arg);
		if (r < 0)
			return r;
		if (fl->release_behind && i % RELEASE_EVERY == 0 && i > RELEASE_KEEP) {
			bigmem__release(fl->v, sizeof(*fl->v) * (i - RELEASE_KEEP));
			if (fl->lcp)
				bigmem__release(fl->lcp, sizeof(*fl->lcp) * (i - RELEASE_KEEP));
			if (fl->release_input && fl->input_order)
				release_input(fl, fl->v[i - RELEASE_KEEP].s);
		}
		/* a run's first line: every line of the runs before it has been read */
		if (fl->release_input && run < fl->nruns && i + 1 == fl->runs[run]) {
			release_input(fl, fl->froms[run]);
			run++;
		}
		slen = next_slen;
		value = next_value;
	}
	return 0;
}

void folded__lines_free(struct folded_lines *fl)
{
	if (!fl)
		return;
	bigmem__free(fl->v, sizeof(*fl->v) * fl->cap);
	bigmem__free(fl->lcp, sizeof(*fl->lcp) * fl->n);
	free(fl->runs);
	free(fl->froms);
	free(fl);
}
