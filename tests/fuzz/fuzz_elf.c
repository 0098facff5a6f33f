// SPDX-License-Identifier: MIT
/* libFuzzer target: any bytes as an ELF file -> the symbolizer's ELF reader (symbols, load
 * segments, names) and, through a file, its DWARF reader (inline chains and lines). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "symbol/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

/* Looks up a few addresses (from the input's own bytes) the way resolve_file does. */
static void probe(struct symelf *ef, const uint8_t *data, size_t size)
{
	for (size_t i = 0; i + 8 <= size && i < 64; i += 8) {
		uint64_t off;
		__builtin_memcpy(&off, data + i, 8);
		uint64_t vaddr = symelf__offset_to_vaddr(ef, off % (size + 4096));
		struct symelf_sym *s = symelf__find(ef, vaddr);
		if (s) {
			symelf__pretty(ef, s, true);
			uint64_t start;
			symelf__find_name(ef, s->name, &start);
		}
	}
	if (ef->nsyms)
		symelf__find(ef, ef->syms[ef->nsyms - 1].start);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct symelf *ef = NULL;
	if (symelf__open_memory(data, size, "[fuzz]", &ef) == 0) {
		probe(ef, data, size);
		symelf__free(ef);
	}
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/scorch-fuzz-elf.%d", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	ef = NULL;
	if (symelf__open(path, &ef) == 0) {
		probe(ef, data, size);
		symelf__free(ef);
	}
	struct symdw *dw = NULL;
	if (symdw__open(path, &dw) == 0) {
		struct symdw_frame fr[16];
		for (size_t i = 0; i + 8 <= size && i < 64; i += 8) {
			uint64_t pc;
			__builtin_memcpy(&pc, data + i, 8);
			symdw__frames(dw, pc % (size + 4096), fr, 16);
		}
		symdw__free(dw);
	}
	unlink(path);
	return 0;
}
