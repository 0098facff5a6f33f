// SPDX-License-Identifier: MIT
/* Compiles .eh_frame / .debug_frame into sorted {pc, CFA rule, rbp rule} rows with libdw. */
#define _GNU_SOURCE
#include "cfi_table.h"

#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

/* x86-64 DWARF register numbers. */
#define REG_RBP 6
#define REG_RSP 7
#define REG_RA 16

struct rows {
	struct unwind_row *v;
	size_t n, cap;
};

/* An FDE's PC range and which CFI describes it. */
struct fde_range {
	uint64_t lo, hi;
	Dwarf_CFI *cfi;
};

struct fdes {
	struct fde_range *v;
	size_t n, cap;
};

/* A CIE's pointer encoding for its FDEs (DW_EH_PE_*), found by section offset. */
struct cie_enc {
	Dwarf_Off off;
	uint8_t enc;
};

static void rows_push(struct rows *r, uint64_t pc, uint8_t kind, int64_t cfa_off, int64_t rbp_off)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 4096;
		r->v = xrealloc(r->v, sizeof(*r->v) * r->cap);
	}
	r->v[r->n++] = (struct unwind_row){
	    .pc = (__u32)pc, .cfa_off = (__s16)cfa_off, .rbp_off = (__s8)rbp_off, .kind = kind};
}

/* The value a register rule's location adds to the CFA: {cfa} or {cfa, +N}; false otherwise. */
static bool cfa_offset_rule(const Dwarf_Op *ops, size_t nops, int64_t *off)
{
	if (nops < 1 || ops[0].atom != DW_OP_call_frame_cfa)
		return false;
	if (nops == 1) {
		*off = 0;
		return true;
	}
	if (nops == 2 && ops[1].atom == DW_OP_plus_uconst) {
		*off = (int64_t)ops[1].number;
		return true;
	}
	if (nops == 3 && (ops[1].atom == DW_OP_consts || ops[1].atom == DW_OP_constu) &&
	    ops[2].atom == DW_OP_plus) {
		*off = (int64_t)ops[1].number;
		return true;
	}
	return false;
}

/*
 * The expression GCC and binutils emit for lazy-binding PLT stubs:
 * rsp + 8 + ((rip & 15) >= K) << 3. Returns K, or -1.
 */
static int plt_threshold(const Dwarf_Op *o, size_t n)
{
	if (n != 9 || o[0].atom != DW_OP_breg7 || o[0].number != 8 || o[1].atom != DW_OP_breg16 ||
	    o[1].number != 0 || o[2].atom != DW_OP_lit15 || o[3].atom != DW_OP_and ||
	    o[4].atom < DW_OP_lit0 || o[4].atom > DW_OP_lit31 || o[5].atom != DW_OP_ge ||
	    o[6].atom != DW_OP_lit3 || o[7].atom != DW_OP_shl || o[8].atom != DW_OP_plus)
		return -1;
	return o[4].atom - DW_OP_lit0;
}

