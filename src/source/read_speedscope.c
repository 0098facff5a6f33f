// SPDX-License-Identifier: MIT
/* speedscope reader: sampled profiles (or, without them, evented ones) into the stack trie. */
#include "read_formats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * A streaming parse (yajl's callbacks), as the other JSON readers: the samples are kept as
 * flat arrays of frame indices while the document is read, and turned into stacks once it
 * is complete, since the keys may come in any order ("profiles" before "shared", a
 * profile's "unit" after its "samples") and sampled profiles, when there are any, win over
 * evented ones.
 */

/* A JSON number as read: an integer literal exactly, anything else as a double. */
struct ss_num {
	enum { NUM_BAD = 0, NUM_INT, NUM_REAL } kind;
	int64_t i;
	double d;
};

struct ss_event {
	char type;     /* 'O', 'C', other letters are skipped; 0 missing */
	int64_t frame; /* -1 missing or not an integer */
	struct ss_num at;
};

enum ss_type { T_OTHER = 0, T_SAMPLED, T_EVENTED };

struct ss_profile {
	enum ss_type type;
	double scale;                  /* unit -> integer values: time units become ns */
	size_t first_sample, nsamples; /* into samples[] */
	size_t first_weight, nweights; /* into weights[] */
	bool has_weights;
	size_t first_event, nevents; /* into events[] */
};

/* Where a container is: what its values mean. */
enum ss_ctx { C_SKIP = 0, C_ROOT, C_SHARED, C_FRAMES, C_FRAME, C_PROFILES, C_PROFILE,
	      C_SAMPLES, C_SAMPLE, C_WEIGHTS, C_EVENTS, C_EVENT };

/* The keys that matter, of the innermost open object. */
enum ss_key { K_OTHER = 0, K_SHARED, K_PROFILES, K_FRAMES, K_NAME, K_FILE, K_TYPE, K_UNIT,
	      K_SAMPLES, K_WEIGHTS, K_EVENTS, K_FRAME, K_AT };

struct ss_reader {
	struct profile *p;
	int col;
	struct strbuf *err;
	int rc;
	enum ss_ctx *ctx; /* per open container */
	size_t depth, capdepth;
	enum ss_key key;
	bool saw_frames, saw_profiles;
	/* shared.frames, made into profile frames as each object closes */
	uint32_t *frame;
	size_t nframes, capframes;
	uint32_t cur_name, cur_file;
	bool cur_has_name;
	/* every profile's data, flat */
	struct ss_profile *profs;
	size_t nprofs, capprofs;
	uint32_t *ids;   /* frame indices of every sample, UINT32_MAX: not a valid index */
	size_t nids, capids;
	size_t *sample_at; /* each sample's first index in ids[] (one more at the end) */
	size_t nsample_at, capsample_at;
	struct ss_num *weights;
	size_t nweights, capweights;
	struct ss_event *events;
	size_t nevents, capevents;
};

#define GROW(arr, n, cap)                                                                   \
	do {                                                                                \
		if ((n) == (cap)) {                                                         \
			(cap) = (cap) ? (cap) * 2 : 64;                                     \
			(arr) = xrealloc((arr), (cap) * sizeof(*(arr)));                    \
		}                                                                           \
	} while (0)

/* Records the first reason the document is refused; returns -EINVAL. */
static int bad(struct ss_reader *r, const char *what)
{
	if (r->err && r->rc != -EINVAL)
		strbuf__adds(r->err, what);
	r->rc = -EINVAL;
	return -EINVAL;
}

/* bad() from a callback: 0 stops yajl. */
static int stop(struct ss_reader *r, const char *what)
{
	bad(r, what);
	return 0;
}

/* Multiplier that turns a profile's unit into integer values: time units become ns. */
static double unit_scale(const char *unit, size_t len)
{
	static const struct {
		const char *name;
		double scale;
	} units[] = {{"nanoseconds", 1}, {"microseconds", 1e3}, {"milliseconds", 1e6},
		     {"seconds", 1e9}};
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (strlen(units[i].name) == len && !memcmp(unit, units[i].name, len))
			return units[i].scale;
	return 1;
}

static struct ss_num parse_num(const char *s, size_t len)
{
	char tmp[64];
	struct ss_num v = {NUM_BAD, 0, 0};
	if (len >= sizeof(tmp))
		len = sizeof(tmp) - 1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (!strpbrk(tmp, ".eE")) {
		errno = 0;
		long long i = strtoll(tmp, NULL, 10);
		if (!errno)
			return (struct ss_num){NUM_INT, i, (double)i};
	}
	v.kind = NUM_REAL;
	v.d = strtod(tmp, NULL);
	return v;
}

/* A number in the profile's unit as an integer value, or -1 (missing, negative, too big). */
static int64_t scaled(const struct ss_num *v, double scale)
{
	if (v->kind == NUM_BAD || v->d < 0 || v->d * scale >= 9.2e18)
		return -1;
	if (scale == 1 && v->kind == NUM_INT)
		return v->i;
	return (int64_t)llround(v->d * scale);
}

static struct ss_profile *cur_prof(struct ss_reader *r)
{
	return &r->profs[r->nprofs - 1];
}

static void begin_sample(struct ss_reader *r)
{
	GROW(r->sample_at, r->nsample_at, r->capsample_at);
	r->sample_at[r->nsample_at++] = r->nids;
	cur_prof(r)->nsamples++;
}

/* A scalar: num is set for numbers, s/len for strings (is_string) and numbers alike. */
static int on_scalar(struct ss_reader *r, const char *s, size_t len, bool is_string)
{
	enum ss_ctx c = r->depth ? r->ctx[r->depth - 1] : C_SKIP;
	struct ss_num num = is_string || !s ? (struct ss_num){0} : parse_num(s, len);
	switch (c) {
	case C_FRAME:
		if (r->key == K_NAME && is_string) {
			r->cur_name = profile__intern(r->p, s, len);
			r->cur_has_name = true;
		} else if (r->key == K_FILE && is_string) {
			r->cur_file = profile__intern(r->p, s, len);
		}
		return 1;
	case C_FRAMES:
		return stop(r, "a frame without a \"name\"");
	case C_PROFILE:
		if (r->key == K_TYPE)
			cur_prof(r)->type = !is_string ? T_OTHER
					    : len == 7 && !memcmp(s, "sampled", 7) ? T_SAMPLED
					    : len == 7 && !memcmp(s, "evented", 7) ? T_EVENTED
										   : T_OTHER;
		else if (r->key == K_UNIT)
			cur_prof(r)->scale = is_string ? unit_scale(s, len) : 1;
		return 1;
	case C_SAMPLES: /* not an array: a sample without frames */
		begin_sample(r);
		return 1;
	case C_SAMPLE:
		if (num.kind != NUM_INT || num.i < 0 || num.i >= UINT32_MAX)
			return stop(r, "a sample names a frame that does not exist");
		GROW(r->ids, r->nids, r->capids);
		r->ids[r->nids++] = (uint32_t)num.i;
		return 1;
	case C_WEIGHTS:
		GROW(r->weights, r->nweights, r->capweights);
		r->weights[r->nweights++] = num;
		cur_prof(r)->nweights++;
		return 1;
	case C_EVENTS:
		return stop(r, "an event without a valid type, frame or time");
	case C_EVENT: {
		struct ss_event *e = &r->events[r->nevents - 1];
		if (r->key == K_TYPE)
			e->type = is_string && len == 1 ? s[0] : 0;
		else if (r->key == K_FRAME)
			e->frame = num.kind == NUM_INT && num.i >= 0 ? num.i : -1;
		else if (r->key == K_AT)
			e->at = num;
		return 1;
	}
	default:
		return 1;
	}
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
	return on_scalar(ctx, (const char *)s, len, true);
}

static int cb_number(void *ctx, const char *s, size_t len)
{
	return on_scalar(ctx, s, len, false);
}

static int cb_null(void *ctx)
{
	return on_scalar(ctx, NULL, 0, false);
}

static int cb_bool(void *ctx, int b)
{
	(void)b;
	return cb_null(ctx);
}

static int cb_key(void *ctx, const unsigned char *k, size_t len)
{
	static const struct {
		const char *name;
		enum ss_key key;
	} keys[] = {{"shared", K_SHARED}, {"profiles", K_PROFILES}, {"frames", K_FRAMES},
		    {"name", K_NAME},     {"file", K_FILE},         {"type", K_TYPE},
		    {"unit", K_UNIT},     {"samples", K_SAMPLES},   {"weights", K_WEIGHTS},
		    {"events", K_EVENTS}, {"frame", K_FRAME},       {"at", K_AT}};
	struct ss_reader *r = ctx;
	r->key = K_OTHER;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strlen(keys[i].name) == len && !memcmp(k, keys[i].name, len))
			r->key = keys[i].key;
	return 1;
}

