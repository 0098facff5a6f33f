/* SPDX-License-Identifier: MIT */
/* Writers of the interchange formats: pprof, speedscope, Chrome trace and d3 JSON. */
#ifndef SCORCH_FORMATS_H
#define SCORCH_FORMATS_H

#include <stdbool.h>

#include "../model/profile.h"
#include "../util/util.h"

/* Options shared by the interchange writers; zero-initialise for the defaults. */
struct format_opts {
	bool json_compact;   /* d3 JSON: no indentation, and a dictionary of names ("n" indexes) */
	bool per_root;       /* speedscope: one sampled profile per root frame (thread/process) */
};

/*
 * Each writer renders column col of p into out (appending) and returns 0 or a negative errno
 * with a one-line message in err (err may be NULL). out is owned by the caller.
 */

/* pprof profile.proto, gzip-compressed (.pb.gz / .pprof). */
int pprof__write(const struct profile *p, int col, const struct format_opts *o,
		 struct strbuf *out, struct strbuf *err);
/* speedscope's file format (.speedscope.json). */
int speedscope__write(const struct profile *p, int col, const struct format_opts *o,
		      struct strbuf *out, struct strbuf *err);
/* Chrome trace event JSON (.trace.json), for Perfetto and chrome://tracing. */
int trace__write(const struct profile *p, int col, const struct format_opts *o,
		 struct strbuf *out, struct strbuf *err);
/* d3-flame-graph's {name, value, children} tree (.json). */
int d3json__write(const struct profile *p, int col, const struct format_opts *o,
		  struct strbuf *out, struct strbuf *err);

/* The writer for a file name's suffix, or NULL: .pb.gz .pprof .speedscope.json .trace.json .json */
typedef int (*format_write_fn)(const struct profile *p, int col, const struct format_opts *o,
			       struct strbuf *out, struct strbuf *err);
format_write_fn format__writer_for(const char *path);

/* Appends s as a JSON string literal (quotes included); invalid UTF-8 bytes become U+FFFD. */
void json__string(struct strbuf *out, const char *s);

/* Nanoseconds one sample stands for (period of a clock event, else 1e9/freq), 0 if unknown. */
uint64_t format__sample_ns(const struct profile *p);

/*
 * What a root frame says about its thread: "comm-PID/TID", "comm-PID" or "comm" (scorch
 * record, stackcollapse --pid/--tid). Copies comm into comm[cap] and sets *pid, *tid (0 when
 * absent). Returns 0, or -EINVAL when node's root is not a synthetic (thread/process) frame.
 */
int format__root_ids(const struct profile *p, uint32_t node, char *comm, size_t cap,
		     uint32_t *pid, uint32_t *tid);

/*
 * The per-thread flame chart of a timeline: calls open(frame, t) and close(frame, t) in
 * nesting order as consecutive samples of one tid share or change stack frames; a sample
 * lasts until the next one of that thread (the last lasts `last_ns`). Threads are visited in
 * order of first appearance; begin(tid) starts each. Returns the number of threads.
 */
struct chart_ops {
	void (*begin)(void *arg, uint32_t tid, uint64_t t0);
	void (*open)(void *arg, uint32_t node, uint64_t t);
	void (*close)(void *arg, uint32_t node, uint64_t t);
	void (*end)(void *arg, uint32_t tid, uint64_t t1);
};
size_t format__chart(const struct profile *p, uint64_t last_ns, const struct chart_ops *ops,
		     void *arg);

#endif
