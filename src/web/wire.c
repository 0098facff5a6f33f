// SPDX-License-Identifier: MIT
/* Profile deltas over a byte stream: encoding in the sampling helper, replay in serve. */
#include "wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct wire_frame {
	uint32_t name, module, file, line, kind, raw, mapping, pad;
	uint64_t addr;
};

struct wire_mapping {
	uint32_t path, build_id;
	uint64_t start, end, pgoff;
};

struct wire_node {
	uint32_t parent, frame;
};

struct wire_value {
	uint32_t node, col;
	uint64_t inc;
};

struct wire_tl {
	uint64_t time_ns;
	uint32_t pid, tid, cpu, node;
};

void wire__msg(struct strbuf *out, enum wire_type t, const void *payload, uint32_t len)
{
	uint32_t hdr[2] = {(uint32_t)t, len};
	strbuf__add(out, hdr, sizeof(hdr));
	if (len)
		strbuf__add(out, payload, len);
}

static void enc_meta(const struct profile *p, struct strbuf *out)
{
	struct profile *mp = (struct profile *)p; /* profile__meta only reads here */
	const struct profile_meta *m = profile__meta(mp);
	struct wire_meta wm = {m->period, m->start_ns, m->duration_ns, m->lost, m->freq,
			       (uint32_t)profile__column_type(p, 0)};
	struct strbuf sb = {0};
	strbuf__add(&sb, &wm, sizeof(wm));
	const char *parts[3] = {m->event ? m->event : "", m->cmdline ? m->cmdline : "",
				profile__column_name(p, 0)};
	for (int i = 0; i < 3; i++) {
		size_t n = strnlen(parts[i], 4096);
		strbuf__add(&sb, parts[i], n);
		strbuf__addc(&sb, '\0');
	}
	wire__msg(out, WIRE_META, sb.buf, (uint32_t)sb.len);
	strbuf__free(&sb);
}

int wire_enc__delta(struct wire_enc *e, const struct profile *p, const struct wire_stats *st,
		    struct strbuf *out)
{
	for (uint32_t n = profile__nstrings(p); e->nstrings < n; e->nstrings++) {
		uint32_t len = profile__strlen(p, e->nstrings);
		if (len > WIRE_MAX_PAYLOAD)
			len = WIRE_MAX_PAYLOAD;
		wire__msg(out, WIRE_STR, profile__str(p, e->nstrings), len);
	}
	for (uint32_t n = profile__nmappings(p); e->nmappings < n; e->nmappings++) {
		const struct mapping *m = profile__mapping_get(p, e->nmappings);
		struct wire_mapping wm = {m->path, m->build_id, m->start, m->end, m->pgoff};
		wire__msg(out, WIRE_MAPPING, &wm, sizeof(wm));
	}
	for (uint32_t n = profile__nframes(p); e->nframes < n; e->nframes++) {
		const struct frame *f = profile__frame_get(p, e->nframes);
		struct wire_frame wf = {f->name, f->module, f->file,    f->line,
					f->kind, f->raw,    f->mapping, 0,
					f->addr};
		wire__msg(out, WIRE_FRAME, &wf, sizeof(wf));
	}
	uint32_t nn = profile__nnodes(p);
	if (e->nnodes == 0)
		e->nnodes = 1; /* the root exists on both sides */
	for (; e->nnodes < nn; e->nnodes++) {
		struct wire_node wn = {profile__node_parent(p, e->nnodes),
				       profile__node_frame(p, e->nnodes)};
		wire__msg(out, WIRE_NODE, &wn, sizeof(wn));
	}
	if (e->nsent < nn) {
		e->sent = xrealloc(e->sent, nn * sizeof(*e->sent));
		memset(e->sent + e->nsent, 0, (nn - e->nsent) * sizeof(*e->sent));
		e->nsent = nn;
	}
	for (uint32_t n = 0; n < nn; n++) {
		uint64_t v = profile__self(p, n, 0);
		if (v <= e->sent[n])
			continue;
		struct wire_value wv = {n, 0, v - e->sent[n]};
		wire__msg(out, WIRE_VALUE, &wv, sizeof(wv));
		e->sent[n] = v;
	}
	size_t ntl;
	const struct timeline_entry *tl = profile__timeline(p, &ntl);
	for (; e->ntimeline < ntl && e->ntimeline < e->max_timeline; e->ntimeline++) {
		const struct timeline_entry *t = &tl[e->ntimeline];
		struct wire_tl w = {t->time_ns, t->pid, t->tid, t->cpu, t->node};
		wire__msg(out, WIRE_TIMELINE, &w, sizeof(w));
	}
	enc_meta(p, out);
	if (st)
		wire__msg(out, WIRE_STATS, st, sizeof(*st));
	return 0;
}

