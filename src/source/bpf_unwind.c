// SPDX-License-Identifier: MIT
/* The BPF DWARF unwinder's user side: CFI tables per file in row shards, mappings per process. */
#define _GNU_SOURCE
#include "bpf_unwind.h"
#include "sampler.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "../unwind/cfi_cache.h"
#include "../unwind/cfi_table.h"
#include "../unwind/dwarf.h"
#include "../util/hashmap.h"
#include "../util/util.h"

/*
 * --call-graph auto under -a/-C builds tables for whatever runs, and tables stay for the run:
 * on a build machine that is every compiler and test binary ever started. Past this many rows
 * (8 bytes each: 16 MiB) new files get none and their processes are walked by frame pointers,
 * so a long-running agent stays bounded. An explicit --call-graph dwarf has no budget.
 */
#define AUTO_ROW_BUDGET (2u << 20)

/* A file's table, placed once in the shards and shared by every process that maps it. */
struct file_table {
	uint32_t row_start, nrows; /* nrows 0: no table (failed, or no CFI) */
	struct cfi_load *loads;
	int nloads;
};

struct bpf_unwind {
	int shards_fd, procs_fd, tgids_fd;
	int shard_fds[UNWIND_MAX_SHARDS]; /* mapped only while rows are copied in (write_rows) */
	int spare_shard; /* bpf_unwind__adopt_shard's, the next shard to use */
	uint64_t next_row; /* global index of the first free row */
	struct hashmap files; /* (dev, ino) -> struct file_table * */
	struct hashmap procs; /* (tgid, 0) -> struct unwind_proc * */
	/* --call-graph auto: tables only for processes whose main binary lacks frame pointers */
	bool only_without_fp;
	struct hashmap verdict;	 /* (tgid, 0) -> 0 undecided, 1 dwarf, 2 frame pointers */
	struct hashmap binaries; /* binary path -> unwind__pid_lacks_fp's cache */
	struct bpf_unwind_stats st;
	char cache_dir[4096]; /* compiled tables kept between runs ("" without a cache) */
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int bpf_unwind__new(struct bpf_unwind **out, int shards_fd, int procs_fd, int tgids_fd,
		    bool only_without_fp, char *err, size_t errlen)
{
	struct bpf_unwind *u = xcalloc(1, sizeof(*u));
	u->only_without_fp = only_without_fp;
	u->shards_fd = shards_fd;
	u->procs_fd = procs_fd;
	u->tgids_fd = tgids_fd;
	for (int i = 0; i < UNWIND_MAX_SHARDS; i++)
		u->shard_fds[i] = -1;
	u->spare_shard = -1;
	if (!util__cache_dir(u->cache_dir, sizeof(u->cache_dir)))
		u->cache_dir[0] = '\0';
	*out = u;
	(void)err;
	(void)errlen;
	return 0;
}

void bpf_unwind__adopt_shard(struct bpf_unwind *u, int fd)
{
	if (u->spare_shard >= 0)
		close(u->spare_shard);
	u->spare_shard = fd;
}

int bpf_unwind__create_shard(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_MMAPABLE);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "unwind_rows", sizeof(__u32),
				sizeof(struct unwind_row), UNWIND_SHARD_ROWS, &o);
	return fd < 0 ? -errno : fd;
}

/* Shard i's map, created and put in the outer map on first use; -1 when the kernel refuses. */
static int shard(struct bpf_unwind *u, uint32_t i)
{
	if (i >= UNWIND_MAX_SHARDS)
		return -1;
	if (u->shard_fds[i] >= 0)
		return u->shard_fds[i];
	int fd = u->spare_shard >= 0 ? u->spare_shard : bpf_unwind__create_shard();
	u->spare_shard = -1;
	if (fd < 0) {
		errno = -fd;
		util__warn("cannot create an unwind row shard: %s", strerror(errno));
		return -1;
	}
	if (bpf_map_update_elem(u->shards_fd, &i, &fd, BPF_ANY) < 0) {
		util__warn("cannot add an unwind row shard: %s", strerror(errno));
		close(fd);
		return -1;
	}
	u->shard_fds[i] = fd;
	u->st.shards++;
	return fd;
}

