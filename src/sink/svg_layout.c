// SPDX-License-Identifier: MIT
/* SVG layout: merges sorted stack lines into frames (x range, depth) as flamegraph.pl's flow(). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "svg_internal.h"
#include "../source/read_folded.h"

struct open_frame {
	uint32_t node;
	double stime;
	double delta;
	int has_delta;
};

/* flow(): merges consecutive lines into frames exactly as flamegraph.pl does */
struct flow {
	const struct profile *p;
	int value_col, before_col;
	double time;
	double maxdelta;
	struct open_frame *open;
	size_t nopen, capopen;
	uint32_t *path;
	size_t cappath;
	struct svg_frame *frames;
	size_t nframes, capframes;
	double min_width; /* frames narrower than this (in count units) are dropped at once */
	uint32_t depthmax;
	uint64_t *totals; /* inclusive values of value_col, for skipping narrow subtrees */
};

static void flow_close(struct flow *f, size_t keep)
{
	while (f->nopen > keep) {
		struct open_frame *o = &f->open[--f->nopen];
		if (f->time - o->stime < f->min_width)
			continue;
		if (f->nopen > f->depthmax)
			f->depthmax = (uint32_t)f->nopen;
		if (f->nframes == f->capframes) {
			f->capframes = f->capframes ? f->capframes * 2 : 1024;
			f->frames = xrealloc(f->frames, sizeof(*f->frames) * f->capframes);
		}
		f->frames[f->nframes++] = (struct svg_frame){o->node, (uint32_t)f->nopen, o->stime,
							     f->time, o->delta, o->has_delta};
	}
}

/*
 * Closes the open frames that are not on node's path (node included) and fills f->path
 * with the nodes below them; returns how many frames stay open. It climbs from node only
 * until the path meets the open frames, so a line costs what it changes, not its depth.
 */
static size_t flow_sync(struct flow *f, uint32_t node)
{
	const struct profile *p = f->p;
	size_t depth = profile__node_depth(p, node);
	if (depth + 1 > f->cappath) {
		f->cappath = (depth + 1) * 2;
		f->path = xrealloc(f->path, sizeof(*f->path) * f->cappath);
	}
	size_t same = depth + 1;
	uint32_t n = node;
	while (same > 0) {
		size_t i = same - 1;
		if (i < f->nopen && f->open[i].node == n)
			break;
		f->path[i] = n;
		same = i;
		if (n == PROFILE_ROOT)
			break;
		n = profile__node_parent(p, n);
	}
	flow_close(f, same);
	return same;
}

/* Opens path[same..last] at the current time; the frame at depth `leaf` gets delta d. */
static void flow_open(struct flow *f, size_t same, size_t last, size_t leaf, int has_delta,
		      double d)
{
	if (last + 1 > f->capopen) {
		f->capopen = (last + 1) * 2;
		f->open = xrealloc(f->open, sizeof(*f->open) * f->capopen);
	}
	for (size_t i = same; i <= last; i++)
		f->open[i] = (struct open_frame){f->path[i], f->time, i == leaf ? d : 0, has_delta};
	if (last + 1 > f->nopen)
		f->nopen = last + 1;
}

static void flow_line(struct flow *f, uint32_t node, uint64_t after, int has_delta, double d)
{
	/* a line's trailing empty frames ("a; 1") are not drawn: perl's split drops them */
	const struct profile *p = f->p;
	while (node != PROFILE_ROOT &&
	       !profile__strlen(p, profile__frame_get(p, profile__node_frame(p, node))->name))
		node = profile__node_parent(p, node);
	size_t depth = profile__node_depth(f->p, node);
	size_t same = flow_sync(f, node);
	flow_open(f, same, depth, depth, has_delta, d);
	f->time += (double)after;
}

static void flow_cb(const struct profile *p, uint32_t node, void *arg)
{
	struct flow *f = arg;
	uint64_t after = profile__self(p, node, f->value_col);
	if (f->before_col >= 0) {
		double d = (double)after - (double)profile__self(p, node, f->before_col);
		flow_line(f, node, after, 1, d);
	} else {
		flow_line(f, node, after, 0, 0);
	}
}

/*
 * Everything below node is narrower than the minimum width: nothing there is drawn, so
 * the layout only moves on by its total. (node's own frame stays open and widens.)
 */