/* One row for the rule of frame f at pc. */
static void frame_row(struct rows *r, Dwarf_Frame *f, uint64_t pc, size_t *unsupported)
{
	Dwarf_Op *ops, mem[3];
	size_t nops;
	uint8_t cfa = UNWIND_CFA_UNSUPPORTED, rbp = UNWIND_RBP_SAME;
	int64_t cfa_off = 0, rbp_off = 0, off;

	if (dwarf_frame_register(f, REG_RA, mem, &ops, &nops) == 0 && nops == 0 && ops == mem) {
		rows_push(r, pc, UNWIND_CFA_OUTERMOST, 0, 0);
		return;
	}
	bool ra_ok = dwarf_frame_register(f, REG_RA, mem, &ops, &nops) == 0 &&
		     cfa_offset_rule(ops, nops, &off) && off == -8;
	if (ra_ok && dwarf_frame_cfa(f, &ops, &nops) == 0) {
		int k, reg = -1;
		int64_t o = 0;
		if (nops == 1 && ops[0].atom == DW_OP_bregx) { /* libdw's form for reg + offset */
			reg = (int)ops[0].number;
			o = (int64_t)ops[0].number2;
		} else if (nops == 1 && ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
			reg = ops[0].atom - DW_OP_breg0;
			o = (int64_t)ops[0].number;
		}
		if ((reg == REG_RSP || reg == REG_RBP) && o >= INT16_MIN && o <= INT16_MAX) {
			cfa = reg == REG_RSP ? UNWIND_CFA_RSP : UNWIND_CFA_RBP;
			cfa_off = o;
		} else if ((reg == REG_RSP || reg == REG_RBP) && o % 8 == 0 && o / 8 >= INT16_MIN &&
			   o / 8 <= INT16_MAX) {
			cfa = (reg == REG_RSP ? UNWIND_CFA_RSP : UNWIND_CFA_RBP) | UNWIND_CFA_SCALED;
			cfa_off = o / 8;
		} else if ((k = plt_threshold(ops, nops)) >= 0) {
			cfa = UNWIND_CFA_PLT;
			cfa_off = 8;
			rbp_off = k;
		}
	}
	if ((cfa & 7) != UNWIND_CFA_UNSUPPORTED && cfa != UNWIND_CFA_PLT &&
	    dwarf_frame_register(f, REG_RBP, mem, &ops, &nops) == 0 && nops > 0) {
		if (cfa_offset_rule(ops, nops, &off) && off % 8 == 0 && off / 8 >= INT8_MIN &&
		    off / 8 <= INT8_MAX) {
			rbp = UNWIND_RBP_CFA;
			rbp_off = off / 8;
		} else {
			rbp = UNWIND_RBP_UNKNOWN;
		}
	}
	if (cfa == UNWIND_CFA_UNSUPPORTED)
		(*unsupported)++;
	rows_push(r, pc, (uint8_t)(cfa | rbp << 4), cfa_off, rbp_off);
}

/* Reads one DW_EH_PE-encoded value at *p (advanced); false for encodings not handled. */
static bool read_encoded(const uint8_t **p, const uint8_t *end, uint8_t enc, uint64_t field_addr,
			 uint64_t *out)
{
	uint64_t v = 0;
	size_t size;
	switch (enc & 0x0f) {
	case DW_EH_PE_absptr: case DW_EH_PE_udata8: case DW_EH_PE_sdata8: size = 8; break;
	case DW_EH_PE_udata4: case DW_EH_PE_sdata4: size = 4; break;
	case DW_EH_PE_udata2: case DW_EH_PE_sdata2: size = 2; break;
	default: return false;
	}
	if ((size_t)(end - *p) < size)
		return false;
	if (size == 8) {
		memcpy(&v, *p, 8);
	} else if (size == 4) {
		uint32_t u;
		memcpy(&u, *p, 4);
		v = (enc & 0x0f) == DW_EH_PE_sdata4 ? (uint64_t)(int64_t)(int32_t)u : u;
	} else {
		uint16_t u;
		memcpy(&u, *p, 2);
		v = (enc & 0x0f) == DW_EH_PE_sdata2 ? (uint64_t)(int64_t)(int16_t)u : u;
	}
	*p += size;
	switch (enc & 0x70) {
	case DW_EH_PE_absptr: break;
	case DW_EH_PE_pcrel: v += field_addr; break;
	default: return false;
	}
	*out = v;
	return true;
}

/* The FDE pointer encoding a CIE's augmentation gives ('R'), absptr without one. */
static uint8_t cie_fde_encoding(const Dwarf_CIE *c)
{
	const char *a = c->augmentation;
	if (!a || a[0] != 'z' || !c->augmentation_data)
		return DW_EH_PE_absptr;
	const uint8_t *p = c->augmentation_data, *end = p + c->augmentation_data_size;
	for (a++; *a && p < end; a++) {
		if (*a == 'R')
			return *p;
		if (*a == 'L') {
			p++;
		} else if (*a == 'P') {
			uint8_t enc = *p++;
			uint64_t skip;
			if (!read_encoded(&p, end, enc & 0x0f, 0, &skip))
				break;
		} else if (*a != 'S' && *a != 'B' && *a != 'G') {
			break;
		}
	}
	return DW_EH_PE_absptr;
}