/* What a container opened in the current place is, or -EINVAL (the reason recorded). */
static int open_ctx(struct ss_reader *r, bool is_map)
{
	enum ss_ctx parent = r->depth ? r->ctx[r->depth - 1] : C_SKIP;
	if (!r->depth)
		return is_map ? C_ROOT : C_SKIP;
	switch (parent) {
	case C_ROOT:
		if (r->key == K_SHARED && is_map)
			return C_SHARED;
		if (r->key == K_PROFILES && !is_map) {
			r->saw_profiles = true;
			return C_PROFILES;
		}
		return C_SKIP;
	case C_SHARED:
		if (r->key == K_FRAMES && !is_map) {
			r->saw_frames = true;
			return C_FRAMES;
		}
		return C_SKIP;
	case C_FRAMES:
		if (!is_map)
			return bad(r, "a frame without a \"name\"");
		r->cur_name = r->cur_file = PROFILE_NONE;
		r->cur_has_name = false;
		return C_FRAME;
	case C_PROFILES:
		if (!is_map)
			return C_SKIP;
		GROW(r->profs, r->nprofs, r->capprofs);
		r->profs[r->nprofs++] = (struct ss_profile){.scale = 1};
		return C_PROFILE;
	case C_PROFILE: {
		struct ss_profile *pr = cur_prof(r);
		if (is_map)
			return C_SKIP;
		if (r->key == K_SAMPLES) { /* a second "samples" replaces the first, as a map would */
			pr->first_sample = r->nsample_at, pr->nsamples = 0;
			return C_SAMPLES;
		}
		if (r->key == K_WEIGHTS) {
			pr->first_weight = r->nweights, pr->nweights = 0, pr->has_weights = true;
			return C_WEIGHTS;
		}
		if (r->key == K_EVENTS) {
			pr->first_event = r->nevents, pr->nevents = 0;
			return C_EVENTS;
		}
		return C_SKIP;
	}
	case C_SAMPLES:
		begin_sample(r);
		return is_map ? C_SKIP : C_SAMPLE;
	case C_SAMPLE:
		return bad(r, "a sample names a frame that does not exist");
	case C_WEIGHTS: /* not a number: a weight that is missing */
		GROW(r->weights, r->nweights, r->capweights);
		r->weights[r->nweights++] = (struct ss_num){0};
		cur_prof(r)->nweights++;
		return C_SKIP;
	case C_EVENTS:
		if (!is_map)
			return bad(r, "an event without a valid type, frame or time");
		GROW(r->events, r->nevents, r->capevents);
		r->events[r->nevents++] = (struct ss_event){0, -1, {0}};
		cur_prof(r)->nevents++;
		return C_EVENT;
	default:
		return C_SKIP;
	}
}