/*
 * Copies rows[0..n) to rows off.. of shard fd through a mapping of just the pages they
 * cover, unmapped at once. (A BPF array's mapping holds all its pages from the start: kept
 * mapped, every 2 MiB shard would count in the process's RSS for the whole run.)
 */
static int write_rows(int fd, uint64_t off, const struct unwind_row *rows, uint64_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t from = (size_t)off * sizeof(*rows), to = from + (size_t)n * sizeof(*rows);
	size_t start = from & ~(page - 1), end = (to + page - 1) & ~(page - 1);
	char *mem = mmap(NULL, end - start, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)start);
	if (mem == MAP_FAILED) {
		util__warn("cannot map an unwind row shard: %s", strerror(errno));
		return -ENOMEM;
	}
	memcpy(mem + (from - start), rows, (size_t)n * sizeof(*rows));
	munmap(mem, end - start);
	return 0;
}

/*
 * Copies t's rows into the shards: a table that fits in one shard never straddles two (one
 * shard lookup serves its whole search), bigger ones span consecutive shards.
 */
static int place_rows(struct bpf_unwind *u, const struct cfi_table *t, uint32_t *start)
{
	uint64_t pos = u->next_row, n = t->nrows;
	uint64_t in_shard = pos & (UNWIND_SHARD_ROWS - 1);
	if (n <= UNWIND_SHARD_ROWS && in_shard + n > UNWIND_SHARD_ROWS)
		pos += UNWIND_SHARD_ROWS - in_shard;
	if (pos + n > (uint64_t)UNWIND_MAX_SHARDS * UNWIND_SHARD_ROWS)
		return -ENOSPC;
	for (uint64_t done = 0; done < n;) {
		uint64_t g = pos + done;
		int fd = shard(u, (uint32_t)(g >> UNWIND_SHARD_SHIFT));
		if (fd < 0)
			return -ENOMEM;
		uint64_t off = g & (UNWIND_SHARD_ROWS - 1);
		uint64_t k = UNWIND_SHARD_ROWS - off < n - done ? UNWIND_SHARD_ROWS - off : n - done;
		if (write_rows(fd, off, t->rows + done, k) < 0)
			return -ENOMEM;
		done += k;
	}
	*start = (uint32_t)pos;
	u->next_row = pos + n;
	u->st.rows += n;
	return 0;
}

