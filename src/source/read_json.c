// SPDX-License-Identifier: MIT
/* d3-flame-graph JSON reader: nested {"name", "value", "children"} into the stack trie. */
#include "read_formats.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>

/* value as a count: integers as they are, reals rounded; -1 when missing or negative */
static int64_t json_count(const json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
	if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 9.2e18)
		return (int64_t)llround(json_real_value(v));
	return -1;
}

/* jansson limits nesting, so recursion is bounded by the parser */
static int add_node(const json_t *obj, struct profile *p, uint32_t node, int col,
		    struct strbuf *err)
{
	int64_t total = json_count(json_object_get(obj, "value"));
	const json_t *kids = json_object_get(obj, "children");
	if (total < 0 && !kids) {
		if (err)
			strbuf__adds(err, "a node has no \"value\"");
		return -EINVAL;
	}
	int64_t sum = 0;
	size_t i;
	const json_t *k;
	json_array_foreach(kids, i, k) {
		const json_t *name = json_object_get(k, "name");
		if (!json_is_object(k) || !json_is_string(name)) {
			if (err)
				strbuf__adds(err, "a child without a \"name\" string");
			return -EINVAL;
		}
		uint32_t f = profile__frame_named(p, json_string_value(name),
						  json_string_length(name), FRAME_USER);
		int rc = add_node(k, p, profile__child(p, node, f), col, err);
		if (rc < 0)
			return rc;
		int64_t v = json_count(json_object_get(k, "value"));
		sum += v > 0 ? v : 0;
	}
	/* a node's value is inclusive: what its children do not cover is its own */
	if (node != PROFILE_ROOT && total > sum)
		return profile__add(p, node, col, (uint64_t)(total - sum));
	return 0;
}

int d3json__read(const char *buf, size_t len, struct profile *p, int col, struct strbuf *err)
{
	json_error_t je;
	json_t *root = json_loadb(buf, len, 0, &je);
	if (!root) {
		if (err)
			strbuf__addf(err, "line %d: %s", je.line, je.text);
		return -EINVAL;
	}
	int rc = json_is_object(root) ? add_node(root, p, PROFILE_ROOT, col, err) : -EINVAL;
	if (rc == -EINVAL && !json_is_object(root) && err)
		strbuf__adds(err, "the top level is not an object");
	json_decref(root);
	return rc;
}
