// SPDX-License-Identifier: MIT
/* A renamed view of a profile for writers: frames relabelled, equal stacks merged. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "../util/util.h"

/* The new frames of each old frame: its label split at ';'. */
struct labels {
	uint32_t *start, *count; /* per old frame, into ids */
	uint32_t *ids;
	size_t nids, capids;
};

static void push(struct labels *l, uint32_t id)
{
	if (l->nids == l->capids) {
		l->capids = l->capids ? l->capids * 2 : 1024;
		l->ids = xrealloc(l->ids, sizeof(*l->ids) * l->capids);
	}
	l->ids[l->nids++] = id;
}

/* True when every label is its frame's name, without ';', and no two frames share a name. */
static bool labels_unchanged(const struct profile *src, profile_label_fn label, void *arg)
{
	uint32_t nf = profile__nframes(src);
	uint8_t *used = xcalloc(profile__nstrings(src) / 8 + 1, 1);
	struct strbuf sb = {0};
	bool same = true;
	for (uint32_t f = 0; f < nf && same; f++) {
		sb.len = 0;
		label(src, f, &sb, arg);
		uint32_t name = profile__frame_get(src, f)->name;
		const char *s = sb.buf ? sb.buf : "";
		if (sb.len != profile__strlen(src, name) || memcmp(s, profile__str(src, name), sb.len) ||
		    memchr(s, ';', sb.len) || (used[name / 8] & (1u << (name % 8))))
			same = false;
		used[name / 8] |= (uint8_t)(1u << (name % 8));
	}
	free(used);
	strbuf__free(&sb);
	return same;
}

/* Fills l with the frames of dst for every frame of src. */
static void label_frames(const struct profile *src, struct profile *dst, profile_label_fn label,
			 void *arg, struct labels *l)
{
	uint32_t nf = profile__nframes(src);
	l->start = xmalloc(sizeof(*l->start) * (nf ? nf : 1));
	l->count = xmalloc(sizeof(*l->count) * (nf ? nf : 1));
	struct strbuf sb = {0};
	for (uint32_t f = 0; f < nf; f++) {
		sb.len = 0;
		label(src, f, &sb, arg);
		const char *s = sb.buf ? sb.buf : "";
		size_t len = sb.len;
		l->start[f] = (uint32_t)l->nids;
		const char *semi;
		while ((semi = memchr(s, ';', len))) {
			push(l, profile__frame_named(dst, s, (size_t)(semi - s), FRAME_USER));
			len -= (size_t)(semi - s) + 1;
			s = semi + 1;
		}
		/* Off-CPU marks stay marked: the SVG draws them in their own colour. */
		bool off = profile__frame_get(src, f)->kind == FRAME_OFFCPU;
		push(l, profile__frame_named(dst, s, len, off ? FRAME_OFFCPU : FRAME_USER));
		l->count[f] = (uint32_t)(l->nids - l->start[f]);
	}
	strbuf__free(&sb);
}

static void copy_meta(struct profile *dst, const struct profile *src)
{
	const struct profile_meta *s = profile__meta((struct profile *)src);
	struct profile_meta *d = profile__meta(dst);
	*d = *s;
	d->event = s->event ? xstrdup(s->event) : NULL;
	d->cmdline = s->cmdline ? xstrdup(s->cmdline) : NULL;
	d->host = s->host ? xstrdup(s->host) : NULL;
}

struct profile *profile__relabel(const struct profile *src, profile_label_fn label, void *arg)
{
	if (labels_unchanged(src, label, arg))
		return NULL;
	struct profile *dst = profile__new();
	struct labels l = {0};
	label_frames(src, dst, label, arg, &l);
	int ncols = profile__ncolumns(src);
	profile__set_column(dst, 0, profile__column_name(src, 0), profile__column_type(src, 0));
	for (int c = 1; c < ncols; c++)
		profile__add_column(dst, profile__column_name(src, c), profile__column_type(src, c));
	copy_meta(dst, src);
	profile__set_value_scale(dst, profile__value_scale(src));

	/* parents come before their children, so one pass in id order maps every node */
	uint32_t nn = profile__nnodes(src);
	uint32_t *nmap = xmalloc(sizeof(*nmap) * nn);
	nmap[0] = PROFILE_ROOT;
	for (uint32_t n = 1; n < nn; n++) {
		uint32_t f = profile__node_frame(src, n);
		uint32_t d = nmap[profile__node_parent(src, n)];
		for (uint32_t i = 0; i < l.count[f]; i++)
			d = profile__child(dst, d, l.ids[l.start[f] + i]);
		nmap[n] = d;
	}
	for (uint32_t n = 0; n < nn; n++)
		for (int c = 0; c < ncols; c++) {
			uint64_t v = profile__self(src, n, c);
			if (v)
				profile__add(dst, nmap[n], c, v); /* saturates like the source */
		}
	size_t nseq;
	const struct sequence_entry *seq = profile__sequence(src, &nseq);
	for (size_t i = 0; i < nseq; i++)
		profile__sequence_add(dst, nmap[seq[i].node], seq[i].value);
	free(nmap);
	free(l.start);
	free(l.count);
	free(l.ids);
	return dst;
}
