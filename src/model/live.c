// SPDX-License-Identifier: MIT
/* The live profile shared by every viewer: a sampling thread, update modes, immutable snapshots. */
#define _GNU_SOURCE
#include "live.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/util.h"

struct live_snap {
	int refs; /* atomic */
	struct live_snap_info info;
	struct profile *view;
	struct aggregate agg;

	/* the whole run, built from view's structure on demand */
	pthread_mutex_t mu;
	bool fixed;          /* a saved profile: the run is the view */
	int ncols;
	uint64_t *runvals[PROFILE_MAX_COLUMNS]; /* per node, until the run is built */
	struct timeline_entry *tl_head;          /* run timeline before the view's part */
	size_t ntl_head;
	struct thread_span *sp_head;             /* run's thread-state spans before the view's */
	size_t nsp_head;
	struct profile *run;
	struct aggregate run_agg;
};

struct live {
	struct live_source src;
	struct live_opts opts;
	pthread_t thread;
	bool started;

	/* shared, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cond;
	enum live_mode mode;
	bool frozen;
	bool stop;
	bool done; /* sampling ended and its last samples were published */
	struct live_stats stats;
	struct live_snap *cur;
	uint64_t seq;

	/* the live thread's own (or the caller's without a thread) */
	struct profile *rec;                    /* everything recorded; only the source adds */
	uint64_t *shown[PROFILE_MAX_COLUMNS];   /* displayed values per node */
	uint64_t *seen[PROFILE_MAX_COLUMNS];    /* rec's values at the last interval */
	uint32_t capnodes;
	size_t tl_shown_from, tl_seen;          /* timeline: displayed part, end at last interval */
	size_t sp_shown_from, sp_seen;          /* thread-state spans: the same */
	uint64_t last_pub_ns;
	bool ended;
	int error;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *live__mode_name(enum live_mode m)
{
	static const char *const names[LIVE_MODE_COUNT] = {"reset", "accumulate", "decay"};
	return m < LIVE_MODE_COUNT ? names[m] : "?";
}

/* ---- snapshots ---- */

/*
 * A new profile with the strings, frames, nodes (same ids: each is added in id order, and
 * parents precede children), columns and metadata of src; no values, no timeline.
 */
static struct profile *clone_structure(const struct profile *src)
{
	struct profile *dst = profile__new();
	profile__set_column(dst, 0, profile__column_name(src, 0), profile__column_type(src, 0));
	for (int c = 1; c < profile__ncolumns(src); c++)
		profile__add_column(dst, profile__column_name(src, c), profile__column_type(src, c));
	uint32_t ns = profile__nstrings(src);
	for (uint32_t i = 1; i < ns; i++)
		profile__intern(dst, profile__str(src, i), profile__strlen(src, i));
	/* mappings, frames (with raw names, addresses and mappings, for pprof) and nodes, in id
	 * order into an empty profile: the same ids; no column is mapped, so no values */
	int nocols[PROFILE_MAX_COLUMNS];
	for (int c = 0; c < PROFILE_MAX_COLUMNS; c++)
		nocols[c] = -1;
	profile__merge(dst, src, nocols);
	const struct profile_meta *sm = profile__meta((struct profile *)src);
	struct profile_meta *dm = profile__meta(dst);
	*dm = *sm;
	dm->event = sm->event ? xstrdup(sm->event) : NULL;
	dm->cmdline = sm->cmdline ? xstrdup(sm->cmdline) : NULL;
	dm->host = sm->host ? xstrdup(sm->host) : NULL;
	return dst;
}

static struct live_snap *snap_new(void)
{
	struct live_snap *s = xcalloc(1, sizeof(*s));
	s->refs = 1;
	pthread_mutex_init(&s->mu, NULL);
	return s;
}

struct live_snap *live_snap__of_profile(struct profile *p, const struct live_stats *stats)
{
	struct live_snap *s = snap_new();
	s->fixed = true;
	s->view = p;
	s->info.time_ns = now_ns();
	if (stats)
		s->info.stats = *stats;
	else
		s->info.stats.backend = "file";
	/* nothing changes p any more: its values become the totals */
	aggregate__build_in_place(&s->agg, p, 0);
	return s;
}

struct live_snap *live_snap__get(struct live_snap *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return s;
}

void live_snap__put(struct live_snap *s)
{
	if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL))
		return;
	aggregate__free(&s->agg);
	aggregate__free(&s->run_agg);
	profile__free(s->run);
	profile__free(s->view);
	for (int c = 0; c < PROFILE_MAX_COLUMNS; c++)
		free(s->runvals[c]);
	free(s->tl_head);
	free(s->sp_head);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

