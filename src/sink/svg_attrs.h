/* SPDX-License-Identifier: MIT */
/* flamegraph.pl's side files: --nameattr attributes and the --cp palette.map. */
#ifndef SCORCH_SVG_ATTRS_H
#define SCORCH_SVG_ATTRS_H

#include <stddef.h>

#include "../model/profile.h"
#include "../util/util.h"

/* A name -> string map (the names are interned in a scratch profile). Zero-initialise. */
struct kv_map {
	struct profile *keys;
	char **vals;
	size_t cap;
};

void svg_attrs__set(struct kv_map *m, const char *k, size_t kn, const char *v);
/* The value for k, or NULL. */
const char *svg_attrs__get(struct kv_map *m, const char *k, size_t kn);
void svg_attrs__free(struct kv_map *m);

/* Reads NAME<TAB>key=value<TAB>... lines. Returns 0 or a negative errno (reason in err). */
int svg_attrs__load_nameattr(const char *path, struct kv_map *m, char *err, size_t errlen);
/* The value of key in a "k=v<TAB>k=v" list (its length in *vlen), or NULL. */
const char *svg_attrs__attr(const char *attrs, const char *key, size_t *vlen);

/* palette.map: NAME->rgb(...) lines; a missing file is an empty palette. */
void svg_attrs__load_palette(const char *path, struct kv_map *m);
void svg_attrs__save_palette(const char *path, struct kv_map *m);

#endif
