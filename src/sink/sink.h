/* SPDX-License-Identifier: MIT */
/* The registry of writers of a struct profile (folded text, SVG, ...), chosen by file name. */
#ifndef SCORCH_SINK_H
#define SCORCH_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/profile.h"
#include "../util/util.h"

struct svg_opts;
struct format_opts;

/* Frame kinds the folded and SVG writers mark, as stackcollapse-perf.pl names them. */
enum sink_annotate {
	SINK_ANNOTATE_KERNEL = 1u << 0,  /* "_[k]" after FRAME_KERNEL names */
	SINK_ANNOTATE_JIT = 1u << 1,     /* "_[j]" after FRAME_JIT names (unless already there) */
	SINK_ANNOTATE_INLINED = 1u << 2, /* "_[i]" after FRAME_INLINED names (unless already there) */
};

/* What every writer understands; format-specific settings hang off a pointer. */
struct sink_opts {
	int col;           /* the value column (widths, counts) */
	int before_col;    /* a diff's "before" column, or -1 */
	unsigned annotate; /* enum sink_annotate bits */
	bool srcline;      /* append ":file[:line]" to frames that know their source line */
	const struct svg_opts *svg; /* for the svg writer; NULL = flamegraph.pl's defaults */
	const struct format_opts *fmt; /* pprof/speedscope/trace/json (formats.h); NULL: defaults */
};

/* col 0, no before column, no annotations, default SVG options. */
void sink_opts__init(struct sink_opts *o);

struct sink {
	const char *name;             /* "folded", "svg": used in messages */
	const char *const *suffixes;  /* lower-case file name endings, NULL-terminated */
	/*
	 * Appends p rendered as this format to out. Returns 0, or a negative errno with a
	 * one-line reason (without the format's name) in err.
	 */
	int (*write)(const struct profile *p, const struct sink_opts *o, struct strbuf *out,
		     char *err, size_t errlen);
};

/* The sink for a file name by its ending (case-insensitive; "-" is folded), or NULL. */
const struct sink *sink__for_path(const char *path);
/* The sink with this name, or NULL. */
const struct sink *sink__by_name(const char *name);
/* Appends the known file name endings, e.g. ".folded, .txt, .collapsed, .svg". */
void sink__list(struct strbuf *sb);

/*
 * Writes p to path (atomically; "-" is stdout) with sink s, or the sink path's ending names
 * when s is NULL; o NULL means sink_opts__init() defaults. Prints a one-line message naming
 * the format on failure. Returns 0; -EINVAL when nothing was written because the format is
 * unknown, an option is invalid or the profile is empty; another negative errno when the
 * file could not be written.
 */
int sink__write(const struct profile *p, const char *path, const struct sink *s,
		const struct sink_opts *o);

/*
 * The profile writers print: frames named by the options (annotations, source lines) and
 * stacks that read the same merged. Returns p itself when nothing changes, else a new
 * profile to free with sink__view_free(). Used by the folded and SVG writers.
 */
const struct profile *sink__view(const struct profile *p, const struct sink_opts *o);
void sink__view_free(const struct profile *p, const struct profile *view);

/* The registered writers (each in its own file). */
int folded__write(const struct profile *p, const struct sink_opts *o, struct strbuf *out,
		  char *err, size_t errlen);
int svg__write(const struct profile *p, const struct sink_opts *o, struct strbuf *out,
	       char *err, size_t errlen);
int html__write(const struct profile *p, const struct sink_opts *o, struct strbuf *out,
		char *err, size_t errlen);

#endif
