// SPDX-License-Identifier: MIT
/* serve's profiles: live profiles fed by the helper's streams, bounded, optionally stored. */
#define _GNU_SOURCE
#include "session.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "viewer.h"
#include "wire.h"
#include "../sink/sink.h"
#include "../source/read_formats.h"
#include "../util/util.h"

static const char *const mode_names[] = {"cpu", "off-cpu", "on-off"};
static const char *const cg_names[] = {"auto", "fp", "dwarf", "fp+leaf"};

/* One rendering of the newest snapshot, made once and shared by every request. */
struct view_cache {
	pthread_mutex_t lock;
	struct strbuf buf;
	struct live_snap *snap; /* referenced: its address cannot be reused meanwhile */
	int rc;                 /* what the rendering returned */
};

static void view_cache__init(struct view_cache *vc)
{
	pthread_mutex_init(&vc->lock, NULL);
	vc->buf = (struct strbuf){0};
	vc->snap = NULL;
	vc->rc = 0;
}

static void view_cache__free(struct view_cache *vc)
{
	strbuf__free(&vc->buf);
	live_snap__put(vc->snap);
	pthread_mutex_destroy(&vc->lock);
}

struct session {
	struct sessions *owner;
	struct session *next; /* registry list, newest first */
	unsigned id;
	int refs;             /* under owner->lock */
	char *title;
	struct priv_request rq;
	time_t created;
	int fd;               /* the sampler's stream; -1 once closed */
	struct wire_dec dec;  /* live thread only */
	bool eof;             /* live thread only: the stream ended */
	struct live *live;    /* NULL for a profile loaded from the store */
	struct live_snap *fixed; /* the loaded profile */
	bool finished;        /* under owner->lock: stored, counted as history */
	bool stop_sent;
	struct view_cache view;   /* the viewer JSON of the newest snapshot, made once */
	struct view_cache coarse; /* its coarse copy (viewer__coarse_json) */
	char error[256];      /* under owner->lock once finished */
};

struct sessions {
	int ctl;
	struct sess_limits lim;
	char *store_dir;
	pthread_mutex_t lock; /* the list, refs, finished; and the control socket */
	struct session *head;
	unsigned next_id;
	pthread_t monitor;
	bool quit;
	pthread_cond_t cond;
};

/* ---- the live source: the helper's stream ------------------------------------------------ */

static int sess_poll(void *ctx, struct profile *p, int timeout_ms)
{
	struct session *s = ctx;
	if (s->eof)
		return 0;
	struct pollfd pf = {s->fd, POLLIN, 0};
	int n = poll(&pf, 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? -EINTR : -errno;
	if (n == 0)
		return 0;
	char buf[65536];
	for (int i = 0; i < 64; i++) {
		ssize_t r = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			s->eof = true;
			break;
		}
		if (r == 0) {
			s->eof = true;
			break;
		}
		if (wire_dec__feed(&s->dec, p, buf, (size_t)r) < 0) {
			s->eof = true;
			return -EPROTO;
		}
		if (s->dec.ended) {
			s->eof = true;
			break;
		}
	}
	return 0;
}

static void sess_stats(void *ctx, struct live_stats *st)
{
	struct session *s = ctx;
	st->backend = "perf_event";
	st->event = "cpu-clock";
	st->freq = s->dec.stats.freq ? s->dec.stats.freq : s->rq.hz;
	st->samples = s->dec.stats.samples;
	st->lost = s->dec.stats.lost;
	st->elapsed_ns = s->dec.stats.elapsed_ns;
	st->ended = s->eof;
	st->note = s->dec.error[0] ? s->dec.error : NULL;
}

static void live_snap_info_stats(struct live_snap *snap, struct live_stats *st);
static void load_store(struct sessions *ss);

/* ---- registry ----------------------------------------------------------------------------- */

static void session_free(struct session *s)
{
	live__free(s->live);
	live_snap__put(s->fixed);
	view_cache__free(&s->view);
	view_cache__free(&s->coarse);
	if (s->fd >= 0)
		close(s->fd);
	wire_dec__free(&s->dec);
	free(s->title);
	free(s);
}

