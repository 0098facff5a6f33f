// SPDX-License-Identifier: MIT
/* Folded-stack reader: the parsing rules of flamegraph.pl and difffolded.pl. */
#define _GNU_SOURCE
#include "read_folded.h"
#include "read_folded_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

/*
 * Matches /^(.*)\s+?(\d+(?:\.\d*)?)$/ on s[0..len): on success *stack_len is the length of
 * the stack part and *val the count (*frac set when a nonzero fraction was present). With
 * fixed, *val is the count times PROFILE_FRAC_SCALE, else the count rounded (half up).
 * Returns 1 on match, 0 on no match, -EOVERFLOW when the value exceeds 64 bits.
 */
int folded__match_count(const char *s, size_t len, size_t *stack_len, uint64_t *val, int *frac,
		       bool fixed)
{
	/* the count is the token after the last whitespace: only digits and '.' can be in it */
	size_t i = len;
	while (i > 0 && (is_digit((unsigned char)s[i - 1]) || s[i - 1] == '.'))
		i--;
	if (i == 0 || i == len || !is_space((unsigned char)s[i - 1]))
		return 0;
	const char *t = s + i, *end = s + len;
	if (t == end || !is_digit((unsigned char)*t))
		return 0;
	uint64_t v = 0;
	int overflow = 0;
	while (t < end && is_digit((unsigned char)*t)) {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*t - '0'), &v))
			overflow = 1;
		t++;
	}
	*frac = 0;
	if (t < end) {
		if (*t != '.')
			return 0;
		t++;
		const char *f = t;
		while (t < end && is_digit((unsigned char)*t))
			t++;
		if (t != end)
			return 0;
		for (const char *q = f; q < end; q++)
			if (*q != '0')
				*frac = 1;
		if (fixed) {
			/* six decimals, the seventh rounds */
			uint64_t fp = 0;
			const char *q = f;
			for (int d = 0; d < 6; d++)
				fp = fp * 10 + (uint64_t)(q < end ? *q++ - '0' : 0);
			if (q < end && *q >= '5')
				fp++;
			if (__builtin_mul_overflow(v, PROFILE_FRAC_SCALE, &v) ||
			    __builtin_add_overflow(v, fp, &v))
				overflow = 1;
		} else if (f < end && *f >= '5' && !overflow && __builtin_add_overflow(v, 1, &v)) {
			overflow = 1;
		}
	} else if (fixed && __builtin_mul_overflow(v, PROFILE_FRAC_SCALE, &v)) {
		overflow = 1;
	}
	if (overflow)
		return -EOVERFLOW;
	*stack_len = i - 1;
	*val = v;
	return 1;
}

/*
 * Whether the count-like token (digits and '.') that ends at s[end) has a nonzero fraction;
 * *start gets where the token begins.
 */
bool folded__token_fraction(const char *s, size_t end, size_t *start)
{
	size_t i = end;
	bool nonzero = false, frac = false, dot = false;
	while (i > 0 && (is_digit((unsigned char)s[i - 1]) || s[i - 1] == '.')) {
		i--;
		if (s[i] == '.') {
			if (!dot)
				frac = nonzero;
			dot = true;
		} else if (s[i] != '0' && !dot) {
			nonzero = true;
		}
	}
	*start = i;
	return frac;
}

/* Length of the common prefix of a and b (n bytes at most), a word at a time. */
static size_t common_prefix(const char *a, const char *b, size_t n)
{
	size_t i = 0;
	while (i + 32 <= n && !memcmp(a + i, b + i, 32))
		i += 32;
	while (i + 8 <= n) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return i + (size_t)(__builtin_ctzll(x ^ y) >> 3);
		i += 8;
	}
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

struct span {
	const char *s;
	size_t len;
	size_t lineno;
	size_t lcp; /* common prefix with the line before it in input order */
};

