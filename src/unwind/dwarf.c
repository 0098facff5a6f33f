// SPDX-License-Identifier: MIT
/* Unwinds copied user stacks with libdw: address spaces from mmap events, CFI per module. */
#define _GNU_SOURCE
#include "dwarf.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../util/hashmap.h"
#include "../util/util.h"

struct umap {
	uint64_t start, end, pgoff;
	char *path;
	bool reported; /* given to the Dwfl */
};

/* One address space: its executable file mappings and the Dwfl that mirrors them. */
struct space {
	uint32_t pid;
	Dwfl *dwfl;
	bool attached;	/* dwfl_attach_state done */
	bool rebuild;	/* a mapping replaced another: start a fresh Dwfl */
	bool maps_read; /* /proc was read, or the maps come from events (exec, fork) */
	int8_t wants_dwarf; /* auto: -1 unknown, 0 fp, 1 dwarf */
	struct umap *maps;
	size_t nmaps, capmaps;
	/* The sample being unwound (the callbacks' view). */
	const struct unwind_input *in;
	enum unwind_why why;
	uint32_t why_at; /* frames found when why was set: only a failure in the last step counts */
	uint64_t last_use; /* u->clock at its last unwind: the Dwfl dropped first is the oldest */
	uint32_t nfiles;   /* files reported to the Dwfl: each holds an fd until dwfl_end */
	struct unwinder *u;
};

/* Address spaces with a live Dwfl at once: each holds an fd and the parsed CFI of every file
 * it maps, so a fork storm would otherwise pile them up (hundreds of fds within a minute). */
#define UNWIND_MAX_DWFL 32
/* Files open in all the Dwfls together (a python or a browser maps 20 to 100 libraries). */
#define UNWIND_MAX_FILES 256
/* Nanoseconds between two sweeps for exited processes whose exit record was lost. */
#define UNWIND_SWEEP_NS 1000000000ull

struct unwinder {
	struct hashmap spaces; /* pid -> struct space *; 0 once freed (a tombstone) */
	size_t nspaces, ntombs, ndwfl, nfiles;
	uint64_t clock;	 /* unwinds so far */
	uint64_t swept_ns; /* CLOCK_MONOTONIC of the last sweep */
	struct unwind_stats st;
	int vdso_fd;		/* a memfd holding this kernel's vDSO image, -1 when none */
	struct hashmap fp_verdict; /* path -> 1 + unwind__binary_has_fp (1 lacks, 2 has, 3 error) */
	/* scratch for one unwind */
	uint64_t *ips;
	uint32_t nips, maxips;
};

static char *debuginfo_path;

static bool has_eh_frame(Dwfl_Module *mod)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	size_t phnum;
	if (!elf || elf_getphdrnum(elf, &phnum) != 0)
		return false;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_GNU_EH_FRAME)
			return true;
	}
	return false;
}

