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
#include <sys/stat.h>
#include <unistd.h>

#include "../source/read_formats.h"
#include "../util/bigmem.h"
#include "../util/strhash.h"
#include "../util/util.h"

/*
 * Each file is read twice, as a stream through one small buffer: never mapped, never held
 * whole (page faults, not parsing, dominate on the machines this is measured on).
 *
 * The first pass reduces a file to its distinct stacks, in the order they first appear,
 * each a 128-bit hash of its text, where it starts, and its summed count. Stacks are told
 * apart by the hash alone: two different stacks share one with odds of about n^2 / 2^129
 * (1e-28 for a million stacks), far below the odds of a memory error, and the text is never
 * kept. BEFORE's stacks are then looked up in AFTER's table, and the second pass copies each
 * stack's text from its first line into the output: BEFORE's stacks in order, then the ones
 * only AFTER has, in AFTER's order.
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
	struct stack_ent *e;
	size_t n, cap;  /* entries used, allocated */
	uint32_t *slot;
	size_t mask;
	size_t expect; /* stacks expected from the file's size and its first lines */
	uint64_t total; /* saturating sum of every line's count (for --normalize) */
	char *iobuf;    /* a reader's buffer, kept for the next pass */
	size_t iocap;
	int declined;
};

/*
 * Input read in chunks through one buffer: line by line (the first pass), or byte ranges at
 * increasing offsets (the second). A line longer than the buffer grows it.
 */
#define CHUNK ((size_t)1 << 20)
struct reader {
	int fd;
	char *buf;
	size_t cap;
	size_t len;    /* bytes in buf */
	size_t pos;    /* first unread byte in buf */
	uint64_t base; /* file offset of buf[0] */
	int eof, err;
};

/* buf: a bigmem buffer of cap bytes to use (fresh memory costs: the passes pass theirs on),
 * or NULL for a new one. */
static void reader_init(struct reader *r, int fd, char *buf, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->cap = buf ? cap : CHUNK;
	r->buf = buf ? buf : bigmem__alloc(r->cap);
}

/* Keeps buf[pos..len), reads behind it; returns 0, or -1 at the end or after an error. */
static int reader_fill(struct reader *r)
{
	size_t avail = r->len - r->pos;
	memmove(r->buf, r->buf + r->pos, avail);
	r->base += r->pos;
	r->pos = 0;
	r->len = avail;
	if (r->len == r->cap) {
		r->buf = bigmem__realloc(r->buf, r->cap, r->cap * 2);
		r->cap *= 2;
	}
	for (;;) {
		ssize_t got = pread(r->fd, r->buf + r->len, r->cap - r->len, (off_t)(r->base + r->len));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			r->err = got < 0 ? -errno : 0;
			r->eof = 1;
			return -1;
		}
		r->len += (size_t)got;
		return 0;
	}
}

/*
 * The next line: *line and *len (without '\n'), *off its file offset. Returns 1, or 0 at the
 * end of the file (r->err set after a read error).
 */
static int reader_line(struct reader *r, const char **line, size_t *len, uint64_t *off)
{
	for (;;) {
		char *s = r->buf + r->pos;
		size_t avail = r->len - r->pos;
		char *nl = avail ? memchr(s, '\n', avail) : NULL;
		if (nl || (r->eof && avail)) {
			*line = s;
			*len = nl ? (size_t)(nl - s) : avail;
			*off = r->base + r->pos;
			r->pos += *len + (nl != NULL);
			return 1;
		}
		if (r->eof || reader_fill(r) < 0) {
			if (r->len > r->pos)
				continue; /* the last line has no '\n' */
			return 0;
		}
	}
}

/*
 * The bytes [off, off + len) of the file (off not below the last range asked for), or NULL
 * at the end of the file or after an error. Far ranges are read directly, skipping the gap.
 */
static const char *reader_range(struct reader *r, uint64_t off, size_t len)
{
	if (off > r->base + r->len + CHUNK) {
		r->base = off;
		r->len = r->pos = 0;
	}
	while (off + len > r->base + r->len) {
		if (off >= r->base + r->len) {
			r->pos = r->len; /* nothing buffered is needed */
		} else if (off > r->base + r->pos) {
			r->pos = (size_t)(off - r->base);
		}
		if (r->eof || reader_fill(r) < 0)
			return NULL;
	}
	return r->buf + (off - r->base);
}

