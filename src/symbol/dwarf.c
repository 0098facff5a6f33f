// SPDX-License-Identifier: MIT
/* Source lines and inlined-call chains from DWARF through libdw. */
#include "internal.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/util.h"

struct symdw {
	int fd;
	Elf *elf;
	Dwarf *dbg;
};

static bool has_debug_info(Elf *elf)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return false;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && strcmp(name, ".debug_info") == 0)
			return true;
	}
	return false;
}

int symdw__open(const char *path, struct symdw **out)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	int fd = util__open_regular(path, 0, NULL);
	if (fd < 0)
		return fd;
	int err = -ENODATA;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		goto out_close;
	if (!has_debug_info(elf))
		goto out_elf_end;
	Dwarf *dbg = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (!dbg)
		goto out_elf_end;
	struct symdw *d = xcalloc(1, sizeof(*d));
	d->fd = fd;
	d->elf = elf;
	d->dbg = dbg;
	*out = d;
	return 0;

out_elf_end:
	elf_end(elf);
out_close:
	close(fd);
	return err;
}

void symdw__free(struct symdw *d)
{
	if (!d)
		return;
	dwarf_end(d->dbg);
	elf_end(d->elf);
	close(d->fd);
	free(d);
}

static Dwarf_Die *find_cu(Dwarf *dbg, uint64_t pc, Dwarf_Die *mem)
{
	if (dwarf_addrdie(dbg, pc, mem))
		return mem;
	/* No (or incomplete) .debug_aranges: ask every unit. */
	Dwarf_Off off = 0, next;
	size_t hsize;
	while (dwarf_nextcu(dbg, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(dbg, off + hsize, mem) && dwarf_haspc(mem, pc) > 0)
			return mem;
		off = next;
	}
	return NULL;
}

/* addr2line names a function by its linkage name when it has one (so -C can demangle it). */
static const char *die_name(Dwarf_Die *die)
{
	static const unsigned int attrs[] = { DW_AT_linkage_name, DW_AT_MIPS_linkage_name,
					      DW_AT_name };
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		Dwarf_Attribute a;
		if (dwarf_attr_integrate(die, attrs[i], &a)) {
			const char *s = dwarf_formstring(&a);
			if (s)
				return s;
		}
	}
	return NULL;
}

static void call_site(Dwarf_Die *cu, Dwarf_Die *inl, struct symdw_frame *f)
{
	Dwarf_Attribute a;
	Dwarf_Word file = 0, line = 0;
	if (dwarf_attr(inl, DW_AT_call_line, &a))
		dwarf_formudata(&a, &line);
	f->line = (uint32_t)line;
	f->file = NULL;
	Dwarf_Files *files;
	size_t nfiles;
	if (dwarf_attr(inl, DW_AT_call_file, &a) && dwarf_formudata(&a, &file) == 0 &&
	    dwarf_getsrcfiles(cu, &files, &nfiles) == 0 && file < nfiles)
		f->file = dwarf_filesrc(files, file, NULL, NULL);
}

int symdw__frames(struct symdw *d, uint64_t pc, struct symdw_frame *out, int max)
{
	if (max <= 0)
		return -EINVAL;
	Dwarf_Die cu_mem;
	Dwarf_Die *cu = find_cu(d->dbg, pc, &cu_mem);
	if (!cu)
		return -ENOENT;

	/* The innermost frame's line comes from the line table at pc. */
	struct symdw_frame inner = { 0 };
	Dwarf_Line *l = dwarf_getsrc_die(cu, pc);
	if (l) {
		int lineno = 0;
		inner.file = dwarf_linesrc(l, NULL, NULL);
		if (dwarf_lineno(l, &lineno) == 0 && lineno > 0)
			inner.line = (uint32_t)lineno;
	}

	/*
	 * dwarf_getscopes continues an inlined instance into its abstract origin's scopes; the
	 * chain of callers is the DIE nesting, so walk outward from the innermost function DIE.
	 */
	Dwarf_Die *scopes = NULL, *chain = NULL;
	int nscopes = dwarf_getscopes(cu, pc, &scopes), nchain = 0;
	for (int i = 0; i < nscopes; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
			nchain = dwarf_getscopes_die(&scopes[i], &chain);
			break;
		}
	}
	free(scopes);
	/* Frames innermost first while walking out; reversed at the end. */
	int n = 0;
	struct symdw_frame cur = inner;
	for (int i = 0; i < nchain && n < max; i++) {
		int tag = dwarf_tag(&chain[i]);
		if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine)
			continue;
		cur.name = die_name(&chain[i]);
		out[n++] = cur;
		if (tag == DW_TAG_subprogram)
			break;
		/* The function this one was inlined into is at the call site. */
		call_site(cu, &chain[i], &cur);
	}
	free(chain);
	if (n == 0) {
		if (!inner.file)
			return -ENOENT;
		out[n++] = inner;
	}
	for (int i = 0, j = n - 1; i < j; i++, j--) {
		struct symdw_frame t = out[i];
		out[i] = out[j];
		out[j] = t;
	}
	return n;
}
