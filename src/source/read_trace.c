// SPDX-License-Identifier: MIT
/* Chrome trace reader: the stack-sampled track ("stackFrames" + "samples") into the trie. */
#include "read_formats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hashmap.h"

/*
 * A trace is mostly what this reader skips: the span events ("traceEvents") are most of the
 * bytes. A document tree (jansson) of a 282 MB trace took 42 s, nearly all of it in malloc; a
 * streaming parse (yajl's callbacks) keeps only the stack frames (id -> name, parent) and the
 * samples (frame, weight), and resolves them once the whole document has been read (the keys
 * may come in any order).
 */

struct tr_frame {
	uint32_t frame;  /* the profile frame of its name, PROFILE_NONE until "name" is read */
	uint32_t parent; /* index of the parent stack frame, or PROFILE_NONE */
	uint32_t node;   /* trie node, PROFILE_NONE until resolved */
	bool defined;    /* its object was in "stackFrames" */
};

struct tr_sample {
	uint32_t frame; /* index of its stack frame, PROFILE_NONE without "sf" */
	double weight;
};

/* Where in the document a value is: the keys that matter at each nesting level. */
enum tr_key { K_OTHER = 0, K_FRAMES, K_SAMPLES, K_OTHERDATA, K_NAME, K_PARENT, K_SF, K_WEIGHT,
	      K_EVENT };

struct tr_reader {
	struct profile *p;
	struct strbuf *err;
	int rc;
	unsigned depth;     /* containers open: 1 inside the root object */
	enum tr_key k1, k3; /* the key at depth 1 (root) and depth 3 (a frame or sample) */
	bool k2_event;      /* otherData's "event" */
	uint32_t cur_frame; /* the stack frame whose object is open (depth 3) */
	struct tr_sample *cur_sample;
	struct hashmap by_num, by_str; /* stack frame id (number, or any string) -> index + 1 */
	struct tr_frame *frames;
	size_t nframes, capframes;
	struct tr_sample *samples;
	size_t nsamples, capsamples;
	bool saw_frames;
	char *event;
};

static int bad(struct tr_reader *r, const char *what, const char *id)
{
	if (r->err && !r->rc)
		strbuf__addf(r->err, "%s%s%s", what, id ? " " : "", id ? id : "");
	r->rc = -EINVAL;
	return 0; /* stops yajl */
}

/* The index of the stack frame with this id, added (undefined) when new. */
static uint32_t frame_index(struct tr_reader *r, const char *id, size_t len)
{
	struct hashmap_entry *e;
	uint64_t num = 0;
	bool numeric = len > 0 && len < 19 && (len == 1 || id[0] != '0');
	for (size_t i = 0; numeric && i < len; i++) {
		if (id[i] < '0' || id[i] > '9')
			numeric = false;
		else
			num = num * 10 + (uint64_t)(id[i] - '0');
	}
	e = numeric ? hashmap__put_u64(&r->by_num, num, 0, NULL)
		    : hashmap__put_bytes(&r->by_str, id, len, NULL);
	if (!e->value) {
		if (r->nframes == r->capframes) {
			r->capframes = r->capframes ? r->capframes * 2 : 1024;
			r->frames = xrealloc(r->frames, r->capframes * sizeof(*r->frames));
		}
		r->frames[r->nframes] = (struct tr_frame){PROFILE_NONE, PROFILE_NONE, PROFILE_NONE,
							  false};
		e->value = ++r->nframes;
	}
	return (uint32_t)(e->value - 1);
}

