// SPDX-License-Identifier: MIT
/* Regex search over frame names (POSIX extended), cached per interned string. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../util/util.h"

int search__set(struct search *s, const char *pat, char *err, size_t errlen)
{
	regex_t re;
	int rc = regcomp(&re, pat, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char buf[128];
		regerror(rc, &re, buf, sizeof(buf));
		snprintf(err, errlen, "bad regex '%.60s': %s", pat, buf);
		return -EINVAL;
	}
	search__clear(s);
	s->re = re;
	s->on = true;
	snprintf(s->pat, sizeof(s->pat), "%s", pat);
	return 0;
}

void search__clear(struct search *s)
{
	if (s->on)
		regfree(&s->re);
	free(s->strmatch);
	s->strmatch = NULL;
	s->nstr = 0;
	s->on = false;
	s->pat[0] = '\0';
	s->matched = 0;
}

bool search__match(struct search *s, const struct profile *p, uint32_t str)
{
	if (!s->on)
		return false;
	if (str >= s->nstr) {
		uint32_t n = profile__nstrings(p);
		if (str >= n)
			return false;
		s->strmatch = xrealloc(s->strmatch, n);
		memset(s->strmatch + s->nstr, 0, n - s->nstr);
		s->nstr = n;
	}
	if (!s->strmatch[str])
		s->strmatch[str] = regexec(&s->re, profile__str(p, str), 0, NULL, 0) == 0 ? 2 : 1;
	return s->strmatch[str] == 2;
}

void search__quote(const char *s, char *out, size_t outlen)
{
	size_t o = 0;
	for (; *s && o + 3 < outlen; s++) {
		if (strchr("\\^$.|?*+()[]{}", *s))
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o] = '\0';
}