static inline int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static void table_resize(struct side *sd, size_t cap)
{
	bigmem__free(sd->slot, sizeof(*sd->slot) * (sd->mask + 1));
	sd->slot = bigmem__alloc(sizeof(*sd->slot) * cap);
	sd->mask = cap - 1;
	for (size_t i = 0; i < sd->n; i++) {
		size_t j = sd->e[i].h1 & sd->mask;
		while (sd->slot[j])
			j = (j + 1) & sd->mask;
		sd->slot[j] = (uint32_t)(i + 1);
	}
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

/* The first pass: every line into the table, or sd->declined. */
static void side_read(struct side *sd)
{
	/* sized for the expected stacks: every page of a table is touched, and a fresh page
	 * costs more than the work done in it */
	sd->cap = sd->expect + sd->expect / 8 + 1024;
	sd->e = bigmem__alloc(sizeof(*sd->e) * sd->cap);
	sd->mask = 0;
	table_resize(sd, table_size(sd->cap));
	struct reader r;
	reader_init(&r, sd->fd, NULL, 0);
	const char *line;
	size_t llen, slen;
	uint64_t off, v;
	/* lines are hashed a batch ahead of their inserts, so the slots' cache misses overlap */
	enum { BATCH = 16 };
	struct stack_ent batch[BATCH];
	size_t nb = 0;
	int more;
	do {
		more = reader_line(&r, &line, &llen, &off);
		if (more) {
			if (parse_line(line, llen, &slen, &v) < 0)
				goto decline;
			struct stack_ent *l = &batch[nb++];
			strhash__128(line, slen, &l->h1, &l->h2);
			l->off = off;
			l->count = v;
			l->slen = slen;
			__builtin_prefetch(&sd->slot[l->h1 & sd->mask], 1);
			if (__builtin_add_overflow(sd->total, v, &sd->total))
				sd->total = UINT64_MAX;
		}
		if (nb == BATCH || (!more && nb)) {
			for (size_t k = 0; k < nb; k++)
				if (side_add(sd, &batch[k]) < 0)
					goto decline;
			nb = 0;
		}
	} while (more);
	sd->iobuf = r.buf;
	sd->iocap = r.cap;
	if (r.err || sd->n == 0)
		sd->declined = 1;
	return;
decline:
	sd->iobuf = r.buf;
	sd->iocap = r.cap;
	sd->declined = 1;
}

static void *side_read_thread(void *arg)
{
	side_read(arg);
	return NULL;
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

/* buf: a bigmem buffer of cap bytes the output takes over. */
static void out_init(struct out *o, const char *path, bool threads, char *buf, size_t cap)
{
	memset(o, 0, sizeof(*o));
	o->stream = !strcmp(path, "-") || !strcmp(path, "/dev/stdout");
	o->cap = cap;
	o->buf = buf;
	o->spare_cap = CHUNK;
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
 * BEFORE had are skipped. Returns 0 or -errno of a read (-EIO: the file is shorter now).
 */
static int side_write(struct side *sd, bool before, bool scale, uint64_t t1, uint64_t t2,
		      struct out *o)
{
	struct reader r;
	reader_init(&r, sd->fd, sd->iobuf, sd->iocap);
	int err = 0;
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
		if (!b && !a)
			continue;
		const char *s = reader_range(&r, e->off & ~OFF_SEEN, e->slen);
		if (!s) {
			err = r.err ? r.err : -EIO;
			break;
		}
		out_line(o, s, e->slen, b, a);
	}
	sd->iobuf = r.buf;
	sd->iocap = r.cap;
	return err;
}

/* Opens the file; declines (the general path then says what is wrong) unless it is a
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
}

static void side_close(struct side *sd)
{
	bigmem__free(sd->iobuf, sd->iocap);
	bigmem__free(sd->e, sizeof(*sd->e) * sd->cap);
	bigmem__free(sd->slot, sizeof(*sd->slot) * (sd->mask + 1));
	if (sd->fd >= 0)
		close(sd->fd);
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
	pthread_t t;
	bool joined = threads && pthread_create(&t, NULL, side_read_thread, &sd[1]) == 0;
	side_read(&sd[0]);
	if (joined)
		pthread_join(t, NULL);
	else
		side_read(&sd[1]);
	if (sd[0].declined || sd[1].declined)
		goto out;

	struct probe_job half[2] = {{&sd[0], &sd[1], 0, sd[0].n / 2},
				    {&sd[0], &sd[1], sd[0].n / 2, sd[0].n}};
	joined = threads && sd[0].n >= 20000 &&
		 pthread_create(&t, NULL, probe_thread, &half[1]) == 0;
	if (!joined)
		half[0].to = sd[0].n;
	probe_range(&half[0]);
	if (joined)
		pthread_join(t, NULL);

	uint64_t t1 = sd[0].total, t2 = sd[1].total;
	bool scale = normalize && t1 != t2 && t1;
	struct out o;
	out_init(&o, out_path, threads, sd[1].iobuf, sd[1].iocap);
	sd[1].iobuf = NULL;
	int k = 0, err = side_write(&sd[0], true, scale, t1, t2, &o);
	if (!err) {
		sd[1].iobuf = sd[0].iobuf;
		sd[1].iocap = sd[0].iocap;
		sd[0].iobuf = NULL;
		err = side_write(&sd[++k], false, false, 0, 0, &o);
	}
	int werr = out_finish(&o, out_path, !err);
	if (err) {
		util__error("cannot read '%s' again: %s", sd[k].path,
			    err == -EIO ? "it is shorter now" : strerror(-err));
		status = 2;
	} else {
		if (werr < 0)
			util__error("cannot write '%s': %s", out_path, strerror(-werr));
		status = werr < 0 ? 1 : 0;
	}
out:
	side_close(&sd[0]);
	side_close(&sd[1]);
	return status;
}
