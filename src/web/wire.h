/* SPDX-License-Identifier: MIT */
/* A profile streamed as deltas over a byte stream: the sampling helper encodes, serve decodes. */
#ifndef SCORCH_WEB_WIRE_H
#define SCORCH_WEB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/profile.h"
#include "../util/util.h"

/*
 * The privileged sampling helper keeps the recording profile; every so often it sends what
 * is new since its last send: strings, frames, trie nodes, per-node value increments,
 * timeline entries, metadata and the sampler's statistics. The receiver replays them into
 * its own profile, mapping the sender's ids to its own, so both hold the same stacks.
 * Messages: u32 type, u32 payload length, payload (little-endian, native widths).
 */
enum wire_type {
	WIRE_STR = 1,  /* bytes */
	WIRE_FRAME,    /* u32 name, module, file, line, kind, raw, mapping; u64 addr (remote ids) */
	WIRE_NODE,     /* u32 parent, frame (remote ids; node ids count from 1 in order) */
	WIRE_VALUE,    /* u32 node, u32 col, u64 increment */
	WIRE_TIMELINE, /* u64 time_ns; u32 pid, tid, cpu, node */
	WIRE_META,     /* struct wire_meta, then the event, cmdline and column-0 name, NUL-ended */
	WIRE_STATS,    /* struct wire_stats */
	WIRE_END,      /* sampling is over; nothing follows */
	WIRE_ERROR,    /* a one-line reason sampling could not start or stopped; nothing follows */
	WIRE_MAPPING,  /* u32 path, build_id (remote string ids); u64 start, end, pgoff */
};

#define WIRE_MAX_PAYLOAD (1u << 20)

struct wire_meta {
	uint64_t period, start_ns, duration_ns, lost;
	uint32_t freq, col0_type;
};

struct wire_stats {
	uint64_t samples, lost, elapsed_ns;
	uint32_t freq, ended;
};

/* Sender side: remembers what was sent. Zero-initialise; free with wire_enc__free. */
struct wire_enc {
	uint32_t nstrings, nframes, nnodes, nmappings;
	uint64_t *sent;    /* per node: column-0 value already sent */
	size_t nsent;
	size_t ntimeline;
	size_t max_timeline; /* timeline entries forwarded at most (0: none) */
};

/*
 * Appends to out every change of p since the previous call (same p each time), metadata
 * and st included (st may be NULL). Returns 0.
 */
int wire_enc__delta(struct wire_enc *e, const struct profile *p, const struct wire_stats *st,
		    struct strbuf *out);
void wire_enc__free(struct wire_enc *e);
/* Appends one message of type t. */
void wire__msg(struct strbuf *out, enum wire_type t, const void *payload, uint32_t len);

/* Receiver side. Zero-initialise; free with wire_dec__free. */
struct wire_dec {
	uint32_t *str, *frame, *node, *map; /* remote id -> local id */
	size_t nstr, nframe, nnode, nmap, capstr, capframe, capnode, capmap;
	struct strbuf in;             /* bytes not yet parsed */
	struct wire_stats stats;
	bool ended;
	char error[256];
};

/*
 * Adds len bytes read from the stream and applies every complete message to p (always the
 * same p). Returns 0, or -EPROTO for a malformed stream (the reason in d->error).
 */
int wire_dec__feed(struct wire_dec *d, struct profile *p, const void *buf, size_t len);
void wire_dec__free(struct wire_dec *d);

#endif
