/* SPDX-License-Identifier: MIT */
/* flamegraph.pl's command-line options, shared by `flamegraph` and `diff`. */
#ifndef SCORCH_SVG_OPTIONS_H
#define SCORCH_SVG_OPTIONS_H

#include <getopt.h>

#include "../sink/write_svg.h"

/* getopt_long option entries for every flamegraph.pl option (values >= 300). */
extern const struct option svg_options__table[];
extern const size_t svg_options__count;
/* The option lines of --help. */
extern const char svg_options__help[];

/* A getopt_long table: the SVG options followed by n extra entries; caller frees. */
struct option *svg_options__table_with(const struct option *extra, size_t n);

/* Applies one parsed option; returns 1 if c was an SVG option, 0 if not, -1 on a bad value. */
int svg_options__apply(int c, const char *arg, struct svg_opts *o);

/*
 * Writes p to out_path with sink s (NULL: by the name's ending; stdout is SVG). Returns an
 * exit status: 0, 2 for a bad format or option or an empty profile, 1 for a write error.
 */
int cli__write_graph(const struct profile *p, const struct sink *s, const char *out_path,
		     const struct sink_opts *so);

/* Reads every named file (or stdin when n == 0) into one buffer, as perl's <> does.
 * Returns 0, or -1 after printing which file could not be read. */
int cli__read_inputs(int n, char **files, char **buf, size_t *len, int *mapped);

#endif
