// SPDX-License-Identifier: MIT
/* The symbolizer: glues maps, ELF/DWARF, kallsyms and JIT maps together behind one cache. */
#include "symbolizer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

struct symbolizer {
	struct symbolizer_opts opts;
	struct symmap *strings; /* interned module paths and demangled names */
	struct symmap *elfs;    /* "i:dev:ino", "b:buildid", "p:path" -> struct symelf */
	struct symelf **owned;  /* every symelf once, for freeing */
	size_t nowned;
	struct symmap *pids; /* "%u" -> struct pidmaps, or NULL once forgotten */
	size_t forgotten;    /* NULL entries in pids, dropped in batches */
	uint64_t sweeps;     /* ELF sweeps so far (sweep_elfs) */
	struct kallsyms *ksyms;     /* the core kernel's from the cache, or all of them */
	struct kallsyms *ksyms_all; /* the rest of them, when ksyms came from the cache */
	bool ksyms_tried, ksyms_all_tried;
	struct symelf *vdso; /* this kernel's vDSO, read from our own address space */
	bool vdso_tried;
};

/* Marks a file that could not be read, so it is not opened again. */
static struct symelf failed_elf;

static const char unknown_module[] = "[unknown]";
static const char kernel_module[] = "[kernel.kallsyms]";

struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts)
{
	struct symbolizer *s = xcalloc(1, sizeof(*s));
	if (opts)
		s->opts = *opts;
	else
		s->opts.demangle = true;
	s->strings = symmap__new();
	s->elfs = symmap__new();
	s->pids = symmap__new();
	return s;
}

static void free_pidmaps(void *p)
{
	pidmaps__free(p);
}

void symbolizer__free(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nowned; i++)
		symelf__free(s->owned[i]);
	free(s->owned);
	symmap__free(s->elfs, NULL);
	symmap__free(s->pids, free_pidmaps);
	symmap__free(s->strings, NULL);
	kallsyms__free(s->ksyms);
	kallsyms__free(s->ksyms_all);
	symelf__free(s->vdso);
	free(s);
}

/* ---- ELF cache ---- */

static struct symelf *elf_cached(struct symbolizer *s, const char *path)
{
	char key[96];
	struct stat st;
	if (stat(path, &st) != 0)
		return NULL;
	snprintf(key, sizeof(key), "i:%" PRIu64 ":%" PRIu64, (uint64_t)st.st_dev,
		 (uint64_t)st.st_ino);
	struct symelf *ef = symmap__get(s->elfs, key);
	if (ef && ef != &failed_elf)
		ef->used = s->sweeps;
	if (ef)
		return ef == &failed_elf ? NULL : ef;
	if (symelf__open(path, &ef) != 0) {
		symmap__put(s->elfs, key, &failed_elf);
		return NULL;
	}
	bool fresh = true;
	if (ef->build_id_len) {
		struct strbuf bk = { 0 };
		strbuf__adds(&bk, "b:");
		for (size_t i = 0; i < ef->build_id_len; i++)
			strbuf__addf(&bk, "%02x", ef->build_id[i]);
		struct symelf *same = symmap__get(s->elfs, bk.buf);
		if (same) {
			/* Same binary under another path or inode: parse once. */
			symelf__free(ef);
			ef = same;
			fresh = false;
		} else {
			symmap__put(s->elfs, bk.buf, ef);
		}
		strbuf__free(&bk);
	}
	if (fresh) {
		s->owned = xrealloc(s->owned, (s->nowned + 1) * sizeof(*s->owned));
		s->owned[s->nowned++] = ef;
	}
	ef->used = s->sweeps;
	symmap__put(s->elfs, key, ef);
	return ef;
}

/* symmap__update callbacks of sweep_elfs. */
static void *mark_mapped(void *value, void *arg)
{
	struct pidmaps *pm = value;
	for (size_t i = 0; pm && i < pm->n; i++)
		if (pm->v[i].ef)
			pm->v[i].ef->used = *(const uint64_t *)arg;
	return value;
}