/* Every FDE's [lo, hi) in one CFI section, appended to f. */
static void collect_fdes(Elf *elf, Elf_Scn *scn, bool eh, Dwarf_CFI *cfi, struct fdes *f,
			 size_t *nodata)
{
	GElf_Shdr sh;
	Elf_Data *d = elf_getdata(scn, NULL);
	const unsigned char *ident = (const unsigned char *)elf_getident(elf, NULL);
	if (!gelf_getshdr(scn, &sh) || !d || !d->d_buf || !ident)
		return;
	struct cie_enc *cies = NULL;
	size_t ncies = 0, capcies = 0;
	Dwarf_Off off = 0, next;
	Dwarf_CFI_Entry e;
	while (dwarf_next_cfi(ident, d, eh, off, &next, &e) == 0) {
		if (e.CIE_id == (Dwarf_Off)LIBDW_CIE_ID) {
			if (ncies == capcies) {
				capcies = capcies ? capcies * 2 : 16;
				cies = xrealloc(cies, sizeof(*cies) * capcies);
			}
			cies[ncies++] = (struct cie_enc){off, eh ? cie_fde_encoding(&e.cie)
							      : DW_EH_PE_absptr};
		} else {
			int enc = -1;
			for (size_t i = ncies; i-- > 0;)
				if (cies[i].off == e.fde.CIE_pointer) {
					enc = cies[i].enc;
					break;
				}
			const uint8_t *p = e.fde.start;
			uint64_t lo, len;
			uint64_t field = sh.sh_addr + (uint64_t)(p - (const uint8_t *)d->d_buf);
			if (enc < 0 || !read_encoded(&p, e.fde.end, (uint8_t)enc, field, &lo) ||
			    !read_encoded(&p, e.fde.end, (uint8_t)(enc & 0x0f), 0, &len) ||
			    lo + len > UINT32_MAX) {
				(*nodata)++;
			} else if (len > 0) {
				if (f->n == f->cap) {
					f->cap = f->cap ? f->cap * 2 : 1024;
					f->v = xrealloc(f->v, sizeof(*f->v) * f->cap);
				}
				f->v[f->n++] = (struct fde_range){lo, lo + len, cfi};
			}
		}
		if (next <= off)
			break;
		off = next;
	}
	free(cies);
}

static int cmp_fde(const void *a, const void *b)
{
	const struct fde_range *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->cfi > y->cfi) - (x->cfi < y->cfi);
}

static int cmp_row(const void *a, const void *b)
{
	const struct unwind_row *x = a, *y = b;
	if (x->pc != y->pc)
		return x->pc < y->pc ? -1 : 1;
	/* At one pc a real rule wins over a gap marker (kind 0). */
	return (x->kind == 0) - (y->kind == 0);
}

/* Sorts, keeps one row per pc, and drops rows that repeat the rule before them. */
static void rows_finish(struct rows *r)
{
	if (!r->n)
		return;
	bool sorted = true; /* usually: FDEs are compiled in address order */
	for (size_t i = 1; i < r->n && sorted; i++)
		sorted = r->v[i - 1].pc <= r->v[i].pc;
	if (!sorted)
		qsort(r->v, r->n, sizeof(*r->v), cmp_row);
	size_t w = 0;
	for (size_t i = 0; i < r->n; i++) { /* first one row per pc, a rule over a gap marker ... */
		if (w && r->v[w - 1].pc == r->v[i].pc) {
			if (r->v[w - 1].kind == UNWIND_CFA_NONE)
				r->v[w - 1] = r->v[i];
			continue;
		}
		r->v[w++] = r->v[i];
	}
	r->n = w;
	w = 0;
	for (size_t i = 0; i < r->n; i++) { /* ... then no row that repeats the one before */
		struct unwind_row *x = &r->v[i];
		if (w && r->v[w - 1].kind == x->kind && r->v[w - 1].cfa_off == x->cfa_off &&
		    r->v[w - 1].rbp_off == x->rbp_off)
			continue;
		r->v[w++] = *x;
	}
	r->n = w;
}

