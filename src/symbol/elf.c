// SPDX-License-Identifier: MIT
/* ELF function symbols (.symtab, else the debug file's, else .dynsym) and load-bias maths. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/util.h"

struct raw_sym {
	uint64_t start;
	uint64_t size;
	size_t name_off;
	uint8_t bind;
};

struct raw_syms {
	struct raw_sym *v;
	size_t n;
	size_t cap;
	struct strbuf names;
};

static int elf_open_fd(const char *path, int *fd, Elf **elf)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	*fd = util__open_regular(path, 0, NULL); /* a FIFO or device is never an ELF file */
	if (*fd < 0)
		return *fd;
	*elf = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
	if (!*elf || elf_kind(*elf) != ELF_K_ELF) {
		if (*elf)
			elf_end(*elf);
		close(*fd);
		return -ENOEXEC;
	}
	return 0;
}

static Elf_Scn *find_section(Elf *elf, uint32_t type, const char *name)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (type && sh.sh_type != type)
			continue;
		if (name) {
			const char *n = elf_strptr(elf, shstrndx, sh.sh_name);
			if (!n || strcmp(n, name) != 0)
				continue;
		}
		return scn;
	}
	return NULL;
}

static int find_build_id(Elf *elf, uint8_t *buf, size_t size)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		size_t off = 0, name_off, desc_off;
		GElf_Nhdr nh;
		while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((char *)data->d_buf + name_off, "GNU", 4) != 0)
				continue;
			size_t n = nh.n_descsz < size ? nh.n_descsz : size;
			memcpy(buf, (char *)data->d_buf + desc_off, n);
			return (int)n;
		}
	}
	return -ENODATA;
}

int symelf__read_build_id(const char *path, uint8_t *buf, size_t size)
{
	int fd;
	Elf *elf;
	int err = elf_open_fd(path, &fd, &elf);
	if (err)
		return err;
	err = find_build_id(elf, buf, size);
	elf_end(elf);
	close(fd);
	return err;
}

static char *read_debuglink(Elf *elf)
{
	Elf_Scn *scn = find_section(elf, 0, ".gnu_debuglink");
	if (!scn)
		return NULL;
	Elf_Data *data = elf_getdata(scn, NULL);
	if (!data || !data->d_buf || data->d_size == 0)
		return NULL;
	return xstrndup(data->d_buf, strnlen(data->d_buf, data->d_size));
}

static bool is_function(const GElf_Sym *sym)
{
	int type = GELF_ST_TYPE(sym->st_info);
	return (type == STT_FUNC || type == STT_GNU_IFUNC) && sym->st_name != 0 &&
	       sym->st_shndx != SHN_UNDEF && sym->st_value != 0;
}

static void push_sym(struct raw_syms *rs, uint64_t start, uint64_t size, const char *name,
		     const char *suffix, uint8_t bind)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 256;
		rs->v = xrealloc(rs->v, rs->cap * sizeof(*rs->v));
	}
	rs->v[rs->n++] = (struct raw_sym){ .start = start, .size = size,
					   .name_off = rs->names.len, .bind = bind };
	strbuf__add(&rs->names, name, strlen(name));
	strbuf__add(&rs->names, suffix, strlen(suffix) + 1);
}

/* Appends the function symbols of the first section of sh_type; returns how many. */
static size_t read_symbols(Elf *elf, uint32_t sh_type, struct raw_syms *rs)
{
	Elf_Scn *scn = find_section(elf, sh_type, NULL);
	if (!scn)
		return 0;
	GElf_Shdr sh;
	Elf_Data *data = elf_getdata(scn, NULL);
	if (!gelf_getshdr(scn, &sh) || !data || sh.sh_entsize == 0)
		return 0;
	size_t count = sh.sh_size / sh.sh_entsize, added = 0;
	for (size_t i = 0; i < count; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(data, (int)i, &sym) || !is_function(&sym))
			continue;
		const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		push_sym(rs, sym.st_value, sym.st_size, name, "", GELF_ST_BIND(sym.st_info));
		added++;
	}
	return added;
}