static void *drop_stale(void *value, void *arg)
{
	struct symelf *ef = value;
	return ef && ef != &failed_elf && ef->used + 2 <= *(const uint64_t *)arg ? NULL : value;
}

/*
 * Frees the ELF files that no tracked process maps and no lookup wanted during the last two
 * sweeps: a host that keeps building and running new binaries would otherwise keep every
 * symbol table a long-running profiler ever read. A file needed again is read again.
 */
static void sweep_elfs(struct symbolizer *s)
{
	s->sweeps++;
	symmap__update(s->pids, mark_mapped, &s->sweeps);
	symmap__update(s->elfs, drop_stale, &s->sweeps);
	symmap__compact(s->elfs);
	size_t kept = 0;
	for (size_t i = 0; i < s->nowned; i++) {
		if (s->owned[i]->used + 2 <= s->sweeps)
			symelf__free(s->owned[i]);
		else
			s->owned[kept++] = s->owned[i];
	}
	s->nowned = kept;
}

/* Opens a mapped file, trying the process's root for files in another mount namespace. */
static struct symelf *elf_for_mapping(struct symbolizer *s, uint32_t pid, struct mapping *m)
{
	if (m->ef_tried)
		return m->ef;
	m->ef_tried = true;
	const char *path = m->path;
	char buf[4200];
	if (strstr(path, " (deleted)")) {
		/* The path may now name another file (an attacker's): read the mapped one
		 * itself through map_files while the process lives, never by path. */
		snprintf(buf, sizeof(buf), "/proc/%u/map_files/%" PRIx64 "-%" PRIx64, pid, m->start,
			 m->end);
		m->ef = pid ? elf_cached(s, buf) : NULL;
		return m->ef;
	}
	m->ef = elf_cached(s, path);
	if (!m->ef && pid) {
		char alt[4300];
		snprintf(alt, sizeof(alt), "/proc/%u/root%s", pid, path);
		m->ef = elf_cached(s, alt);
	}
	return m->ef;
}

static struct symdw *dwarf_for(struct symelf *ef)
{
	if (!ef->dw_tried) {
		ef->dw_tried = true;
		if (symdw__open(ef->path, &ef->dw) != 0 && ef->debug_path)
			symdw__open(ef->debug_path, &ef->dw);
	}
	return ef->dw;
}

/*
 * Every process of one kernel gets the same vDSO image, so ours stands in for theirs (perf
 * does the same). Its bounds come from our own maps.
 */
static struct symelf *vdso_elf(struct symbolizer *s)
{
	if (s->vdso_tried)
		return s->vdso;
	s->vdso_tried = true;
	struct pidmaps *self = pidmaps__new(0);
	struct symmap *tmp = symmap__new();
	if (procmaps__read("/proc/self/maps", self, tmp) == 0) {
		for (size_t i = 0; i < self->n; i++) {
			const struct mapping *m = &self->v[i];
			if (m->kind == MAP_VDSO) {
				symelf__open_memory((const void *)(uintptr_t)m->start,
						    m->end - m->start, "[vdso]", &s->vdso);
				break;
			}
		}
	}
	pidmaps__free(self);
	symmap__free(tmp, NULL);
	return s->vdso;
}

/* ---- pids ---- */

static struct pidmaps *pid_get(struct symbolizer *s, uint32_t pid)
{
	char key[16];
	snprintf(key, sizeof(key), "%u", pid);
	return symmap__get(s->pids, key);
}

static void pid_set(struct symbolizer *s, uint32_t pid, struct pidmaps *pm)
{
	char key[16];
	snprintf(key, sizeof(key), "%u", pid);
	pidmaps__free(symmap__get(s->pids, key));
	symmap__put(s->pids, key, pm);
}

int symbolizer__add_pid(struct symbolizer *s, uint32_t pid)
{
	if (pid_get(s, pid))
		return 0;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%u/maps", pid);
	struct pidmaps *pm = pidmaps__new(pid);
	int err = procmaps__read(path, pm, s->strings);
	if (err) {
		pidmaps__free(pm);
		return err;
	}
	pid_set(s, pid, pm);
	return 0;
}