/* Whether any line's count (or either of two counts) has a nonzero fraction. */
static bool any_fraction(const struct span *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t st;
		if (folded__token_fraction(v[i].s, v[i].len, &st))
			return true;
		if (st > 1 && st < v[i].len && is_space((unsigned char)v[i].s[st - 1]) &&
		    folded__token_fraction(v[i].s, st - 1, &st))
			return true;
	}
	return false;
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	size_t m = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, m);
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* SCORCH_THREADS=1 keeps the reader on one thread (for comparisons and debugging). */
bool folded__use_threads(void)
{
	return util__use_threads();
}

struct sort_job {
	struct span *a;
	size_t n;
};

static void *sort_half(void *arg)
{
	struct sort_job *j = arg;
	qsort(j->a, j->n, sizeof(*j->a), span_cmp);
	return NULL;
}

/* Sorts lines byte-wise; big inputs sort their two halves on two threads, then merge. */
static void spans_sort(struct span *a, size_t n)
{
	pthread_t t;
	size_t h = n / 2;
	struct sort_job job = {a + h, n - h};
	if (n < 20000 || !folded__use_threads() || pthread_create(&t, NULL, sort_half, &job) != 0) {
		qsort(a, n, sizeof(*a), span_cmp);
		return;
	}
	qsort(a, h, sizeof(*a), span_cmp);
	pthread_join(t, NULL);
	struct span *out = xmalloc(sizeof(*out) * n);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		out[k++] = span_cmp(&a[j], &a[i]) < 0 ? a[j++] : a[i++];
	while (i < h)
		out[k++] = a[i++];
	while (j < n)
		out[k++] = a[j++];
	memcpy(a, out, sizeof(*a) * n);
	free(out);
}

struct frame_buf {
	uint32_t *ids;
	size_t n, cap;
	/* string id -> frame id, so each name is hashed once per occurrence, not twice */
	uint32_t *frame_of;
	size_t capframe_of;
	bool cut; /* the last stack had more than FOLDED_MAX_DEPTH frames */
};

static void push_frame(struct profile *p, struct frame_buf *fb, const char *s, size_t len)
{
	if (fb->n == fb->cap) {
		fb->cap = fb->cap ? fb->cap * 2 : 64;
		fb->ids = xrealloc(fb->ids, sizeof(*fb->ids) * fb->cap);
	}
	uint32_t sid = profile__intern(p, s, len);
	if (sid >= fb->capframe_of) {
		size_t old = fb->capframe_of;
		fb->capframe_of = (sid + 1) * 2;
		fb->frame_of = xrealloc(fb->frame_of, sizeof(*fb->frame_of) * fb->capframe_of);
		memset(fb->frame_of + old, 0xff, sizeof(*fb->frame_of) * (fb->capframe_of - old));
	}
	if (fb->frame_of[sid] == PROFILE_NONE)
		fb->frame_of[sid] = profile__frame(p, sid, PROFILE_NONE, PROFILE_NONE, 0, FRAME_USER);
	fb->ids[fb->n++] = fb->frame_of[sid];
}

/* perl's split(";", $stack): keeps leading and inner empty fields, drops trailing ones
 * unless keep_trailing. */
static void split_frames(struct profile *p, struct frame_buf *fb, const char *s, size_t len,
			 bool keep_trailing)
{
	size_t start = 0;
	size_t first = fb->n;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == ';') {
			if (fb->n - first == FOLDED_MAX_DEPTH) {
				fb->cut = true;
				break;
			}
			push_frame(p, fb, s + start, i - start);
			start = i + 1;
		}
	}
	if (keep_trailing)
		return;
	uint32_t empty = profile__frame_named(p, "", 0, FRAME_USER);
	while (fb->n > first && fb->ids[fb->n - 1] == empty)
		fb->n--;
}

/*
 * The previous line's stack, so a line that shares leading frames with it (folded files
 * are usually sorted) reuses their nodes without hashing a name or looking up a child.
 */
