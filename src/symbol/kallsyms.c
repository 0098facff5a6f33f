// SPDX-License-Identifier: MIT
/* Kernel symbols from /proc/kallsyms (core kernel and modules), sorted for binary search. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

struct kallsyms {
	struct ksym *syms;
	size_t n;
	char *text;            /* the function names, packed; syms[].name point into it */
	struct symmap *modules; /* interned "[modname]" strings */
};

static const char kernel_module[] = "[kernel.kallsyms]";

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	/* Same address: core kernel before modules, then by name for a stable choice. */
	return strcmp(x->name, y->name);
}

/* Text symbols only: data symbols would cut the ranges of the functions around them. */
static bool is_text_type(char t)
{
	t = (char)toupper((unsigned char)t);
	return t == 'T' || t == 'W';
}

static int leading_underscores(const char *s)
{
	int n = 0;
	while (s[n] == '_')
		n++;
	return n;
}

/* Alias choice among symbols at one address, in the order perf applies: global before
 * local, fewer leading underscores, then the longer name. */
static bool better_alias(const struct ksym *a, const struct ksym *b)
{
	if (a->global != b->global)
		return a->global;
	int ua = leading_underscores(a->name), ub = leading_underscores(b->name);
	if (ua != ub)
		return ua < ub;
	return strlen(a->name) > strlen(b->name);
}

int kallsyms__load(const char *path, struct kallsyms **out)
{
	char *text;
	size_t len;
	int err = util__read_file(path, &text, &len);
	if (err)
		return err;

	struct kallsyms *k = xcalloc(1, sizeof(*k));
	k->text = text;
	k->modules = symmap__new();
	size_t cap = 0;
	bool any_nonzero = false;
	char *line = text;
	while (line && *line) {
		char *eol = strchr(line, '\n');
		if (eol)
			*eol = '\0';
		char *end;
		uint64_t addr = strtoull(line, &end, 16);
		if (end != line && end[0] == ' ' && end[1] && end[2] == ' ' && is_text_type(end[1])) {
			char *name = end + 3;
			char *tab = strchr(name, '\t');
			const char *module = kernel_module;
			if (tab) {
				*tab = '\0';
				char *mod = tab + 1;
				if (*mod == '[') {
					/* "[nf_conntrack]" is already in perf's form. */
					char *close = strchr(mod, ']');
					if (close)
						close[1] = '\0';
					module = symmap__intern(k->modules, mod);
				}
			}
			if (addr)
				any_nonzero = true;
			if (k->n == cap) {
				cap = cap ? cap * 2 : 4096;
				k->syms = xrealloc(k->syms, cap * sizeof(*k->syms));
			}
			k->syms[k->n++] = (struct ksym){ .start = addr,
							  .name = name,
							  .module = module,
							  .global = isupper((unsigned char)end[1]) != 0 };
		}
		line = eol ? eol + 1 : NULL;
	}
	if (!any_nonzero) {
		kallsyms__free(k);
		return -EPERM; /* kptr_restrict hides addresses from this user */
	}
	qsort(k->syms, k->n, sizeof(*k->syms), cmp_ksym);
	/* Only the function names stay, packed: the file lists as many data symbols, and the read
	 * buffer has room to spare (about 8 MB less for a profiler that runs for days). */
	size_t total = 0;
	for (size_t i = 0; i < k->n; i++)
		total += strlen(k->syms[i].name) + 1;
	char *names = xmalloc(total ? total : 1), *at = names;
	for (size_t i = 0; i < k->n; i++) {
		size_t n = strlen(k->syms[i].name) + 1;
		memcpy(at, k->syms[i].name, n);
		k->syms[i].name = at;
		at += n;
	}
	free(k->text);
	k->text = names;
	k->syms = xrealloc(k->syms, (k->n ? k->n : 1) * sizeof(*k->syms));
	/* kallsyms has no sizes: each symbol runs to the next address; the last gets a page. */
	for (size_t i = k->n; i-- > 0;) {
		struct ksym *s = &k->syms[i];
		if (i + 1 == k->n)
			s->end = s->start + 4096;
		else if (k->syms[i + 1].start > s->start)
			s->end = k->syms[i + 1].start;
		else
			s->end = k->syms[i + 1].end;
	}
	*out = k;
	return 0;
}

void kallsyms__free(struct kallsyms *k)
{
	if (!k)
		return;
	free(k->syms);
	free(k->text);
	symmap__free(k->modules, NULL);
	free(k);
}

const struct ksym *kallsyms__find(const struct kallsyms *k, uint64_t addr)
{
	const struct ksym *last =
		util__bsearch_le(&addr, k->syms, k->n, sizeof(*k->syms), util__cmp_u64_key);
	if (!last)
		return NULL;
	size_t i = (size_t)(last - k->syms);
	const struct ksym *best = last;
	while (i > 0 && k->syms[i - 1].start == best->start) {
		i--;
		if (better_alias(&k->syms[i], best))
			best = &k->syms[i];
	}
	return addr < best->end ? best : NULL;
}
