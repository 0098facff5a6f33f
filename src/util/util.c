// SPDX-License-Identifier: MIT
/* Checked allocation, message printing, buffers and whole-file I/O shared by every module. */
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char *util__progname = "scorch";

static void out_of_memory(size_t n)
{
	fprintf(stderr, "%s: out of memory allocating %zu bytes\n", util__progname, n);
	exit(1);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		out_of_memory(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
	char buf[4096];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "%s: %s%s\n", util__progname, prefix, buf);
}

void util__error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
}

void util__warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("warning: ", fmt, ap);
	va_end(ap);
}

void util__die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	exit(status);
}

/*
 * From 128 KB up, a buffer is 2 MB-aligned whole huge pages: written output (an SVG of tens of
 * MB) would otherwise fault 4 KB at a time, ~20 us each on the VMs scorch is measured on.
 */
#define STRBUF_HUGE ((size_t)2 << 20)
#define STRBUF_HUGE_FROM ((size_t)128 << 10)

void strbuf__grow(struct strbuf *sb, size_t extra)
{
	size_t want = sb->len + extra;
	if (want <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap < want)
		cap *= 2;
	if (cap < STRBUF_HUGE_FROM) {
		sb->buf = xrealloc(sb->buf, cap);
		sb->cap = cap;
		return;
	}
	cap = (cap + STRBUF_HUGE - 1) & ~(STRBUF_HUGE - 1);
	char *nb = aligned_alloc(STRBUF_HUGE, cap);
	if (!nb)
		out_of_memory(cap);
	madvise(nb, cap, MADV_HUGEPAGE);
	if (sb->buf)
		memcpy(nb, sb->buf, sb->len + 1);
	free(sb->buf);
	sb->buf = nb;
	sb->cap = cap;
}

void strbuf__free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

