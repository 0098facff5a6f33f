// SPDX-License-Identifier: MIT
/* Unit tests for util__bsearch_le: tables of sorted ranges, duplicates, edges, a linear model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* Like the symbolizer's tables: the sort key first, then payload (stride > 8). */
struct range {
	uint64_t start;
	uint64_t end;
	const char *name;
};

static const struct range ranges[] = {
	{0x1000, 0x1010, "a"},
	{0x1010, 0x1020, "b"},
	{0x2000, 0x2100, "c1"}, /* three aliases at one address */
	{0x2000, 0x2100, "c2"},
	{0x2000, 0x2080, "c3"},
	{0x3000, 0x3001, "d"},
	{UINT64_MAX, UINT64_MAX, "top"},
};

/* want: the index of the last element with start <= key, or -1. */
static const struct {
	uint64_t key;
	int want;
} le_cases[] = {
	{0, -1},            /* all greater */
	{0xfff, -1},        /* just below the first */
	{0x1000, 0},        /* exact hit on the first */
	{0x100f, 0},
	{0x1010, 1},        /* exact hit on a boundary */
	{0x1fff, 1},        /* in a gap: the range before it */
	{0x2000, 4},        /* duplicates: the last of them */
	{0x2fff, 4},
	{0x3000, 5},
	{UINT64_MAX - 1, 5},
	{UINT64_MAX, 6},    /* exact hit on the last */
};

static void test_ranges_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(le_cases); i++) {
		const struct range *r = util__bsearch_le(&le_cases[i].key, ranges, ARRAY_SIZE(ranges),
							 sizeof(ranges[0]), util__cmp_u64_key);
		if (le_cases[i].want < 0) {
			assert_null(r);
		} else {
			assert_non_null(r);
			assert_string_equal(r->name, ranges[le_cases[i].want].name);
			assert_int_equal(r - ranges, le_cases[i].want);
		}
	}
}

static void test_empty_and_single(void **state)
{
	(void)state;
	uint64_t key = 5;
	assert_null(util__bsearch_le(&key, NULL, 0, sizeof(uint64_t), util__cmp_u64_key));
	assert_null(util__bsearch_le(&key, ranges, 0, sizeof(ranges[0]), util__cmp_u64_key));
	const uint64_t one[] = {5};
	static const struct {
		uint64_t key;
		int hit;
	} cases[] = {{0, 0}, {4, 0}, {5, 1}, {6, 1}, {UINT64_MAX, 1}};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const uint64_t *p = util__bsearch_le(&cases[i].key, one, 1, sizeof(one[0]),
						     util__cmp_u64_key);
		if (cases[i].hit)
			assert_ptr_equal(p, &one[0]);
		else
			assert_null(p);
	}
	/* Every element equal: the last one. */
	const uint64_t same[] = {7, 7, 7, 7};
	key = 7;
	assert_ptr_equal(util__bsearch_le(&key, same, 4, sizeof(same[0]), util__cmp_u64_key),
			 &same[3]);
	key = 6;
	assert_null(util__bsearch_le(&key, same, 4, sizeof(same[0]), util__cmp_u64_key));
}

static int cmp_str(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* Any comparator works: strings, as symelf__find_name searches names. */
static void test_strings(void **state)
{
	(void)state;
	static const char *const names[] = {"_start", "bar", "foo", "foo", "main"};
	static const struct {
		const char *key;
		int want;
	} cases[] = {{"", -1}, {"_start", 0}, {"a", 0}, {"bar", 1}, {"foo", 3},
		     {"fop", 3}, {"main", 4}, {"zzz", 4}, {"MAIN", -1}};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *const *p = util__bsearch_le(cases[i].key, names, ARRAY_SIZE(names),
							sizeof(names[0]), cmp_str);
		if (cases[i].want < 0)
			assert_null(p);
		else
			assert_int_equal(p - names, cases[i].want);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Random sorted arrays with many duplicates against a linear scan. */
static void test_against_linear_scan(void **state)
{
	(void)state;
	srand(42);
	for (int round = 0; round < 200; round++) {
		size_t n = (size_t)(rand() % 64);
		uint64_t v[64];
		for (size_t i = 0; i < n; i++)
			v[i] = (uint64_t)(rand() % 40) * 3;
		qsort(v, n, sizeof(v[0]), cmp_u64);
		for (uint64_t key = 0; key < 125; key++) {
			ptrdiff_t want = -1;
			for (size_t i = 0; i < n; i++)
				if (v[i] <= key)
					want = (ptrdiff_t)i;
			const uint64_t *p =
				util__bsearch_le(&key, v, n, sizeof(v[0]), util__cmp_u64_key);
			assert_int_equal(p ? p - v : -1, want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges_table),
		cmocka_unit_test(test_empty_and_single),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_against_linear_scan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
