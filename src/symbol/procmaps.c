// SPDX-License-Identifier: MIT
/* Per-process mapping lists: /proc/PID/maps capture, mmap records, fork copies. */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

struct pidmaps *pidmaps__new(uint32_t pid)
{
	struct pidmaps *pm = xcalloc(1, sizeof(*pm));
	pm->pid = pid;
	char path[32];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%u", pid);
	pm->uid = pid && stat(path, &st) == 0 ? (uint32_t)st.st_uid : UINT32_MAX;
	return pm;
}

void pidmaps__free(struct pidmaps *pm)
{
	if (!pm)
		return;
	jitmap__free(pm->jit);
	free(pm->v);
	free(pm);
}

static void push(struct pidmaps *pm, const struct mapping *m)
{
	if (pm->n == pm->cap) {
		pm->cap = pm->cap ? pm->cap * 2 : 32;
		pm->v = xrealloc(pm->v, pm->cap * sizeof(*pm->v));
	}
	pm->v[pm->n++] = *m;
}

void pidmaps__insert(struct pidmaps *pm, const struct mapping *m)
{
	if (m->end <= m->start)
		return;
	if (pm->n == 0 || pm->v[pm->n - 1].end <= m->start) {
		push(pm, m);
		return;
	}
	/* Rebuild: trim what the new mapping overlaps, then insert it in address order. */
	struct mapping *old = pm->v;
	size_t n = pm->n;
	pm->v = NULL;
	pm->n = pm->cap = 0;
	bool placed = false;
	for (size_t i = 0; i < n; i++) {
		struct mapping e = old[i];
		if (!placed && e.start >= m->start) {
			push(pm, m);
			placed = true;
		}
		if (e.end <= m->start || e.start >= m->end) {
			if (!placed && e.start >= m->end) {
				push(pm, m);
				placed = true;
			}
			push(pm, &e);
			continue;
		}
		if (e.start < m->start) {
			struct mapping left = e;
			left.end = m->start;
			push(pm, &left);
		}
		if (!placed) {
			push(pm, m);
			placed = true;
		}
		if (e.end > m->end) {
			struct mapping right = e;
			right.pgoff += m->end - e.start;
			right.start = m->end;
			push(pm, &right);
		}
	}
	if (!placed)
		push(pm, m);
	free(old);
}

struct mapping *pidmaps__find_mut(struct pidmaps *pm, uint64_t addr)
{
	struct mapping *m = util__bsearch_le(&addr, pm->v, pm->n, sizeof(*pm->v), util__cmp_u64_key);
	return m && addr < m->end ? m : NULL;
}

const struct mapping *pidmaps__find(const struct pidmaps *pm, uint64_t addr)
{
	return pidmaps__find_mut((struct pidmaps *)pm, addr);
}

struct pidmaps *pidmaps__copy(const struct pidmaps *pm, uint32_t pid)
{
	struct pidmaps *c = pidmaps__new(pid);
	c->cap = c->n = pm->n;
	c->v = xmalloc((pm->n ? pm->n : 1) * sizeof(*c->v));
	if (pm->n)
		memcpy(c->v, pm->v, pm->n * sizeof(*c->v));
	return c;
}

enum map_kind procmaps__kind(const char *path, bool exec)
{
	if (!path || !*path || strncmp(path, "//anon", 6) == 0 ||
	    strncmp(path, "/dev/zero", 9) == 0 || strncmp(path, "/anon_hugepage", 14) == 0 ||
	    strncmp(path, "[anon:", 6) == 0)
		return exec ? MAP_ANON_EXEC : MAP_OTHER;
	if (strcmp(path, "[vdso]") == 0)
		return MAP_VDSO;
	if (path[0] == '[')
		return MAP_OTHER; /* [heap], [stack], [vvar], [vsyscall] */
	return MAP_FILE;
}

int procmaps__read(const char *maps_path, struct pidmaps *pm, struct symmap *strings)
{
	FILE *f = fopen(maps_path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		uint64_t start, end, pgoff, ino;
		char perms[8];
		unsigned int maj, min;
		int pos = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n", &start,
			   &end, perms, &pgoff, &maj, &min, &ino, &pos) < 7)
			continue;
		char *path = line + pos;
		path[strcspn(path, "\n")] = '\0';
		bool exec = strchr(perms, 'x') != NULL;
		enum map_kind kind = procmaps__kind(path, exec);
		if (kind == MAP_OTHER)
			continue;
		struct mapping m = { .start = start,
				     .end = end,
				     .pgoff = pgoff,
				     .path = symmap__intern(strings, path),
				     .kind = kind,
				     .exec = exec };
		pidmaps__insert(pm, &m);
	}
	free(line);
	fclose(f);
	return 0;
}