struct prev_line {
	const char *s;
	size_t len;
	uint32_t *nodes; /* node of frame k */
	size_t *ends;    /* offset just past frame k in s */
	size_t n, cap;
};

static void prev_reserve(struct prev_line *pl, size_t n)
{
	if (n > pl->cap) {
		pl->cap = n * 2 + 16;
		pl->nodes = xrealloc(pl->nodes, sizeof(*pl->nodes) * pl->cap);
		pl->ends = xrealloc(pl->ends, sizeof(*pl->ends) * pl->cap);
	}
}

/* Inserts stack s[0..len) (split like perl's split(";")) and returns its leaf node. */
static uint32_t insert_shared(struct profile *p, struct frame_buf *fb, struct prev_line *pl,
			      const char *s, size_t len, size_t lcp, bool keep_trailing)
{
	size_t m = len < pl->len ? len : pl->len;
	size_t L = lcp != SIZE_MAX ? (lcp < m ? lcp : m) : common_prefix(s, pl->s, m);
	size_t k = 0;
	while (k < pl->n && pl->ends[k] <= L &&
	       (pl->ends[k] == len || s[pl->ends[k]] == ';'))
		k++;
	/* the rest of s, split at ';' */
	size_t n = k;
	size_t start = k ? pl->ends[k - 1] + 1 : 0;
	if (k && pl->ends[k - 1] == len)
		start = len + 1; /* s ends exactly with the shared frames */
	while (start <= len) {
		if (n == FOLDED_MAX_DEPTH) {
			fb->cut = true;
			break;
		}
		const char *semi = memchr(s + start, ';', len - start);
		size_t end = semi ? (size_t)(semi - s) : len;
		prev_reserve(pl, n + 1);
		pl->ends[n] = end;
		pl->nodes[n] = PROFILE_NONE;
		n++;
		start = end + 1;
	}
	/* perl drops trailing empty fields, shared ones included */
	while (!keep_trailing && n > 0 && pl->ends[n - 1] == (n > 1 ? pl->ends[n - 2] + 1 : 0))
		n--;
	if (k > n)
		k = n;
	uint32_t node = k ? pl->nodes[k - 1] : PROFILE_ROOT;
	for (size_t j = k; j < n; j++) {
		size_t b = j ? pl->ends[j - 1] + 1 : 0;
		fb->n = 0;
		push_frame(p, fb, s + b, pl->ends[j] - b);
		node = profile__child(p, node, fb->ids[0]);
		pl->nodes[j] = node;
	}
	pl->s = s;
	pl->len = len;
	pl->n = n;
	return node;
}

/* flamegraph.pl --colors=chain rewrites each stack: parts after ";--;" get "_[w]" marks. */
static void chain_rewrite(struct strbuf *out, const char *s, size_t len)
{
	out->len = 0;
	strbuf__add(out, "", 0);
	const char *sep = ";--;";
	const char *end = s + len;
	const char *p = s;
	const char *q = memmem(p, (size_t)(end - p), sep, 4);
	strbuf__add(out, p, q ? (size_t)(q - p) : len);
	strbuf__add(out, sep, 4);
	int firstpart = 1;
	while (q) {
		p = q + 4;
		q = memmem(p, (size_t)(end - p), sep, 4);
		const char *pe = q ? q : end;
		if (!q && pe == p)
			break; /* perl's split drops a trailing empty part */
		if (!firstpart)
			strbuf__add(out, sep, 4);
		firstpart = 0;
		for (const char *c = p; c < pe; c++) {
			if (*c == ';')
				strbuf__add(out, "_[w];", 5);
			else
				strbuf__addc(out, *c);
		}
		strbuf__add(out, "_[w]", 4);
	}
}

