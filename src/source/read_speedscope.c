// SPDX-License-Identifier: MIT
/* speedscope reader: sampled profiles (or, without them, evented ones) into the stack trie. */
#include "read_formats.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Multiplier that turns a profile's unit into integer values: time units become ns. */
static double unit_scale(const char *unit)
{
	static const struct {
		const char *name;
		double scale;
	} units[] = {{"nanoseconds", 1}, {"microseconds", 1e3}, {"milliseconds", 1e6},
		     {"seconds", 1e9}};
	for (size_t i = 0; unit && i < ARRAY_SIZE(units); i++)
		if (!strcmp(unit, units[i].name))
			return units[i].scale;
	return 1;
}

static int64_t scaled(const json_t *v, double scale)
{
	double d = json_is_integer(v) ? (double)json_integer_value(v) : json_real_value(v);
	if (!json_is_number(v) || d < 0 || d * scale >= 9.2e18)
		return -1;
	if (scale == 1 && json_is_integer(v))
		return json_integer_value(v);
	return (int64_t)llround(d * scale);
}

struct ss_reader {
	struct profile *p;
	int col;
	uint32_t *frame; /* speedscope frame index -> profile frame */
	size_t nframes;
	struct strbuf *err;
};

static int bad(struct ss_reader *r, const char *what)
{
	if (r->err)
		strbuf__adds(r->err, what);
	return -EINVAL;
}

static int read_sampled(struct ss_reader *r, const json_t *prof, double scale)
{
	const json_t *samples = json_object_get(prof, "samples");
	const json_t *weights = json_object_get(prof, "weights");
	if (!json_is_array(samples))
		return bad(r, "a sampled profile without \"samples\"");
	size_t i;
	const json_t *s;
	int rc = 0;
	json_array_foreach(samples, i, s) {
		uint32_t node = PROFILE_ROOT;
		size_t k;
		const json_t *f;
		json_array_foreach(s, k, f) {
			json_int_t fi = json_integer_value(f);
			if (!json_is_integer(f) || fi < 0 || (size_t)fi >= r->nframes)
				return bad(r, "a sample names a frame that does not exist");
			node = profile__child(r->p, node, r->frame[fi]);
		}
		int64_t w = weights ? scaled(json_array_get(weights, i), scale) : 1;
		if (w < 0)
			return bad(r, "a weight is missing or negative");
		if (node != PROFILE_ROOT && w && profile__add(r->p, node, r->col, (uint64_t)w) < 0)
			rc = -EOVERFLOW;
	}
	return rc;
}

/* Evented: the time each stack was open, charged to that stack. */
static int read_evented(struct ss_reader *r, const json_t *prof, double scale)
{
	const json_t *events = json_object_get(prof, "events");
	if (!json_is_array(events))
		return bad(r, "an evented profile without \"events\"");
	uint32_t *nodes = xmalloc((json_array_size(events) + 1) * sizeof(*nodes));
	size_t depth = 0, i;
	int64_t last = -1;
	const json_t *e;
	int rc = 0;
	json_array_foreach(events, i, e) {
		const char *type = json_string_value(json_object_get(e, "type"));
		json_int_t fi = json_integer_value(json_object_get(e, "frame"));
		int64_t at = scaled(json_object_get(e, "at"), scale);
		if (!type || at < 0 || fi < 0 || (size_t)fi >= r->nframes) {
			rc = bad(r, "an event without a valid type, frame or time");
			break;
		}
		if (depth && last >= 0 && at > last &&
		    profile__add(r->p, nodes[depth - 1], r->col, (uint64_t)(at - last)) < 0)
			rc = -EOVERFLOW;
		last = at;
		if (!strcmp(type, "O")) {
			uint32_t parent = depth ? nodes[depth - 1] : PROFILE_ROOT;
			nodes[depth++] = profile__child(r->p, parent, r->frame[fi]);
		} else if (!strcmp(type, "C")) {
			if (!depth || profile__node_frame(r->p, nodes[depth - 1]) != r->frame[fi]) {
				rc = bad(r, "a close event does not match the open frame");
				break;
			}
			depth--;
		}
	}
	free(nodes);
	return rc;
}

int speedscope__read(const char *buf, size_t len, struct profile *p, int col, struct strbuf *err)
{
	json_error_t je;
	json_t *root = json_loadb(buf, len, 0, &je);
	if (!root) {
		if (err)
			strbuf__addf(err, "line %d: %s", je.line, je.text);
		return -EINVAL;
	}
	struct ss_reader r = {.p = p, .col = col, .err = err};
	const json_t *frames = json_object_get(json_object_get(root, "shared"), "frames");
	const json_t *profiles = json_object_get(root, "profiles");
	int rc = 0;
	if (!json_is_array(frames) || !json_is_array(profiles)) {
		rc = bad(&r, "no \"shared.frames\" and \"profiles\" arrays");
		goto out;
	}
	r.nframes = json_array_size(frames);
	r.frame = xmalloc((r.nframes + 1) * sizeof(*r.frame));
	size_t i;
	const json_t *f;
	json_array_foreach(frames, i, f) {
		const json_t *name = json_object_get(f, "name");
		const char *file = json_string_value(json_object_get(f, "file"));
		if (!json_is_string(name)) {
			rc = bad(&r, "a frame without a \"name\"");
			goto out;
		}
		uint32_t nid = profile__intern(p, json_string_value(name), json_string_length(name));
		uint32_t fid = file ? profile__intern(p, file, strlen(file)) : PROFILE_NONE;
		r.frame[i] = profile__frame(p, nid, PROFILE_NONE, fid, 0, FRAME_USER);
	}
	/* sampled profiles hold the counts; evented ones (timelines) are used only without them */
	bool sampled = false;
	const json_t *prof;
	json_array_foreach(profiles, i, prof)
		if (!strcmp(json_string_value(json_object_get(prof, "type")) ?: "", "sampled"))
			sampled = true;
	json_array_foreach(profiles, i, prof) {
		const char *type = json_string_value(json_object_get(prof, "type")) ?: "";
		double scale = unit_scale(json_string_value(json_object_get(prof, "unit")));
		int e = 0;
		if (sampled && !strcmp(type, "sampled"))
			e = read_sampled(&r, prof, scale);
		else if (!sampled && !strcmp(type, "evented"))
			e = read_evented(&r, prof, scale);
		if (e == -EINVAL) {
			rc = e;
			goto out;
		}
		if (e)
			rc = e;
	}
out:
	free(r.frame);
	json_decref(root);
	return rc;
}
