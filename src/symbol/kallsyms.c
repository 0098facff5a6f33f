// SPDX-License-Identifier: MIT
/*
 * Kernel symbols from /proc/kallsyms (core kernel and modules), sorted for binary search, and
 * a per-boot cache of the core kernel's part.
 *
 * Why the cache: the kernel formats /proc/kallsyms's ~120,000 lines at every read, and a
 * fresh process parses and sorts them: 40-100 ms of CPU at the first kernel frame of every
 * run, more than the rest of a short recording's start-up. The core kernel's text symbols
 * cannot change until the next boot, so they are kept, sorted, in a file keyed by the boot
 * id and mapped by later runs. Addresses outside the core kernel's text (modules, BPF
 * programs, trampolines: they come and go) are answered by reading /proc/kallsyms again.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/bigmem.h"
#include "../util/util.h"

/* One symbol as kept in memory and in the cache file. */
struct kent {
	uint64_t start;
	uint64_t end;
	uint32_t name;   /* offset of its name in text */
	uint16_t module; /* index in modules[]: 0 is the core kernel */
	uint8_t global;
	uint8_t pad;
};
_Static_assert(sizeof(struct kent) == 24, "the cache file's entry");
_Static_assert(offsetof(struct kent, start) == 0, "kent sorts by start");

#define MAX_MODULES 65535u

struct kallsyms {
	struct kent *e; /* bigmem (cap entries) when read here; in map when from a cache */
	size_t n, cap;
	char *text;     /* the names, each ending in '\0' */
	size_t text_len;
	char **modules; /* "[kernel.kallsyms]", then "[modname]"s */
	size_t nmodules;
	uint64_t lo, hi; /* addresses this table answers for: [lo, hi) */
	uint64_t skip_lo, skip_hi; /* while reading: core kernel symbols here are left out */
	void *map;       /* the cache file, when read from one */
	size_t map_len;
};

static const char kernel_module[] = "[kernel.kallsyms]";

/* The cache file: this header, n entries, then text_len bytes of names. */
struct cache_head {
	char magic[8];
	char boot_id[40];
	uint64_t n, text_len, lo, hi;
};
static const char cache_magic[8] = "scksym1\n";

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

static const char *name_of(const struct kallsyms *k, const struct kent *e)
{
	return e->name < k->text_len ? k->text + e->name : "";
}

/* Alias choice among symbols at one address, in the order perf applies: global before
 * local, fewer leading underscores, then the longer name. */
static bool better_alias(const struct kallsyms *k, const struct kent *a, const struct kent *b)
{
	if (a->global != b->global)
		return a->global;
	const char *na = name_of(k, a), *nb = name_of(k, b);
	int ua = leading_underscores(na), ub = leading_underscores(nb);
	if (ua != ub)
		return ua < ub;
	return strlen(na) > strlen(nb);
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

/* The index of module name mod (len bytes), added when new. Lines of one module come
 * together, so the last one found is tried first. */
static uint16_t module_index(struct kallsyms *k, const char *mod, size_t len, uint16_t *last)
{
	const char *m = k->modules[*last];
	if (strlen(m) == len && memcmp(m, mod, len) == 0)
		return *last;
	for (size_t i = 0; i < k->nmodules; i++) {
		if (strlen(k->modules[i]) == len && memcmp(k->modules[i], mod, len) == 0)
			return *last = (uint16_t)i;
	}
	if (k->nmodules == MAX_MODULES) /* (no kernel has as many) */
		return *last = 0;
	k->modules = xrealloc(k->modules, (k->nmodules + 1) * sizeof(*k->modules));
	k->modules[k->nmodules] = xstrndup(mod, len);
	return *last = (uint16_t)k->nmodules++;
}

/*
 * One line of /proc/kallsyms, "ADDR TYPE NAME[\t[MODULE]]" (without its newline): a text
 * symbol goes to k->e with its name appended to names.
 */
static void parse_line(struct kallsyms *k, struct strbuf *names, const char *line, size_t len,
		       bool *any_nonzero, uint16_t *last_module)
{
	const char *end;
	uint64_t addr = parse_hex(line, &end);
	if (end == line || (size_t)(end - line) + 3 > len || end[0] != ' ' || end[2] != ' ' ||
	    !is_text_type(end[1]))
		return;
	const char *name = end + 3, *stop = line + len;
	const char *tab = memchr(name, '\t', (size_t)(stop - name));
	uint16_t module = 0;
	if (tab && tab[1] == '[') {
		/* "[nf_conntrack]" is already in perf's form. */
		const char *close = memchr(tab + 1, ']', (size_t)(stop - tab - 1));
		size_t n = close ? (size_t)(close - tab) : (size_t)(stop - tab - 1);
		module = module_index(k, tab + 1, n < 127 ? n : 127, last_module);
	}
	if (addr)
		*any_nonzero = true;
	if (module == 0 && addr >= k->skip_lo && addr < k->skip_hi)
		return;
	if (names->len > UINT32_MAX - 4096)
		return; /* (4 GB of names: not a kallsyms) */
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 1u << 17; /* a distribution kernel has ~120k */
		k->e = bigmem__realloc(k->e, k->cap * sizeof(*k->e), cap * sizeof(*k->e));
		k->cap = cap;
	}
	k->e[k->n++] = (struct kent){.start = addr,
				     .name = (uint32_t)names->len,
				     .module = module,
				     .global = end[1] == 'T' || end[1] == 'W'};
	strbuf__add(names, name, (size_t)((tab ? tab : stop) - name));
	strbuf__addc(names, '\0');
}