void wire_enc__free(struct wire_enc *e)
{
	free(e->sent);
	memset(e, 0, sizeof(*e));
}

static void push(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = x;
}

static int bad(struct wire_dec *d, const char *why)
{
	snprintf(d->error, sizeof(d->error), "sampling helper stream: %s", why);
	return -EPROTO;
}

/* A remote string id (or PROFILE_NONE) as a local string, NULL for none. */
static int local_str(struct wire_dec *d, const struct profile *p, uint32_t id, const char **s)
{
	if (id == PROFILE_NONE) {
		*s = NULL;
		return 0;
	}
	if (id >= d->nstr)
		return -EPROTO;
	*s = profile__str(p, d->str[id]);
	return 0;
}

/* Lower-case hex (as the profile keeps build-ids) to at most 64 bytes; returns the count. */
static size_t unhex(const char *h, unsigned char *bytes)
{
	size_t n = h ? strlen(h) / 2 : 0;
	if (n > 64)
		n = 64;
	for (size_t i = 0; i < n; i++) {
		unsigned hi = (unsigned char)h[2 * i], lo = (unsigned char)h[2 * i + 1];
		hi = hi >= 'a' ? hi - 'a' + 10 : hi - '0';
		lo = lo >= 'a' ? lo - 'a' + 10 : lo - '0';
		bytes[i] = (unsigned char)((hi & 15) << 4 | (lo & 15));
	}
	return n;
}

/* A mapping: kept in the local profile (profile__mapping deduplicates), its id remembered. */
static int apply_mapping(struct wire_dec *d, struct profile *p, const struct wire_mapping *wm)
{
	const char *path, *bid;
	if (local_str(d, p, wm->path, &path) < 0 || local_str(d, p, wm->build_id, &bid) < 0 ||
	    (bid && strspn(bid, "0123456789abcdef") != strlen(bid)))
		return bad(d, "mapping with an unknown string");
	unsigned char bytes[64];
	size_t n = unhex(bid, bytes);
	struct mapping_info mi = {path, n ? bytes : NULL, n, wm->start, wm->end, wm->pgoff};
	push(&d->map, &d->nmap, &d->capmap, profile__mapping(p, &mi));
	return 0;
}

static int apply_frame(struct wire_dec *d, struct profile *p, const struct wire_frame *wf)
{
	struct frame_info fi = {0};
	const char *raw;
	if (local_str(d, p, wf->name, &fi.name) < 0 || !fi.name ||
	    local_str(d, p, wf->module, &fi.module) < 0 || local_str(d, p, wf->file, &fi.file) < 0 ||
	    local_str(d, p, wf->raw, &raw) < 0 || wf->kind > FRAME_SYNTHETIC)
		return bad(d, "frame with an unknown string or kind");
	fi.raw = raw;
	fi.line = wf->line;
	fi.kind = (enum frame_kind)wf->kind;
	fi.addr = wf->addr;
	struct mapping_info mi = {0};
	unsigned char bid[64];
	if (wf->mapping != PROFILE_NONE) {
		if (wf->mapping >= d->nmap)
			return bad(d, "frame with an unknown mapping");
		const struct mapping *m = profile__mapping_get(p, d->map[wf->mapping]);
		const char *h = m->build_id != PROFILE_NONE ? profile__str(p, m->build_id) : NULL;
		size_t n = unhex(h, bid);
		mi = (struct mapping_info){profile__str(p, m->path), n ? bid : NULL, n, m->start,
					   m->end, m->pgoff};
		fi.map = &mi;
	}
	push(&d->frame, &d->nframe, &d->capframe, profile__frame_full(p, &fi));
	return 0;
}

static int apply_meta(struct wire_dec *d, struct profile *p, const char *buf, uint32_t len)
{
	struct wire_meta wm;
	if (len < sizeof(wm) + 3 || buf[len - 1] != '\0')
		return bad(d, "short metadata");
	memcpy(&wm, buf, sizeof(wm));
	const char *parts[3], *s = buf + sizeof(wm), *end = buf + len;
	for (int i = 0; i < 3; i++) {
		if (s >= end)
			return bad(d, "short metadata");
		parts[i] = s;
		s += strlen(s) + 1;
	}
	struct profile_meta *m = profile__meta(p);
	m->period = wm.period;
	m->start_ns = wm.start_ns;
	m->duration_ns = wm.duration_ns;
	m->lost = wm.lost;
	m->freq = wm.freq;
	if (!m->event || strcmp(m->event, parts[0])) {
		free(m->event);
		m->event = parts[0][0] ? xstrdup(parts[0]) : NULL;
	}
	if (!m->cmdline || strcmp(m->cmdline, parts[1])) {
		free(m->cmdline);
		m->cmdline = parts[1][0] ? xstrdup(parts[1]) : NULL;
	}
	if (wm.col0_type <= COLUMN_BYTES && parts[2][0] &&
	    (strcmp(profile__column_name(p, 0), parts[2]) ||
	     profile__column_type(p, 0) != (enum column_type)wm.col0_type))
		profile__set_column(p, 0, parts[2], (enum column_type)wm.col0_type);
	return 0;
}

