/* SPDX-License-Identifier: MIT */
/* Reader of `perf script` text into a profile, with stackcollapse-perf.pl's exact rules. */
#ifndef SCORCH_READ_PERF_SCRIPT_H
#define SCORCH_READ_PERF_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/profile.h"

struct symbolizer;

struct perf_script_opts {
	bool pid, tid;         /* root frame comm-PID or comm-PID/TID */
	bool kernel, jit;      /* _[k] and _[j] annotations */
	bool addrs;            /* [module <addr>] for frames without a symbol */
	bool inlines, context; /* expand inlined frames (needs sym) */
	bool srcline;          /* input has `perf script -F+srcline` lines */
	const char *event_filter; /* NULL: the first event seen */
	struct symbolizer *sym;   /* for inlines; may be NULL */
	int max_warnings;         /* unrecognized lines printed (default 10 when 0) */
};

struct perf_script_stats {
	uint64_t lines;
	uint64_t samples;      /* samples added */
	uint64_t unrecognized; /* lines that were neither samples nor frames */
	uint64_t filtered;     /* samples dropped by the event filter */
	uint64_t overflow_line; /* line where a period or a sum overflowed 64 bits */
};

/*
 * Parses perf script text. Every sample becomes a stack in column col, weighted by its
 * period when perf printed one, else 1. Returns 0 or -EOVERFLOW.
 * Warnings (unrecognized lines, event filtering) go to stderr.
 */
int perf_script__read(const char *buf, size_t len, struct profile *p, int col,
		      const struct perf_script_opts *opts, struct perf_script_stats *st);

/*
 * The same, on input that arrives in pieces (read() into a small buffer that stays in the
 * cache, instead of a mapping of the whole file: the first touch of each 4 KB page costs more
 * than reading it on the VMs scorch is measured on). begin() keeps opts and st until end();
 * feed() reads the complete lines of buf[0..len) and returns how many bytes that was (the
 * caller keeps the rest and adds to it), or all of them when last is set (the input ended).
 * With opts->srcline, a source line follows its frame line: give the whole input at once.
 * end() frees the reader and returns 0 or -EOVERFLOW.
 */
struct perf_script_stream;
struct perf_script_stream *perf_script__begin(struct profile *p, int col,
					      const struct perf_script_opts *opts,
					      struct perf_script_stats *st);
size_t perf_script__feed(struct perf_script_stream *s, const char *buf, size_t len, bool last);
int perf_script__end(struct perf_script_stream *s);

#endif
