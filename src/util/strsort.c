// SPDX-License-Identifier: MIT
/* Multikey quicksort of byte strings on cached 8-byte keys, with LCPs and an optional helper thread. */
#include "strsort.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>


/*
 * Each entry's key is the 8 bytes of its string at the depth d its group is sorted at, read
 * big-endian (so integer order is byte order) with zeros past the string's end; the count of
 * real bytes in it (key_n) tells "ab" from "ab\0". A partition step reads keys from the
 * sequential key array only; the strings are read when a group moves on to a deeper depth.
 */

#define SMALL 20        /* groups below this are insertion-sorted */
#define TASK_MIN 16384  /* groups from this size may go to the helper thread */
#define QUEUE 64

struct task {
	size_t lo, n, d;
	int budget;
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct task q[QUEUE];
	int nq;
	int pending; /* tasks queued or running */
	int idle;    /* threads waiting for a task */
	int quit;
};

struct sctx {
	struct strsort_ent *a;
	uint32_t *lcp; /* NULL: not asked for */
	struct pool *pool;
};

static inline uint64_t load_key(const struct strsort_ent *e, size_t d)
{
	return strsort__key(e->s + d, e->len > d ? e->len - d : 0);
}

static inline unsigned key_n(const struct strsort_ent *e, size_t d)
{
	size_t rem = e->len > d ? e->len - d : 0;
	return rem >= 8 ? 8 : (unsigned)rem;
}

static inline int key_cmp(uint64_t k1, unsigned n1, uint64_t k2, unsigned n2)
{
	if (k1 != k2)
		return k1 < k2 ? -1 : 1;
	return n1 < n2 ? -1 : n1 > n2;
}

/* Bytes two keys share, counting only real bytes of both. */
static inline unsigned key_common(uint64_t k1, unsigned n1, uint64_t k2, unsigned n2)
{
	unsigned m = n1 < n2 ? n1 : n2;
	if (k1 == k2)
		return m;
	unsigned x = (unsigned)__builtin_clzll(k1 ^ k2) >> 3;
	return x < m ? x : m;
}

/* Bytes x[0..n) and y[0..n) share. */
static size_t mem_common(const char *x, const char *y, size_t n)
{
	size_t i = 0;
	while (i + 8 <= n) {
		uint64_t u, v;
		memcpy(&u, x + i, 8);
		memcpy(&v, y + i, 8);
		if (u != v)
			return i + ((unsigned)__builtin_ctzll(u ^ v) >> 3);
		i += 8;
	}
	while (i < n && x[i] == y[i])
		i++;
	return i;
}

/* The order of two strings that share their first d bytes. */
static int ent_cmp_from(const struct strsort_ent *x, const struct strsort_ent *y, size_t d)
{
	size_t m = x->len < y->len ? x->len : y->len;
	int c = m > d ? memcmp(x->s + d, y->s + d, m - d) : 0;
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static inline void swap2(struct sctx *c, size_t i, size_t j)
{
	struct strsort_ent t = c->a[i];
	c->a[i] = c->a[j];
	c->a[j] = t;
}

/* The LCPs inside a sorted group [lo, lo + n) whose strings share d bytes. */
static void fill_lcp(struct sctx *c, size_t lo, size_t n, size_t d)
{
	if (!c->lcp)
		return;
	for (size_t i = lo + 1; i < lo + n; i++) {
		const struct strsort_ent *x = &c->a[i - 1], *y = &c->a[i];
		size_t m = x->len < y->len ? x->len : y->len;
		c->lcp[i] = (uint32_t)(d + (m > d ? mem_common(x->s + d, y->s + d, m - d) : 0));
	}
}

/* Insertion sort of a small group, keys valid at depth d. */
static void small_sort(struct sctx *c, size_t lo, size_t n, size_t d)
{
	struct strsort_ent *a = c->a + lo;
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0; j--) {
			unsigned n1 = key_n(&a[j - 1], d), n2 = key_n(&a[j], d);
			int r = key_cmp(a[j - 1].key, n1, a[j].key, n2);
			if (r == 0 && n1 == 8)
				r = ent_cmp_from(&a[j - 1], &a[j], d + 8);
			if (r <= 0)
				break;
			swap2(c, lo + j - 1, lo + j);
		}
	}
	fill_lcp(c, lo, n, d);
}