const struct profile *live_snap__profile(const struct live_snap *s)
{
	return s->view;
}

const struct aggregate *live_snap__aggregate(const struct live_snap *s)
{
	return &s->agg;
}

void live_snap__info(const struct live_snap *s, struct live_snap_info *info)
{
	*info = s->info;
}

const struct profile *live_snap__run(struct live_snap *s, const struct aggregate **agg)
{
	if (s->fixed) {
		if (agg)
			*agg = &s->agg;
		return s->view;
	}
	pthread_mutex_lock(&s->mu);
	if (!s->run) {
		struct profile *r = clone_structure(s->view);
		uint32_t nn = profile__nnodes(r);
		for (int c = 0; c < s->ncols; c++) {
			for (uint32_t n = 0; n < nn; n++)
				profile__set(r, n, c, s->runvals[c][n]);
			free(s->runvals[c]);
			s->runvals[c] = NULL;
		}
		for (size_t i = 0; i < s->ntl_head; i++)
			profile__timeline_add(r, s->tl_head[i].time_ns, s->tl_head[i].pid, s->tl_head[i].tid, s->tl_head[i].cpu,
					      s->tl_head[i].node);
		size_t n;
		const struct timeline_entry *tl = profile__timeline(s->view, &n);
		for (size_t i = 0; i < n; i++)
			profile__timeline_add(r, tl[i].time_ns, tl[i].pid, tl[i].tid, tl[i].cpu, tl[i].node);
		free(s->tl_head);
		s->tl_head = NULL;
		const struct thread_span *sp = profile__spans(s->view, &n, NULL);
		for (size_t i = 0; i < s->nsp_head; i++)
			profile__span_add(r, &s->sp_head[i]);
		for (size_t i = 0; i < n; i++)
			profile__span_add(r, &sp[i]);
		free(s->sp_head);
		s->sp_head = NULL;
		aggregate__build(&s->run_agg, r, 0);
		s->run = r;
	}
	pthread_mutex_unlock(&s->mu);
	if (agg)
		*agg = &s->run_agg;
	return s->run;
}

/* ---- the live profile ---- */

struct live *live__new(const struct live_source *src, const struct live_opts *opts)
{
	struct live *l = xcalloc(1, sizeof(*l));
	l->src = *src;
	if (opts)
		l->opts = *opts;
	if (!l->opts.interval_ms)
		l->opts.interval_ms = 1000;
	if (!l->opts.poll_ms)
		l->opts.poll_ms = 50;
	if (!l->opts.decay_den) {
		l->opts.decay_num = 1;
		l->opts.decay_den = 2;
	}
	l->mode = l->opts.mode < LIVE_MODE_COUNT ? l->opts.mode : LIVE_RESET;
	pthread_mutex_init(&l->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cond, &ca);
	pthread_condattr_destroy(&ca);
	l->rec = profile__new();
	l->last_pub_ns = now_ns();
	return l;
}

static void update_stats(struct live *l)
{
	struct live_stats st;
	memset(&st, 0, sizeof(st));
	if (l->src.stats)
		l->src.stats(l->src.ctx, &st);
	if (!l->src.poll)
		st.ended = true;
	st.error = l->error;
	if (st.ended || st.error)
		l->ended = true;
	pthread_mutex_lock(&l->mu);
	l->stats = st;
	pthread_mutex_unlock(&l->mu);
}

int live__pump(struct live *l, int timeout_ms)
{
	if (l->ended)
		return 0;
	int rc = l->src.poll ? l->src.poll(l->src.ctx, l->rec, timeout_ms) : 0;
	if (rc < 0 && rc != -EINTR)
		l->error = rc;
	update_stats(l);
	return rc;
}

