/* SPDX-License-Identifier: MIT */
/* Options of the SVG flame graph writer (flamegraph.pl's, same names and defaults). */
#ifndef SCORCH_WRITE_SVG_H
#define SCORCH_WRITE_SVG_H

#include <stdbool.h>
#include <stdint.h>

#include "sink.h"
#include "../source/read_folded.h"

struct svg_opts {
	const char *title;    /* NULL: "Flame Graph" / "Icicle Graph" / "Flame Chart" */
	const char *subtitle; /* NULL or "" for none */
	int width;            /* 1200 */
	int frameheight;      /* 16 */
	double fontsize;      /* 12 */
	double fontwidth;     /* 0.59 */
	const char *minwidth; /* "0.1" pixels, or "N%" */
	const char *fonttype; /* "Verdana" */
	const char *countname; /* NULL: the value column's unit ("samples" for sample counts) */
	const char *nametype;  /* "Function:" */
	const char *colors;    /* "hot" */
	const char *bgcolors;  /* "" = by palette */
	bool hash, random, cp, reverse, inverted, flamechart, negate;
	bool sequence; /* lay out profile__sequence() (flame charts, chain graphs) */
	const char *notes;
	double factor;         /* 1 */
	const char *total;     /* NULL or a number string */
	const char *nameattr;  /* file */
	const char *encoding;  /* NULL */
	const char *palette_file; /* "palette.map" */
};

void svg_opts__init(struct svg_opts *o);

/*
 * An SVG drawn from folded lines fed one by one in flamegraph.pl's order (sorted lines),
 * for inputs too big to hold as a profile: only the frames that are drawn are kept.
 * total is the sum of the (after) counts, in units of 1/scale of a count. _new returns 0
 * or -errno with a reason in err (bad options, nothing to draw). _line: a line as
 * folded__lines_each() gives it (frames split as perl's split(";"); its stack must stay
 * readable until the next line; two marks a differential line). _finish appends the
 * document to out and frees s; returns 0 or -errno with err filled.
 */
struct svg_stream;
int svg_stream__new(const struct svg_opts *o, double total, uint64_t scale,
		    struct svg_stream **s, char *err, size_t errlen);
void svg_stream__line(struct svg_stream *s, const struct folded_line_info *li);
int svg_stream__finish(struct svg_stream *s, struct strbuf *out, char *err, size_t errlen);
/*
 * Lines whose stacks share a prefix no other line has and whose (scaled) counts sum below
 * this draw nothing of their own: their order among themselves does not change the SVG
 * (for folded__lines_sort). 0 when that cannot be relied on.
 */
uint64_t svg_stream__narrow(const struct svg_stream *s);
/* Drops s without writing (after an error); accepts NULL. */
void svg_stream__free(struct svg_stream *s);

#endif
