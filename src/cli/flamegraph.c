// SPDX-License-Identifier: MIT
/* scorch flamegraph: folded stacks -> interactive SVG (flamegraph.pl compatible). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "svg_options.h"
#include "../source/read_formats.h"
#include "../util/bigmem.h"
#include "../util/util.h"

static void usage(FILE *f)
{
	struct strbuf formats = {0};
	sink__list(&formats);
	fprintf(f,
		"usage: scorch flamegraph [options] [FILE...|-] [-o OUT.svg]\n"
		"\n"
		"Reads folded stacks (\"a;b;c 42\" per line, as written by `scorch collapse` or\n"
		"stackcollapse-*.pl) and writes an interactive SVG flame graph: hover for details,\n"
		"click to zoom, Ctrl-F to search (regular expressions; Ctrl-I toggles case).\n"
		"Lines with two counts (\"stack BEFORE AFTER\", from `scorch diff --folded`) draw a\n"
		"differential graph: red grew, blue shrank. Same options and output as\n"
		"flamegraph.pl; single-dash forms (-title) work too.\n"
		"\n"
		"Options:\n%s"
		"  -o, --output FILE  write to FILE (default stdout, SVG); the name's ending picks\n"
		"                     the format: %s\n"
		"  -h, --help         this help\n"
		"\n"
		"Examples:\n"
		"  scorch flamegraph app.folded > app.svg\n"
		"  scorch flamegraph --title \"malloc()\" --colors mem --width 1600 app.folded -o m.svg\n"
		"  scorch flamegraph --inverted --minwidth 0.5%% app.folded > icicle.svg\n"
		"  perf script | scorch collapse | scorch flamegraph > cpu.svg\n",
		svg_options__help, formats.buf);
	strbuf__free(&formats);
}

/*
 * Writes p to out_path through the sink registry: SVG for stdout, else by the file name's
 * ending. Returns an exit status: 2 for a bad format, option or empty input, 1 when the
 * file could not be written. Shared with `scorch diff`.
 */
int cli__write_graph(const struct profile *p, const struct sink *s, const char *out_path,
		     const struct sink_opts *so)
{
	if (!s && !strcmp(out_path, "-"))
		s = sink__by_name("svg");
	int err = sink__write(p, out_path, s, so);
	return err == -EINVAL ? 2 : err < 0 ? 1 : 0;
}

/* Reports what the reader found; returns an exit status when there is nothing to draw. */
static int check_stats(int err, const struct folded_stats *st, bool fraction)
{
	if (err == -EINVAL) /* a broken pprof/JSON file: already said why */
		return 2;
	if (err == -EOVERFLOW) {
		util__error("line %llu: count does not fit in 64 bits",
			    (unsigned long long)st->overflow_line);
		return 2;
	}
	if (st->valid == 0) {
		util__error("no valid folded stacks in the input (%llu lines; expected "
			    "\"frame;frame;... COUNT\")",
			    (unsigned long long)st->lines);
		return 2;
	}
	if (st->ignored)
		util__warn("ignored %llu lines with invalid format (first: line %llu)",
			   (unsigned long long)st->ignored,
			   (unsigned long long)st->first_ignored_line);
	if (st->cut)
		util__warn("%llu stacks were deeper than %d frames: the deeper frames are not drawn",
			   (unsigned long long)st->cut, FOLDED_MAX_DEPTH);
	if (st->fractional && !fraction)
		util__warn("%llu counts had a fractional part and were rounded",
			   (unsigned long long)st->fractional);
	return 0;
}

static int stream_line(const struct folded_line_info *li, void *arg)
{
	svg_stream__line(arg, li);
	return 0;
}

/*
 * Folded text to SVG the way flamegraph.pl does it: sorted lines laid out one by one, no
 * profile of the whole input, so memory stays near the input's size. Returns an exit
 * status as cli__write_graph does.
 */