static void grow(struct live *l, uint32_t nn, int nc)
{
	if (nn <= l->capnodes)
		return;
	uint32_t cap = l->capnodes ? l->capnodes : 1024;
	while (cap < nn)
		cap *= 2;
	for (int c = 0; c < PROFILE_MAX_COLUMNS; c++) {
		l->shown[c] = xrealloc(l->shown[c], sizeof(uint64_t) * cap);
		l->seen[c] = xrealloc(l->seen[c], sizeof(uint64_t) * cap);
		memset(l->shown[c] + l->capnodes, 0, sizeof(uint64_t) * (cap - l->capnodes));
		memset(l->seen[c] + l->capnodes, 0, sizeof(uint64_t) * (cap - l->capnodes));
	}
	(void)nc;
	l->capnodes = cap;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* Folds what rec gained since the last interval into the displayed values. */
static void fold_interval(struct live *l, enum live_mode mode)
{
	uint32_t nn = profile__nnodes(l->rec);
	int nc = profile__ncolumns(l->rec);
	grow(l, nn, nc);
	for (int c = 0; c < nc; c++) {
		uint64_t *shown = l->shown[c], *seen = l->seen[c];
		for (uint32_t n = 0; n < nn; n++) {
			uint64_t v = profile__self(l->rec, n, c);
			uint64_t delta = v - seen[n]; /* rec only grows */
			seen[n] = v;
			switch (mode) {
			case LIVE_ACCUMULATE:
				shown[n] = sat_add(shown[n], delta);
				break;
			case LIVE_DECAY:
				shown[n] = sat_add((uint64_t)((unsigned __int128)shown[n] *
							      l->opts.decay_num / l->opts.decay_den),
						   delta);
				break;
			default:
				shown[n] = delta;
				break;
			}
		}
	}
	size_t ntl;
	profile__timeline(l->rec, &ntl);
	if (mode == LIVE_RESET)
		l->tl_shown_from = l->tl_seen;
	l->tl_seen = ntl;
	profile__spans(l->rec, &ntl, NULL);
	if (mode == LIVE_RESET)
		l->sp_shown_from = l->sp_seen;
	l->sp_seen = ntl;
}

static struct live_snap *make_snap(struct live *l, enum live_mode mode, uint64_t now)
{
	struct live_snap *s = snap_new();
	uint32_t nn = profile__nnodes(l->rec);
	s->ncols = profile__ncolumns(l->rec);
	s->view = clone_structure(l->rec);
	for (int c = 0; c < s->ncols; c++) {
		for (uint32_t n = 0; n < nn; n++)
			profile__set(s->view, n, c, l->shown[c][n]);
		s->runvals[c] = xmalloc(sizeof(uint64_t) * (nn ? nn : 1));
		memcpy(s->runvals[c], l->seen[c], sizeof(uint64_t) * nn);
	}
	size_t ntl;
	const struct timeline_entry *tl = profile__timeline(l->rec, &ntl);
	for (size_t i = l->tl_shown_from; i < ntl; i++)
		profile__timeline_add(s->view, tl[i].time_ns, tl[i].pid, tl[i].tid, tl[i].cpu, tl[i].node);
	s->ntl_head = l->tl_shown_from;
	if (s->ntl_head) {
		s->tl_head = xmalloc(sizeof(*tl) * s->ntl_head);
		memcpy(s->tl_head, tl, sizeof(*tl) * s->ntl_head);
	}
	size_t nsp;
	const struct thread_span *sp = profile__spans(l->rec, &nsp, NULL);
	for (size_t i = l->sp_shown_from; i < nsp; i++)
		profile__span_add(s->view, &sp[i]);
	s->nsp_head = l->sp_shown_from;
	if (s->nsp_head) {
		s->sp_head = xmalloc(sizeof(*sp) * s->nsp_head);
		memcpy(s->sp_head, sp, sizeof(*sp) * s->nsp_head);
	}
	aggregate__build(&s->agg, s->view, 0);
	s->info.time_ns = now;
	s->info.interval_ns = now - l->last_pub_ns;
	s->info.mode = mode;
	return s;
}

void live__publish(struct live *l)
{
	pthread_mutex_lock(&l->mu);
	bool frozen = l->frozen;
	enum live_mode mode = l->mode;
	pthread_mutex_unlock(&l->mu);
	if (frozen)
		return;
	uint64_t now = now_ns();
	fold_interval(l, mode);
	struct live_snap *s = make_snap(l, mode, now);
	l->last_pub_ns = now;

	pthread_mutex_lock(&l->mu);
	struct live_snap *old = l->cur;
	s->info.stats = l->stats;
	s->info.seq = ++l->seq;
	l->cur = s;
	if (l->ended)
		l->done = true;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->mu);
	live_snap__put(old);
}

