/* SPDX-License-Identifier: MIT */
/* Options of the SVG flame graph writer (flamegraph.pl's, same names and defaults). */
#ifndef SCORCH_WRITE_SVG_H
#define SCORCH_WRITE_SVG_H

#include <stdbool.h>

#include "sink.h"

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

#endif
