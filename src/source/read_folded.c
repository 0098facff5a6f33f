// SPDX-License-Identifier: MIT
/* Folded-stack reader: the parsing rules of flamegraph.pl and difffolded.pl. */
#define _GNU_SOURCE
#include "read_folded.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

static inline int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Matches /^(.*)\s+?(\d+(?:\.\d*)?)$/ on s[0..len): on success *stack_len is the length of
 * the stack part and *val the count (rounded; *frac set when a fraction was present).
 * Returns 1 on match, 0 on no match, -EOVERFLOW when the integer part exceeds 64 bits.
 */
static int match_count(const char *s, size_t len, size_t *stack_len, uint64_t *val, int *frac)
{
	size_t i = len;
	while (i > 0 && !is_space((unsigned char)s[i - 1]))
		i--;
	if (i == 0)
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
		if (f < end && *f >= '5' && !overflow && __builtin_add_overflow(v, 1, &v))
			overflow = 1;
	}
	if (overflow)
		return -EOVERFLOW;
	*stack_len = i - 1;
	*val = v;
	return 1;
}

struct frame_buf {
	uint32_t *ids;
	size_t n, cap;
};

static void push_frame(struct profile *p, struct frame_buf *fb, const char *s, size_t len)
{
	if (fb->n == fb->cap) {
		fb->cap = fb->cap ? fb->cap * 2 : 64;
		fb->ids = xrealloc(fb->ids, sizeof(*fb->ids) * fb->cap);
	}
	fb->ids[fb->n++] = profile__frame_named(p, s, len, FRAME_USER);
}

/* perl's split(";", $stack): keeps leading and inner empty fields, drops trailing ones. */
static void split_frames(struct profile *p, struct frame_buf *fb, const char *s, size_t len)
{
	size_t start = 0;
	size_t first = fb->n;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == ';') {
			push_frame(p, fb, s + start, i - start);
			start = i + 1;
		}
	}
	uint32_t empty = profile__frame_named(p, "", 0, FRAME_USER);
	while (fb->n > first && fb->ids[fb->n - 1] == empty)
		fb->n--;
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

int folded__read(const char *buf, size_t len, struct profile *p, int col,
		 const struct folded_opts *opts, struct folded_stats *st)
{
	static const struct folded_opts defaults;
	if (!opts)
		opts = &defaults;
	memset(st, 0, sizeof(*st));
	st->before_col = -1;
	struct frame_buf fb = {0};
	struct strbuf tmp = {0};
	const char *end = buf + len;
	const char *line = buf;
	int err = 0;

	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t llen = nl ? (size_t)(nl - line) : (size_t)(end - line);
		st->lines++;
		size_t slen;
		uint64_t v1, v2 = 0;
		int frac, frac2 = 0, two = 0;
		int m = match_count(line, llen, &slen, &v1, &frac);
		if (m == 1) {
			size_t s2;
			int m2 = match_count(line, slen, &s2, &v2, &frac2);
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
			st->overflow_line = st->lines;
			err = -EOVERFLOW;
			break;
		}
		if (m == 0) {
			st->ignored++;
			if (!st->first_ignored_line)
				st->first_ignored_line = st->lines;
		} else {
			st->valid++;
			if (frac)
				st->fractional++;
			const char *s = line;
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
			split_frames(p, &fb, s, slen);
			strbuf__free(&chained);
			if (opts->reverse) {
				for (size_t i = 0, j = fb.n ? fb.n - 1 : 0; i < j; i++, j--) {
					uint32_t t = fb.ids[i];
					fb.ids[i] = fb.ids[j];
					fb.ids[j] = t;
				}
			}
			uint32_t node = PROFILE_ROOT;
			for (size_t i = 0; i < fb.n; i++)
				node = profile__child(p, node, fb.ids[i]);
			if (two && st->before_col < 0)
				st->before_col = profile__add_column(p, "before");
			uint64_t after = two ? v2 : v1;
			if (opts->keep_order)
				profile__sequence_add(p, node, after);
			if (profile__add(p, node, col, after) < 0 ||
			    (two && profile__add(p, node, st->before_col, v1) < 0)) {
				st->overflow_line = st->lines;
				err = -EOVERFLOW;
				break;
			}
		}
		line = nl ? nl + 1 : end;
	}
	free(fb.ids);
	strbuf__free(&tmp);
	return err;
}