/* difffolded.pl -s: every 0x[0-9a-fA-F]+ becomes "0x...". */
static void strip_hex(struct strbuf *out, const char *s, size_t len)
{
	out->len = 0;
	strbuf__add(out, "", 0);
	for (size_t i = 0; i < len;) {
		if (s[i] == '0' && i + 2 < len + 0 && s[i + 1] == 'x' && i + 2 < len &&
		    ((s[i + 2] >= '0' && s[i + 2] <= '9') || (s[i + 2] >= 'a' && s[i + 2] <= 'f') ||
		     (s[i + 2] >= 'A' && s[i + 2] <= 'F'))) {
			i += 2;
			while (i < len && ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
					   (s[i] >= 'A' && s[i] <= 'F')))
				i++;
			strbuf__add(out, "0x...", 5);
			continue;
		}
		strbuf__addc(out, s[i]);
		i++;
	}
}

/* The lines of buf[from..to) with the prefix each shares with the one before. */
struct span_list {
	const char *from, *to;
	struct span *v;
	size_t n, cap;
	bool sorted;
	/* lines that cannot end in a count (blank lines...) are counted, never stored */
	size_t lines, skipped, first_skipped;
};

/* Sets b->lcp and returns whether a..b is in byte order. */
static bool link_spans(const struct span *a, struct span *b)
{
	size_t m = a->len < b->len ? a->len : b->len;
	size_t l = common_prefix(a->s, b->s, m);
	b->lcp = l;
	return l < m ? (unsigned char)a->s[l] <= (unsigned char)b->s[l] : a->len <= b->len;
}

static void collect_spans(struct span_list *sl)
{
	const char *line = sl->from, *end = sl->to;
	sl->sorted = true;
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t llen = nl ? (size_t)(nl - line) : (size_t)(end - line);
		sl->lines++;
		unsigned char last = llen ? (unsigned char)line[llen - 1] : 0;
		if (!is_digit(last) && last != '.') {
			if (!sl->skipped++)
				sl->first_skipped = sl->lines;
			line = nl ? nl + 1 : end;
			continue;
		}
		if (sl->n == sl->cap) {
			sl->cap = sl->cap ? sl->cap * 2 : 4096;
			sl->v = xrealloc(sl->v, sizeof(*sl->v) * sl->cap);
		}
		sl->v[sl->n] = (struct span){line, llen, sl->lines, 0};
		if (sl->n && !link_spans(&sl->v[sl->n - 1], &sl->v[sl->n]))
			sl->sorted = false;
		sl->n++;
		line = nl ? nl + 1 : end;
	}
}

static void *collect_spans_thread(void *arg)
{
	collect_spans(arg);
	return NULL;
}

/* Appends b's lines to a's (b's line numbers continue a's). Frees b's array. */
static void append_spans(struct span_list *a, struct span_list *b)
{
	if (a->n + b->n > a->cap) {
		a->cap = a->n + b->n;
		a->v = xrealloc(a->v, sizeof(*a->v) * a->cap);
	}
	for (size_t i = 0; i < b->n; i++) {
		a->v[a->n + i] = b->v[i];
		a->v[a->n + i].lineno += a->lines;
	}
	if (b->skipped && !a->skipped)
		a->first_skipped = b->first_skipped + a->lines;
	a->skipped += b->skipped;
	a->lines += b->lines;
	bool sorted = a->sorted && b->sorted;
	if (a->n && b->n && !link_spans(&a->v[a->n - 1], &a->v[a->n]))
		sorted = false;
	a->sorted = sorted;
	a->n += b->n;
	free(b->v);
}

/* One range of lines read into one profile (the reader may run two at once). */
struct range_job {
	struct profile *p;
	int col;
	const struct folded_opts *opts;
	const struct span *spans;
	size_t from, to;
	bool sorted;
	bool fixed; /* counts are read times PROFILE_FRAC_SCALE */
	struct folded_stats st;
	int err;
};