/* The file of a mapping, opened as pid sees it: the path, else through /proc/PID/root. */
static int open_mapped(uint32_t pid, const char *path, uint64_t dev, uint64_t ino)
{
	char alt[4200];
	snprintf(alt, sizeof(alt), "/proc/%u/root%s", pid, path);
	const char *tries[2] = {path, alt};
	for (int i = 0; i < 2; i++) {
		int fd = open(tries[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		struct stat sb;
		if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_ino == ino &&
		    (dev == 0 || sb.st_dev == dev))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

/* The table of file (dev, ino), built on first sight. */
static struct file_table *file_table(struct bpf_unwind *u, uint32_t pid, const char *path,
				     uint64_t dev, uint64_t ino)
{
	bool fresh;
	struct hashmap_entry *e = hashmap__put_u64(&u->files, dev, ino, &fresh);
	if (!fresh)
		return (struct file_table *)(uintptr_t)e->value;
	struct file_table *f = xcalloc(1, sizeof(*f));
	e->value = (uintptr_t)f;
	if (u->only_without_fp && u->next_row >= AUTO_ROW_BUDGET) {
		u->st.files_over_budget++; /* its processes keep frame pointers */
		return f;
	}
	uint64_t t0 = now_ns();
	int fd = open_mapped(pid, path, dev, ino);
	struct cfi_table *t = NULL;
	char err[256] = "";
	bool cached = false;
	int ret = fd < 0 ? fd : cfi_cache__build(fd, u->cache_dir, &t, &cached, err, sizeof(err));
	if (fd >= 0)
		close(fd);
	if (ret == 0 && t->nrows && place_rows(u, t, &f->row_start) == 0) {
		f->nrows = (uint32_t)t->nrows;
		f->loads = t->loads;
		f->nloads = t->nloads;
		t->loads = NULL;
		u->st.files++;
		u->st.files_cached += cached;
	} else {
		u->st.files_failed++;
	}
	cfi_table__free(t);
	u->st.build_ns += now_ns() - t0;
	return f;
}

static bool tracked(const struct bpf_unwind *u, uint32_t pid)
{
	__u8 v;
	return u->tgids_fd < 0 || bpf_map_lookup_elem(u->tgids_fd, &pid, &v) == 0;
}

static struct unwind_proc *proc_get(struct bpf_unwind *u, uint32_t pid, bool create)
{
	struct hashmap_entry *e = create ? hashmap__put_u64(&u->procs, pid, 0, NULL)
					 : hashmap__get_u64(&u->procs, pid, 0);
	if (!e)
		return NULL;
	if (!e->value) {
		e->value = (uintptr_t)xcalloc(1, sizeof(struct unwind_proc));
		u->st.procs++;
	}
	return (struct unwind_proc *)(uintptr_t)e->value;
}

static void proc_write(struct bpf_unwind *u, uint32_t pid, const struct unwind_proc *p)
{
	if (bpf_map_update_elem(u->procs_fd, &pid, p, BPF_ANY) < 0 && errno == E2BIG)
		u->st.procs_full++;
}

/* Puts [start, end) into p in start order, replacing what it overlaps. */
static void proc_insert(struct bpf_unwind *u, struct unwind_proc *p, const struct unwind_mapping *m)
{
	uint32_t w = 0;
	for (uint32_t i = 0; i < p->n; i++)
		if (p->m[i].end <= m->start || p->m[i].start >= m->end)
			p->m[w++] = p->m[i];
	p->n = w;
	if (m->row_len == 0)
		return;
	if (p->n == UNWIND_MAX_MAPPINGS) {
		u->st.mappings_full++;
		return;
	}
	uint32_t at = p->n;
	while (at > 0 && p->m[at - 1].start > m->start) {
		p->m[at] = p->m[at - 1];
		at--;
	}
	p->m[at] = *m;
	p->n++;
}

/*
 * --call-graph auto: whether pid gets tables, decided at its first executable mapping, which
 * is its binary's (exec maps the binary before the dynamic loader; /proc/PID/maps lists the
 * binary first), and kept until its next exec. No /proc lookup: processes come by hundreds a
 * second in a build.
 */
static bool wants_tables(struct bpf_unwind *u, uint32_t pid, const char *path)
{
	if (!u->only_without_fp)
		return true;
	struct hashmap_entry *e = hashmap__put_u64(&u->verdict, pid, 0, NULL);
	if (!e->value)
		e->value = unwind__binary_lacks_fp(&u->binaries, path) ? 1 : 2;
	if (e->value == 2)
		u->st.procs_fp++;
	return e->value == 1;
}

/* A new executable mapping of pid, written to the kernel's table of pid. */
static void add_mapping(struct bpf_unwind *u, uint32_t pid, uint64_t start, uint64_t end,
			uint64_t pgoff, uint64_t dev, uint64_t ino, const char *path)
{
	if (path[0] != '/' || ino == 0 || !tracked(u, pid) || !wants_tables(u, pid, path))
		return;
	struct file_table *f = file_table(u, pid, path, dev, ino);
	struct unwind_proc *p = proc_get(u, pid, true);
	struct unwind_mapping m = {.start = start, .end = end};
	uint64_t bias;
	if (f->nrows) {
		struct cfi_table t = {.loads = f->loads, .nloads = f->nloads};
		if (cfi_table__bias(&t, start, pgoff, &bias) == 0) {
			m.bias = bias;
			m.row_start = f->row_start;
			m.row_len = f->nrows;
		}
	}
	proc_insert(u, p, &m);
	proc_write(u, pid, p);
}

/* pid exec'd or exited: its table goes (8 KiB here and in the kernel), its verdict too. */
static void drop_proc(struct bpf_unwind *u, uint32_t pid)
{
	struct hashmap_entry *v = hashmap__get_u64(&u->verdict, pid, 0);
	if (v)
		v->value = 0;
	struct hashmap_entry *e = hashmap__get_u64(&u->procs, pid, 0);
	if (!e || !e->value)
		return;
	free((void *)(uintptr_t)e->value);
	e->value = 0;
	bpf_map_delete_elem(u->procs_fd, &pid);
}

void bpf_unwind__record(struct bpf_unwind *u, const struct perf_event_header *h)
{
	const char *body = (const char *)(h + 1);
	size_t blen = h->size - sizeof(*h);
	if (h->type == PERF_RECORD_MMAP2 && blen > 64) {
		struct {
			__u32 pid, tid;
			__u64 addr, len, pgoff;
			__u32 maj, min;
			__u64 ino, ino_gen;
			__u32 prot, flags;
		} r;
		memcpy(&r, body, sizeof(r));
		if (h->misc & PERF_RECORD_MISC_MMAP_BUILD_ID)
			return; /* not asked for: no inode to key the table by */
		char path[4096];
		size_t plen = blen - sizeof(r) < sizeof(path) - 1 ? blen - sizeof(r) : sizeof(path) - 1;
		memcpy(path, body + sizeof(r), plen);
		path[plen] = '\0';
		if (r.prot & 4 /* PROT_EXEC */)
			add_mapping(u, r.pid, r.addr, r.addr + r.len, r.pgoff, makedev(r.maj, r.min),
				    r.ino, path);
	} else if (h->type == PERF_RECORD_COMM && (h->misc & PERF_RECORD_MISC_COMM_EXEC) &&
		   blen >= 8) {
		__u32 pid;
		memcpy(&pid, body, sizeof(pid));
		drop_proc(u, pid); /* the new image's mappings follow */
	} else if ((h->type == PERF_RECORD_FORK || h->type == PERF_RECORD_EXIT) && blen >= 16) {
		__u32 v[4]; /* pid, ppid, tid, ptid */
		memcpy(v, body, sizeof(v));
		if (v[0] != v[2])
			return; /* a thread */
		if (h->type == PERF_RECORD_EXIT) {
			drop_proc(u, v[0]);
			return;
		}
		/* A child process starts with its parent's mappings and verdict. */
		struct hashmap_entry *pv = hashmap__get_u64(&u->verdict, v[1], 0);
		uint64_t verdict = pv ? pv->value : 0; /* the put below may move the entries */
		if (verdict && v[0] != v[1])
			hashmap__put_u64(&u->verdict, v[0], 0, NULL)->value = verdict;
		struct unwind_proc *parent = proc_get(u, v[1], false);
		if (v[0] == v[1] || !parent || !parent->n || !tracked(u, v[0]))
			return;
		struct unwind_proc *child = proc_get(u, v[0], true);
		memcpy(child, parent, sizeof(*child));
		proc_write(u, v[0], child);
	}
}

/* One executable mapping of a /proc/PID/maps file. */
struct maps_line {
	uint64_t start, end, pgoff, ino;
	dev_t dev;
	const char *path;
};

/* Calls fn for every executable mapping listed in maps (a /proc/PID/maps); 0 or -errno. */
static int for_exec_mappings(struct bpf_unwind *u, const char *maps, uint32_t pid,
			     void (*fn)(struct bpf_unwind *u, uint32_t pid, const struct maps_line *m))
{
	FILE *f = fopen(maps, "re");
	if (!f)
		return -errno;
	char line[4400];
	while (fgets(line, sizeof(line), f)) {
		struct maps_line m;
		unsigned maj, min;
		char perms[8];
		int pos = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n", &m.start,
			   &m.end, perms, &m.pgoff, &maj, &min, &m.ino, &pos) < 7 ||
		    perms[2] != 'x' || pos == 0)
			continue;
		line[pos + strcspn(line + pos, "\n")] = '\0';
		m.path = line + pos;
		m.dev = makedev(maj, min);
		fn(u, pid, &m);
	}
	fclose(f);
	return 0;
}

static void prewarm_one(struct bpf_unwind *u, uint32_t pid, const struct maps_line *m)
{
	const char *base = strrchr(m->path, '/');
	base = base ? base + 1 : m->path;
	if (strncmp(base, "libc.so", 7) == 0 || strncmp(base, "ld-linux", 8) == 0 ||
	    strncmp(base, "libm.so", 7) == 0)
		file_table(u, pid, m->path, m->dev, m->ino);
}

/*
 * The files nearly every process maps (the C library, the dynamic loader, libm), compiled
 * now from this process's own mappings: a new process then finds their tables ready instead
 * of walking its first hundreds of milliseconds with frame pointers while they are built.
 */
void bpf_unwind__prewarm(struct bpf_unwind *u)
{
	for_exec_mappings(u, "/proc/self/maps", (uint32_t)getpid(), prewarm_one);
}

static void prewarm_path(struct bpf_unwind *u, const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		file_table(u, (uint32_t)getpid(), path, st.st_dev, st.st_ino);
}

/* The first directory of dirs (':'-separated) holding name, into out; false if none. */
static bool find_in(const char *dirs, const char *name, char *out, size_t outlen)
{
	char *copy = xstrdup(dirs), *save = NULL;
	bool found = false;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, outlen, "%s/%s", *d ? d : ".", name);
		struct stat st;
		found = stat(out, &st) == 0 && S_ISREG(st.st_mode);
	}
	free(copy);
	return found;
}

