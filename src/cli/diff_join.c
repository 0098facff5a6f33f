// SPDX-License-Identifier: MIT
/* scorch diff's fast path: two plain folded files joined on their stacks by hashing. */
#define _GNU_SOURCE
#include "diff_join.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../source/read_formats.h"
#include "../util/bigmem.h"
#include "../util/strhash.h"
#include "../util/util.h"

/*
 * Both files are mapped, never copied whole, and read as text in place: the first pass
 * reduces a file to its distinct stacks, in the order they first appear, each a 128-bit
 * hash of its text, where it starts, and its summed count. Stacks are told apart by the hash
 * alone: two different stacks share one with odds of about n^2 / 2^129 (1e-28 for a million
 * stacks), far below the odds of a memory error, and the text is never kept. The output
 * copies each stack's text from its first line: BEFORE's stacks in order, then the ones only
 * AFTER has, in AFTER's order.
 *
 * When stdout is a regular file, BEFORE is read once, speculating that no stack appears on
 * two of its lines (so a line's count is the stack's): AFTER's table is built first, by two
 * threads over its halves, then each line of BEFORE is written as it is read, while a
 * writer thread writes the last chunk. A stack seen twice ends the speculation: the output
 * is cut back to where it started, and BEFORE is read twice as below. Otherwise (a pipe, a
 * named file, --normalize, which needs BEFORE's total first), both tables are built side by
 * side, then BEFORE's text is read again for the output.
 *
 * Any line this path does not read exactly as the profile path would (a fraction, two
 * counts, no count, an overflow) makes it decline, and the caller takes the general path.
 */

struct stack_ent {
	uint64_t h1;    /* the stack's hash; h1 also picks the slot */
	union {
		uint64_t h2;    /* while the tables are built and probed */
		uint64_t other; /* then, in BEFORE's entries: AFTER's count of the stack */
	};
	uint64_t off; /* where its first line starts in the file, and OFF_SEEN */
	uint64_t count;
	uint64_t slen; /* its text's length (trailing ';' dropped) */
};

/* In AFTER's entries: BEFORE has the stack too. */
#define OFF_SEEN ((uint64_t)1 << 63)

struct side {
	const char *path;
	int fd;
	const char *map; /* the file, mapped; size bytes */
	size_t size;
	struct stack_ent *e;
	size_t n, cap;  /* entries used, allocated */
	uint32_t *slot;
	size_t mask;
	size_t expect; /* stacks expected from the file's size and its first lines */
	uint64_t total; /* saturating sum of every line's count (for --normalize) */
	int declined;
};

/* The output's chunks, and the lines hashed a batch ahead of their use (so the slots'
 * cache misses overlap). */
#define CHUNK ((size_t)1 << 20)
enum { BATCH = 16 };

static inline int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* The slots of the first sd->n entries, into an empty table. */
static void table_fill(struct side *sd)
{
	for (size_t i = 0; i < sd->n; i++) {
		size_t j = sd->e[i].h1 & sd->mask;
		while (sd->slot[j])
			j = (j + 1) & sd->mask;
		sd->slot[j] = (uint32_t)(i + 1);
	}
}

static void table_resize(struct side *sd, size_t cap)
{
	bigmem__free(sd->slot, sizeof(*sd->slot) * (sd->mask + 1));
	sd->slot = bigmem__alloc(sizeof(*sd->slot) * cap);
	sd->mask = cap - 1;
	table_fill(sd);
}

/* A table of at least n / 0.7 slots, a power of two. */
static size_t table_size(size_t n)
{
	size_t cap = 4096;
	while (cap * 7 / 10 < n)
		cap *= 2;
	return cap;
}

/* The entry with hash (h1, h2), or NULL. */
static struct stack_ent *table_find(const struct side *sd, uint64_t h1, uint64_t h2)
{
	for (size_t j = h1 & sd->mask;; j = (j + 1) & sd->mask) {
		uint32_t v = sd->slot[j];
		if (!v)
			return NULL;
		struct stack_ent *e = &sd->e[v - 1];
		if (e->h1 == h1 && e->h2 == h2)
			return e;
	}
}

/*
 * Adds a hashed line to its stack's entry; returns 0, or -1 when the sum overflows or the
 * file has more stacks than an index holds.
 */
