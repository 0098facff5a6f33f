// SPDX-License-Identifier: MIT
/* Unit tests for src/util/strsort: the order and LCPs against qsort with memcmp and a byte loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strsort.h"

/* The independent expectation: memcmp, then the shorter first (LC_ALL=C sort). */
static int ref_cmp(const void *p, const void *q)
{
	const struct strsort_ent *x = p, *y = q;
	size_t m = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, m);
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static uint32_t ref_lcp(const struct strsort_ent *x, const struct strsort_ent *y)
{
	uint32_t i = 0;
	while (i < x->len && i < y->len && x->s[i] == y->s[i])
		i++;
	return i;
}

/* Sorts a copy both ways; the strings (and their carried fields) and LCPs must agree. */
static void check_sort(const struct strsort_ent *in, size_t n, bool threads)
{
	struct strsort_ent *a = malloc(sizeof(*a) * (n ? n : 1));
	struct strsort_ent *b = malloc(sizeof(*b) * (n ? n : 1));
	uint32_t *lcp = malloc(sizeof(*lcp) * (n ? n : 1));
	memcpy(a, in, sizeof(*a) * n);
	memcpy(b, in, sizeof(*b) * n);
	for (size_t i = 0; i < n; i++)
		a[i].key = strsort__key(a[i].s, a[i].len);
	strsort__sort(a, n, lcp, 0, threads);
	qsort(b, n, sizeof(*b), ref_cmp);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(a[i].len, b[i].len);
		assert_memory_equal(a[i].s, b[i].s, a[i].len);
		/* the carried fields stay with their string */
		assert_int_equal(a[i].weight, ((uint32_t)(uintptr_t)a[i].s ^ a[i].len) & 0xffffff);
		assert_int_equal(a[i].tag, (a[i].len * 7) & 0xff);
		assert_int_equal(lcp[i], i ? ref_lcp(&b[i - 1], &b[i]) : 0);
	}
	free(a);
	free(b);
	free(lcp);
}

static struct strsort_ent ent(const char *s, size_t len)
{
	return (struct strsort_ent){s, (uint32_t)len, ((uint32_t)(uintptr_t)s ^ (uint32_t)len) & 0xffffff,
				    ((uint32_t)len * 7) & 0xff, 0};
}

static void test_small_cases(void **state)
{
	(void)state;
	/* prefixes, NUL bytes inside, equal strings, keys that end inside 8 bytes */
	static const char *const strs[] = {
		"", "a", "ab", "a\0", "a\0\0", "abcdefgh", "abcdefg", "abcdefghi", "abcdefgh\0",
		"b", "a;b;c 1", "a;b 1", "a;b;c 10", "a;b;c 1", "zzzzzzzzzzzzzzzzzzzz", "\xff",
		"\x01", "abcdefghabcdefgh", "abcdefghabcdefgg", "abcdefghabcdefgi",
	};
	static const size_t lens[] = {0, 1, 2, 2, 3, 8, 7, 9, 9, 1, 7, 5, 8, 7, 20, 1, 1, 16, 16, 16};
	size_t n = sizeof(lens) / sizeof(lens[0]);
	struct strsort_ent in[sizeof(lens) / sizeof(lens[0])];
	for (size_t i = 0; i < n; i++)
		in[i] = ent(strs[i], lens[i]);
	for (size_t m = 0; m <= n; m++)
		check_sort(in, m, false);
}

/* Folded-like lines: paths through a small tree, so groups share long prefixes. */
static char *make_lines(size_t n, unsigned seed, struct strsort_ent *out, int alphabet)
{
	char *buf = malloc(n * 200);
	size_t off = 0;
	static const char *const names[] = {"main", "main2", "a", "ab", "run_loop", "x", "",
					    "worker;", "parse_header_field", "ns::C<int>::f"};
	srand(seed);
	for (size_t i = 0; i < n; i++) {
		char *s = buf + off;
		size_t len = 0;
		int depth = 1 + rand() % 12;
		for (int d = 0; d < depth; d++) {
			const char *nm = names[(rand() % 7 == 0 ? rand() : d * 3 + (rand() % 2)) %
					       alphabet];
			size_t l = strlen(nm);
			memcpy(s + len, nm, l);
			len += l;
			if (d + 1 < depth)
				s[len++] = ';';
		}
		len += (size_t)sprintf(s + len, " %d", rand() % 5);
		out[i] = ent(s, len);
		off += len;
	}
	return buf;
}

static void test_random_groups(void **state)
{
	(void)state;
	static const size_t sizes[] = {2, 19, 20, 21, 100, 1000, 5000};
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		for (int alphabet = 2; alphabet <= 10; alphabet += 4) {
			struct strsort_ent *in = malloc(sizeof(*in) * sizes[k]);
			char *buf = make_lines(sizes[k], (unsigned)(k * 31 + alphabet), in, alphabet);
			check_sort(in, sizes[k], false);
			free(buf);
			free(in);
		}
	}
}

