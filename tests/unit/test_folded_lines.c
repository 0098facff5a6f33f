// SPDX-License-Identifier: MIT
/* Unit tests: folded__lines_open()'s byte order (multikey quicksort) against qsort+memcmp. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