static int side_add(struct side *sd, const struct stack_ent *l)
{
	size_t j = l->h1 & sd->mask;
	for (;; j = (j + 1) & sd->mask) {
		uint32_t v = sd->slot[j];
		if (!v)
			break;
		struct stack_ent *e = &sd->e[v - 1];
		if (e->h1 == l->h1 && e->h2 == l->h2)
			return __builtin_add_overflow(e->count, l->count, &e->count) ? -1 : 0;
	}
	if (sd->n >= UINT32_MAX - 1 || l->off >= OFF_SEEN)
		return -1;
	if (sd->n == sd->cap) {
		size_t cap = sd->cap * 2;
		sd->e = bigmem__realloc(sd->e, sizeof(*sd->e) * sd->cap, sizeof(*sd->e) * cap);
		sd->cap = cap;
	}
	sd->e[sd->n] = *l;
	sd->slot[j] = (uint32_t)(sd->n + 1);
	sd->n++;
	if (sd->n > (sd->mask + 1) * 7 / 10)
		table_resize(sd, (sd->mask + 1) * 2);
	return 0;
}

/*
 * Splits a line "stack count" (count: 1 to 19 digits after one whitespace byte; trailing
 * ';' dropped from the stack, as the profile path drops empty leaf frames). Returns 0, or -1
 * for a line the general path would read differently.
 */
static int parse_line(const char *p, size_t llen, size_t *slen, uint64_t *count)
{
	if (llen == 0 || llen > UINT32_MAX || !is_digit((unsigned char)p[llen - 1]))
		return -1;
	size_t i = llen - 1;
	while (i > 0 && is_digit((unsigned char)p[i - 1]))
		i--;
	if (i == 0 || llen - i > 19 || !is_space((unsigned char)p[i - 1]))
		return -1; /* no stack, a count too long for this path, or a fraction */
	uint64_t v = 0;
	for (size_t k = i; k < llen; k++)
		v = v * 10 + (uint64_t)(p[k] - '0');
	size_t s = i - 1;
	if (s && (is_digit((unsigned char)p[s - 1]) || p[s - 1] == '.')) {
		/* "stack BEFORE AFTER"? the general path tells two-count input apart */
		size_t k = s;
		while (k > 0 && (is_digit((unsigned char)p[k - 1]) || p[k - 1] == '.'))
			k--;
		if (k > 0 && is_space((unsigned char)p[k - 1]))
			return -1;
	}
	while (s && p[s - 1] == ';')
		s--;
	*slen = s;
	*count = v;
	return 0;
}

/*
 * The lines of map[from, to) (from at a line's start), parsed and hashed a batch at a time,
 * each batch handed to fn; the slot of each line's hash in pf (and in pf2 when given) is
 * fetched as it is hashed. Adds the counts to *total (saturating). Returns 0, -1 for a line
 * the general path would read differently, or what fn returned when not 0.
 */
typedef int (*batch_fn)(void *ctx, const struct stack_ent *b, size_t n);

static int scan_lines(const char *map, size_t from, size_t to, const struct side *pf,
		      const struct side *pf2, uint64_t *total, batch_fn fn, void *ctx)
{
	struct stack_ent batch[BATCH];
	size_t nb = 0;
	const char *p = map + from, *end = map + to;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t llen = nl ? (size_t)(nl - p) : (size_t)(end - p), slen;
		uint64_t v;
		if (parse_line(p, llen, &slen, &v) < 0)
			return -1;
		struct stack_ent *l = &batch[nb++];
		strhash__128(p, slen, &l->h1, &l->h2);
		l->off = (uint64_t)(p - map);
		l->count = v;
		l->slen = slen;
		__builtin_prefetch(&pf->slot[l->h1 & pf->mask]);
		if (pf2)
			__builtin_prefetch(&pf2->slot[l->h1 & pf2->mask], 1);
		if (__builtin_add_overflow(*total, v, total))
			*total = UINT64_MAX;
		p = nl ? nl + 1 : end;
		if (nb == BATCH) {
			int rc = fn(ctx, batch, nb);
			if (rc)
				return rc;
			nb = 0;
		}
	}
	return nb ? fn(ctx, batch, nb) : 0;
}

