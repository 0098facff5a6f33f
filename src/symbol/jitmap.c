// SPDX-License-Identifier: MIT
/* JIT symbol maps written by runtimes to /tmp/perf-PID.map ("START SIZE name" in hex). */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/util.h"

struct jitmap {
	struct jit_sym *syms;
	size_t n;
	char *text; /* names point into it */
	struct stat st;
};

static int cmp_jit(const void *pa, const void *pb)
{
	const struct jit_sym *a = pa, *b = pb;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	/* Same start: the later line (a re-JIT) wins; keep file order for the dedup below. */
	return a->name < b->name ? -1 : a->name > b->name;
}

int jitmap__load(const char *path, uint32_t uid, struct jitmap **out)
{
	struct stat st;
	char *text;
	size_t len;
	/* Anyone can create /tmp/perf-PID.map: no symlink, FIFO or device, a size cap, and the
	 * owner must be the process's user, root, or us (perf's rule). */
	int err = util__read_regular(path, O_NOFOLLOW, JITMAP_MAX_BYTES, &text, &len, &st);
	if (err)
		return err;
	if (st.st_uid != 0 && st.st_uid != geteuid() && st.st_uid != uid) {
		free(text);
		return -EPERM;
	}
	struct jitmap *j = xcalloc(1, sizeof(*j));
	j->text = text;
	j->st = st;
	size_t cap = 0;
	char *line = text;
	while (line && *line) {
		char *eol = strchr(line, '\n');
		if (eol)
			*eol = '\0';
		char *p = line, *e;
		uint64_t start = strtoull(p, &e, 16);
		if (e != p && *e == ' ') {
			p = e + 1;
			uint64_t size = strtoull(p, &e, 16);
			if (e != p && *e == ' ' && e[1] && size) {
				char *name = e + 1;
				size_t nl = strlen(name);
				if (nl && name[nl - 1] == '\r')
					name[nl - 1] = '\0';
				if (j->n == cap) {
					cap = cap ? cap * 2 : 64;
					j->syms = xrealloc(j->syms, cap * sizeof(*j->syms));
				}
				j->syms[j->n++] = (struct jit_sym){ start, start + size, name };
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	if (j->n) /* no symbol line at all: syms is NULL, which qsort must not get */
		qsort(j->syms, j->n, sizeof(*j->syms), cmp_jit);
	size_t o = 0;
	for (size_t i = 0; i < j->n; i++) {
		if (o && j->syms[o - 1].start == j->syms[i].start)
			o--;
		j->syms[o++] = j->syms[i];
	}
	j->n = o;
	*out = j;
	return 0;
}

void jitmap__free(struct jitmap *j)
{
	if (!j)
		return;
	free(j->syms);
	free(j->text);
	free(j);
}

const struct jit_sym *jitmap__find(const struct jitmap *j, uint64_t addr)
{
	const struct jit_sym *last =
		util__bsearch_le(&addr, j->syms, j->n, sizeof(*j->syms), util__cmp_u64_key);
	size_t lo = last ? (size_t)(last - j->syms) + 1 : 0;
	/* Entries may nest (stubs inside code blobs): take the nearest one that covers addr. */
	for (size_t i = lo; i-- > 0 && lo - i <= 8;) {
		if (addr < j->syms[i].end)
			return &j->syms[i];
	}
	return NULL;
}

bool jitmap__stale(const struct jitmap *j, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return false;
	return st.st_size != j->st.st_size || st.st_mtim.tv_sec != j->st.st_mtim.tv_sec ||
	       st.st_mtim.tv_nsec != j->st.st_mtim.tv_nsec || st.st_ino != j->st.st_ino;
}
