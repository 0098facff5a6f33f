// SPDX-License-Identifier: MIT
/* Self-profiler output: raw pcs -> names (ELF symtab, dladdr, libiberty) -> folded stacks. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <libiberty/demangle.h>
#include <link.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../source/frame_name.h"
#include "../util/util.h"
#include "internal.h"

struct esym {
	uint64_t start, size;
	char *name;
};

/* The function symbols of one ELF file, sorted by address. */
struct elf_syms {
	char *path;
	struct esym *syms;
	size_t n;
};

struct namer {
	struct elf_syms *files;
	size_t nfiles;
	struct strbuf sb;
	/* pc -> name cache */
	uintptr_t *keys;
	char **vals;
	size_t cap, n;
	char *skip_mark; /* cached value of pcs that are left out */
};

static int cmp_esym(const void *a, const void *b)
{
	const struct esym *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Adds the FUNC symbols of the first section of type want; returns how many were added. */
static size_t add_syms(struct elf_syms *f, Elf *e, unsigned want)
{
	size_t before = f->n, cap = f->n;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != want || !sh.sh_entsize)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t count = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; d && i < count; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(d, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    !sym.st_value || sym.st_shndx == SHN_UNDEF)
				continue;
			const char *name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			if (f->n == cap) {
				cap = cap ? cap * 2 : 256;
				f->syms = xrealloc(f->syms, cap * sizeof(*f->syms));
			}
			f->syms[f->n++] = (struct esym){sym.st_value, sym.st_size, xstrdup(name)};
		}
	}
	return f->n - before;
}

/* /usr/lib/debug/.build-id/xx/yyyy.debug of a stripped file, from its GNU build-id note. */
static bool debug_path(Elf *e, char *out, size_t outlen)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;
		while (d && (off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 || nh.n_descsz < 2 ||
			    memcmp((const char *)d->d_buf + noff, "GNU", 4) != 0)
				continue;
			const unsigned char *id = (const unsigned char *)d->d_buf + doff;
			size_t o = (size_t)snprintf(out, outlen, "/usr/lib/debug/.build-id/%02x/", id[0]);
			for (size_t i = 1; i < nh.n_descsz && o + 8 < outlen; i++)
				o += (size_t)snprintf(out + o, outlen - o, "%02x", id[i]);
			snprintf(out + o, outlen - o, ".debug");
			return true;
		}
	}
	return false;
}

static void load_file_syms(struct elf_syms *f, const char *path, bool follow_debug)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	if (e && !add_syms(f, e, SHT_SYMTAB)) {
		/* Stripped: the debug file's .symtab has the static functions, else .dynsym. */
		char dbg[512];
		if (follow_debug && debug_path(e, dbg, sizeof(dbg)))
			load_file_syms(f, dbg, false);
		if (!f->n)
			add_syms(f, e, SHT_DYNSYM);
	}
	if (e)
		elf_end(e);
	close(fd);
}

static void load_symtab(struct elf_syms *f)
{
	elf_version(EV_CURRENT);
	load_file_syms(f, f->path, true);
	qsort(f->syms, f->n, sizeof(*f->syms), cmp_esym);
}