void session__put(struct session *s)
{
	if (!s)
		return;
	struct sessions *ss = s->owner;
	pthread_mutex_lock(&ss->lock);
	bool last = --s->refs == 0;
	pthread_mutex_unlock(&ss->lock);
	if (last)
		session_free(s);
}

static bool ended(struct session *s, struct live_stats *st)
{
	if (!s->live) {
		live_snap_info_stats(s->fixed, st);
		return true;
	}
	live__stats(s->live, st);
	return st->ended || st->error;
}

static void live_snap_info_stats(struct live_snap *snap, struct live_stats *st)
{
	struct live_snap_info info;
	live_snap__info(snap, &info);
	*st = info.stats;
	st->ended = true;
}

/* Writes a finished profile to the store directory. */
static void store(struct sessions *ss, struct session *s)
{
	if (!ss->store_dir || !s->live)
		return;
	struct live_snap *snap = live__snapshot(s->live);
	const struct profile *run = snap ? live_snap__run(snap, NULL) : NULL;
	if (run && profile__column_total(run, 0)) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/scorch-%ld-%u.folded", ss->store_dir,
			 (long)s->created, s->id);
		sink__write(run, path, NULL, NULL);
	}
	live_snap__put(snap);
}

/* Drops the oldest finished profiles beyond the history bound (lock held). */
static void trim_history(struct sessions *ss, struct session **freed, size_t *nfreed)
{
	unsigned kept = 0;
	for (struct session **pp = &ss->head; *pp;) {
		struct session *s = *pp;
		if (s->finished && ++kept > ss->lim.max_history) {
			*pp = s->next;
			if (--s->refs == 0)
				freed[(*nfreed)++] = s;
			continue;
		}
		pp = &s->next;
	}
}

/* Marks profiles whose sampling ended as finished, stores them, trims the history. */
static void *monitor(void *arg)
{
	struct sessions *ss = arg;
	pthread_mutex_lock(&ss->lock);
	while (!ss->quit) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&ss->cond, &ss->lock, &ts);
		struct session *todo[64];
		size_t ntodo = 0;
		for (struct session *s = ss->head; s && ntodo < 64; s = s->next) {
			struct live_stats st;
			if (!s->finished && ended(s, &st)) {
				s->finished = true;
				s->refs++;
				todo[ntodo++] = s;
			}
		}
		struct session *freed[256];
		size_t nfreed = 0;
		trim_history(ss, freed, &nfreed);
		pthread_mutex_unlock(&ss->lock);
		for (size_t i = 0; i < ntodo; i++) {
			store(ss, todo[i]);
			session__put(todo[i]);
		}
		for (size_t i = 0; i < nfreed; i++)
			session_free(freed[i]);
		pthread_mutex_lock(&ss->lock);
	}
	pthread_mutex_unlock(&ss->lock);
	return NULL;
}

struct sessions *sessions__new(int ctl, const struct sess_limits *lim, const char *store_dir)
{
	struct sessions *ss = xcalloc(1, sizeof(*ss));
	ss->ctl = ctl;
	ss->lim = *lim;
	if (!ss->lim.max_running)
		ss->lim.max_running = 4;
	if (!ss->lim.max_history)
		ss->lim.max_history = 32;
	ss->store_dir = store_dir ? xstrdup(store_dir) : NULL;
	ss->next_id = 1;
	pthread_mutex_init(&ss->lock, NULL);
	pthread_cond_init(&ss->cond, NULL);
	if (ss->store_dir)
		load_store(ss);
	if (pthread_create(&ss->monitor, NULL, monitor, ss)) {
		util__error("cannot start the profile monitor thread");
		exit(1);
	}
	return ss;
}

void sessions__free(struct sessions *ss)
{
	if (!ss)
		return;
	pthread_mutex_lock(&ss->lock);
	ss->quit = true;
	pthread_cond_broadcast(&ss->cond);
	pthread_mutex_unlock(&ss->lock);
	pthread_join(ss->monitor, NULL);
	while (ss->head) {
		struct session *s = ss->head;
		ss->head = s->next;
		if (--s->refs == 0)
			session_free(s);
	}
	pthread_mutex_destroy(&ss->lock);
	pthread_cond_destroy(&ss->cond);
	free(ss->store_dir);
	free(ss);
}

