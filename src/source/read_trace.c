// SPDX-License-Identifier: MIT
/* Chrome trace reader: the stack-sampled track ("stackFrames" + "samples") into the trie. */
#include "read_formats.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct tr_reader {
	struct profile *p;
	const json_t *frames;
	json_t *memo; /* stack frame id -> trie node */
	struct strbuf *err;
};

static int bad(struct tr_reader *r, const char *what, const char *id)
{
	if (r->err)
		strbuf__addf(r->err, "%s%s%s", what, id ? " " : "", id ? id : "");
	return -EINVAL;
}

/* The trie node of a stack frame id: its parents first (iteratively, chains are long). */
static int node_of(struct tr_reader *r, const char *id, uint32_t *out)
{
	char **chain = NULL; /* ids from id up to the first known one, owned */
	size_t n = 0, cap = 0;
	uint32_t node = PROFILE_ROOT;
	int rc = 0;
	char *cur = xstrdup(id);
	while (cur) {
		const json_t *known = json_object_get(r->memo, cur);
		if (known) {
			node = (uint32_t)json_integer_value(known);
			free(cur);
			break;
		}
		const json_t *f = json_object_get(r->frames, cur);
		if (!json_is_object(f) || n > json_object_size(r->frames)) {
			rc = bad(r, json_is_object(f) ? "stack frames form a loop at"
						       : "a sample or frame names a missing stack frame",
				 cur);
			free(cur);
			goto out;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			chain = xrealloc(chain, cap * sizeof(*chain));
		}
		chain[n++] = cur;
		const json_t *parent = json_object_get(f, "parent");
		cur = NULL;
		if (json_is_string(parent)) {
			cur = xstrdup(json_string_value(parent));
		} else if (json_is_integer(parent)) {
			char tmp[32];
			snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(parent));
			cur = xstrdup(tmp);
		}
	}
	for (size_t k = n; k-- > 0;) {
		const json_t *name = json_object_get(json_object_get(r->frames, chain[k]), "name");
		const char *s = json_is_string(name) ? json_string_value(name) : "";
		uint32_t f = profile__frame_named(r->p, s, strlen(s), FRAME_USER);
		node = profile__child(r->p, node, f);
		json_object_set_new(r->memo, chain[k], json_integer(node));
	}
	*out = node;
out:
	for (size_t k = 0; k < n; k++)
		free(chain[k]);
	free(chain);
	return rc;
}

int trace__read(const char *buf, size_t len, struct profile *p, int col, struct strbuf *err)
{
	json_error_t je;
	json_t *root = json_loadb(buf, len, 0, &je);
	if (!root) {
		if (err)
			strbuf__addf(err, "line %d: %s", je.line, je.text);
		return -EINVAL;
	}
	struct tr_reader r = {p, json_object_get(root, "stackFrames"), json_object(), err};
	const json_t *samples = json_object_get(root, "samples");
	int rc = 0;
	if (!json_is_object(r.frames) || !json_array_size(samples)) {
		rc = bad(&r, "no stack samples (\"stackFrames\" and \"samples\"); "
			     "a trace of spans only has no profile to read",
			 NULL);
		goto out;
	}
	size_t i;
	const json_t *s;
	json_array_foreach(samples, i, s) {
		const json_t *sf = json_object_get(s, "sf");
		char tmp[32];
		const char *id = json_string_value(sf);
		if (json_is_integer(sf)) {
			snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(sf));
			id = tmp;
		}
		if (!id) {
			rc = bad(&r, "a sample without \"sf\"", NULL);
			goto out;
		}
		uint32_t node;
		rc = node_of(&r, id, &node);
		if (rc < 0)
			goto out;
		const json_t *w = json_object_get(s, "weight");
		double d = w ? (json_is_integer(w) ? (double)json_integer_value(w) : json_real_value(w))
			     : 1;
		if (d < 0 || d >= 9.2e18) {
			rc = bad(&r, "a sample weight is negative or too large", NULL);
			goto out;
		}
		if (d && profile__add(p, node, col, (uint64_t)llround(d)) < 0)
			rc = -EOVERFLOW;
	}
	const char *ev = json_string_value(json_object_get(json_object_get(root, "otherData"), "event"));
	if (ev && !profile__meta(p)->event)
		profile__meta(p)->event = xstrdup(ev);
out:
	json_decref(r.memo);
	json_decref(root);
	return rc;
}