static int cmp_kent(const void *a, const void *b, void *text)
{
	const struct kent *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	/* Same address: by name, for a stable choice. */
	return strcmp((const char *)text + x->name, (const char *)text + y->name);
}

/*
 * Sorts by address, then name. /proc/kallsyms lists the core kernel in address order, so
 * usually only the runs of aliases at one address are sorted (insertion sort); a file out of
 * order gets a whole sort.
 */
static void sort_entries(struct kallsyms *k)
{
	struct kent *e = k->e;
	for (size_t i = 1; i < k->n; i++) {
		if (e[i].start < e[i - 1].start) {
			qsort_r(e, k->n, sizeof(*e), cmp_kent, k->text);
			return;
		}
	}
	for (size_t i = 1; i < k->n; i++) {
		struct kent v = e[i];
		size_t j = i;
		while (j > 0 && e[j - 1].start == v.start && cmp_kent(&e[j - 1], &v, k->text) > 0) {
			e[j] = e[j - 1];
			j--;
		}
		e[j] = v;
	}
}

static struct kallsyms *new_table(void)
{
	struct kallsyms *k = xcalloc(1, sizeof(*k));
	k->modules = xmalloc(sizeof(*k->modules));
	k->modules[0] = xstrdup(kernel_module);
	k->nmodules = 1;
	k->hi = UINT64_MAX;
	return k;
}

/* The file's read in 256 KiB pieces: only the function names are kept, never the file. */
#define KALLSYMS_PIECE (256u << 10)

/* Reads path, leaving out the core kernel's symbols in [skip_lo, skip_hi). */
static int load_file(const char *path, uint64_t skip_lo, uint64_t skip_hi, struct kallsyms **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct kallsyms *k = new_table();
	k->skip_lo = skip_lo;
	k->skip_hi = skip_hi;
	struct strbuf names = {0};
	strbuf__grow(&names, 4u << 20); /* (~2.5 MB for a distribution kernel: no regrowth) */
	size_t have = 0;
	bool any_nonzero = false;
	uint16_t last_module = 0;
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
			parse_line(k, &names, line, (size_t)(eol - line), &any_nonzero, &last_module);
			line = eol + 1;
		}
		if (r == 0 || (line == buf && have == KALLSYMS_PIECE)) {
			/* the end, or a line longer than a piece: what is left is one line */
			if (stop > line)
				parse_line(k, &names, line, (size_t)(stop - line), &any_nonzero,
					   &last_module);
			break;
		}
		have = (size_t)(stop - line);
		memmove(buf, line, have);
	}
	free(buf);
	close(fd);
	k->text = names.buf ? names.buf : xstrdup("");
	k->text_len = names.len;
	if (err || !any_nonzero) {
		kallsyms__free(k);
		return err ? err : -EPERM; /* -EPERM: kptr_restrict hides addresses from this user */
	}
	sort_entries(k);
	/* kallsyms has no sizes: each symbol runs to the next address; the last gets a page. */
	for (size_t i = k->n; i-- > 0;) {
		struct kent *s = &k->e[i];
		if (i + 1 == k->n)
			s->end = s->start + 4096;
		else if (k->e[i + 1].start > s->start)
			s->end = k->e[i + 1].start;
		else
			s->end = k->e[i + 1].end;
	}
	*out = k;
	return 0;
}

int kallsyms__load(const char *path, struct kallsyms **out)
{
	return load_file(path, 0, 0, out);
}

int kallsyms__load_outside(const char *path, const struct kallsyms *core, struct kallsyms **out)
{
	return load_file(path, core->lo, core->hi, out);
}

void kallsyms__free(struct kallsyms *k)
{
	if (!k)
		return;
	if (k->map) {
		munmap(k->map, k->map_len);
	} else {
		bigmem__free(k->e, k->cap * sizeof(*k->e));
		free(k->text);
	}
	for (size_t i = 0; i < k->nmodules; i++)
		free(k->modules[i]);
	free(k->modules);
	free(k);
}

