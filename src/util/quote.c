// SPDX-License-Identifier: MIT
/* Input bytes quoted for a one-line message: what a terminal shows, never what it obeys. */
#include "quote.h"

#include "utf8.h"
#include "util.h"

/* Input bytes quoted in a message: at most this many, then "... (N bytes)". */
#define QUOTE_MAX 200

/* The UTF-8 sequence at s[0..n) when it is a printable code point (not a C1 control, U+0080
 * to U+009F, which a terminal obeys: CSI is U+009B), else 0. */
static size_t printable_utf8_len(const unsigned char *s, size_t n)
{
	size_t len = utf8__len(s, n);
	return len == 2 && s[0] == 0xc2 && s[1] < 0xa0 ? 0 : len;
}

void quote__input(struct strbuf *sb, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	strbuf__add(sb, "", 0);
	while (i < n && i < QUOTE_MAX) {
		unsigned c = u[i];
		size_t k = c >= 0x80 ? printable_utf8_len(u + i, n - i) : 0;
		if (k && i + k <= QUOTE_MAX) {
			strbuf__add(sb, s + i, k);
			i += k;
			continue;
		}
		if (k)
			break; /* a character that would cross the cut */
		if (c == '\\')
			strbuf__add(sb, "\\\\", 2);
		else if (c == '\t')
			strbuf__add(sb, "\\t", 2);
		else if (c == '\r')
			strbuf__add(sb, "\\r", 2);
		else if (c < 0x20 || c >= 0x7f)
			strbuf__addf(sb, "\\x%02x", c);
		else
			strbuf__addc(sb, (char)c);
		i++;
	}
	if (i < n)
		strbuf__addf(sb, "... (%zu bytes)", n);
}