/* The info and GOT slot of relocation i of a .rela.plt or .rel.plt; false past the end. */
static bool plt_reloc(Elf_Data *data, bool rela, size_t i, uint64_t *info, uint64_t *slot)
{
	if (rela) {
		GElf_Rela r;
		if (!gelf_getrela(data, (int)i, &r))
			return false;
		*info = r.r_info, *slot = r.r_offset;
	} else {
		GElf_Rel r;
		if (!gelf_getrel(data, (int)i, &r))
			return false;
		*info = r.r_info, *slot = r.r_offset;
	}
	return true;
}

/*
 * PLT stubs have no symbols; like perf, name them "func@plt" after the relocations of
 * .rela.plt (or .rel.plt). Stub i jumps through GOT slot i, counted from the lowest slot
 * those relocations patch (their order in the section is not the stubs' order: libc lists
 * its IRELATIVE ones apart). The stubs are the entries of .plt.sec when there is one (IBT),
 * else those of .plt after its first (header) entry.
 */
static void synth_plt(Elf *elf, struct raw_syms *rs)
{
	Elf_Scn *rel = find_section(elf, SHT_RELA, ".rela.plt");
	bool rela = rel != NULL;
	if (!rel)
		rel = find_section(elf, SHT_REL, ".rel.plt");
	Elf_Scn *plt = find_section(elf, SHT_PROGBITS, ".plt.sec");
	uint64_t header = 0;
	if (!plt) {
		plt = find_section(elf, SHT_PROGBITS, ".plt");
		header = 1;
	}
	GElf_Shdr rsh, psh, dsh;
	if (!rel || !plt || !gelf_getshdr(rel, &rsh) || !gelf_getshdr(plt, &psh) ||
	    !rsh.sh_entsize)
		return;
	Elf_Scn *dyn = elf_getscn(elf, rsh.sh_link);
	Elf_Data *rdata = elf_getdata(rel, NULL);
	Elf_Data *ddata = dyn ? elf_getdata(dyn, NULL) : NULL;
	if (!ddata || !rdata || !gelf_getshdr(dyn, &dsh))
		return;
	uint64_t ent = psh.sh_entsize >= 8 ? psh.sh_entsize : 16;
	uint64_t base = psh.sh_addr + header * ent, nstubs = (psh.sh_size / ent) - header;
	size_t count = rsh.sh_size / rsh.sh_entsize;
	uint64_t info, slot, first = UINT64_MAX;
	size_t word = gelf_getclass(elf) == ELFCLASS32 ? 4 : 8;
	for (size_t i = 0; i < count && plt_reloc(rdata, rela, i, &info, &slot); i++)
		if (slot < first)
			first = slot;
	for (size_t i = 0; i < count && plt_reloc(rdata, rela, i, &info, &slot); i++) {
		uint64_t stub = (slot - first) / word;
		GElf_Sym sym;
		const char *name = NULL;
		if (stub >= nstubs || (slot - first) % word || !GELF_R_SYM(info) ||
		    !gelf_getsym(ddata, (int)GELF_R_SYM(info), &sym))
			continue;
		name = elf_strptr(elf, dsh.sh_link, sym.st_name);
		if (name && *name)
			push_sym(rs, base + stub * ent, ent, name, "@plt", STB_GLOBAL);
	}
}

static int leading_underscores(const char *s)
{
	int n = 0;
	while (s[n] == '_')
		n++;
	return n;
}

/* Which of two symbols at one address names it, in the order perf decides: a sized one,
 * a non-weak one, a global one, fewer leading underscores, then the longer name. */
static bool better_sym(const struct symelf_sym *a, const struct symelf_sym *b)
{
	bool sa = a->end > a->start, sb = b->end > b->start;
	if (sa != sb)
		return sa;
	bool wa = a->bind == STB_WEAK, wb = b->bind == STB_WEAK;
	if (wa != wb)
		return !wa;
	bool ga = a->bind == STB_GLOBAL, gb = b->bind == STB_GLOBAL;
	if (ga != gb)
		return ga;
	int ua = leading_underscores(a->name), ub = leading_underscores(b->name);
	if (ua != ub)
		return ua < ub;
	return strlen(a->name) > strlen(b->name);
}