static int open_container(void *ctx, bool is_map)
{
	struct ss_reader *r = ctx;
	int c = open_ctx(r, is_map);
	if (c < 0)
		return 0;
	GROW(r->ctx, r->depth, r->capdepth);
	r->ctx[r->depth++] = (enum ss_ctx)c;
	r->key = K_OTHER;
	return 1;
}

static int cb_start_map(void *ctx)
{
	return open_container(ctx, true);
}

static int cb_start_array(void *ctx)
{
	return open_container(ctx, false);
}

static int cb_end(void *ctx)
{
	struct ss_reader *r = ctx;
	if (r->ctx[r->depth - 1] == C_FRAME) {
		if (!r->cur_has_name)
			return stop(r, "a frame without a \"name\"");
		GROW(r->frame, r->nframes, r->capframes);
		r->frame[r->nframes++] =
		    profile__frame(r->p, r->cur_name, PROFILE_NONE, r->cur_file, 0, FRAME_USER);
	}
	r->depth--;
	r->key = K_OTHER;
	return 1;
}

static const yajl_callbacks callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_bool,
	.yajl_number = cb_number,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_key,
	.yajl_end_map = cb_end,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = cb_end,
};

static int read_sampled(struct ss_reader *r, const struct ss_profile *pr)
{
	int rc = 0;
	for (size_t i = 0; i < pr->nsamples; i++) {
		size_t s = pr->first_sample + i;
		uint32_t node = PROFILE_ROOT;
		for (size_t k = r->sample_at[s]; k < r->sample_at[s + 1]; k++) {
			if (r->ids[k] >= r->nframes)
				return bad(r, "a sample names a frame that does not exist");
			node = profile__child(r->p, node, r->frame[r->ids[k]]);
		}
		int64_t w = 1;
		if (pr->has_weights)
			w = i < pr->nweights ? scaled(&r->weights[pr->first_weight + i], pr->scale) : -1;
		if (w < 0)
			return bad(r, "a weight is missing or negative");
		if (node != PROFILE_ROOT && w && profile__add(r->p, node, r->col, (uint64_t)w) < 0)
			rc = -EOVERFLOW;
	}
	return rc;
}

