/* SPDX-License-Identifier: MIT */
/* Small shared helpers: checked allocation, hashing, sorted search, byte buffers, errors. */
#ifndef SCORCH_UTIL_H
#define SCORCH_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Allocation that cannot fail: on exhaustion scorch prints one line and exits 1. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Program name used as the prefix of every user-facing message. */
extern const char *util__progname;

/* "scorch: <message>\n" on stderr. */
void util__error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void util__warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the message like util__error and exits with status. */
void util__die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* 64-bit hash of a byte string; fast for short strings, good enough spread for tables. */
static inline uint64_t util__hash(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (len * 0xff51afd7ed558ccdull);
	while (len >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 29;
		p += 8;
		len -= 8;
	}
	uint64_t v = 0;
	memcpy(&v, p, len);
	h = (h ^ v) * 0x94d049bb133111ebull;
	h ^= h >> 32;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 29;
	return h;
}

static inline uint64_t util__hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/*
 * Binary search for the LAST element of base[0..n) (sorted ascending, each size bytes) that
 * is <= key by cmp, bsearch(3)'s comparator: cmp(key, elem) < 0 when key sorts before elem.
 * Returns that element, or NULL when n is 0 or every element is greater than key. Among
 * equal elements it returns the last one. Inline so that constant comparators inline too.
 */
static inline void *util__bsearch_le(const void *key, const void *base, size_t n, size_t size,
				     int (*cmp)(const void *key, const void *elem))
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp(key, (const char *)base + mid * size) >= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? (char *)base + (lo - 1) * size : NULL;
}

/* A util__bsearch_le comparator for elements that begin with their uint64_t sort key. */
static inline int util__cmp_u64_key(const void *key, const void *elem)
{
	uint64_t k, e;
	memcpy(&k, key, sizeof(k));
	memcpy(&e, elem, sizeof(e));
	return k < e ? -1 : k > e;
}

/* mkdir -p: creates path and its missing parents with mode. Returns 0 or -errno. */
int util__mkdirs(const char *path, unsigned mode);
/*
 * The directory of scorch's caches, in buf: $SCORCH_CACHE_DIR, else $XDG_CACHE_HOME/scorch,
 * else $HOME/.cache/scorch when $HOME is this user's. False when there is none
 * (SCORCH_CACHE_DIR set empty: caches off).
 */
bool util__cache_dir(char *buf, size_t size);

/* False when SCORCH_THREADS=1 asks scorch to stay on one thread (comparisons, debugging). */
bool util__use_threads(void);

/* A growable byte buffer; the caller owns buf and frees it with strbuf__free. */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};

void strbuf__grow(struct strbuf *sb, size_t extra);
void strbuf__free(struct strbuf *sb);

static inline void strbuf__add(struct strbuf *sb, const void *data, size_t n)
{
	if (unlikely(sb->len + n + 1 > sb->cap))
		strbuf__grow(sb, n + 1);
	memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

static inline void strbuf__addc(struct strbuf *sb, char c)
{
	if (unlikely(sb->len + 2 > sb->cap))
		strbuf__grow(sb, 2);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

static inline void strbuf__adds(struct strbuf *sb, const char *s)
{
	strbuf__add(sb, s, strlen(s));
}

void strbuf__addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends the decimal form of v. */
void strbuf__addu(struct strbuf *sb, uint64_t v);

/*
 * Reads a whole file ("-" is stdin) into *out (NUL-terminated, caller frees).
 * Returns 0 or a negative errno.
 */
int util__read_file(const char *path, char **out, size_t *len);

/*
 * Opens path read-only only when it is a regular file: never blocks on a FIFO, never reads
 * a device. flags may add O_NOFOLLOW (the last component must not be a symlink). Returns the
 * fd (fstat in *st when st is not NULL), or -errno: -EINVAL when it is not a regular file.
 */
int util__open_regular(const char *path, int flags, struct stat *st);
/*
 * Reads a regular file opened as util__open_regular does, refusing one larger than max bytes
 * (-EFBIG). *out is NUL-terminated, caller frees. Returns 0 or -errno.
 */
int util__read_regular(const char *path, int flags, size_t max, char **out, size_t *len,
		       struct stat *st);

/*
 * Like util__read_file, but maps regular files instead of copying them (big inputs are read
 * once, sequentially). Release with util__unmap_file(buf, len, mapped).
 */
int util__map_file(const char *path, char **out, size_t *len, int *mapped);
void util__unmap_file(char *buf, size_t len, int mapped);

/*
 * Writes data to path atomically (temp file in the same directory + rename); "-" is stdout.
 * Returns 0 or a negative errno.
 */
int util__write_file(const char *path, const void *data, size_t len);

/* True when path ends with suffix. */
int util__has_suffix(const char *path, const char *suffix);

#endif