static void read_range(struct range_job *j)
{
	const struct folded_opts *opts = j->opts;
	struct folded_stats *st = &j->st;
	struct profile *p = j->p;
	const struct span *spans = j->spans;
	struct frame_buf fb = {0};
	struct prev_line prev = {0};
	struct strbuf tmp = {0};
	int err = 0;
	memset(st, 0, sizeof(*st));
	st->before_col = -1;
	size_t prev_si = SIZE_MAX; /* the line prev describes */
	for (size_t si = j->from; si < j->to; si++) {
		const char *line = spans[si].s;
		size_t llen = spans[si].len;
		uint64_t lineno = spans[si].lineno;
		st->lines++;
		size_t slen;
		uint64_t v1, v2 = 0;
		int frac, frac2 = 0, two = 0;
		int m = folded__match_count(line, llen, &slen, &v1, &frac, j->fixed);
		if (m == 1) {
			size_t s2;
			int m2 = folded__match_count(line, slen, &s2, &v2, &frac2, j->fixed);
			if (m2 < 0) {
				m = m2;
			} else if (m2 == 1) {
				two = 1;
				uint64_t after = v1;
				v1 = v2;
				v2 = after;
				slen = s2;
				frac |= frac2;
			}
		}
		if (m < 0) {
			st->overflow_line = lineno;
			err = -EOVERFLOW;
			break;
		}
		if (m == 0) {
			st->ignored++;
			if (!st->first_ignored_line || lineno < st->first_ignored_line)
				st->first_ignored_line = lineno;
			continue;
		}
		st->valid++;
		if (frac)
			st->fractional++;
		const char *s = line;
		uint32_t node = PROFILE_ROOT;
		if (!opts->striphex && !opts->chain && !opts->reverse) {
			/* in input order the prefix shared with the line before is known */
			node = insert_shared(p, &fb, &prev, s, slen,
					     j->sorted && prev_si == si - 1 ? spans[si].lcp : SIZE_MAX,
					     opts->keep_trailing);
			prev_si = si;
		} else {
			if (opts->striphex) {
				strip_hex(&tmp, s, slen);
				s = tmp.buf;
				slen = tmp.len;
			}
			struct strbuf chained = {0};
			if (opts->chain) {
				chain_rewrite(&chained, s, slen);
				s = chained.buf;
				slen = chained.len;
			}
			fb.n = 0;
			split_frames(p, &fb, s, slen,
				     opts->keep_trailing && !opts->reverse && !opts->chain);
			strbuf__free(&chained);
			if (opts->reverse) {
				for (size_t i = 0, k = fb.n ? fb.n - 1 : 0; i < k; i++, k--) {
					uint32_t t = fb.ids[i];
					fb.ids[i] = fb.ids[k];
					fb.ids[k] = t;
				}
			}
			for (size_t i = 0; i < fb.n; i++)
				node = profile__child(p, node, fb.ids[i]);
		}
		if (fb.cut) {
			st->cut++;
			fb.cut = false;
		}
		if (two && st->before_col < 0)
			st->before_col = profile__add_column(p, "before", profile__column_type(p, j->col));
		uint64_t after = two ? v2 : v1;
		if (opts->keep_order)
			profile__sequence_add(p, node, after);
		if (profile__add(p, node, j->col, after) < 0 ||
		    (two && profile__add(p, node, st->before_col, v1) < 0)) {
			st->overflow_line = lineno;
			err = -EOVERFLOW;
			break;
		}
	}
	free(fb.ids);
	free(fb.frame_of);
	free(prev.nodes);
	free(prev.ends);
	strbuf__free(&tmp);
	j->err = err;
}

static void *read_range_thread(void *arg)
{
	read_range(arg);
	return NULL;
}

/*
 * Big plain inputs are read by two threads into two profiles (each half of the sorted lines
 * shares its prefixes within itself), then the second is merged into the first.
 */
