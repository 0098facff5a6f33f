// SPDX-License-Identifier: MIT
/* Numbers and text as flamegraph.pl's perl prints them into the SVG. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svg_color.h"
#include "svg_internal.h"
#include "../util/utf8.h"

/* sprintf("%.Nf") for N = 1 or 2, without the cost of printf in the common case. */
size_t svg_fmt__fixed(char *buf, double v, int decimals, double *parsed)
{
	double scale = decimals == 1 ? 10 : 100;
	double t = v * scale;
	double fl = floor(t);
	if (v >= 0 && t < 9e15 && fabs(t - fl - 0.5) > 1e-6) {
		uint64_t k = (uint64_t)(t - fl > 0.5 ? fl + 1 : fl);
		if (parsed)
			*parsed = (double)k / scale;
		uint64_t ip = k / (uint64_t)scale, fp = k % (uint64_t)scale;
		char tmp[32];
		int n = 0;
		do {
			tmp[n++] = (char)('0' + ip % 10);
			ip /= 10;
		} while (ip);
		size_t len = 0;
		while (n)
			buf[len++] = tmp[--n];
		buf[len++] = '.';
		if (decimals == 2)
			buf[len++] = (char)('0' + fp / 10);
		buf[len++] = (char)('0' + fp % 10);
		buf[len] = '\0';
		return len;
	}
	int n = snprintf(buf, 40, decimals == 1 ? "%.1f" : "%.2f", v);
	if (parsed)
		*parsed = strtod(buf, NULL);
	return (size_t)n;
}

/* perl's default stringification of a number */
void svg_fmt__num(struct strbuf *sb, double v)
{
	if (v == floor(v) && fabs(v) < 1e15) {
		if (v < 0) {
			strbuf__addc(sb, '-');
			v = -v;
		}
		strbuf__addu(sb, (uint64_t)v);
		return;
	}
	strbuf__addf(sb, "%.15g", v);
}

/* "%.0f" with thousands separators */
void svg_fmt__count(struct strbuf *sb, double v)
{
	char tmp[64];
	int n;
	if (v >= 0 && v < 9e15 && v == floor(v)) {
		/* the common case, an integral count: no printf */
		uint64_t k = (uint64_t)v;
		char rev[24];
		int r = 0;
		do {
			rev[r++] = (char)('0' + k % 10);
			k /= 10;
		} while (k);
		for (n = 0; n < r; n++)
			tmp[n] = rev[r - 1 - n];
		tmp[n] = '\0';
	} else {
		n = snprintf(tmp, sizeof(tmp), "%.0f", v);
	}
	int start = (tmp[0] == '-' || tmp[0] == '+') ? 1 : 0;
	strbuf__add(sb, tmp, (size_t)start);
	int digits = n - start;
	for (int i = 0; i < digits; i++) {
		if (i && (digits - i) % 3 == 0)
			strbuf__addc(sb, ',');
		strbuf__addc(sb, tmp[start + i]);
	}
}

/* Byte length of the valid UTF-8 sequence at s[0..n) that XML 1.0 accepts as a Char, or 0
 * (bad lead or continuation byte, overlong form, surrogate, beyond U+10FFFF, U+FFFE/U+FFFF). */
static size_t xml_utf8_len(const unsigned char *s, size_t n)
{
	size_t len = utf8__len(s, n);
	if (len == 3 && s[0] == 0xef && s[1] == 0xbf && (s[2] == 0xbe || s[2] == 0xbf))
		return 0; /* U+FFFE and U+FFFF are not XML characters */
	return len;
}

void svg_fmt__escaped(struct strbuf *sb, const char *s, size_t n, int flags)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0;
	for (size_t i = 0; i < n;) {
		unsigned c = u[i];
		const char *rep = NULL;
		char ctl[3];
		size_t skip = 1;
		if (c >= 0x80) {
			if (flags & SVG_ESC_BYTES) {
				i++;
				continue;
			}
			size_t k = xml_utf8_len(u + i, n - i);
			if (k) {
				i += k;
				continue;
			}
			rep = "\xef\xbf\xbd"; /* U+FFFD for each byte that is not valid UTF-8 */
		} else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
			/* control bytes XML 1.0 forbids: their Unicode control picture, U+2400 + c */
			ctl[0] = (char)0xe2;
			ctl[1] = (char)0x90;
			ctl[2] = (char)(0x80 + c);
			strbuf__add(sb, s + run, i - run);
			strbuf__add(sb, ctl, 3);
			run = ++i;
			continue;
		} else {
			switch (c) {
			case '&': rep = "&amp;"; break;
			case '<': rep = "&lt;"; break;
			case '>': rep = "&gt;"; break;
			case '"': rep = (flags & SVG_ESC_QUOTES) ? "&quot;" : NULL; break;
			default: break;
			}
		}
		if (rep) {
			strbuf__add(sb, s + run, i - run);
			strbuf__adds(sb, rep);
			run = i + skip;
		}
		i += skip;
	}
	strbuf__add(sb, s + run, n - run);
}

/* length of name without a trailing _[k], _[w], _[i] or _[j] annotation */
size_t svg_fmt__strip_annotation(const char *s, size_t n)
{
	if (n >= 4 && s[n - 4] == '_' && s[n - 3] == '[' && s[n - 1] == ']' &&
	    strchr("kwij", s[n - 2]) && s[n - 2])
		return n - 4;
	return n;
}

/* Number of code points in s[0..n) and the byte length of the first k of them. */
size_t svg_fmt__utf8_prefix(const char *s, size_t n, size_t k, size_t *count)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	size_t c = 0, bytes = n;
	while (p < end) {
		if (c == k)
			bytes = (size_t)(p - (const unsigned char *)s);
		svg_color__next_cp(&p, end);
		c++;
	}
	if (c == k)
		bytes = n;
	*count = c;
	return bytes;
}
