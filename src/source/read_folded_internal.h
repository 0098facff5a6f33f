/* SPDX-License-Identifier: MIT */
/* What the folded readers (read_folded.c, read_folded_lines.c) share: the line grammar. */
#ifndef SCORCH_READ_FOLDED_INTERNAL_H
#define SCORCH_READ_FOLDED_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
 * the stack part and *val the count (*frac set when a nonzero fraction was present). With
 * fixed, *val is the count times PROFILE_FRAC_SCALE, else the count rounded (half up).
 * Returns 1 on match, 0 on no match, -EOVERFLOW when the value exceeds 64 bits.
 */
int folded__match_count(const char *s, size_t len, size_t *stack_len, uint64_t *val, int *frac,
			bool fixed);
/* Whether the count-like token (digits and '.') that ends at s[end) has a nonzero fraction;
 * *start gets where the token begins. */
bool folded__token_fraction(const char *s, size_t end, size_t *start);
/* SCORCH_THREADS=1 keeps the readers on one thread (for comparisons and debugging). */
bool folded__use_threads(void);

#endif