static void *live_thread(void *arg)
{
	struct live *l = arg;
	/*
	 * Asynchronous signals go to the viewer's thread (the terminal UI handles SIGINT,
	 * SIGWINCH); faults stay deliverable here so that their handlers still run.
	 */
	static const int async[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGCHLD,
				    SIGTSTP, SIGCONT, SIGALRM, SIGUSR1, SIGUSR2};
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(async); i++)
		sigaddset(&set, async[i]);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	uint64_t every = (uint64_t)l->opts.interval_ms * 1000000ull;
	uint64_t next = now_ns() + every;
	for (;;) {
		pthread_mutex_lock(&l->mu);
		bool stop = l->stop, done = l->done, frozen = l->frozen;
		pthread_mutex_unlock(&l->mu);
		if (stop)
			break;
		if (!l->ended) {
			uint64_t now = now_ns();
			uint64_t left = next > now ? (next - now + 999999) / 1000000 : 0;
			live__pump(l, left < l->opts.poll_ms ? (int)left : (int)l->opts.poll_ms);
			now = now_ns();
			if (!l->ended && now >= next) {
				live__publish(l);
				next += every;
				if (next <= now)
					next = now + every; /* after a slow poll: no burst of snapshots */
			}
			continue;
		}
		if (!done && !frozen) {
			live__publish(l); /* the last samples, at once */
			continue;
		}
		/* nothing more will come (or frozen at the end): sleep until stopped or unfrozen */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += 1;
		pthread_mutex_lock(&l->mu);
		if (!l->stop && l->frozen == frozen)
			pthread_cond_timedwait(&l->cond, &l->mu, &ts);
		pthread_mutex_unlock(&l->mu);
	}
	return NULL;
}

int live__start(struct live *l)
{
	int rc = pthread_create(&l->thread, NULL, live_thread, l);
	if (rc)
		return -rc;
	l->started = true;
	return 0;
}

void live__free(struct live *l)
{
	if (!l)
		return;
	if (l->started) {
		pthread_mutex_lock(&l->mu);
		l->stop = true;
		pthread_cond_broadcast(&l->cond);
		pthread_mutex_unlock(&l->mu);
		pthread_join(l->thread, NULL);
	}
	live_snap__put(l->cur);
	profile__free(l->rec);
	for (int c = 0; c < PROFILE_MAX_COLUMNS; c++) {
		free(l->shown[c]);
		free(l->seen[c]);
	}
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

void live__finish(struct live *l)
{
	if (l->started) {
		pthread_mutex_lock(&l->mu);
		l->stop = true;
		pthread_cond_broadcast(&l->cond);
		pthread_mutex_unlock(&l->mu);
		pthread_join(l->thread, NULL);
		l->started = false;
	}
	live__pump(l, 0); /* what arrived since the thread's last poll */
	pthread_mutex_lock(&l->mu);
	l->frozen = false;
	pthread_mutex_unlock(&l->mu);
	live__publish(l);
}

void live__set_mode(struct live *l, enum live_mode m)
{
	pthread_mutex_lock(&l->mu);
	if (m < LIVE_MODE_COUNT)
		l->mode = m;
	pthread_mutex_unlock(&l->mu);
}

enum live_mode live__mode(struct live *l)
{
	pthread_mutex_lock(&l->mu);
	enum live_mode m = l->mode;
	pthread_mutex_unlock(&l->mu);
	return m;
}

void live__set_frozen(struct live *l, bool frozen)
{
	pthread_mutex_lock(&l->mu);
	l->frozen = frozen;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->mu);
}

bool live__frozen(struct live *l)
{
	pthread_mutex_lock(&l->mu);
	bool f = l->frozen;
	pthread_mutex_unlock(&l->mu);
	return f;
}

void live__stats(struct live *l, struct live_stats *st)
{
	pthread_mutex_lock(&l->mu);
	*st = l->stats;
	pthread_mutex_unlock(&l->mu);
}

uint64_t live__seq(struct live *l)
{
	pthread_mutex_lock(&l->mu);
	uint64_t s = l->seq;
	pthread_mutex_unlock(&l->mu);
	return s;
}

uint64_t live__wait(struct live *l, uint64_t seq, int timeout_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&l->mu);
	while (l->seq == seq && !l->stop && !l->done &&
	       pthread_cond_timedwait(&l->cond, &l->mu, &ts) != ETIMEDOUT)
		;
	uint64_t s = l->seq;
	pthread_mutex_unlock(&l->mu);
	return s;
}

struct live_snap *live__snapshot(struct live *l)
{
	pthread_mutex_lock(&l->mu);
	struct live_snap *s = l->cur ? live_snap__get(l->cur) : NULL;
	pthread_mutex_unlock(&l->mu);
	return s;
}
