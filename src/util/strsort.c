// SPDX-License-Identifier: MIT
/* Multikey quicksort of byte strings on cached 8-byte keys, with LCPs and an optional helper thread. */
#include "strsort.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>


/*
 * Each entry's key is strsort__key() of its string from the depth d its group is sorted
 * at: 7 bytes and a count, so one integer comparison orders two strings by those bytes. A
 * partition step reads keys from the sequential entries only; the strings are read when a
 * group moves on to a deeper depth, and then first to skip what the whole group shares.
 */
#define KEY_BYTES 7

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
	uint64_t leave_below;
	struct pool *pool;
};

static inline uint64_t load_key(const struct strsort_ent *e, size_t d)
{
	return strsort__key(e->s + d, e->len > d ? e->len - d : 0);
}

/* Real bytes of the 7 in a key. */
static inline unsigned key_n(uint64_t k)
{
	unsigned n = (unsigned)(k & 0xff);
	return n < KEY_BYTES ? n : KEY_BYTES;
}

/* Bytes two different keys share, counting only real bytes of both. */
static inline unsigned key_common(uint64_t k1, uint64_t k2)
{
	unsigned x = (unsigned)__builtin_clzll(k1 ^ k2) >> 3;
	unsigned n1 = key_n(k1), n2 = key_n(k2);
	unsigned m = n1 < n2 ? n1 : n2;
	return x < m ? x : m;
}

/* Bytes x[0..n) and y[0..n) share: 8 at a time, the last 8 overlapping the ones before. */
static inline size_t mem_common(const char *x, const char *y, size_t n)
{
	uint64_t u, v;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&u, x + i, 8);
		memcpy(&v, y + i, 8);
		if (u != v)
			return i + ((unsigned)__builtin_ctzll(u ^ v) >> 3);
	}
	if (i == n)
		return n;
	if (n >= 8) {
		memcpy(&u, x + n - 8, 8);
		memcpy(&v, y + n - 8, 8);
		return u == v ? n : n - 8 + ((unsigned)__builtin_ctzll(u ^ v) >> 3);
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
			uint64_t k1 = a[j - 1].key, k2 = a[j].key;
			if (k1 < k2)
				break;
			if (k1 == k2 && ((k1 & 0xff) < 8 || ent_cmp_from(&a[j - 1], &a[j],
									 d + KEY_BYTES) <= 0))
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

/*
 * Moves a group of n > 1 strings that share their first d bytes to the depth past all they
 * share, and loads their keys there; returns that depth. One pass reads each string once:
 * string i's key is loaded at the bytes it shares with all the strings before it, m_i (while
 * it is in the cache). The m_i only shrink; the strings before the last drop, to the final m,
 * have m_i at least the m before that drop, and when that is 8 or more bytes past the final
 * m, their key there is the first string's (7 shared bytes, more after them): set, not read.
 */
static size_t group_keys(struct strsort_ent *a, size_t n, size_t d)
{
	const char *s0 = a[0].s + d;
	size_t m = a[0].len - d, mprev = m, redo = 0;
	for (size_t i = 1; i < n; i++) {
		if (i + 8 < n)
			__builtin_prefetch(a[i + 8].s + d);
		size_t r = a[i].len - d;
		size_t c = m ? mem_common(s0, a[i].s + d, r < m ? r : m) : 0;
		if (c < m) {
			mprev = m;
			m = c;
			redo = i;
		}
		a[i].key = load_key(&a[i], d + m);
	}
	d += m;
	uint64_t k0 = load_key(&a[0], d);
	a[0].key = k0;
	if (mprev >= m + 8) {
		for (size_t j = 1; j < redo; j++)
			a[j].key = k0;
	} else {
		for (size_t j = 1; j < redo; j++)
			a[j].key = load_key(&a[j], d);
	}
	return d;
}

static void mkqs(struct sctx *c, size_t lo, size_t n, size_t d, int budget);

/* Whether the weights of a[0..n) sum below limit (a STRSORT_WEIGHT_BIG may be more: not
 * narrow). */
static bool narrow(const struct strsort_ent *a, size_t n, uint64_t limit)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t w = a[i].weight;
		if (w == STRSORT_WEIGHT_BIG || w >= limit - sum)
			return false;
		sum += w;
	}
	return true;
}

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
		uint64_t med[3];
		for (int g = 0; g < (n > 128 ? 3 : 1); g++) {
			size_t step = n > 128 ? (n - 1) / 8 : (n - 1) / 2, base = (size_t)g * 3 * step;
			uint64_t x = a[base].key, y = a[base + step].key, z = a[base + 2 * step].key;
			med[g] = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
		}
		uint64_t pk = med[0];
		if (n > 128) {
			uint64_t x = med[0], y = med[1], z = med[2];
			pk = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
		}
		/* three-way partition; the largest key below and the smallest above the pivot
		 * give the LCPs at the two borders */
		uint64_t lok = 0, hik = UINT64_MAX;
		size_t lt = 0, i = 0, gt = n;
		while (i < gt) {
			uint64_t kk = a[i].key;
			if (kk < pk) {
				lok = kk > lok ? kk : lok;
				swap2(c, lo + lt++, lo + i++);
			} else if (kk > pk) {
				hik = kk < hik ? kk : hik;
				swap2(c, lo + i, lo + --gt);
			} else {
				i++;
			}
		}
		if (c->lcp) {
			if (lt > 0)
				c->lcp[lo + lt] = (uint32_t)(d + key_common(lok, pk));
			if (gt < n)
				c->lcp[lo + gt] = (uint32_t)(d + key_common(pk, hik));
		}
		if (lt > 1)
			sort_part(c, lo, lt, d, budget - 1);
		if (n - gt > 1)
			sort_part(c, lo + gt, n - gt, d, budget - 1);
		lo += lt;
		n = gt - lt;
		if ((pk & 0xff) < 8) { /* the middle group's strings are identical */
			if (c->lcp)
				for (size_t j = lo + 1; j < lo + n; j++)
					c->lcp[j] = (uint32_t)(d + (pk & 0xff));
			return;
		}
		/* the middle group holds every string that starts with its d + 7 bytes */
		d += KEY_BYTES;
		a = c->a + lo;
		if (c->leave_below && narrow(a, n, c->leave_below)) {
			if (c->lcp)
				for (size_t j = lo + 1; j < lo + n; j++)
					c->lcp[j] = (uint32_t)d;
			return;
		}
		/* it skips what all of it still shares, and reads its keys there */
		if (n > 1)
			d = group_keys(a, n, d);
		else
			a[0].key = load_key(&a[0], d);
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

void strsort__sort(struct strsort_ent *a, size_t n, uint32_t *lcp, uint64_t leave_below,
		   bool threads)
{
	if (lcp && n)
		lcp[0] = 0;
	if (n < 2)
		return;
	struct sctx c = {.a = a, .lcp = lcp, .leave_below = leave_below};
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
