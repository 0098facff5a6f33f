// SPDX-License-Identifier: MIT
/* `-e` event sources: resolves tracepoint, uprobe and kprobe specs into perf event attrs. */
#define _GNU_SOURCE
#include "probe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/util.h"

#define PMU_DIR "/sys/bus/event_source/devices"

static const char *const tracefs_dirs[] = {"/sys/kernel/tracing/events",
					   "/sys/kernel/debug/tracing/events"};

static void add_event(struct probe_set *set, const struct probe_event *e)
{
	set->ev = xrealloc(set->ev, sizeof(*set->ev) * (size_t)(set->n + 1));
	set->ev[set->n++] = *e;
}

/* Reads a small sysfs/tracefs file holding one unsigned number; -1 when absent or bad. */
static long long read_number(const char *path)
{
	FILE *f = fopen(path, "re");
	long long v = -1;
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* The events directory of tracefs, mounting tracefs when no mount exists (root only). */
static const char *tracefs_events(char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(tracefs_dirs) / sizeof(tracefs_dirs[0]); i++)
		if (access(tracefs_dirs[i], R_OK | X_OK) == 0)
			return tracefs_dirs[i];
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0 &&
	    access(tracefs_dirs[0], R_OK | X_OK) == 0)
		return tracefs_dirs[0];
	snprintf(err, errlen,
		 "tracepoints need tracefs, which is not mounted and could not be (%s); as root: "
		 "mount -t tracefs nodev /sys/kernel/tracing",
		 strerror(errno));
	return NULL;
}

static int has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int resolve_tracepoint(const char *cat, const char *name, struct probe_set *set,
			      char *err, size_t errlen)
{
	const char *dir = tracefs_events(err, errlen);
	if (!dir)
		return -EOPNOTSUPP;
	long long tp_type = read_number(PMU_DIR "/tracepoint/type");
	int found = 0;
	DIR *cd = opendir(dir);
	struct dirent *c, *n;
	while (cd && (c = readdir(cd))) {
		if (c->d_name[0] == '.' || fnmatch(cat, c->d_name, 0) != 0)
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", dir, c->d_name);
		DIR *nd = opendir(path);
		while (nd && (n = readdir(nd))) {
			if (n->d_name[0] == '.' || fnmatch(name, n->d_name, 0) != 0)
				continue;
			char idpath[PATH_MAX];
			snprintf(idpath, sizeof(idpath), "%s/%s/%s/id", dir, c->d_name, n->d_name);
			long long id = read_number(idpath);
			if (id < 0)
				continue; /* "enable", "filter": files, not events */
			if (set->n >= PROBE_MAX_EVENTS) {
				closedir(nd);
				closedir(cd);
				snprintf(err, errlen, "tracepoint:%s:%s matches more than %d events", cat,
					 name, PROBE_MAX_EVENTS);
				return -E2BIG;
			}
			struct probe_event e = {.type = tp_type >= 0 ? (uint32_t)tp_type
								    : PERF_TYPE_TRACEPOINT,
						.config = (uint64_t)id};
			char label[600];
			snprintf(label, sizeof(label), "tracepoint:%s:%s", c->d_name, n->d_name);
			e.label = xstrdup(label);
			add_event(set, &e);
			found++;
		}
		if (nd)
			closedir(nd);
	}
	if (cd)
		closedir(cd);
	if (!found) {
		snprintf(err, errlen, "no tracepoint matches %s:%s (see %s)", cat, name, dir);
		return -ENOENT;
	}
	return 0;
}

/* A regular file at path that we may read: 0, else -errno. */
static int is_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISREG(st.st_mode) && access(path, R_OK) == 0 ? 0 : -EACCES;
}

/*
 * BINARY as given when it holds a '/', else the first match in PATH, then in the library
 * directories (exactly, or NAME.so*). Writes the absolute path to out.
 */
static int find_binary(const char *bin, char *out, size_t outlen)
{
	if (strchr(bin, '/'))
		return realpath(bin, out) && is_file(out) == 0 ? 0 : -ENOENT;
	static const char *const libdirs[] = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
					      "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
					      "/lib64", "/usr/lib64", "/usr/lib", "/usr/local/lib"};
	const char *env = getenv("PATH");
	char *paths = xstrdup(env && *env ? env : "/usr/local/bin:/usr/bin:/bin"), *save = NULL;
	char cand[PATH_MAX];
	int ret = -ENOENT;
	for (char *d = strtok_r(paths, ":", &save); d && ret; d = strtok_r(NULL, ":", &save)) {
		snprintf(cand, sizeof(cand), "%s/%s", d, bin);
		if (is_file(cand) == 0 && access(cand, X_OK) == 0 && realpath(cand, out))
			ret = 0;
	}
	free(paths);
	char pattern[NAME_MAX + 8];
	snprintf(pattern, sizeof(pattern), "%s.so*", bin);
	for (size_t i = 0; i < sizeof(libdirs) / sizeof(libdirs[0]) && ret; i++) {
		snprintf(cand, sizeof(cand), "%s/%s", libdirs[i], bin);
		if (is_file(cand) == 0 && realpath(cand, out)) {
			ret = 0;
			break;
		}
		DIR *d = opendir(libdirs[i]);
		struct dirent *e;
		while (d && ret && (e = readdir(d))) {
			snprintf(cand, sizeof(cand), "%s/%s", libdirs[i], e->d_name);
			if (fnmatch(pattern, e->d_name, 0) == 0 && is_file(cand) == 0 &&
			    realpath(cand, out))
				ret = 0;
		}
		if (d)
			closedir(d);
	}
	(void)outlen;
	return ret;
}