/* Separate debug files by build id only (never debuginfod: unwinding must not wait on a
 * network), for the .debug_frame of a file without .eh_frame. Not for the others: libdw
 * asks at every stack's outermost frame, and loading (and inflating) libc6-dbg's file for
 * each new process cost more than the unwinding itself in a fork storm. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, GElf_Addr base,
			  const char *file_name, const char *debuglink, GElf_Word crc,
			  char **debuginfo_file_name)
{
	if (has_eh_frame(mod))
		return -1;
	const unsigned char *id;
	GElf_Addr vaddr;
	int len = dwfl_module_build_id(mod, &id, &vaddr);
	if (len < 2)
		return -1;
	char path[256];
	int n = snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%02x/", id[0]);
	for (int i = 1; i < len && n < (int)sizeof(path) - 8; i++)
		n += snprintf(path + n, sizeof(path) - (size_t)n, "%02x", id[i]);
	snprintf(path + n, sizeof(path) - (size_t)n, ".debug");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		*debuginfo_file_name = xstrdup(path);
	return fd;
}

static const Dwfl_Callbacks dwfl_callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &debuginfo_path,
};

/* This kernel's vDSO, copied from our own address space: the targets map the same image. */
static int vdso_memfd(void)
{
	uintptr_t base = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
	if (!base)
		return -1;
	const Elf64_Ehdr *eh = (const void *)base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return -1;
	/* The image ends with its section headers. */
	size_t size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	if (size < sizeof(*eh) || size > (1u << 20))
		return -1;
	int fd = memfd_create("scorch-vdso", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, eh, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	return fd;
}

struct unwinder *unwinder__new(void)
{
	struct unwinder *u = xcalloc(1, sizeof(*u));
	elf_version(EV_CURRENT);
	u->vdso_fd = vdso_memfd();
	return u;
}

static void space_drop_dwfl(struct space *sp)
{
	if (sp->dwfl) {
		dwfl_end(sp->dwfl);
		sp->u->ndwfl--;
		sp->u->nfiles -= sp->nfiles;
		sp->nfiles = 0;
	}
	sp->dwfl = NULL;
	sp->attached = false;
	sp->rebuild = false;
	for (size_t i = 0; i < sp->nmaps; i++)
		sp->maps[i].reported = false;
}

static void space_clear_maps(struct space *sp)
{
	space_drop_dwfl(sp);
	for (size_t i = 0; i < sp->nmaps; i++)
		free(sp->maps[i].path);
	sp->nmaps = 0;
}

static void space_free(struct space *sp)
{
	space_clear_maps(sp);
	free(sp->maps);
	free(sp);
}

void unwinder__free(struct unwinder *u)
{
	if (!u)
		return;
	for (struct hashmap_entry *e = NULL; (e = hashmap__next(&u->spaces, e));)
		if (e->value)
			space_free((struct space *)(uintptr_t)e->value);
	hashmap__destroy(&u->spaces);
	hashmap__destroy(&u->fp_verdict);
	if (u->vdso_fd >= 0)
		close(u->vdso_fd);
	free(u);
}

static void add_map(struct space *sp, uint64_t start, uint64_t end, uint64_t pgoff,
		    const char *path)
{
	/* A mapping over an older one replaces it (munmap then mmap, dlclose then dlopen). */
	size_t keep = 0;
	for (size_t i = 0; i < sp->nmaps; i++) {
		struct umap *m = &sp->maps[i];
		if (m->start < end && start < m->end) {
			if (m->start == start && m->end == end && m->pgoff == pgoff &&
			    !strcmp(m->path, path))
				return; /* the same mapping again (/proc and an event) */
			if (m->reported)
				sp->rebuild = true;
			free(m->path);
			continue;
		}
		sp->maps[keep++] = *m;
	}
	sp->nmaps = keep;
	if (sp->nmaps == sp->capmaps) {
		sp->capmaps = sp->capmaps ? sp->capmaps * 2 : 32;
		sp->maps = xrealloc(sp->maps, sizeof(*sp->maps) * sp->capmaps);
	}
	sp->maps[sp->nmaps++] =
	    (struct umap){.start = start, .end = end, .pgoff = pgoff, .path = xstrdup(path)};
}

/* The executable file mappings of a running process. */
static void read_proc_maps(struct space *sp)
{
	char path[64], line[4352];
	snprintf(path, sizeof(path), "/proc/%u/maps", sp->pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, pgoff;
		char perms[8];
		int off = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s%n", &start, &end, perms, &pgoff,
			   &off) != 4 ||
		    perms[2] != 'x')
			continue;
		char *name = line + off;
		name += strspn(name, " \t");
		name[strcspn(name, "\n")] = '\0';
		if (name[0] == '/' || !strcmp(name, "[vdso]"))
			add_map(sp, start, end, pgoff, name);
	}
	fclose(f);
}

/* pid's address space; a fresh one reads /proc when read_proc (a pid that already ran). */
static struct space *space_get(struct unwinder *u, uint32_t pid, bool read_proc)
{
	bool fresh;
	struct hashmap_entry *e = hashmap__put_u64(&u->spaces, pid, 0, &fresh);
	if (!e->value) {
		struct space *sp = xcalloc(1, sizeof(*sp));
		sp->pid = pid;
		sp->u = u;
		sp->wants_dwarf = -1;
		e->value = (uintptr_t)sp;
		u->nspaces++;
		if (!fresh)
			u->ntombs--;
	}
	struct space *sp = (struct space *)(uintptr_t)e->value;
	if (read_proc && !sp->maps_read) {
		sp->maps_read = true;
		read_proc_maps(sp);
	}
	return sp;
}

void unwinder__mmap(struct unwinder *u, uint32_t pid, uint64_t start, uint64_t len,
		    uint64_t pgoff, const char *path)
{
	if (path[0] != '/' && strcmp(path, "[vdso]") != 0)
		return; /* anonymous code (JIT) has no CFI to read */
	add_map(space_get(u, pid, true), start, start + len, pgoff, path);
}