int kallsyms__find(const struct kallsyms *k, uint64_t addr, struct ksym *out)
{
	if (addr < k->lo || addr >= k->hi)
		return -ERANGE;
	const struct kent *last =
		util__bsearch_le(&addr, k->e, k->n, sizeof(*k->e), util__cmp_u64_key);
	if (!last)
		return 0;
	size_t i = (size_t)(last - k->e);
	const struct kent *best = last;
	while (i > 0 && k->e[i - 1].start == best->start) {
		i--;
		if (better_alias(k, &k->e[i], best))
			best = &k->e[i];
	}
	if (addr >= best->end || best->name >= k->text_len) /* (a cache damaged in place) */
		return 0;
	*out = (struct ksym){.start = best->start,
			     .end = best->end,
			     .name = name_of(k, best),
			     .module = best->module < k->nmodules ? k->modules[best->module]
								 : kernel_module,
			     .global = best->global};
	return 1;
}

/* ---- the per-boot cache of the core kernel's symbols ---- */

#define CACHE_FILE "kallsyms"

/* The cache as last written this boot, or NULL (none, another boot's, not ours, damaged). */
static struct kallsyms *cache_read(const char *dir, const char *boot_id)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/%s", dir, CACHE_FILE) >= (int)sizeof(path))
		return NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	struct stat st;
	struct cache_head h;
	/* only our own file, which nobody else could have written */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || (size_t)st.st_size < sizeof(h) ||
	    pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h.magic, cache_magic, sizeof(h.magic)) != 0 ||
	    strncmp(h.boot_id, boot_id, sizeof(h.boot_id)) != 0 || h.n == 0 ||
	    h.n > (1ull << 32) || h.text_len == 0 || h.text_len > UINT32_MAX || h.lo >= h.hi ||
	    (uint64_t)st.st_size != sizeof(h) + h.n * sizeof(struct kent) + h.text_len) {
		close(fd);
		return NULL;
	}
	/* all of it mapped at once (a few ms): it takes its place in the RSS now, not page by
	 * page as kernel frames come */
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return NULL;
	struct kallsyms *k = new_table();
	k->map = m;
	k->map_len = (size_t)st.st_size;
	k->e = (struct kent *)((char *)m + sizeof(h));
	k->n = (size_t)h.n;
	k->text = (char *)(k->e + k->n);
	k->text_len = (size_t)h.text_len;
	k->lo = h.lo;
	k->hi = h.hi;
	/* every name ends inside the text (name_of checks where each starts) */
	if (k->text[k->text_len - 1] != '\0') {
		kallsyms__free(k);
		return NULL;
	}
	return k;
}

static bool write_all(int fd, const void *p, size_t n)
{
	for (const char *c = p; n > 0;) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		c += w;
		n -= (size_t)w;
	}
	return true;
}

/*
 * Writes the core kernel's part of k (the entries before the first module's; k sorted) for
 * later runs of this boot: written aside, then renamed over the old one. Best effort.
 */
static void cache_write(const struct kallsyms *k, const char *dir, const char *boot_id)
{
	size_t n = 0;
	while (n < k->n && k->e[n].module == 0)
		n++;
	if (n == 0)
		return;
	/* It answers from the first symbol to the first module's, or a page past the last of
	 * the core kernel's: never where a module or a BPF program could be loaded later. */
	uint64_t hi = k->e[n - 1].start + 4096;
	if (n < k->n && k->e[n].start < hi)
		hi = k->e[n].start;
	struct cache_head h = {.n = n, .text_len = k->text_len, .lo = k->e[0].start, .hi = hi};
	memcpy(h.magic, cache_magic, sizeof(h.magic));
	snprintf(h.boot_id, sizeof(h.boot_id), "%s", boot_id);
	if (h.lo >= h.hi || util__mkdirs(dir, 0700) != 0)
		return;
	char tmp[4096], path[4096];
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, CACHE_FILE) >= (int)sizeof(tmp) ||
	    snprintf(path, sizeof(path), "%s/%s", dir, CACHE_FILE) >= (int)sizeof(path))
		return;
	int fd = mkstemp(tmp);
	if (fd < 0)
		return;
	bool ok = write_all(fd, &h, sizeof(h)) && write_all(fd, k->e, n * sizeof(*k->e)) &&
		  write_all(fd, k->text, k->text_len);
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0)
		unlink(tmp);
}

int kallsyms__load_cached(const char *path, const char *dir, const char *boot_id,
			  struct kallsyms **out)
{
	bool cache = dir && *dir && boot_id && *boot_id;
	if (cache && (*out = cache_read(dir, boot_id)))
		return 0;
	int r = kallsyms__load(path, out);
	if (r == 0 && cache)
		cache_write(*out, dir, boot_id);
	return r;
}

bool kallsyms__from_cache(const struct kallsyms *k)
{
	return k->map != NULL;
}
