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

static int gzip_into(const uint8_t *data, size_t len, struct strbuf *out)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	/* level 1: pprof files are written on the recording path; they stay far below gzip -6 of
	 * the folded text because the stacks are already deduplicated ids */
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	size_t bound = deflateBound(&z, len);
	strbuf__grow(out, bound + 1);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out->buf + out->len;
	z.avail_out = (uInt)bound;
	int r = deflate(&z, Z_FINISH);
	if (r == Z_STREAM_END)
		out->len += z.total_out;
	deflateEnd(&z);
	return r == Z_STREAM_END ? 0 : -EIO;
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
	uint32_t nn = profile__nnodes(p);
	c.str_of = xcalloc(profile__nstrings(p) + 1, sizeof(*c.str_of));
	c.fn_of = xcalloc(profile__nframes(p) + 1, sizeof(*c.fn_of));
	c.fn_frame = xcalloc(profile__nframes(p) + 1, sizeof(*c.fn_frame));
	str_lit(&c, "");

	/* value columns: samples, cpu time when the period is known, off-CPU time when kept */
	uint64_t ns = format__sample_ns(p);
	int offcol = -1;
	for (int k = 0; k < profile__ncolumns(p); k++)
		if (k != col && !strncmp(profile__column_name(p, k), "off-cpu", 7))
			offcol = k;
	PbValueType types[3], *typep[3];
	size_t ntypes = 0;
	const char *tnames[][2] = {{"samples", "count"}, {"cpu", "nanoseconds"},
				   {"off-cpu", "nanoseconds"}};
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

	/* per node: its location, where the walk continues after it, its root and second frame */
	uint32_t *loc = xcalloc(nn, sizeof(*loc));
	uint32_t *up = xcalloc(nn, sizeof(*up));
	uint32_t *root = xcalloc(nn, sizeof(*root));
	uint32_t *second = xcalloc(nn, sizeof(*second));
	size_t nsamples = 0, nids = 0;
	for (uint32_t n = 1; n < nn; n++) {
		uint32_t par = profile__node_parent(p, n);
		uint32_t fr = profile__node_frame(p, n);
		const struct frame *f = profile__frame_get(p, fr);
		root[n] = par == PROFILE_ROOT ? n : root[par];
		second[n] = par == PROFILE_ROOT ? PROFILE_NONE : second[par] != PROFILE_NONE ? second[par]
											 : n;
		if (f->kind == FRAME_INLINED && par != PROFILE_ROOT) {
			loc[n] = location_of(&c, fr, loc[par]);
			up[n] = up[par];
		} else {
			loc[n] = location_of(&c, fr, 0);
			up[n] = par;
		}
		if (profile__self(p, n, col) || (offcol >= 0 && profile__self(p, n, offcol))) {
			nsamples++;
			for (uint32_t m = n; m != PROFILE_ROOT; m = up[m])
				nids++;
		}
	}

	PbSample *samples = xcalloc(nsamples ? nsamples : 1, sizeof(*samples));
	PbSample **samplep = xcalloc(nsamples ? nsamples : 1, sizeof(*samplep));
	uint64_t *ids = xmalloc((nids ? nids : 1) * sizeof(*ids));
	int64_t *vals = xmalloc((nsamples ? nsamples : 1) * ntypes * sizeof(*vals));
	struct labelset *sets = NULL;
	uint32_t *set_of = xcalloc(nn, sizeof(*set_of)); /* label node -> set index + 1 */
	size_t nsets = 0, s = 0, idpos = 0;
	for (uint32_t n = 1; n < nn; n++) {
		uint64_t v = profile__self(p, n, col);
		uint64_t off = offcol >= 0 ? profile__self(p, n, offcol) : 0;
		if (!v && !off)
			continue;
		PbSample *sm = &samples[s];
		perftools__profiles__sample__init(sm);
		sm->location_id = ids + idpos;
		for (uint32_t m = n; m != PROFILE_ROOT; m = up[m])
			ids[idpos++] = loc[m];
		sm->n_location_id = (size_t)(ids + idpos - sm->location_id);
		sm->value = vals + s * ntypes;
		sm->n_value = ntypes;
		size_t k = 0;
		sm->value[k++] = (int64_t)v;
		if (ns)
			sm->value[k++] = (int64_t)(v * ns);
		if (offcol >= 0)
			sm->value[k++] = (int64_t)off;
		/* labels: one set per (root, second) pair, shared by the samples below it */
		uint32_t key = second[n] != PROFILE_NONE ? second[n] : root[n];
		if (!set_of[key]) {
			sets = xrealloc(sets, (nsets + 1) * sizeof(*sets));
			labels_from_roots(&c, root[n], second[n], &sets[nsets]);
			set_of[key] = (uint32_t)++nsets;
		}
		sm->n_label = sets[set_of[key] - 1].n;
		samplep[s++] = sm;
	}
	/* sets moved while growing: point the samples at their labels only now */
	s = 0;
	for (uint32_t n = 1; n < nn; n++) {
		if (!profile__self(p, n, col) && !(offcol >= 0 && profile__self(p, n, offcol)))
			continue;
		uint32_t key = second[n] != PROFILE_NONE ? second[n] : root[n];
		struct labelset *ls = &sets[set_of[key] - 1];
		for (size_t j = 0; j < ls->n; j++)
			ls->lab[j] = &ls->store[j];
		samples[s++].label = ls->lab;
	}

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
	pb.n_sample_type = ntypes;
	pb.sample_type = typep;
	pb.n_sample = s;
	pb.sample = samplep;
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

	size_t size = perftools__profiles__profile__get_packed_size(&pb);
	uint8_t *raw = xmalloc(size ? size : 1);
	perftools__profiles__profile__pack(&pb, raw);
	int rc = gzip_into(raw, size, out);
	if (rc < 0 && err)
		strbuf__addf(err, "pprof: compressing %zu bytes failed", size);

	free(raw);
	for (int i = 0; i < 3; i++)
		free(cbuf[i]);
	for (size_t i = 0; i < nsets; i++)
		free(sets[i].comm);
	free(sets);
	free(set_of);
	free(maps);
	free(mapp);
	free(fns);
	free(fnp);
	free(lines);
	free(linep);
	free(locs);
	free(locp);
	free(samples);
	free(samplep);
	free(ids);
	free(vals);
	free(loc);
	free(up);
	free(root);
	free(second);
	pprof_ctx__free(&c);
	(void)o;
	return rc;
}