void unwinder__exec(struct unwinder *u, uint32_t pid)
{
	struct space *sp = space_get(u, pid, false);
	space_clear_maps(sp);
	sp->maps_read = true;
	sp->wants_dwarf = -1;
}

void unwinder__fork(struct unwinder *u, uint32_t ppid, uint32_t pid)
{
	if (ppid == pid)
		return;
	struct space *parent = space_get(u, ppid, true);
	struct space *child = space_get(u, pid, false);
	space_clear_maps(child);
	child->maps_read = true;
	child->wants_dwarf = parent->wants_dwarf;
	for (size_t i = 0; i < parent->nmaps; i++) {
		const struct umap *m = &parent->maps[i];
		add_map(child, m->start, m->end, m->pgoff, m->path);
	}
}

/* The table without its tombstones, once they outnumber the live entries (pids cycle). */
static void spaces_compact(struct unwinder *u)
{
	if (u->ntombs < 1024 || u->ntombs < u->nspaces)
		return;
	struct hashmap live = {0};
	bool fresh;
	for (struct hashmap_entry *e = NULL; (e = hashmap__next(&u->spaces, e));)
		if (e->value)
			hashmap__put_u64(&live, e->a, 0, &fresh)->value = e->value;
	hashmap__destroy(&u->spaces);
	u->spaces = live;
	u->ntombs = 0;
}

static void space_forget(struct unwinder *u, struct hashmap_entry *e)
{
	space_free((struct space *)(uintptr_t)e->value);
	e->value = 0; /* a later sample of a reused pid starts a fresh space */
	u->nspaces--;
	u->ntombs++;
}

void unwinder__exit(struct unwinder *u, uint32_t pid)
{
	struct hashmap_entry *e = hashmap__get_u64(&u->spaces, pid, 0);
	if (!e || !e->value)
		return;
	space_forget(u, e);
	spaces_compact(u);
}

void unwinder__drained(struct unwinder *u)
{
	if (!u)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (now - u->swept_ns < UNWIND_SWEEP_NS)
		return;
	u->swept_ns = now;
	/* Exit records are lost with the samples when the ring overflows: ask the kernel. */
	for (struct hashmap_entry *e = NULL; (e = hashmap__next(&u->spaces, e));)
		if (e->value && kill((pid_t)e->a, 0) < 0 && errno == ESRCH)
			space_forget(u, e);
	spaces_compact(u);
}

void unwinder__tables(const struct unwinder *u, size_t *spaces, size_t *dwfls)
{
	*spaces = u ? u->nspaces : 0;
	*dwfls = u ? u->ndwfl : 0;
}

/* Frees the Dwfl unused for longest other than keep's (the maps stay: it is rebuilt when
 * needed again). Returns false when there is none. */
static bool drop_oldest_dwfl(struct unwinder *u, const struct space *keep)
{
	struct space *old = NULL;
	for (struct hashmap_entry *e = NULL; (e = hashmap__next(&u->spaces, e));) {
		struct space *sp = (struct space *)(uintptr_t)e->value;
		if (sp && sp != keep && sp->dwfl && (!old || sp->last_use < old->last_use))
			old = sp;
	}
	if (old)
		space_drop_dwfl(old);
	return old != NULL;
}

/*
 * The load bias of the ELF file mapped at start from file offset pgoff: the PT_LOAD that
 * holds pgoff has its p_vaddr at start - (pgoff - p_offset) + bias... solved for bias.
 * The headers are read with pread: mapping the file for them cost a munmap per mapping
 * reported, and each munmap a TLB flush on every CPU (dear in a VM).
 */
static int load_bias(int fd, uint64_t start, uint64_t pgoff, uint64_t *bias)
{
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 256)
		return -ENOEXEC;
	Elf64_Phdr ph[256];
	size_t len = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
	if (pread(fd, ph, len, (off_t)eh.e_phoff) != (ssize_t)len)
		return -ENOEXEC;
	for (size_t i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_X))
			continue;
		uint64_t off0 = ph[i].p_offset & ~(uint64_t)0xfff;
		if (pgoff < off0 || pgoff >= ph[i].p_offset + ph[i].p_filesz)
			continue;
		*bias = start - pgoff - (ph[i].p_vaddr - ph[i].p_offset);
		return 0;
	}
	return -ENOEXEC;
}