void bpf_unwind__prewarm_command(struct bpf_unwind *u, const char *argv0)
{
	static const char libdirs[] = "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib64:"
				      "/usr/lib64:/lib:/usr/lib:/usr/local/lib";
	char path[4096];
	const char *env = getenv("PATH");
	if (strchr(argv0, '/'))
		snprintf(path, sizeof(path), "%s", argv0);
	else if (!find_in(env && *env ? env : "/usr/local/bin:/usr/bin:/bin", argv0, path,
			  sizeof(path)))
		return;
	prewarm_path(u, path);
	/* its DT_NEEDED libraries, as the loader would find them in the standard directories */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	Elf_Scn *scn = NULL;
	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; d && i < n; i++) {
			GElf_Dyn dyn;
			if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag != DT_NEEDED)
				continue;
			const char *lib = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			char lp[4096];
			if (lib && !strchr(lib, '/') && find_in(libdirs, lib, lp, sizeof(lp)))
				prewarm_path(u, lp);
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
}

static void add_one(struct bpf_unwind *u, uint32_t pid, const struct maps_line *m)
{
	add_mapping(u, pid, m->start, m->end, m->pgoff, m->dev, m->ino, m->path);
}

int bpf_unwind__add_pid(struct bpf_unwind *u, uint32_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%u/maps", pid);
	return for_exec_mappings(u, path, pid, add_one);
}