/* A scalar value (string or number, as text) at the current place in the document. */
static int on_scalar(struct tr_reader *r, const char *s, size_t len, bool is_string)
{
	if (r->depth == 2 && r->k1 == K_OTHERDATA && r->k2_event && is_string) {
		free(r->event);
		r->event = xmalloc(len + 1);
		memcpy(r->event, s, len);
		r->event[len] = '\0';
		return 1;
	}
	if (r->depth != 3)
		return 1;
	if (r->k1 == K_FRAMES && r->cur_frame != PROFILE_NONE) {
		struct tr_frame *f = &r->frames[r->cur_frame];
		if (r->k3 == K_NAME && is_string)
			f->frame = profile__frame_named(r->p, s, len, FRAME_USER);
		else if (r->k3 == K_PARENT) {
			uint32_t par = frame_index(r, s, len);
			r->frames[r->cur_frame].parent = par; /* frames may have moved */
		}
	} else if (r->k1 == K_SAMPLES && r->cur_sample) {
		if (r->k3 == K_SF) {
			uint32_t fi = frame_index(r, s, len);
			r->cur_sample = &r->samples[r->nsamples - 1];
			r->cur_sample->frame = fi;
		} else if (r->k3 == K_WEIGHT && !is_string) {
			char tmp[64];
			size_t n = len < sizeof(tmp) - 1 ? len : sizeof(tmp) - 1;
			memcpy(tmp, s, n);
			tmp[n] = '\0';
			double d = strtod(tmp, NULL);
			if (!(d >= 0) || d >= 9.2e18)
				return bad(r, "a sample weight is negative or too large", NULL);
			r->cur_sample->weight = d;
		}
	}
	return 1;
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
	return on_scalar(ctx, (const char *)s, len, true);
}

static int cb_number(void *ctx, const char *s, size_t len)
{
	return on_scalar(ctx, s, len, false);
}

static int cb_other(void *ctx)
{
	(void)ctx;
	return 1;
}

static int cb_bool(void *ctx, int b)
{
	(void)b;
	(void)ctx;
	return 1;
}

static int key_is(const unsigned char *k, size_t len, const char *want)
{
	return len == strlen(want) && !memcmp(k, want, len);
}

static int cb_key(void *ctx, const unsigned char *k, size_t len)
{
	struct tr_reader *r = ctx;
	if (r->depth == 1) {
		r->k1 = key_is(k, len, "stackFrames") ? K_FRAMES
			: key_is(k, len, "samples")   ? K_SAMPLES
			: key_is(k, len, "otherData") ? K_OTHERDATA
						      : K_OTHER;
	} else if (r->depth == 2 && r->k1 == K_FRAMES) {
		r->cur_frame = frame_index(r, (const char *)k, len);
		r->frames[r->cur_frame].defined = true;
		r->saw_frames = true;
	} else if (r->depth == 2 && r->k1 == K_OTHERDATA) {
		r->k2_event = key_is(k, len, "event");
	} else if (r->depth == 3) {
		r->k3 = key_is(k, len, "name")     ? K_NAME
			: key_is(k, len, "parent") ? K_PARENT
			: key_is(k, len, "sf")     ? K_SF
			: key_is(k, len, "weight") ? K_WEIGHT
						   : K_OTHER;
	}
	return 1;
}

static int cb_start_map(void *ctx)
{
	struct tr_reader *r = ctx;
	r->depth++;
	if (r->depth == 3 && r->k1 == K_SAMPLES) {
		if (r->nsamples == r->capsamples) {
			r->capsamples = r->capsamples ? r->capsamples * 2 : 1024;
			r->samples = xrealloc(r->samples, r->capsamples * sizeof(*r->samples));
		}
		r->samples[r->nsamples] = (struct tr_sample){PROFILE_NONE, 1};
		r->cur_sample = &r->samples[r->nsamples++];
	}
	r->k3 = K_OTHER;
	return 1;
}

static int cb_end_map(void *ctx)
{
	struct tr_reader *r = ctx;
	if (r->depth == 3) {
		r->cur_sample = NULL;
		r->cur_frame = PROFILE_NONE;
	}
	r->depth--;
	return 1;
}

static int cb_start_array(void *ctx)
{
	struct tr_reader *r = ctx;
	r->depth++;
	return 1;
}