static bool report_map(struct unwinder *u, struct space *sp, struct umap *m)
{
	m->reported = true;
	if (!strcmp(m->path, "[vdso]")) {
		if (u->vdso_fd < 0)
			return false;
		int fd = dup(u->vdso_fd);
		if (fd < 0)
			return false;
		if (!dwfl_report_elf(sp->dwfl, "[vdso]", "[vdso]", fd, m->start - m->pgoff, true)) {
			close(fd);
			return false;
		}
		return true;
	}
	/* Another mount namespace (a container) sees the file through the process's root. */
	char alt[4200];
	const char *path = m->path;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(alt, sizeof(alt), "/proc/%u/root%s", sp->pid, m->path);
		path = alt;
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return false;
	uint64_t bias;
	if (load_bias(fd, m->start, m->pgoff, &bias) < 0) {
		close(fd);
		return false;
	}
	/* Several mappings of one file (split text) share one module. */
	for (size_t i = 0; i < sp->nmaps; i++) {
		struct umap *o = &sp->maps[i];
		if (o != m && o->reported && !strcmp(o->path, m->path)) {
			Dwfl_Module *mod = dwfl_addrmodule(sp->dwfl, o->start);
			Dwarf_Addr lo, hi;
			if (mod && dwfl_module_info(mod, NULL, &lo, &hi, NULL, NULL, NULL, NULL) &&
			    m->start >= lo && m->end <= hi) {
				close(fd);
				return true;
			}
		}
	}
	if (!dwfl_report_elf(sp->dwfl, m->path, path, fd, bias, true)) {
		close(fd);
		return false;
	}
	return true;
}

static pid_t cb_next_thread(Dwfl *dwfl, void *arg, void **thread_arg)
{
	struct space *sp = arg;
	if (*thread_arg)
		return 0;
	*thread_arg = sp;
	return (pid_t)sp->in->tid;
}

static bool cb_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_arg)
{
	struct space *sp = arg;
	*thread_arg = sp;
	return (uint32_t)tid == sp->in->tid;
}

/* Memory outside the stack copy: the file bytes behind a module's address (read-only data
 * that CFI expressions may load). */
static bool read_file_word(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *out)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, addr);
	Dwarf_Addr bias;
	Elf *elf = mod ? dwfl_module_getelf(mod, &bias) : NULL;
	size_t phnum, size;
	if (!elf || elf_getphdrnum(elf, &phnum) != 0)
		return false;
	const char *raw = elf_rawfile(elf, &size);
	uint64_t vaddr = addr - bias;
	for (size_t i = 0; raw && i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		/* written as differences: a garbage address near 2^64 must not wrap past the tests */
		if (vaddr < ph.p_vaddr || ph.p_filesz < 8 || vaddr - ph.p_vaddr > ph.p_filesz - 8)
			continue;
		uint64_t off = ph.p_offset + (vaddr - ph.p_vaddr);
		if (size < 8 || off > size - 8)
			return false;
		memcpy(out, raw + off, 8);
		return true;
	}
	return false;
}

bool unwind_input__read(const struct unwind_input *in, uint64_t addr, uint64_t *out)
{
	uint64_t lo = in->regs[UNWIND_REG_SP];
	/* addr - lo, not addr + 8: a CFA rule can yield an address near 2^64 (seen: ~0) */
	if (addr < lo || in->stack_len < 8 || addr - lo > in->stack_len - 8)
		return false;
	memcpy(out, in->stack + (addr - lo), 8);
	return true;
}

static bool cb_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *out, void *arg)
{
	struct space *sp = arg;
	const struct unwind_input *in = sp->in;
	uint64_t lo = in->regs[UNWIND_REG_SP], hi = lo + in->stack_len;
	if (unwind_input__read(in, addr, out))
		return true;
	if (read_file_word(dwfl, addr, out))
		return true;
	/* Just above the copy, when the copy was cut at its size: the stack goes on. */
	sp->why = addr >= lo && addr < hi + (64u << 20) && in->full ? UNWIND_TRUNCATED
								     : UNWIND_BAD_READ;
	sp->why_at = sp->u->nips;
	return false;
}

/* perf's register order (UNWIND_PERF_REGS_MASK) to x86-64 DWARF numbers 0..16. */
static const uint8_t perf_of_dwarf[UNWIND_NREGS] = {
    0 /* rax */, 3 /* rdx */, 2 /* rcx */, 1 /* rbx */, 4 /* rsi */, 5 /* rdi */,
    6 /* rbp */, 7 /* rsp */, 9,	  10,	       11,	    12,	       13,
    14,	      15,	    16 /* r15 */, 8 /* rip */};

