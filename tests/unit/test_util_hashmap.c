// SPDX-License-Identifier: MIT
/* Unit tests for src/util/hashmap: both key kinds against a linear-scan model, growth, clear. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hashmap.h"

static void test_empty(void **state)
{
	(void)state;
	struct hashmap m = {0};
	assert_null(hashmap__get_u64(&m, 0, 0));
	assert_null(hashmap__get_u64(&m, 1, 2));
	assert_null(hashmap__next(&m, NULL));
	hashmap__clear(&m);
	hashmap__destroy(&m);
	struct hashmap b = {0};
	assert_null(hashmap__get_bytes(&b, "", 0));
	assert_null(hashmap__get_bytes(&b, "x", 1));
	hashmap__destroy(&b);
}

/* Insert in order; "fresh" is what a first insertion of the pair must report. */
static const struct {
	uint64_t a, b;
	bool fresh;
} pair_cases[] = {
	{0, 0, true},
	{0, 0, false},
	{1, 0, true},
	{0, 1, true},
	{1, 1, true},
	{1, 0, false},
	{UINT64_MAX, UINT64_MAX, true},
	{UINT64_MAX, 0, true},
	{0, UINT64_MAX, true},
	{0x7ff00000u, 0x55d0c0de1000ull, true},
	{0x55d0c0de1000ull, 0x7ff00000u, true}, /* swapped halves are another key */
	{0x7ff00000u, 0x55d0c0de1000ull, false},
	{UINT64_MAX, UINT64_MAX, false},
};

static void test_u64_pairs(void **state)
{
	(void)state;
	struct hashmap m = {0};
	size_t distinct = 0;
	for (size_t i = 0; i < sizeof(pair_cases) / sizeof(pair_cases[0]); i++) {
		bool fresh = !pair_cases[i].fresh;
		struct hashmap_entry *e =
			hashmap__put_u64(&m, pair_cases[i].a, pair_cases[i].b, &fresh);
		assert_non_null(e);
		assert_int_equal(fresh, pair_cases[i].fresh);
		assert_int_equal(e->a, pair_cases[i].a);
		assert_int_equal(e->b, pair_cases[i].b);
		if (fresh) {
			assert_int_equal(e->value, 0);
			e->value = i + 100;
			distinct++;
		}
	}
	assert_int_equal(m.n, distinct);
	assert_int_equal(distinct, 9);
	/* Each key's value is the index of its first insertion. */
	for (size_t i = 0; i < sizeof(pair_cases) / sizeof(pair_cases[0]); i++) {
		size_t first = i;
		for (size_t k = 0; k < i; k++)
			if (pair_cases[k].a == pair_cases[i].a && pair_cases[k].b == pair_cases[i].b) {
				first = k;
				break;
			}
		struct hashmap_entry *e = hashmap__get_u64(&m, pair_cases[i].a, pair_cases[i].b);
		assert_non_null(e);
		assert_int_equal(e->value, first + 100);
	}
	assert_null(hashmap__get_u64(&m, 2, 0));
	assert_null(hashmap__get_u64(&m, 1, UINT64_MAX));
	hashmap__destroy(&m);
	assert_int_equal(m.n, 0);
	assert_null(m.slots);
}

/* Byte keys: prefixes, embedded NULs and the empty key are all different keys. */
static const struct {
	const char *key;
	size_t len;
	bool fresh;
} byte_cases[] = {
	{"", 0, true},
	{"a", 1, true},
	{"ab", 2, true},
	{"abc", 3, true},
	{"a\0b", 3, true},
	{"a\0c", 3, true},
	{"ab", 2, false},
	{"", 0, false},
	{"/usr/lib/x86_64-linux-gnu/libc.so.6", 35, true},
	{"/usr/lib/x86_64-linux-gnu/libc.so.7", 35, true},
	{"a\0b", 3, false},
	{"abcdefgh", 8, true},  /* exactly one 8-byte word */
	{"abcdefghi", 9, true}, /* one word and a tail */
	{"abcdefgh", 8, false},
};