static int flow_skip(const struct profile *p, uint32_t node, void *arg)
{
	struct flow *f = arg;
	uint64_t below = f->totals[node] - profile__self(p, node, f->value_col);
	if ((double)below >= f->min_width)
		return 0;
	/* as if the block's lines were laid out: the frames open from the previous line close,
	 * node's ancestors open (node's own frame for the block alone would be too narrow) */
	size_t depth = profile__node_depth(p, node);
	size_t same = flow_sync(f, node);
	if (same < depth)
		flow_open(f, same, depth - 1, SIZE_MAX, f->before_col >= 0, 0);
	f->time += (double)below;
	return 1;
}

/* flamegraph.pl scales differential colours by the largest change of any one line. */
static double max_delta(const struct profile *p, int value_col, int before_col)
{
	double max = 1;
	for (uint32_t n = 0; n < profile__nnodes(p); n++) {
		double d = fabs((double)profile__self(p, n, value_col) -
				(double)profile__self(p, n, before_col));
		if (d > max)
			max = d;
	}
	return max;
}

void svg_layout__build(const struct profile *p, int value_col, int before_col, bool chart,
		       double min_width, struct svg_layout *l)
{
	struct flow f = {.p = p,
			 .value_col = value_col,
			 .before_col = before_col,
			 .maxdelta = 1,
			 .min_width = min_width};
	if (chart) {
		size_t nseq;
		const struct sequence_entry *seq = profile__sequence(p, &nseq);
		for (size_t i = 0; i < nseq; i++)
			flow_line(&f, seq[i].node, seq[i].value, 0, 0);
	} else {
		unsigned mask = 1u << value_col;
		if (before_col >= 0) {
			mask |= 1u << before_col;
			f.maxdelta = max_delta(p, value_col, before_col);
		}
		f.totals = profile__totals(p, value_col);
		profile__walk_lines_pruned(p, mask, ' ', flow_cb, flow_skip, &f);
	}
	flow_close(&f, 0);
	free(f.open);
	free(f.path);
	free(f.totals);
	l->frames = f.frames;
	l->nframes = f.nframes;
	l->depthmax = f.depthmax;
	l->maxdelta = f.maxdelta;
}

void svg_layout__free(struct svg_layout *l)
{
	free(l->frames);
	l->frames = NULL;
	l->nframes = 0;
}

/* ---- the same layout from stack lines as they come (no profile of the whole input) ---- */

struct stream_frame {
	double stime, delta;
	int has_delta;
	uint32_t node; /* node in the drawn profile, PROFILE_NONE until the frame is drawn */
	size_t end;    /* offset just past this frame's name in the previous stack */
};

struct svg_stream_layout {
	struct profile *q; /* holds the names of the frames that are drawn */
	double min_width, time, maxdelta;
	const char *prev; /* the previous line's stack */
	size_t prevlen;
	struct stream_frame *open; /* open[0] is the root, open[d] the frame at depth d */
	size_t nopen, capopen;
	struct svg_frame *frames;
	size_t nframes, capframes;
	uint32_t depthmax;
	uint64_t cut; /* lines cut to FOLDED_MAX_DEPTH frames */
};

struct svg_stream_layout *svg_layout__stream_new(struct profile *q, double min_width)
{
	struct svg_stream_layout *s = xcalloc(1, sizeof(*s));
	s->q = q;
	s->min_width = min_width;
	s->maxdelta = 1;
	return s;
}

/* The node of open frame d in the drawn profile, made (with its parents') on first use. */
static uint32_t stream_node(struct svg_stream_layout *s, size_t d)
{
	if (s->open[d].node != PROFILE_NONE)
		return s->open[d].node;
	uint32_t parent = stream_node(s, d - 1);
	size_t b = d > 1 ? s->open[d - 1].end + 1 : 0;
	uint32_t f = profile__frame_named(s->q, s->prev + b, s->open[d].end - b, FRAME_USER);
	s->open[d].node = profile__child(s->q, parent, f);
	return s->open[d].node;
}

static void stream_close(struct svg_stream_layout *s, size_t keep)
{
	while (s->nopen > keep) {
		size_t d = s->nopen - 1;
		struct stream_frame *o = &s->open[d];
		if (s->time - o->stime >= s->min_width) {
			if (d > s->depthmax)
				s->depthmax = (uint32_t)d;
			if (s->nframes == s->capframes) {
				s->capframes = s->capframes ? s->capframes * 2 : 1024;
				s->frames = xrealloc(s->frames, sizeof(*s->frames) * s->capframes);
			}
			uint32_t node = d ? stream_node(s, d) : PROFILE_ROOT;
			s->frames[s->nframes++] = (struct svg_frame){node, (uint32_t)d, o->stime,
								     s->time, o->delta, o->has_delta};
		}
		s->nopen--;
	}
}

