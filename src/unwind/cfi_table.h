/* SPDX-License-Identifier: MIT */
/* An ELF file's call-frame information compiled into compact rows for the BPF unwinder. */
#ifndef SCORCH_UNWIND_CFI_TABLE_H
#define SCORCH_UNWIND_CFI_TABLE_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

#include "../bpf/unwind.h"

/* A loadable segment: file offset -> virtual address, for a mapping's load bias. */
struct cfi_load {
	uint64_t offset, vaddr, filesz;
};

struct cfi_table {
	struct unwind_row *rows; /* sorted by pc, unique pcs */
	size_t nrows;
	struct cfi_load *loads;
	int nloads;
	size_t nfdes;       /* FDEs read (.eh_frame and .debug_frame) */
	size_t unsupported; /* rows whose CFA rule the BPF side cannot follow */
	size_t nodata;      /* FDEs skipped: an encoding or address this table cannot hold */
};

/*
 * Reads the ELF open on fd (x86-64 only: -ENOTSUP with a reason otherwise) and compiles its
 * .eh_frame and, where present, .debug_frame into rows. A file without CFI yields a table
 * with no rows. Returns 0 and *out (free with cfi_table__free), or -errno and a reason in err.
 * fd stays the caller's.
 */
int cfi_table__build(int fd, struct cfi_table **out, char *err, size_t errlen);

/*
 * The bias of a mapping of t's file that starts at address start from file offset pgoff:
 * ELF virtual address = address - bias. Returns 0, or -ENOENT when no loadable segment
 * holds pgoff.
 */
int cfi_table__bias(const struct cfi_table *t, uint64_t start, uint64_t pgoff, uint64_t *bias);

/* Accepts NULL. */
void cfi_table__free(struct cfi_table *t);

#endif