static int ent_cmp(const void *p, const void *q)
{
	return ent_cmp_from(p, q, 0);
}

/* Unlucky pivots: qsort bounds the rest (it moves entries; keys are not used after). */
static void fallback(struct sctx *c, size_t lo, size_t n, size_t d)
{
	qsort(c->a + lo, n, sizeof(*c->a), ent_cmp);
	fill_lcp(c, lo, n, d);
}

/* How many bytes from depth d every string of the group shares with the first one. */
static size_t group_common(const struct strsort_ent *a, size_t n, size_t d)
{
	size_t m = a[0].len - d;
	for (size_t i = 1; i < n && m; i++) {
		size_t r = a[i].len - d;
		m = mem_common(a[0].s + d, a[i].s + d, r < m ? r : m);
	}
	return m;
}

static void mkqs(struct sctx *c, size_t lo, size_t n, size_t d, int budget);

/* Sorts a part of the group (same depth): queued for the helper when it is idle and the
 * part is big, else here. */
static void sort_part(struct sctx *c, size_t lo, size_t n, size_t d, int budget)
{
	struct pool *p = c->pool;
	if (p && n >= TASK_MIN && __atomic_load_n(&p->idle, __ATOMIC_RELAXED) > 0) {
		pthread_mutex_lock(&p->mu);
		if (p->nq < QUEUE) {
			p->q[p->nq++] = (struct task){lo, n, d, budget};
			p->pending++;
			pthread_cond_broadcast(&p->cv);
			pthread_mutex_unlock(&p->mu);
			return;
		}
		pthread_mutex_unlock(&p->mu);
	}
	mkqs(c, lo, n, d, budget);
}

