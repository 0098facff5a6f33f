/* SPDX-License-Identifier: MIT */
/* serve's profiles: each one a live profile fed by a sampler of the privileged helper. */
#ifndef SCORCH_WEB_SESSION_H
#define SCORCH_WEB_SESSION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "privsep.h"
#include "../model/live.h"

struct sess_limits {
	unsigned max_running; /* profiles sampling at once */
	unsigned max_history; /* finished profiles kept (the oldest go first) */
};

struct sessions;
struct session;

/*
 * The registry over the helper's control socket ctl. store_dir: finished profiles are also
 * written there as ID.folded (NULL: memory only). Free with sessions__free.
 */
struct sessions *sessions__new(int ctl, const struct sess_limits *lim, const char *store_dir);
/* Stops every sampler and frees everything. */
void sessions__free(struct sessions *ss);

/*
 * Starts a profile per rq (validated again by the helper). Returns its id (> 0), or a
 * negative errno with a one-line reason in err: -EBUSY (too many running), and the
 * errors of priv__start.
 */
int sessions__start(struct sessions *ss, const struct priv_request *rq, const char *title,
		    char *err, size_t errlen);
/* The profile with this id with a reference taken, or NULL. Release with session__put. */
struct session *sessions__get(struct sessions *ss, unsigned id);
void session__put(struct session *s);
/* Stops sampling early (what was sampled is kept). Returns 0, or -EALREADY once done. */
int session__stop(struct session *s);
/* Removes a profile (stopping it first). Returns 0 or -ENOENT. */
int sessions__delete(struct sessions *ss, unsigned id);
/* A JSON array of every profile's status, newest first. Caller owns it. */
json_t *sessions__list(struct sessions *ss);
/* One profile's status: id, title, state, samples, lost, elapsed, parameters. */
json_t *session__status(struct session *s);
/* "running", "done" or "error". */
const char *session__state(struct session *s);
/* The newest snapshot (referenced; release with live_snap__put), or NULL before the first. */
struct live_snap *session__snapshot(struct session *s);
/*
 * Appends the viewer JSON (viewer.h) of everything recorded so far to out; made once per
 * snapshot and shared by every request. Returns 0, -EAGAIN before the first snapshot.
 */
struct strbuf;
int session__view_json(struct session *s, struct strbuf *out);
/*
 * Appends the coarse copy (viewer__coarse_json) of the same snapshot to out, also made once
 * per snapshot. Returns 1 when it was appended, 0 when the profile has no frame to leave out
 * (the full JSON is as quick to draw: nothing appended), -EAGAIN before the first snapshot.
 */
int session__coarse_json(struct session *s, struct strbuf *out);
/* Waits up to timeout_ms for a snapshot newer than seq or the end; returns the newest seq. */
uint64_t session__wait(struct session *s, uint64_t seq, int timeout_ms);

#endif