void symbolizer__forget_pid(struct symbolizer *s, uint32_t pid)
{
	if (!pid_get(s, pid))
		return;
	pid_set(s, pid, NULL);
	if (++s->forgotten >= 1024) {
		symmap__compact(s->pids);
		s->forgotten = 0;
		sweep_elfs(s);
	}
}

void symbolizer__add_mapping(struct symbolizer *s, uint32_t pid, uint64_t start, uint64_t len,
			     uint64_t pgoff, const char *path)
{
	enum map_kind kind = procmaps__kind(path, true);
	if (kind == MAP_OTHER)
		return;
	struct pidmaps *pm = pid_get(s, pid);
	if (!pm) {
		pm = pidmaps__new(pid);
		pid_set(s, pid, pm);
	}
	struct mapping m = { .start = start,
			     .end = start + len,
			     .pgoff = pgoff,
			     .path = symmap__intern(s->strings, path ? path : ""),
			     .kind = kind,
			     .exec = true }; /* record mmap2 events for executable maps only */
	pidmaps__insert(pm, &m);
}

void symbolizer__fork(struct symbolizer *s, uint32_t parent, uint32_t child)
{
	if (pid_get(s, child))
		return;
	struct pidmaps *pm = pid_get(s, parent);
	if (pm)
		pid_set(s, child, pidmaps__copy(pm, child));
	else
		symbolizer__add_pid(s, child);
}

/* ---- resolution ---- */

static const char *pretty(struct symbolizer *s, const char *raw, bool params)
{
	if (!raw || !s->opts.demangle)
		return raw;
	char *d = demangle__name(raw, params);
	if (!d)
		return raw;
	const char *r = symmap__intern(s->strings, d);
	free(d);
	return r;
}