static const char *elf_lookup(struct namer *nm, const char *path, uint64_t addr)
{
	struct elf_syms *f = NULL;
	for (size_t i = 0; i < nm->nfiles; i++)
		if (!strcmp(nm->files[i].path, path))
			f = &nm->files[i];
	if (!f) {
		nm->files = xrealloc(nm->files, (nm->nfiles + 1) * sizeof(*nm->files));
		f = &nm->files[nm->nfiles++];
		*f = (struct elf_syms){.path = xstrdup(path)};
		load_symtab(f);
	}
	size_t lo = 0, hi = f->n;
	while (lo < hi) { /* last symbol starting at or before addr */
		size_t mid = (lo + hi) / 2;
		if (f->syms[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct esym *s = &f->syms[lo - 1];
	return addr < s->start + (s->size ? s->size : 1) ? s->name : NULL;
}

/* perf script's demangling (no parameter lists), then stackcollapse's tidying. */
static void set_name(struct strbuf *sb, const char *raw)
{
	char *dm = cplus_demangle(raw, DMGL_NO_OPTS);
	sb->len = 0;
	strbuf__adds(sb, dm ? dm : raw);
	free(dm);
	frame_name__tidy(sb);
}

/* NULL for the self-profiler's own frames (its thread trampoline), which are left out. */
static char *symbolize(struct namer *nm, uintptr_t pc)
{
	Dl_info info, self;
	struct link_map *lm = NULL;
	if (dladdr((void *)selfprof__write, &self) && dladdr((void *)pc, &info) &&
	    info.dli_fbase == self.dli_fbase)
		return NULL;
	if (!dladdr1((void *)pc, &info, (void **)&lm, RTLD_DL_LINKMAP) || !lm) {
		frame_name__module(&nm->sb, NULL);
		return xstrdup(nm->sb.buf);
	}
	bool main_prog = !info.dli_fname || !*info.dli_fname || !lm->l_name || !*lm->l_name;
	const char *path = main_prog ? "/proc/self/exe" : info.dli_fname;
	const char *name = elf_lookup(nm, path, (uint64_t)(pc - lm->l_addr));
	if (!name && info.dli_sname && info.dli_saddr)
		name = info.dli_sname;
	if (name) {
		set_name(&nm->sb, name);
	} else {
		char exe[4096];
		ssize_t n = main_prog ? readlink("/proc/self/exe", exe, sizeof(exe) - 1) : -1;
		if (n > 0)
			exe[n] = '\0';
		frame_name__module(&nm->sb, n > 0 ? exe : path);
	}
	return xstrdup(nm->sb.buf);
}

static const char *name_of(struct namer *nm, uintptr_t pc, bool *skip)
{
	if ((nm->n + 1) * 2 > nm->cap) {
		size_t cap = nm->cap ? nm->cap * 2 : 1024;
		uintptr_t *keys = xcalloc(cap, sizeof(*keys));
		char **vals = xcalloc(cap, sizeof(*vals));
		for (size_t i = 0; i < nm->cap; i++) {
			if (!nm->vals[i])
				continue;
			size_t j = util__hash_u64(nm->keys[i]) & (cap - 1);
			while (vals[j])
				j = (j + 1) & (cap - 1);
			keys[j] = nm->keys[i];
			vals[j] = nm->vals[i];
		}
		free(nm->keys);
		free(nm->vals);
		nm->keys = keys;
		nm->vals = vals;
		nm->cap = cap;
	}
	size_t j = util__hash_u64(pc) & (nm->cap - 1);
	for (; nm->vals[j]; j = (j + 1) & (nm->cap - 1))
		if (nm->keys[j] == pc)
			return *skip = nm->vals[j] == nm->skip_mark, nm->vals[j];
	char *name = symbolize(nm, pc);
	nm->keys[j] = pc;
	nm->vals[j] = name ? name : nm->skip_mark;
	nm->n++;
	*skip = !name;
	return nm->vals[j];
}

static void namer_free(struct namer *nm)
{
	for (size_t i = 0; i < nm->nfiles; i++) {
		for (size_t k = 0; k < nm->files[i].n; k++)
			free(nm->files[i].syms[k].name);
		free(nm->files[i].syms);
		free(nm->files[i].path);
	}
	free(nm->files);
	for (size_t i = 0; i < nm->cap; i++)
		if (nm->vals[i] != nm->skip_mark)
			free(nm->vals[i]);
	free(nm->skip_mark);
	free(nm->keys);
	free(nm->vals);
	strbuf__free(&nm->sb);
}

struct line {
	char *text;
	uint64_t count;
};

static int cmp_line(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->text, ((const struct line *)b)->text);
}

int selfprof__write(const struct sp_agg *agg, const char *comm, const char *path)
{
	struct namer nm = {.skip_mark = xstrdup("")};
	struct line *lines = xcalloc(agg->nstacks + 1, sizeof(*lines));
	struct strbuf sb = {0};
	for (uint32_t i = 0; i < agg->nstacks; i++) {
		const struct sp_stack *s = &agg->stacks[i];
		const uintptr_t *pc = &agg->pcs[s->off];
		sb.len = 0;
		strbuf__adds(&sb, comm);
		for (uint32_t k = s->n; k-- > 0;) {
			/* Return addresses point after the call: look up the call itself. */
			bool skip;
			const char *name = name_of(&nm, k ? pc[k] - 1 : pc[k], &skip);
			if (skip)
				continue;
			strbuf__addc(&sb, ';');
			strbuf__adds(&sb, name);
		}
		lines[i] = (struct line){xstrdup(sb.buf), s->count};
	}
	qsort(lines, agg->nstacks, sizeof(*lines), cmp_line);
	struct strbuf out = {0};
	for (uint32_t i = 0; i < agg->nstacks;) {
		uint64_t count = lines[i].count;
		uint32_t k = i + 1;
		while (k < agg->nstacks && !strcmp(lines[k].text, lines[i].text))
			count += lines[k++].count;
		strbuf__adds(&out, lines[i].text);
		strbuf__addc(&out, ' ');
		strbuf__addu(&out, count);
		strbuf__addc(&out, '\n');
		i = k;
	}
	int ret = util__write_file(path, out.buf ? out.buf : "", out.len);
	for (uint32_t i = 0; i < agg->nstacks; i++)
		free(lines[i].text);
	free(lines);
	strbuf__free(&sb);
	strbuf__free(&out);
	namer_free(&nm);
	return ret;
}