static bool cb_set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct space *sp = arg;
	Dwarf_Word r[UNWIND_NREGS];
	for (int i = 0; i < UNWIND_NREGS; i++)
		r[i] = sp->in->regs[perf_of_dwarf[i]];
	if (!dwfl_thread_state_registers(thread, 0, UNWIND_NREGS, r))
		return false;
	dwfl_thread_state_register_pc(thread, sp->in->regs[UNWIND_REG_IP]);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
    .next_thread = cb_next_thread,
    .get_thread = cb_get_thread,
    .memory_read = cb_memory_read,
    .set_initial_registers = cb_set_initial_registers,
};

/* Brings sp's Dwfl up to date with its maps; false when nothing could be reported. */
static bool space_sync(struct unwinder *u, struct space *sp)
{
	if (sp->rebuild)
		space_drop_dwfl(sp);
	bool fresh = !sp->dwfl;
	if (fresh) {
		if (u->ndwfl >= UNWIND_MAX_DWFL)
			drop_oldest_dwfl(u, sp);
		sp->dwfl = dwfl_begin(&dwfl_callbacks);
		if (!sp->dwfl)
			return false;
		u->ndwfl++;
	}
	uint32_t pending = 0;
	for (size_t i = 0; i < sp->nmaps; i++)
		pending += !sp->maps[i].reported;
	while (pending && u->nfiles + pending > UNWIND_MAX_FILES && drop_oldest_dwfl(u, sp))
		;
	if (pending) {
		if (fresh)
			dwfl_report_begin(sp->dwfl);
		else
			dwfl_report_begin_add(sp->dwfl);
		for (size_t i = 0; i < sp->nmaps; i++)
			if (!sp->maps[i].reported && report_map(u, sp, &sp->maps[i])) {
				sp->nfiles++;
				u->nfiles++;
			}
		dwfl_report_end(sp->dwfl, NULL, NULL);
	}
	if (!sp->attached) {
		/* The architecture comes from the first module that has an ELF. */
		if (!dwfl_attach_state(sp->dwfl, NULL, (pid_t)sp->pid, &thread_callbacks, sp))
			return false;
		sp->attached = true;
	}
	return true;
}

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct unwinder *u = arg;
	Dwarf_Addr pc;
	bool activation;
	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	if (pc == 0)
		return DWARF_CB_ABORT;
	/* raw_sample treats every frame after the first as a return address (it looks up
	 * addr - 1): a signal frame's pc is exact, so it goes in one byte further. */
	if (u->nips > 0 && activation)
		pc++;
	u->ips[u->nips++] = pc;
	return u->nips < u->maxips ? DWARF_CB_OK : DWARF_CB_ABORT;
}

/* Why libdw stopped at the last pc, when the memory callback did not already say. */
static enum unwind_why classify(struct space *sp, uint64_t pc)
{
	Dwfl_Module *mod = dwfl_addrmodule(sp->dwfl, pc);
	if (!mod)
		return UNWIND_NO_MODULE;
	Dwarf_Addr bias;
	Dwarf_Frame *frame = NULL;
	Dwarf_CFI *cfi = dwfl_module_eh_cfi(mod, &bias);
	if (cfi && dwarf_cfi_addrframe(cfi, pc - bias, &frame) == 0) {
		free(frame);
		return UNWIND_OTHER;
	}
	cfi = dwfl_module_dwarf_cfi(mod, &bias);
	if (cfi && dwarf_cfi_addrframe(cfi, pc - bias, &frame) == 0) {
		free(frame);
		return UNWIND_OTHER;
	}
	return UNWIND_NO_CFI;
}

