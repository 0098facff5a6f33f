/* SPDX-License-Identifier: MIT */
/* Large arrays on transparent huge pages: one page fault per 2 MB instead of per 4 KB. */
#ifndef SCORCH_BIGMEM_H
#define SCORCH_BIGMEM_H

#include <stddef.h>

/*
 * Why: on the virtual machines scorch is benchmarked on, the first touch of a 4 KB page costs
 * 10-30 us, so an 8 MB array costs more to fault in than to fill. Arrays of a few MB and up
 * (hash tables, line indexes, output buffers) are mapped with MADV_HUGEPAGE; where the
 * kernel has no huge page to give, they fall back to ordinary pages silently.
 *
 * bigmem__alloc() returns n bytes of zeroed memory (exits on failure, like xmalloc);
 * bigmem__realloc() grows or shrinks it keeping its contents (mremap: no copy);
 * bigmem__free() releases it (NULL is fine). The caller keeps the size it asked for.
 */
void *bigmem__alloc(size_t n);
void *bigmem__realloc(void *p, size_t old_n, size_t new_n);
void bigmem__free(void *p, size_t n);
/* Gives back the whole huge pages of [p, p + n) (p from bigmem__alloc): they read as zeros
 * after. For an array walked once, behind the walk. */
void bigmem__release(void *p, size_t n);

/*
 * For memory from malloc (freed with free()): asks for huge pages on the 2 MB-aligned part of
 * [p, p + n) not touched yet. Worth it for a buffer of several MB about to be filled.
 */
void bigmem__advise(void *p, size_t n);

#endif