int sessions__start(struct sessions *ss, const struct priv_request *rq, const char *title,
		    char *err, size_t errlen)
{
	pthread_mutex_lock(&ss->lock);
	unsigned running = 0;
	for (struct session *s = ss->head; s; s = s->next)
		running += !s->finished;
	if (running >= ss->lim.max_running) {
		pthread_mutex_unlock(&ss->lock);
		snprintf(err, errlen, "%u profiles are running already (--max-running)", running);
		return -EBUSY;
	}
	int fd = priv__start(ss->ctl, rq, err, errlen);
	if (fd < 0) {
		pthread_mutex_unlock(&ss->lock);
		return fd;
	}
	struct session *s = xcalloc(1, sizeof(*s));
	s->owner = ss;
	s->fd = fd;
	s->rq = *rq;
	s->title = xstrdup(title);
	s->created = time(NULL);
	s->refs = 1;
	s->id = ss->next_id++;
	view_cache__init(&s->view);
	view_cache__init(&s->coarse);
	struct live_source src = {s, sess_poll, sess_stats};
	struct live_opts lo = {.interval_ms = 1000, .mode = LIVE_ACCUMULATE};
	s->live = live__new(&src, &lo);
	int rc = live__start(s->live);
	if (rc < 0) {
		pthread_mutex_unlock(&ss->lock);
		snprintf(err, errlen, "cannot start a thread: %s", strerror(-rc));
		session_free(s);
		return rc;
	}
	s->next = ss->head;
	ss->head = s;
	int id = (int)s->id;
	pthread_mutex_unlock(&ss->lock);
	return id;
}

struct session *sessions__get(struct sessions *ss, unsigned id)
{
	pthread_mutex_lock(&ss->lock);
	struct session *s = ss->head;
	while (s && s->id != id)
		s = s->next;
	if (s)
		s->refs++;
	pthread_mutex_unlock(&ss->lock);
	return s;
}

int session__stop(struct session *s)
{
	struct live_stats st;
	if (ended(s, &st))
		return -EALREADY;
	pthread_mutex_lock(&s->owner->lock);
	if (!s->stop_sent && s->fd >= 0) {
		s->stop_sent = true;
		ssize_t n = send(s->fd, "s", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)n;
	}
	pthread_mutex_unlock(&s->owner->lock);
	return 0;
}

int sessions__delete(struct sessions *ss, unsigned id)
{
	pthread_mutex_lock(&ss->lock);
	struct session **pp = &ss->head;
	while (*pp && (*pp)->id != id)
		pp = &(*pp)->next;
	struct session *s = *pp;
	if (!s) {
		pthread_mutex_unlock(&ss->lock);
		return -ENOENT;
	}
	*pp = s->next;
	/* the sampler stops at once when its stream closes */
	shutdown(s->fd, SHUT_RDWR);
	bool last = --s->refs == 0;
	pthread_mutex_unlock(&ss->lock);
	if (last)
		session_free(s);
	return 0;
}

const char *session__state(struct session *s)
{
	struct live_stats st;
	if (!ended(s, &st))
		return "running";
	return st.error || st.note ? "error" : "done";
}

json_t *session__status(struct session *s)
{
	struct live_stats st;
	bool end = ended(s, &st);
	const char *state = !end ? "running" : (st.error || st.note) ? "error" : "done";
	json_t *pids = json_array();
	for (uint32_t i = 0; i < s->rq.npids && i < PRIV_MAX_PIDS; i++)
		json_array_append_new(pids, json_integer(s->rq.pids[i]));
	json_t *o = json_pack("{s:i, s:s, s:s, s:I, s:o, s:b, s:i, s:i, s:s, s:s, s:I, s:I, s:f}",
			      "id", (int)s->id, "title", s->title, "state", state,
			      "created", (json_int_t)s->created, "pids", pids, "all",
			      s->rq.all != 0, "seconds", (int)s->rq.seconds, "hz", (int)s->rq.hz,
			      "mode", s->rq.mode < 3 ? mode_names[s->rq.mode] : "cpu", "call_graph",
			      s->rq.call_graph < 4 ? cg_names[s->rq.call_graph] : "auto", "samples",
			      (json_int_t)st.samples, "lost", (json_int_t)st.lost, "elapsed",
			      (double)st.elapsed_ns / 1e9);
	uint64_t seq = s->live ? live__seq(s->live) : 1;
	json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	if (end && (st.error || st.note))
		json_object_set_new(o, "error", json_string(st.note ? st.note
								    : strerror(-st.error)));
	return o;
}