static int cmp_sym(const void *pa, const void *pb)
{
	const struct symelf_sym *a = pa, *b = pb;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int cmp_named(const void *pa, const void *pb)
{
	const struct symelf_named *a = pa, *b = pb;
	return strcmp(a->name, b->name);
}

/* util__bsearch_le comparator: a name against a struct symelf_named. */
static int cmp_name_key(const void *key, const void *elem)
{
	return strcmp(key, ((const struct symelf_named *)elem)->name);
}

static void finish_symbols(struct symelf *ef, struct raw_syms *rs)
{
	/* exact sizes: the growth by doubling left up to half of each unused, for as long as the
	 * file stays cached */
	ef->names = rs->names.buf ? xrealloc(rs->names.buf, rs->names.len) : xstrdup("");
	ef->syms = xcalloc(rs->n ? rs->n : 1, sizeof(*ef->syms));
	for (size_t i = 0; i < rs->n; i++) {
		ef->syms[i] = (struct symelf_sym){ .start = rs->v[i].start,
						   .end = rs->v[i].start + rs->v[i].size,
						   .name = ef->names + rs->v[i].name_off,
						   .bind = rs->v[i].bind };
	}
	free(rs->v);
	/* Every name, aliases included, for lookups by name (collapse --inline fallback); sorted
	 * by the first lookup, not for every file a profiler opens (most are never asked). */
	ef->named = xcalloc(rs->n ? rs->n : 1, sizeof(*ef->named));
	ef->nnamed = rs->n;
	for (size_t i = 0; i < rs->n; i++)
		ef->named[i] = (struct symelf_named){ .name = ef->syms[i].name,
						      .start = ef->syms[i].start };
	qsort(ef->syms, rs->n, sizeof(*ef->syms), cmp_sym);
	/* One symbol per address. */
	size_t out = 0;
	for (size_t i = 0; i < rs->n; i++) {
		if (out && ef->syms[out - 1].start == ef->syms[i].start) {
			if (better_sym(&ef->syms[i], &ef->syms[out - 1]))
				ef->syms[out - 1] = ef->syms[i];
			continue;
		}
		ef->syms[out++] = ef->syms[i];
	}
	ef->nsyms = out;
	ef->syms = xrealloc(ef->syms, (out ? out : 1) * sizeof(*ef->syms));
	/* Size-less symbols (assembly) run to the next symbol, the last one to a page end. */
	for (size_t i = 0; i < out; i++) {
		struct symelf_sym *s = &ef->syms[i];
		if (s->end > s->start)
			continue;
		s->end = i + 1 < out ? ef->syms[i + 1].start : (s->start + 4096) & ~4095ull;
	}
}

static void read_loads(Elf *elf, struct symelf *ef)
{
	size_t phnum;
	if (elf_getphdrnum(elf, &phnum) != 0)
		return;
	ef->loads = xcalloc(phnum ? phnum : 1, sizeof(*ef->loads));
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		ef->loads[ef->nloads++] = (struct symelf_load){
			.vaddr = ph.p_vaddr, .offset = ph.p_offset, .filesz = ph.p_filesz
		};
	}
}

static size_t read_debug_symbols(const char *debug_path, struct raw_syms *rs)
{
	int fd;
	Elf *elf;
	if (elf_open_fd(debug_path, &fd, &elf) != 0)
		return 0;
	size_t n = read_symbols(elf, SHT_SYMTAB, rs);
	elf_end(elf);
	close(fd);
	return n;
}

/* Reads everything symelf needs from an open ELF; path names it (and finds debug files). */
static int load(Elf *elf, const char *path, bool find_debug, struct symelf **out)
{
	GElf_Ehdr eh;
	if (!gelf_getehdr(elf, &eh))
		return -ENOEXEC;
	struct symelf *ef = xcalloc(1, sizeof(*ef));
	ef->path = xstrdup(path);
	ef->type = eh.e_type;
	int n = find_build_id(elf, ef->build_id, sizeof(ef->build_id));
	ef->build_id_len = n > 0 ? (size_t)n : 0;
	read_loads(elf, ef);
	if (find_debug) {
		char *debuglink = read_debuglink(elf);
		ef->debug_path = debuginfo__find(path, ef->build_id, ef->build_id_len, debuglink);
		free(debuglink);
	}
	struct raw_syms rs = { 0 };
	if (read_symbols(elf, SHT_SYMTAB, &rs) == 0) {
		if (!ef->debug_path || read_debug_symbols(ef->debug_path, &rs) == 0)
			read_symbols(elf, SHT_DYNSYM, &rs);
	}
	synth_plt(elf, &rs);
	finish_symbols(ef, &rs);
	*out = ef;
	return 0;
}

