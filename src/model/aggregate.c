// SPDX-License-Identifier: MIT
/* Derived views of one profile column for every viewer: totals, children by name, functions, threads. */
#define _GNU_SOURCE
#include "aggregate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hashmap.h"
#include "../util/util.h"

static int frame_name_cmp(const void *a, const void *b, void *arg)
{
	const struct profile *p = arg;
	uint32_t fa = *(const uint32_t *)a, fb = *(const uint32_t *)b;
	int c = strcmp(profile__str(p, profile__frame_get(p, fa)->name),
		       profile__str(p, profile__frame_get(p, fb)->name));
	if (c)
		return c;
	return fa < fb ? -1 : fa > fb;
}

/*
 * Children by name: one sort of the frame table ranks the frames, then each node's sibling
 * list is sorted by rank in place (no per-node arrays: a profile of millions of nodes would
 * need two more words a node).
 */
static void sort_children(struct profile *p)
{
	uint32_t nf = profile__nframes(p);
	uint32_t *byname = xmalloc(sizeof(uint32_t) * (nf + 1));
	for (uint32_t i = 0; i < nf; i++)
		byname[i] = i;
	qsort_r(byname, nf, sizeof(uint32_t), frame_name_cmp, (void *)p);
	uint32_t *rank = xmalloc(sizeof(uint32_t) * (nf + 1));
	for (uint32_t i = 0; i < nf; i++)
		rank[byname[i]] = i;
	profile__sort_children(p, rank);
	free(rank);
	free(byname);
}

/* Per-function self and total; a recursive function's inner calls are not counted twice. */
static void build_funcs(struct aggregate *s, const struct profile *p)
{
	uint32_t nstr = profile__nstrings(p), nn = s->nnodes;
	uint32_t *idx = xmalloc(sizeof(uint32_t) * (nstr + 1));
	memset(idx, 0xff, sizeof(uint32_t) * (nstr + 1));
	uint32_t *onstack = xcalloc(nstr + 1, sizeof(uint32_t));
	uint32_t cap = 256;
	s->funcs = xmalloc(sizeof(*s->funcs) * cap);
	s->nfuncs = 0;

	/* a node's self value; of an inclusive column, its total less its children's, which
	 * are summed as they are visited */
	const uint64_t *selfcol = profile__column(p, s->col);
	struct it {
		uint32_t node, next, func;
		uint64_t below;
	} *st = xmalloc(sizeof(*st) * 64);
	size_t depth = 0, capst = 64;
	st[depth++] = (struct it){PROFILE_ROOT, profile__first_child(p, PROFILE_ROOT), 0, 0};
	while (depth) {
		struct it *top = &st[depth - 1];
		if (top->next == PROFILE_NONE) {
			if (top->node != PROFILE_ROOT) {
				onstack[profile__frame_get(p, profile__node_frame(p, top->node))->name]--;
				s->funcs[top->func].self += selfcol ? selfcol[top->node]
								    : s->total[top->node] - top->below;
			}
			depth--;
			continue;
		}
		uint32_t n = top->next;
		top->next = profile__next_sibling(p, n);
		const struct frame *f = profile__frame_get(p, profile__node_frame(p, n));
		uint32_t fi = idx[f->name];
		if (fi == PROFILE_NONE) {
			if (s->nfuncs == cap) {
				cap *= 2;
				s->funcs = xrealloc(s->funcs, sizeof(*s->funcs) * cap);
			}
			fi = idx[f->name] = s->nfuncs++;
			s->funcs[fi] = (struct agg_func){f->name, PROFILE_NONE, 0, n, 0, 0};
		}
		struct agg_func *r = &s->funcs[fi];
		if (r->file == PROFILE_NONE && f->file != PROFILE_NONE) {
			r->file = f->file;
			r->line = f->line;
		}
		if (!onstack[f->name])
			r->total += s->total[n];
		if (s->total[n] > s->total[r->best])
			r->best = n;
		onstack[f->name]++;
		top->below += s->total[n];
		if (depth == capst) {
			capst *= 2;
			st = xrealloc(st, sizeof(*st) * capst);
		}
		/* the node's depth: the deepest sets maxdepth, which nodes do not keep */
		if (depth > s->maxdepth)
			s->maxdepth = (uint32_t)depth;
		st[depth++] = (struct it){n, profile__first_child(p, n), fi, 0};
	}
	(void)nn;
	free(st);
	free(onstack);
	free(idx);
}

