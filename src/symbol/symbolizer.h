/* SPDX-License-Identifier: MIT */
/* Turns (pid, address) into function frames: kallsyms, ELF symbols, DWARF lines, JIT maps. */
#ifndef SCORCH_SYMBOLIZER_H
#define SCORCH_SYMBOLIZER_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/util.h"

struct symbolizer;

struct symbolizer_opts {
	bool demangle; /* C++/Rust demangling with libiberty (default true) */
	bool inlines;  /* expand inlined frames with libdw */
	bool srcline;  /* fill file/line from DWARF */
};

/*
 * One symbolized frame. Strings are owned by the symbolizer and live as long as it.
 * Names are in the form perf script prints: demangled without parameters or clone suffixes
 * ("ns::Box<int>::spin"), and among aliases at one address the one perf picks (sized, then
 * non-weak, then global, then fewer leading underscores, then the longer name: "__getpid").
 */
/* Why a frame has no symbol (sym_frame.why); SYM_OK when it has one. */
enum sym_why {
	SYM_OK = 0,
	SYM_NO_MAPPING,	 /* no mapping of the process covers the address */
	SYM_NOT_EXEC,	 /* the address is in a mapping that is not executable */
	SYM_NO_FILE,	 /* the mapped file could not be read (gone, refused, not ELF) */
	SYM_NO_SYMBOL,	 /* the file (or kallsyms, or the JIT map) has no symbol there */
	SYM_NO_JIT,	 /* anonymous executable memory and no perf-PID.map entry */
	SYM_WHY_COUNT
};

struct sym_frame {
	const char *name;   /* function name; NULL when no symbol covers the address */
	const char *module; /* "/usr/lib/x86_64-linux-gnu/libc.so.6", "[kernel.kallsyms]",
			       "[nf_conntrack]" (kernel module), "/tmp/perf-PID.map", or
			       "[unknown]" when no mapping covers the address */
	const char *file;   /* source file, NULL when unknown */
	uint32_t line;      /* 0 when unknown */
	uint64_t offset;    /* addr - symbol start, when name != NULL */
	uint8_t kernel;     /* 1 for kernel addresses */
	uint8_t jit;        /* 1 when resolved from /tmp/perf-PID.map */
	uint8_t inlined;    /* 1 for a frame that was inlined into the one before it */
	uint8_t why;        /* enum sym_why: SYM_OK, or why name is NULL */
	const char *raw;    /* the symbol as the file names it (mangled), NULL with no name */
	/* The mapping the address lies in (user frames of a file or the vDSO); map_path is NULL
	 * when there is none. build_id is the file's (build_id_len 0 when unknown). */
	const char *map_path;
	uint64_t map_start, map_end, map_pgoff;
	const uint8_t *build_id;
	size_t build_id_len;
};

/* Creates a symbolizer. Returns NULL only on allocation failure. Free with symbolizer__free. */
struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts);
void symbolizer__free(struct symbolizer *s);

/*
 * Captures /proc/PID/maps (and remembers the perf-PID.map path) so that addresses of PID
 * resolve even after it exits. Called when a pid is first seen; cheap when already known.
 * Returns 0 or a negative errno (-ESRCH when the process is gone).
 */
int symbolizer__add_pid(struct symbolizer *s, uint32_t pid);
/* Forgets everything known about PID's maps (exec). */
void symbolizer__forget_pid(struct symbolizer *s, uint32_t pid);
/* Records one mapping from a PERF_RECORD_MMAP2 record. */
void symbolizer__add_mapping(struct symbolizer *s, uint32_t pid, uint64_t start, uint64_t len,
			     uint64_t pgoff, const char *path);
/* Copies the maps of parent to child (fork), if child is unknown. */
void symbolizer__fork(struct symbolizer *s, uint32_t parent, uint32_t child);

/*
 * Resolves addr of pid (kernel addresses: pid is ignored). Writes up to max frames into out,
 * outermost first: out[0] is the function the address is in, following entries are the
 * functions inlined into it down to the innermost (only with opts.inlines).
 * For a return address the caller passes addr - 1. Always returns >= 1.
 */
int symbolizer__resolve(struct symbolizer *s, uint32_t pid, uint64_t addr, bool kernel,
			struct sym_frame *out, int max);

/*
 * For `collapse --inline`: the inline chain at pc in the ELF file at path, as addr2line -i -f
 * -s -C would report it, outermost first, joined by ';' into out; with context, each name
 * gets ":file:line". rawfunc ("func+0x1c") is the fallback when pc is not a file address.
 * Returns 0, or a negative errno when nothing is known (out untouched).
 */
int symbolizer__inline_chain(struct symbolizer *s, const char *path, uint64_t pc,
			     const char *rawfunc, bool context, struct strbuf *out);
/* (Names here are addr2line -C's: with parameters, "ns::f(int) const"; unknown file "??",
 * unknown line "?".) */

#endif
