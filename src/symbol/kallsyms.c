// SPDX-License-Identifier: MIT
/* Kernel symbols from /proc/kallsyms (core kernel and modules), sorted for binary search. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/bigmem.h"
#include "../util/util.h"

struct kallsyms {
	struct ksym *syms; /* bigmem: about 5 MB, faulted in 2 MB pages */
	size_t n, cap;
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

/* Hex digits up to the first non-hex byte, at most 16; *end is where they stop. */
static uint64_t parse_hex(const char *s, const char **end)
{
	uint64_t v = 0;
	int i = 0;
	for (; i < 16; i++) {
		unsigned c = (unsigned char)s[i], l = c | 0x20;
		unsigned d = c - '0' < 10u ? c - '0' : l - 'a' < 6u ? l - 'a' + 10 : 16;
		if (d == 16)
			break;
		v = v << 4 | d;
	}
	*end = s + i;
	return v;
}

/*
 * One line of /proc/kallsyms, "ADDR TYPE NAME[\t[MODULE]]" (without its newline): a text
 * symbol goes to k->syms with its name appended to names (its offset there stands in for the
 * pointer until the names stop moving).
 */
static void parse_line(struct kallsyms *k, struct strbuf *names, const char *line, size_t len,
		       bool *any_nonzero)
{
	const char *end;
	uint64_t addr = parse_hex(line, &end);
	if (end == line || (size_t)(end - line) + 3 > len || end[0] != ' ' || end[2] != ' ' ||
	    !is_text_type(end[1]))
		return;
	const char *name = end + 3, *stop = line + len;
	const char *tab = memchr(name, '\t', (size_t)(stop - name));
	const char *module = kernel_module;
	if (tab && tab[1] == '[') {
		/* "[nf_conntrack]" is already in perf's form. */
		const char *close = memchr(tab + 1, ']', (size_t)(stop - tab - 1));
		char mod[128];
		size_t n = close ? (size_t)(close - tab) : (size_t)(stop - tab - 1);
		if (n >= sizeof(mod))
			n = sizeof(mod) - 1;
		memcpy(mod, tab + 1, n);
		mod[n] = '\0';
		module = symmap__intern(k->modules, mod);
	}
	if (addr)
		*any_nonzero = true;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 1u << 17; /* a distribution kernel has ~120k */
		k->syms = bigmem__realloc(k->syms, k->cap * sizeof(*k->syms), cap * sizeof(*k->syms));
		k->cap = cap;
	}
	size_t off = names->len;
	strbuf__add(names, name, (size_t)((tab ? tab : stop) - name));
	strbuf__addc(names, '\0');
	k->syms[k->n++] = (struct ksym){.start = addr,
					.name = (const char *)(uintptr_t)off,
					.module = module,
					.global = end[1] == 'T' || end[1] == 'W'};
}

/* The file's read in 256 KiB pieces: only the function names are kept, never the file. */
#define KALLSYMS_PIECE (256u << 10)

int kallsyms__load(const char *path, struct kallsyms **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct kallsyms *k = xcalloc(1, sizeof(*k));
	k->modules = symmap__new();
	struct strbuf names = {0};
	size_t have = 0;
	bool any_nonzero = false;
	char *buf = xmalloc(KALLSYMS_PIECE);
	int err = 0;
	for (;;) {
		ssize_t r = read(fd, buf + have, KALLSYMS_PIECE - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		have += (size_t)r;
		char *line = buf, *stop = buf + have, *eol;
		while ((eol = memchr(line, '\n', (size_t)(stop - line)))) {
			parse_line(k, &names, line, (size_t)(eol - line), &any_nonzero);
			line = eol + 1;
		}
		if (r == 0 || (line == buf && have == KALLSYMS_PIECE)) {
			/* the end, or a line longer than a piece: what is left is one line */
			if (stop > line)
				parse_line(k, &names, line, (size_t)(stop - line), &any_nonzero);
			break;
		}
		have = (size_t)(stop - line);
		memmove(buf, line, have);
	}
	free(buf);
	close(fd);
	k->text = names.buf ? names.buf : xstrdup("");
	for (size_t i = 0; i < k->n; i++)
		k->syms[i].name = k->text + (uintptr_t)k->syms[i].name;
	if (err || !any_nonzero) {
		kallsyms__free(k);
		return err ? err : -EPERM; /* -EPERM: kptr_restrict hides addresses from this user */
	}
	qsort(k->syms, k->n, sizeof(*k->syms), cmp_ksym);
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
	bigmem__free(k->syms, k->cap * sizeof(*k->syms));
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