/* The walk itself, without counting. */
static uint32_t unwind_one(struct unwinder *u, const struct unwind_input *in, uint64_t *ips,
			   uint32_t max, enum unwind_why *why)
{
	*why = UNWIND_OK;
	if (!in->regs || max == 0) {
		*why = UNWIND_NO_REGS;
		return 0;
	}
	struct space *sp = space_get(u, in->pid, true);
	sp->last_use = ++u->clock;
	sp->in = in;
	sp->why = UNWIND_OK;
	u->ips = ips;
	u->nips = 0;
	u->maxips = max;
	if (!space_sync(u, sp)) {
		ips[0] = in->regs[UNWIND_REG_IP];
		*why = UNWIND_NO_ELF;
		return 1;
	}
	int ret = dwfl_getthread_frames(sp->dwfl, (pid_t)in->tid, frame_cb, u);
	/* libdw ends quietly (as at the outermost frame) when a return address cannot be
	 * read: a read that failed in the last steps (libdw reads the registers of a frame
	 * while it unwinds the one before) is why it ended. */
	enum unwind_why read_why = sp->why_at + 1 >= u->nips ? sp->why : UNWIND_OK;
	if (u->nips == 0) {
		ips[u->nips++] = in->regs[UNWIND_REG_IP];
		*why = read_why ? read_why : classify(sp, ips[0]);
	} else if (read_why && u->nips < max) {
		*why = read_why;
	} else if (ret != 0 && u->nips < max) {
		uint64_t last = ips[u->nips - 1];
		*why = classify(sp, u->nips > 1 ? last - 1 : last);
	}
	sp->in = NULL;
	return u->nips;
}

uint32_t unwinder__unwind(struct unwinder *u, const struct unwind_input *in, uint64_t *ips,
			  uint32_t max, enum unwind_why *why)
{
	uint32_t n = unwind_one(u, in, ips, max, why);
	u->st.samples++;
	u->st.stopped[*why]++;
	return n;
}

uint32_t unwinder__repair_leaf(struct unwinder *u, const struct unwind_input *in,
			       const uint64_t *fp, uint32_t nfp, uint64_t *out, uint32_t max)
{
	enum { LEAF_FRAMES = 8 };
	uint64_t cfi[LEAF_FRAMES];
	enum unwind_why why;
	u->st.leaf_samples++;
	uint32_t nc = unwind_one(u, in, cfi, LEAF_FRAMES, &why);
	uint32_t n = 0;
	if (nc >= 2) {
		/* Join where a CFI return address reappears in the frame-pointer chain. */
		for (uint32_t k = 1; k < nc; k++) {
			for (uint32_t j = 1; j < nfp; j++) {
				if (fp[j] != cfi[k])
					continue;
				for (uint32_t i = 0; i <= k && n < max; i++)
					out[n++] = cfi[i];
				for (uint32_t i = j + 1; i < nfp && n < max; i++)
					out[n++] = fp[i];
				if (k > j || memcmp(cfi, fp, (k + 1) * sizeof(*fp)) != 0)
					u->st.leaf_repaired++;
				return n;
			}
		}
		/* CFI reached the thread's start within its few frames: it is the whole stack. */
		if (why == UNWIND_OK) {
			for (uint32_t i = 0; i < nc && n < max; i++)
				out[n++] = cfi[i];
			if (nc > nfp)
				u->st.leaf_repaired++;
			return n;
		}
	}
	for (uint32_t i = 0; i < nfp && n < max; i++)
		out[n++] = fp[i];
	return n;
}

bool unwinder__pid_wants_dwarf(struct unwinder *u, uint32_t pid)
{
	struct space *sp = space_get(u, pid, true);
	if (sp->wants_dwarf < 0) /* exec maps the binary first */
		sp->wants_dwarf = unwind__pid_lacks_fp(&u->fp_verdict, pid,
						       sp->nmaps ? sp->maps[0].path : NULL);
	return sp->wants_dwarf;
}

void unwinder__stats(const struct unwinder *u, struct unwind_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (u)
		*st = u->st;
}

int unwind__stats_text(const struct unwind_stats *st, char *buf, size_t size)
{
	static const char *const why[UNWIND_WHY_COUNT] = {
	    [UNWIND_TRUNCATED] = "truncated (stack deeper than the copy)",
	    [UNWIND_NO_MODULE] = "pc outside any file",
	    [UNWIND_NO_CFI] = "no CFI for a pc",
	    [UNWIND_BAD_READ] = "memory outside the copy",
	    [UNWIND_NO_REGS] = "no user registers",
	    [UNWIND_NO_ELF] = "unreadable files",
	    [UNWIND_OTHER] = "other libdw errors",
	};
	int n = 0;
	buf[0] = '\0';
	for (int i = 1; i < UNWIND_WHY_COUNT; i++) {
		if (!st->stopped[i])
			continue;
		size_t used = strlen(buf);
		snprintf(buf + used, size - used, "%s%llu %s", n ? ", " : "",
			 (unsigned long long)st->stopped[i], why[i]);
		n++;
	}
	return n;
}
