// SPDX-License-Identifier: MIT
/* Unit tests: folded__lines_open()'s byte order (multikey quicksort) against qsort+memcmp. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "source/read_folded.h"
#include "util/util.h"

struct ref_line {
	const char *s;
	size_t len;
};

/* The order flamegraph.pl sorts lines in: bytes, then shorter first. */
static int ref_cmp(const void *a, const void *b)
{
	const struct ref_line *x = a, *y = b;
	size_t m = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, m);
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/*
 * n lines built to stress a radix sort: long shared prefixes of every length, lines that are
 * prefixes of others, NUL and 0xff bytes, duplicates, counts of different widths.
 */
static char *make_input(size_t n, unsigned seed, size_t *len)
{
	struct strbuf sb = {0};
	srand(seed);
	for (size_t i = 0; i < n; i++) {
		int depth = rand() % 12;
		for (int d = 0; d < depth; d++) {
			switch (rand() % 7) {
			case 0: strbuf__add(&sb, "main", 4); break;
			case 1: strbuf__add(&sb, "a", 1); break;
			case 2: strbuf__add(&sb, "ab", 2); break;
			case 3: strbuf__add(&sb, "x\0y", 3); break;
			case 4: strbuf__add(&sb, "\xff\xfe", 2); break;
			case 5: strbuf__add(&sb, "a_very_long_shared_frame_name_of_forty_by", 40); break;
			default: break; /* an empty frame */
			}
			if (d + 1 < depth)
				strbuf__addc(&sb, ';');
		}
		strbuf__addf(&sb, " %d\n", rand() % 3 ? rand() % 10 : rand());
	}
	*len = sb.len;
	return sb.buf;
}

static void check_order(size_t n, unsigned seed)
{
	size_t len;
	char *buf = make_input(n, seed, &len);
	/* the reference: every line (all end in a count here), sorted by qsort */
	struct ref_line *ref = malloc(sizeof(*ref) * n);
	size_t k = 0;
	for (const char *p = buf, *end = buf + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		ref[k++] = (struct ref_line){p, (size_t)(nl - p)};
		p = nl + 1;
	}
	assert_int_equal(k, n);
	qsort(ref, n, sizeof(*ref), ref_cmp);

	struct folded_opts fo = {0};
	struct folded_stats st;
	struct folded_lines *fl;
	assert_int_equal(folded__lines_open(buf, len, &fo, &fl, &st), 0);
	assert_int_equal(folded__lines_count(fl), n);
	for (size_t i = 0; i < n; i++) {
		struct folded_line_info li;
		folded__lines_get(fl, i, &li);
		/* the line's stack part and its count: the same text as the reference's line i
		 * (identical lines are interchangeable, so text equality is the whole check) */
		char want[64];
		int w = snprintf(want, sizeof(want), " %llu", (unsigned long long)li.value);
		assert_true(ref[i].len == li.len + (size_t)w);
		assert_memory_equal(ref[i].s, li.stack, li.len);
		assert_memory_equal(ref[i].s + li.len, want, (size_t)w);
	}
	folded__lines_free(fl);
	free(ref);
	free(buf);
}

static void test_small(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 20; seed++)
		check_order(200, seed);
}

/* 30,000 lines: the two halves are sorted on two threads and merged */
static void test_threads(void **state)
{
	(void)state;
	check_order(30000, 7);
	setenv("SCORCH_THREADS", "1", 1);
	check_order(30000, 8);
	unsetenv("SCORCH_THREADS");
}

/*
 * An input of over 8 MB is scanned in two halves at once: the lines, stats and total come
 * out as one pass gives them (numbers counted by construction here), whichever half holds
 * the blank, invalid, two-count or overflowing line.
 */
static char *make_big(size_t n, size_t blank, size_t bad, size_t two, size_t ovf, size_t *len,
		      uint64_t *sum)
{
	struct strbuf sb = {0};
	*sum = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == blank) {
			strbuf__addc(&sb, '\n');
		} else if (i == bad) {
			strbuf__adds(&sb, "no count here\n");
		} else if (i == ovf) {
			strbuf__adds(&sb, "x;y 99999999999999999999999\n");
		} else if (i == two) {
			strbuf__adds(&sb, "x;two 5 7\n");
			*sum += 7;
		} else {
			uint64_t c = i % 91 + 1;
			strbuf__addf(&sb, "app;frame_%zu;leaf_%zu_of_a_long_name %llu\n", i % 1009,
				     i % 31, (unsigned long long)c);
			*sum += c;
		}
	}
	*len = sb.len;
	return sb.buf;
}

static void check_big(size_t blank, size_t bad, size_t two, size_t ovf)
{
	enum { N = 300000 };
	size_t len;
	uint64_t sum;
	char *buf = make_big(N, blank, bad, two, ovf, &len, &sum);
	assert_true(len > ((size_t)8 << 20));
	struct folded_opts fo = {.defer_sort = true};
	struct folded_stats st;
	struct folded_lines *fl;
	int r = folded__lines_open(buf, len, &fo, &fl, &st);
	if (ovf < N) {
		assert_int_equal(r, -EOVERFLOW);
		assert_int_equal(st.overflow_line, ovf + 1);
	} else {
		assert_int_equal(r, 0);
		assert_int_equal(st.lines, N);
		assert_int_equal(st.valid, N - 2);
		assert_int_equal(st.ignored, 2);
		assert_int_equal(st.first_ignored_line, (blank < bad ? blank : bad) + 1);
		assert_int_equal(st.before_col, two < N ? 1 : -1);
		assert_true(folded__lines_total(fl) == (double)sum);
		assert_int_equal(folded__lines_count(fl), N - 2);
		/* before the sort: the lines in the input's order, across the halves' seam */
		const char *prev = NULL;
		for (size_t i = 0; i < N - 2; i++) {
			struct folded_line_info li;
			folded__lines_get(fl, i, &li);
			assert_true(li.stack > prev);
			prev = li.stack;
		}
		assert_int_equal(folded__lines_lineno(fl, N - 3), N);
	}
	folded__lines_free(fl);
	free(buf);
}

static void test_big_halves(void **state)
{
	(void)state;
	check_big(10, 250000, 290000, SIZE_MAX);     /* blank first half, the rest second */
	check_big(260000, 20, 30, SIZE_MAX);         /* and the other way round */
	check_big(10, 20, 30, 250000);               /* an overflow in the second half */
	check_big(10, 20, 30, 40000);                /* in the first */
	setenv("SCORCH_THREADS", "1", 1);            /* one thread: the same */
	check_big(10, 250000, 290000, SIZE_MAX);
	check_big(10, 20, 30, 250000);
	unsetenv("SCORCH_THREADS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_big_halves),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