int symelf__open(const char *path, struct symelf **out)
{
	int fd;
	Elf *elf;
	int err = elf_open_fd(path, &fd, &elf);
	if (err)
		return err;
	err = load(elf, path, true, out);
	elf_end(elf);
	close(fd);
	return err;
}

int symelf__open_memory(const void *image, size_t len, const char *name, struct symelf **out)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	/* libelf wants a writable buffer it does not own. */
	char *copy = xmalloc(len);
	memcpy(copy, image, len);
	Elf *elf = elf_memory(copy, len);
	int err = -ENOEXEC;
	if (elf && elf_kind(elf) == ELF_K_ELF)
		err = load(elf, name, false, out);
	if (elf)
		elf_end(elf);
	free(copy);
	return err;
}

void symelf__free(struct symelf *ef)
{
	if (!ef)
		return;
	for (size_t i = 0; i < ef->nsyms; i++) {
		if (ef->syms[i].pretty && ef->syms[i].pretty != ef->syms[i].name)
			free((char *)ef->syms[i].pretty);
	}
	for (size_t i = 0; i < ef->nnamed; i++) {
		if (ef->named[i].pretty && ef->named[i].pretty != ef->named[i].name)
			free((char *)ef->named[i].pretty);
	}
	symdw__free(ef->dw);
	free(ef->named);
	free(ef->syms);
	free(ef->names);
	free(ef->loads);
	free(ef->debug_path);
	free(ef->path);
	free(ef);
}

uint64_t symelf__offset_to_vaddr(const struct symelf *ef, uint64_t off)
{
	for (size_t i = 0; i < ef->nloads; i++) {
		const struct symelf_load *l = &ef->loads[i];
		if (off >= l->offset && off < l->offset + l->filesz)
			return l->vaddr + (off - l->offset);
	}
	/* Past the file-backed part (bss) of the last segment: keep that segment's bias. */
	if (ef->nloads) {
		const struct symelf_load *l = &ef->loads[ef->nloads - 1];
		if (off >= l->offset)
			return l->vaddr + (off - l->offset);
	}
	return off;
}

struct symelf_sym *symelf__find(const struct symelf *ef, uint64_t vaddr)
{
	struct symelf_sym *s =
		util__bsearch_le(&vaddr, ef->syms, ef->nsyms, sizeof(*ef->syms), util__cmp_u64_key);
	return s && vaddr < s->end ? s : NULL;
}

const char *symelf__pretty(struct symelf *ef, struct symelf_sym *sym, bool demangle)
{
	(void)ef;
	if (!demangle)
		return sym->name;
	if (!sym->pretty) {
		char *d = demangle__name(sym->name, false);
		sym->pretty = d ? d : sym->name;
	}
	return sym->pretty;
}

int symelf__find_name(struct symelf *ef, const char *name, uint64_t *start)
{
	if (!ef->named_sorted) {
		qsort(ef->named, ef->nnamed, sizeof(*ef->named), cmp_named);
		ef->named_sorted = true;
	}
	const struct symelf_named *hit =
		util__bsearch_le(name, ef->named, ef->nnamed, sizeof(*ef->named), cmp_name_key);
	if (hit && strcmp(hit->name, name) == 0) {
		*start = hit->start;
		return 0;
	}
	/* perf script prints demangled names: compare against those too. */
	for (size_t i = 0; i < ef->nnamed; i++) {
		struct symelf_named *nm = &ef->named[i];
		if (!nm->pretty) {
			char *d = demangle__name(nm->name, false);
			nm->pretty = d ? d : nm->name;
		}
		if (strcmp(nm->pretty, name) == 0) {
			*start = nm->start;
			return 0;
		}
	}
	return -ENOENT;
}
