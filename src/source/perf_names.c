// SPDX-License-Identifier: MIT
/* Frame naming rules of stackcollapse-perf.pl, shared by the perf-script reader and record. */
#define _GNU_SOURCE
#include "perf_names.h"

#include <string.h>

/* True when s contains ".(" and, at least two bytes later, ")." (a Go method name). */
static bool is_go_method(const char *s, size_t n)
{
	const char *a = memmem(s, n, ".(", 2);
	if (!a)
		return false;
	for (size_t j = n; j >= 2; j--) {
		if (s[j - 2] == ')' && s[j - 1] == '.')
			return (size_t)(a - s) + 2 <= j - 2;
	}
	return false;
}

void perf_names__tidy(struct strbuf *sb, size_t start, bool java)
{
	char *s = sb->buf + start;
	size_t n = sb->len - start;
	for (size_t i = 0; i < n; i++)
		if (s[i] == ';')
			s[i] = ':';
	if (!is_go_method(s, n)) {
		static const char anon[] = "anonymous namespace)";
		for (size_t i = 0; i < n; i++) {
			if (s[i] != '(')
				continue;
			if (n - i - 1 >= sizeof(anon) - 1 && !memcmp(s + i + 1, anon, sizeof(anon) - 1))
				continue;
			n = i;
			break;
		}
	}
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '"' && s[i] != '\'')
			s[w++] = s[i];
	n = w;
	if (java && n && s[0] == 'L' && memchr(s, '/', n)) {
		memmove(s, s + 1, n - 1);
		n--;
	}
	sb->len = start + n;
	sb->buf[sb->len] = '\0';
}

void perf_names__unknown(struct strbuf *sb, const char *module, size_t modlen, const char *pc,
			 size_t pclen, bool addrs)
{
	strbuf__addc(sb, '[');
	if (module && !(modlen == 9 && !memcmp(module, "[unknown]", 9))) {
		const char *slash = memrchr(module, '/', modlen);
		const char *base = slash ? slash + 1 : module;
		strbuf__add(sb, base, modlen - (size_t)(base - module));
	} else {
		strbuf__add(sb, "unknown", 7);
	}
	if (addrs) {
		strbuf__add(sb, " <", 2);
		strbuf__add(sb, pc, pclen);
		strbuf__addc(sb, '>');
	}
	strbuf__addc(sb, ']');
}

void perf_names__comm(struct strbuf *sb, const char *comm, size_t len)
{
	size_t start = sb->len;
	strbuf__add(sb, comm, len);
	for (size_t i = start; i < sb->len; i++)
		if (sb->buf[i] == ' ')
			sb->buf[i] = '_';
}