/* The file offset of virtual address v: the executable PT_LOAD holding it; -1 if none. */
static long long vaddr_to_offset(Elf *elf, uint64_t v)
{
	size_t n = 0;
	if (elf_getphdrnum(elf, &n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (v >= ph.p_vaddr && v < ph.p_vaddr + ph.p_memsz)
			return (long long)(v - ph.p_vaddr + ph.p_offset);
	}
	return -1;
}

struct sym_hit {
	uint64_t offset;
	char *name;
};

static int cmp_hit(const void *a, const void *b)
{
	const struct sym_hit *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Function symbols of the ELF at path matching glob, unique by address, sorted by offset. */
static int match_symbols(const char *path, const char *glob, struct sym_hit **out, int *nout,
			 char *err, size_t errlen)
{
	struct stat st;
	int fd = util__open_regular(path, O_RDONLY, &st);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(-fd));
		return fd;
	}
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		snprintf(err, errlen, "%s is not an ELF file", path);
		if (elf)
			elf_end(elf);
		close(fd);
		return -ENOEXEC;
	}
	struct sym_hit *hits = NULL;
	int n = 0;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t count = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; data && i < count; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
			    !sym.st_value)
				continue;
			int type = GELF_ST_TYPE(sym.st_info);
			if (type != STT_FUNC && type != STT_GNU_IFUNC)
				continue;
			const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name || !*name || fnmatch(glob, name, 0) != 0)
				continue;
			long long off = vaddr_to_offset(elf, sym.st_value);
			if (off < 0)
				continue;
			hits = xrealloc(hits, sizeof(*hits) * (size_t)(n + 1));
			hits[n].offset = (uint64_t)off;
			hits[n++].name = xstrdup(name);
		}
	}
	elf_end(elf);
	close(fd);
	qsort(hits, (size_t)n, sizeof(*hits), cmp_hit);
	int u = 0; /* .symtab and .dynsym name most functions twice */
	for (int i = 0; i < n; i++) {
		if (u && hits[u - 1].offset == hits[i].offset)
			free(hits[i].name);
		else
			hits[u++] = hits[i];
	}
	*out = hits;
	*nout = u;
	return 0;
}

/* The bit of config that makes a uprobe/kprobe a return probe ("config:0"), or -1. */
static int retprobe_bit(const char *pmu)
{
	char path[256], buf[64] = "";
	snprintf(path, sizeof(path), PMU_DIR "/%s/format/retprobe", pmu);
	FILE *f = fopen(path, "re");
	int bit = -1;
	if (f) {
		if (fgets(buf, sizeof(buf), f) && sscanf(buf, "config:%d", &bit) != 1)
			bit = -1;
		fclose(f);
	}
	return bit;
}

/* The PMU type of uprobe/kprobe, or -EOPNOTSUPP with the reason in err. */
static long long pmu_type(const char *pmu, char *err, size_t errlen)
{
	char path[256];
	snprintf(path, sizeof(path), PMU_DIR "/%s/type", pmu);
	long long t = read_number(path);
	if (t >= 0)
		return t;
	if (strcmp(pmu, "kprobe") == 0)
		snprintf(err, errlen,
			 "kprobes are not available: this kernel is built without them (no %s); "
			 "use tracepoint:CATEGORY:NAME or uprobe:BINARY:SYMBOL",
			 path);
	else
		snprintf(err, errlen, "this kernel has no %s event source (no %s)", pmu, path);
	return -EOPNOTSUPP;
}