static Elf_Scn *find_section(Elf *elf, const char *name)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	for (Elf_Scn *s = NULL; (s = elf_nextscn(elf, s));) {
		GElf_Shdr sh;
		const char *n;
		if (gelf_getshdr(s, &sh) && (n = elf_strptr(elf, shstrndx, sh.sh_name)) &&
		    strcmp(n, name) == 0 && sh.sh_type != SHT_NOBITS)
			return s;
	}
	return NULL;
}

static void read_loads(Elf *elf, struct cfi_table *t)
{
	size_t n;
	if (elf_getphdrnum(elf, &n) != 0)
		return;
	t->loads = xcalloc(n ? n : 1, sizeof(*t->loads));
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD)
			t->loads[t->nloads++] =
			    (struct cfi_load){ph.p_offset, ph.p_vaddr, ph.p_filesz};
	}
}

/* Rows for every FDE range: one per rule change, and a gap marker where an FDE ends. */
static void compile(struct fdes *f, struct rows *r, size_t *unsupported)
{
	qsort(f->v, f->n, sizeof(*f->v), cmp_fde);
	uint64_t covered = 0; /* .eh_frame first: .debug_frame only fills what it leaves */
	for (size_t i = 0; i < f->n; i++) {
		struct fde_range *x = &f->v[i];
		if (x->lo < covered)
			continue;
		uint64_t a = x->lo;
		while (a < x->hi) {
			Dwarf_Frame *fr;
			if (dwarf_cfi_addrframe(x->cfi, a, &fr) != 0) {
				rows_push(r, a, UNWIND_CFA_UNSUPPORTED, 0, 0);
				(*unsupported)++;
				break;
			}
			Dwarf_Addr s, e;
			dwarf_frame_info(fr, &s, &e, NULL);
			frame_row(r, fr, a, unsupported);
			free(fr);
			if (e <= a)
				break;
			a = e;
		}
		rows_push(r, x->hi, UNWIND_CFA_NONE, 0, 0);
		covered = x->hi;
	}
}

int cfi_table__build(int fd, struct cfi_table **out, char *err, size_t errlen)
{
	*out = NULL;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		snprintf(err, errlen, "not an ELF file: %s", elf_errmsg(-1));
		if (elf)
			elf_end(elf);
		return -ENOEXEC;
	}
	GElf_Ehdr eh;
	if (!gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64) {
		snprintf(err, errlen,
			 "DWARF unwinding in BPF supports x86-64 only (ELF machine %u); use "
			 "--call-graph fp or --backend perf",
			 (unsigned)eh.e_machine);
		elf_end(elf);
		return -ENOTSUP;
	}
	struct cfi_table *t = xcalloc(1, sizeof(*t));
	read_loads(elf, t);
	struct fdes f = {0};
	struct rows r = {0};
	Dwarf_CFI *eh_cfi = dwarf_getcfi_elf(elf);
	Elf_Scn *s = find_section(elf, ".eh_frame");
	if (eh_cfi && s)
		collect_fdes(elf, s, true, eh_cfi, &f, &t->nodata);
	Dwarf *dw = NULL;
	Elf_Scn *ds = find_section(elf, ".debug_frame");
	if (ds && (dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL))) {
		Dwarf_CFI *dcfi = dwarf_getcfi(dw);
		if (dcfi)
			collect_fdes(elf, ds, false, dcfi, &f, &t->nodata);
	}
	t->nfdes = f.n;
	compile(&f, &r, &t->unsupported);
	rows_finish(&r);
	t->rows = r.v;
	t->nrows = r.n;
	free(f.v);
	if (dw)
		dwarf_end(dw);
	if (eh_cfi)
		dwarf_cfi_end(eh_cfi);
	elf_end(elf);
	*out = t;
	return 0;
}

int cfi_table__bias(const struct cfi_table *t, uint64_t start, uint64_t pgoff, uint64_t *bias)
{
	for (int i = 0; i < t->nloads; i++) {
		const struct cfi_load *l = &t->loads[i];
		uint64_t page_off = l->offset & ~0xfffull;
		if (pgoff >= page_off && pgoff < l->offset + l->filesz) {
			*bias = start - pgoff + l->offset - l->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

void cfi_table__free(struct cfi_table *t)
{
	if (!t)
		return;
	free(t->rows);
	free(t->loads);
	free(t);
}