static int read_two_halves(struct profile *p, int col, const struct folded_opts *opts,
			   const struct span *spans, size_t n, bool sorted, bool fixed,
			   struct folded_stats *st)
{
	struct profile *q = profile__new();
	profile__set_value_scale(q, profile__value_scale(p));
	while (profile__ncolumns(q) <= col)
		profile__add_column(q, "samples", COLUMN_SAMPLES);
	size_t h = n / 2;
	struct range_job a = {p, col, opts, spans, 0, h, sorted, fixed, {0}, 0};
	struct range_job b = {q, col, opts, spans, h, n, sorted, fixed, {0}, 0};
	pthread_t t;
	if (pthread_create(&t, NULL, read_range_thread, &b) != 0) {
		profile__free(q);
		a.to = n;
		read_range(&a);
		*st = a.st;
		return a.err;
	}
	read_range(&a);
	pthread_join(t, NULL);
	*st = a.st;
	st->lines += b.st.lines;
	st->valid += b.st.valid;
	st->ignored += b.st.ignored;
	st->fractional += b.st.fractional;
	st->cut += b.st.cut;
	if (b.st.first_ignored_line &&
	    (!st->first_ignored_line || b.st.first_ignored_line < st->first_ignored_line))
		st->first_ignored_line = b.st.first_ignored_line;
	int err = a.err ? a.err : b.err;
	if (!st->overflow_line)
		st->overflow_line = b.st.overflow_line;
	int colmap[PROFILE_MAX_COLUMNS];
	for (int c = 0; c < PROFILE_MAX_COLUMNS; c++)
		colmap[c] = -1;
	colmap[col] = col;
	if (b.st.before_col >= 0) {
		if (st->before_col < 0)
			st->before_col = profile__add_column(p, "before", profile__column_type(p, col));
		colmap[b.st.before_col] = st->before_col;
	}
	if (!err && profile__merge(p, q, colmap) < 0) {
		err = -EOVERFLOW;
		st->overflow_line = spans[h].lineno;
	}
	profile__free(q);
	return err;
}

int folded__read(const char *buf, size_t len, struct profile *p, int col,
		 const struct folded_opts *opts, struct folded_stats *st)
{
	static const struct folded_opts defaults;
	if (!opts)
		opts = &defaults;
	const char *end = buf + len;

	/* Lines are processed in sorted order when the input is not sorted already: then
	 * neighbours share their leading frames and insert_shared() skips most lookups. */
	struct span_list all = {0};
	bool threads = folded__use_threads();
	const char *mid = threads && len > (8u << 20) ? memchr(buf + len / 2, '\n', len - len / 2) : NULL;
	if (mid) {
		/* big input: the second half is split into lines on another thread */
		struct span_list second = {.from = mid + 1, .to = end};
		pthread_t t;
		if (pthread_create(&t, NULL, collect_spans_thread, &second) == 0) {
			all.from = buf;
			all.to = mid + 1;
			collect_spans(&all);
			pthread_join(t, NULL);
			append_spans(&all, &second);
		} else {
			mid = NULL;
		}
	}
	if (!mid) {
		all.from = buf;
		all.to = end;
		collect_spans(&all);
	}
	struct span *spans = all.v;
	size_t nspans = all.n;
	bool sorted = all.sorted;
	bool plain = !opts->keep_order && !opts->reverse && !opts->chain && !opts->striphex;
	if (!sorted && (opts->sort || plain))
		spans_sort(spans, nspans);
	bool fixed = opts->fraction && any_fraction(spans, nspans);
	if (fixed)
		profile__set_value_scale(p, PROFILE_FRAC_SCALE);
	int err;
	if (threads && plain && nspans >= 50000) {
		err = read_two_halves(p, col, opts, spans, nspans, sorted, fixed, st);
	} else {
		struct range_job j = {p, col, opts, spans, 0, nspans, sorted, fixed, {0}, 0};
		read_range(&j);
		*st = j.st;
		err = j.err;
	}
	st->lines += all.skipped;
	st->ignored += all.skipped;
	if (all.skipped && (!st->first_ignored_line || all.first_skipped < st->first_ignored_line))
		st->first_ignored_line = all.first_skipped;
	free(spans);
	return err;
}

