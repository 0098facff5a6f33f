// SPDX-License-Identifier: MIT
/* Input bytes quoted for a one-line message: what a terminal shows, never what it obeys. */
#include "quote.h"

#include "util.h"

/* Input bytes quoted in a message: at most this many, then "... (N bytes)". */
#define QUOTE_MAX 200

/* Byte length of the valid UTF-8 sequence at s[0..n) for a printable code point, or 0
 * (bad lead or continuation byte, overlong form, surrogate, beyond U+10FFFF, C1 control). */
static size_t printable_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		if (c == 0xc2)
			lo = 0xa0; /* U+0080..U+009F are C1 controls (CSI = U+009B) */
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
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
