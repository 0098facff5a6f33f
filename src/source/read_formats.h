/* SPDX-License-Identifier: MIT */
/* Readers of the interchange formats (pprof, speedscope, Chrome trace, d3 JSON), sniffed by content. */
#ifndef SCORCH_READ_FORMATS_H
#define SCORCH_READ_FORMATS_H

#include <stddef.h>
#include <yajl/yajl_parse.h>

#include "../model/profile.h"
#include "../util/util.h"
#include "read_folded.h"

enum profile_format {
	FORMAT_FOLDED = 0,
	FORMAT_PPROF,
	FORMAT_SPEEDSCOPE,
	FORMAT_TRACE,
	FORMAT_D3JSON,
	FORMAT_GZIP, /* compressed: look inside */
};

/*
 * What buf holds, decided by its bytes, never by a file name: gzip magic, protobuf field tags
 * followed by binary bytes (pprof), JSON keys ("$schema"/"shared" speedscope, "traceEvents"/
 * "stackFrames" trace, "children"/"value" d3). Anything else is folded text.
 */
enum profile_format format__sniff(const char *buf, size_t len);
const char *format__name(enum profile_format f);

/* Inflates gzip (or zlib) data into *out (caller frees). Returns 0 or -EINVAL. */
int format__gunzip(const char *buf, size_t len, char **out, size_t *outlen);

/*
 * Each reader adds the stacks of buf to p: values to column col (other value types of the
 * file to new columns named after them, when there is room), metadata to profile__meta(p).
 * Returns 0, or a negative errno with a one-line reason appended to err (may be NULL).
 * Frame lines are not kept yet (frames would split per line); names, files, modules are.
 */
int pprof__read(const char *buf, size_t len, struct profile *p, int col, struct strbuf *err);
int speedscope__read(const char *buf, size_t len, struct profile *p, int col,
		     struct strbuf *err);
int trace__read(const char *buf, size_t len, struct profile *p, int col, struct strbuf *err);
int d3json__read(const char *buf, size_t len, struct profile *p, int col, struct strbuf *err);

/*
 * The streaming parse the JSON readers share (read_json.c): yajl runs over buf, calling cb
 * with ctx. *rc is the reader's status, which its callbacks set (-EINVAL after appending a
 * reason to err, then returning 0 to stop yajl). Malformed JSON, when the callbacks have not
 * already refused the document, appends yajl's message (one line) to err and sets *rc to
 * -EINVAL.
 */
void json__parse(const char *buf, size_t len, const yajl_callbacks *cb, void *ctx, int *rc,
		 struct strbuf *err);

/*
 * Reads any format (gzip-compressed or not) into an empty profile q, column 0, keeping every
 * column and the metadata. *fmt (may be NULL) tells what was read. Returns 0 or -errno with
 * err filled; folded input without a single valid line is -EINVAL.
 */
int format__load(const char *buf, size_t len, struct profile *q, enum profile_format *fmt,
		 struct strbuf *err);

/*
 * Drop-in for folded__read in the commands that read profiles (flamegraph, diff, view):
 * folded text goes to folded__read unchanged; any other format is loaded and its stacks
 * added to column col of p, through folded text when fo asks for folded-only treatment
 * (reverse, chain, strip-hex, order). st is filled as folded__read does (lines = stacks).
 * Returns what folded__read returns, or -EINVAL with a message printed for a broken file.
 */
int format__read(const char *buf, size_t len, struct profile *p, int col,
		 const struct folded_opts *fo, struct folded_stats *st);

#endif