/* Evented: the time each stack was open, charged to that stack. */
static int read_evented(struct ss_reader *r, const struct ss_profile *pr)
{
	uint32_t *nodes = xmalloc((pr->nevents + 1) * sizeof(*nodes));
	size_t depth = 0;
	int64_t last = -1;
	int rc = 0;
	for (size_t i = 0; i < pr->nevents; i++) {
		const struct ss_event *e = &r->events[pr->first_event + i];
		int64_t at = scaled(&e->at, pr->scale);
		if (!e->type || at < 0 || e->frame < 0 || (size_t)e->frame >= r->nframes) {
			rc = bad(r, "an event without a valid type, frame or time");
			break;
		}
		if (depth && last >= 0 && at > last &&
		    profile__add(r->p, nodes[depth - 1], r->col, (uint64_t)(at - last)) < 0)
			rc = -EOVERFLOW;
		last = at;
		uint32_t f = r->frame[e->frame];
		if (e->type == 'O') {
			uint32_t parent = depth ? nodes[depth - 1] : PROFILE_ROOT;
			nodes[depth++] = profile__child(r->p, parent, f);
		} else if (e->type == 'C') {
			if (!depth || profile__node_frame(r->p, nodes[depth - 1]) != f) {
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
	struct ss_reader r = {.p = p, .col = col, .err = err};
	json__parse(buf, len, &callbacks, &r, &r.rc, err);
	if (!r.rc && (!r.saw_frames || !r.saw_profiles))
		bad(&r, "no \"shared.frames\" and \"profiles\" arrays");
	GROW(r.sample_at, r.nsample_at, r.capsample_at);
	r.sample_at[r.nsample_at] = r.nids; /* the end of the last sample */
	/* sampled profiles hold the counts; evented ones (timelines) are used only without them */
	bool sampled = false;
	for (size_t i = 0; i < r.nprofs; i++)
		sampled |= r.profs[i].type == T_SAMPLED;
	for (size_t i = 0; i < r.nprofs && r.rc != -EINVAL; i++) {
		const struct ss_profile *pr = &r.profs[i];
		int e = 0;
		if (sampled && pr->type == T_SAMPLED)
			e = read_sampled(&r, pr);
		else if (!sampled && pr->type == T_EVENTED)
			e = read_evented(&r, pr);
		if (e)
			r.rc = e;
	}
	free(r.ctx);
	free(r.frame);
	free(r.profs);
	free(r.ids);
	free(r.sample_at);
	free(r.weights);
	free(r.events);
	return r.rc;
}
