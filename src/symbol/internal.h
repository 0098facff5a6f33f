/* SPDX-License-Identifier: MIT */
/* Structures and functions shared by the files of src/symbol/ only; not part of the contract. */
#ifndef SCORCH_SYMBOL_INTERNAL_H
#define SCORCH_SYMBOL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- symstr.c: string interning and a string-keyed pointer map ---- */
struct symmap;
struct symmap *symmap__new(void);
/* Frees the table; free_value (may be NULL) is called on each value. Accepts NULL. */
void symmap__free(struct symmap *m, void (*free_value)(void *));
void *symmap__get(const struct symmap *m, const char *key);
/* Inserts or replaces; the key is copied. */
void symmap__put(struct symmap *m, const char *key, void *value);
/* Returns a stable copy of s owned by the map (value = the key itself). */
const char *symmap__intern(struct symmap *m, const char *s);
/* Drops the entries whose value is NULL (not for interning maps: their keys are handed out).
 * Returns how many went. */
size_t symmap__compact(struct symmap *m);
/* Replaces every value v by fn(v, arg) (not for interning maps). */
void symmap__update(struct symmap *m, void *(*fn)(void *value, void *arg), void *arg);

/* ---- demangle.c ---- */
/*
 * Demangles a C++ (Itanium) or Rust (legacy and v0) symbol with libiberty. params selects
 * DMGL_PARAMS|DMGL_ANSI (addr2line -C) instead of the bare name perf script prints.
 * Returns a malloc'd string, or NULL when name is not mangled.
 */
char *demangle__name(const char *name, bool params);

/* ---- kallsyms.c ---- */
struct ksym {
	uint64_t start;
	uint64_t end;
	const char *name;
	const char *module; /* "[kernel.kallsyms]" or "[modname]" */
	bool global;
};
struct kallsyms;
/* Reads path (normally /proc/kallsyms). -EPERM when every address reads as zero. */
int kallsyms__load(const char *path, struct kallsyms **out);
/*
 * The core kernel's symbols from the cache in dir when it was written in the boot boot_id
 * (see kallsyms.c), else kallsyms__load(path), whose core kernel part is then written there
 * (best effort). dir or boot_id NULL or empty: no cache.
 */
int kallsyms__load_cached(const char *path, const char *dir, const char *boot_id,
			  struct kallsyms **out);
/* Reads path (normally /proc/kallsyms) without the core kernel's symbols that the cached
 * table core answers for: the modules', BPF programs' and the rest (a small table). */
int kallsyms__load_outside(const char *path, const struct kallsyms *core, struct kallsyms **out);
/* True when k came from the cache (it answers for the core kernel's text only). */
bool kallsyms__from_cache(const struct kallsyms *k);
void kallsyms__free(struct kallsyms *k);
/* The symbol at addr into *out: 1, or 0 when none has it, or -ERANGE when k does not cover
 * addr (a cached table and an address outside the core kernel: read the whole file). */
int kallsyms__find(const struct kallsyms *k, uint64_t addr, struct ksym *out);

/* ---- elf.c ---- */
struct symelf_sym {
	uint64_t start;
	uint64_t end;
	const char *name;   /* raw (mangled) name */
	const char *pretty; /* demangled the perf-script way, lazily; == name when not mangled */
	uint8_t bind;
};
struct symelf_load {
	uint64_t vaddr;
	uint64_t offset;
	uint64_t filesz;
};
struct symelf_named {
	const char *name;
	const char *pretty; /* lazy */
	uint64_t start;
};
struct symdw;
struct symelf {
	char *path;
	char *debug_path; /* separate debug file, NULL when none */
	uint8_t build_id[64];
	size_t build_id_len;
	uint16_t type; /* ET_EXEC, ET_DYN, ... */
	struct symelf_load *loads;
	size_t nloads;
	struct symelf_sym *syms;
	size_t nsyms;
	char *names; /* owned blob behind syms[].name */
	struct symelf_named *named; /* every function name incl. aliases */
	size_t nnamed;
	bool named_sorted; /* named is sorted by name (done by the first lookup) */
	uint64_t used;     /* the symbolizer's sweep count when last mapped or looked up */
	struct symdw *dw;
	bool dw_tried;
};
/* Opens path, reads build-id, program headers and function symbols (from a separate debug
 * file when the file itself has no .symtab). The ELF is closed again. */
int symelf__open(const char *path, struct symelf **out);
/* The same for an in-memory image such as the vDSO; name becomes ef->path. */
int symelf__open_memory(const void *image, size_t len, const char *name, struct symelf **out);
void symelf__free(struct symelf *ef);
/* Reads the build-id note of an ELF file. Returns its length (>0) or a negative errno. */
int symelf__read_build_id(const char *path, uint8_t *buf, size_t size);
/* Converts a file offset (mapping: addr - start + pgoff) to a link-time virtual address. */
uint64_t symelf__offset_to_vaddr(const struct symelf *ef, uint64_t off);
struct symelf_sym *symelf__find(const struct symelf *ef, uint64_t vaddr);
/* Finds the address of a function by raw or (perf-style) demangled name; -ENOENT. */
int symelf__find_name(struct symelf *ef, const char *name, uint64_t *start);
/* pretty name of sym (demangles once when demangle is set). */
const char *symelf__pretty(struct symelf *ef, struct symelf_sym *sym, bool demangle);