void bpf_unwind__add_all(struct bpf_unwind *u)
{
	DIR *d = opendir("/proc");
	if (!d)
		return;
	pid_t self = getpid();
	for (struct dirent *e; (e = readdir(d));) {
		char *end;
		unsigned long pid = strtoul(e->d_name, &end, 10);
		if (!*end && pid && pid != (unsigned long)self)
			bpf_unwind__add_pid(u, (uint32_t)pid);
	}
	closedir(d);
}

void bpf_unwind__start(struct bpf_unwind *u, const struct sampler_opts *o)
{
	bpf_unwind__prewarm(u);
	if (o->scope == SCOPE_COMMAND && o->argv && o->argv[0])
		bpf_unwind__prewarm_command(u, o->argv[0]);
	if (o->scope == SCOPE_PIDS)
		for (int i = 0; i < o->npids; i++)
			bpf_unwind__add_pid(u, (uint32_t)o->pids[i]);
	else if (o->scope == SCOPE_ALL || o->scope == SCOPE_CPU)
		bpf_unwind__add_all(u);
}

void bpf_unwind__stats(const struct bpf_unwind *u, struct bpf_unwind_stats *st)
{
	*st = u->st;
}

void bpf_unwind__free(struct bpf_unwind *u)
{
	if (!u)
		return;
	if (u->spare_shard >= 0)
		close(u->spare_shard);
	for (int i = 0; i < UNWIND_MAX_SHARDS; i++)
		if (u->shard_fds[i] >= 0)
			close(u->shard_fds[i]);
	for (struct hashmap_entry *e = NULL; (e = hashmap__next(&u->files, e));) {
		struct file_table *f = (struct file_table *)(uintptr_t)e->value;
		if (f)
			free(f->loads);
		free(f);
	}
	for (struct hashmap_entry *e = NULL; (e = hashmap__next(&u->procs, e));)
		free((void *)(uintptr_t)e->value);
	hashmap__destroy(&u->files);
	hashmap__destroy(&u->procs);
	hashmap__destroy(&u->verdict);
	hashmap__destroy(&u->binaries);
	free(u);
}