/* The tables, sized for the expected stacks: every page of a table is touched, and a fresh
 * page costs more than the work done in it. */
static void side_alloc(struct side *sd)
{
	sd->cap = sd->expect + sd->expect / 8 + 1024;
	sd->e = bigmem__alloc(sizeof(*sd->e) * sd->cap);
	sd->mask = 0;
	table_resize(sd, table_size(sd->cap));
}

static void side_free(struct side *sd)
{
	bigmem__free(sd->e, sizeof(*sd->e) * sd->cap);
	bigmem__free(sd->slot, sizeof(*sd->slot) * (sd->mask + 1));
	sd->e = NULL;
	sd->slot = NULL;
	sd->n = sd->cap = sd->mask = 0;
	sd->total = 0;
}

static int add_batch(void *ctx, const struct stack_ent *b, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (side_add(ctx, &b[k]) < 0)
			return -1;
	return 0;
}

/* The first pass over the lines of [from, to): each into the table; returns 0 or -1. */
static int side_read(struct side *sd, size_t from, size_t to)
{
	if (!sd->e)
		side_alloc(sd);
	return scan_lines(sd->map, from, to, sd, NULL, &sd->total, add_batch, sd) < 0 ? -1 : 0;
}

struct read_job {
	struct side *sd;
	size_t from, to;
	int rc;
};

static void *read_thread(void *arg)
{
	struct read_job *j = arg;
	j->rc = side_read(j->sd, j->from, j->to);
	return NULL;
}

/*
 * AFTER's table, built by two threads over the two halves of the file when it is worth it:
 * the second half's stacks are then added to the first's in their order, so the entries
 * keep the order in which stacks first appear. Returns 0 or -1.
 */
static int read_split(struct side *sd, bool threads)
{
	const char *nl = NULL;
	if (threads && sd->size >= ((size_t)8 << 20))
		nl = memchr(sd->map + sd->size / 2, '\n', sd->size - sd->size / 2);
	size_t mid = nl ? (size_t)(nl + 1 - sd->map) : sd->size;
	struct side half = {.map = sd->map, .size = sd->size, .expect = sd->expect / 2 + 1};
	struct read_job j = {&half, mid, sd->size, 0};
	pthread_t t;
	bool joined = mid < sd->size && pthread_create(&t, NULL, read_thread, &j) == 0;
	int rc = side_read(sd, 0, joined ? mid : sd->size);
	if (joined) {
		pthread_join(t, NULL);
		if (!rc)
			rc = j.rc;
		if (!rc && add_batch(sd, half.e, half.n) < 0)
			rc = -1;
		if (__builtin_add_overflow(sd->total, half.total, &sd->total))
			sd->total = UINT64_MAX;
		side_free(&half);
	}
	return rc;
}

/* BEFORE's entries [from, to): AFTER's count of each stack; marks AFTER's matches. */
struct probe_job {
	struct side *before, *after;
	size_t from, to;
};

static void probe_range(struct probe_job *j)
{
	const struct side *a = j->after;
	for (size_t i = j->from; i < j->to; i++) {
		if (i + 16 < j->to)
			__builtin_prefetch(&a->slot[j->before->e[i + 16].h1 & a->mask]);
		struct stack_ent *e = &j->before->e[i];
		struct stack_ent *o = table_find(a, e->h1, e->h2);
		e->other = 0;
		if (o) {
			e->other = o->count;
			o->off |= OFF_SEEN; /* threads probe distinct stacks: distinct entries */
		}
	}
}

static void *probe_thread(void *arg)
{
	probe_range(arg);
	return NULL;
}

/*
 * Output: streamed to stdout in chunks by a writer thread while the next chunk is filled
 * (two buffers), or gathered whole for util__write_file's atomic rename of a named file.
 */
struct out {
	bool stream, threaded;
	char *buf, *spare; /* the buffer being filled; the other one (maybe being written) */
	size_t len, cap, spare_cap;
	int err; /* the main thread's copy of the writer's error */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const char *wbuf; /* handed to the writer; NULL once written */
	size_t wlen;
	bool done;
	int werr;
};

