/* SPDX-License-Identifier: MIT */
/* Sorting many byte strings in byte order, with the common prefix of each sorted neighbour. */
#ifndef SCORCH_STRSORT_H
#define SCORCH_STRSORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One string to sort, s[0..len), with the caller's weight and tag carried along, and key:
 * strsort__key(s, len), set by the caller (cheapest while the string is in its cache),
 * used and overwritten by the sort. 24 bytes: at 10 million lines every byte here is
 * 10 MB. A weight of STRSORT_WEIGHT_BIG means "this much or more".
 */
struct strsort_ent {
	const char *s;
	uint32_t len;
	uint32_t weight : 24;
	uint32_t tag : 8;
	uint64_t key;
};
#define STRSORT_WEIGHT_BIG ((1u << 24) - 1)

/*
 * The sort key of s[0..len): its first 7 bytes big-endian in the high 56 bits (zeros past
 * len), and min(len, 8) in the low byte, so plain integer order is byte order ("ab" before
 * "ab\0" before "ab\0x"), and a low byte of 8 says the string goes on past the 7 bytes.
 */
static inline uint64_t strsort__key(const char *s, size_t len)
{
	uint64_t v = 0;
	if (len >= 8)
		__builtin_memcpy(&v, s, 8);
	else
		__builtin_memcpy(&v, s, len);
	return (__builtin_bswap64(v) & ~(uint64_t)0xff) | (len >= 8 ? 8 : len);
}

/*
 * Sorts a[0..n) by their bytes as memcmp compares them, a string before the longer ones it
 * starts (the order of `LC_ALL=C sort`); equal strings keep no particular order. When lcp is
 * not NULL, lcp[i] gets how many leading bytes a[i - 1] and a[i] share after the sort
 * (lcp[0] = 0), which the sort learns on its way at no extra reading of the strings.
 * With threads, a second thread takes some of the groups (the result is the same).
 *
 * leave_below (0: sort everything) spares the work a caller does not need: a group of all
 * the strings that start with some prefix, longer than the prefix every string shares,
 * whose weights sum below leave_below, is left in any order, and the LCPs inside it say only
 * that prefix. (A flame graph draws nothing of such a group but the frames it shares.)
 *
 * Why not qsort: folded stacks share long prefixes, and a comparison sort reads them again
 * at each comparison, from scattered lines. This is a multikey quicksort on 8-byte keys kept
 * next to the entries, so a line's text is read about once per depth at which it branches.
 */
void strsort__sort(struct strsort_ent *a, size_t n, uint32_t *lcp, uint64_t leave_below,
		   bool threads);

#endif