static int cb_end_array(void *ctx)
{
	struct tr_reader *r = ctx;
	r->depth--;
	return 1;
}

static const yajl_callbacks callbacks = {
	.yajl_null = cb_other,
	.yajl_boolean = cb_bool,
	.yajl_number = cb_number,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_key,
	.yajl_end_map = cb_end_map,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = cb_end_array,
};

/* The id of stack frame i, for messages. */
static const char *frame_id(struct tr_reader *r, uint32_t i, char *tmp, size_t cap)
{
	struct hashmap_entry *e = NULL;
	while ((e = hashmap__next(&r->by_num, e)))
		if (e->value == (uint64_t)i + 1) {
			snprintf(tmp, cap, "%llu", (unsigned long long)e->a);
			return tmp;
		}
	while ((e = hashmap__next(&r->by_str, e)))
		if (e->value == (uint64_t)i + 1)
			return hashmap_entry__key(e);
	return "?";
}

/* The trie node of stack frame i: its unresolved ancestors first (iteratively). */
static int node_of(struct tr_reader *r, uint32_t i, uint32_t *out, uint32_t **chain, size_t *cap)
{
	size_t n = 0;
	uint32_t cur = i, node = PROFILE_ROOT;
	while (cur != PROFILE_NONE) {
		struct tr_frame *f = &r->frames[cur];
		if (f->node != PROFILE_NONE) {
			node = f->node;
			break;
		}
		char tmp[32];
		if (!f->defined) {
			bad(r, "a sample or frame names a missing stack frame",
			    frame_id(r, cur, tmp, sizeof(tmp)));
			return r->rc;
		}
		if (n > r->nframes) {
			bad(r, "stack frames form a loop at", frame_id(r, cur, tmp, sizeof(tmp)));
			return r->rc;
		}
		if (n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*chain = xrealloc(*chain, *cap * sizeof(**chain));
		}
		(*chain)[n++] = cur;
		cur = f->parent;
	}
	for (size_t k = n; k-- > 0;) {
		struct tr_frame *f = &r->frames[(*chain)[k]];
		if (f->frame == PROFILE_NONE)
			f->frame = profile__frame_named(r->p, "", 0, FRAME_USER);
		node = profile__child(r->p, node, f->frame);
		f->node = node;
	}
	*out = node;
	return 0;
}

int trace__read(const char *buf, size_t len, struct profile *p, int col, struct strbuf *err)
{
	struct tr_reader r = {.p = p, .err = err, .cur_frame = PROFILE_NONE};
	json__parse(buf, len, &callbacks, &r, &r.rc, err);
	if (!r.rc && (!r.saw_frames || !r.nsamples))
		bad(&r, "no stack samples (\"stackFrames\" and \"samples\"); "
			"a trace of spans only has no profile to read",
		    NULL);
	uint32_t *chain = NULL;
	size_t cap = 0;
	bool overflow = false;
	for (size_t i = 0; i < r.nsamples && !r.rc; i++) {
		const struct tr_sample *s = &r.samples[i];
		if (s->frame == PROFILE_NONE) {
			bad(&r, "a sample without \"sf\"", NULL);
			break;
		}
		uint32_t node;
		if (node_of(&r, s->frame, &node, &chain, &cap) < 0)
			break;
		if (s->weight && profile__add(p, node, col, (uint64_t)llround(s->weight)) < 0)
			overflow = true; /* the sum saturates; reading goes on */
	}
	if (!r.rc && overflow)
		r.rc = -EOVERFLOW;
	if (r.event && !profile__meta(p)->event && r.rc != -EINVAL) {
		profile__meta(p)->event = r.event;
		r.event = NULL;
	}
	free(chain);
	free(r.event);
	free(r.frames);
	free(r.samples);
	hashmap__destroy(&r.by_num);
	hashmap__destroy(&r.by_str);
	return r.rc;
}
