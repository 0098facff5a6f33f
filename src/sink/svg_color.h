/* SPDX-License-Identifier: MIT */
/* flamegraph.pl's colour palettes: per-name deterministic colours and differential hues. */
#ifndef SCORCH_SVG_COLOR_H
#define SCORCH_SVG_COLOR_H

#include <stdbool.h>
#include <stddef.h>

/* Writes "rgb(r,g,b)" for name under palette (hot, mem, io, java, ...) into buf (>= 24 bytes).
 * hash: --hash (name-hash weighted); random: --random; otherwise the default, which seeds
 * perl's drand48 with the sum of the name's code points so colours are stable per name. */
void svg_color__name(char *buf, const char *palette, bool hash, bool random, const char *name,
		     size_t len);

/* The palette a frame of this kind (enum frame_kind) is drawn with: "blue" for off-CPU
 * frames (FRAME_OFFCPU: the [blocked] and [runnable] frames of a wall-clock profile, which
 * only such profiles have), else palette unchanged. */
const char *svg_color__palette_for(const char *palette, unsigned kind);

/* flamegraph.pl's color_scale: white for 0, red for growth, blue for reduction. */
void svg_color__delta(char *buf, double value, double max, bool negate);

/* Decodes UTF-8 leniently (invalid bytes count as one code point of their value).
 * Returns the code point at *p and advances *p. */
unsigned svg_color__next_cp(const unsigned char **p, const unsigned char *end);

#endif