/* Big enough for the helper thread to take groups; the result must not change. */
static void test_threads(void **state)
{
	(void)state;
	size_t n = 120000;
	struct strsort_ent *in = malloc(sizeof(*in) * n);
	char *buf = make_lines(n, 7, in, 10);
	check_sort(in, n, true);
	check_sort(in, n, false);
	free(buf);
	free(in);
}

/* Many identical strings, and strings that differ only far past the first keys. */
static void test_equal_and_long(void **state)
{
	(void)state;
	size_t n = 3000;
	char *buf = malloc(n * 600);
	struct strsort_ent *in = malloc(sizeof(*in) * n);
	for (size_t i = 0; i < n; i++) {
		char *s = buf + i * 600;
		memset(s, 'q', 600);
		size_t len = i % 3 == 0 ? 300 : 500 + i % 97;
		if (i % 5 == 0)
			s[len - 1] = (char)('a' + i % 7);
		in[i] = ent(s, len);
	}
	check_sort(in, n, false);
	free(buf);
	free(in);
}

/*
 * leave_below: every place where the output is out of order, or an LCP is short of the
 * true one, must lie inside a group of all the strings that start with the LCP's bytes,
 * whose vals sum below the limit, and which is contiguous in the output.
 */
static void test_leave_below(void **state)
{
	(void)state;
	size_t n = 4000;
	struct strsort_ent *in = malloc(sizeof(*in) * n), *a = malloc(sizeof(*a) * n);
	uint32_t *lcp = malloc(sizeof(*lcp) * n);
	char *buf = make_lines(n, 11, in, 10);
	for (size_t i = 0; i < n; i++) {
		in[i].weight = (uint32_t)(rand() % 7);
		in[i].key = strsort__key(in[i].s, in[i].len);
	}
	static const uint64_t limits[] = {1, 5, 30, 1000};
	for (size_t t = 0; t < sizeof(limits) / sizeof(limits[0]); t++) {
		memcpy(a, in, sizeof(*a) * n);
		strsort__sort(a, n, lcp, limits[t], t % 2);
		size_t excused = 0;
		for (size_t i = 1; i < n; i++) {
			uint32_t real = ref_lcp(&a[i - 1], &a[i]);
			assert_true(lcp[i] <= real);
			if (ref_cmp(&a[i - 1], &a[i]) <= 0 && lcp[i] == real)
				continue;
			excused++;
			/* the group: every string starting with a[i]'s first lcp[i] bytes */
			size_t d = lcp[i], first = n, last = 0, count = 0;
			uint64_t sum = 0;
			for (size_t j = 0; j < n; j++) {
				if (a[j].len < d || memcmp(a[j].s, a[i].s, d))
					continue;
				assert_true(a[j].len > d);
				sum += a[j].weight;
				count++;
				first = j < first ? j : first;
				last = j;
			}
			assert_true(sum < limits[t]);
			assert_int_equal(last - first + 1, count);
			assert_true(first <= i - 1 && i <= last);
		}
		if (limits[t] >= 30)
			assert_true(excused > 0); /* the limit did spare some work */
		/* nothing lost or duplicated: sorted in full, both hold the same strings */
		for (size_t i = 0; i < n; i++)
			a[i].key = strsort__key(a[i].s, a[i].len);
		strsort__sort(a, n, NULL, 0, false);
		struct strsort_ent *b = malloc(sizeof(*b) * n);
		memcpy(b, in, sizeof(*b) * n);
		qsort(b, n, sizeof(*b), ref_cmp);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(a[i].len, b[i].len);
			assert_memory_equal(a[i].s, b[i].s, a[i].len);
		}
		free(b);
	}
	free(buf);
	free(in);
	free(a);
	free(lcp);
}

/*
 * A weight of STRSORT_WEIGHT_BIG stands for "this much or more": with any limit, a string that has
 * one is sorted and its LCP exact, however small the other vals are.
 */
static void test_leave_below_big_vals(void **state)
{
	(void)state;
	size_t n = 4000;
	struct strsort_ent *a = malloc(sizeof(*a) * n);
	assert_int_equal(sizeof(*a), 24);
	uint32_t *lcp = malloc(sizeof(*lcp) * n);
	char *buf = make_lines(n, 12, a, 10);
	for (size_t i = 0; i < n; i++) {
		a[i].weight = i % 10 == 3 ? STRSORT_WEIGHT_BIG : 0;
		a[i].key = strsort__key(a[i].s, a[i].len);
	}
	strsort__sort(a, n, lcp, UINT64_MAX, false);
	size_t excused = 0;
	for (size_t i = 1; i < n; i++) {
		if (ref_cmp(&a[i - 1], &a[i]) <= 0 && lcp[i] == ref_lcp(&a[i - 1], &a[i]))
			continue;
		excused++;
		assert_true(a[i - 1].weight != STRSORT_WEIGHT_BIG && a[i].weight != STRSORT_WEIGHT_BIG);
	}
	assert_true(excused > 0); /* the other strings were spared */
	free(buf);
	free(a);
	free(lcp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_cases),
		cmocka_unit_test(test_random_groups),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_equal_and_long),
		cmocka_unit_test(test_leave_below),
		cmocka_unit_test(test_leave_below_big_vals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
