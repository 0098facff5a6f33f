/* SPDX-License-Identifier: MIT */
/* Fast hashes of byte strings for the bulk readers (folded lines, perf script lines). */
#ifndef SCORCH_STRHASH_H
#define SCORCH_STRHASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t strhash__rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t strhash__load(const char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t strhash__fmix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/*
 * 128-bit hash of s[0..n) in *h1, *h2: four lanes over 32-byte blocks, so the multiplies
 * overlap (about 6 bytes a cycle, where util__hash's one chain does 1.5). Each step is a
 * bijection of its lane, so two texts of one length can only meet in the final fold of 256
 * bits to 128. The tail is read as (possibly overlapping) 8-byte words.
 */
static inline void strhash__128(const char *s, size_t n, uint64_t *h1, uint64_t *h2)
{
	const uint64_t k1 = 0x9e3779b97f4a7c15ull, k2 = 0xc2b2ae3d27d4eb4full;
	uint64_t a = 0x243f6a8885a308d3ull, b = 0x13198a2e03707344ull;
	uint64_t c = 0xa4093822299f31d0ull, d = 0x082efa98ec4e6c89ull;
	const char *p = s, *end = s + n;
	while (end - p >= 32) {
		a = strhash__rotl((a ^ strhash__load(p)) * k1, 31);
		b = strhash__rotl((b ^ strhash__load(p + 8)) * k1, 31);
		c = strhash__rotl((c ^ strhash__load(p + 16)) * k1, 31);
		d = strhash__rotl((d ^ strhash__load(p + 24)) * k1, 31);
		p += 32;
	}
	while (end - p >= 8) {
		a = strhash__rotl((a ^ strhash__load(p)) * k2, 29);
		p += 8;
	}
	if (p < end) {
		uint64_t v = 0;
		if (n >= 8)
			v = strhash__load(end - 8);
		else
			memcpy(&v, p, (size_t)(end - p));
		b = strhash__rotl((b ^ v) * k2, 29);
	}
	*h1 = strhash__fmix(a ^ strhash__rotl(b, 17) ^ strhash__rotl(c, 31) ^
			    strhash__rotl(d, 47) ^ (n * k2));
	*h2 = strhash__fmix((a * k2) ^ strhash__rotl(b * k1, 23) ^ strhash__rotl(c * k2, 41) ^
			    strhash__rotl(d * k1, 7) ^ n);
}

/* 64-bit hash of s[0..n), the first half of strhash__128's. */
static inline uint64_t strhash__64(const char *s, size_t n)
{
	uint64_t h1, h2;
	strhash__128(s, n, &h1, &h2);
	return h1;
}

#endif
