/* SPDX-License-Identifier: MIT */
/* Pieces of the SVG writer shared by its files: layout and perl-compatible formatting. */
#ifndef SCORCH_SVG_INTERNAL_H
#define SCORCH_SVG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/profile.h"
#include "../source/read_folded.h"
#include "../util/util.h"

#define XPAD 10
#define FRAMEPAD 1

/* One rectangle: node's frame from stime to etime (in count units) at depth. */
struct svg_frame {
	uint32_t node;
	uint32_t depth;
	double stime, etime;
	double delta;
	int has_delta;
};

struct svg_layout {
	struct svg_frame *frames; /* the root last (flamegraph.pl's order) */
	size_t nframes;
	uint32_t depthmax;
	double maxdelta; /* the largest change of one line, for differential colours */
};

/*
 * Lays p out as flamegraph.pl's flow() does: value_col gives widths; before_col >= 0 adds
 * deltas; chart lays out profile__sequence() in input order instead of sorted lines.
 * Frames narrower than min_width (count units) are dropped. Free with svg_layout__free.
 */
void svg_layout__build(const struct profile *p, int value_col, int before_col, bool chart,
		       double min_width, struct svg_layout *l);
void svg_layout__free(struct svg_layout *l);

/*
 * The same layout from stack lines fed in flamegraph.pl's order (sorted lines), without a
 * profile of the whole input: only frames at least min_width wide (count units) are kept,
 * and only their names go into q (which their svg_frame nodes point into). li is a line
 * as folded__lines_each() gives it (its stack must stay readable until the next line is
 * fed). has_delta/d: a differential line's after-minus-before. _end fills l and frees s.
 */
struct svg_stream_layout;
struct svg_stream_layout *svg_layout__stream_new(struct profile *q, double min_width);
void svg_layout__stream_line(struct svg_stream_layout *s, const struct folded_line_info *li,
			     int has_delta, double d);
void svg_layout__stream_end(struct svg_stream_layout *s, struct svg_layout *l);

/* sprintf("%.1f"/"%.2f") into buf (40 bytes); *parsed (may be NULL) gets the value printed. */
size_t svg_fmt__fixed(char *buf, double v, int decimals, double *parsed);
/* perl's default stringification of a number */
void svg_fmt__num(struct strbuf *sb, double v);
/* "%.0f" with thousands separators */
void svg_fmt__count(struct strbuf *sb, double v);
/*
 * s as XML character data: & < > (and " with SVG_ESC_QUOTES) as entities, control bytes XML
 * 1.0 forbids as their Unicode control pictures (NUL as U+2400...), bytes that are not
 * valid UTF-8 as U+FFFD unless SVG_ESC_BYTES (a single-byte --encoding) keeps them.
 */
#define SVG_ESC_QUOTES 1
#define SVG_ESC_BYTES 2
void svg_fmt__escaped(struct strbuf *sb, const char *s, size_t n, int flags);
/* length of name without a trailing _[k], _[w], _[i] or _[j] annotation */
size_t svg_fmt__strip_annotation(const char *s, size_t n);
/* Number of code points in s[0..n) (in *count) and the byte length of the first k. */
size_t svg_fmt__utf8_prefix(const char *s, size_t n, size_t k, size_t *count);

#endif
