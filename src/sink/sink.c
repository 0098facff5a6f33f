// SPDX-License-Identifier: MIT
/* The sink registry: finds a writer by file name, names frames for it, writes atomically. */
#define _GNU_SOURCE
#include "sink.h"
#include "formats.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The interchange writers (formats.h) behind the sink signature. */
static int run_format(format_write_fn fn, const struct profile *p, const struct sink_opts *o,
		      struct strbuf *out, char *err, size_t errlen)
{
	static const struct format_opts defaults;
	struct strbuf msg = {0};
	int r = fn(p, o->col, o->fmt ? o->fmt : &defaults, out, &msg);
	if (r < 0)
		snprintf(err, errlen, "%s", msg.buf ? msg.buf : strerror(-r));
	strbuf__free(&msg);
	return r;
}

#define FORMAT_SINK(name, fn)                                                                \
	static int name##_sink(const struct profile *p, const struct sink_opts *o,          \
			       struct strbuf *out, char *err, size_t errlen)                 \
	{                                                                                    \
		return run_format(fn, p, o, out, err, errlen);                               \
	}
FORMAT_SINK(pprof, pprof__write)
FORMAT_SINK(speedscope, speedscope__write)
FORMAT_SINK(trace, trace__write)
FORMAT_SINK(json, d3json__write)

static const char *const folded_suffixes[] = {".folded", ".txt", ".collapsed", NULL};
static const char *const svg_suffixes[] = {".svg", NULL};
static const char *const pprof_suffixes[] = {".pb.gz", ".pprof", NULL};
static const char *const speedscope_suffixes[] = {".speedscope.json", NULL};
static const char *const trace_suffixes[] = {".trace.json", NULL};
static const char *const json_suffixes[] = {".json", NULL};
static const char *const html_suffixes[] = {".html", ".htm", NULL};

/* Matched in order: the plain .json tree comes after the longer *.json endings. */
static const struct sink sinks[] = {
	{"folded", folded_suffixes, folded__write},
	{"svg", svg_suffixes, svg__write},
	{"pprof", pprof_suffixes, pprof_sink},
	{"speedscope", speedscope_suffixes, speedscope_sink},
	{"trace", trace_suffixes, trace_sink},
	{"json", json_suffixes, json_sink},
	{"html", html_suffixes, html__write},
};

static bool has_suffix_nocase(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcasecmp(s + n - k, suffix);
}

const struct sink *sink__for_path(const char *path)
{
	if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout"))
		return sink__by_name("folded");
	for (size_t i = 0; i < ARRAY_SIZE(sinks); i++)
		for (const char *const *s = sinks[i].suffixes; *s; s++)
			if (has_suffix_nocase(path, *s))
				return &sinks[i];
	return NULL;
}

const struct sink *sink__by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(sinks); i++)
		if (!strcmp(sinks[i].name, name))
			return &sinks[i];
	return NULL;
}

void sink__list(struct strbuf *sb)
{
	bool first = true;
	for (size_t i = 0; i < ARRAY_SIZE(sinks); i++)
		for (const char *const *s = sinks[i].suffixes; *s; s++) {
			if (!first)
				strbuf__add(sb, ", ", 2);
			strbuf__adds(sb, *s);
			first = false;
		}
}

void sink_opts__init(struct sink_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->before_col = -1;
}

int sink__write(const struct profile *p, const char *path, const struct sink *s,
		const struct sink_opts *o)
{
	struct sink_opts def;
	if (!o) {
		sink_opts__init(&def);
		o = &def;
	}
	if (!s)
		s = sink__for_path(path);
	if (!s) {
		struct strbuf known = {0};
		sink__list(&known);
		util__error("cannot tell the format of '%s': use a file name ending in %s", path,
			    known.buf);
		strbuf__free(&known);
		return -EINVAL;
	}
	struct strbuf out = {0};
	char err[512] = "";
	int r = s->write(p, o, &out, err, sizeof(err));
	if (r < 0) {
		util__error("%s: %s", s->name, err[0] ? err : strerror(-r));
		strbuf__free(&out);
		return -EINVAL;
	}
	r = util__write_file(path, out.buf ? out.buf : "", out.len);
	if (r < 0)
		util__error("cannot write '%s': %s", path, strerror(-r));
	strbuf__free(&out);
	return r < 0 ? r : 0;
}

/* ---- frame names as the folded and SVG writers print them ---- */

static void frame_label(const struct profile *p, uint32_t frame, struct strbuf *out, void *arg)
{
	const struct sink_opts *o = arg;
	const struct frame *f = profile__frame_get(p, frame);
	const char *name = profile__str(p, f->name);
	size_t len = profile__strlen(p, f->name);
	strbuf__add(out, name, len);
	const char *mark = NULL;
	bool once = true; /* not when the name already carries it (stackcollapse-perf.pl) */
	if (f->kind == FRAME_INLINED && (o->annotate & SINK_ANNOTATE_INLINED))
		mark = "_[i]";
	else if (f->kind == FRAME_KERNEL && (o->annotate & SINK_ANNOTATE_KERNEL))
		mark = "_[k]", once = false;
	else if (f->kind == FRAME_JIT && (o->annotate & SINK_ANNOTATE_JIT))
		mark = "_[j]";
	if (mark && !(once && memmem(name, len, mark, 4)))
		strbuf__add(out, mark, 4);
	if (o->srcline && f->file != PROFILE_NONE) {
		strbuf__addc(out, ':');
		strbuf__add(out, profile__str(p, f->file), profile__strlen(p, f->file));
		if (f->line)
			strbuf__addf(out, ":%u", f->line);
	}
}

const struct profile *sink__view(const struct profile *p, const struct sink_opts *o)
{
	struct profile *v = profile__relabel(p, frame_label, (void *)o);
	return v ? v : p;
}

void sink__view_free(const struct profile *p, const struct profile *view)
{
	if (view != p)
		profile__free((struct profile *)view);
}
