// SPDX-License-Identifier: MIT
/* pprof writer: a profile as profile.proto (through protobuf-c), gzip-compressed with zlib. */
#include "formats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../util/hashmap.h"
#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile PbProfile;
typedef Perftools__Profiles__Sample PbSample;
typedef Perftools__Profiles__Location PbLocation;
typedef Perftools__Profiles__Line PbLine;
typedef Perftools__Profiles__Function PbFunction;
typedef Perftools__Profiles__Mapping PbMapping;
typedef Perftools__Profiles__Label PbLabel;
typedef Perftools__Profiles__ValueType PbValueType;

/* Open-addressing map from a 64-bit key to a 32-bit value (0 is "absent": ids start at 1). */
struct idmap {
	uint64_t *keys;
	uint32_t *vals;
	size_t cap, n;
};

static uint32_t *idmap__slot(struct idmap *m, uint64_t key)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct idmap old = *m;
		m->cap = old.cap ? old.cap * 2 : 1024;
		m->keys = xcalloc(m->cap, sizeof(*m->keys));
		m->vals = xcalloc(m->cap, sizeof(*m->vals));
		m->n = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.vals[i])
				*idmap__slot(m, old.keys[i]) = old.vals[i], m->n++;
		free(old.keys);
		free(old.vals);
	}
	size_t i = util__hash_u64(key) & (m->cap - 1);
	while (m->vals[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	m->keys[i] = key;
	return &m->vals[i];
}

struct pprof_ctx {
	const struct profile *p;
	/* string table: entries point into the profile or at literals */
	const char **strs;
	size_t nstrs, capstrs;
	int64_t *str_of;     /* profile string id -> string index (0: not yet) */
	/* functions (one per frame), mappings (one per profile mapping, else one per module),
	 * locations */
	uint32_t *fn_of;     /* frame -> function id (0: not yet) */
	uint32_t *fn_frame;  /* function id - 1 -> frame */
	size_t nfns;
	struct idmap map_of; /* module string id + 1, or MAP_KEY | profile mapping -> mapping id */
	uint32_t *map_module; /* mapping id - 1 -> module string id (PROFILE_NONE: see map_prof) */
	uint32_t *map_prof;   /* mapping id - 1 -> profile mapping, or PROFILE_NONE */
	size_t nmaps;
	struct idmap loc_of; /* (frame, enclosing location) -> location id */
	struct hashmap loc_at; /* (profile mapping, address) -> location id */
	uint32_t *loc_frame, *loc_prev; /* location id - 1 -> frame, location it is inlined into */
	size_t nlocs, caplocs;
};

static int64_t str_lit(struct pprof_ctx *c, const char *s)
{
	for (size_t i = 0; i < c->nstrs; i++)
		if (!strcmp(c->strs[i], s))
			return (int64_t)i;
	if (c->nstrs == c->capstrs) {
		c->capstrs = c->capstrs ? c->capstrs * 2 : 256;
		c->strs = xrealloc(c->strs, c->capstrs * sizeof(*c->strs));
	}
	c->strs[c->nstrs] = s;
	return (int64_t)c->nstrs++;
}

static int64_t str_id(struct pprof_ctx *c, uint32_t id)
{
	if (id == PROFILE_NONE)
		return 0;
	if (!c->str_of[id]) {
		const char *s = profile__str(c->p, id);
		if (!*s)
			return 0;
		if (c->nstrs == c->capstrs) {
			c->capstrs = c->capstrs * 2;
			c->strs = xrealloc(c->strs, c->capstrs * sizeof(*c->strs));
		}
		c->strs[c->nstrs] = s;
		c->str_of[id] = (int64_t)c->nstrs++;
	}
	return c->str_of[id];
}

static uint32_t function_of(struct pprof_ctx *c, uint32_t frame)
{
	if (!c->fn_of[frame]) {
		c->fn_frame[c->nfns] = frame;
		c->fn_of[frame] = (uint32_t)++c->nfns;
	}
	return c->fn_of[frame];
}

#define MAP_KEY (1ull << 40)

/*
 * The pprof mapping of a frame: the profile's mapping it lies in (path, build-id, range,
 * offset) when known, else one named after its module (kernel frames, folded input).
 */
static uint32_t mapping_of(struct pprof_ctx *c, const struct frame *f)
{
	bool real = f->mapping != PROFILE_NONE;
	if (!real && f->module == PROFILE_NONE)
		return 0;
	uint32_t *slot = idmap__slot(&c->map_of, real ? MAP_KEY | f->mapping
						      : (uint64_t)f->module + 1);
	if (!*slot) {
		c->map_module = xrealloc(c->map_module, (c->nmaps + 1) * sizeof(*c->map_module));
		c->map_prof = xrealloc(c->map_prof, (c->nmaps + 1) * sizeof(*c->map_prof));
		c->map_module[c->nmaps] = real ? PROFILE_NONE : f->module;
		c->map_prof[c->nmaps] = real ? f->mapping : PROFILE_NONE;
		*slot = (uint32_t)++c->nmaps;
		c->map_of.n++;
	}
	return *slot;
}

/*
 * The location of a node. An inlined frame shares the location (the address) of the frame
 * it is inlined into: its parent in the trie, so one location holds the whole run as lines.
 * A frame with an address and a mapping is found by (mapping, address), so that two frames
 * at one place share a location, unless they name different functions there.
 */
static uint32_t location_of(struct pprof_ctx *c, uint32_t frame, uint32_t enclosing)
{
	const struct frame *f = profile__frame_get(c->p, frame);
	struct hashmap_entry *at = NULL;
	if (!enclosing && f->addr && f->mapping != PROFILE_NONE) {
		at = hashmap__put_u64(&c->loc_at, f->mapping, f->addr, NULL);
		if (at->value && c->loc_frame[at->value - 1] == frame)
			return (uint32_t)at->value;
	}
	uint32_t *slot = idmap__slot(&c->loc_of, (uint64_t)frame << 32 | enclosing);
	if (!*slot) {
		if (c->nlocs == c->caplocs) {
			c->caplocs = c->caplocs ? c->caplocs * 2 : 4096;
			c->loc_frame = xrealloc(c->loc_frame, c->caplocs * sizeof(*c->loc_frame));
			c->loc_prev = xrealloc(c->loc_prev, c->caplocs * sizeof(*c->loc_prev));
		}
		c->loc_frame[c->nlocs] = frame;
		c->loc_prev[c->nlocs] = enclosing;
		*slot = (uint32_t)++c->nlocs;
		c->loc_of.n++;
	}
	if (at && !at->value)
		at->value = *slot;
	return *slot;
}

/* Labels a sample gets from its root frames: "comm-PID/TID", "comm-PID" or "comm", "[cpu N]". */
struct labelset {
	PbLabel *lab[4];
	PbLabel store[4];
	size_t n;
	char *comm;
};

static void labels_from_roots(struct pprof_ctx *c, uint32_t root, uint32_t second,
			      struct labelset *ls)
{
	const struct profile *p = c->p;
	ls->n = 0;
	ls->comm = NULL;
	char comm[256];
	uint32_t pid, tid;
	if (format__root_ids(p, root, comm, sizeof(comm), &pid, &tid) == 0) {
		ls->comm = xstrdup(comm);
		PbLabel *l = &ls->store[ls->n];
		perftools__profiles__label__init(l);
		l->key = str_lit(c, "comm");
		l->str = str_lit(c, ls->comm);
		ls->lab[ls->n++] = l;
		const char *keys[] = {"pid", "tid"};
		uint32_t vals[] = {pid, tid};
		for (int i = 0; i < 2; i++) {
			if (!vals[i] && (i || !tid))
				continue; /* "comm-PID" has no tid; pid 0 is the idle task */
			l = &ls->store[ls->n];
			perftools__profiles__label__init(l);
			l->key = str_lit(c, keys[i]);
			l->num = vals[i];
			l->num_unit = vals[i] ? 0 : str_lit(c, keys[i]);
			ls->lab[ls->n++] = l;
		}
	}
	if (second != PROFILE_NONE) {
		const struct frame *g = profile__frame_get(p, profile__node_frame(p, second));
		unsigned cpu;
		int used = 0;
		if (g->kind == FRAME_SYNTHETIC &&
		    sscanf(profile__str(p, g->name), "[cpu %u]%n", &cpu, &used) == 1 && used &&
		    profile__str(p, g->name)[used] == '\0') {
			PbLabel *l = &ls->store[ls->n];
			perftools__profiles__label__init(l);
			l->key = str_lit(c, "cpu");
			l->num = cpu;
			/* pprof drops a numeric label whose value and unit are both 0 (CPU 0) */
			l->num_unit = cpu ? 0 : str_lit(c, "cpu");
			ls->lab[ls->n++] = l;
		}
	}
}

/*
 * The gzip stream the file is written through. Messages are packed into a small staging
 * buffer and deflated as it fills, so no copy of the whole encoded profile is ever held:
 * on a machine where first-touched memory is dear, memory not touched is time not spent.
 */
#define STAGE_SIZE (256u << 10)

struct gzout {
	z_stream z;
	struct strbuf *out;
	uint8_t *stage;
	size_t len;
	int err;
};

static int gzout__init(struct gzout *g, struct strbuf *out)
{
	memset(g, 0, sizeof(*g));
	g->out = out;
	/* level 1: pprof files are written on the recording path; they stay far below gzip -6 of
	 * the folded text because the stacks are already deduplicated ids */
	if (deflateInit2(&g->z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	g->stage = xmalloc(STAGE_SIZE);
	return 0;
}

static void gzout__deflate(struct gzout *g, const uint8_t *data, size_t len, int flush)
{
	g->z.next_in = (Bytef *)data;
	g->z.avail_in = (uInt)len;
	do {
		strbuf__grow(g->out, len / 2 + 4096);
		size_t room = g->out->cap - g->out->len - 1;
		g->z.next_out = (Bytef *)g->out->buf + g->out->len;
		g->z.avail_out = (uInt)room;
		int r = deflate(&g->z, flush);
		g->out->len += room - g->z.avail_out;
		if (r == Z_STREAM_ERROR) {
			g->err = -EIO;
			return;
		}
		if (flush == Z_FINISH && r == Z_STREAM_END)
			break;
	} while (g->z.avail_out == 0 || (flush == Z_FINISH));
}

/* Room for n more bytes in the staging buffer (deflating what it holds when full). */
static uint8_t *gzout__reserve(struct gzout *g, size_t n)
{
	if (g->len + n > STAGE_SIZE) {
		gzout__deflate(g, g->stage, g->len, Z_NO_FLUSH);
		g->len = 0;
	}
	if (n > STAGE_SIZE) /* one huge message: give it its own buffer, see gzout__message */
		return NULL;
	return g->stage + g->len;
}

static size_t put_varint(uint8_t *b, uint64_t v)
{
	size_t i = 0;
	while (v >= 0x80) {
		b[i++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[i++] = (uint8_t)v;
	return i;
}

/* Appends one Profile field holding message m (tag, length, bytes). */
static void gzout__message(struct gzout *g, unsigned field, const ProtobufCMessage *m)
{
	size_t size = protobuf_c_message_get_packed_size(m);
	uint8_t head[16];
	size_t h = put_varint(head, (uint64_t)field << 3 | 2);
	h += put_varint(head + h, size);
	uint8_t *dst = gzout__reserve(g, h + size);
	if (!dst) {
		uint8_t *big = xmalloc(h + size);
		memcpy(big, head, h);
		protobuf_c_message_pack(m, big + h);
		gzout__deflate(g, big, h + size, Z_NO_FLUSH);
		free(big);
		return;
	}
	memcpy(dst, head, h);
	protobuf_c_message_pack(m, dst + h);
	g->len += h + size;
}

/* Appends a whole packed message's bytes (its fields merge into the Profile). */
static void gzout__fields(struct gzout *g, const ProtobufCMessage *m)
{
	size_t size = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = xmalloc(size ? size : 1);
	protobuf_c_message_pack(m, buf);
	gzout__deflate(g, g->stage, g->len, Z_NO_FLUSH);
	g->len = 0;
	gzout__deflate(g, buf, size, Z_NO_FLUSH);
	free(buf);
}

static int gzout__finish(struct gzout *g)
{
	gzout__deflate(g, g->stage, g->len, Z_FINISH);
	g->len = 0;
	deflateEnd(&g->z);
	free(g->stage);
	return g->err;
}

/* One level of the depth-first walk over the trie. */
struct walk_level {
	uint32_t node;
	uint32_t saved;  /* the chain's top before an inlined node replaced it */
	bool pushed;     /* the node added a location to the chain (else replaced the top) */
	struct labelset *labels; /* labels of the samples at and below (depth 0 and 1) */
};

struct sample_walk {
	struct pprof_ctx *c;
	struct gzout *gz;
	int col, offcol;
	uint64_t ns;
	size_t ntypes;
	struct walk_level *lv;
	size_t caplv;
	uint32_t *chain; /* locations of the path, root first, inlined frames folded in */
	size_t nchain, capchain;
	uint64_t *ids;   /* the chain leaf first, for one sample */
	struct labelset **sets;
	size_t nsets;
	size_t nsamples;
};

static struct labelset *labels_for(struct sample_walk *w, size_t d)
{
	if (d > 1)
		d = 1; /* every sample below the second frame has its labels */
	if (!w->lv[d].labels) {
		struct labelset *ls = xcalloc(1, sizeof(*ls));
		labels_from_roots(w->c, w->lv[0].node, d ? w->lv[1].node : PROFILE_NONE, ls);
		for (size_t j = 0; j < ls->n; j++)
			ls->lab[j] = &ls->store[j];
		w->sets = xrealloc(w->sets, (w->nsets + 1) * sizeof(*w->sets));
		w->sets[w->nsets++] = ls;
		w->lv[d].labels = ls;
	}
	return w->lv[d].labels;
}

/* Enters node n at depth d: its location joins the chain, and its sample (if any) is sent. */
static void walk_enter(struct sample_walk *w, uint32_t n, size_t d)
{
	const struct profile *p = w->c->p;
	if (d == w->caplv) {
		w->caplv = w->caplv ? w->caplv * 2 : 64;
		w->lv = xrealloc(w->lv, w->caplv * sizeof(*w->lv));
	}
	struct walk_level *L = &w->lv[d];
	uint32_t fr = profile__node_frame(p, n);
	L->node = n;
	L->labels = NULL;
	if (profile__frame_get(p, fr)->kind == FRAME_INLINED && d > 0) {
		/* inlined: shares the location (the address) of the frame it is inlined into */
		L->pushed = false;
		L->saved = w->chain[w->nchain - 1];
		w->chain[w->nchain - 1] = location_of(w->c, fr, L->saved);
	} else {
		if (w->nchain == w->capchain) {
			w->capchain = w->capchain ? w->capchain * 2 : 64;
			w->chain = xrealloc(w->chain, w->capchain * sizeof(*w->chain));
			w->ids = xrealloc(w->ids, w->capchain * sizeof(*w->ids));
		}
		L->pushed = true;
		w->chain[w->nchain++] = location_of(w->c, fr, 0);
	}
	uint64_t v = profile__self(p, n, w->col);
	uint64_t off = w->offcol >= 0 ? profile__self(p, n, w->offcol) : 0;
	if (!v && !off)
		return;
	for (size_t i = 0; i < w->nchain; i++)
		w->ids[i] = w->chain[w->nchain - 1 - i];
	int64_t vals[3];
	size_t k = 0;
	vals[k++] = (int64_t)v;
	if (w->ns)
		vals[k++] = (int64_t)(v * w->ns);
	if (w->offcol >= 0)
		vals[k++] = (int64_t)off;
	struct labelset *ls = labels_for(w, d);
	PbSample sm;
	perftools__profiles__sample__init(&sm);
	sm.location_id = w->ids;
	sm.n_location_id = w->nchain;
	sm.value = vals;
	sm.n_value = w->ntypes;
	sm.label = ls->lab;
	sm.n_label = ls->n;
	gzout__message(w->gz, 2, &sm.base);
	w->nsamples++;
}

static void walk_leave(struct sample_walk *w, size_t d)
{
	struct walk_level *L = &w->lv[d];
	if (L->pushed)
		w->nchain--;
	else
		w->chain[w->nchain - 1] = L->saved;
}

/* Sends one sample per node with a value, depth first through the trie. */
static void walk_samples(struct sample_walk *w)
{
	const struct profile *p = w->c->p;
	size_t d = 0;
	uint32_t n = profile__first_child(p, PROFILE_ROOT);
	for (;;) {
		if (n == PROFILE_NONE) {
			if (d == 0)
				break;
			d--;
			walk_leave(w, d);
			n = profile__next_sibling(p, w->lv[d].node);
			continue;
		}
		walk_enter(w, n, d);
		d++;
		n = profile__first_child(p, n);
	}
}

static void pprof_ctx__free(struct pprof_ctx *c)
{
	free(c->strs);
	free(c->str_of);
	free(c->fn_of);
	free(c->fn_frame);
	free(c->map_of.keys);
	free(c->map_of.vals);
	free(c->map_module);
	free(c->map_prof);
	hashmap__destroy(&c->loc_at);
	free(c->loc_of.keys);
	free(c->loc_of.vals);
	free(c->loc_frame);
	free(c->loc_prev);
}

int pprof__write(const struct profile *p, int col, const struct format_opts *o,
		 struct strbuf *out, struct strbuf *err)
{
	struct pprof_ctx c = {.p = p};
	const struct profile_meta *meta = profile__meta((struct profile *)p);
	c.str_of = xcalloc(profile__nstrings(p) + 1, sizeof(*c.str_of));
	c.fn_of = xcalloc(profile__nframes(p) + 1, sizeof(*c.fn_of));
	c.fn_frame = xcalloc(profile__nframes(p) + 1, sizeof(*c.fn_frame));
	str_lit(&c, "");

	/*
	 * Value columns: samples, cpu time when the period is known, off-CPU time when kept. A
	 * column of time (off-CPU or wall clock) is a sample type of its own, named after the
	 * column ("time" when the name is only a unit), with no cpu time made up from the
	 * sampling frequency beside it.
	 */
	enum column_type ctype = profile__column_type(p, col);
	bool timecol = ctype == COLUMN_NANOSECONDS || ctype == COLUMN_MICROSECONDS;
	uint64_t ns = timecol ? 0 : format__sample_ns(p);
	int offcol = -1;
	for (int k = 0; k < profile__ncolumns(p); k++)
		if (k != col && !strncmp(profile__column_name(p, k), "off-cpu", 7))
			offcol = k;
	PbValueType types[3], *typep[3];
	size_t ntypes = 0;
	const char *tnames[][2] = {{"samples", "count"}, {"cpu", "nanoseconds"},
				   {"off-cpu", "nanoseconds"}};
	if (timecol) {
		const char *cn = profile__column_name(p, col);
		tnames[0][0] = strcmp(cn, profile__column_unit(p, col)) ? cn : "time";
		tnames[0][1] = ctype == COLUMN_NANOSECONDS ? "nanoseconds" : "microseconds";
	}
	bool want[3] = {true, ns != 0, offcol >= 0};
	for (int i = 0; i < 3; i++) {
		if (!want[i])
			continue;
		perftools__profiles__value_type__init(&types[ntypes]);
		types[ntypes].type = str_lit(&c, tnames[i][0]);
		types[ntypes].unit = str_lit(&c, tnames[i][1]);
		typep[ntypes] = &types[ntypes];
		ntypes++;
	}

	/*
	 * The Profile goes out in three parts whose fields protobuf merges: the sample types,
	 * then each sample as the walk reaches it (its location ids are known by then), then
	 * everything the samples refer to. Field order is the usual one (1, 2, then 3...).
	 */
	struct gzout gz;
	if (gzout__init(&gz, out) < 0) {
		pprof_ctx__free(&c);
		if (err)
			strbuf__addf(err, "pprof: cannot start the gzip stream");
		return -ENOMEM;
	}
	PbProfile head;
	perftools__profiles__profile__init(&head);
	head.n_sample_type = ntypes;
	head.sample_type = typep;
	gzout__fields(&gz, &head.base);

	struct sample_walk w = {.c = &c, .gz = &gz, .col = col, .offcol = offcol, .ns = ns,
				.ntypes = ntypes};
	walk_samples(&w);

	/* locations: lines leaf first, down the chain of frames inlined into each other */
	PbLocation *locs = xcalloc(c.nlocs + 1, sizeof(*locs));
	PbLocation **locp = xcalloc(c.nlocs + 1, sizeof(*locp));
	size_t nlines = 0;
	for (size_t i = 0; i < c.nlocs; i++)
		for (uint32_t l = (uint32_t)i + 1; l; l = c.loc_prev[l - 1])
			nlines++;
	PbLine *lines = xcalloc(nlines + 1, sizeof(*lines));
	PbLine **linep = xcalloc(nlines + 1, sizeof(*linep));
	size_t lp = 0;
	for (size_t i = 0; i < c.nlocs; i++) {
		PbLocation *L = &locs[i];
		perftools__profiles__location__init(L);
		L->id = i + 1;
		L->line = linep + lp;
		uint32_t outer = (uint32_t)i + 1;
		for (uint32_t l = (uint32_t)i + 1; l; l = c.loc_prev[l - 1]) {
			const struct frame *f = profile__frame_get(p, c.loc_frame[l - 1]);
			perftools__profiles__line__init(&lines[lp]);
			lines[lp].function_id = function_of(&c, c.loc_frame[l - 1]);
			lines[lp].line = f->line;
			linep[lp] = &lines[lp];
			lp++;
			outer = l;
		}
		L->n_line = (size_t)(linep + lp - L->line);
		/* the address and mapping are those of the outermost (real) frame */
		const struct frame *of = profile__frame_get(p, c.loc_frame[outer - 1]);
		L->mapping_id = mapping_of(&c, of);
		L->address = of->mapping != PROFILE_NONE ? of->addr : 0;
		locp[i] = L;
	}

	PbFunction *fns = xcalloc(c.nfns + 1, sizeof(*fns));
	PbFunction **fnp = xcalloc(c.nfns + 1, sizeof(*fnp));
	for (size_t i = 0; i < c.nfns; i++) {
		const struct frame *f = profile__frame_get(p, c.fn_frame[i]);
		perftools__profiles__function__init(&fns[i]);
		fns[i].id = i + 1;
		fns[i].name = str_id(&c, f->name);
		fns[i].system_name = f->raw != PROFILE_NONE ? str_id(&c, f->raw) : fns[i].name;
		fns[i].filename = str_id(&c, f->file);
		fnp[i] = &fns[i];
	}

	/* real mappings first (pprof takes the first for the main binary), then the module-named
	 * ones, each in the order first seen */
	PbMapping *maps = xcalloc(c.nmaps + 1, sizeof(*maps));
	PbMapping **mapp = xcalloc(c.nmaps + 1, sizeof(*mapp));
	uint64_t *newid = xcalloc(c.nmaps + 1, sizeof(*newid));
	size_t nm = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c.nmaps; i++)
			if ((c.map_prof[i] != PROFILE_NONE) == !pass)
				newid[i + 1] = ++nm;
	for (size_t i = 0; i < c.nlocs; i++)
		locs[i].mapping_id = newid[locs[i].mapping_id];
	for (size_t i = 0; i < c.nmaps; i++) {
		PbMapping *M = &maps[newid[i + 1] - 1];
		perftools__profiles__mapping__init(M);
		M->id = newid[i + 1];
		if (c.map_prof[i] != PROFILE_NONE) {
			const struct mapping *m = profile__mapping_get(p, c.map_prof[i]);
			M->filename = str_id(&c, m->path);
			M->build_id = str_id(&c, m->build_id);
			M->memory_start = m->start;
			M->memory_limit = m->end;
			M->file_offset = m->pgoff;
		} else {
			M->filename = str_id(&c, c.map_module[i]);
		}
		M->has_functions = 1;
		M->has_filenames = 1;
		M->has_line_numbers = 1;
		M->has_inline_frames = 1;
		mapp[M->id - 1] = M;
	}
	free(newid);

	PbProfile pb;
	perftools__profiles__profile__init(&pb);
	pb.n_location = c.nlocs;
	pb.location = locp;
	pb.n_function = c.nfns;
	pb.function = fnp;
	pb.n_mapping = c.nmaps;
	pb.mapping = mapp;
	PbValueType ptype;
	if (ns) {
		perftools__profiles__value_type__init(&ptype);
		ptype.type = str_lit(&c, "cpu");
		ptype.unit = str_lit(&c, "nanoseconds");
		pb.period_type = &ptype;
		pb.period = (int64_t)ns;
	}
	pb.time_nanos = (int64_t)meta->start_ns;
	pb.duration_nanos = (int64_t)meta->duration_ns;
	int64_t comments[3];
	char *cbuf[3] = {NULL, NULL, NULL};
	const char *ckey[3] = {"event", "cmdline", "host"};
	const char *cval[3] = {meta->event, meta->cmdline, meta->host};
	for (int i = 0; i < 3; i++) {
		if (!cval[i] || !*cval[i])
			continue;
		size_t len = strlen(ckey[i]) + strlen(cval[i]) + 3;
		cbuf[i] = xmalloc(len);
		snprintf(cbuf[i], len, "%s: %s", ckey[i], cval[i]);
		comments[pb.n_comment++] = str_lit(&c, cbuf[i]);
	}
	pb.comment = comments;
	pb.n_string_table = c.nstrs;
	pb.string_table = (char **)c.strs;
	gzout__fields(&gz, &pb.base);
	int rc = gzout__finish(&gz);
	if (rc < 0 && err)
		strbuf__addf(err, "pprof: compressing %zu samples failed", w.nsamples);

	for (int i = 0; i < 3; i++)
		free(cbuf[i]);
	for (size_t i = 0; i < w.nsets; i++) {
		free(w.sets[i]->comm);
		free(w.sets[i]);
	}
	free(w.sets);
	free(w.lv);
	free(w.chain);
	free(w.ids);
	free(maps);
	free(mapp);
	free(fns);
	free(fnp);
	free(lines);
	free(linep);
	free(locs);
	free(locp);
	pprof_ctx__free(&c);
	(void)o;
	return rc;
}
