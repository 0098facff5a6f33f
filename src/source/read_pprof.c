// SPDX-License-Identifier: MIT
/* pprof reader: profile.proto (gzip-compressed or not) into a profile, through protobuf-c. */
#include "read_formats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile PbProfile;

struct id_index {
	uint64_t id;
	size_t index;
};

static int id_cmp(const void *a, const void *b)
{
	const struct id_index *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Finds objects by id: ids are usually 1..n in order; otherwise a sorted table. */
struct id_table {
	struct id_index *sorted; /* NULL when dense */
	size_t n;
};

static void id_table__init(struct id_table *t, size_t n, uint64_t (*id_at)(const void *, size_t),
			   const void *arr)
{
	t->n = n;
	t->sorted = NULL;
	for (size_t i = 0; i < n; i++)
		if (id_at(arr, i) != i + 1) {
			t->sorted = xmalloc(n * sizeof(*t->sorted));
			for (size_t k = 0; k < n; k++)
				t->sorted[k] = (struct id_index){id_at(arr, k), k};
			qsort(t->sorted, n, sizeof(*t->sorted), id_cmp);
			return;
		}
}

/* The index of id, or SIZE_MAX. */
static size_t id_table__find(const struct id_table *t, uint64_t id)
{
	if (!t->sorted)
		return id >= 1 && id <= t->n ? (size_t)(id - 1) : SIZE_MAX;
	struct id_index key = {id, 0};
	struct id_index *hit = bsearch(&key, t->sorted, t->n, sizeof(key), id_cmp);
	return hit ? hit->index : SIZE_MAX;
}

static uint64_t fn_id(const void *a, size_t i)
{
	return ((Perftools__Profiles__Function *const *)a)[i]->id;
}
static uint64_t loc_id(const void *a, size_t i)
{
	return ((Perftools__Profiles__Location *const *)a)[i]->id;
}
static uint64_t map_id(const void *a, size_t i)
{
	return ((Perftools__Profiles__Mapping *const *)a)[i]->id;
}

struct reader {
	const PbProfile *pb;
	struct profile *p;
	uint32_t *str; /* string index -> profile string id (PROFILE_NONE: not yet) */
};

static uint32_t str_of(struct reader *r, int64_t i)
{
	if (i <= 0 || (uint64_t)i >= r->pb->n_string_table)
		return PROFILE_NONE;
	if (r->str[i] == PROFILE_NONE) {
		const char *s = r->pb->string_table[i];
		r->str[i] = profile__intern(r->p, s, strlen(s));
	}
	return r->str[i];
}

static const char *cstr(const PbProfile *pb, int64_t i)
{
	return i > 0 && (uint64_t)i < pb->n_string_table ? pb->string_table[i] : "";
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
					   : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Hex text to bytes (a build-id as the model takes it); 0 when s is not even-length hex. */
static size_t unhex(const char *s, unsigned char *out, size_t cap)
{
	size_t n = 0;
	for (; s[0] && s[1] && n < cap; s += 2) {
		int hi = hexval(s[0]), lo = hexval(s[1]);
		if (hi < 0 || lo < 0)
			return 0;
		out[n++] = (unsigned char)(hi << 4 | lo);
	}
	return *s ? 0 : n;
}

/*
 * The model's view of a pprof mapping that describes a real mapped file (an address range or
 * a build-id), or NULL for one that only names a module (scorch writes those for kernel
 * frames and folded input).
 */
static const struct mapping_info *real_mapping(const PbProfile *pb,
					       const Perftools__Profiles__Mapping *M,
					       struct mapping_info *mi, unsigned char *bid,
					       size_t cap)
{
	const char *b = cstr(pb, M->build_id);
	if (!M->memory_limit && !*b)
		return NULL;
	memset(mi, 0, sizeof(*mi));
	mi->path = cstr(pb, M->filename);
	mi->build_id_len = unhex(b, bid, cap);
	mi->build_id = mi->build_id_len ? bid : NULL;
	mi->start = M->memory_start;
	mi->end = M->memory_limit;
	mi->pgoff = M->file_offset;
	return mi;
}

static void read_meta(const PbProfile *pb, struct profile *p)
{
	struct profile_meta *m = profile__meta(p);
	m->start_ns = pb->time_nanos > 0 ? (uint64_t)pb->time_nanos : 0;
	m->duration_ns = pb->duration_nanos > 0 ? (uint64_t)pb->duration_nanos : 0;
	for (size_t i = 0; i < pb->n_comment; i++) {
		const char *c = cstr(pb, pb->comment[i]);
		char **dst = !strncmp(c, "event: ", 7)	   ? &m->event
			     : !strncmp(c, "cmdline: ", 9) ? &m->cmdline
			     : !strncmp(c, "host: ", 6)	   ? &m->host
							   : NULL;
		if (dst) {
			free(*dst);
			*dst = xstrdup(strchr(c, ' ') + 1);
		}
	}
	if (pb->period_type && pb->period > 0 &&
	    !strcmp(cstr(pb, pb->period_type->unit), "nanoseconds")) {
		bool clock = !m->event || !strcmp(m->event, "cpu-clock") ||
			     !strcmp(m->event, "task-clock");
		if (!m->event)
			m->event = xstrdup("cpu-clock");
		if (clock)
			m->period = (uint64_t)pb->period;
		else
			m->freq = (uint32_t)(1000000000ull / (uint64_t)pb->period);
	}
}

/* pprof's unit strings onto the model's typed columns. */
static enum column_type unit_type(const char *unit)
{
	if (!strcmp(unit, "nanoseconds"))
		return COLUMN_NANOSECONDS;
	if (!strcmp(unit, "microseconds"))
		return COLUMN_MICROSECONDS;
	if (!strcmp(unit, "bytes"))
		return COLUMN_BYTES;
	return COLUMN_SAMPLES; /* "count": pprof's unit for sample counts */
}

int pprof__read(const char *buf, size_t len, struct profile *p, int col, struct strbuf *err)
{
	char *plain = NULL;
	if (len >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b) {
		size_t plen;
		if (format__gunzip(buf, len, &plain, &plen) < 0) {
			if (err)
				strbuf__adds(err, "corrupt gzip data");
			return -EINVAL;
		}
		buf = plain;
		len = plen;
	}
	PbProfile *pb = perftools__profiles__profile__unpack(NULL, len, (const uint8_t *)buf);
	free(plain);
	if (!pb) {
		if (err)
			strbuf__adds(err, "not a valid profile.proto message");
		return -EINVAL;
	}
	struct reader r = {pb, p, xmalloc((pb->n_string_table + 1) * sizeof(uint32_t))};
	for (size_t i = 0; i <= pb->n_string_table; i++)
		r.str[i] = PROFILE_NONE;
	read_meta(pb, p);

	/* which value is the sample count; the others become columns */
	size_t vi = pb->n_sample_type ? pb->n_sample_type - 1 : 0;
	const char *want = pb->default_sample_type ? cstr(pb, pb->default_sample_type) : "samples";
	for (size_t i = 0; i < pb->n_sample_type; i++)
		if (!strcmp(cstr(pb, pb->sample_type[i]->type), want))
			vi = i;
	/* the value column takes the sample type's unit too */
	if (vi < pb->n_sample_type)
		profile__set_column(p, col, profile__column_name(p, col),
				    unit_type(cstr(pb, pb->sample_type[vi]->unit)));
	int colof[8];
	for (size_t i = 0; i < pb->n_sample_type && i < 8; i++) {
		colof[i] = -1;
		if (i == vi)
			colof[i] = col;
		else if (profile__ncolumns(p) < PROFILE_MAX_COLUMNS)
			colof[i] = profile__add_column(p, cstr(pb, pb->sample_type[i]->type),
						       unit_type(cstr(pb, pb->sample_type[i]->unit)));
	}

	struct id_table fns, locs, maps;
	id_table__init(&fns, pb->n_function, fn_id, pb->function);
	id_table__init(&locs, pb->n_location, loc_id, pb->location);
	id_table__init(&maps, pb->n_mapping, map_id, pb->mapping);

	/* frames of each location, outermost first: its lines reversed */
	size_t *first = xmalloc((pb->n_location + 1) * sizeof(*first));
	uint32_t *frames = NULL;
	size_t nframes = 0;
	int rc = 0;
	for (size_t i = 0; i < pb->n_location; i++) {
		const Perftools__Profiles__Location *L = pb->location[i];
		first[i] = nframes;
		size_t mi = id_table__find(&maps, L->mapping_id);
		const char *mname = mi != SIZE_MAX ? cstr(pb, pb->mapping[mi]->filename) : "";
		uint32_t module = mi != SIZE_MAX ? str_of(&r, pb->mapping[mi]->filename) : PROFILE_NONE;
		enum frame_kind base = !strncmp(mname, "[kernel", 7)
					       ? FRAME_KERNEL
					       : FRAME_USER;
		/* the address and the mapped file (path, build-id, range) go with the outermost
		 * frame, as the writer takes them from it: pprof -> pprof keeps them */
		struct mapping_info minfo;
		unsigned char bid[128];
		const struct mapping_info *real =
			mi != SIZE_MAX ? real_mapping(pb, pb->mapping[mi], &minfo, bid, sizeof(bid))
				       : NULL;
		frames = xrealloc(frames, (nframes + L->n_line + 1) * sizeof(*frames));
		if (!L->n_line) {
			/* no symbol: the address, as perf prints unknown frames */
			char hex[32];
			int n = snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)L->address);
			struct frame_info fi = {.name = hex, .name_len = (size_t)n, .module = mname,
						.kind = base, .addr = L->address, .map = real};
			if (!*mname)
				fi.module = NULL;
			frames[nframes++] = profile__frame_full(p, &fi);
			continue;
		}
		for (size_t k = L->n_line; k-- > 0;) {
			size_t fi = id_table__find(&fns, L->line[k]->function_id);
			if (fi == SIZE_MAX) {
				if (err)
					strbuf__addf(err, "location %llu names a missing function %llu",
						     (unsigned long long)L->id,
						     (unsigned long long)L->line[k]->function_id);
				rc = -EINVAL;
				goto out;
			}
			const Perftools__Profiles__Function *F = pb->function[fi];
			if (k || (!real && !L->address)) {
				uint32_t name = str_of(&r, F->name);
				if (name == PROFILE_NONE)
					name = profile__intern(p, "", 0);
				frames[nframes++] = profile__frame(p, name, module,
								   str_of(&r, F->filename), 0,
								   k ? FRAME_INLINED : base);
				continue;
			}
			const char *sys = cstr(pb, F->system_name);
			struct frame_info f = {
				.name = cstr(pb, F->name),
				.raw = *sys && strcmp(sys, cstr(pb, F->name)) ? sys : NULL,
				.module = *mname ? mname : NULL,
				.file = *cstr(pb, F->filename) ? cstr(pb, F->filename) : NULL,
				.kind = base,
				.addr = L->address,
				.map = real,
			};
			frames[nframes++] = profile__frame_full(p, &f);
		}
	}
	first[pb->n_location] = nframes;

	uint32_t *stack = NULL;
	size_t cap = 0;
	for (size_t s = 0; s < pb->n_sample; s++) {
		const Perftools__Profiles__Sample *S = pb->sample[s];
		size_t n = 0;
		for (size_t k = S->n_location_id; k-- > 0;) {
			size_t li = id_table__find(&locs, S->location_id[k]);
			if (li == SIZE_MAX) {
				if (err)
					strbuf__addf(err, "sample %zu names a missing location %llu", s,
						     (unsigned long long)S->location_id[k]);
				rc = -EINVAL;
				free(stack);
				goto out;
			}
			size_t m = first[li + 1] - first[li];
			if (n + m > cap) {
				cap = (n + m) * 2;
				stack = xrealloc(stack, cap * sizeof(*stack));
			}
			memcpy(stack + n, frames + first[li], m * sizeof(*stack));
			n += m;
		}
		if (!n)
			continue;
		uint32_t leaf = PROFILE_ROOT;
		for (size_t k = 0; k < n; k++)
			leaf = profile__child(p, leaf, stack[k]);
		for (size_t i = 0; i < S->n_value && i < 8 && i < pb->n_sample_type; i++)
			if (colof[i] >= 0 && S->value[i] > 0 &&
			    profile__add(p, leaf, colof[i], (uint64_t)S->value[i]) < 0)
				rc = -EOVERFLOW;
	}
	free(stack);
out:
	free(first);
	free(frames);
	free(fns.sorted);
	free(locs.sorted);
	free(maps.sorted);
	free(r.str);
	perftools__profiles__profile__free_unpacked(pb, NULL);
	return rc;
}