static void *out_writer(void *arg)
{
	struct out *o = arg;
	pthread_mutex_lock(&o->mu);
	for (;;) {
		while (!o->wbuf && !o->done)
			pthread_cond_wait(&o->cv, &o->mu);
		if (!o->wbuf)
			break;
		const char *b = o->wbuf;
		size_t n = o->wlen;
		pthread_mutex_unlock(&o->mu);
		int err = o->werr ? 0 : util__write_file("-", b, n);
		pthread_mutex_lock(&o->mu);
		if (err)
			o->werr = err;
		o->wbuf = NULL;
		pthread_cond_broadcast(&o->cv);
	}
	pthread_mutex_unlock(&o->mu);
	return NULL;
}

static bool is_stdout(const char *path)
{
	return !strcmp(path, "-") || !strcmp(path, "/dev/stdout");
}

static void out_init(struct out *o, const char *path, bool threads)
{
	memset(o, 0, sizeof(*o));
	o->stream = is_stdout(path);
	o->cap = o->spare_cap = CHUNK;
	o->buf = bigmem__alloc(o->cap);
	if (!o->stream)
		return;
	o->spare = bigmem__alloc(o->spare_cap);
	pthread_mutex_init(&o->mu, NULL);
	pthread_cond_init(&o->cv, NULL);
	o->threaded = threads && pthread_create(&o->th, NULL, out_writer, o) == 0;
}

/* Hands the filled buffer to the writer (stream mode) and goes on in the other one. */
static void out_flush(struct out *o)
{
	if (!o->threaded) {
		if (o->len && !o->err)
			o->err = util__write_file("-", o->buf, o->len);
		o->len = 0;
		return;
	}
	pthread_mutex_lock(&o->mu);
	while (o->wbuf)
		pthread_cond_wait(&o->cv, &o->mu);
	o->err = o->werr;
	if (o->len && !o->err) {
		o->wbuf = o->buf;
		o->wlen = o->len;
		pthread_cond_broadcast(&o->cv);
		char *b = o->buf;
		size_t c = o->cap;
		o->buf = o->spare;
		o->cap = o->spare_cap;
		o->spare = b;
		o->spare_cap = c;
	}
	pthread_mutex_unlock(&o->mu);
	o->len = 0;
}

/* Writes what is left (to path unless streamed); returns 0 or -errno. Frees the buffers. */
static int out_finish(struct out *o, const char *path, bool write)
{
	if (!o->stream) {
		if (write)
			o->err = util__write_file(path, o->buf, o->len);
	} else {
		if (write)
			out_flush(o);
		if (o->threaded) {
			pthread_mutex_lock(&o->mu);
			while (o->wbuf)
				pthread_cond_wait(&o->cv, &o->mu);
			o->done = true;
			pthread_cond_broadcast(&o->cv);
			if (!o->err)
				o->err = o->werr;
			pthread_mutex_unlock(&o->mu);
			pthread_join(o->th, NULL);
		}
		pthread_mutex_destroy(&o->mu);
		pthread_cond_destroy(&o->cv);
	}
	bigmem__free(o->buf, o->cap);
	bigmem__free(o->spare, o->spare_cap);
	return o->err;
}

static char *out_room(struct out *o, size_t n)
{
	if (o->len + n > o->cap) {
		if (o->stream)
			out_flush(o);
		if (o->len + n > o->cap) {
			size_t cap = (o->len + n) * 2;
			o->buf = bigmem__realloc(o->buf, o->cap, cap);
			o->cap = cap;
		}
	}
	return o->buf + o->len;
}

static inline char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static void out_line(struct out *o, const char *s, size_t len, uint64_t b, uint64_t a)
{
	char *p = out_room(o, len + 43);
	memcpy(p, s, len);
	p += len;
	*p++ = ' ';
	p = put_u64(p, b);
	*p++ = ' ';
	p = put_u64(p, a);
	*p++ = '\n';
	o->len = (size_t)(p - o->buf);
}

/*
 * The second pass over one file: the text of each entry's first line, with its counts.
 * before selects which counts (BEFORE's scaled by t2 / t1 when scale); AFTER's entries that
 * BEFORE had are skipped.
 */