json_t *sessions__list(struct sessions *ss)
{
	json_t *arr = json_array();
	pthread_mutex_lock(&ss->lock);
	for (struct session *s = ss->head; s; s = s->next)
		json_array_append_new(arr, session__status(s));
	pthread_mutex_unlock(&ss->lock);
	return arr;
}

struct live_snap *session__snapshot(struct session *s)
{
	return s->live ? live__snapshot(s->live) : live_snap__get(s->fixed);
}

uint64_t session__wait(struct session *s, uint64_t seq, int timeout_ms)
{
	return s->live ? live__wait(s->live, seq, timeout_ms) : 0;
}

/*
 * Appends what render made of the newest snapshot to out, rendering it once per snapshot.
 * Returns render's result (>= 0; out is appended to only when it is > 0 or when all is set),
 * or -EAGAIN before the first snapshot.
 */
static int view_cached(struct session *s, struct view_cache *vc,
		       int (*render)(const struct profile *, struct strbuf *), bool all,
		       struct strbuf *out)
{
	struct live_snap *snap = session__snapshot(s);
	if (!snap)
		return -EAGAIN;
	pthread_mutex_lock(&vc->lock);
	/* a snapshot never changes: its JSON is made once */
	if (vc->snap != snap) {
		vc->buf.len = 0;
		live_snap__put(vc->snap);
		vc->snap = NULL;
		vc->rc = render(live_snap__run(snap, NULL), &vc->buf);
		if (vc->rc >= 0)
			vc->snap = live_snap__get(snap);
	}
	int rc = vc->rc;
	if (rc > 0 || (rc == 0 && all))
		strbuf__add(out, vc->buf.buf, vc->buf.len);
	pthread_mutex_unlock(&vc->lock);
	live_snap__put(snap);
	return rc;
}

int session__view_json(struct session *s, struct strbuf *out)
{
	int rc = view_cached(s, &s->view, viewer__json, true, out);
	return rc < 0 ? rc : 0;
}

int session__coarse_json(struct session *s, struct strbuf *out)
{
	return view_cached(s, &s->coarse, viewer__coarse_json, false, out);
}

/* Loads one stored profile as a finished session (the list is newest first: prepend). */
static void load_one(struct sessions *ss, const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *buf;
	size_t len;
	struct stat st;
	if (util__read_regular(path, O_NOFOLLOW, (size_t)1 << 30, &buf, &len, &st) < 0)
		return;
	struct profile *p = profile__new();
	struct folded_opts fo = {0};
	struct folded_stats fs;
	int rc = format__read(buf, len, p, 0, &fo, &fs);
	free(buf);
	if (rc < 0 || !profile__column_total(p, 0)) {
		profile__free(p);
		return;
	}
	struct live_stats ls = {.backend = "file", .samples = profile__column_total(p, 0),
				.ended = true};
	struct session *s = xcalloc(1, sizeof(*s));
	s->owner = ss;
	s->fd = -1;
	s->rq.magic = PRIV_MAGIC;
	s->title = xstrdup(name);
	s->created = st.st_mtime;
	s->refs = 1;
	s->finished = true;
	s->id = ss->next_id++;
	s->fixed = live_snap__of_profile(p, &ls);
	view_cache__init(&s->view);
	view_cache__init(&s->coarse);
	s->next = ss->head;
	ss->head = s;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The store's scorch-*.folded files, oldest first by name (scorch-EPOCH-ID), at most max. */
static void load_store(struct sessions *ss)
{
	DIR *d = opendir(ss->store_dir);
	if (!d)
		return;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "scorch-", 7) || !util__has_suffix(de->d_name, ".folded"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < n; i++) {
		if (n - i <= ss->lim.max_history)
			load_one(ss, ss->store_dir, names[i]);
		free(names[i]);
	}
	free(names);
}
