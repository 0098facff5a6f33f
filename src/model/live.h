/* SPDX-License-Identifier: MIT */
/* The live profile shared by every viewer: a sampling thread, update modes, immutable snapshots. */
#ifndef SCORCH_LIVE_H
#define SCORCH_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "aggregate.h"
#include "profile.h"

/*
 * One thread (the live thread) owns the recording profile and the source; it polls the source
 * for samples and, once per interval, folds the interval into the displayed profile per the
 * mode and publishes a snapshot. Viewers (the terminal UI, web requests) take references to
 * the newest snapshot and read it without locks while sampling goes on.
 */

enum live_mode {
	LIVE_RESET,      /* each snapshot shows the last interval only */
	LIVE_ACCUMULATE, /* the new interval is added to what was shown */
	LIVE_DECAY,      /* what was shown is scaled by decay_num/decay_den, then the interval added */
	LIVE_MODE_COUNT,
};

/* What the source reports; strings must stay valid until live__free. */
struct live_stats {
	const char *backend; /* "perf_event", "file", ... */
	const char *event;   /* "cpu-clock", or NULL */
	const char *note;    /* one line worth telling the user, or NULL */
	unsigned freq;       /* Hz, 0 if unknown */
	uint64_t samples;
	uint64_t lost;
	uint64_t elapsed_ns;
	bool ended;          /* every target has exited; no more data will come */
	int error;           /* set by live: the negative errno that stopped sampling, or 0 */
};

/*
 * Where samples come from (the sampler, a test's generator). Only the live thread calls these.
 * poll() waits up to timeout_ms for data and adds it to p, always the same profile (the
 * source may cache its frame ids); returns 0, -EINTR (not an error), or a negative errno,
 * which stops sampling. stats() fills st (it need not set error). Either may be NULL.
 */
struct live_source {
	void *ctx;
	int (*poll)(void *ctx, struct profile *p, int timeout_ms);
	void (*stats)(void *ctx, struct live_stats *st);
};

struct live_opts {
	unsigned interval_ms;    /* snapshot period; 0: 1000 */
	unsigned poll_ms;        /* longest single poll, bounds how long live__free waits; 0: 50 */
	enum live_mode mode;     /* initial mode (LIVE_RESET when zeroed) */
	uint32_t decay_num, decay_den; /* LIVE_DECAY factor; 0/0: 1/2 */
};

struct live;
struct live_snap;

/*
 * Creates a live profile over src (copied) with opts (NULL: defaults). Nothing runs until
 * live__start; without it the caller drives live__pump / live__publish itself (tests).
 * Free with live__free.
 */
struct live *live__new(const struct live_source *src, const struct live_opts *opts);
/* Starts the live thread. Returns 0 or a negative errno from pthread_create. */
int live__start(struct live *l);
/* Stops the live thread (within about poll_ms), drops the newest snapshot; accepts NULL. */
void live__free(struct live *l);
/*
 * Stops the live thread and publishes one last snapshot (frozen or not) holding every sample
 * the source gave, so that live_snap__run() of live__snapshot() is the whole run, e.g. to
 * save it at exit. Nothing is sampled afterwards.
 */
void live__finish(struct live *l);

/*
 * Without a thread: one poll of the source (up to timeout_ms) into the recording. Returns the
 * poll's result; after an error or the end of the data it returns 0 without polling.
 */
int live__pump(struct live *l, int timeout_ms);
/*
 * Without a thread: ends the interval. Folds the samples recorded since the last interval
 * into the displayed profile per the mode and publishes a snapshot; does nothing when frozen
 * (the samples wait for the next unfrozen interval).
 */
void live__publish(struct live *l);

/* Settings any viewer may change; they apply from the next interval on. */
void live__set_mode(struct live *l, enum live_mode m);
enum live_mode live__mode(struct live *l);
/* Frozen: no snapshots are published; recording goes on and is shown after unfreezing. */
void live__set_frozen(struct live *l, bool frozen);
bool live__frozen(struct live *l);
/* "reset", "accumulate", "decay". */
const char *live__mode_name(enum live_mode m);

/* The source's latest statistics (updated after every poll). */
void live__stats(struct live *l, struct live_stats *st);
/* Sequence number of the newest snapshot: 0 before the first, then 1, 2, ... */
uint64_t live__seq(struct live *l);
/*
 * Waits up to timeout_ms for a snapshot newer than seq, or the end of sampling; returns
 * live__seq(). For viewers that block (long-poll requests); the terminal UI polls live__seq.
 */
uint64_t live__wait(struct live *l, uint64_t seq, int timeout_ms);

/*
 * The newest snapshot with a reference taken, or NULL before the first one. Any thread may
 * call it; the snapshot never changes. Release with live_snap__put.
 */
struct live_snap *live__snapshot(struct live *l);

/*
 * A snapshot of a fixed profile (a saved file): it takes ownership of p; the view and the
 * whole run are both p. stats may be NULL. Release with live_snap__put.
 */
struct live_snap *live_snap__of_profile(struct profile *p, const struct live_stats *stats);
/* Takes another reference (for a second viewer or thread). */
struct live_snap *live_snap__get(struct live_snap *s);
/* Drops a reference; the last one frees the snapshot. Accepts NULL. */
void live_snap__put(struct live_snap *s);

/* The displayed profile (per the mode) and its aggregate of column 0. */
const struct profile *live_snap__profile(const struct live_snap *s);
const struct aggregate *live_snap__aggregate(const struct live_snap *s);
/*
 * Everything recorded since the start, same node and string ids as live_snap__profile; built
 * on the first call (thread-safe), then kept with the snapshot. agg may be NULL.
 */
const struct profile *live_snap__run(struct live_snap *s, const struct aggregate **agg);

/* When and how the snapshot was made. */
struct live_snap_info {
	uint64_t seq;         /* live__seq() of this snapshot; 0 for a fixed profile */
	uint64_t time_ns;     /* CLOCK_MONOTONIC at publication */
	uint64_t interval_ns; /* time the last interval covered */
	enum live_mode mode;  /* mode that produced the displayed profile */
	struct live_stats stats; /* the source's statistics at publication */
};
void live_snap__info(const struct live_snap *s, struct live_snap_info *info);

#endif