static void side_write(const struct side *sd, bool before, bool scale, uint64_t t1,
		       uint64_t t2, struct out *o)
{
	for (size_t i = 0; i < sd->n && !o->err; i++) {
		const struct stack_ent *e = &sd->e[i];
		uint64_t b = e->count, a = e->other;
		if (!before) {
			if (e->off & OFF_SEEN)
				continue;
			b = 0;
			a = e->count;
		} else if (scale && b) { /* difffolded.pl: int(count * total2 / total1) */
			b = (uint64_t)((double)b * (double)t2 / (double)t1);
		}
		if (b || a)
			out_line(o, sd->map + (e->off & ~OFF_SEEN), e->slen, b, a);
	}
}

/*
 * The speculative single pass over BEFORE (see the top of the file). BEFORE keeps no table
 * of its own: AFTER's serves as the set of stacks seen. A stack of both is marked there when
 * BEFORE's line is written, and a stack only BEFORE has is added to it, marked and with no
 * count (so AFTER's own output skips it); a line whose stack is marked already ends the
 * speculation.
 */
struct stream {
	struct side *after;
	const char *map; /* BEFORE's text */
	size_t lines;
	struct out *o;
};

static int stream_batch(void *ctx, const struct stack_ent *b, size_t n)
{
	struct stream *st = ctx;
	struct side *a = st->after;
	for (size_t k = 0; k < n; k++) {
		struct stack_ent *o = table_find(a, b[k].h1, b[k].h2);
		uint64_t ac = 0;
		if (o) {
			if (o->off & OFF_SEEN)
				return 1; /* seen on an earlier line: its count there was not the sum */
			ac = o->count;
			o->off |= OFF_SEEN;
		} else {
			struct stack_ent e = b[k];
			e.count = 0;
			if (side_add(a, &e) < 0)
				return -1;
			a->e[a->n - 1].off |= OFF_SEEN;
		}
		st->lines++;
		if (b[k].count || ac)
			out_line(st->o, st->map + b[k].off, b[k].slen, b[k].count, ac);
	}
	return 0;
}

/*
 * Stdout's offset when it is a regular file the output can be cut back to, or -1: then the
 * speculation is not tried.
 */
static off_t stdout_start(void)
{
	struct stat st;
	if (fstat(1, &st) < 0 || !S_ISREG(st.st_mode))
		return -1;
	int fl = fcntl(1, F_GETFL);
	if (fl < 0)
		return -1;
	return (fl & O_APPEND) ? st.st_size : lseek(1, 0, SEEK_CUR);
}

/* Maps the file; declines (the general path then says what is wrong) unless it is a
 * regular file that starts like folded text. */
static void side_open(struct side *sd)
{
	struct stat st;
	sd->fd = open(sd->path, O_RDONLY | O_CLOEXEC);
	if (sd->fd < 0 || fstat(sd->fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		sd->declined = 1;
		return;
	}
	/* the first 64 KB: the format, and how long lines are */
	size_t hlen = 65536;
	char *head = xmalloc(hlen);
	ssize_t got = pread(sd->fd, head, hlen, 0);
	if (got <= 0 || format__sniff(head, (size_t)got) != FORMAT_FOLDED) {
		sd->declined = 1;
	} else {
		size_t lines = 1;
		for (const char *p = head; (p = memchr(p, '\n', (size_t)(head + got - p))); p++)
			lines++;
		sd->expect = (size_t)((double)st.st_size * (double)lines / (double)got) + 1;
	}
	free(head);
	if (sd->declined)
		return;
	/* every page mapped up front: one call costs less than a fault every 16 pages */
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, sd->fd, 0);
	if (m == MAP_FAILED) {
		sd->declined = 1;
		return;
	}
	sd->map = m;
	sd->size = (size_t)st.st_size;
}

/* 0, or -1 when the file is shorter than when it was mapped (its pages would fault). */
static int side_check(const struct side *sd)
{
	struct stat st;
	return fstat(sd->fd, &st) == 0 && (size_t)st.st_size >= sd->size ? 0 : -1;
}

static void side_close(struct side *sd)
{
	side_free(sd);
	if (sd->map)
		munmap((void *)sd->map, sd->size);
	if (sd->fd >= 0)
		close(sd->fd);
}

