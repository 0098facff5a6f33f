// SPDX-License-Identifier: MIT
/* Compiled CFI tables on disk: a header naming the ELF file's identity, its segments, its rows. */
#define _GNU_SOURCE
#include "cfi_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/util.h"

/* The directory's bound: past either, the oldest entries go (a host that keeps building new
 * binaries would otherwise fill it, one entry per inode ever profiled). */
#define CFI_CACHE_MAX_FILES 256
#define CFI_CACHE_MAX_BYTES ((uint64_t)64 << 20)

/* Bumped whenever the rows' meaning or layout changes: older files are then rebuilt. */
#define CFI_CACHE_MAGIC "scorch-cfi-v1\n"

struct cache_header {
	char magic[16];
	/* the ELF file: a rewrite changes its size or times, a reused inode its times */
	uint64_t dev, ino, size;
	int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
	uint64_t nrows, nloads, nfdes, unsupported, nodata;
	uint32_t row_size, load_size;
};

static void header_of(const struct stat *st, struct cache_header *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, CFI_CACHE_MAGIC, sizeof(CFI_CACHE_MAGIC) - 1);
	h->dev = (uint64_t)st->st_dev;
	h->ino = (uint64_t)st->st_ino;
	h->size = (uint64_t)st->st_size;
	h->mtime_s = (int64_t)st->st_mtim.tv_sec;
	h->mtime_ns = (int64_t)st->st_mtim.tv_nsec;
	h->ctime_s = (int64_t)st->st_ctim.tv_sec;
	h->ctime_ns = (int64_t)st->st_ctim.tv_nsec;
	h->row_size = sizeof(struct unwind_row);
	h->load_size = sizeof(struct cfi_load);
}

static bool same_file(const struct cache_header *a, const struct cache_header *b)
{
	return !memcmp(a->magic, b->magic, sizeof(a->magic)) && a->dev == b->dev &&
	       a->ino == b->ino && a->size == b->size && a->mtime_s == b->mtime_s &&
	       a->mtime_ns == b->mtime_ns && a->ctime_s == b->ctime_s &&
	       a->ctime_ns == b->ctime_ns && a->row_size == b->row_size &&
	       a->load_size == b->load_size;
}

/* The table stored in path for the file described by want, or NULL. */
static struct cfi_table *load(const char *path, const struct cache_header *want)
{
	char *buf;
	size_t len;
	struct stat st;
	if (util__read_regular(path, O_NOFOLLOW, (size_t)1 << 34, &buf, &len, &st) < 0)
		return NULL;
	struct cfi_table *t = NULL;
	struct cache_header h;
	/* only our own file, which nobody else could have written */
	if (st.st_uid != geteuid() || (st.st_mode & 022) || len < sizeof(h))
		goto out;
	memcpy(&h, buf, sizeof(h));
	if (!same_file(&h, want) || h.nloads > 64 || h.nrows > (uint64_t)1 << 32 ||
	    len != sizeof(h) + h.nloads * sizeof(struct cfi_load) +
		       h.nrows * sizeof(struct unwind_row))
		goto out;
	t = xcalloc(1, sizeof(*t));
	t->nloads = (int)h.nloads;
	t->loads = xcalloc(h.nloads ? h.nloads : 1, sizeof(*t->loads));
	memcpy(t->loads, buf + sizeof(h), h.nloads * sizeof(*t->loads));
	t->nrows = h.nrows;
	t->rows = xmalloc(h.nrows ? h.nrows * sizeof(*t->rows) : 1);
	memcpy(t->rows, buf + sizeof(h) + h.nloads * sizeof(*t->loads), h.nrows * sizeof(*t->rows));
	t->nfdes = h.nfdes;
	t->unsupported = h.unsupported;
	t->nodata = h.nodata;
out:
	free(buf);
	return t;
}

struct dir_entry {
	char name[256];
	int64_t mtime;
	uint64_t bytes;
};

static int by_age(const void *a, const void *b)
{
	const struct dir_entry *x = a, *y = b;
	return (x->mtime > y->mtime) - (x->mtime < y->mtime);
}

/* Removes the oldest entries of dir (by modification time) until it is within its bound. */
static void prune(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dir_entry *v = NULL;
	size_t n = 0, cap = 0;
	uint64_t bytes = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat st;
		if (strncmp(de->d_name, "cfi-", 4) != 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, sizeof(*v) * cap);
		}
		snprintf(v[n].name, sizeof(v[n].name), "%s", de->d_name);
		v[n].mtime = (int64_t)st.st_mtim.tv_sec;
		v[n].bytes = (uint64_t)st.st_size;
		bytes += v[n].bytes;
		n++;
	}
	if (n > CFI_CACHE_MAX_FILES || bytes > CFI_CACHE_MAX_BYTES) {
		qsort(v, n, sizeof(*v), by_age);
		for (size_t i = 0; i < n && (n - i > CFI_CACHE_MAX_FILES || bytes > CFI_CACHE_MAX_BYTES);
		     i++) {
			unlinkat(dirfd(d), v[i].name, 0);
			bytes -= v[i].bytes;
		}
	}
	closedir(d);
	free(v);
}

static void store(const char *dir, const char *path, struct cache_header *h,
		  const struct cfi_table *t)
{
	if (util__mkdirs(dir, 0700) < 0)
		return;
	h->nrows = t->nrows;
	h->nloads = (uint64_t)t->nloads;
	h->nfdes = t->nfdes;
	h->unsupported = t->unsupported;
	h->nodata = t->nodata;
	size_t len = sizeof(*h) + (size_t)t->nloads * sizeof(*t->loads) +
		     t->nrows * sizeof(*t->rows);
	char *buf = xmalloc(len), *p = buf;
	memcpy(p, h, sizeof(*h));
	p += sizeof(*h);
	memcpy(p, t->loads, (size_t)t->nloads * sizeof(*t->loads));
	p += (size_t)t->nloads * sizeof(*t->loads);
	memcpy(p, t->rows, t->nrows * sizeof(*t->rows));
	/* a temporary name, then a rename: a reader never sees half a table (no signal handler
	 * as in util__write_file: this runs on the side-band thread of a recording) */
	char tmp[4300];
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd >= 0) {
		bool ok = true;
		for (size_t done = 0; ok && done < len;) {
			ssize_t w = write(fd, buf + done, len - done);
			if (w < 0 && errno == EINTR)
				continue;
			ok = w > 0;
			done += ok ? (size_t)w : 0;
		}
		ok = close(fd) == 0 && ok;
		if (!ok || rename(tmp, path) < 0)
			unlink(tmp);
	}
	free(buf);
	prune(dir);
}

int cfi_cache__build(int fd, const char *dir, struct cfi_table **out, bool *cached, char *err,
		     size_t errlen)
{
	*cached = false;
	struct stat st;
	if (!dir || !*dir || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return cfi_table__build(fd, out, err, errlen);
	struct cache_header h;
	header_of(&st, &h);
	char sub[4096], path[4200];
	snprintf(sub, sizeof(sub), "%s/cfi", dir);
	snprintf(path, sizeof(path), "%s/cfi-%llx-%llu", sub, (unsigned long long)h.dev,
		 (unsigned long long)h.ino);
	if ((*out = load(path, &h))) {
		*cached = true;
		return 0;
	}
	int ret = cfi_table__build(fd, out, err, errlen);
	if (ret == 0)
		store(sub, path, &h, *out);
	return ret;
}
