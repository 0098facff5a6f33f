// SPDX-License-Identifier: MIT
/* speedscope writer: shared frames, sampled profiles (total or per thread), evented timelines. */
#include "formats.h"

#include <stdlib.h>
#include <string.h>

struct ss_ctx {
	struct strbuf *out;
	struct strbuf weights;
	const uint64_t *tot;
	int col;
	bool per_root;
	uint32_t cur_root; /* root node of the open profile, PROFILE_NONE before the first */
	size_t nsamples;
	uint32_t *path;
	size_t cap;
	const char *name; /* of the single total profile */
};

static void open_profile(struct ss_ctx *c, const struct profile *p, uint32_t root)
{
	if (c->cur_root != PROFILE_NONE) {
		strbuf__adds(c->out, "],\"weights\":[");
		strbuf__add(c->out, c->weights.buf, c->weights.len);
		strbuf__adds(c->out, "]},\n");
	}
	c->weights.len = 0;
	c->nsamples = 0;
	c->cur_root = root;
	strbuf__adds(c->out, "{\"type\":\"sampled\",\"name\":");
	json__string(c->out, c->per_root ? profile__node_name(p, root) : c->name);
	strbuf__adds(c->out, ",\"unit\":\"none\",\"startValue\":0,\"endValue\":");
	strbuf__addu(c->out, c->tot[c->per_root ? root : PROFILE_ROOT]);
	strbuf__adds(c->out, ",\"samples\":[");
}

static void sample(const struct profile *p, uint32_t node, void *arg)
{
	struct ss_ctx *c = arg;
	uint64_t v = profile__self(p, node, c->col);
	if (!v)
		return;
	size_t depth = profile__node_depth(p, node);
	if (depth > c->cap) {
		c->cap = depth * 2;
		c->path = xrealloc(c->path, c->cap * sizeof(*c->path));
	}
	size_t d = depth;
	for (uint32_t m = node; m != PROFILE_ROOT && d > 0; m = profile__node_parent(p, m))
		c->path[--d] = m;
	if (c->cur_root == PROFILE_NONE || (c->per_root && c->path[0] != c->cur_root))
		open_profile(c, p, c->path[0]);
	if (c->nsamples++) {
		strbuf__addc(c->out, ',');
		strbuf__addc(&c->weights, ',');
	}
	strbuf__addc(c->out, '[');
	for (size_t i = 0; i < depth; i++) {
		if (i)
			strbuf__addc(c->out, ',');
		strbuf__addu(c->out, profile__node_frame(p, c->path[i]));
	}
	strbuf__addc(c->out, ']');
	strbuf__addu(&c->weights, v);
}

struct ev_ctx {
	const struct profile *p;
	struct strbuf *out;
	bool first_ev;
	bool first_prof;
	size_t hole; /* offset of the open profile's endValue, written when it ends */
};

static void ev_begin(void *arg, uint32_t tid, uint64_t t0)
{
	struct ev_ctx *e = arg;
	strbuf__adds(e->out, e->first_prof ? "" : ",\n");
	e->first_prof = false;
	e->first_ev = true;
	strbuf__addf(e->out,
		     "{\"type\":\"evented\",\"name\":\"tid %u\",\"unit\":\"nanoseconds\","
		     "\"startValue\":%llu,\"endValue\":",
		     tid, (unsigned long long)t0);
	/* endValue is known only at the end: leave room (JSON whitespace), written by ev_end */
	e->hole = e->out->len;
	strbuf__adds(e->out, "                    ,\"events\":[");
}

static void ev_at(struct ev_ctx *e, char type, uint32_t node, uint64_t t)
{
	strbuf__addf(e->out, "%s{\"type\":\"%c\",\"frame\":%u,\"at\":%llu}", e->first_ev ? "" : ",",
		     type, profile__node_frame(e->p, node), (unsigned long long)t);
	e->first_ev = false;
}

static void ev_open(void *arg, uint32_t node, uint64_t t)
{
	ev_at(arg, 'O', node, t);
}

static void ev_close(void *arg, uint32_t node, uint64_t t)
{
	ev_at(arg, 'C', node, t);
}

static void ev_end(void *arg, uint32_t tid, uint64_t t1)
{
	struct ev_ctx *e = arg;
	strbuf__adds(e->out, "]}");
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)t1);
	memcpy(e->out->buf + e->hole, num, (size_t)n);
	(void)tid;
}

int speedscope__write(const struct profile *p, int col, const struct format_opts *o,
		      struct strbuf *out, struct strbuf *err)
{
	const struct profile_meta *meta = profile__meta((struct profile *)p);
	strbuf__adds(out, "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\n"
			  "\"exporter\":\"scorch\",\"name\":");
	const char *name = meta->cmdline && *meta->cmdline ? meta->cmdline : "scorch";
	json__string(out, name);
	strbuf__adds(out, ",\"activeProfileIndex\":0,\n\"shared\":{\"frames\":[");
	uint32_t nf = profile__nframes(p);
	for (uint32_t f = 0; f < nf; f++) {
		const struct frame *fr = profile__frame_get(p, f);
		strbuf__adds(out, f ? ",\n{\"name\":" : "\n{\"name\":");
		json__string(out, profile__str(p, fr->name));
		if (fr->file != PROFILE_NONE) {
			strbuf__adds(out, ",\"file\":");
			json__string(out, profile__str(p, fr->file));
			if (fr->line)
				strbuf__addf(out, ",\"line\":%u", fr->line);
		}
		strbuf__addc(out, '}');
	}
	strbuf__adds(out, "]},\n\"profiles\":[\n");

	/* one sampled profile per thread/process root when the roots are those, else one */
	bool per_root = o && o->per_root;
	if (!per_root) {
		per_root = profile__first_child(p, PROFILE_ROOT) != PROFILE_NONE;
		for (uint32_t r = profile__first_child(p, PROFILE_ROOT); r != PROFILE_NONE;
		     r = profile__next_sibling(p, r))
			if (profile__frame_get(p, profile__node_frame(p, r))->kind != FRAME_SYNTHETIC)
				per_root = false;
	}
	uint64_t *tot = profile__totals(p, col);
	struct ss_ctx c = {.out = out, .tot = tot, .col = col, .per_root = per_root,
			   .cur_root = PROFILE_NONE, .name = name};
	profile__walk_lines(p, 1u << col, -1, sample, &c);
	if (c.cur_root == PROFILE_NONE)
		open_profile(&c, p, PROFILE_ROOT);
	strbuf__adds(out, "],\"weights\":[");
	strbuf__add(out, c.weights.buf, c.weights.len);
	strbuf__adds(out, "]}");

	/* evented: the per-thread timeline, when samples have times */
	size_t ntl;
	profile__timeline(p, &ntl);
	if (ntl) {
		strbuf__adds(out, ",\n");
		struct ev_ctx e = {.p = p, .out = out, .first_prof = true};
		struct chart_ops ops = {ev_begin, ev_open, ev_close, ev_end};
		uint64_t ns = format__sample_ns(p);
		format__chart(p, ns ? ns : 1000000, &ops, &e);
	}
	strbuf__adds(out, "\n]}\n");
	strbuf__free(&c.weights);
	free(c.path);
	free(tot);
	(void)err;
	return 0;
}