/* Most samples first; then most time on the CPU, then most time off it (thread states). */
static int by_samples(const void *a, const void *b)
{
	const struct agg_thread *x = a, *y = b;
	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	for (int st = THREAD_RUNNING; st < THREAD_NSTATES; st++)
		if (x->state_ns[st] != y->state_ns[st])
			return x->state_ns[st] > y->state_ns[st] ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

#define MAX_THREADS (2u << 20) /* threads the thread views keep apart */

/* Per node: whether its stack holds an off-CPU frame (NULL when the profile has none). */
static uint8_t *offcpu_nodes(struct aggregate *s, const struct profile *p)
{
	uint32_t nf = profile__nframes(p);
	for (uint32_t f = 0; f < nf; f++)
		if (profile__frame_get(p, f)->kind == FRAME_OFFCPU)
			s->has_offcpu = true;
	if (!s->has_offcpu)
		return NULL;
	/* a parent's id is below its children's, so one pass in id order sees parents first */
	uint8_t *off = xcalloc(s->nnodes, 1);
	for (uint32_t i = 1; i < s->nnodes; i++)
		off[i] = off[profile__node_parent(p, i)] ||
			 profile__frame_get(p, profile__node_frame(p, i))->kind == FRAME_OFFCPU;
	return off;
}

/* Reads the decimal number at *q (at most UINT32_MAX) and moves *q past it. */
static bool parse_u32(const char **q, uint32_t *v)
{
	const char *c = *q;
	uint64_t x = 0;
	while (*c >= '0' && *c <= '9' && x <= UINT32_MAX)
		x = x * 10 + (uint64_t)(*c++ - '0');
	if (c == *q || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	*q = c;
	return true;
}

/*
 * A root frame named as `record --tid` / `collapse --tid` ("comm-PID/TID") or `--pid`
 * ("comm-PID") name them: the thread or process id, and the length of comm. Returns the kind,
 * or AGG_THREADS_NONE for any other name.
 */
static enum agg_threads_from parse_root(const char *name, uint32_t *id, uint32_t *comm_len)
{
	const char *dash = strrchr(name, '-');
	if (!dash)
		return AGG_THREADS_NONE;
	const char *q = dash + 1;
	uint32_t pid, tid;
	if (!parse_u32(&q, &pid))
		return AGG_THREADS_NONE;
	enum agg_threads_from kind = AGG_THREADS_PIDS;
	if (*q == '/') {
		q++;
		if (!parse_u32(&q, &tid))
			return AGG_THREADS_NONE;
		pid = tid;
		kind = AGG_THREADS_TIDS;
	}
	if (*q)
		return AGG_THREADS_NONE;
	*id = pid;
	*comm_len = (uint32_t)(dash - name);
	return kind;
}

/*
 * Without a timeline, thread rows come from the root frames when every one of them names a
 * thread (or every one a process): a folded file of `--tid` or `--pid` keeps nothing else.
 */
static void threads_from_roots(struct aggregate *s, const struct profile *p)
{
	uint32_t nroots = 0;
	for (uint32_t r = profile__first_child(p, PROFILE_ROOT); r != PROFILE_NONE && nroots <= MAX_THREADS;
	     r = profile__next_sibling(p, r))
		nroots++;
	if (!nroots || nroots > MAX_THREADS)
		return;
	enum agg_threads_from kind = AGG_THREADS_NONE;
	s->threads = xmalloc(sizeof(*s->threads) * nroots);
	uint32_t *row = xmalloc(sizeof(uint32_t) * s->nnodes); /* node -> its root's row */
	for (uint32_t r = profile__first_child(p, PROFILE_ROOT); r != PROFILE_NONE;
	     r = profile__next_sibling(p, r)) {
		uint32_t id, len;
		const struct frame *f = profile__frame_get(p, profile__node_frame(p, r));
		enum agg_threads_from kk = parse_root(profile__str(p, f->name), &id, &len);
		if (kk == AGG_THREADS_NONE || (kind != AGG_THREADS_NONE && kk != kind)) {
			free(row);
			free(s->threads);
			s->threads = NULL;
			s->nthreads = 0;
			return;
		}
		kind = kk;
		row[r] = s->nthreads;
		s->threads[s->nthreads++] = (struct agg_thread){
		    .tid = id, .comm = f->name, .comm_len = len, .samples = s->total[r]};
	}
	s->threads_from = kind;
	uint8_t *off = offcpu_nodes(s, p);
	if (off) {
		/* each sample counted once: at its outermost off-CPU frame */
		for (uint32_t n = 1; n < s->nnodes; n++) {
			uint32_t par = profile__node_parent(p, n);
			if (par != PROFILE_ROOT)
				row[n] = row[par];
			if (off[n] && !off[par])
				s->threads[row[n]].offcpu += s->total[n];
		}
	}
	free(off);
	free(row);
	qsort(s->threads, s->nthreads, sizeof(*s->threads), by_samples);
}

/* The row of tid in s->threads, added (named comm) when new; NULL past MAX_THREADS. */
static struct agg_thread *thread_row(struct aggregate *s, struct hashmap *tab, uint32_t *cap,
				     uint32_t tid, uint32_t comm)
{
	struct hashmap_entry *row = hashmap__get_u64(tab, tid, 0);
	if (row)
		return &s->threads[row->value];
	if (s->nthreads >= MAX_THREADS)
		return NULL; /* absurd thread counts: keep the first ones */
	if (s->nthreads == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		s->threads = xrealloc(s->threads, sizeof(*s->threads) * *cap);
	}
	row = hashmap__put_u64(tab, tid, 0, NULL);
	row->value = s->nthreads;
	s->threads[s->nthreads] = (struct agg_thread){.tid = tid, .comm = comm};
	return &s->threads[s->nthreads++];
}

/* Thread states: each span's time to its thread's row, and the time range widened. */
static void add_spans(struct aggregate *s, struct hashmap *tab, uint32_t *cap)
{
	for (size_t i = 0; i < s->nspans; i++) {
		const struct thread_span *sp = &s->spans[i];
		if (sp->end_ns <= sp->start_ns || sp->state >= THREAD_NSTATES)
			continue;
		s->t0 = sp->start_ns < s->t0 ? sp->start_ns : s->t0;
		s->t1 = sp->end_ns > s->t1 ? sp->end_ns : s->t1;
		struct agg_thread *r = thread_row(s, tab, cap, sp->tid, sp->comm);
		if (!r)
			continue;
		if (r->comm == PROFILE_NONE)
			r->comm = sp->comm;
		r->state_ns[sp->state] += sp->end_ns - sp->start_ns;
	}
}

static void build_threads(struct aggregate *s, const struct profile *p)
{
	size_t n;
	const struct timeline_entry *tl = profile__timeline(p, &n);
	s->tl = tl;
	s->ntl = n;
	s->spans = profile__spans(p, &s->nspans, NULL);
	s->has_states = s->nspans > 0;
	s->nthreads = 0;
	s->t0 = UINT64_MAX;
	s->t1 = 0;
	if (!n && !s->nspans) {
		threads_from_roots(s, p);
		return;
	}
	s->threads_from = AGG_THREADS_TIMELINE;
	uint8_t *off = offcpu_nodes(s, p);

	struct hashmap tab = {0}; /* tid -> row */
	uint32_t cap = 0;
	for (size_t i = 0; i < n; i++) {
		const struct timeline_entry *e = &s->tl[i];
		if (e->node >= s->nnodes)
			continue;
		s->t0 = e->time_ns < s->t0 ? e->time_ns : s->t0;
		s->t1 = e->time_ns > s->t1 ? e->time_ns : s->t1;
		uint32_t top = e->node;
		while (top != PROFILE_ROOT && profile__node_parent(p, top) != PROFILE_ROOT)
			top = profile__node_parent(p, top);
		struct agg_thread *r = thread_row(
		    s, &tab, &cap, e->tid,
		    top == PROFILE_ROOT ? PROFILE_NONE
					: profile__frame_get(p, profile__node_frame(p, top))->name);
		if (!r)
			continue;
		r->samples++;
		if (off && off[e->node])
			r->offcpu++;
	}
	add_spans(s, &tab, &cap);
	hashmap__destroy(&tab);
	free(off);
	qsort(s->threads, s->nthreads, sizeof(*s->threads), by_samples);
}

static int build(struct aggregate *s, struct profile *p, int col, bool in_place)
{
	memset(s, 0, sizeof(*s));
	if (col < 0 || col >= profile__ncolumns(p))
		return -EINVAL;
	s->p = p;
	s->col = col;
	s->nnodes = profile__nnodes(p);
	if (in_place)
		s->total = profile__make_inclusive(p, col);
	else
		s->total = s->own_total = profile__totals(p, col);
	sort_children(p);
	build_funcs(s, p);
	build_threads(s, p);
	return 0;
}

int aggregate__build(struct aggregate *s, struct profile *p, int col)
{
	return build(s, p, col, false);
}

int aggregate__build_in_place(struct aggregate *s, struct profile *p, int col)
{
	return build(s, p, col, true);
}

void aggregate__free(struct aggregate *s)
{
	free(s->own_total);
	free(s->funcs);
	free(s->threads);
	memset(s, 0, sizeof(*s));
}