static void test_bytes(void **state)
{
	(void)state;
	struct hashmap m = {0};
	const char *copies[sizeof(byte_cases) / sizeof(byte_cases[0])];
	for (size_t i = 0; i < sizeof(byte_cases) / sizeof(byte_cases[0]); i++) {
		bool fresh;
		struct hashmap_entry *e =
			hashmap__put_bytes(&m, byte_cases[i].key, byte_cases[i].len, &fresh);
		assert_int_equal(fresh, byte_cases[i].fresh);
		assert_int_equal(e->b, byte_cases[i].len);
		const char *k = hashmap_entry__key(e);
		assert_ptr_not_equal(k, byte_cases[i].key); /* the map keeps its own copy */
		assert_memory_equal(k, byte_cases[i].key, byte_cases[i].len + 1);
		assert_int_equal(k[byte_cases[i].len], '\0');
		if (fresh)
			e->value = (uintptr_t)byte_cases[i].key;
		copies[i] = k;
	}
	assert_int_equal(m.n, 10);
	for (size_t i = 0; i < sizeof(byte_cases) / sizeof(byte_cases[0]); i++) {
		struct hashmap_entry *e =
			hashmap__get_bytes(&m, byte_cases[i].key, byte_cases[i].len);
		assert_non_null(e);
		assert_ptr_equal(hashmap_entry__key(e), copies[i]);
		assert_memory_equal((const char *)(uintptr_t)e->value, byte_cases[i].key,
				    byte_cases[i].len);
	}
	assert_null(hashmap__get_bytes(&m, "abcd", 4));
	assert_null(hashmap__get_bytes(&m, "a\0", 2));
	hashmap__destroy(&m); /* frees the key copies: ASan reports leaks otherwise */
}

/* Many keys: every one findable after the table grows, key copies never move. */
static void test_growth(void **state)
{
	(void)state;
	enum { N = 50000 };
	struct hashmap m = {0};
	for (uint64_t i = 0; i < N; i++) {
		/* Keys that differ only in high bits, where a weak hash would collide. */
		bool fresh;
		hashmap__put_u64(&m, i << 40, i & 1, &fresh)->value = i + 1;
		assert_true(fresh);
		assert_true(m.n * 10 <= m.cap * 7);
		assert_int_equal(m.cap & (m.cap - 1), 0);
	}
	assert_int_equal(m.n, N);
	for (uint64_t i = 0; i < N; i++) {
		struct hashmap_entry *e = hashmap__get_u64(&m, i << 40, i & 1);
		assert_non_null(e);
		assert_int_equal(e->value, i + 1);
		assert_null(hashmap__get_u64(&m, i << 40, !(i & 1)));
	}
	hashmap__destroy(&m);

	struct hashmap b = {0};
	const char *first = NULL;
	char key[32];
	for (int i = 0; i < N; i++) {
		int len = snprintf(key, sizeof(key), "sym_%d", i);
		struct hashmap_entry *e = hashmap__put_bytes(&b, key, (size_t)len, NULL);
		e->value = (uint64_t)i;
		if (i == 0)
			first = hashmap_entry__key(e);
	}
	assert_int_equal(b.n, N);
	assert_ptr_equal(hashmap_entry__key(hashmap__get_bytes(&b, "sym_0", 5)), first);
	for (int i = 0; i < N; i += 7) {
		int len = snprintf(key, sizeof(key), "sym_%d", i);
		struct hashmap_entry *e = hashmap__get_bytes(&b, key, (size_t)len);
		assert_non_null(e);
		assert_int_equal(e->value, i);
	}
	hashmap__destroy(&b);
}

/* Iteration visits every entry once; clear empties but the map stays usable. */
static void test_iterate_and_clear(void **state)
{
	(void)state;
	enum { N = 1000 };
	struct hashmap m = {0};
	for (uint64_t i = 0; i < N; i++)
		hashmap__put_u64(&m, i % 10, i / 10, NULL)->value = i;
	unsigned char seen[N] = {0};
	size_t visits = 0;
	for (struct hashmap_entry *e = NULL; (e = hashmap__next(&m, e));) {
		assert_true(e->value < N);
		assert_int_equal(e->a, e->value % 10);
		assert_int_equal(e->b, e->value / 10);
		seen[e->value]++;
		visits++;
	}
	assert_int_equal(visits, N);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(seen[i], 1);
	size_t cap = m.cap;
	hashmap__clear(&m);
	assert_int_equal(m.n, 0);
	assert_int_equal(m.cap, cap);
	assert_null(hashmap__next(&m, NULL));
	assert_null(hashmap__get_u64(&m, 3, 4));
	bool fresh;
	hashmap__put_u64(&m, 3, 4, &fresh);
	assert_true(fresh);
	assert_int_equal(m.n, 1);
	hashmap__destroy(&m);

	struct hashmap b = {0};
	hashmap__put_bytes(&b, "kept", 4, NULL);
	hashmap__clear(&b); /* frees the copy */
	assert_null(hashmap__get_bytes(&b, "kept", 4));
	hashmap__put_bytes(&b, "kept", 4, &fresh);
	assert_true(fresh);
	hashmap__destroy(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_u64_pairs),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_iterate_and_clear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
