/* SPDX-License-Identifier: MIT */
/* The canvas flame-graph viewer: its embedded assets, its JSON and the offline HTML file. */
#ifndef SCORCH_VIEWER_H
#define SCORCH_VIEWER_H

#include <stddef.h>
#include <stdio.h>

struct profile;
struct strbuf;

/*
 * An embedded asset by name ("viewer.js", "viewer.css"): the text (static, not to be freed)
 * with its length in *len (len may be NULL), or NULL for an unknown name.
 */
const char *viewer__asset(const char *name, size_t *len);

/*
 * Appends the viewer's JSON for column 0 of p to out (compact, one line, no newline):
 *   {"v":1,"unit":..,"column":..,"scale":..,"total":..,"meta":{..},"names":["all",..],
 *    "nodes":{"count":N,"data":PACKED},
 *    "timeline":{"q":ms,"end":ms,"coarsened":0|1,"count":M,"data":PACKED}}
 * PACKED numbers: each value in little-endian 5-bit groups, one base64url character per
 * group ("A".."Z","a".."z","0".."9","-","_" = 0..63) with 32 added while more groups follow.
 * nodes, in preorder (node 0 is "all"): name index, zigzag(depth - previous depth - 1),
 * total value (self = total minus the children's totals). Sibling frames of one name are
 * merged and children sorted by name, as flamegraph.pl draws them. timeline, when p has
 * one: (bucket - previous bucket, node, samples) per (q-millisecond bucket, leaf node),
 * bounded (q doubles until at most VIEWER_MAX_TIMELINE pairs remain). Returns 0.
 */
#define VIEWER_MAX_TIMELINE 1000000u
int viewer__json(const struct profile *p, struct strbuf *out);

/*
 * Appends the coarse copy of viewer__json's profile to out (what viewer__html's page draws
 * first, below): frames narrower than 1/2048 of all left out, "partial": true, nodes as plain
 * JSON arrays with left edges, no timeline. Returns 1, or 0 with nothing appended when no frame
 * is that narrow (the full JSON then is as small).
 */
int viewer__coarse_json(const struct profile *p, struct strbuf *out);

/*
 * Appends one self-contained HTML page to out: the CSS; for a profile with frames narrower
 * than 1/2048 of all, a coarse copy without them (<script type="application/json"
 * id="scorch-coarse">: viewer__json's object with "partial": true, "hot": each name's
 * colour (the viewer's hot palette index: FNV-1a of its UTF-16 code units, low 8 bits; -1
 * for a non-ASCII name, which the viewer hashes), and nodes as
 * {"count":N,"name":[..],"dz":[..],"total":[..],"x":[..]}, plain JSON arrays, x holding
 * each node's left edge in value units, where the full graph has it (frames left out just
 * before a node among its siblings move it right by their value)); the viewer's script,
 * which ends by drawing that copy, so that the first paint comes before the parser reaches
 * the bulk; then the full profile (id="scorch-data", and id="scorch-baseline" for a differential) with
 * its nodes packed: {"count":N,"bytes":B,"deflate":BASE64}, where BASE64 is the zlib stream
 * of B bytes holding three LEB128 columns of N values each: name index, zigzag depth change
 * (as viewer__json's) and self value (totals are summed back). The viewer's
 * ScorchViewer.unpack() turns that into what load() takes. Returns 0, or -ENOMEM when zlib
 * fails.
 */
int viewer__html(const struct profile *p, struct strbuf *out);

/*
 * viewer__html for column col, drawn as a differential against column before_col when that
 * is >= 0 (red grew, blue shrank: the change in each frame's share of all). Returns 0,
 * -EINVAL for a column p lacks, or -ENOMEM.
 */
int viewer__html_columns(const struct profile *p, int col, int before_col, struct strbuf *out);

/* Writes viewer__html's page to f. Returns 0, or -EIO when the write fails. */
int viewer__write_html(const struct profile *p, FILE *f);

#endif
