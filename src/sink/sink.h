/* SPDX-License-Identifier: MIT */
/* Writers of a struct profile: folded text and SVG flame graphs, chosen by file extension. */
#ifndef SCORCH_SINK_H
#define SCORCH_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "../model/profile.h"
#include "../util/util.h"

/* flamegraph.pl's options, same names and defaults. */
struct svg_opts {
	const char *title;    /* NULL: "Flame Graph" / "Icicle Graph" / "Flame Chart" */
	const char *subtitle; /* NULL or "" for none */
	int width;            /* 1200 */
	int frameheight;      /* 16 */
	double fontsize;      /* 12 */
	double fontwidth;     /* 0.59 */
	const char *minwidth; /* "0.1" pixels, or "N%" */
	const char *fonttype; /* "Verdana" */
	const char *countname; /* "samples" */
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
 * Renders p as an SVG flame graph into out. With a "before" column (diff) pass
 * before_col >= 0: frames are coloured by after-minus-before as flamegraph.pl does for
 * two-column input; widths use value_col. Returns 0 or a negative errno with a message
 * printed.
 */
int svg__render(const struct profile *p, int value_col, int before_col, const struct svg_opts *o,
		struct strbuf *out);

/* Folded lines "a;b;c N" sorted byte-wise (stackcollapse order). */
void folded__render(const struct profile *p, int col, struct strbuf *out);

enum sink_format { SINK_FOLDED, SINK_SVG, SINK_INTERCHANGE, SINK_UNKNOWN };
/* Format from a file name's extension (.folded/.txt/.svg; "-" is folded; SINK_INTERCHANGE:
 * pprof, speedscope, trace or d3 JSON, see formats.h). */
enum sink_format sink__format_for(const char *path);

/*
 * Writes p (column col) to path in the format its extension names, atomically.
 * svg may be NULL for defaults. Returns 0 or a negative errno; prints a one-line message.
 */
int sink__write(const struct profile *p, int col, const char *path, const struct svg_opts *svg);

#endif
