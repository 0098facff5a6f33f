/* SPDX-License-Identifier: MIT */
/* Input bytes quoted for a one-line message: what a terminal shows, never what it obeys. */
#ifndef SCORCH_UTIL_QUOTE_H
#define SCORCH_UTIL_QUOTE_H

#include <stddef.h>

struct strbuf;

/*
 * Appends input bytes s[0..n) to sb so that a terminal shows them and does nothing else:
 * printable ASCII and valid printable UTF-8 as they are, backslash as \\, tab and CR as \t
 * and \r, every other byte (control bytes, DEL, C1 controls, invalid UTF-8) as \xNN.
 * Input longer than 200 bytes is cut there, followed by "... (N bytes)".
 */
void quote__input(struct strbuf *sb, const char *s, size_t n);

#endif