static int apply(struct wire_dec *d, struct profile *p, uint32_t type, const char *buf,
		 uint32_t len)
{
	if (d->ended)
		return bad(d, "data after the end");
	switch (type) {
	case WIRE_STR:
		push(&d->str, &d->nstr, &d->capstr, profile__intern(p, buf, len));
		return 0;
	case WIRE_FRAME: {
		struct wire_frame wf;
		if (len != sizeof(wf))
			return bad(d, "bad frame size");
		memcpy(&wf, buf, sizeof(wf));
		return apply_frame(d, p, &wf);
	}
	case WIRE_MAPPING: {
		struct wire_mapping wm;
		if (len != sizeof(wm))
			return bad(d, "bad mapping size");
		memcpy(&wm, buf, sizeof(wm));
		return apply_mapping(d, p, &wm);
	}
	case WIRE_NODE: {
		struct wire_node wn;
		if (len != sizeof(wn))
			return bad(d, "bad node size");
		memcpy(&wn, buf, sizeof(wn));
		if (d->nnode == 0)
			push(&d->node, &d->nnode, &d->capnode, PROFILE_ROOT);
		if (wn.parent >= d->nnode || wn.frame >= d->nframe)
			return bad(d, "node with an unknown parent or frame");
		push(&d->node, &d->nnode, &d->capnode,
		     profile__child(p, d->node[wn.parent], d->frame[wn.frame]));
		return 0;
	}
	case WIRE_VALUE: {
		struct wire_value wv;
		if (len != sizeof(wv))
			return bad(d, "bad value size");
		memcpy(&wv, buf, sizeof(wv));
		if (d->nnode == 0)
			push(&d->node, &d->nnode, &d->capnode, PROFILE_ROOT);
		if (wv.node >= d->nnode || wv.col != 0)
			return bad(d, "value for an unknown node");
		profile__add(p, d->node[wv.node], 0, wv.inc);
		return 0;
	}
	case WIRE_TIMELINE: {
		struct wire_tl t;
		if (len != sizeof(t))
			return bad(d, "bad timeline size");
		memcpy(&t, buf, sizeof(t));
		if (t.node >= d->nnode)
			return bad(d, "timeline entry for an unknown node");
		profile__timeline_add(p, t.time_ns, t.pid, t.tid, t.cpu, d->node[t.node]);
		return 0;
	}
	case WIRE_META:
		return apply_meta(d, p, buf, len);
	case WIRE_STATS:
		if (len != sizeof(d->stats))
			return bad(d, "bad statistics size");
		memcpy(&d->stats, buf, sizeof(d->stats));
		return 0;
	case WIRE_END:
		d->ended = true;
		return 0;
	case WIRE_ERROR:
		snprintf(d->error, sizeof(d->error), "%.*s", (int)(len < 255 ? len : 255), buf);
		d->ended = true;
		return 0;
	default:
		return bad(d, "unknown message");
	}
}

int wire_dec__feed(struct wire_dec *d, struct profile *p, const void *buf, size_t len)
{
	strbuf__add(&d->in, buf, len);
	size_t off = 0;
	int ret = 0;
	while (d->in.len - off >= 8) {
		uint32_t hdr[2];
		memcpy(hdr, d->in.buf + off, sizeof(hdr));
		if (hdr[1] > WIRE_MAX_PAYLOAD + 4096) {
			ret = bad(d, "oversized message");
			break;
		}
		if (d->in.len - off - 8 < hdr[1])
			break;
		ret = apply(d, p, hdr[0], d->in.buf + off + 8, hdr[1]);
		off += 8 + hdr[1];
		if (ret < 0)
			break;
	}
	memmove(d->in.buf, d->in.buf + off, d->in.len - off);
	d->in.len -= off;
	return ret;
}

void wire_dec__free(struct wire_dec *d)
{
	free(d->str);
	free(d->frame);
	free(d->node);
	free(d->map);
	strbuf__free(&d->in);
	memset(d, 0, sizeof(*d));
}
