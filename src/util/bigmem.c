// SPDX-License-Identifier: MIT
/* Large arrays on transparent huge pages (see bigmem.h for why). */
#define _GNU_SOURCE
#include "bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util.h"

#define HUGE_SZ ((size_t)2 << 20)

/* Mapping sizes are whole huge pages, so a mapping can grow in place (mremap) and the
 * kernel can back all of it with huge pages once it is aligned. */
static size_t map_size(size_t n)
{
	return n ? (n + HUGE_SZ - 1) & ~(HUGE_SZ - 1) : HUGE_SZ;
}

/* A mapping of len bytes (a multiple of HUGE_SZ) that starts on a huge-page boundary. */
static void *map_aligned(size_t len)
{
	char *m = mmap(NULL, len + HUGE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (m == MAP_FAILED)
		util__die(1, "out of memory (%zu bytes)", len);
	uintptr_t a = ((uintptr_t)m + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1);
	size_t head = (size_t)(a - (uintptr_t)m);
	if (head)
		munmap(m, head);
	if (HUGE_SZ - head)
		munmap((char *)a + len, HUGE_SZ - head);
	madvise((void *)a, len, MADV_HUGEPAGE);
	return (void *)a;
}

void *bigmem__alloc(size_t n)
{
	return map_aligned(map_size(n));
}

void *bigmem__realloc(void *p, size_t old_n, size_t new_n)
{
	if (!p)
		return bigmem__alloc(new_n);
	size_t o = map_size(old_n), m = map_size(new_n);
	if (o == m)
		return p;
	if (m < o) {
		munmap((char *)p + m, o - m);
		return p;
	}
	/* grow in place when the next range is free, else move the pages (no copy) */
	void *q = mremap(p, o, m, 0);
	if (q == MAP_FAILED) {
		void *dst = map_aligned(m);
		q = mremap(p, o, o, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
		if (q == MAP_FAILED)
			util__die(1, "out of memory (%zu bytes)", m);
	}
	madvise(q, m, MADV_HUGEPAGE);
	return q;
}

void bigmem__free(void *p, size_t n)
{
	if (p)
		munmap(p, map_size(n));
}

void bigmem__release(void *p, size_t n)
{
	size_t len = n & ~(HUGE_SZ - 1);
	if (p && len)
		madvise(p, len, MADV_DONTNEED);
}

void bigmem__advise(void *p, size_t n)
{
	uintptr_t a = ((uintptr_t)p + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1);
	uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE_SZ - 1);
	if (p && e > a)
		madvise((void *)a, (size_t)(e - a), MADV_HUGEPAGE);
}
