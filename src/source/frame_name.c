// SPDX-License-Identifier: MIT
/* Frame names as stackcollapse-perf.pl prints them; shared by record and the self-profiler. */
#include "frame_name.h"

#include <stdbool.h>

void frame_name__tidy(struct strbuf *sb)
{
	if (!sb->buf)
		strbuf__adds(sb, "");
	char *s = sb->buf;
	for (size_t i = 0; i < sb->len; i++)
		if (s[i] == ';')
			s[i] = ':';
	/* Perl's m/\.\(.*\)\./ keeps Java-like "a.(b).c" names whole. */
	const char *dp = strstr(s, ".(");
	bool dotted = dp && strstr(dp + 2, ").") != NULL;
	if (!dotted) {
		for (char *q = strchr(s, '('); q; q = strchr(q + 1, '(')) {
			if (strncmp(q, "(anonymous namespace)", 21) != 0) {
				*q = '\0';
				sb->len = (size_t)(q - s);
				break;
			}
		}
	}
	size_t o = 0;
	for (size_t i = 0; i < sb->len; i++)
		if (s[i] != '"' && s[i] != '\'')
			s[o++] = s[i];
	s[o] = '\0';
	sb->len = o;
}

void frame_name__module(struct strbuf *sb, const char *module)
{
	sb->len = 0;
	if (!module || strcmp(module, "[unknown]") == 0) {
		strbuf__adds(sb, "[unknown]");
		return;
	}
	const char *slash = strrchr(module, '/');
	strbuf__addc(sb, '[');
	strbuf__adds(sb, slash ? slash + 1 : module);
	strbuf__addc(sb, ']');
}