/* The boot's id (/proc/sys/kernel/random/boot_id) into buf, or "" when there is none. */
static void read_boot_id(char *buf, size_t size)
{
	buf[0] = '\0';
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static int resolve_kernel(struct symbolizer *s, uint64_t addr, struct sym_frame *out)
{
	if (!s->ksyms_tried) {
		/* the core kernel's symbols from this boot's cache (see kallsyms.c) */
		char dir[4096], boot[64];
		s->ksyms_tried = true;
		read_boot_id(boot, sizeof(boot));
		kallsyms__load_cached("/proc/kallsyms", util__cache_dir(dir, sizeof(dir)) ? dir : NULL,
				      boot, &s->ksyms);
	}
	out->kernel = 1;
	out->module = kernel_module;
	struct ksym k;
	int r = s->ksyms ? kallsyms__find(s->ksyms, addr, &k) : 0;
	if (r == -ERANGE) { /* outside the cached core kernel: a module's, a BPF program's */
		/* (the cached table stays: names it gave out live as long as the symbolizer) */
		if (!s->ksyms_all_tried) {
			s->ksyms_all_tried = true;
			kallsyms__load_outside("/proc/kallsyms", s->ksyms, &s->ksyms_all);
		}
		r = s->ksyms_all ? kallsyms__find(s->ksyms_all, addr, &k) : 0;
	}
	out->why = r == 1 ? SYM_OK : SYM_NO_SYMBOL;
	if (r == 1) {
		out->name = k.name;
		out->raw = k.name;
		out->module = k.module;
		out->offset = addr - k.start;
	}
	return 1;
}

static struct jitmap *jit_for(struct symbolizer *s, struct pidmaps *pm)
{
	if (!pm->jit_path) {
		char path[64];
		snprintf(path, sizeof(path), "/tmp/perf-%u.map", pm->pid);
		pm->jit_path = symmap__intern(s->strings, path);
	}
	if (pm->jit && jitmap__stale(pm->jit, pm->jit_path)) {
		jitmap__free(pm->jit);
		pm->jit = NULL;
	}
	if (!pm->jit && !pm->jit_refused) {
		int err = jitmap__load(pm->jit_path, pm->uid, &pm->jit);
		pm->jit_refused = err == -EPERM || err == -EINVAL || err == -EFBIG || err == -ELOOP;
	}
	return pm->jit;
}

static bool resolve_jit(struct symbolizer *s, struct pidmaps *pm, uint64_t addr,
			struct sym_frame *out)
{
	struct jitmap *j = jit_for(s, pm);
	const struct jit_sym *js = j ? jitmap__find(j, addr) : NULL;
	if (!js)
		return false;
	out->name = js->name;
	out->raw = js->name;
	out->why = SYM_OK;
	out->module = pm->jit_path;
	out->offset = addr - js->start;
	out->jit = 1;
	return true;
}

/* Fills the mapping fields of out from m and, when known, the build-id of its file. */
static void set_mapping(struct sym_frame *out, const struct mapping *m, const struct symelf *ef)
{
	out->map_path = m->path;
	out->map_start = m->start;
	out->map_end = m->end;
	out->map_pgoff = m->pgoff;
	if (ef && ef->build_id_len) {
		out->build_id = ef->build_id;
		out->build_id_len = ef->build_id_len;
	}
}

static int resolve_file(struct symbolizer *s, uint32_t pid, struct mapping *m, uint64_t addr,
			struct sym_frame *out, int max)
{
	out->module = m->path;
	set_mapping(out, m, NULL);
	if (!m->exec) {
		/* Not code (a return address into a data segment): perf does not name it. */
		out->module = unknown_module;
		out->why = SYM_NOT_EXEC;
		return 1;
	}
	struct symelf *ef = elf_for_mapping(s, pid, m);
	out->why = SYM_NO_FILE;
	if (!ef)
		return 1;
	set_mapping(out, m, ef);
	uint64_t vaddr = symelf__offset_to_vaddr(ef, addr - m->start + m->pgoff);
	struct symelf_sym *sym = symelf__find(ef, vaddr);
	out->why = SYM_NO_SYMBOL;
	if (!sym)
		return 1;
	out->why = SYM_OK;
	out->raw = sym->name;
	out->name = symelf__pretty(ef, sym, s->opts.demangle);
	out->offset = vaddr - sym->start;
	if (!s->opts.inlines && !s->opts.srcline)
		return 1;
	struct symdw *dw = dwarf_for(ef);
	struct symdw_frame fr[32];
	int n = dw ? symdw__frames(dw, vaddr, fr, (int)ARRAY_SIZE(fr)) : -ENODATA;
	if (n <= 0)
		return 1;
	if (!s->opts.inlines) {
		out->file = fr[n - 1].file;
		out->line = fr[n - 1].line;
		return 1;
	}
	out->file = fr[0].file;
	out->line = fr[0].line;
	int k = 1;
	for (int i = 1; i < n && k < max; i++, k++) {
		out[k] = (struct sym_frame){ .name = pretty(s, fr[i].name, false),
					     .raw = fr[i].name,
					     .module = out->module,
					     .file = fr[i].file,
					     .line = fr[i].line,
					     .inlined = 1 };
	}
	return k;
}

int symbolizer__resolve(struct symbolizer *s, uint32_t pid, uint64_t addr, bool kernel,
			struct sym_frame *out, int max)
{
	if (max <= 0)
		return 0;
	memset(out, 0, sizeof(*out));
	if (kernel)
		return resolve_kernel(s, addr, out);
	out->module = unknown_module;
	struct pidmaps *pm = pid_get(s, pid);
	if (!pm) {
		/* First sight of this pid: capture it now; remember a vanished one as empty. */
		if (symbolizer__add_pid(s, pid) != 0)
			pid_set(s, pid, pidmaps__new(pid));
		pm = pid_get(s, pid);
	}
	struct mapping *m = pidmaps__find_mut(pm, addr);
	if (!m) {
		out->why = SYM_NO_MAPPING;
		resolve_jit(s, pm, addr, out);
		return 1;
	}
	switch (m->kind) {
	case MAP_ANON_EXEC:
		out->why = SYM_NO_JIT;
		if (!resolve_jit(s, pm, addr, out))
			out->module = pm->jit_path; /* what perf prints for anonymous code */
		return 1;
	case MAP_VDSO: {
		out->module = m->path;
		struct symelf *ef = vdso_elf(s);
		set_mapping(out, m, ef);
		out->why = ef ? SYM_NO_SYMBOL : SYM_NO_FILE;
		struct symelf_sym *sym =
			ef ? symelf__find(ef, symelf__offset_to_vaddr(ef, addr - m->start)) : NULL;
		if (sym) {
			out->why = SYM_OK;
			out->raw = sym->name;
			out->name = symelf__pretty(ef, sym, s->opts.demangle);
			out->offset = symelf__offset_to_vaddr(ef, addr - m->start) - sym->start;
		}
		return 1;
	}
	case MAP_FILE:
		return resolve_file(s, pid, m, addr, out, max);
	case MAP_OTHER:
		break;
	}
	out->why = SYM_NO_MAPPING;
	return 1;
}

/* ---- collapse --inline ---- */

static struct symelf *elf_for_path(struct symbolizer *s, const char *path)
{
	char key[4200];
	snprintf(key, sizeof(key), "p:%s", path);
	struct symelf *ef = symmap__get(s->elfs, key);
	if (ef && ef != &failed_elf)
		ef->used = s->sweeps;
	if (ef)
		return ef == &failed_elf ? NULL : ef;
	ef = elf_cached(s, path);
	symmap__put(s->elfs, key, ef ? ef : &failed_elf);
	return ef;
}

/* "func+0x1c" as perf script prints it: the function name and the offset. */
static bool parse_rawfunc(const char *raw, char **name, uint64_t *off)
{
	const char *plus = raw ? strrchr(raw, '+') : NULL;
	if (!plus || plus == raw || strncmp(plus, "+0x", 3) != 0 || !plus[3])
		return false;
	char *end;
	*off = strtoull(plus + 3, &end, 16);
	if (*end)
		return false;
	*name = xstrndup(raw, (size_t)(plus - raw));
	return true;
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int symbolizer__inline_chain(struct symbolizer *s, const char *path, uint64_t pc,
			     const char *rawfunc, bool context, struct strbuf *out)
{
	struct symelf *ef = elf_for_path(s, path);
	if (!ef)
		return -ENOENT;
	struct symdw *dw = dwarf_for(ef);
	if (!dw)
		return -ENODATA;
	struct symdw_frame fr[64];
	int n = symdw__frames(dw, pc, fr, (int)ARRAY_SIZE(fr));
	char *fname;
	uint64_t off, start;
	if (n <= 0 && parse_rawfunc(rawfunc, &fname, &off)) {
		if (symelf__find_name(ef, fname, &start) == 0) {
			pc = start + off;
			n = symdw__frames(dw, pc, fr, (int)ARRAY_SIZE(fr));
		}
		free(fname);
	}
	if (n <= 0)
		return n < 0 ? n : -ENOENT;
	if (!fr[0].name) {
		/* No DWARF function here; addr2line falls back to the symbol table. */
		struct symelf_sym *sym = symelf__find(ef, pc);
		fr[0].name = sym ? sym->name : NULL;
	}
	for (int i = 0; i < n; i++) {
		if (i)
			strbuf__addc(out, ';');
		/* addr2line -C demangles whatever the symbolizer's own setting is. */
		char *d = fr[i].name ? demangle__name(fr[i].name, true) : NULL;
		strbuf__adds(out, d ? d : fr[i].name ? fr[i].name : "??");
		free(d);
		if (!context)
			continue;
		strbuf__addc(out, ':');
		strbuf__adds(out, fr[i].file ? basename_of(fr[i].file) : "??");
		strbuf__addc(out, ':');
		if (fr[i].line)
			strbuf__addu(out, fr[i].line);
		else
			strbuf__addc(out, '?');
	}
	return 0;
}
