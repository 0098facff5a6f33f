/* SPDX-License-Identifier: MIT */
/* Push to Pyroscope: profiles sent to its HTTP ingest API, once or every interval, queued on disk. */
#ifndef SCORCH_PUSH_H
#define SCORCH_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/profile.h"

#define PUSH_MAX_HEADERS 16

/* What the pushed profiles measure: picks the series name, the units and the pprof sample type. */
enum push_kind {
	PUSH_CPU = 0, /* on-CPU samples: APP.cpu, units=samples, samples/count + cpu/nanoseconds */
	PUSH_OFFCPU,  /* --off-cpu, --off-wake: APP.off_cpu, units=nanoseconds, off-cpu/nanoseconds */
	PUSH_WALL,    /* --on-off: APP.wall, units=nanoseconds, wall/nanoseconds */
};

enum push_format {
	PUSH_PPROF = 0, /* gzip'd profile.proto, format=pprof (the default) */
	PUSH_FOLDED,    /* "a;b;c N" lines, format=folded */
};

/*
 * What the command line says about pushing. Zero-initialise, then fill with
 * push_opts__parse(); url NULL means no pushing at all.
 */
struct push_opts {
	const char *url;    /* the server: http://host:4040 (/ingest is appended) */
	const char *app;    /* application name; NULL: "scorch" */
	const char *labels; /* "k=v,k=v" or NULL */
	const char *headers[PUSH_MAX_HEADERS]; /* "Name: value", sent with every request */
	int nheaders;
	enum push_format format;
	enum push_kind kind;   /* set by the command from --off-cpu / --on-off, not an option */
	double every_s;        /* push the interval's profile every every_s seconds; 0: once, at the end */
	const char *queue_dir; /* NULL: $SCORCH_PUSH_QUEUE, else /var/tmp/scorch-push-UID */
	unsigned queue_max;    /* at most this many profiles wait on disk; 0: 64 */
	double timeout_s;      /* how long the end waits for the queue to empty; 0: 10 */
};

/*
 * The push options of record and top, in one place so both commands read them the same way.
 * opt is the long option's name without "--" ("push", "app", "labels", "every",
 * "push-header", "push-format", "push-queue", "push-queue-max", "push-timeout").
 * Returns 1 when opt is one of them (value checked and stored, arg must outlive o), 0 when
 * it is not, -EINVAL with a message in err for a bad value.
 */
int push_opts__parse(struct push_opts *o, const char *opt, const char *arg, char *err,
		     size_t errlen);
/* Checks the options once parsing is over (e.g. --every without --push). 0 or -EINVAL. */
int push_opts__check(const struct push_opts *o, char *err, size_t errlen);
/* The option help shared by record and top (a block of lines, ending with a newline). */
extern const char push_opts__help[];

struct push_agent;

/*
 * Starts pushing: the on-disk queue is opened (profiles a previous run left there are sent
 * first) and the sender thread started. Returns NULL with a reason in err when the queue
 * directory cannot be made or libcurl cannot be loaded (dlopen, at the first call) or started.
 */
struct push_agent *push_agent__new(const struct push_opts *o, char *err, size_t errlen);

/*
 * Called by the sampling loop after each drain into p (a profile that only grows, the same
 * one every call): when an interval is due, what p gained since the last push is sent as
 * one profile covering [from, until). Cheap when nothing is due. Not thread-safe: one caller.
 */
void push_agent__tick(struct push_agent *a, struct profile *p);

/*
 * Milliseconds until the next interval is due (0: now), for the sampling loop's poll timeout;
 * -1 without --every or without an agent. The interval clock starts at the first call (or
 * the first tick).
 */
int push_agent__due_ms(struct push_agent *a);

/*
 * The end of the run: what p gained since the last push (all of p without --every) is
 * queued, and the queue is given up to timeout_s to empty. Prints what could not be sent
 * (it stays on disk for the next run). Returns 0 when everything went, -EAGAIN otherwise.
 */
int push_agent__finish(struct push_agent *a, struct profile *p);

/*
 * Says that p exists only to be pushed (record --every with no output file): after each push
 * p's call tree is dropped with profile__reset_tree, so memory holds one interval's stacks
 * instead of every stack of the run. Frame ids stay valid.
 */
void push_agent__reset_after_push(struct push_agent *a);

/* Column 0's total that those resets took out of p: the run's total is this plus p's. */
uint64_t push_agent__dropped_total(const struct push_agent *a);

/* Stops the sender thread and frees; accepts NULL. Queued profiles stay on disk. */
void push_agent__free(struct push_agent *a);

/* ---- the queue and the HTTP client (push_queue.c) ---- */

struct push_queue;

/* What one queued profile is sent with. */
struct push_item {
	char *query;        /* the query string after "/ingest?" */
	char *content_type; /* "application/octet-stream" or "text/plain" */
	char *body;
	size_t len;
};

struct push_queue *push_queue__new(const struct push_opts *o, char *err, size_t errlen);
/* Writes the item to the queue directory (dropping the oldest beyond queue_max) and wakes
 * the sender. Returns 0 or -errno. */
int push_queue__put(struct push_queue *q, const struct push_item *it);
/* Waits until the queue is empty or timeout_s has passed; returns how many items remain. */
unsigned push_queue__drain(struct push_queue *q, double timeout_s);
/* Counters for the summary. */
void push_queue__counts(struct push_queue *q, unsigned *sent, unsigned *dropped,
			unsigned *failed_attempts);
const char *push_queue__dir(const struct push_queue *q);
void push_queue__free(struct push_queue *q);

#endif