void strbuf__addf(struct strbuf *sb, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		strbuf__add(sb, tmp, (size_t)n);
		return;
	}
	strbuf__grow(sb, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void strbuf__addu(struct strbuf *sb, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	strbuf__add(sb, tmp + i, sizeof(tmp) - (size_t)i);
}

int util__read_file(const char *path, char **out, size_t *len)
{
	int fd = 0;
	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	struct stat st;
	size_t cap = 1 << 16;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (fd)
			close(fd);
		return -EISDIR;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	char *buf = xmalloc(cap);
	size_t n = 0;
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int err = -errno;
			free(buf);
			if (fd)
				close(fd);
			return err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (fd)
		close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * The temp file being written, removed if a signal ends us meanwhile. One at a time:
 * util__write_file is not reentrant, and scorch writes its outputs one after another.
 */
static char tmp_pending[4096];
static volatile sig_atomic_t tmp_active;

static void tmp_on_signal(int sig)
{
	if (tmp_active)
		unlink(tmp_pending);
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int tmp_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

int util__write_file(const char *path, const void *data, size_t len)
{
	if (strcmp(path, "-") == 0 || strcmp(path, "/dev/stdout") == 0)
		return write_all(1, data, len);
	struct stat st;
	if (stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
		/* /dev/stderr, a terminal or a named pipe the user chose: no rename possible */
		int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return -errno;
		int err = write_all(fd, data, len);
		close(fd);
		return err;
	}

	/* A fresh name in the target's directory (mkstemp: O_EXCL, never a planted
	 * symlink), then an atomic rename over the target. */
	const char *slash = strrchr(path, '/');
	int dlen = slash ? (int)(slash - path + 1) : 0;
	if (snprintf(tmp_pending, sizeof(tmp_pending), "%.*s.%s.XXXXXX", dlen, path,
		     slash ? slash + 1 : path) >= (int)sizeof(tmp_pending))
		return -ENAMETOOLONG;
	struct sigaction sa = {0}, old[sizeof(tmp_signals) / sizeof(tmp_signals[0])];
	sa.sa_handler = tmp_on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(tmp_signals) / sizeof(tmp_signals[0]); i++)
		sigaction(tmp_signals[i], &sa, &old[i]);
	int fd = mkostemp(tmp_pending, O_CLOEXEC);
	int err = fd < 0 ? -errno : 0;
	if (fd >= 0) {
		tmp_active = 1;
		mode_t mask = umask(0);
		umask(mask);
		fchmod(fd, 0666 & ~mask); /* as open(O_CREAT, 0666) would have made it */
		err = write_all(fd, data, len);
		if (close(fd) < 0 && !err)
			err = -errno;
		if (!err && rename(tmp_pending, path) < 0)
			err = -errno;
		if (err)
			unlink(tmp_pending);
		tmp_active = 0;
	}
	for (size_t i = 0; i < sizeof(tmp_signals) / sizeof(tmp_signals[0]); i++)
		sigaction(tmp_signals[i], &old[i], NULL);
	return err;
}

int util__open_regular(const char *path, int flags, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | flags);
	if (fd < 0)
		return -errno;
	struct stat tmp;
	if (!st)
		st = &tmp;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return -EINVAL;
	}
	/* Regular files never block; reads stay plain. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int util__read_regular(const char *path, int flags, size_t max, char **out, size_t *len,
		       struct stat *st)
{
	struct stat tmp;
	if (!st)
		st = &tmp;
	int fd = util__open_regular(path, flags, st);
	if (fd < 0)
		return fd;
	if ((uint64_t)st->st_size > max) {
		close(fd);
		return -EFBIG;
	}
	size_t cap = (size_t)st->st_size + 1, n = 0;
	char *buf = xmalloc(cap);
	/* The file may grow while we read: never past what fstat said (and max). */
	while (n + 1 < cap) {
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = -errno;
			free(buf);
			close(fd);
			return err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int util__has_suffix(const char *path, const char *suffix)
{
	size_t a = strlen(path), b = strlen(suffix);
	return a >= b && strcmp(path + a - b, suffix) == 0;
}

int util__map_file(const char *path, char **out, size_t *len, int *mapped)
{
	*mapped = 0;
	if (strcmp(path, "-") != 0) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > (1 << 20)) {
			void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
				       fd, 0);
			close(fd);
			if (m != MAP_FAILED) {
				madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
				*out = m;
				*len = (size_t)st.st_size;
				*mapped = 1;
				return 0;
			}
		} else {
			close(fd);
		}
	}
	return util__read_file(path, out, len);
}

void util__unmap_file(char *buf, size_t len, int mapped)
{
	if (mapped)
		munmap(buf, len);
	else
		free(buf);
}

int util__mkdirs(const char *path, unsigned mode)
{
	char *tmp = xstrdup(path);
	int rc = 0;
	for (char *s = tmp + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = '\0';
			if (mkdir(tmp, (mode_t)mode) < 0 && errno != EEXIST) {
				rc = -errno;
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(tmp);
	return rc;
}

/* Whether path exists and belongs to this process's effective user. */
static bool owned(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && st.st_uid == geteuid();
}

bool util__cache_dir(char *buf, size_t size)
{
	const char *d = getenv("SCORCH_CACHE_DIR");
	int n = -1;
	if (d) {
		if (*d)
			n = snprintf(buf, size, "%s", d);
	} else if ((d = getenv("XDG_CACHE_HOME")) && *d == '/') {
		n = snprintf(buf, size, "%s/scorch", d);
	} else if ((d = getenv("HOME")) && *d == '/' && owned(d)) {
		/* (not another user's home, as under sudo with HOME kept: root's files there
		 * would be in that user's way) */
		n = snprintf(buf, size, "%s/.cache/scorch", d);
	}
	return n > 0 && (size_t)n < size;
}

bool util__use_threads(void)
{
	const char *e = getenv("SCORCH_THREADS");
	return !(e && atoi(e) == 1);
}