static int resolve_uprobe(const char *bin, const char *glob, int ret, const char *spec,
			  struct probe_set *set, char *err, size_t errlen)
{
	long long type = pmu_type("uprobe", err, errlen);
	if (type < 0)
		return (int)type;
	int bit = ret ? retprobe_bit("uprobe") : 0;
	if (ret && bit < 0) {
		snprintf(err, errlen, "this kernel's uprobe source has no return probes");
		return -EOPNOTSUPP;
	}
	char path[PATH_MAX];
	if (find_binary(bin, path, sizeof(path)) < 0) {
		snprintf(err, errlen, "%s: no such binary (give a path, or a name in PATH)", bin);
		return -ENOENT;
	}
	struct sym_hit *hits = NULL;
	int n = 0;
	int r = match_symbols(path, glob, &hits, &n, err, errlen);
	if (r < 0)
		return r;
	if (n == 0 || set->n + n > PROBE_MAX_EVENTS) {
		if (n == 0)
			snprintf(err, errlen, "no function in %s matches '%s' (%s)", path, glob, spec);
		else
			snprintf(err, errlen, "'%s' matches %d functions in %s; at most %d", glob, n,
				 path, PROBE_MAX_EVENTS);
		for (int i = 0; i < n; i++)
			free(hits[i].name);
		free(hits);
		return n == 0 ? -ENOENT : -E2BIG;
	}
	for (int i = 0; i < n; i++) {
		struct probe_event e = {.type = (uint32_t)type,
					.config = ret ? 1ull << bit : 0,
					.config2 = hits[i].offset,
					.path = xstrdup(path),
					.user = 1};
		e.config1 = (uint64_t)(uintptr_t)e.path;
		char label[PATH_MAX + 300];
		snprintf(label, sizeof(label), "%s:%s:%s", ret ? "uretprobe" : "uprobe", path,
			 hits[i].name);
		e.label = xstrdup(label);
		add_event(set, &e);
		free(hits[i].name);
	}
	free(hits);
	return 0;
}

static int resolve_kprobe(const char *sym, int ret, struct probe_set *set, char *err,
			  size_t errlen)
{
	long long type = pmu_type("kprobe", err, errlen);
	if (type < 0)
		return (int)type;
	if (has_glob(sym)) {
		snprintf(err, errlen, "kprobe:%s: globs are not supported for kprobes", sym);
		return -EINVAL;
	}
	int bit = ret ? retprobe_bit("kprobe") : 0;
	struct probe_event e = {.type = (uint32_t)type,
				.config = ret && bit >= 0 ? 1ull << bit : 0,
				.path = xstrdup(sym)};
	e.config1 = (uint64_t)(uintptr_t)e.path;
	char label[300];
	snprintf(label, sizeof(label), "%s:%s", ret ? "kretprobe" : "kprobe", sym);
	e.label = xstrdup(label);
	add_event(set, &e);
	return 0;
}

int probe__is_timer(const char *spec)
{
	static const char *const timers[] = {"cpu-clock", "task-clock", "cycles", "cpu-cycles",
					     "cpu_clock"};
	for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++)
		if (strcmp(spec, timers[i]) == 0)
			return 1;
	return 0;
}

int probe__resolve(const char *spec, struct probe_set *set, char *err, size_t errlen)
{
	char *copy = xstrdup(spec);
	char *colon = strchr(copy, ':');
	int ret = -EINVAL;
	if (!colon) {
		snprintf(err, errlen,
			 "unknown event '%s' (use cpu-clock, tracepoint:CATEGORY:NAME, "
			 "uprobe:BINARY:SYMBOL or uretprobe:BINARY:SYMBOL)",
			 spec);
		goto out;
	}
	*colon = '\0';
	const char *kind = copy;
	char *rest = colon + 1;
	if (strcmp(kind, "tracepoint") == 0 || strcmp(kind, "t") == 0) {
		char *name = strchr(rest, ':');
		if (!name || !*rest || !name[1]) {
			snprintf(err, errlen, "'%s': use tracepoint:CATEGORY:NAME", spec);
			goto out;
		}
		*name++ = '\0';
		ret = resolve_tracepoint(rest, name, set, err, errlen);
	} else if (strcmp(kind, "uprobe") == 0 || strcmp(kind, "uretprobe") == 0 ||
		   strcmp(kind, "u") == 0 || strcmp(kind, "ur") == 0) {
		int is_ret = kind[1] == 'r'; /* uretprobe, ur */
		char *sym = strrchr(rest, ':');
		if (!sym || sym == rest || !sym[1]) {
			snprintf(err, errlen, "'%s': use uprobe:BINARY:SYMBOL", spec);
			goto out;
		}
		*sym++ = '\0';
		size_t blen = strlen(rest);
		if (blen > 4 && strcmp(rest + blen - 4, ":ret") == 0) { /* uprobe:BIN:ret:SYM */
			rest[blen - 4] = '\0';
			is_ret = 1;
		}
		ret = resolve_uprobe(rest, sym, is_ret, spec, set, err, errlen);
	} else if (strcmp(kind, "kprobe") == 0 || strcmp(kind, "kretprobe") == 0) {
		int is_ret = kind[1] == 'r';
		if (strncmp(rest, "ret:", 4) == 0) {
			rest += 4;
			is_ret = 1;
		}
		ret = resolve_kprobe(rest, is_ret, set, err, errlen);
	} else {
		snprintf(err, errlen,
			 "unknown event source '%s' in '%s' (use tracepoint:, uprobe: or uretprobe:)",
			 kind, spec);
	}
out:
	free(copy);
	return ret;
}

void probe__free(struct probe_set *set)
{
	for (int i = 0; i < set->n; i++) {
		free(set->ev[i].path);
		free(set->ev[i].label);
	}
	free(set->ev);
	set->ev = NULL;
	set->n = 0;
}