/* ---- debuginfo.c ---- */
/*
 * Finds a separate debug file for path: /usr/lib/debug/.build-id/xx/rest.debug, then
 * .gnu_debuglink next to the file, in its .debug/ and under /usr/lib/debug/<dir>/.
 * Returns a malloc'd path or NULL.
 */
char *debuginfo__find(const char *path, const uint8_t *build_id, size_t build_id_len,
		      const char *debuglink);
/* Root of the debug tree; tests may point it elsewhere. */
extern const char *debuginfo__root;

/* ---- dwarf.c ---- */
struct symdw_frame {
	const char *name; /* linkage name when there is one, else DW_AT_name; NULL unknown */
	const char *file; /* full path from the line table, NULL when unknown */
	uint32_t line;
};
/* Opens the DWARF of an ELF file. -ENODATA when it has none. */
int symdw__open(const char *path, struct symdw **out);
void symdw__free(struct symdw *d);
/*
 * Function frames at pc (link-time address), OUTERMOST first: the containing function with
 * the call-site line of the first inlined call, ..., the innermost inlined function with the
 * line of pc itself. Returns the number written (<= max), or a negative errno.
 */
int symdw__frames(struct symdw *d, uint64_t pc, struct symdw_frame *out, int max);

/* ---- procmaps.c ---- */
enum map_kind { MAP_FILE, MAP_ANON_EXEC, MAP_VDSO, MAP_OTHER };
struct mapping {
	uint64_t start;
	uint64_t end;
	uint64_t pgoff;
	const char *path; /* interned */
	enum map_kind kind;
	bool exec;         /* mapped executable (return addresses elsewhere are not code) */
	struct symelf *ef; /* cached, owned by the symbolizer cache */
	bool ef_tried;
};
struct pidmaps {
	uint32_t pid;
	struct mapping *v;
	size_t n;
	size_t cap;
	const char *jit_path; /* interned "/tmp/perf-PID.map" */
	struct jitmap *jit;
	uint32_t uid;         /* owner of /proc/PID when first seen; UINT32_MAX unknown */
	bool jit_refused;     /* the map file was refused once: do not retry it */
};
struct pidmaps *pidmaps__new(uint32_t pid);
void pidmaps__free(struct pidmaps *pm);
/* Inserts a mapping, replacing whatever it overlaps (the kernel does the same on mmap). */
void pidmaps__insert(struct pidmaps *pm, const struct mapping *m);
const struct mapping *pidmaps__find(const struct pidmaps *pm, uint64_t addr);
struct mapping *pidmaps__find_mut(struct pidmaps *pm, uint64_t addr);
/* Deep copy for fork (jit map is not shared: it is reloaded for the child). */
struct pidmaps *pidmaps__copy(const struct pidmaps *pm, uint32_t pid);
/* Parses /proc/PID/maps (path given for tests) into pm. */
int procmaps__read(const char *maps_path, struct pidmaps *pm, struct symmap *strings);
/* Classifies a path from /proc/PID/maps or PERF_RECORD_MMAP2. */
enum map_kind procmaps__kind(const char *path, bool exec);

/* ---- jitmap.c ---- */
struct jitmap;
struct jit_sym {
	uint64_t start;
	uint64_t end;
	const char *name;
};
/* Loads a perf-PID.map file; -ENOENT when it does not exist. */
/* A perf-PID.map bigger than this is refused (a sparse or endless file must not eat memory). */
#define JITMAP_MAX_BYTES (256u << 20)
/*
 * Loads a perf-PID.map: a regular file (not a symlink, FIFO or device) owned by uid (the
 * process's user), root or us, at most JITMAP_MAX_BYTES. Returns 0 or -errno (-EPERM for a
 * foreign owner, -EINVAL for a non-regular file, -EFBIG for a too-big one).
 */
int jitmap__load(const char *path, uint32_t uid, struct jitmap **out);
void jitmap__free(struct jitmap *j);
const struct jit_sym *jitmap__find(const struct jitmap *j, uint64_t addr);
/* True when the file changed since it was loaded (the JIT keeps appending). */
bool jitmap__stale(const struct jitmap *j, const char *path);

/* util__cmp_u64_key finds these by their first field. */
_Static_assert(offsetof(struct symelf_sym, start) == 0, "symelf_sym sorts by start");
_Static_assert(offsetof(struct mapping, start) == 0, "mapping sorts by start");
_Static_assert(offsetof(struct jit_sym, start) == 0, "jit_sym sorts by start");

#endif