static void stream_reserve(struct svg_stream_layout *s, size_t n)
{
	if (n > s->capopen) {
		s->capopen = n * 2 + 16;
		s->open = xrealloc(s->open, sizeof(*s->open) * s->capopen);
	}
}

/* How many frames a line has from byte start to n (at least one: "" counts). */
static size_t count_frames(const char *stack, size_t start, size_t n)
{
	size_t c = 1;
	for (const char *p = stack + start; (p = memchr(p, ';', (size_t)(stack + n - p))); p++)
		c++;
	return c;
}

void svg_layout__stream_line(struct svg_stream_layout *s, const struct folded_line_info *li,
			     int has_delta, double d)
{
	const char *stack = li->stack;
	size_t len = li->len, n = li->frames_len, lcp = li->lcp_prev, lcp_next = li->lcp_next;
	uint64_t value = li->value;
	if (!s->nopen) { /* the root: always open, as flow()'s '' frame */
		stream_reserve(s, 1);
		s->open[0] = (struct stream_frame){s->time, 0, has_delta, PROFILE_ROOT, 0};
		s->nopen = 1;
	}
	if (has_delta && fabs(d) > s->maxdelta)
		s->maxdelta = fabs(d);
	/* frames equal to the previous line's: those that end inside the common prefix and
	 * within n, at a ';' (or the end) of both. Before lcp, a frame's end in the previous
	 * line is a ';' in both. One that ends right at lcp goes on here when this line ends
	 * there, or has a ';' there, which can only be when the previous line ended there
	 * (else the previous line has the ';' and this one another byte). So this line's
	 * text is not read at all unless it has frames of its own to open. */
	if (!s->prev)
		lcp = 0;
	size_t k = s->nopen; /* ends grow with depth: the shared frames are the first k */
	while (k > 1 && (s->open[k - 1].end >= lcp || s->open[k - 1].end > n))
		k--;
	if (k < s->nopen && s->open[k].end == lcp && lcp <= n &&
	    (lcp == len || (lcp == s->prevlen && stack[lcp] == ';')))
		k++;
	size_t ends_from = k > 1 ? s->open[k - 1].end : 0;
	stream_close(s, k);
	/* the frames that start past what the next line shares are this line's alone, as
	 * wide as its count: too narrow to draw when the count is, so they are not looked for */
	size_t stop = n;
	if ((s->time + (double)value) - s->time < s->min_width && lcp_next < n)
		stop = lcp_next;
	/* open the rest of this line's frames */
	size_t depth = k - 1;
	if (n > 0 && !(k > 1 && ends_from == n)) {
		size_t start = k > 1 ? ends_from + 1 : 0;
		for (;;) {
			if (start > stop) {
				if (depth + n - start + 1 > FOLDED_MAX_DEPTH &&
				    depth + count_frames(stack, start, n) > FOLDED_MAX_DEPTH)
					s->cut++;
				break;
			}
			if (depth == FOLDED_MAX_DEPTH) {
				s->cut++;
				break;
			}
			const char *semi = memchr(stack + start, ';', n - start);
			size_t e = semi ? (size_t)(semi - stack) : n;
			depth++;
			stream_reserve(s, depth + 1);
			s->open[depth] = (struct stream_frame){s->time, 0, has_delta, PROFILE_NONE, e};
			if (!semi)
				break;
			start = e + 1;
		}
	}
	if (depth >= k)
		s->open[depth].delta = d;
	s->nopen = depth + 1;
	s->prev = stack;
	s->prevlen = len;
	s->time += (double)value;
}

void svg_layout__stream_end(struct svg_stream_layout *s, struct svg_layout *l)
{
	stream_close(s, 0);
	if (s->cut)
		util__warn("%llu stacks were deeper than %d frames: the deeper frames are not drawn",
			   (unsigned long long)s->cut, FOLDED_MAX_DEPTH);
	l->frames = s->frames;
	l->nframes = s->nframes;
	l->depthmax = s->depthmax;
	l->maxdelta = s->maxdelta;
	free(s->open);
	free(s);
}