static void mkqs(struct sctx *c, size_t lo, size_t n, size_t d, int budget)
{
	while (n > 1) {
		if (n < SMALL) {
			small_sort(c, lo, n, d);
			return;
		}
		if (budget <= 0) {
			fallback(c, lo, n, d);
			return;
		}
		struct strsort_ent *a = c->a + lo;
		/* pivot: median of three, or of three medians of three in big groups */
		size_t idx[9];
		int m = n > 128 ? 9 : 3;
		for (int i = 0; i < m; i++)
			idx[i] = (n - 1) * (size_t)i / (size_t)(m - 1);
		size_t piv = 0;
		for (int g = 0; g < m; g += 3) {
			size_t x = idx[g], y = idx[g + 1], z = idx[g + 2];
			unsigned nx = key_n(&a[x], d), ny = key_n(&a[y], d), nz = key_n(&a[z], d);
			size_t med;
			if (key_cmp(a[x].key, nx, a[y].key, ny) < 0)
				med = key_cmp(a[y].key, ny, a[z].key, nz) < 0   ? y
				      : key_cmp(a[x].key, nx, a[z].key, nz) < 0 ? z
									: x;
			else
				med = key_cmp(a[x].key, nx, a[z].key, nz) < 0   ? x
				      : key_cmp(a[y].key, ny, a[z].key, nz) < 0 ? z
									: y;
			idx[g / 3] = med;
		}
		if (m == 9) {
			size_t x = idx[0], y = idx[1], z = idx[2];
			unsigned nx = key_n(&a[x], d), ny = key_n(&a[y], d), nz = key_n(&a[z], d);
			if (key_cmp(a[x].key, nx, a[y].key, ny) < 0)
				piv = key_cmp(a[y].key, ny, a[z].key, nz) < 0   ? y
				      : key_cmp(a[x].key, nx, a[z].key, nz) < 0 ? z
									: x;
			else
				piv = key_cmp(a[x].key, nx, a[z].key, nz) < 0   ? x
				      : key_cmp(a[y].key, ny, a[z].key, nz) < 0 ? z
									: y;
		} else {
			piv = idx[0];
		}
		uint64_t pk = a[piv].key;
		unsigned pn = key_n(&a[piv], d);
		/* three-way partition; the largest key below and the smallest above the pivot
		 * give the LCPs at the two borders */
		uint64_t lok = 0, hik = UINT64_MAX;
		unsigned lon = 0, hin = 8;
		size_t lt = 0, i = 0, gt = n;
		while (i < gt) {
			uint64_t kk = a[i].key;
			unsigned kn = key_n(&a[i], d);
			int r = key_cmp(kk, kn, pk, pn);
			if (r < 0) {
				if (key_cmp(kk, kn, lok, lon) > 0 || lt == 0) {
					lok = kk;
					lon = kn;
				}
				swap2(c, lo + lt++, lo + i++);
			} else if (r > 0) {
				if (key_cmp(kk, kn, hik, hin) < 0 || gt == n) {
					hik = kk;
					hin = kn;
				}
				swap2(c, lo + i, lo + --gt);
			} else {
				i++;
			}
		}
		if (c->lcp) {
			if (lt > 0)
				c->lcp[lo + lt] = (uint32_t)(d + key_common(lok, lon, pk, pn));
			if (gt < n)
				c->lcp[lo + gt] = (uint32_t)(d + key_common(pk, pn, hik, hin));
		}
		if (lt > 1)
			sort_part(c, lo, lt, d, budget - 1);
		if (n - gt > 1)
			sort_part(c, lo + gt, n - gt, d, budget - 1);
		lo += lt;
		n = gt - lt;
		if (pn < 8) { /* the middle group's strings are identical */
			if (c->lcp)
				for (size_t j = lo + 1; j < lo + n; j++)
					c->lcp[j] = (uint32_t)(d + pn);
			return;
		}
		/* the middle group goes on 8 bytes deeper; when all of it still agrees there,
		 * it skips at once to where its strings part */
		d += 8;
		a = c->a + lo;
		int same = 1;
		for (size_t j = 0; j < n; j++) {
			a[j].key = load_key(&a[j], d);
			same &= a[j].key == a[0].key && key_n(&a[j], d) == 8;
		}
		if (same && n > 1) {
			d += 8 + group_common(a, n, d + 8);
			for (size_t j = 0; j < n; j++)
				a[j].key = load_key(&a[j], d);
		}
	}
}

static void run_task(struct sctx *c, const struct task *t)
{
	mkqs(c, t->lo, t->n, t->d, t->budget);
}

/* Takes queued tasks until told to quit (the helper), or until none is pending (main). */
static void pool_work(struct sctx *c, int helper)
{
	struct pool *p = c->pool;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		if (p->nq > 0) {
			struct task t = p->q[--p->nq];
			pthread_mutex_unlock(&p->mu);
			run_task(c, &t);
			pthread_mutex_lock(&p->mu);
			if (--p->pending == 0)
				pthread_cond_broadcast(&p->cv);
			continue;
		}
		if (helper ? p->quit : p->pending == 0)
			break;
		p->idle++;
		pthread_cond_wait(&p->cv, &p->mu);
		p->idle--;
	}
	pthread_mutex_unlock(&p->mu);
}

static void *helper_main(void *arg)
{
	pool_work(arg, 1);
	return NULL;
}

void strsort__sort(struct strsort_ent *a, size_t n, uint32_t *lcp, bool threads)
{
	if (lcp && n)
		lcp[0] = 0;
	if (n < 2)
		return;
	struct sctx c = {.a = a, .lcp = lcp};
	struct pool pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
	pthread_t th;
	c.pool = &pool;
	if (!threads || n < 2 * TASK_MIN || pthread_create(&th, NULL, helper_main, &c) != 0) {
		c.pool = NULL;
		threads = false;
	}
	mkqs(&c, 0, n, 0, 128);
	if (threads) {
		pool_work(&c, 0);
		pthread_mutex_lock(&pool.mu);
		pool.quit = 1;
		pthread_cond_broadcast(&pool.cv);
		pthread_mutex_unlock(&pool.mu);
		pthread_join(th, NULL);
	}
}