/*
 * The single pass over BEFORE into stdout, from start. Returns 0 (written, or a write error
 * in o->err), 1 when a stack was seen twice (the output is cut back and AFTER's table is as
 * it was: the caller reads BEFORE twice instead), or -1 (declined; the output is cut back).
 */
static int run_stream(struct side *sd, off_t start, bool threads, struct out *o)
{
	out_init(o, "-", threads);
	size_t n_after = sd[1].n;
	struct stream st = {.after = &sd[1], .map = sd[0].map, .o = o};
	int rc = scan_lines(sd[0].map, 0, sd[0].size, &sd[1], NULL, &sd[0].total, stream_batch,
			    &st);
	if (!rc && st.lines)
		return 0;
	out_finish(o, "-", false);
	if (ftruncate(1, start) < 0 || lseek(1, start, SEEK_SET) < 0)
		util__die(1, "cannot cut back the output: %s", strerror(errno));
	if (rc <= 0)
		return -1;
	/* BEFORE's stacks out of AFTER's table, and AFTER's marks cleared */
	sd[1].n = n_after;
	for (size_t i = 0; i < n_after; i++)
		sd[1].e[i].off &= ~OFF_SEEN;
	memset(sd[1].slot, 0, sizeof(*sd[1].slot) * (sd[1].mask + 1));
	table_fill(&sd[1]);
	sd[0].total = 0;
	return 1;
}

int diff_join__run(const char *before_path, const char *after_path, bool normalize,
		   const char *out_path)
{
	struct side sd[2] = {{.path = before_path, .fd = -1}, {.path = after_path, .fd = -1}};
	int status = -1;
	side_open(&sd[0]);
	if (!sd[0].declined)
		side_open(&sd[1]);
	if (sd[0].declined || sd[1].declined)
		goto out;
	bool threads = util__use_threads();
	off_t start = !normalize && is_stdout(out_path) ? stdout_start() : -1;
	struct out o;
	bool streamed = false;
	if (start >= 0) {
		if (read_split(&sd[1], threads) < 0 || !sd[1].n)
			goto out;
		int rc = run_stream(sd, start, threads, &o);
		if (rc < 0)
			goto out;
		streamed = rc == 0;
		if (!streamed && side_read(&sd[0], 0, sd[0].size) < 0)
			goto out;
	} else {
		struct read_job j = {&sd[1], 0, sd[1].size, 0};
		pthread_t t;
		bool joined = threads && pthread_create(&t, NULL, read_thread, &j) == 0;
		int rc = side_read(&sd[0], 0, sd[0].size);
		if (joined)
			pthread_join(t, NULL);
		else
			j.rc = side_read(&sd[1], 0, sd[1].size);
		if (rc < 0 || j.rc < 0)
			goto out;
	}
	if (!streamed && (!sd[0].n || !sd[1].n))
		goto out;
	if (!streamed) {
		struct probe_job half[2] = {{&sd[0], &sd[1], 0, sd[0].n / 2},
					    {&sd[0], &sd[1], sd[0].n / 2, sd[0].n}};
		pthread_t t;
		bool joined = threads && sd[0].n >= 20000 &&
			      pthread_create(&t, NULL, probe_thread, &half[1]) == 0;
		if (!joined)
			half[0].to = sd[0].n;
		probe_range(&half[0]);
		if (joined)
			pthread_join(t, NULL);
	}

	int k = 0;
	if (side_check(&sd[k]) < 0 || side_check(&sd[++k]) < 0) {
		if (streamed)
			out_finish(&o, out_path, false);
		util__error("cannot read '%s' again: it is shorter now", sd[k].path);
		status = 2;
		goto out;
	}
	if (!streamed) {
		uint64_t t1 = sd[0].total, t2 = sd[1].total;
		out_init(&o, out_path, threads);
		side_write(&sd[0], true, normalize && t1 != t2 && t1, t1, t2, &o);
	}
	side_write(&sd[1], false, false, 0, 0, &o);
	int werr = out_finish(&o, out_path, true);
	if (werr < 0)
		util__error("cannot write '%s': %s", out_path, strerror(-werr));
	status = werr < 0 ? 1 : 0;
out:
	side_close(&sd[0]);
	side_close(&sd[1]);
	return status;
}
