/* SPDX-License-Identifier: MIT */
/* UTF-8 validation for the writers and messages that must never pass on invalid bytes. */
#ifndef SCORCH_UTIL_UTF8_H
#define SCORCH_UTIL_UTF8_H

#include <stddef.h>

/*
 * Byte length (2 to 4) of the well-formed UTF-8 sequence of a code point at or above U+0080
 * that starts s[0..n), or 0: a bad lead or continuation byte, an overlong form, a surrogate,
 * beyond U+10FFFF, or cut by n. Bytes are read in order and stop at the first bad one, so a
 * NUL-terminated string may pass n = 4.
 */
size_t utf8__len(const unsigned char *s, size_t n);

#endif