static int write_streamed(const char *buf, size_t len, const struct svg_opts *o,
			  const char *out_path)
{
	struct folded_opts fo = {.fraction = true, .defer_sort = true};
	struct folded_stats st;
	struct folded_lines *fl;
	int err = folded__lines_open(buf, len, &fo, &fl, &st);
	int status = check_stats(err, &st, true);
	if (err < 0 || status) {
		folded__lines_free(fl);
		return status ? status : 2;
	}
	char why[512] = "";
	struct svg_stream *s = NULL;
	err = svg_stream__new(o, folded__lines_total(fl), folded__lines_scale(fl), &s, why,
			      sizeof(why));
	if (err == 0) {
		folded__lines_sort(fl, svg_stream__narrow(s));
		err = folded__lines_each(fl, stream_line, s, &st);
	}
	if (err == -EOVERFLOW) {
		svg_stream__free(s);
		folded__lines_free(fl);
		return check_stats(err, &st, true);
	}
	struct strbuf out = {0};
	/* room for a big SVG on huge pages: fresh 4 KB pages cost more than writing them */
	strbuf__grow(&out, len < ((size_t)8 << 20) ? len : (size_t)8 << 20);
	bigmem__advise(out.buf, out.cap);
	if (err == 0)
		err = svg_stream__finish(s, &out, why, sizeof(why));
	folded__lines_free(fl);
	if (err < 0) {
		util__error("svg: %s", why[0] ? why : strerror(-err));
		strbuf__free(&out);
		return 2;
	}
	err = util__write_file(out_path, out.buf ? out.buf : "", out.len);
	if (err < 0)
		util__error("cannot write '%s': %s", out_path, strerror(-err));
	strbuf__free(&out);
	return err < 0 ? 1 : 0;
}

/* Whether this run can take write_streamed(): folded text to an SVG in sorted order. */
static bool can_stream(const char *buf, size_t len, const struct svg_opts *o, bool chain,
		       const char *out_path)
{
	const char *e = getenv("SCORCH_STREAM");
	if (e && !strcmp(e, "0"))
		return false;
	if (o->flamechart || o->reverse || chain)
		return false;
	if (strcmp(out_path, "-")) {
		const struct sink *os = sink__for_path(out_path);
		if (!os || strcmp(os->name, "svg"))
			return false;
	}
	return format__sniff(buf, len) == FORMAT_FOLDED;
}

int cmd_flamegraph(int argc, char **argv)
{
	struct svg_opts o;
	svg_opts__init(&o);
	const char *out_path = "-";
	static const struct option extra[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
	};
	struct option *table = svg_options__table_with(extra, 2);
	int c;
	optind = 1;
	while ((c = getopt_long_only(argc, argv, "ho:", table, NULL)) != -1) {
		int r = svg_options__apply(c, optarg, &o);
		if (r < 0) {
			free(table);
			return 2;
		}
		if (r > 0)
			continue;
		if (c == 'o') {
			out_path = optarg;
		} else if (c == 'h') {
			usage(stdout);
			free(table);
			return 0;
		} else {
			fprintf(stderr, "Try 'scorch flamegraph --help'.\n");
			free(table);
			return 2;
		}
	}
	free(table);

	char *buf;
	size_t len;
	int mapped;
	if (cli__read_inputs(argc - optind, argv + optind, &buf, &len, &mapped) < 0)
		return 2;
	bool chain = !strcmp(o.colors, "chain");
	if (can_stream(buf, len, &o, chain, out_path)) {
		int status = write_streamed(buf, len, &o, out_path);
		util__unmap_file(buf, len, mapped);
		return status;
	}
	struct profile *p = profile__new();
	/* chain graphs: flamegraph.pl sorts the lines before it marks the waker frames, so the
	 * layout follows the original lines' order */
	struct folded_opts fo = {.reverse = o.reverse,
				 .chain = chain,
				 .keep_order = o.flamechart || chain,
				 .sort = chain && !o.flamechart};
	o.sequence = fo.keep_order;
	/* fractional counts are kept for the writers that print them (SVG, folded) */
	const struct sink *os = strcmp(out_path, "-") ? sink__for_path(out_path) : NULL;
	fo.fraction = !os || !strcmp(os->name, "svg") || !strcmp(os->name, "folded");
	/* "a;b; 1" sorts and draws as in flamegraph.pl (SVG) or stays as it is (folded) */
	fo.keep_trailing = fo.fraction;
	struct folded_stats st;
	int err = format__read(buf, len, p, 0, &fo, &st);
	util__unmap_file(buf, len, mapped);
	int status = check_stats(err, &st, fo.fraction);
	if (!status) {
		struct sink_opts so;
		sink_opts__init(&so);
		so.before_col = st.before_col;
		so.svg = &o;
		status = cli__write_graph(p, NULL, out_path, &so);
	}
	profile__free(p);
	return status;
}
